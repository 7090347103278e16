package whatlanggo

// Upstream's code before Communiqué's patch, to check the patch against.

import (
	"encoding/json"
	"math/rand"
	"os"
	"sort"
	"strings"
	"testing"
	"unicode"
)

func refDetectLangInProfiles(text string, options Options, langProfileList langProfileList) (Lang, float64) {
	trigramWeights := count(text)
	langDistances := []langDistance{}

	for lang, langTrigrams := range langProfileList {
		if len(options.Whitelist) != 0 {
			//Skip non-whitelisted languages.
			if _, ok := options.Whitelist[lang]; !ok {
				continue
			}
		} else if len(options.Blacklist) != 0 {
			//skip blacklisted languages.
			if _, ok := options.Blacklist[lang]; ok {
				continue
			}
		}
		dist, numberTrigrams := refCalculateDistance(langTrigrams, trigramWeights)
		langDistances = append(langDistances, langDistance{lang, dist, numberTrigrams})
	}

	switch len(langDistances) {
	case 0:
		return -1, 0
	case 1:
		return langDistances[0].lang, 1
	default:
		return calculateConfidence(langDistances)
	}
}

func refCalculateDistance(langTrigrams []string, textTrigramsWeights map[string]int) (totalDist, numberTrigrams int) {
	for i, trigram := range langTrigrams {
		if textTrigramsWeights[trigram] > 0 {
			numberTrigrams++
			totalDist += (maxTrigramDistance - i) * textTrigramsWeights[trigram]
		}
	}
	return totalDist, numberTrigrams
}

// refDetectScript is upstream's DetectScript.
func refDetectScript(text string) *unicode.RangeTable {
	halfLen := len(text) / 2

	scriptCounter := []scriptCounter{
		{isLatin, unicode.Latin, 0},
		{isCyrillic, unicode.Cyrillic, 0},
		{isArabic, unicode.Arabic, 0},
		{isDevanagari, unicode.Devanagari, 0},
		{isHiraganaKatakana, _HiraganaKatakana, 0},
		{isEthiopic, unicode.Ethiopic, 0},
		{isHebrew, unicode.Hebrew, 0},
		{isBengali, unicode.Bengali, 0},
		{isGeorgian, unicode.Georgian, 0},
		{isHan, unicode.Han, 0},
		{isHangul, unicode.Hangul, 0},
		{isGreek, unicode.Greek, 0},
		{isKannada, unicode.Kannada, 0},
		{isTamil, unicode.Tamil, 0},
		{isThai, unicode.Thai, 0},
		{isGujarati, unicode.Gujarati, 0},
		{isGurmukhi, unicode.Gurmukhi, 0},
		{isTelugu, unicode.Telugu, 0},
		{isMalayalam, unicode.Malayalam, 0},
		{isOriya, unicode.Oriya, 0},
		{isMyanmar, unicode.Myanmar, 0},
		{isSinhala, unicode.Sinhala, 0},
		{isKhmer, unicode.Khmer, 0},
	}

	for _, ch := range text {
		if isStopChar(ch) {
			continue
		}

		for i, sc := range scriptCounter {
			if sc.checkFunc(ch) {
				scriptCounter[i].count++
				if scriptCounter[i].count > halfLen {
					return sc.script
				}

				//if script is found, move it closer to the front so that it be checked first.
				if i > 0 {
					scriptCounter[i], scriptCounter[i-1] = scriptCounter[i-1], scriptCounter[i]
				}
			}
		}
	}

	//find the script that occurs the most in the text and return it.
	jpCount := 0
	max := 0
	maxScript := &unicode.RangeTable{}
	for _, script := range scriptCounter {
		if script.count > max {
			max = script.count
			maxScript = script.script
			if script.script == _HiraganaKatakana {
				jpCount = max
			}
		}
	}

	switch {
	case max == 0:
		//if no valid script is detected, return nil.
		return nil
	case max != 0 && (maxScript == unicode.Han && jpCount > 0):
		// If Hiragana or Katakana is included, even if judged as Mandarin,
		// it is regarded as Japanese. Japanese uses Kanji (unicode.Han)
		// in addition to Hiragana and Katakana.
		return _HiraganaKatakana
	default:
		return maxScript
	}
}

// The patched detection gives upstream's language and confidence on the
// examples and on random mixtures of their text, and the same script.
func TestPatchMatchesUpstream(t *testing.T) {
	raw, err := os.ReadFile("testdata/examples.json")
	if err != nil {
		t.Fatal(err)
	}
	var examples map[string]string
	if err := json.Unmarshal(raw, &examples); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, text := range examples {
		texts = append(texts, text)
	}
	sort.Strings(texts)
	r := rand.New(rand.NewSource(1))
	words := strings.Fields(strings.Join(texts, " "))
	for i := 0; i < 2000; i++ {
		n := 1 + r.Intn(60)
		var b strings.Builder
		for k := 0; k < n; k++ {
			b.WriteString(words[r.Intn(len(words))])
			b.WriteString([]string{" ", ", ", ". ", "\n", " 42 ", "-", ""}[r.Intn(7)])
		}
		texts = append(texts, b.String(), strings.ToUpper(b.String()))
	}
	texts = append(texts, "", " ", "a", "-a-", "yes", "Give - IT...", "\x01abc\x7f", "ÀÉÎõü ßø", "Ĳsselmeer ﬁnal")
	for _, text := range texts {
		if got, want := DetectScript(text), refDetectScript(text); got != want {
			t.Fatalf("DetectScript(%q) = %v, upstream %v", text, Scripts[got], Scripts[want])
		}
		script := DetectScript(text)
		var lists []langProfileList
		var patched []compiledProfiles
		switch script {
		case unicode.Latin:
			lists, patched = []langProfileList{latinLangs}, []compiledProfiles{compiled.latin}
		case unicode.Cyrillic:
			lists, patched = []langProfileList{cyrillicLangs}, []compiledProfiles{compiled.cyrillic}
		case unicode.Arabic:
			lists, patched = []langProfileList{arabicLangs}, []compiledProfiles{compiled.arabic}
		case unicode.Devanagari:
			lists, patched = []langProfileList{devanagariLangs}, []compiledProfiles{compiled.devanagari}
		case unicode.Hebrew:
			lists, patched = []langProfileList{hebrewLangs}, []compiledProfiles{compiled.hebrew}
		case unicode.Ethiopic:
			lists, patched = []langProfileList{ethiopicLangs}, []compiledProfiles{compiled.ethiopic}
		}
		for k := range lists {
			// Scores, language by language, are the same.
			ref := count(text)
			w := getWeights()
			countInto(text, w.w)
			for _, p := range patched[k] {
				gd, gn := calculateDistance(p.ids, w.w)
				rd, rn := refCalculateDistance(lists[k][p.lang], ref)
				if gd != rd || gn != rn {
					t.Fatalf("%q, %s: distance %d over %d trigrams, upstream %d over %d", text, p.lang, gd, gn, rd, rn)
				}
			}
			putWeights(w)
			// So is the verdict, unless two languages tie at the top
			// (upstream then picks one at random).
			gl, gc := detectLangInProfiles(text, Options{}, patched[k])
			rl, rc := refDetectLangInProfiles(text, Options{}, lists[k])
			if gl != rl && gc != 0 {
				t.Errorf("%q: %s (%.2f), upstream %s (%.2f)", text, gl, gc, rl, rc)
			}
			if gc != rc {
				t.Errorf("%q: confidence %.2f, upstream %.2f", text, gc, rc)
			}
		}
	}
}

func BenchmarkDetect(b *testing.B) {
	raw, err := os.ReadFile("testdata/examples.json")
	if err != nil {
		b.Fatal(err)
	}
	var examples map[string]string
	if err := json.Unmarshal(raw, &examples); err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat(examples["eng"]+" ", 20)
	b.Run("patched", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			Detect(text)
		}
	})
	b.Run("upstream", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			if s := refDetectScript(text); s == unicode.Latin {
				refDetectLangInProfiles(text, Options{}, latinLangs)
			}
		}
	})
}
