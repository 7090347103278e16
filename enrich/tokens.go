package enrich

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is a word or a punctuation mark of the text.
type token struct {
	s          string // as written
	key        string // lookup form: curly apostrophes straightened, trailing apostrophe dropped
	start, end int    // byte offsets
	word       bool   // letters or digits
	cap        bool   // starts with an upper-case letter
	sent       bool   // first word of a sentence
	poss       bool   // the possessive "'s"
	nl         bool   // punctuation token that is a line break
}

// abbreviations keep their full stop.
var abbreviations = map[string]bool{
	"Dr": true, "Mr": true, "Mrs": true, "Ms": true, "Prof": true, "St": true, "Jr": true, "Sr": true,
	"No": true, "Gen": true, "Lt": true, "Col": true, "Maj": true, "Capt": true, "Sgt": true, "Rep": true,
	"Sen": true, "Gov": true, "Amb": true, "Jan": true, "Feb": true, "Mar": true, "Apr": true, "Jun": true,
	"Jul": true, "Aug": true, "Sep": true, "Sept": true, "Oct": true, "Nov": true, "Dec": true, "Inc": true,
	"Ltd": true, "Co": true, "Corp": true, "vs": true, "Mt": true, "Ft": true,
}

func isApos(r rune) bool { return r == '\'' || r == '’' }

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// tokenize splits text into tokens. It never fails; invalid UTF-8 is read as
// U+FFFD punctuation.
func tokenize(text string) []token {
	toks := make([]token, 0, len(text)/5)
	sent := true
	i := 0
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			if r == '\n' {
				// A blank line or a line break ends a sentence (titles,
				// headings, list items).
				if len(toks) > 0 && !toks[len(toks)-1].nl {
					toks = append(toks, token{s: "\n", key: "\n", start: i, end: i + n, nl: true})
				}
				sent = true
			}
			i += n
			continue
		}
		if !isWordRune(r) {
			// The possessive 's.
			if isApos(r) && i+n < len(text) && (text[i+n] == 's' || text[i+n] == 'S') &&
				(i+n+1 == len(text) || !isWordByte(text, i+n+1)) && len(toks) > 0 && toks[len(toks)-1].end == i {
				toks = append(toks, token{s: text[i : i+n+1], key: "'s", start: i, end: i + n + 1, poss: true})
				i += n + 1
				continue
			}
			toks = append(toks, token{s: text[i : i+n], key: text[i : i+n], start: i, end: i + n})
			if r == '.' || r == '!' || r == '?' || r == ';' {
				sent = true
			}
			i += n
			continue
		}
		// A word: letters and digits, with inner hyphens, apostrophes
		// (d'Ivoire, O'Brien) and full stops between digits (8.9.2025) or
		// in initialisms (U.S., D.C.).
		j := i
		for j < len(text) {
			r, n := utf8.DecodeRuneInString(text[j:])
			if isWordRune(r) {
				j += n
				continue
			}
			if (r == '-' || r == '.' || r == ',' || r == '/') && j+n < len(text) {
				r2, _ := utf8.DecodeRuneInString(text[j+n:])
				prev, _ := utf8.DecodeLastRuneInString(text[:j])
				if r == '-' && isWordRune(r2) {
					j += n
					continue
				}
				if (r == '.' || r == ',' || r == '/') && unicode.IsDigit(prev) && unicode.IsDigit(r2) {
					j += n
					continue
				}
				if r == '.' && unicode.IsUpper(prev) && unicode.IsUpper(r2) && j+n+1 < len(text) && text[j+n+1] == '.' &&
					(j-2 < i || text[j-2] == '.') {
					j += n
					continue
				}
			}
			if isApos(r) {
				// Inner apostrophe followed by a letter other than the
				// possessive s: d'Ivoire, O'Brien, Qur'an.
				if j+n < len(text) {
					r2, _ := utf8.DecodeRuneInString(text[j+n:])
					if unicode.IsLetter(r2) && !((r2 == 's' || r2 == 'S') && (j+n+1 == len(text) || !isWordByte(text, j+n+1))) {
						j += n
						continue
					}
				}
				// A trailing apostrophe belongs to names such as "Shia'".
				prev, _ := utf8.DecodeLastRuneInString(text[:j])
				if unicode.IsLetter(prev) && (j+n == len(text) || text[j+n] == ' ') && !(j+n < len(text)-1 && (text[j+n+1] == 's' || text[j+n+1] == 'S') && j+n+2 < len(text) && text[j+n+2] == ' ') {
					j += n
				}
			}
			break
		}
		w := text[i:j]
		// Initialisms and known abbreviations keep their final stop.
		if j < len(text) && text[j] == '.' {
			if abbreviations[w] || (len(w) >= 3 && strings.Count(w, ".") >= 1 && isInitialism(w)) || (len(w) == 1 && unicode.IsUpper(r) && j+1 < len(text) && text[j+1] == ' ' && j+2 < len(text) && isUpperByte(text[j+2])) {
				w = text[i : j+1]
				j++
			}
		}
		// NATO-Iraq, EU-China, US-led: an acronym before a hyphen stands alone.
		if h := strings.IndexByte(w, '-'); h >= 2 && isAllCaps(w[:h]) {
			toks = appendWord(toks, text, i, i+h, &sent)
			toks = append(toks, token{s: "-", key: "-", start: i + h, end: i + h + 1})
			toks = appendWord(toks, text, i+h+1, j, &sent)
			i = j
			continue
		}
		// Korea-born, Palo Alto-based: a capitalised word before a
		// lower-case one stands alone ("al-Sudani" and "Guinea-Bissau"
		// do not split).
		if h := strings.LastIndexByte(w, '-'); h > 0 && h+1 < len(w) && isUpperByte(w[0]) && isLowerWord(w[h+1:]) {
			toks = appendWord(toks, text, i, i+h, &sent)
			toks = append(toks, token{s: "-", key: "-", start: i + h, end: i + h + 1})
			toks = appendWord(toks, text, i+h+1, j, &sent)
			i = j
			continue
		}
		toks = appendWord(toks, text, i, j, &sent)
		i = j
	}
	return toks
}

func appendWord(toks []token, text string, i, j int, sent *bool) []token {
	if i >= j {
		return toks
	}
	w := text[i:j]
	r, _ := utf8.DecodeRuneInString(w)
	key := w
	if strings.ContainsRune(key, '’') {
		key = strings.ReplaceAll(key, "’", "'")
	}
	key = strings.TrimRight(key, "'")
	if key == "" {
		key = w
	}
	toks = append(toks, token{s: w, key: key, start: i, end: j, word: true, cap: unicode.IsUpper(r), sent: *sent})
	*sent = false
	return toks
}

func isLowerWord(s string) bool {
	for _, r := range s {
		if !unicode.IsLower(r) {
			return false
		}
	}
	return s != ""
}

func isWordByte(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isWordRune(r)
}

func isUpperByte(b byte) bool { return b >= 'A' && b <= 'Z' }

// isInitialism reports whether w is like "U.S" or "D.C" (the final stop is
// outside w).
func isInitialism(w string) bool {
	for k, r := range w {
		if k%2 == 0 && !unicode.IsUpper(r) {
			return false
		}
		if k%2 == 1 && r != '.' {
			return false
		}
	}
	return true
}

// isAllCaps reports whether s has at least two letters, all upper case.
func isAllCaps(s string) bool {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			n++
		} else if r != '.' && r != '&' && !unicode.IsDigit(r) {
			return false
		}
	}
	return n >= 2
}
