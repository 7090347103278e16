package dedup

import (
	"strings"
	"unicode"
)

// Boilerplate is what a source repeats in its releases — "About NATO",
// contact blocks, disclaimers, share prompts — learnt from the source's
// recent texts. Fingerprint and Resemble leave these paragraphs out, so that
// two different releases of one source do not look alike because of them.
// The zero value and nil know no boilerplate. A Boilerplate is immutable once
// built and safe for concurrent use.
type Boilerplate struct {
	paras map[string]struct{}
}

// MinBoilerplateTexts is the fewest texts in which a paragraph must occur
// for NewBoilerplate to take it as boilerplate.
const MinBoilerplateTexts = 2

// NewBoilerplate learns boilerplate from texts, the recent releases of one
// source (a few dozen are enough): a paragraph is boilerplate when it occurs,
// up to case, typography and digits, in at least MinBoilerplateTexts of them
// and in at least a fifth of them. Texts that are copies of one another
// should be given once, or their whole text counts as boilerplate.
func NewBoilerplate(texts []string) *Boilerplate {
	count := map[string]int{}
	for _, t := range texts {
		seen := map[string]bool{}
		for _, p := range paragraphs(t) {
			k := paraKey(p)
			if k == "" || seen[k] {
				continue
			}
			seen[k] = true
			count[k]++
		}
	}
	min := max(MinBoilerplateTexts, (len(texts)+4)/5)
	bp := &Boilerplate{paras: map[string]struct{}{}}
	for k, n := range count {
		if n >= min {
			bp.paras[k] = struct{}{}
		}
	}
	return bp
}

// Len is the number of boilerplate paragraphs known.
func (bp *Boilerplate) Len() int {
	if bp == nil {
		return 0
	}
	return len(bp.paras)
}

// paraKey is a paragraph's identity for boilerplate: its words without
// digits, so that a contact block with this year's date still matches.
func paraKey(p string) string {
	w := Words(p)
	var b strings.Builder
	for _, x := range w {
		x = strings.Map(func(r rune) rune {
			if unicode.IsDigit(r) {
				return -1
			}
			return r
		}, x)
		if x == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(x)
	}
	return b.String()
}
