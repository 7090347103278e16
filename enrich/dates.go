package enrich

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	communique "github.com/communique-news/communique"
)

// months maps month names and abbreviations in English, French, German and
// Spanish (lower case, without a final stop) to their number.
var months = buildMonths()

func buildMonths() map[string]int {
	months := map[string]int{}
	for m, names := range [12]string{
		"january jan janvier janv januar jän enero ene",
		"february feb février févr fevrier februar febrero",
		"march mar mars märz maerz marzo",
		"april apr avril avr abril",
		"may mai mayo",
		"june jun juin juni junio",
		"july jul juillet juil juli julio",
		"august aug août aout agosto ago",
		"september sep sept septembre septiembre setiembre",
		"october oct octobre oktober okt octubre",
		"november nov novembre noviembre",
		"december dec décembre decembre dezember dez diciembre dic",
	} {
		for _, n := range strings.Fields(names) {
			months[n] = m + 1
		}
	}
	return months
}

const weekdays = `monday|tuesday|wednesday|thursday|friday|saturday|sunday|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag|lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo`

func monthAlternation() string {
	names := make([]string, 0, len(months))
	for n := range months {
		names = append(names, regexp.QuoteMeta(n))
	}
	// Longest first so that "sept" wins over "sep".
	sort.Slice(names, func(i, j int) bool {
		if len(names[i]) != len(names[j]) {
			return len(names[i]) > len(names[j])
		}
		return names[i] < names[j]
	})
	return strings.Join(names, "|")
}

var (
	monthRE = monthAlternation()
	// "Monday (8 September 2025)", "8 September 2025", "le 8 septembre
	// 2025", "8. September 2025", "8 de septiembre de 2025", "1er mai 2025".
	dayMonthYear = regexp.MustCompile(`\b(?:(` + weekdays + `)\s*,?\s*(\()?\s*)?(\d{1,2})(?:st|nd|rd|th|er|º|°|\.)?\s+(?:de\s+)?(` + monthRE + `)\.?\s*,?\s+(?:de\s+|del\s+)?(\d{4})\b(\))?`)
	// "September 8, 2025", "Monday, September 8, 2025", "Sept. 8, 2025".
	monthDayYear = regexp.MustCompile(`\b(?:(` + weekdays + `)\s*,?\s+)?(` + monthRE + `)\.?,?\s+(\d{1,2})(?:st|nd|rd|th)?\s*,?\s+(\d{4})\b`)
	// "September 2025", "septembre 2025", "septiembre de 2025".
	monthYear = regexp.MustCompile(`\b(` + monthRE + `)\.?\s+(?:de\s+)?(\d{4})\b`)
	isoDate   = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})\b`)
	dotDate   = regexp.MustCompile(`\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b`)
	yearRE    = regexp.MustCompile(`\b(19\d\d|20\d\d|2100)\b`)
)

func validDate(y, m, d int) (string, bool) {
	if y < 1800 || y > 2200 || m < 1 || m > 12 || d < 1 {
		return "", false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return "", false
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d), true
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// findDates returns the absolute dates in text, normalised, in order of first
// mention and once each; and the years written alone.
//
// Every date has a four-digit year, so the patterns run only on windows
// around four-digit numbers: a release has a handful, and the patterns are
// costly over a whole text.
func findDates(text string) []communique.DateMention {
	var out []communique.DateMention
	seen := map[string]bool{}
	for _, w := range yearWindows(text) {
		for _, m := range findDatesIn(text[w[0]:w[1]]) {
			key := m.Date
			if key == "" {
				key = strconv.Itoa(m.Year)
			}
			if !seen[key] {
				seen[key] = true
				out = append(out, m)
			}
		}
	}
	if out == nil {
		out = []communique.DateMention{}
	}
	return out
}

// yearWindows returns merged byte ranges around each run of exactly four
// digits, starting at a space so that no word is cut.
func yearWindows(text string) [][2]int {
	const before, after = 72, 8
	var ws [][2]int
	for i := 0; i < len(text); {
		if text[i] < '0' || text[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(text) && text[j] >= '0' && text[j] <= '9' {
			j++
		}
		if j-i == 4 {
			s := max(0, i-before)
			for s > 0 && text[s-1] != ' ' && text[s-1] != '\n' && i-s < before+24 {
				s--
			}
			e := min(len(text), j+after)
			for e < len(text) && text[e] != ' ' && text[e] != '\n' && e-j < after+24 {
				e++
			}
			if n := len(ws); n > 0 && s <= ws[n-1][1] {
				ws[n-1][1] = max(ws[n-1][1], e)
			} else {
				ws = append(ws, [2]int{s, e})
			}
		}
		i = j
	}
	return ws
}

// asciiLower lower-cases ASCII letters only, so that byte offsets stay
// those of s; the patterns list lower-case names (accented month names
// are matched as written in lower case, "août", "März" aside, below).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// hasMonth reports whether the lower-cased text has a month name as a word.
func hasMonth(text string) bool {
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) {
			i += n
			continue
		}
		j := i
		for j < len(text) {
			r, n := utf8.DecodeRuneInString(text[j:])
			if !unicode.IsLetter(r) {
				break
			}
			j += n
		}
		if _, ok := months[text[i:j]]; ok {
			return true
		}
		i = j
	}
	return false
}

func findDatesIn(text string) []communique.DateMention {
	// The patterns are matched against a lower-cased copy: case-folding
	// inside the regexp costs more than the rest of enrichment.
	orig := text
	text = asciiLower(orig)
	named := hasMonth(text)
	type hit struct {
		start, end int
		m          communique.DateMention
	}
	var hits []hit
	taken := func(s, e int) bool {
		for _, h := range hits {
			if s < h.end && e > h.start {
				return true
			}
		}
		return false
	}
	var dmy, mdy, my [][]int
	if named {
		dmy = dayMonthYear.FindAllStringSubmatchIndex(text, -1)
		mdy = monthDayYear.FindAllStringSubmatchIndex(text, -1)
		my = monthYear.FindAllStringSubmatchIndex(text, -1)
	}
	for _, m := range dmy {
		start, end := m[0], m[1]
		mon := months[strings.TrimSuffix(strings.ToLower(text[m[8]:m[9]]), ".")]
		d, ok := validDate(atoi(text[m[10]:m[11]]), mon, atoi(text[m[6]:m[7]]))
		if !ok {
			// "31 February 2025" is no date, and no month either.
			hits = append(hits, hit{start: start, end: end})
			continue
		}
		// The closing parenthesis belongs to the date only with its
		// opening one: "Monday (8 September 2025)".
		if m[12] >= 0 && m[4] < 0 {
			end = m[12]
		}
		hits = append(hits, hit{start, end, communique.DateMention{Text: orig[start:end], Date: d}})
	}
	for _, m := range mdy {
		if taken(m[0], m[1]) {
			continue
		}
		mon := months[strings.ToLower(text[m[4]:m[5]])]
		d, ok := validDate(atoi(text[m[8]:m[9]]), mon, atoi(text[m[6]:m[7]]))
		if !ok {
			continue
		}
		hits = append(hits, hit{m[0], m[1], communique.DateMention{Text: orig[m[0]:m[1]], Date: d}})
	}
	for _, re := range []*regexp.Regexp{isoDate, dotDate} {
		for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
			if taken(m[0], m[1]) {
				continue
			}
			a, b, c := atoi(text[m[2]:m[3]]), atoi(text[m[4]:m[5]]), atoi(text[m[6]:m[7]])
			y, mo, d := a, b, c
			if re == dotDate {
				y, mo, d = c, b, a
			}
			if ds, ok := validDate(y, mo, d); ok {
				hits = append(hits, hit{m[0], m[1], communique.DateMention{Text: orig[m[0]:m[1]], Date: ds}})
			}
		}
	}
	for _, m := range my {
		if taken(m[0], m[1]) {
			continue
		}
		w := orig[m[2]:m[3]]
		// "May 2025" is a date; "may 2025" is not; short forms need their
		// capital too ("mar", "dic" are words).
		if w == strings.ToLower(w) && len(w) < 5 {
			continue
		}
		y := atoi(text[m[4]:m[5]])
		if y < 1800 || y > 2200 {
			continue
		}
		hits = append(hits, hit{m[0], m[1], communique.DateMention{Text: orig[m[0]:m[1]], Year: y}})
	}
	for _, m := range yearRE.FindAllStringSubmatchIndex(text, -1) {
		if taken(m[0], m[1]) || !loneYear(orig, m[0], m[1]) {
			continue
		}
		hits = append(hits, hit{m[0], m[1], communique.DateMention{Text: orig[m[0]:m[1]], Year: atoi(text[m[0]:m[1]])}})
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].start < hits[j].start })
	out := []communique.DateMention{}
	seen := map[string]bool{}
	for _, h := range hits {
		if h.m.Date == "" && h.m.Year == 0 {
			continue
		}
		key := h.m.Date
		if key == "" {
			key = strconv.Itoa(h.m.Year)
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, h.m)
	}
	return out
}

// loneYear reports whether the four digits at [s, e) read as a year: not part
// of a larger number, an amount, a code or a measure.
func loneYear(text string, s, e int) bool {
	// "2000-2004": the second year of a range.
	if s >= 5 && text[s-1] == '-' && isDigits(text[s-5:s-1]) && (s == 5 || text[s-6] < '0' || text[s-6] > '9') {
		s = 0
	}
	if s > 0 {
		switch text[s-1] {
		case '$', '#', '.', ',', '/', '-', '+', ':':
			return false
		}
		if strings.HasSuffix(text[:s], "€") || strings.HasSuffix(text[:s], "£") || strings.HasSuffix(text[:s], "€ ") || strings.HasSuffix(text[:s], "$ ") || strings.HasSuffix(text[:s], "No. ") {
			return false
		}
	}
	if e < len(text) {
		switch text[e] {
		case '%', '.', ',', '/', ':':
			// "in 2024." and "2024, when" are years; "2,024" and "2024.5"
			// are not.
			if e+1 < len(text) && text[e+1] >= '0' && text[e+1] <= '9' {
				return false
			}
			if text[e] == '%' {
				return false
			}
		}
		rest := strings.TrimLeft(text[e:], " ")
		// "1784 5348469" is a telephone number.
		if rest != text[e:] && rest != "" && rest[0] >= '0' && rest[0] <= '9' {
			return false
		}
		for _, unit := range []string{"people", "persons", "km", "kilometres", "kilometers", "metres", "meters", "tonnes",
			"tons", "euros", "dollars", "USD", "EUR", "employees", "staff", "troops", "soldiers", "cases", "mg", "kg", "MW", "GW", "units", "%", "per cent", "percent"} {
			if strings.HasPrefix(rest, unit) {
				return false
			}
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
