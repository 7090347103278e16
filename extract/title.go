package extract

import (
	"html"
	"regexp"
	"strings"
	"unicode"

	xhtml "golang.org/x/net/html"

	"github.com/communique-news/communique/internal/spaces"
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

	metas := []string{og, hl, tw, dt}
	stripped := make([]string, 0, len(metas))
	for _, t := range metas {
		if t != "" {
			stripped = append(stripped, stripAffixes(t, site, host))
		}
	}
	// The visible headline: the page's h1, when one stands out. Pages
	// with several h1 (logo, menu, widgets) keep the one that shares most
	// words with the metadata titles.
	var plausible []string
	for _, h := range f.h1 {
		h = stripAffixes(html.UnescapeString(h), site, host)
		if plausibleHeadline(h, site, host, stripped) {
			plausible = append(plausible, h)
		}
	}
	pick := ""
	switch {
	case len(plausible) == 1:
		pick = plausible[0]
		if len(stripped) > 0 && overlap(pick, stripped) == 0 && len(f.h1) > 1 {
			pick = "" // a lone heading that has nothing to do with the page's title
		}
	case len(plausible) > 1:
		best := 0.0
		for _, h := range plausible {
			if o := overlap(h, stripped); o > best {
				best, pick = o, h
			}
		}
		if best < 0.5 {
			pick = ""
		}
	}
	if pick != "" {
		if isShouting(pick) {
			// An h1 in capitals is usually styled so; the metadata has
			// the headline's own case.
			for _, t := range stripped {
				if strings.EqualFold(fold(t), fold(pick)) {
					return t
				}
			}
		}
		return pick
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
	if i := strings.Index(t, ": "); i > 0 && siteNamed(t[:i], site, host) && i+2 < len(t) {
		t = t[i+2:]
	}
	return strings.TrimSpace(t)
}

func words(s string) int { return spaces.CountWords(s) }

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

// genericHeadings are h1 texts that are no headline.
var genericHeadings = map[string]bool{
	"menu": true, "navigation": true, "search": true, "main menu": true, "post navigation": true,
	"open menu close menu": true, "our blog": true, "blog": true, "news": true, "home": true,
	"skip to content": true, "related posts": true, "comments": true, "share": true,
}

func plausibleHeadline(h, site, host string, titles []string) bool {
	n := len([]rune(h))
	if n < 3 || n > 300 || genericHeadings[strings.ToLower(h)] {
		return false
	}
	if siteNamed(h, site, host) {
		return false
	}
	// A heading that looks like the site's name is the headline only if
	// the page's titles say so too.
	return !siteLike(h, site, host) || overlap(h, titles) >= 0.5
}

// overlap is the largest share of h's words found in one of the titles.
func overlap(h string, titles []string) float64 {
	hw := strings.Fields(strings.ToLower(fold(h)))
	if len(hw) == 0 {
		return 0
	}
	best := 0.0
	for _, t := range titles {
		tw := map[string]bool{}
		for _, w := range strings.Fields(strings.ToLower(fold(t))) {
			tw[w] = true
		}
		n := 0
		for _, w := range hw {
			if tw[w] {
				n++
			}
		}
		if o := float64(n) / float64(len(hw)); o > best {
			best = o
		}
	}
	return best
}

// isShouting reports whether s has letters and none in lower case.
func isShouting(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters > 3
}

// siteNamed reports whether s is exactly the site's name or its host name.
func siteNamed(s, site, host string) bool {
	q := squash(s)
	if q == "" {
		return false
	}
	if site != "" && q == squash(site) {
		return true
	}
	h := strings.TrimPrefix(strings.ToLower(host), "www.")
	if h == "" {
		return false
	}
	if q == squash(h) {
		return true
	}
	labels := strings.Split(h, ".")
	if len(labels) > 1 {
		labels = labels[:len(labels)-1]
	}
	for _, l := range labels {
		if len(l) >= 3 && q == squash(l) {
			return true
		}
	}
	return false
}
