// Package dedup decides when two texts are one release: exact duplicates by a
// hash of the normalised text, near-duplicates (syndicated copies, wrappers,
// cut paragraphs, typography) by a MinHash fingerprint verified on the text,
// revisions of a known URL with a diff, and stories that group releases about
// one event from different originators.
//
// Everything here is pure: no store, no network. The pipeline computes
// ContentHash and Fingerprint for an incoming release, asks the store for the
// release at its URL, the release with its hash and the releases sharing a
// fingerprint block (Blocks), and hands them to Decide.
package dedup

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	communique "github.com/communique-news/communique"
)

// typographyFolds maps the characters that republishers and CMSs swap for
// one another onto one spelling: curly and straight quotes, dashes and
// minus, ellipsis, and invisible characters (deleted).
var typographyFolds = map[rune]string{
	'\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'", '`': "'", '\u00b4': "'",
	'\u201c': `"`, '\u201d': `"`, '\u201e': `"`, '\u201f': `"`, '\u2033': `"`, '\u00ab': `"`, '\u00bb': `"`,
	'\u2010': "-", '\u2011': "-", '\u2012': "-", '\u2013': "-", '\u2014': "-", '\u2015': "-", '\u2212': "-",
	'\u2026': "...", '\u00ad': "", '\u200b': "", '\u200c': "", '\u200d': "", '\ufeff': "",
}

// typography replaces every character of typographyFolds in a string.
var typography = func() *strings.Replacer {
	var pairs []string
	for r, s := range typographyFolds {
		pairs = append(pairs, string(r), s)
	}
	return strings.NewReplacer(pairs...)
}()

// urlInText finds links written out in a text, whose tracking parameters
// differ between fetches.
var urlInText = regexp.MustCompile(`https?://[^\s<>"']+`)

// NormalizeText returns text in the form in which cosmetic differences
// vanish: Unicode NFKC (no-break and other spaces become spaces, ligatures
// are split), quotes, apostrophes and dashes folded to ASCII, links
// canonicalised (tracking parameters dropped), lower case, and every run of
// white space — including paragraph breaks — made one space.
func NormalizeText(text string) string {
	s := norm.NFKC.String(text)
	s = typography.Replace(s)
	if strings.Contains(s, "http") {
		s = urlInText.ReplaceAllStringFunc(s, func(u string) string {
			trail := ""
			for len(u) > 0 && strings.ContainsRune(".,;:)]!?", rune(u[len(u)-1])) {
				trail = u[len(u)-1:] + trail
				u = u[:len(u)-1]
			}
			return communique.CanonicalURL(u) + trail
		})
	}
	s = strings.ToLower(s)
	// A dash run ("--", "---") is one dash.
	var b strings.Builder
	b.Grow(len(s))
	space, dash := false, false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space, dash = b.Len() > 0, false
			continue
		case r == '-':
			if dash {
				continue
			}
			dash = true
		default:
			dash = false
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ContentHash is the hex SHA-256 of NormalizeText(text). Equal hashes mean the
// same text up to cosmetic changes.
func ContentHash(text string) string {
	sum := sha256.Sum256([]byte(NormalizeText(text)))
	return hex.EncodeToString(sum[:])
}

// Words splits text into normalised words: runs of letters and digits,
// lower case, typography folded, apostrophes dropped ("don't" is "dont").
// Punctuation and white space separate words and are dropped, so reflowing or re-punctuating a text leaves its words.
//
// It is NormalizeText's folding done in one pass, rune by rune (TestWords
// and FuzzWords hold it to the composition of NormalizeText, removing
// apostrophes and splitting, that it replaced: BenchmarkWords). Texts in
// which NormalizeText may find a link to canonicalise take that
// composition.
func Words(text string) []string {
	s := norm.NFKC.String(text)
	if strings.Contains(s, "http") {
		return splitWords(NormalizeText(text))
	}
	buf := make([]byte, 0, len(s))
	ends := make([]int, 0, len(s)/6+1) // where each word ends in buf; English averages ~6 bytes a word with its space
	in := false                        // buf's last word is still being read
	for _, r := range s {
		if r >= utf8.RuneSelf || r == '`' {
			if fold, ok := typographyFolds[r]; ok {
				if fold == "" {
					// Deleting it may join a link's letters.
					return splitWords(NormalizeText(text))
				}
				r = rune(fold[0]) // a quote, an apostrophe, a dash or dots
			}
		}
		r = unicode.ToLower(r)
		switch {
		case r == '\'':
			continue // an apostrophe joins the letters around it
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			buf = utf8.AppendRune(buf, r)
			in = true
		case in:
			ends = append(ends, len(buf))
			in = false
		}
	}
	if in {
		ends = append(ends, len(buf))
	}
	all := string(buf)
	words := make([]string, len(ends))
	start := 0
	for i, end := range ends {
		words[i], start = all[start:end], end
	}
	return words
}

// splitWords is Words of a normalised text.
func splitWords(s string) []string {
	s = strings.ReplaceAll(s, "'", "")
	return strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// paragraphs splits text at blank lines (or at single newlines when the text
// has no blank line), trimmed, empty ones dropped.
func paragraphs(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	sep := "\n\n"
	if !strings.Contains(text, sep) {
		sep = "\n"
	}
	var out []string
	for p := range strings.SplitSeq(text, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
