package feed

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ParseDate reads the dates that feeds and listing pages actually carry, not
// only the ones their specifications allow: RFC 3339 and ISO 8601 with or
// without a zone, RFC 822/1123 with a wrong weekday or no seconds, a 12-hour
// clock ("Sun, 15 Dec 2024 12:15 PM"), named zones (EST, CET, AEST, …;
// ET, CT, MT and PT with U.S. daylight saving time; unknown ones are read as
// UTC), "08 Sep. 2025", "8 September 2025",
// "September 8th, 2025", month names in English, French, German, Spanish,
// Italian, Portuguese and Dutch, and numeric dates (2025-09-08, 08.09.2025,
// 08-09-2025 day first; 09/08/2025 month first unless the first number is
// over 12). Words other than months, AM/PM and zones ("Published:",
// weekdays) are ignored. A date without a zone is taken as UTC. The result
// is in UTC; ok is false when s holds no complete date (day, month and year)
// or the date is before 1900 or after 2200.
func ParseDate(s string) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 120 {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return plausible(t)
	}
	var d dateParts
	if !d.read(s) {
		return time.Time{}, false
	}
	return d.time()
}

func plausible(t time.Time) (time.Time, bool) {
	if t.Year() < 1900 || t.Year() > 2200 {
		return time.Time{}, false
	}
	return t.UTC(), true
}

type dateParts struct {
	year, month, day     int
	hour, min, sec, nsec int
	hasTime              bool
	pm, am               bool
	offset               int // seconds east of UTC
	hasZone              bool
	usStd                int      // for ET, CT, MT, PT: the standard offset, in hours
	nums                 []string // bare numbers, to be read as day and year
	hourCandidate        int      // index in nums of a number followed by AM/PM
}

func (d *dateParts) read(s string) bool {
	d.hourCandidate = -1
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return isSpace(r) || r == ',' || r == ';' || r == '|' || r == '(' || r == ')' || r == '·' || r == '–' || r == '—'
	})
	if len(fields) > 16 {
		return false
	}
	for _, f := range fields {
		if !d.token(f) {
			return false
		}
	}
	return d.settle()
}

// token classifies one field of a date.
func (d *dateParts) token(f string) bool {
	// An ISO date and time in one field: 2025-09-08T10:00:00+02:00.
	if i := strings.IndexAny(f, "Tt"); i == 10 && len(f) > 11 && isDigits(f[:4]) {
		return d.token(f[:10]) && d.token(f[11:])
	}
	lower := strings.ToLower(strings.TrimSuffix(f, "."))
	switch lower {
	case "pm", "p.m", "p.m.":
		d.pm = true
		d.markHour()
		return true
	case "am", "a.m", "a.m.":
		d.am = true
		d.markHour()
		return true
	case "z", "utc", "gmt", "ut":
		d.hasZone = true
		return true
	}
	if m, ok := monthNames[lower]; ok {
		if d.month != 0 {
			return false
		}
		d.month = m
		return true
	}
	if isUpper(f) {
		if std, ok := usZones[f]; ok {
			if !d.hasZone {
				d.usStd, d.hasZone = std, true
			}
			return true
		}
		if off, ok := zoneOffsets[f]; ok {
			if !d.hasZone {
				d.offset, d.hasZone = off, true
			}
			return true
		}
	}
	// GMT+1, UTC+02:00
	if len(lower) > 3 && (strings.HasPrefix(lower, "gmt") || strings.HasPrefix(lower, "utc")) && (lower[3] == '+' || lower[3] == '-') {
		return d.zone(lower[3:])
	}
	if f[0] == '+' || (f[0] == '-' && len(f) > 1 && isDigit(f[1])) {
		return d.zone(f)
	}
	if isDigit(f[0]) && (strings.Contains(f, ":") || frenchClock.MatchString(lower)) {
		return d.clock(lower)
	}
	if isDigit(f[0]) {
		// 8th, 1st, 2nd, 3rd; 8. (German day)
		n := strings.TrimSuffix(lower, ".")
		for _, suf := range []string{"st", "nd", "rd", "th", "er", "e", "º", "°"} {
			if strings.HasSuffix(n, suf) && isDigits(strings.TrimSuffix(n, suf)) {
				n = strings.TrimSuffix(n, suf)
				break
			}
		}
		if isDigits(n) {
			if len(n) == 8 && d.year == 0 && (n[:2] == "19" || n[:2] == "20") {
				return d.numericDate(n[:4], n[4:6], n[6:], '-')
			}
			if len(n) > 4 {
				return false
			}
			d.nums = append(d.nums, n)
			return true
		}
		for _, sep := range []byte{'-', '/', '.'} {
			if parts := strings.Split(lower, string(sep)); len(parts) == 3 {
				return d.numericDate(parts[0], parts[1], parts[2], sep)
			}
		}
		// 12:15PM written as 12pm or 3pm
		if strings.HasSuffix(lower, "pm") || strings.HasSuffix(lower, "am") {
			h := lower[:len(lower)-2]
			if isDigits(h) && len(h) <= 2 {
				d.nums = append(d.nums, h)
				return d.token(lower[len(lower)-2:])
			}
		}
		return false
	}
	// Any other word (weekday, "Published:", "de", "at") is ignored, but a
	// word glued to digits is not a date.
	for _, r := range f {
		if unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

func (d *dateParts) markHour() {
	if !d.hasTime && len(d.nums) > 0 {
		d.hourCandidate = len(d.nums) - 1
	}
}

// clock reads 15:04, 15:04:05, 15:04:05.999, 3:04PM, 15h04, with a zone
// glued on (Z, +02:00).
func (d *dateParts) clock(s string) bool {
	if d.hasTime {
		return false
	}
	s = strings.Replace(s, "h", ":", 1)
	for _, suf := range []string{"pm", "am"} {
		if strings.HasSuffix(s, suf) {
			s = strings.TrimSuffix(s, suf)
			if suf == "pm" {
				d.pm = true
			} else {
				d.am = true
			}
		}
	}
	if strings.HasSuffix(s, "z") {
		s = s[:len(s)-1]
		d.hasZone = true
	} else if i := strings.LastIndexAny(s, "+-"); i > 0 {
		if !d.zone(s[i:]) {
			return false
		}
		s = s[:i]
	}
	frac := ""
	if i := strings.IndexAny(s, ".,"); i >= 0 {
		s, frac = s[:i], s[i+1:]
		if frac == "" || len(frac) > 9 || !isDigits(frac) {
			return false
		}
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	vals := make([]int, 3)
	for i, p := range parts {
		if p == "" || len(p) > 2 || !isDigits(p) {
			if i == 1 && p == "" { // 15h
				continue
			}
			return false
		}
		vals[i], _ = strconv.Atoi(p)
	}
	d.hour, d.min, d.sec = vals[0], vals[1], vals[2]
	if frac != "" {
		ns, _ := strconv.Atoi((frac + "000000000")[:9])
		d.nsec = ns
	}
	d.hasTime = true
	return true
}

// zone reads +0100, -05:00, +01, +1.
func (d *dateParts) zone(s string) bool {
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	s = strings.ReplaceAll(s[1:], ":", "")
	if !isDigits(s) || len(s) == 0 || len(s) > 4 {
		return false
	}
	var h, m int
	switch len(s) {
	case 1, 2:
		h, _ = strconv.Atoi(s)
	case 3:
		h, _ = strconv.Atoi(s[:1])
		m, _ = strconv.Atoi(s[1:])
	case 4:
		h, _ = strconv.Atoi(s[:2])
		m, _ = strconv.Atoi(s[2:])
	}
	if h > 14 || m > 59 {
		return false
	}
	if !d.hasZone || d.offset == 0 {
		d.offset = sign * (h*3600 + m*60)
	}
	d.hasZone = true
	return true
}

// numericDate reads 2025-09-08, 2025/09/08, 08.09.2025, 08-09-2025 and
// 09/08/2025 (month first with slashes, unless the first number is over 12).
func (d *dateParts) numericDate(a, b, c string, sep byte) bool {
	if d.year != 0 || !isDigits(a) || !isDigits(b) || !isDigits(c) || len(b) > 2 {
		return false
	}
	x, _ := strconv.Atoi(a)
	y, _ := strconv.Atoi(b)
	z, _ := strconv.Atoi(c)
	switch {
	case len(a) == 4:
		d.year, d.month, d.day = x, y, z
		return len(c) <= 2
	case len(c) == 4 || len(c) == 2:
		if len(a) > 2 {
			return false
		}
		d.year = fullYear(z, len(c))
		if sep == '/' && x <= 12 {
			d.month, d.day = x, y
		} else {
			d.day, d.month = x, y
		}
		return true
	}
	return false
}

func fullYear(y, digits int) int {
	if digits == 2 {
		if y < 70 {
			return 2000 + y
		}
		return 1900 + y
	}
	return y
}

// settle assigns the bare numbers to day, year and (before AM/PM) hour.
func (d *dateParts) settle() bool {
	if d.hourCandidate >= 0 && !d.hasTime {
		h, _ := strconv.Atoi(d.nums[d.hourCandidate])
		d.hour, d.hasTime = h, true
		d.nums = append(d.nums[:d.hourCandidate:d.hourCandidate], d.nums[d.hourCandidate+1:]...)
	}
	if d.year == 0 {
		if d.month == 0 || len(d.nums) != 2 {
			return false
		}
		a, b := d.nums[0], d.nums[1]
		switch {
		case len(a) == 4 && len(b) <= 2:
			a, b = b, a
		case len(b) == 4 && len(a) <= 2:
		case len(a) <= 2 && len(b) == 2: // RFC 822: 02 Jan 06
		default:
			return false
		}
		d.day, _ = strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		d.year = fullYear(y, len(b))
	} else if len(d.nums) != 0 {
		return false
	}
	if d.hasTime {
		if d.pm || d.am {
			if d.hour < 1 || d.hour > 12 {
				return false
			}
			if d.pm && d.hour < 12 {
				d.hour += 12
			} else if d.am && d.hour == 12 {
				d.hour = 0
			}
		}
	}
	return true
}

func (d *dateParts) time() (time.Time, bool) {
	if d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31 || d.hour > 24 || d.min > 59 || d.sec > 60 {
		return time.Time{}, false
	}
	if d.hour == 24 {
		if d.min != 0 || d.sec != 0 {
			return time.Time{}, false
		}
	}
	if d.usStd != 0 {
		d.offset = d.usStd * 3600
		if usDaylightTime(d.year, time.Month(d.month), d.day, d.hour) {
			d.offset += 3600
		}
	}
	t := time.Date(d.year, time.Month(d.month), d.day, d.hour, d.min, d.sec, d.nsec, time.FixedZone("", d.offset))
	if t.Day() != d.day && d.hour != 24 {
		return time.Time{}, false // 31 April, 30 February
	}
	return plausible(t)
}

// frenchClock matches 15h, 15h04.
var frenchClock = regexp.MustCompile(`^\d{1,2}h(\d\d)?$`)

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}

// monthNames maps lower-case month names and abbreviations in the languages
// of the sources Communiqué follows to month numbers.
var monthNames = func() map[string]int {
	m := map[string]int{}
	for i, names := range [12]string{
		"january jan janvier janv januar jän jänner enero ene gennaio gen janeiro januari",
		"february feb février fevrier févr fevr février februar febrero febbraio fevereiro fev februari",
		"march mar mars märz maerz mär marzo março marco maart mrt",
		"april apr avril avr abril abr aprile",
		"may mai mayo maggio mag maio mei",
		"june jun juin juni junio giugno giu junho",
		"july jul juillet juil juli julio luglio lug julho",
		"august aug août aout agosto ago augustus",
		"september sep sept septembre septiembre setiembre settembre set setembro",
		"october oct octobre oktober okt octubre ottobre ott outubro out",
		"november nov novembre noviembre novembro",
		"december dec décembre decembre déc dezember dez diciembre dic dicembre dezembro",
	} {
		for _, n := range strings.Fields(names) {
			m[n] = i + 1
		}
	}
	return m
}()

// usZones are the North American zones written without saying whether
// daylight time applies (a habit of U.S. government sites: "3:30 p.m. ET"),
// with their standard offsets.
var usZones = map[string]int{"ET": -5, "CT": -6, "MT": -7, "PT": -8}

// usDaylightTime reports whether a local date and hour falls in U.S.
// daylight saving time (since 2007: from 2:00 on the second Sunday of March
// to 2:00 on the first Sunday of November).
func usDaylightTime(year int, month time.Month, day, hour int) bool {
	sunday := func(m time.Month, nth int) int {
		first := time.Date(year, m, 1, 0, 0, 0, 0, time.UTC).Weekday()
		return 1 + (7-int(first))%7 + 7*(nth-1)
	}
	switch {
	case month > time.March && month < time.November:
		return true
	case month == time.March:
		start := sunday(time.March, 2)
		return day > start || (day == start && hour >= 2)
	case month == time.November:
		end := sunday(time.November, 1)
		return day < end || (day == end && hour < 2)
	}
	return false
}

// zoneOffsets are the zone abbreviations seen in feeds, in seconds east of
// UTC. time.Parse would read an unknown abbreviation as UTC with the name
// kept, which silently shifts "EST" by five hours; this table does not.
var zoneOffsets = func() map[string]int {
	h := func(hours float64) int { return int(hours * 3600) }
	return map[string]int{
		"UTC": 0, "GMT": 0, "UT": 0, "Z": 0, "WET": 0, "WEZ": 0,
		"BST": h(1), "IST": h(5.5), "WEST": h(1), "WESZ": h(1), "CET": h(1), "MEZ": h(1), "WAT": h(1),
		"CEST": h(2), "MESZ": h(2), "EET": h(2), "OEZ": h(2), "CAT": h(2), "SAST": h(2),
		"EEST": h(3), "OESZ": h(3), "MSK": h(3), "EAT": h(3), "AST": h(-4), "TRT": h(3),
		"GST": h(4), "PKT": h(5), "NPT": h(5.75), "BDT": h(6), "ICT": h(7), "WIB": h(7),
		"HKT": h(8), "SGT": h(8), "AWST": h(8), "PHT": h(8), "CST": h(-6), "JST": h(9), "KST": h(9),
		"ACST": h(9.5), "ACDT": h(10.5), "AEST": h(10), "AEDT": h(11), "NZST": h(12), "NZDT": h(13),
		"EST": h(-5), "EDT": h(-4), "CDT": h(-5), "MST": h(-7), "MDT": h(-6),
		"PST": h(-8), "PDT": h(-7), "AKST": h(-9), "AKDT": h(-8), "HST": h(-10),
		"ADT": h(-3), "NST": h(-3.5), "NDT": h(-2.5), "BRT": h(-3), "ART": h(-3),
	}
}()
