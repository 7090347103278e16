package enrich

import (
	"github.com/RadhiFadlillah/whatlanggo"
)

// langSample bounds the text read for language detection: trigram
// statistics settle well within a few thousand bytes.
const langSample = 4000

// Language returns the ISO 639-1 code (a BCP 47 primary language subtag) of
// the language text is written in, or "" when it cannot tell (empty or very
// short text, or a language without a two-letter code).
func Language(text string) string {
	if len(text) > langSample {
		// Cut on a rune boundary.
		cut := langSample
		for cut > 0 && text[cut]&0xC0 == 0x80 {
			cut--
		}
		text = text[:cut]
	}
	letters := 0
	for _, r := range text {
		if r > ' ' {
			letters++
		}
	}
	if letters < 12 {
		return ""
	}
	info := whatlanggo.Detect(text)
	return info.Lang.Iso6391()
}
