// Package edit makes the release document from what extraction read on
// the page and what the feed item said: the better title, the earlier
// explicit date, a sanitised body, normalised text, the lede, the word
// count, the licence and the originator.
package edit

import (
	nurl "net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/extract"
	"github.com/communique-news/communique/internal/spaces"
)

// LedeWords is the most words a lede has.
const LedeWords = 60

// Release merges the page's article a (nil or empty: the item's own
// content stands in, and the release is marked Fallback) with the feed
// item it and the source src (which may be nil), at time now.
func Release(a *communique.Article, it communique.Item, src *communique.Source, now time.Time) *communique.Release {
	if a == nil || (strings.TrimSpace(a.Text) == "" && strings.TrimSpace(a.HTML) == "") {
		fb := extract.FromItem(it)
		if a != nil {
			// Keep what the page said about itself, if anything.
			fb.Title = firstNonEmpty(a.Title, fb.Title)
			fb.Originator, fb.OriginalURL = a.Originator, a.OriginalURL
			if !a.Published.IsZero() {
				fb.Published = a.Published
			}
		}
		a = fb
	}
	r := &communique.Release{
		Title:     Normalize(betterTitle(a.Title, it.Title)),
		Author:    Normalize(firstNonEmpty(a.Author, it.Author)),
		Language:  a.Language,
		Image:     a.Image,
		SiteName:  a.SiteName,
		Fallback:  a.Fallback,
		Retrieved: now,
		Updated:   now,
		Licence:   communique.LicenceFull,
	}
	if src != nil {
		r.SourceID = src.ID
		if src.Licence.Valid() {
			r.Licence = src.Licence
		}
		r.Organization, r.Country = src.Organization, src.Country
	}
	if a.Originator != "" && (src == nil || !strings.EqualFold(a.Originator, src.Organization)) {
		// A republisher's copy naming the originating organisation.
		r.Organization, r.Country = a.Originator, ""
	}

	// Dates: the earlier of the explicit ones; the retrieval time, marked
	// as an estimate, when neither the page nor the feed gives one.
	var itemDate time.Time
	if !it.DateMissing {
		itemDate = it.Published
	}
	switch {
	case !a.Published.IsZero() && !itemDate.IsZero():
		r.Published = a.Published
		if itemDate.Before(a.Published) && !sameDay(itemDate, a.Published) {
			r.Published = itemDate
		}
	case !a.Published.IsZero():
		r.Published = a.Published
	case !itemDate.IsZero():
		r.Published = itemDate
	default:
		r.Published = now
		r.DateEstimated = true
	}
	r.Modified = a.Modified
	if r.Modified.IsZero() && !it.Updated.IsZero() && it.Updated.After(r.Published) {
		r.Modified = it.Updated
	}

	r.URL = releaseURL(a, it)
	base := firstNonEmpty(a.URL, it.URL, r.URL)
	r.HTML = Sanitize(a.HTML, base)
	text := a.Text
	if strings.TrimSpace(text) == "" {
		text = textOfHTML(r.HTML)
	}
	r.Text = NormalizeText(text)
	r.Lede = Lede(r.Text)
	r.WordCount = spaces.CountWords(r.Text)
	return r
}

// sameDay reports whether a date-only statement and a timed one are the
// same calendar day (a page's "8 Sep 2025" and the feed's 10:30 that day).
func sameDay(a, b time.Time) bool {
	return a.Format("2006-01-02") == b.Format("2006-01-02")
}

// releaseURL is the original's URL: the one a republisher's footer names,
// else the page's canonical URL when it is on the page's own site, else
// the item's URL (or the page's).
func releaseURL(a *communique.Article, it communique.Item) string {
	if a.OriginalURL != "" {
		return communique.CanonicalURL(a.OriginalURL)
	}
	page := firstNonEmpty(a.URL, it.URL)
	if a.CanonicalURL != "" && sameSite(a.CanonicalURL, page) {
		return communique.CanonicalURL(a.CanonicalURL)
	}
	return communique.CanonicalURL(firstNonEmpty(it.URL, a.URL))
}

func sameSite(u1, u2 string) bool {
	a, err1 := nurl.Parse(u1)
	b, err2 := nurl.Parse(u2)
	if err1 != nil || err2 != nil || a.Host == "" || b.Host == "" {
		return false
	}
	h1 := strings.TrimPrefix(strings.ToLower(a.Hostname()), "www.")
	h2 := strings.TrimPrefix(strings.ToLower(b.Hostname()), "www.")
	return h1 == h2
}

// betterTitle chooses between the page's headline and the feed's title:
// the page's unless it is missing, or it is the feed's title wrapped in
// affixes the extractor did not recognise.
func betterTitle(page, item string) string {
	page, item = clean(page), clean(item)
	switch {
	case page == "":
		return item
	case item == "":
		return page
	case strings.EqualFold(page, item):
		return page
	case len(item) >= 12 && strings.Contains(strings.ToLower(page), strings.ToLower(item)):
		return item
	}
	return page
}

// quoteFolder folds the many spellings of quotes and apostrophes, and
// invisible characters, so that the text reads and compares the same
// whatever the source's typography.
var quoteFolder = strings.NewReplacer(
	"\u2018", "'", "\u2019", "'", "\u201a", "'", "\u201b", "'", "\u2032", "'", "`", "'", "\u00b4", "'",
	"\u201c", `"`, "\u201d", `"`, "\u201e", `"`, "\u201f", `"`, "\u2033", `"`, "''", `"`,
	"\u00a0", " ", "\u2007", " ", "\u202f", " ", "\u2009", " ", "\u200a", " ", "\u3000", " ",
	"\u200b", "", "\u200c", "", "\u200d", "", "\u2060", "", "\ufeff", "", "\u00ad", "",
)

// Normalize folds quotes and collapses white space in a one-line string.
func Normalize(s string) string {
	return clean(quoteFolder.Replace(s))
}

// NormalizeText folds quotes and collapses white space within paragraphs;
// paragraphs stay separated by one blank line.
func NormalizeText(s string) string {
	s = strings.ReplaceAll(quoteFolder.Replace(s), "\r\n", "\n")
	var paras []string
	for _, p := range strings.Split(s, "\n\n") {
		if p = clean(p); p != "" {
			paras = append(paras, p)
		}
	}
	return strings.Join(paras, "\n\n")
}

func clean(s string) string { return spaces.Collapse(s) }

// Lede is the first meaningful paragraph of text (paragraphs separated by
// blank lines), trimmed at a sentence boundary to at most LedeWords words.
// Datelines, bylines, captions and other short lines that are not
// sentences are skipped.
func Lede(text string) string {
	paras := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n")
	var first string
	for _, p := range paras {
		p = clean(p)
		if p == "" {
			continue
		}
		if first == "" {
			first = p
		}
		if meaningful(p) {
			return trimSentences(p, LedeWords)
		}
	}
	return trimSentences(first, LedeWords)
}

var notLede = []string{"by ", "photo", "image", "credit", "source:", "posted ", "published ", "updated ", "share", "read more", "click here", "subscribe", "advertisement", "listen", "download"}

func meaningful(p string) bool {
	words := strings.Fields(p)
	if len(words) < 8 {
		return false
	}
	lp := strings.ToLower(p)
	for _, s := range notLede {
		if strings.HasPrefix(lp, s) && len(words) < 20 {
			return false
		}
	}
	last, _ := utf8.DecodeLastRuneInString(p)
	return len(words) >= 15 || strings.ContainsRune(".!?\"'»”", last)
}

// trimSentences keeps the leading sentences of p that fit in max words;
// a first sentence longer than that is cut at max words with an ellipsis.
func trimSentences(p string, max int) string {
	words := strings.Fields(p)
	if len(words) <= max {
		return p
	}
	n, end := 0, 0
	for i, w := range words {
		if i >= max {
			break
		}
		n++
		if sentenceEnd(w, words, i) {
			end = n
		}
	}
	if end == 0 {
		return strings.Join(words[:max], " ") + "…"
	}
	return strings.Join(words[:end], " ")
}

// sentenceEnd reports whether word i ends a sentence: it ends in . ! or ?
// (before closing quotes or brackets), is not a known abbreviation or an
// initial, and the next word starts with an upper-case letter, a digit or
// a quote.
func sentenceEnd(w string, words []string, i int) bool {
	t := strings.TrimRight(w, `"')]»”’`)
	if t == "" {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(t)
	if last != '.' && last != '!' && last != '?' {
		return false
	}
	if last == '.' {
		stem := strings.ToLower(strings.TrimSuffix(t, "."))
		if abbreviations[stem] || (utf8.RuneCountInString(stem) == 1 && unicode.IsLetter([]rune(stem)[0])) {
			return false
		}
	}
	if i+1 >= len(words) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(words[i+1])
	return unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune(`"'«“‘(`, r)
}

var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "gen": true, "lt": true, "col": true,
	"maj": true, "sgt": true, "capt": true, "gov": true, "sen": true, "rep": true, "st": true, "jr": true,
	"sr": true, "no": true, "vs": true, "etc": true, "e.g": true, "i.e": true, "u.s": true, "u.k": true,
	"u.n": true, "e.u": true, "inc": true, "ltd": true, "co": true, "corp": true, "jan": true, "feb": true,
	"mar": true, "apr": true, "jun": true, "jul": true, "aug": true, "sep": true, "sept": true, "oct": true,
	"nov": true, "dec": true, "art": true, "para": true, "fig": true, "approx": true, "hon": true, "rt": true,
}

// textOfHTML is the plain text of a sanitised body, one paragraph per
// block.
func textOfHTML(s string) string {
	if s == "" {
		return ""
	}
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	if err != nil {
		return ""
	}
	var paras []string
	var cur strings.Builder
	var walk func(n *html.Node)
	flush := func() {
		if t := clean(cur.String()); t != "" {
			paras = append(paras, t)
		}
		cur.Reset()
	}
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			cur.WriteString(n.Data)
		case html.ElementNode:
			block := isBlock(n.DataAtom)
			if block {
				flush()
			}
			if n.DataAtom == atom.Br {
				cur.WriteByte(' ')
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
			if block {
				flush()
			}
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	flush()
	return strings.Join(paras, "\n\n")
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Li, atom.Blockquote,
		atom.Pre, atom.Tr, atom.Table, atom.Ul, atom.Ol, atom.Dl, atom.Dt, atom.Dd, atom.Section, atom.Article,
		atom.Figure, atom.Figcaption, atom.Hr, atom.Header, atom.Footer:
		return true
	}
	return false
}
