// Package enrich finds the people, organisations, places and dates named in
// a release, and its language.
//
// It is pure: no network, no store. Gazetteers (countries, demonyms, cities,
// regions, international organisations, titles) are embedded data, built from
// packages that ship them (see data/README.md) or curated in the repository,
// and loaded once by New. Rules decide: a person is a name introduced by a
// title ("Prime Minister Mohammed Shia' al-Sudani"), described by one
// ("Fuad Hussein, Iraq's Minister of Foreign Affairs") or quoted ("Jane Doe
// said"); later short mentions ("al-Sudani") resolve to the same person.
package enrich

import (
	"sort"
	"strings"
	"sync"

	communique "github.com/communique-news/communique"
)

// Enricher holds the gazetteers. It is immutable after New and safe for
// concurrent use.
type Enricher struct {
	g *gazetteer
}

var (
	loadOnce sync.Once
	loaded   *gazetteer
	loadErr  error
)

// New returns an Enricher. The embedded gazetteers are parsed on the first
// call and shared, read-only, by every Enricher.
func New() (*Enricher, error) {
	loadOnce.Do(func() { loaded, loadErr = load() })
	if loadErr != nil {
		return nil, communique.Errorf(communique.EINTERNAL, "enrich: loading gazetteers: %v", loadErr)
	}
	return &Enricher{g: loaded}, nil
}

// Doc is what Enrich reads.
type Doc struct {
	Title string
	Text  string // plain text body
	// Lang is the BCP 47 language of the text; when empty it is detected.
	Lang string
	// Originator is the organisation that issued the release ("NATO").
	// An officer named with an organisation title and no other
	// affiliation ("Secretary General Mark Rutte") belongs to it.
	Originator string
}

// EnrichRelease enriches a release from its title, text, language and
// originating organisation.
func (e *Enricher) EnrichRelease(r *communique.Release) *communique.Entities {
	return e.Enrich(Doc{Title: r.Title, Text: r.Text, Lang: r.Language, Originator: r.Organization})
}

// maxText bounds the text read: longer releases are enriched on their first
// 200,000 bytes.
const maxText = 200_000

// Enrich returns the entities of d. It never returns nil.
func (e *Enricher) Enrich(d Doc) *communique.Entities {
	text := d.Text
	if len(text) > maxText {
		text = text[:maxText]
	}
	if t := strings.TrimSpace(d.Title); t != "" {
		text = t + "\n\n" + text
	}
	lang := d.Lang
	if lang == "" {
		lang = Language(text)
	}
	if k := strings.IndexAny(lang, "-_"); k > 0 {
		lang = lang[:k]
	}
	a := &analysis{g: e.g, text: text, lang: strings.ToLower(lang), originator: strings.TrimSpace(d.Originator)}
	a.toks = tokenize(text)
	a.match()
	a.defineAcronyms()
	a.headNounOrgs()
	a.describedOrgs()
	a.findPeople()
	ents := &communique.Entities{
		People:        []communique.Person{},
		Organizations: []communique.Organization{},
		Places:        []communique.Place{},
		Dates:         findDates(text),
		Countries:     []string{},
		Regions:       []string{},
	}
	for _, p := range a.people {
		ents.People = append(ents.People, communique.Person{Name: p.name, Title: p.title, Affiliation: p.affil})
	}
	ents.Organizations = a.organizations()
	ents.Places, ents.Countries, ents.Regions = a.places()
	return ents
}

// span is a run of tokens [i, j) naming one thing.
type span struct {
	i, j int
	kind kind
	ref  int // index into the gazetteer table of its kind, or into analysis.orgs for kOrg
	// country is, for an organisation, the country it belongs to.
	country string
}

// dynOrg is an organisation found in this text.
type dynOrg struct {
	name, acronym, country string
	known                  bool
}

type analysis struct {
	g          *gazetteer
	text       string
	lang       string
	originator string
	toks       []token
	spans      []span
	at         []int // token -> index into spans, -1 if none
	orgs       []dynOrg
	orgIndex   map[string]int // gazetteer org index -> analysis org index
	acr        map[string]int // acronym -> span template (index into spans) defined here
	extraReg   []int          // regions named inside a longer region ("Middle East" in "Middle East and North Africa")
	people     []*person
	nameTok    map[string]bool // tokens of people's names
	headlines  []bool          // per token: on a title-case line
	absorbed   []span          // country and demonym spans inside organisation names
}

func (a *analysis) tokKey(i int) string {
	if i < 0 || i >= len(a.toks) {
		return ""
	}
	return a.toks[i].key
}

func (a *analysis) spanOf(i int) *span {
	if i < 0 || i >= len(a.at) || a.at[i] < 0 {
		return nil
	}
	return &a.spans[a.at[i]]
}

// setSpan records s, replacing the spans it overlaps.
func (a *analysis) setSpan(s span) int {
	for k := s.i; k < s.j; k++ {
		if o := a.at[k]; o >= 0 {
			old := a.spans[o]
			// A country named inside an organisation's name is still
			// named: "Embassy of the Bolivarian Republic of Venezuela".
			if (old.kind == kCountry || old.kind == kDemonym) && s.kind == kOrg {
				a.absorbed = append(a.absorbed, old)
			}
			for m := old.i; m < old.j; m++ {
				a.at[m] = -1
			}
			a.spans[o].kind = kNone
		}
	}
	a.spans = append(a.spans, s)
	for k := s.i; k < s.j; k++ {
		a.at[k] = len(a.spans) - 1
	}
	return len(a.spans) - 1
}

// orgFor returns the analysis org index of gazetteer org i.
func (a *analysis) orgFor(i int) int {
	if a.orgIndex == nil {
		a.orgIndex = map[string]int{}
	}
	key := a.g.orgs[i].name
	if k, ok := a.orgIndex[key]; ok {
		return k
	}
	o := a.g.orgs[i]
	a.orgs = append(a.orgs, dynOrg{name: o.name, acronym: o.acronym, country: o.country, known: true})
	a.orgIndex[key] = len(a.orgs) - 1
	return len(a.orgs) - 1
}

func (a *analysis) newOrg(name, acronym, country string) int {
	if a.orgIndex == nil {
		a.orgIndex = map[string]int{}
	}
	if k, ok := a.orgIndex[name]; ok {
		if a.orgs[k].acronym == "" {
			a.orgs[k].acronym = acronym
		}
		if a.orgs[k].country == "" {
			a.orgs[k].country = country
		}
		return k
	}
	a.orgs = append(a.orgs, dynOrg{name: name, acronym: acronym, country: country})
	a.orgIndex[name] = len(a.orgs) - 1
	return len(a.orgs) - 1
}

// longest returns the longest gazetteer phrase starting at token i.
func (a *analysis) longest(i int, tables ...map[string][]phrase) (best phrase, n int) {
	key := a.toks[i].key
	for _, t := range tables {
		for _, p := range t[key] {
			if len(p.toks) < n || i+len(p.toks) > len(a.toks) {
				continue
			}
			if len(p.toks) == n && priority[p.kind] <= priority[best.kind] {
				continue
			}
			ok := true
			for k := 1; k < len(p.toks); k++ {
				if a.toks[i+k].key != p.toks[k] {
					ok = false
					break
				}
			}
			if ok {
				best, n = p, len(p.toks)
			}
		}
	}
	return best, n
}

// shouting reports whether token i sits among all-capital words (a heading
// or a button in capitals), where acronyms cannot be told from words.
func (a *analysis) shouting(i int) bool {
	caps := 0
	for _, k := range []int{i - 2, i - 1, i + 1, i + 2} {
		if k < 0 || k >= len(a.toks) || !a.toks[k].word {
			continue
		}
		if w := a.toks[k].s; isAllCaps(w) && len(w) > 2 {
			if _, known := a.g.acronyms[w]; !known {
				caps++
			}
		}
	}
	return caps > 0
}

// match finds the gazetteer phrases, longest first, left to right.
func (a *analysis) match() {
	a.at = make([]int, len(a.toks))
	for i := range a.at {
		a.at[i] = -1
	}
	tables := []map[string][]phrase{a.g.phrases}
	if t, ok := a.g.langPhrases[a.lang]; ok {
		tables = append(tables, t)
	}
	for i := 0; i < len(a.toks); {
		t := a.toks[i]
		if !t.word {
			i++
			continue
		}
		p, n := a.longest(i, tables...)
		if n == 0 {
			i++
			continue
		}
		if n == 1 && isAllCaps(t.s) && a.shouting(i) {
			i++
			continue
		}
		// Place and organisation names are capitalised in every
		// language handled; lower-case matches are titles only.
		if !t.cap && p.kind != kTitle && !strings.HasPrefix(t.s, "al-") && !(p.kind == kDemonym && a.lang == "fr") {
			i++
			continue
		}
		s := span{i: i, j: i + n, kind: p.kind, ref: p.ref}
		if p.kind == kOrg {
			s.ref = a.orgFor(p.ref)
			s.country = a.orgs[s.ref].country
		}
		a.setSpan(s)
		if p.kind == kRegion && n > 2 {
			// Regions named inside a longer one: "Middle East" and
			// "North Africa" in "Middle East and North Africa".
			for k := i + 1; k < i+n; {
				q, m := a.longest(k, a.g.phrases)
				if m > 0 && m < n && k+m <= i+n && q.kind == kRegion {
					a.extraReg = append(a.extraReg, q.ref)
					k += m
					continue
				}
				k++
			}
		}
		i += n
	}
}

// connectors may join the words of a name ("Ministry of Interior",
// "Office of the National Security Advisor").
var connectors = map[string]bool{
	"of": true, "for": true, "the": true, "and": true, "on": true, "de": true, "du": true, "des": true,
	"la": true, "le": true, "für": true, "der": true, "die": true, "del": true, "y": true, "&": true,
	"et": true, "und": true, "d'": true,
}

// acronymOK reports whether acr fits the words [i, j): its first letter is the
// first word's initial and at least half its letters are initials.
func (a *analysis) acronymOK(acr string, i, j int) bool {
	var initials []rune
	for k := i; k < j; k++ {
		t := a.toks[k]
		if !t.word || !t.cap {
			continue
		}
		for _, part := range strings.Split(t.s, "-") {
			if part != "" {
				initials = append(initials, []rune(strings.ToUpper(part))[0])
			}
		}
	}
	up := []rune(strings.ToUpper(acr))
	if len(initials) == 0 || !strings.ContainsRune(string(up), initials[0]) {
		return false
	}
	hit := 0
	for _, r := range up {
		for _, x := range initials {
			if x == r {
				hit++
				break
			}
		}
	}
	return hit*2 >= len(up)
}

func looksAcronym(s string) bool {
	if len(s) < 2 || len(s) > 10 || !isUpperByte(s[0]) {
		return false
	}
	up := 0
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			up++
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '&':
		default:
			return false
		}
	}
	return up >= 2 && isUpperByte(s[len(s)-1]) || up*2 > len(s)+1
}

// defineAcronyms reads "Long Name (ACR)" definitions. The acronym then
// names the same thing wherever it is used, before or after the definition.
func (a *analysis) defineAcronyms() {
	type def struct {
		acr  string
		span int
	}
	var defs []def
	for k := 1; k+2 < len(a.toks); k++ {
		if a.toks[k].s != "(" || a.toks[k+2].s != ")" || !looksAcronym(a.toks[k+1].s) {
			continue
		}
		acr := a.toks[k+1].s
		// Walk back over capitalised words and connectors.
		i := k
		for i > 0 {
			t := a.toks[i-1]
			if t.word && (t.cap || connectors[t.key] || (a.at[i-1] >= 0 && a.spans[a.at[i-1]].kind != kTitle)) {
				i--
				continue
			}
			break
		}
		for i < k && (!a.toks[i].cap || a.toks[i].key == "The") {
			i++
		}
		// Trim to the word whose initial starts the acronym.
		for i < k && !a.acronymOK(acr, i, k) {
			i++
			for i < k && !a.toks[i].cap {
				i++
			}
		}
		if i >= k || (k-i < 2 && len(acr) > 3) {
			continue
		}
		// A phrase the gazetteer knows keeps its kind (MENA is a region).
		if s := a.spanOf(i); s != nil && s.i == i && s.j == k && s.kind != kTitle && s.kind != kCity {
			defs = append(defs, def{acr, a.at[i]})
			a.setSpan(span{i: k + 1, j: k + 2, kind: s.kind, ref: s.ref, country: s.country})
			continue
		}
		if s := a.spanOf(k + 1); s != nil && s.kind == kOrg {
			// A known acronym: the long form is its name as this
			// release writes it.
			continue
		}
		// A defined term that is no body: "Anti-Money Laundering (AML)",
		// "Payment Service Act (PSA)". The acronym still names it, so it
		// is not read as anything else.
		if !a.bodyName(i, k) {
			continue
		}
		country := ""
		if s := a.spanOf(i); s != nil && (s.kind == kDemonym || s.kind == kCountry) && s.j < k {
			// "Venezuelan Institute for Culture and Cooperation
			// (IVCC)" keeps its demonym; "Iraq's Counter-Terrorism
			// Service (CTS)" is Iraq's; "NATO Mission Iraq" is a name.
			switch {
			case s.kind == kDemonym:
				country = a.g.countries[s.ref].code
			case a.toks[s.j].poss:
				country = a.g.countries[s.ref].code
				i = s.j + 1
			}
		}
		name := a.text[a.toks[i].start:a.toks[k-1].end]
		o := a.newOrg(name, acr, country)
		si := a.setSpan(span{i: i, j: k, kind: kOrg, ref: o, country: country})
		a.setSpan(span{i: k + 1, j: k + 2, kind: kOrg, ref: o, country: country})
		defs = append(defs, def{acr, si})
	}
	for _, d := range defs {
		s := a.spans[d.span]
		for k, t := range a.toks {
			if t.word && t.s == d.acr && a.at[k] < 0 {
				a.setSpan(span{i: k, j: k + 1, kind: s.kind, ref: s.ref, country: s.country})
			}
		}
	}
}

// instruments end names of laws and agreements, not of bodies.
var instruments = map[string]bool{"Act": true, "Law": true, "Rule": true, "Rules": true, "Regulation": true,
	"Directive": true, "Treaty": true, "Agreement": true, "Convention": true, "Protocol": true, "Bill": true,
	"Code": true, "Framework": true, "Standard": true, "Standards": true, "Plan": true, "Strategy": true}

// bodyName reports whether the words [i, j) name a body: they hold an
// organisation head noun where English puts it, and do not end with a law or
// agreement.
func (a *analysis) bodyName(i, j int) bool {
	if instruments[a.toks[j-1].key] {
		return false
	}
	for k := i; k < j; k++ {
		if s := a.spanOf(k); s != nil && s.kind == kOrg {
			return true
		}
	}
	return a.headFinal(i, j)
}

// complements may follow a head noun: "Ministry of Interior", "Business
// Group on Health".
var complements = map[string]bool{"of": true, "for": true, "on": true, "de": true, "du": true, "des": true,
	"für": true, "del": true, "de la": true}

// headFinal reports whether [i, j) ends with its head noun ("Federal Police
// Command"), or the head is followed only by a complement ("Office of the
// National Security Advisor"), a place ("NATO Mission Iraq") or a corporate
// suffix. "Central Bank Digital Currency" and "Money Service Businesses"
// have modifiers, not heads, in their middle.
func (a *analysis) headFinal(i, j int) bool {
	last := -1
	for k := i; k < j; k++ {
		if headNouns[a.toks[k].key] || corporate[a.toks[k].s] {
			last = k
		}
		if complements[a.toks[k].key] && last >= 0 {
			return true
		}
	}
	if last < 0 {
		return false
	}
	for k := last + 1; k < j; k++ {
		t := a.toks[k]
		if corporate[t.s] || t.s == "," {
			continue
		}
		if s := a.spanOf(k); s != nil && (s.kind == kCountry || s.kind == kCity || s.kind == kRegion || s.kind == kState) {
			k = s.j - 1
			continue
		}
		return false
	}
	return true
}

// headNouns make a capitalised phrase an organisation.
var headNouns = map[string]bool{
	"Ministry": true, "Department": true, "Office": true, "Council": true, "Commission": true, "Agency": true,
	"Bank": true, "Mission": true, "Command": true, "Committee": true, "Court": true, "Parliament": true,
	"Assembly": true, "Authority": true, "Institute": true, "University": true, "Organization": true,
	"Organisation": true, "Fund": true, "Programme": true, "Program": true, "Service": true, "Centre": true,
	"Center": true, "Administration": true, "Bureau": true, "Corporation": true, "Foundation": true,
	"Association": true, "Board": true, "Secretariat": true, "Directorate": true, "Senate": true,
	"Congress": true, "Cabinet": true, "Tribunal": true, "Army": true, "Navy": true, "Forces": true,
	"Coalition": true, "Federation": true, "Society": true, "College": true, "School": true, "Group": true,
	"Company": true, "Inc.": true, "Ltd": true, "Police": true, "Guard": true, "Academy": true, "Laboratory": true,
	"Ministère": true, "Ministerium": true, "Ministerio": true, "Bundesministerium": true, "Kommission": true,
	"Conseil": true, "Consejo": true, "Agence": true, "Agencia": true, "Banque": true, "Banco": true,
	"Legislature": true, "Newsroom": true, "Hospital": true, "Embassy": true, "Consulate": true, "Clinic": true,
	"Network": true, "Ministries": true, "Unit": true, "Division": true, "Institution": true, "District": true,
}

// countryHeads are the head nouns of national bodies: with no country in
// their name they belong to the country named earlier in the sentence.
var countryHeads = map[string]bool{"Ministry": true, "Department": true, "Office": true, "Police": true,
	"Command": true, "Ministère": true, "Ministerium": true, "Ministerio": true, "Cabinet": true}

// sentenceStart returns the index of the first token of i's sentence.
func (a *analysis) sentenceStart(i int) int {
	for i > 0 && !a.toks[i].sent {
		i--
	}
	return i
}

// corporate suffixes end a company's name: "ADNET Systems, Inc.".
var corporate = map[string]bool{"Inc.": true, "Inc": true, "LLC": true, "Ltd": true, "Ltd.": true, "Corp.": true,
	"GmbH": true, "AG": true, "plc": true, "PLC": true, "S.A.": true, "SA": true, "N.V.": true, "B.V.": true}

// headNounOrgs finds organisations named by a capitalised phrase with an
// organisation noun: "Federal Police Command", "Ministry of Interior".
func (a *analysis) headNounOrgs() {
	for i := 0; i < len(a.toks); {
		t := a.toks[i]
		if !t.word || !t.cap {
			i++
			continue
		}
		j := i + 1
		for j < len(a.toks) {
			u := a.toks[j]
			if u.word && u.cap || corporate[u.s] {
				j++
				continue
			}
			if (u.word || u.s == "&") && connectors[u.key] && j+1 < len(a.toks) && (a.toks[j+1].cap || (connectors[a.toks[j+1].key] && j+2 < len(a.toks) && a.toks[j+2].cap)) {
				j++
				continue
			}
			// ", Inc."
			if u.s == "," && j+1 < len(a.toks) && corporate[a.toks[j+1].s] {
				j += 2
				continue
			}
			break
		}
		a.orgRun(i, j)
		i = j
	}
}

// orgRun makes organisations of the capitalised run [start, end): one per
// part between "and"s that has a head noun.
func (a *analysis) orgRun(start, end int) {
	if s := a.spanOf(start); s != nil && s.kind == kOrg && s.i <= start && s.j >= end {
		return
	}
	segs := [][2]int{}
	s0 := start
	for k := start; k < end; k++ {
		if a.toks[k].key == "and" {
			left, right := false, false
			for m := s0; m < k; m++ {
				left = left || headNouns[a.toks[m].key]
			}
			for m := k + 1; m < end; m++ {
				right = right || headNouns[a.toks[m].key]
			}
			// "Ministry of Foreign Affairs and Trade" stays whole; two
			// named bodies split.
			rs := a.spanOf(k + 1)
			if rs == nil && a.tokKey(k+1) == "the" {
				rs = a.spanOf(k + 2)
			}
			if rs != nil && rs.i < k {
				rs = nil // the span runs across "and": one name
			}
			ls := a.spanOf(k - 1)
			// "Securities and Exchange Commission", "Food and Drug
			// Administration": with no head noun before "and", the "and"
			// is inside one name.
			if right && left || ls != nil && ls.kind == kOrg && ls.j == k ||
				left && rs != nil && (rs.kind == kOrg || rs.kind == kCountry || rs.kind == kDemonym) {
				segs = append(segs, [2]int{s0, k})
				s0 = k + 1
				continue
			}
			// "the University of Chicago Education Lab and MDRC": an
			// acronym after "and" is another body.
			if left && k+2 == end && isAllCaps(a.toks[k+1].s) && len(a.toks[k+1].s) >= 3 {
				segs = append(segs, [2]int{s0, k})
				name := a.toks[k+1].s
				if a.spanOf(k+1) == nil {
					o := a.newOrg(name, "", "")
					a.setSpan(span{i: k + 1, j: k + 2, kind: kOrg, ref: o})
				}
				end, s0 = k, k
				break
			}
			// "the American Federation of Teachers and Thomas Kennedy": a
			// name after "and" is not part of the organisation.
			if j := a.nameAfter(k + 1); j == end {
				end = k
				break
			}
		}
	}
	segs = append(segs, [2]int{s0, end})
	for _, sg := range segs {
		a.orgSegment(sg[0], sg[1])
	}
}

func (a *analysis) orgSegment(start, end int) {
	for start < end && connectors[a.toks[start].key] {
		start++
	}
	head := -1
	for k := start; k < end; k++ {
		if headNouns[a.toks[k].key] || corporate[a.toks[k].s] {
			if head < 0 {
				head = k
			}
		}
	}
	if head < 0 || !a.headFinal(start, end) {
		return
	}
	// "Jennifer M. Johnston of Boston University": with no head noun
	// before it, "of" (or "at") ends what came before.
	for k := head - 1; k > start; k-- {
		if a.toks[k].key == "of" || a.toks[k].key == "at" {
			start = k + 1
			break
		}
	}
	// "European Commission President Ursula": a title after the head
	// noun ends the organisation.
	for k := head + 1; k < end; k++ {
		if s := a.spanOf(k); s != nil && s.kind == kTitle && a.nameWord(s.j) {
			end = k
			break
		}
	}
	for end > head+1 && (connectors[a.toks[end-1].key] || a.toks[end-1].s == ",") {
		end--
	}
	country := ""
	for start < head {
		s := a.spanOf(start)
		k := a.toks[start].key
		switch {
		case k == "The" || k == "the":
			start++
			continue
		case s != nil && s.kind == kTitle:
			start = s.j
			for start < head && connectors[a.toks[start].key] {
				start++
			}
			continue
		case s != nil && s.kind == kDemonym && s.j <= head:
			// "the Iraqi Ministry of Interior" is Iraq's "Ministry of
			// Interior"; "American Federation of Teachers" is a name.
			country = a.g.countries[s.ref].code
			if countryHeads[a.toks[head].key] {
				start = s.j
				continue
			}
		case s != nil && s.kind == kCountry && s.j < len(a.toks) && a.toks[s.j].poss:
			country = a.g.countries[s.ref].code
			start = s.j + 1
			continue
		case a.toks[start].sent && s == nil && !headNouns[k] && stopCaps[k]:
			start++
			continue
		}
		break
	}
	// "Germany's Federal Foreign Office".
	if country == "" && start >= 2 && a.toks[start-1].poss {
		if s := a.spanOf(start - 2); s != nil && s.kind == kCountry {
			country = a.g.countries[s.ref].code
		}
	}
	if end-start < 2 {
		return
	}
	// A span the gazetteer already knows in full needs nothing more.
	if s := a.spanOf(start); s != nil && s.i == start && s.j == end {
		return
	}
	if s := a.spanOf(start); s != nil && s.kind == kTitle {
		return
	}
	if country == "" && countryHeads[a.toks[head].key] {
		for k := a.sentenceStart(start); k < start; k++ {
			if s := a.spanOf(k); s != nil && (s.kind == kDemonym || s.kind == kCountry) {
				country = a.g.countries[s.ref].code
			}
		}
	}
	name := a.text[a.toks[start].start:a.toks[end-1].end]
	o := a.newOrg(name, "", country)
	a.setSpan(span{i: start, j: end, kind: kOrg, ref: o, country: country})
}

// organizations lists the organisations in order of first mention.
func (a *analysis) organizations() []communique.Organization {
	seen := map[int]bool{}
	out := []communique.Organization{}
	for _, s := range a.spans {
		if s.kind != kOrg || seen[s.ref] {
			continue
		}
		seen[s.ref] = true
		o := a.orgs[s.ref]
		out = append(out, communique.Organization{Name: o.name, Acronym: o.acronym, Country: o.country})
	}
	return out
}

// places lists countries, cities and regions in order of first mention, and
// the sorted country codes and region names (named regions plus the UN M49
// subregion of every country).
func (a *analysis) places() ([]communique.Place, []string, []string) {
	out := []communique.Place{}
	codes := map[string]bool{}
	regions := map[string]bool{}
	seen := map[string]bool{}
	addCountry := func(code string, place bool) {
		ci, ok := a.g.byCode[code]
		if !ok {
			return
		}
		c := a.g.countries[ci]
		codes[code] = true
		if c.subregion != "" {
			regions[c.subregion] = true
		}
		if place && !seen["c:"+code] {
			seen["c:"+code] = true
			out = append(out, communique.Place{Name: c.name, Kind: communique.PlaceCountry, Country: code})
		}
	}
	mentioned := map[string]bool{}
	for _, s := range a.spans {
		if s.kind == kCountry || s.kind == kDemonym {
			mentioned[a.g.countries[s.ref].code] = true
		}
	}
	usState := a.usContext()
	addRegion := func(ref int) {
		r := a.g.regions[ref]
		regions[r.name] = true
		if !seen["r:"+r.name] {
			seen["r:"+r.name] = true
			out = append(out, communique.Place{Name: r.name, Kind: communique.PlaceRegion})
		}
	}
	for _, s := range a.spans {
		switch s.kind {
		case kState:
			addCountry("US", false)
		case kCountry, kDemonym:
			c := a.g.countries[s.ref]
			if c.code == "GE" && s.kind == kCountry && usState {
				addCountry("US", false)
				continue
			}
			if s.kind == kDemonym && a.languageName(s) {
				continue
			}
			addCountry(c.code, true)
		case kRegion:
			addRegion(s.ref)
			// "Central and South America": Central America too.
			if s.i >= 2 && a.toks[s.i-1].key == "and" && a.toks[s.i-2].cap {
				for _, q := range a.g.phrases[a.toks[s.i-2].key] {
					if q.kind == kRegion && len(q.toks) == 2 && q.toks[1] == a.toks[s.j-1].key {
						addRegion(q.ref)
					}
				}
			}
		case kCity:
			name, cc, ok := a.city(s, mentioned)
			if !ok {
				continue
			}
			if name == "" {
				addCountry(cc, false)
				continue
			}
			addCountry(cc, false)
			if !seen["t:"+name] {
				seen["t:"+name] = true
				out = append(out, communique.Place{Name: name, Kind: communique.PlaceCity, Country: cc})
			}
		}
	}
	for _, r := range a.extraReg {
		addRegion(r)
	}
	for _, s := range a.absorbed {
		c := a.g.countries[s.ref]
		if c.code == "GE" && usState {
			addCountry("US", false)
			continue
		}
		addCountry(c.code, true)
	}
	return out, sortedKeys(codes), sortedKeys(regions)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// usStates are the cue that "Georgia" is the US state.
var usStates = map[string]bool{
	"Alabama": true, "Alaska": true, "Arizona": true, "Arkansas": true, "California": true, "Colorado": true,
	"Connecticut": true, "Delaware": true, "Florida": true, "Hawaii": true, "Idaho": true, "Illinois": true,
	"Indiana": true, "Iowa": true, "Kansas": true, "Kentucky": true, "Louisiana": true, "Maine": true,
	"Maryland": true, "Massachusetts": true, "Michigan": true, "Minnesota": true, "Mississippi": true,
	"Missouri": true, "Montana": true, "Nebraska": true, "Nevada": true, "Ohio": true, "Oklahoma": true,
	"Oregon": true, "Pennsylvania": true, "Tennessee": true, "Texas": true, "Utah": true, "Vermont": true,
	"Virginia": true, "Wisconsin": true, "Wyoming": true, "Atlanta": true, "Savannah": true,
}

// usContext reports whether "Georgia" in this text is the US state: the text
// names US states or Georgia's cities, or "state of Georgia", and not
// Tbilisi, the Caucasus or Georgians.
func (a *analysis) usContext() bool {
	us, ge := 0, 0
	for i, t := range a.toks {
		switch {
		case usStates[t.key]:
			us++
		case t.key == "Tbilisi" || t.key == "Caucasus" || t.key == "Georgian" || t.key == "Georgians":
			ge++
		case t.key == "Georgia" && i >= 2 && a.toks[i-1].key == "of" && (a.toks[i-2].key == "state" || a.toks[i-2].key == "State"):
			us += 2
		case t.key == "Georgia" && i+1 < len(a.toks) && (a.toks[i+1].key == "Governor" || a.toks[i+1].key == "Tech" || a.toks[i+1].key == "State"):
			us += 2
		case t.key == "Georgia" && i >= 2 && a.toks[i-1].key == "," && a.toks[i-2].cap:
			if s := a.spanOf(i - 2); s != nil && s.kind == kCity && a.g.cities[s.ref][0].country == "US" {
				us += 2
			}
		}
	}
	return us > ge
}

// languageWords after a demonym make it a language: "Spanish classes",
// "in French", "English-language".
var languageWords = map[string]bool{"language": true, "languages": true, "classes": true, "class": true,
	"courses": true, "course": true, "lessons": true, "speakers": true, "speaking": true, "translation": true,
	"version": true, "text": true, "teacher": true, "teachers": true, "subtitles": true, "words": true, "word": true}

// languageName reports whether the demonym span s names a language.
func (a *analysis) languageName(s span) bool {
	if s.j < len(a.toks) {
		k := s.j
		if a.toks[k].s == "-" {
			k++
		}
		if k < len(a.toks) && languageWords[strings.ToLower(a.toks[k].key)] {
			return true
		}
	}
	if s.i > 0 {
		switch strings.ToLower(a.toks[s.i-1].key) {
		case "speak", "speaks", "speaking", "learn", "learning", "learned", "teach", "teaches", "teaching", "study", "studying", "into":
			return true
		case "in":
			return s.j == len(a.toks) || !a.toks[s.j].word
		}
	}
	return false
}

// governmentVerbs after "Washington" (or another capital) mean the
// government, not the city: "Washington said", "Washington has".
var governmentVerbs = map[string]bool{
	"said": true, "says": true, "wants": true, "insists": true, "insisted": true, "announced": true,
	"believes": true, "warned": true, "demanded": true, "urged": true, "accused": true, "rejected": true,
	"denied": true, "objected": true, "condemned": true, "welcomed": true, "responded": true, "retaliated": true,
	"imposed": true, "sanctioned": true, "vetoed": true, "threatened": true}

// city decides whether a city span is a city: it must stand alone (not part
// of a longer capitalised name such as "Washington Post" or "Paris
// Baguette") and not be a person's name. When several cities share the name,
// one in a country the text mentions wins, else the largest. An empty name
// with ok means the government of the country ("Washington said").
func (a *analysis) city(s span, mentioned map[string]bool) (name, cc string, ok bool) {
	cands := a.g.cities[s.ref]
	if s.i > 0 {
		p := a.toks[s.i-1]
		if p.word && p.cap && !p.sent && !p.nl {
			return "", "", false
		}
		if p.word && p.cap && p.sent && !stopCaps[p.key] {
			return "", "", false
		}
	}
	if s.j < len(a.toks) {
		n := a.toks[s.j]
		// "Washington, D.C. New evidence": the stop of "D.C." may end
		// the sentence too.
		if n.word && n.cap && !strings.HasSuffix(a.toks[s.j-1].s, ".") {
			return "", "", false
		}
		if n.s == "-" && s.j+1 < len(a.toks) && a.toks[s.j+1].cap {
			return "", "", false
		}
	}
	for k := s.i; k < s.j; k++ {
		if a.nameTok[a.toks[k].key] {
			return "", "", false
		}
	}
	c := cands[0]
	for _, x := range cands {
		// A namesake in a country the text names wins, unless it is
		// much smaller: Paris, Texas does not beat Paris.
		if mentioned[x.country] && x.country != c.country && !mentioned[c.country] && x.pop*10 >= c.pop {
			c = x
			break
		}
	}
	// A small town heads no sentence: "Nice to meet", "Reading the".
	if a.toks[s.i].sent && c.pop < 200_000 && !mentioned[c.country] {
		return "", "", false
	}
	if c.pop < 50_000 && !mentioned[c.country] {
		return "", "", false
	}
	if s.j < len(a.toks) && governmentVerbs[a.toks[s.j].key] && c.pop >= 500_000 && isCapital(a.toks[s.i].key) {
		prev := ""
		if s.i > 0 {
			prev = a.toks[s.i-1].key
		}
		if prev != "in" && prev != "to" && prev != "from" && prev != "at" {
			return "", c.country, true
		}
	}
	name = a.text[a.toks[s.i].start:a.toks[s.j-1].end]
	if strings.HasPrefix(name, "Washington") {
		name = "Washington"
	}
	return name, c.country, true
}

// capitals whose name stands for the government.
func isCapital(s string) bool {
	switch s {
	case "Washington", "Moscow", "Beijing", "London", "Paris", "Berlin", "Tehran", "Kyiv", "Kiev", "Ankara",
		"Brussels", "Tokyo", "Pyongyang", "Seoul", "Delhi", "New Delhi", "Riyadh", "Cairo", "Damascus", "Baghdad":
		return true
	}
	return false
}
