// Package spaces handles the white space of text read from pages: runs of it
// made one space, and the words it separates counted, without allocating
// where nothing changes (every paragraph, title and name read from a page
// passes through Collapse, most of them already collapsed).
package spaces

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Collapse returns s with every run of white space (unicode.IsSpace: also
// no-break spaces, tabs and line breaks) made one space and none at either
// end: strings.Join(strings.Fields(s), " "), and s itself when that is s.
func Collapse(s string) string {
	if collapsed(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for f := range strings.FieldsSeq(s) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f)
	}
	return b.String()
}

// collapsed reports whether Collapse(s) is s: no white space but single
// ASCII spaces between other characters.
func collapsed(s string) bool {
	space := true // before the start: a leading space is not collapsed
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case ' ':
				if space {
					return false
				}
				space = true
			case '\t', '\n', '\v', '\f', '\r':
				return false
			default:
				space = false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			return false
		}
		space = false
		i += n
	}
	return !space || s == ""
}

// CountWords is the number of runs of non-space characters in s:
// len(strings.Fields(s)), without making the slice.
func CountWords(s string) int {
	n := 0
	for range strings.FieldsSeq(s) {
		n++
	}
	return n
}
