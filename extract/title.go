package extract

import (
	"html"
	"regexp"
	"strings"
	"unicode"

	xhtml "golang.org/x/net/html"
)

// chooseTitle picks the release's headline. The page usually states it
// several times: the visible h1, og:title / twitter:title, JSON-LD's
// headline and the browser <title>, the last two often wrapped in the
// site's name ("Title | Site", "Site - News: Title, 08-Sep.-2025"). An h1
// that agrees with another statement is the headline; failing that, the
// metadata title with the site-name affixes removed.
func chooseTitle(f *facts, ld ldFacts, rule *Rule, doc *xhtml.Node, host string) string {
	if rule != nil && rule.Title != "" {
		if t := selectText(doc, rule.Title); t != "" {
			return t
		}
	}
	og := clean(html.UnescapeString(f.meta["og:title"]))
	tw := clean(html.UnescapeString(f.meta["twitter:title"]))
	hl := clean(html.UnescapeString(ld.headline))
	dt := f.docTitle
	site := clean(firstOf(f.meta["og:site_name"], ld.publisher, f.meta["application-name"]))

	// An h1 that another statement repeats, whole or within its affixes.
	for _, h := range f.h1 {
		for _, t := range []string{og, hl, tw} {
			if t != "" && strings.EqualFold(fold(h), fold(t)) {
				return h
			}
		}
	}
	for _, h := range f.h1 {
		if len([]rune(h)) < 8 {
			continue
		}
		for _, t := range []string{og, hl, tw, dt} {
			if t != "" && strings.EqualFold(fold(stripAffixes(t, site, host)), fold(h)) {
				return h
			}
		}
	}
	for _, t := range []string{og, hl, tw, dt} {
		if t != "" {
			return stripAffixes(t, site, host)
		}
	}
	if len(f.h1) > 0 {
		return f.h1[0]
	}
	return ""
}

// fold folds typographic quotes and dashes and white space, so that
// statements of one title compare equal.
func fold(s string) string {
	return normTitle(s)
}

var (
	// rxTitleSep splits a title at the separators sites put between the
	// headline and their name.
	rxTitleSep = regexp.MustCompile(`\s+(?:[|·•»«~/\\]|::|[-–—]{1,2})\s+|\s*[|]\s*`)
	// rxTitleDate is a date tacked to the end of a title: ", 08-Sep.-2025".
	rxTitleDate = regexp.MustCompile(`(?i)[,\s]+(?:\d{1,2}[-\s./]+[a-z]{3,9}\.?[-\s./]+\d{4}|\d{4}-\d{2}-\d{2}|[a-z]{3,9}\.? \d{1,2},? \d{4})$`)
	// rxSectionPrefix is a section label before the headline: "News: ".
	rxSectionPrefix = regexp.MustCompile(`^(?i:news|press releases?|news releases?|statements?|speeches?|media releases?|announcements?|updates?|blog|article|opinion|transcripts?|latest)\s*:\s+`)
)

// stripAffixes removes from a title the parts that name the site (its
// og:site_name, its host name) or are a short trailing label after " | ",
// a date tacked to the end, and a section label left at the start.
func stripAffixes(t, site, host string) string {
	t = clean(t)
	seps := rxTitleSep.FindAllStringIndex(t, -1)
	if len(seps) > 0 {
		// Segments and the separators between them.
		var segs []string
		prev := 0
		for _, s := range seps {
			segs = append(segs, t[prev:s[0]])
			prev = s[1]
		}
		segs = append(segs, t[prev:])
		keepFrom, keepTo := 0, len(segs)
		// Site names at either end.
		for keepTo-keepFrom > 1 && siteLike(segs[keepTo-1], site, host) {
			keepTo--
		}
		for keepTo-keepFrom > 1 && siteLike(segs[keepFrom], site, host) {
			keepFrom++
		}
		// A short trailing segment after a pipe is a site or section name.
		for keepTo-keepFrom > 1 {
			sep := t[seps[keepTo-2][0]:seps[keepTo-2][1]]
			last := segs[keepTo-1]
			if strings.Contains(sep, "|") && words(last) <= 4 && words(last) < words(strings.Join(segs[keepFrom:keepTo-1], " ")) {
				keepTo--
				continue
			}
			break
		}
		if keepFrom > 0 || keepTo < len(segs) {
			start := 0
			if keepFrom > 0 {
				start = seps[keepFrom-1][1]
			}
			end := len(t)
			if keepTo < len(segs) {
				end = seps[keepTo-1][0]
			}
			t = t[start:end]
		}
	}
	if loc := rxTitleDate.FindStringIndex(t); loc != nil && loc[0] > 0 {
		t = t[:loc[0]]
	}
	if loc := rxSectionPrefix.FindStringIndex(t); loc != nil && loc[1] < len(t) {
		t = t[loc[1]:]
	}
	// "Site: Title" with the site's own name before a colon.
	if i := strings.Index(t, ": "); i > 0 && siteLike(t[:i], site, host) && i+2 < len(t) {
		t = t[i+2:]
	}
	return strings.TrimSpace(t)
}

func words(s string) int { return len(strings.Fields(s)) }

// siteLike reports whether a title segment names the site: it is the
// site name, or its letters are those of the host's name or contain them.
func siteLike(seg, site, host string) bool {
	s := squash(seg)
	if s == "" {
		return false
	}
	if site != "" {
		ss := squash(site)
		if s == ss || (len(s) >= 4 && strings.Contains(ss, s)) || (len(ss) >= 4 && strings.HasPrefix(s, ss)) {
			return true
		}
	}
	h := strings.TrimPrefix(strings.ToLower(host), "www.")
	if h == "" {
		return false
	}
	labels := strings.Split(h, ".")
	if len(labels) > 1 {
		labels = labels[:len(labels)-1] // drop the TLD
	}
	for _, l := range labels {
		l = squash(l)
		if len(l) < 3 || l == "com" || l == "org" || l == "gov" || l == "net" || l == "news" || l == "blog" {
			continue
		}
		if s == l || strings.HasPrefix(s, l) || (len(s) >= 4 && strings.HasPrefix(l, s)) {
			return true
		}
	}
	return squash(h) == s
}

// squash keeps the letters and digits of s, lower-cased.
func squash(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
