package enrich

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// foldKey compares names without case and accents: "MARTINEZ-BELTRAN" and
// "Martínez-Beltrán".
func foldKey(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)))
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

type person struct {
	toks      []string // name tokens (keys)
	name      string
	title     string
	titleKind string
	affil     string
	first     int
	shouted   bool // written in capitals (a transcript's speaker label)
}

// stopCaps are capitalised words that are not names.
var stopCaps = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`The A An This That These Those It Its He She His Her They Their We Our You Your I
		In On At By For From With Without To Of And Or But As If When While Where After Before During Since Until
		Under Over Between Among About Across Through Following Despite According Also Both Each Every All Some
		Many Most Other Such No Not Yes There Here Today Yesterday Tomorrow Monday Tuesday Wednesday Thursday Friday
		Saturday Sunday January February March April May June July August September October November December
		Mission Council Committee Commission Office Ministry Department Agency Assembly Summit Headquarters
		Allies Ally Partners Partner Affairs Government Governments State States Forces Force Police Command
		Army Navy Union Nations Bank Court Parliament Senate Congress Cabinet Staff General Security Defence
		Defense Foreign Interior Justice Finance Health Education Trade Economy Energy Environment Development
		Cooperation Partnership Dialogue Program Programme Plan Strategy Policy Report Act Law Agreement Treaty
		Conference Meeting Forum Group Board Centre Center Institute University School College Service Services
		Team Task Public Private National International Federal Regional European Global World Republic Kingdom
		Mr Mrs Ms Dr Prof Sir Lord Lady Madam Excellency Highness Majesty Chief Deputy Vice Acting Former Special
		New North South East West Northern Southern Eastern Western Central Upper Lower Great Greater Saint St
		Read More Click Learn Contact Home Share Follow Photo Image Video Source Note Notes Editor Editors Media
		Press Release News Update Updates Statement Speech Transcript Q&A FAQ Next Previous Back Top Menu`) {
		stopCaps[w] = true
	}
}

var particles = map[string]bool{
	"al": true, "el": true, "bin": true, "ibn": true, "bint": true, "abu": true, "van": true, "von": true,
	"der": true, "den": true, "de": true, "da": true, "di": true, "du": true, "dos": true, "das": true,
	"del": true, "della": true, "la": true, "le": true, "ter": true, "ten": true, "zu": true, "y": true,
}

// hyphenParticle reports names such as "al-Sudani", "el-Sisi", "bin-Salman".
func hyphenParticle(s string) bool {
	h := strings.IndexByte(s, '-')
	if h <= 0 || h+1 >= len(s) {
		return false
	}
	return particles[strings.ToLower(s[:h])] && isUpperByte(s[h+1])
}

// nameWord reports whether token i can be part of a person's name.
func (a *analysis) nameWord(i int) bool {
	if i < 0 || i >= len(a.toks) {
		return false
	}
	t := a.toks[i]
	if !t.word {
		return false
	}
	if s := a.spanOf(i); s != nil && s.kind != kCity {
		return false
	}
	if hyphenParticle(t.s) {
		return true
	}
	// An initial between names: "Elizabeth A. Hoge".
	if len(t.s) == 2 && t.s[1] == '.' && isUpperByte(t.s[0]) {
		return i > 0 && a.toks[i-1].word && a.toks[i-1].cap && i+1 < len(a.toks) && a.toks[i+1].word && a.toks[i+1].cap
	}
	if !t.cap || stopCaps[t.key] || stopCaps[strings.TrimSuffix(t.key, ".")] {
		return false
	}
	// "Chief Product Officer" is no one's name.
	if low := strings.ToLower(t.key); roleNouns[low] && low != "dean" {
		return false
	}
	if isAllCaps(t.s) && !(len(t.s) == 2 && t.s[1] == '.') {
		return false
	}
	for _, r := range t.s {
		if r >= '0' && r <= '9' {
			return false
		}
	}
	return true
}

// parseName reads a name starting at token i: capitalised words, initials,
// particles ("von der Leyen", "Shia' al-Sudani"). It returns the end, or i
// if there is none.
func (a *analysis) parseName(i int) int {
	j := i
	last := i
	for j < len(a.toks) && j-i < 6 {
		t := a.toks[j]
		if a.nameWord(j) {
			j++
			last = j
			continue
		}
		if t.word && particles[strings.ToLower(t.key)] {
			// "von der Leyen", "Ursula von der Leyen", "bin Salman".
			m := j
			for m < len(a.toks) && m-j < 3 && a.toks[m].word && particles[strings.ToLower(a.toks[m].key)] {
				m++
			}
			if (j == i || !a.toks[j].cap) && a.nameWord(m) {
				j = m
				continue
			}
		}
		break
	}
	return last
}

// parseNameBack reads a name ending at token j-1, returning its start, or j.
func (a *analysis) parseNameBack(j int) int {
	i := j
	for i > 0 && j-i < 6 {
		if a.nameWord(i - 1) {
			i--
			continue
		}
		if a.toks[i-1].word && particles[strings.ToLower(a.toks[i-1].key)] && i < j {
			// Particles back to a name word or a capitalised particle
			// opening the name ("Von der Leyen said").
			m := i - 1
			for m > 0 && particles[strings.ToLower(a.toks[m-1].key)] && a.toks[m-1].word {
				m--
			}
			if a.nameWord(m - 1) {
				i = m
				continue
			}
			if a.toks[m].cap {
				i = m
			}
		}
		break
	}
	for i < j && !a.nameWord(i) {
		i++
	}
	return i
}

// speechVerbs after or before a name quote its bearer.
var speechVerbs = map[string]bool{
	"said": true, "says": true, "added": true, "noted": true, "stated": true, "explained": true,
	"told": true, "announced": true, "warned": true, "stressed": true, "emphasised": true, "emphasized": true,
	"commented": true, "declared": true, "welcomed": true, "underlined": true, "highlighted": true, "wrote": true,
	"sagte": true, "erklärte": true, "dijo": true, "afirmó": true, "explains": true, "explained:": true,
	"asked": true, "asks": true, "adds": true, "notes": true, "hopes": true, "believes": true, "admits": true,
	"answered": true, "recalled": true, "insisted": true, "argued": true, "argues": true, "continued": true,
}

// roleNouns describe a person in an apposition: "Ali Hossain, a farmer of
// Baroipara village"; "Martin Daly, the FMB's youngest board member".
var roleNouns = map[string]bool{
	"farmer": true, "resident": true, "professor": true, "director": true, "member": true, "officer": true,
	"spokesperson": true, "spokesman": true, "spokeswoman": true, "chief": true, "head": true, "president": true,
	"founder": true, "co-founder": true, "owner": true, "ceo": true, "chair": true, "chairman": true, "chairwoman": true,
	"executive": true, "manager": true, "researcher": true, "scientist": true, "author": true, "analyst": true,
	"economist": true, "lawyer": true, "attorney": true, "doctor": true, "physician": true, "nurse": true,
	"teacher": true, "student": true, "graduate": true, "engineer": true, "plumber": true, "technician": true,
	"minister": true, "secretary": true, "ambassador": true, "adviser": true, "advisor": true, "envoy": true,
	"commissioner": true, "governor": true, "mayor": true, "senator": true, "representative": true,
	"lecturer": true, "fellow": true, "coordinator": true, "partner": true, "editor": true, "journalist": true,
	"correspondent": true, "reporter": true, "activist": true, "mother": true, "father": true, "veteran": true,
	"worker": true, "official": true, "leader": true, "candidate": true, "deputy": true, "dean": true,
	"principal": true, "superintendent": true, "inspector": true, "commander": true, "officials": true,
	"vp": true, "cto": true, "cfo": true, "coo": true, "historian": true, "photographer": true, "writer": true,
}

// affilOf names what span s stands for as an affiliation.
func (a *analysis) affilOf(s *span) string {
	switch s.kind {
	case kCountry, kDemonym:
		return a.g.countries[s.ref].name
	case kOrg:
		return a.text[a.toks[s.i].start:a.toks[s.j-1].end]
	}
	return ""
}

// titleAt reads a title at token i with what qualifies it: the title and its
// extension ("Minister of Foreign Affairs"), the affiliation written before
// ("NATO", "Iraq's", "Iraqi") or after it ("of Iraq"), and the end.
func (a *analysis) titleAt(i int) (ttl, kindName, affil string, end int, ok bool) {
	s := a.spanOf(i)
	if s == nil || s.kind != kTitle || s.i != i {
		return "", "", "", i, false
	}
	t := a.g.titles[s.ref]
	end = s.j
	tStart, tEnd := a.toks[i].start, a.toks[end-1].end
	// "Deputy Prime Minister and Minister of Foreign Affairs".
	if end+1 < len(a.toks) && a.tokKey(end) == "and" {
		if s2 := a.spanOf(end + 1); s2 != nil && s2.kind == kTitle && s2.i == end+1 {
			end = s2.j
			tEnd = a.toks[end-1].end
		}
	}
	// "of"/"for" + capitalised words that are not an affiliation extend the
	// title; an affiliation ends it.
	for end < len(a.toks) && (a.tokKey(end) == "of" || a.tokKey(end) == "for") {
		k := end + 1
		if a.tokKey(k) == "the" {
			k++
		}
		if s2 := a.spanOf(k); s2 != nil && s2.i == k && (s2.kind == kCountry || s2.kind == kOrg || s2.kind == kDemonym) {
			affil = a.affilOf(s2)
			end = s2.j
			break
		}
		m := k
		for m < len(a.toks) && (a.toks[m].cap && a.toks[m].word || (a.tokKey(m) == "and" || a.tokKey(m) == "&") && m+1 < len(a.toks) && a.toks[m+1].cap) {
			if s2 := a.spanOf(m); s2 != nil && (s2.kind == kCountry || s2.kind == kOrg) {
				break
			}
			m++
		}
		if m == k {
			break
		}
		end = m
		tEnd = a.toks[m-1].end
	}
	ttl = a.text[tStart:tEnd]
	// Written after, in French: "le Premier ministre irakien".
	if s2 := a.spanOf(end); s2 != nil && s2.i == end && s2.kind == kDemonym && !a.toks[end].cap && affil == "" {
		affil = a.affilOf(s2)
		end = s2.j
	}
	// Written before: "NATO Secretary General", "Iraq's Minister", "the
	// Iraqi Prime Minister".
	b := i - 1
	if b >= 0 && a.toks[b].poss {
		b--
	}
	if s2 := a.spanOf(b); s2 != nil && affil == "" {
		affil = a.affilOf(s2)
	}
	return ttl, t.kind, affil, end, true
}

func (a *analysis) addPerson(i, j int, ttl, kindName, affil string) {
	toks := make([]string, 0, j-i)
	for k := i; k < j; k++ {
		if a.toks[k].word {
			toks = append(toks, a.toks[k].key)
		}
	}
	a.addNamed(toks, a.text[a.toks[i].start:a.toks[j-1].end], ttl, kindName, affil, i, false)
}

func (a *analysis) addNamed(toks []string, name, ttl, kindName, affil string, first int, shouted bool) {
	for _, p := range a.people {
		if suffix(p.toks, toks) || suffix(toks, p.toks) {
			if len(toks) > len(p.toks) || p.shouted && !shouted && len(toks) == len(p.toks) {
				p.toks, p.name, p.shouted = toks, name, shouted
			}
			if p.title == "" {
				p.title, p.titleKind = ttl, kindName
			}
			if p.affil == "" {
				p.affil = affil
			}
			return
		}
	}
	a.people = append(a.people, &person{toks: toks, name: name, title: ttl, titleKind: kindName, affil: affil, first: first, shouted: shouted})
}

// suffix reports whether short ends long ("al-Sudani" ends "Mohammed Shia'
// al-Sudani"; "von der Leyen" ends "Ursula von der Leyen").
func suffix(long, short []string) bool {
	if len(short) == 0 || len(short) > len(long) {
		return false
	}
	off := len(long) - len(short)
	for k := range short {
		if long[off+k] != short[k] && foldKey(long[off+k]) != foldKey(short[k]) {
			return false
		}
	}
	return true
}

// ledBy are phrases that give a person's organisation as the sentence's
// subject: "It is currently led by Major General Christophe Hintzy".
var ledBy = map[string]bool{"led": true, "headed": true, "chaired": true, "commanded": true, "directed": true}

// subjectOrg returns the organisation a "led by" at token i refers to: one
// earlier in the sentence, or, when the sentence opens with a pronoun ("It",
// "The mission"), the first one of the previous sentence.
func (a *analysis) subjectOrg(i int) string {
	st := a.sentenceStart(i)
	for k := st; k < i; k++ {
		if s := a.spanOf(k); s != nil && s.kind == kOrg {
			return a.orgs[s.ref].name
		}
	}
	if k := a.tokKey(st); k == "It" || k == "The" || k == "This" {
		if st == 0 {
			return ""
		}
		prev := a.sentenceStart(st - 1)
		for k := prev; k < st; k++ {
			if s := a.spanOf(k); s != nil && s.kind == kOrg {
				return a.orgs[s.ref].name
			}
		}
	}
	return ""
}

// findPeople finds people by their titles, descriptions and quotes.
func (a *analysis) findPeople() {
	for i := 0; i < len(a.toks); i++ {
		s := a.spanOf(i)
		if s == nil || s.kind != kTitle || s.i != i {
			continue
		}
		ttl, kindName, affil, end, ok := a.titleAt(i)
		if !ok {
			continue
		}
		k := end
		if a.tokKey(k) == "," {
			k++
		}
		if j := a.parseName(k); j > k {
			// "of Iraq" after the name.
			if affil == "" && a.tokKey(j) == "of" {
				m := j + 1
				if a.tokKey(m) == "the" {
					m++
				}
				if s2 := a.spanOf(m); s2 != nil && s2.i == m {
					affil = a.affilOf(s2)
				}
			}
			if affil == "" {
				for m := a.sentenceStart(i); m < i; m++ {
					if ledBy[a.tokKey(m)] && a.tokKey(m+1) == "by" {
						affil = a.subjectOrg(m)
					}
				}
			}
			if j-k == 1 && !a.knownSurname(a.toks[k].key) && (kindName == "mil" || !a.toks[i].cap) {
				// "General Assembly", "Major Hassan"? A lone word after a
				// military rank or a lower-case title is too weak.
				i = end - 1
				continue
			}
			a.addPerson(k, j, ttl, kindName, affil)
			i = j - 1
			continue
		}
		// "Fuad Hussein, Iraq's Minister of Foreign Affairs": the name
		// before a comma before the title and its qualifiers.
		b := i - 1
		for b >= 0 && (a.tokKey(b) == "the" || a.toks[b].poss || a.spanOf(b) != nil && a.spanOf(b).kind != kTitle && a.spanOf(b).kind != kCity) {
			if s2 := a.spanOf(b); s2 != nil {
				b = s2.i - 1
				continue
			}
			b--
		}
		if b >= 1 && a.tokKey(b) == "," {
			if st := a.parseNameBack(b); st < b && b-st >= 2 && !a.toks[st].sent || st < b && b-st >= 2 && a.firstName(st) {
				a.addPerson(st, b, ttl, kindName, affil)
			}
		}
		i = end - 1
	}
	// A role before a name: "mayor Anne Hidalgo", "ecologist Harini
	// Nagendra", "Meta's Chief AI Scientist, Yann LeCun".
	for i := 0; i < len(a.toks); i++ {
		t := a.toks[i]
		low := strings.ToLower(t.key)
		if !t.word || !(roleNouns[low] || strings.HasSuffix(low, "ist") && len(low) > 6) || a.spanOf(i) != nil {
			continue
		}
		k := i + 1
		if a.tokKey(k) == "," && t.cap {
			k++
		}
		j := a.nameAfter(k)
		if j == k {
			continue
		}
		ttl, affil := "", ""
		if t.cap {
			// The capitalised words before the role are the title.
			st := i
			for st > 0 && a.toks[st-1].word && a.toks[st-1].cap && a.spanOf(st-1) == nil && !a.toks[st-1].sent {
				st--
			}
			ttl = a.text[a.toks[st].start:t.end]
			if st >= 2 && a.toks[st-1].poss && a.toks[st-2].cap {
				affil = a.toks[st-2].s
				if s := a.spanOf(st - 2); s != nil {
					affil = a.affilOf(s)
				}
			}
		} else {
			ttl = t.s
		}
		a.addPerson(k, j, ttl, "", affil)
		i = j - 1
	}
	// Quoted people: "Jane Doe said", "said Jane Doe".
	for i := 0; i < len(a.toks); i++ {
		if !speechVerbs[a.toks[i].key] {
			continue
		}
		if st := a.parseNameBack(i); st < i && i-st >= 2 {
			if !a.toks[st].sent || a.firstName(st) || len(a.people) > 0 {
				a.addPerson(st, i, "", "", "")
			}
		}
		// "said Jane Doe", "said lead author Elizabeth A. Hoge".
		m := i + 1
		for m < len(a.toks) && m < i+4 && a.toks[m].word && !a.toks[m].cap && !particles[a.toks[m].key] {
			m++
		}
		if j := a.nameAfter(m); j > m {
			a.addPerson(m, j, "", "", "")
		}
	}
	a.appositions()
	a.nameLists()
	a.speakerLabels()
	a.nameTok = map[string]bool{}
	for _, p := range a.people {
		if p.affil == "" && p.titleKind == "org" && a.originator != "" {
			p.affil = a.originator
		}
		for _, t := range p.toks {
			a.nameTok[t] = true
		}
	}
}

// knownSurname reports whether s ends the name of a person found so far or
// named in full anywhere after a title.
func (a *analysis) knownSurname(s string) bool {
	for _, p := range a.people {
		if p.toks[len(p.toks)-1] == s {
			return true
		}
	}
	return false
}

// firstName reports whether the name at token i, at a sentence start, is
// followed by at least one more name word: "Fuad Hussein said".
func (a *analysis) firstName(i int) bool {
	return a.nameWord(i) && a.nameWord(i+1)
}

// nameBefore returns the start of a name of at least two words ending at
// token end-1 that stands alone (not the tail of a longer capitalised
// phrase), or end.
func (a *analysis) nameBefore(end int) int {
	st := a.parseNameBack(end)
	words := 0
	for k := st; k < end; k++ {
		if a.toks[k].word && !particles[a.toks[k].key] {
			words++
		}
	}
	if words < 2 {
		return end
	}
	if st > 0 {
		p := a.toks[st-1]
		if p.word && p.cap && !p.poss {
			if s := a.spanOf(st - 1); s == nil || s.kind == kTitle || s.kind == kCity {
				return end
			}
		}
	}
	return st
}

// nameAfter returns the end of a name of at least two words starting at
// token i and not followed by another capitalised word, or i.
func (a *analysis) nameAfter(i int) int {
	j := a.parseName(i)
	words := 0
	for k := i; k < j; k++ {
		if a.toks[k].word && !particles[a.toks[k].key] {
			words++
		}
	}
	if words < 2 || j < len(a.toks) && a.toks[j].word && a.toks[j].cap {
		return i
	}
	return j
}

// appositions finds people described after a comma ("Ali Hossain, a farmer
// of Baroipara village"), by where they are from ("Piarul Islam of Phulbari
// village") or by the organisation in brackets after them ("Mark SubbaRao
// (NASA/GSFC)"), and credits ("Visualizations by: Mark SubbaRao").
func (a *analysis) appositions() {
	for k := 1; k < len(a.toks); k++ {
		if a.headline(k) {
			continue
		}
		switch a.toks[k].key {
		case ",":
			st := a.nameBefore(k)
			if st == k {
				continue
			}
			m := k + 1
			if w := a.tokKey(m); w == "a" || w == "an" || w == "the" || w == "our" || w == "his" || w == "her" {
				m++
			}
			ok := false
			for n := m; n < len(a.toks) && n < m+6; n++ {
				t := a.toks[n]
				if !t.word && !t.poss && t.s != "-" {
					break
				}
				if roleNouns[strings.ToLower(t.key)] {
					ok = true
					break
				}
				if s := a.spanOf(n); s != nil && s.kind == kTitle {
					ok = true
					break
				}
			}
			if ok {
				a.addPerson(st, k, "", "", "")
			}
		case "of":
			st := a.nameBefore(k)
			if st == k || k+1 >= len(a.toks) || !a.toks[k+1].cap && a.tokKey(k+1) != "the" {
				continue
			}
			// Not "Ministry of", "Bank of": names only.
			if headNouns[a.toks[k-1].key] {
				continue
			}
			affil := ""
			if s := a.spanOf(k + 1); s != nil && s.kind == kOrg {
				affil = a.text[a.toks[s.i].start:a.toks[s.j-1].end]
			}
			a.addPerson(st, k, "", "", affil)
		case "(":
			e := k
			for e > 0 && a.toks[e-1].nl {
				e--
			}
			st := a.nameBefore(e)
			if st == e {
				continue
			}
			if s := a.spanOf(k + 1); s != nil && s.kind == kOrg {
				c := s.j
				for c < len(a.toks) && c < k+12 && a.toks[c].s != ")" {
					c++
				}
				if c < len(a.toks) && a.toks[c].s == ")" {
					a.addPerson(st, e, "", "", a.text[a.toks[k+1].start:a.toks[c-1].end])
				}
			}
		case ":":
			if a.tokKey(k-1) != "by" {
				continue
			}
			m := k + 1
			for m < len(a.toks) && a.toks[m].nl {
				m++
			}
			if j := a.nameAfter(m); j > m {
				a.addPerson(m, j, "", "", "")
			}
		}
	}
}

// nameLists finds lists of three or more names ("Eric Bui, Sophie A.
// Palitz, Noah R. Schwarz, and Naomi Simon of MGH"), or lists with a
// person already found.
func (a *analysis) nameLists() {
	for i := 0; i < len(a.toks); i++ {
		if !a.nameWord(i) || i > 0 && a.toks[i-1].word && a.toks[i-1].cap || a.headline(i) {
			continue
		}
		var items [][2]int
		k := i
		for {
			j := a.nameAfter(k)
			if j == k {
				break
			}
			items = append(items, [2]int{k, j})
			// "of MGH", "of Boston University".
			if a.tokKey(j) == "of" {
				j++
				for j < len(a.toks) && (a.toks[j].word && a.toks[j].cap || connectors[a.toks[j].key] && j+1 < len(a.toks) && a.toks[j+1].cap) {
					j++
				}
			}
			sep := false
			for j < len(a.toks) && (a.toks[j].s == "," || a.toks[j].s == ";" || a.toks[j].key == "and") {
				j++
				sep = true
			}
			if !sep {
				break
			}
			k = j
		}
		known := false
		for _, it := range items {
			toks := []string{}
			for m := it[0]; m < it[1]; m++ {
				toks = append(toks, a.toks[m].key)
			}
			for _, p := range a.people {
				known = known || suffix(p.toks, toks)
			}
		}
		if len(items) >= 3 || len(items) >= 2 && known {
			for _, it := range items {
				a.addPerson(it[0], it[1], "", "", "")
			}
			i = items[len(items)-1][1]
		}
	}
}

// speakerLabels reads a transcript's speaker labels: "ROSIE CURTS:",
// "SACHA PFEIFFER, HOST:".
func (a *analysis) speakerLabels() {
	for i := 0; i < len(a.toks); i++ {
		if !(i == 0 || a.toks[i-1].nl) {
			continue
		}
		j := i
		for j < len(a.toks) && j-i < 4 && a.toks[j].word && isAllCaps(a.toks[j].s) {
			j++
		}
		if j-i < 2 || j >= len(a.toks) || (a.toks[j].s != ":" && a.toks[j].s != ",") {
			continue
		}
		parts := make([]string, 0, j-i)
		toks := make([]string, 0, j-i)
		ok := true
		for k := i; k < j; k++ {
			w := a.toks[k].s
			if _, known := a.g.acronyms[w]; known || speakerWords[w] {
				ok = false
				break
			}
			tc := titleCase(w)
			parts = append(parts, tc)
			toks = append(toks, tc)
		}
		if !ok {
			continue
		}
		if a.toks[j].s == "," {
			// "SACHA PFEIFFER, HOST:" — the role is one or two words.
			m := j + 1
			for m < len(a.toks) && m < j+4 && a.toks[m].word {
				m++
			}
			if m >= len(a.toks) || a.toks[m].s != ":" {
				continue
			}
		}
		a.addNamed(toks, strings.Join(parts, " "), "", "", "", i, true)
	}
}

var speakerWords = map[string]bool{"UNIDENTIFIED": true, "PERSON": true, "GROUP": true, "HOST": true,
	"BYLINE": true, "SOUNDBITE": true, "ARCHIVED": true, "RECORDING": true, "NEWS": true, "PRESS": true,
	"RELEASE": true, "UPDATE": true, "NOTE": true, "EDITORS": true, "CONTACT": true, "THE": true, "AND": true}

// titleCase writes "MARTINEZ-BELTRAN" as "Martinez-Beltran".
func titleCase(w string) string {
	rs := []rune(strings.ToLower(w))
	up := true
	for k, r := range rs {
		if up && unicode.IsLetter(r) {
			rs[k] = unicode.ToUpper(r)
			up = false
		}
		if r == '-' || r == '\'' {
			up = true
		}
	}
	return string(rs)
}

// headline reports whether token i is on a line written in title case
// ("Mindfulness Meditation Training Lowers Biomarkers of Stress"), where
// capitals do not mark names.
func (a *analysis) headline(i int) bool {
	if a.headlines == nil {
		a.headlines = make([]bool, len(a.toks))
		start := 0
		for k := 0; k <= len(a.toks); k++ {
			if k < len(a.toks) && !a.toks[k].nl {
				continue
			}
			words, caps := 0, 0
			for m := start; m < k; m++ {
				if t := a.toks[m]; t.word && len(t.s) > 3 {
					words++
					if t.cap {
						caps++
					}
				}
			}
			last := k - 1
			for last > start && !a.toks[last].word && a.toks[last].s != "." {
				last--
			}
			if words >= 4 && words <= 20 && caps*10 >= words*8 && (last < start || a.toks[last].s != ".") {
				for m := start; m < k; m++ {
					a.headlines[m] = true
				}
			}
			start = k + 1
		}
	}
	return a.headlines[i]
}
