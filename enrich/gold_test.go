package enrich

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	communique "github.com/communique-news/communique"
)

// gold is an annotated release, in the format of the seed's expected.json.
type gold struct {
	File string `json:"file"`
	// Heldout marks a reading written before the enricher was run on the
	// text; TestGold reports those files on their own too.
	Heldout bool `json:"heldout"`
	Release struct {
		Title      string `json:"title"`
		Originator string `json:"originator"`
		Language   string `json:"language"`
	} `json:"release"`
	People struct {
		Must    []communique.Person `json:"must"`
		Should  []communique.Person `json:"should"`
		MustNot []string            `json:"must_not"`
	} `json:"people"`
	Organizations struct {
		Must   []goldOrg `json:"must"`
		Should []goldOrg `json:"should"`
	} `json:"organizations"`
	Places struct {
		CountriesMust    []string    `json:"countries_must"`
		CountriesShould  []string    `json:"countries_should"`
		CountriesMustNot []string    `json:"countries_must_not"`
		CitiesMust       []goldPlace `json:"cities_must"`
		CitiesShould     []goldPlace `json:"cities_should"`
		RegionsMust      []string    `json:"regions_must"`
		RegionsShould    []string    `json:"regions_should"`
	} `json:"places"`
	Dates struct {
		Must   []communique.DateMention `json:"must"`
		Should []communique.DateMention `json:"should"`
	} `json:"dates"`
}

type goldOrg struct {
	Name    string `json:"name"`
	Acronym string `json:"acronym"`
	Of      string `json:"of"`
}

type goldPlace struct {
	Name    string `json:"name"`
	Country string `json:"country"`
}

func normName(s string) string {
	s = strings.ReplaceAll(s, "’", "'")
	// "ADNET Systems, Inc." is "ADNET Systems".
	for _, suf := range []string{", Inc.", " Inc.", ", LLC", " LLC", ", Ltd", " Ltd"} {
		s = strings.TrimSuffix(s, suf)
	}
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

func samePerson(a, b string) bool {
	a, b = normName(a), normName(b)
	if a == b {
		return true
	}
	// "Trump" and "Donald Trump": one name ends the other.
	return strings.HasSuffix(a, " "+b) || strings.HasSuffix(b, " "+a)
}

func sameOrg(o communique.Organization, g goldOrg) bool {
	names := []string{normName(g.Name)}
	for _, p := range strings.Split(g.Name, "/") {
		names = append(names, normName(p))
	}
	if g.Acronym != "" {
		names = append(names, normName(g.Acronym))
	}
	return slices.Contains(names, normName(o.Name)) || o.Acronym != "" && slices.Contains(names, normName(o.Acronym))
}

func sameDate(d, g communique.DateMention) bool {
	if g.Date != "" {
		return d.Date == g.Date
	}
	return d.Date == "" && d.Year == g.Year
}

// score counts, for one kind, true positives against the must items
// (recall) and outputs matching no must or should item (precision).
type score struct{ found, must, out, wrong int }

func (s *score) add(t score) {
	s.found += t.found
	s.must += t.must
	s.out += t.out
	s.wrong += t.wrong
}
func (s score) recall() float64 {
	if s.must == 0 {
		return 1
	}
	return float64(s.found) / float64(s.must)
}
func (s score) precision() float64 {
	if s.out == 0 {
		return 1
	}
	return float64(s.out-s.wrong) / float64(s.out)
}

func count[O, G any](out []O, must, should []G, same func(O, G) bool) (s score, missed []G, extra []O) {
	s.must, s.out = len(must), len(out)
	for _, g := range must {
		if slices.ContainsFunc(out, func(o O) bool { return same(o, g) }) {
			s.found++
		} else {
			missed = append(missed, g)
		}
	}
	for _, o := range out {
		if !slices.ContainsFunc(must, func(g G) bool { return same(o, g) }) && !slices.ContainsFunc(should, func(g G) bool { return same(o, g) }) {
			s.wrong++
			extra = append(extra, o)
		}
	}
	return s, missed, extra
}

func readGold(t testing.TB, path string) (gold, string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var g gold
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	text, err := os.ReadFile(filepath.Join(filepath.Dir(path), g.File))
	if err != nil {
		t.Fatal(err)
	}
	return g, string(text)
}

// splitRelease cuts a text file into title and body: the first line is the
// title.
func splitRelease(text string) (string, string) {
	title, body, _ := strings.Cut(text, "\n")
	return title, body
}

func newEnricher(t testing.TB) *Enricher {
	t.Helper()
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var kinds = []string{"people", "organizations", "countries", "cities", "regions", "dates"}

func evaluate(e *Enricher, g gold, text string) (map[string]score, []string) {
	title, body := splitRelease(text)
	ents := e.Enrich(Doc{Title: title, Text: body, Lang: g.Release.Language, Originator: g.Release.Originator})
	var notes []string
	res := map[string]score{}
	note := func(kind string, missed, extra any) {
		if fmt.Sprint(missed) != "[]" || fmt.Sprint(extra) != "[]" {
			notes = append(notes, fmt.Sprintf("%s %s: missed %v, extra %v", g.File, kind, missed, extra))
		}
	}
	s, m, x := count(ents.People, g.People.Must, g.People.Should, func(o, g communique.Person) bool { return samePerson(o.Name, g.Name) })
	res["people"] = s
	note("people", m, x)
	s2, m2, x2 := count(ents.Organizations, g.Organizations.Must, g.Organizations.Should, sameOrg)
	res["organizations"] = s2
	note("organizations", m2, x2)
	eq := func(a, b string) bool { return a == b }
	s3, m3, x3 := count(ents.Countries, g.Places.CountriesMust, g.Places.CountriesShould, eq)
	res["countries"] = s3
	note("countries", m3, x3)
	var cities, regions []communique.Place
	for _, p := range ents.Places {
		switch p.Kind {
		case communique.PlaceCity:
			cities = append(cities, p)
		case communique.PlaceRegion:
			regions = append(regions, p)
		}
	}
	s4, m4, x4 := count(cities, g.Places.CitiesMust, g.Places.CitiesShould, func(o communique.Place, g goldPlace) bool {
		return normName(o.Name) == normName(g.Name) && o.Country == g.Country
	})
	res["cities"] = s4
	note("cities", m4, x4)
	s5, m5, x5 := count(regions, g.Places.RegionsMust, g.Places.RegionsShould, func(o communique.Place, g string) bool { return normName(o.Name) == normName(g) })
	res["regions"] = s5
	note("regions", m5, x5)
	s6, m6, x6 := count(ents.Dates, g.Dates.Must, g.Dates.Should, sameDate)
	res["dates"] = s6
	note("dates", m6, x6)
	for _, n := range g.People.MustNot {
		for _, p := range ents.People {
			if normName(p.Name) == normName(n) {
				notes = append(notes, fmt.Sprintf("%s people: must_not %q found", g.File, n))
				res["must_not"] = score{wrong: 1}
			}
		}
	}
	for _, c := range g.Places.CountriesMustNot {
		if slices.Contains(ents.Countries, c) {
			notes = append(notes, fmt.Sprintf("%s countries: must_not %q found", g.File, c))
			res["must_not"] = score{wrong: 1}
		}
	}
	return res, notes
}

// TestSeed: every must item of the seed's gold reading is found, no
// must_not; should items are reported.
func TestSeed(t *testing.T) {
	e := newEnricher(t)
	path := filepath.Join("testdata", "expected.json")
	if _, err := os.Stat("../../shared/corpus/seed/expected.json"); err == nil {
		path = "../../shared/corpus/seed/expected.json"
	}
	g, text := readGold(t, path)
	// The seed's text ends with the republisher's footer; extraction
	// removes it, and so does this test.
	if k := strings.Index(text, "/Public Release."); k > 0 {
		text = text[:k]
	}
	title, body := splitRelease(text)
	ents := e.Enrich(Doc{Title: title, Text: body, Originator: g.Release.Originator})
	for _, want := range g.People.Must {
		i := slices.IndexFunc(ents.People, func(p communique.Person) bool { return p.Name == want.Name })
		if i < 0 {
			t.Errorf("person %q not found in %+v", want.Name, ents.People)
			continue
		}
		if got := ents.People[i]; got != want {
			t.Errorf("person = %+v, want %+v", got, want)
		}
	}
	for _, n := range g.People.MustNot {
		for _, p := range ents.People {
			if p.Name == n {
				t.Errorf("%q is a title, not a person", n)
			}
		}
	}
	if len(ents.People) != len(g.People.Must) {
		t.Errorf("people = %+v, want exactly the %d of the gold (aliases resolve to them)", ents.People, len(g.People.Must))
	}
	for _, want := range g.Organizations.Must {
		if !slices.ContainsFunc(ents.Organizations, func(o communique.Organization) bool {
			return sameOrg(o, want) && (want.Acronym == "" || o.Acronym == want.Acronym)
		}) {
			t.Errorf("organisation %+v not found in %+v", want, ents.Organizations)
		}
	}
	for _, c := range g.Places.CountriesMust {
		if !slices.Contains(ents.Countries, c) {
			t.Errorf("country %s not in %v", c, ents.Countries)
		}
	}
	for _, r := range g.Places.RegionsMust {
		if !slices.Contains(ents.Regions, r) {
			t.Errorf("region %s not in %v", r, ents.Regions)
		}
	}
	for _, d := range g.Dates.Must {
		if !slices.Contains(ents.Dates, d) {
			t.Errorf("date %+v not in %+v", d, ents.Dates)
		}
	}
	if lang := Language(body); lang != g.Release.Language {
		t.Errorf("Language = %q, want %q", lang, g.Release.Language)
	}
	// Should items: reported, not required.
	var should []string
	for _, o := range g.Organizations.Should {
		i := slices.IndexFunc(ents.Organizations, func(x communique.Organization) bool { return sameOrg(x, o) })
		ok := i >= 0 && (o.Of == "" || ents.Organizations[i].Country == "IQ")
		should = append(should, fmt.Sprintf("org %s of %s: %v", o.Name, o.Of, ok))
	}
	for _, c := range g.Places.CountriesShould {
		should = append(should, fmt.Sprintf("country %s: %v", c, slices.Contains(ents.Countries, c)))
	}
	for _, r := range g.Places.RegionsShould {
		should = append(should, fmt.Sprintf("region %s: %v", r, slices.Contains(ents.Regions, r)))
	}
	for _, d := range g.Dates.Should {
		should = append(should, fmt.Sprintf("date %+v: %v", d, slices.Contains(ents.Dates, d)))
	}
	t.Logf("seed should items:\n%s", strings.Join(should, "\n"))
}

// floors are the regression floors of TestGold, per kind: precision and
// recall over the annotated set may not fall below them.
var floors = map[string][2]float64{ // kind: {precision, recall}
	"people":        {0.90, 0.90},
	"countries":     {0.90, 0.90},
	"dates":         {0.90, 0.90},
	"organizations": {0.90, 0.65},
	"cities":        {0.90, 0.90},
	"regions":       {0.90, 0.90},
}

// TestGold runs the annotated releases in testdata/gold and reports
// precision and recall per entity kind, against the floors.
func TestGold(t *testing.T) {
	e := newEnricher(t)
	files, err := filepath.Glob(filepath.Join("testdata", "gold", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join("testdata", "expected.json"))
	if len(files) < 16 {
		t.Fatalf("want at least 15 annotated releases and the seed, have %d", len(files))
	}
	total := map[string]*score{}
	held := map[string]*score{}
	for _, k := range kinds {
		total[k] = &score{}
		held[k] = &score{}
	}
	nheld := 0
	for _, f := range files {
		g, text := readGold(t, f)
		if k := strings.Index(text, "/Public Release."); k > 0 {
			text = text[:k]
		}
		res, notes := evaluate(e, g, text)
		for k, s := range res {
			if k == "must_not" {
				t.Errorf("%s: a must_not item was found", f)
				continue
			}
			total[k].add(s)
			if g.Heldout {
				held[k].add(s)
			}
		}
		if g.Heldout {
			nheld++
		}
		for _, n := range notes {
			t.Log(n)
		}
	}
	for _, k := range kinds {
		s := held[k]
		t.Logf("held-out (%d files) %-14s precision %.2f (%d/%d)  recall %.2f (%d/%d)", nheld, k, s.precision(), s.out-s.wrong, s.out, s.recall(), s.found, s.must)
	}
	keys := make([]string, 0, len(total))
	for k := range total {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := total[k]
		t.Logf("%-14s precision %.2f (%d/%d)  recall %.2f (%d/%d)", k, s.precision(), s.out-s.wrong, s.out, s.recall(), s.found, s.must)
		if f := floors[k]; s.precision() < f[0] || s.recall() < f[1] {
			t.Errorf("%s: precision %.2f recall %.2f below the floor %.2f/%.2f", k, s.precision(), s.recall(), f[0], f[1])
		}
	}
}
