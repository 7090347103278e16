package whatlanggo

// Communiqué's patch (see README.communique.md): the profiles' trigrams are
// numbered once, a text's trigrams are counted into an array by those
// numbers, and trigrams no profile holds are not counted at all. Upstream
// counted every trigram of the text into a map of strings (an allocation
// per trigram) and looked each profile trigram up in it by string. The
// results are the same; only ties between two languages' scores, which
// upstream broke in map iteration order (at random), are now broken in
// language order.

import (
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"
)

type compiledProfile struct {
	lang Lang
	ids  []int32 // the profile's trigrams, in order; -1 for one no text can produce
}

type compiledProfiles []compiledProfile

var (
	// trigramIDs numbers every trigram of every profile.
	trigramIDs = map[[3]rune]int32{}
	compiled   struct {
		latin, cyrillic, arabic, devanagari, ethiopic, hebrew compiledProfiles
	}
	// asciiTrigramChar is unicode.ToLower(toTrigramChar(c)) for ASCII c.
	asciiTrigramChar [utf8.RuneSelf]rune
)

func init() {
	compiled.latin = compileProfiles(latinLangs)
	compiled.cyrillic = compileProfiles(cyrillicLangs)
	compiled.arabic = compileProfiles(arabicLangs)
	compiled.devanagari = compileProfiles(devanagariLangs)
	compiled.ethiopic = compileProfiles(ethiopicLangs)
	compiled.hebrew = compileProfiles(hebrewLangs)
	for c := range asciiTrigramChar {
		asciiTrigramChar[c] = unicode.ToLower(toTrigramChar(rune(c)))
	}
}

func compileProfiles(list langProfileList) compiledProfiles {
	out := make(compiledProfiles, 0, len(list))
	for lang, trigrams := range list {
		p := compiledProfile{lang: lang, ids: make([]int32, len(trigrams))}
		for i, t := range trigrams {
			p.ids[i] = -1
			// count makes trigrams of exactly three runes: a profile
			// entry of any other length never matches.
			if utf8.RuneCountInString(t) != 3 {
				continue
			}
			var key [3]rune
			k := 0
			for _, r := range t {
				key[k] = r
				k++
			}
			id, ok := trigramIDs[key]
			if !ok {
				id = int32(len(trigramIDs))
				trigramIDs[key] = id
			}
			p.ids[i] = id
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b compiledProfile) int { return int(a.lang) - int(b.lang) })
	return out
}

type weights struct{ w []int32 }

var weightPool = sync.Pool{New: func() any { return &weights{w: make([]int32, len(trigramIDs))} }}

func getWeights() *weights { return weightPool.Get().(*weights) }

func putWeights(w *weights) {
	clear(w.w)
	weightPool.Put(w)
}

// trigramChar is unicode.ToLower(toTrigramChar(r)).
func trigramChar(r rune) rune {
	if r < utf8.RuneSelf {
		return asciiTrigramChar[r]
	}
	return unicode.ToLower(toTrigramChar(r))
}

// countInto adds the text's trigrams that some profile holds to w, by ID:
// the trigrams count makes, without making those no profile can use.
func countInto(input string, w []int32) {
	r1, r2 := ' ', ' '
	first := true
	add := func(r3 rune) {
		if !(r2 == ' ' && (r1 == ' ' || r3 == ' ')) {
			if id, ok := trigramIDs[[3]rune{r1, r2, r3}]; ok {
				w[id]++
			}
		}
		r1, r2 = r2, r3
	}
	for _, r := range input {
		r = trigramChar(r)
		if first {
			r2, first = r, false
			continue
		}
		add(r)
	}
	if !first {
		add(' ') // the space count puts after the last rune
	}
}
