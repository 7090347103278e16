package dedup

import (
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	communique "github.com/communique-news/communique"
)

func TestNormalizeText(t *testing.T) {
	cases := []struct{ a, b string }{
		{"NATO\u2019s \u201cpartner\u201d \u2014 Iraq", "nato's \"partner\" - iraq"},
		{"one\u00a0two\r\n\r\nthree  ", "one two three"},
		{"see https://nato.int/news?id=1&utm_source=x.", "see https://nato.int/news?id=1."},
		{"a -- b", "a - b"},
	}
	for _, c := range cases {
		if got := NormalizeText(c.a); got != c.b {
			t.Errorf("NormalizeText(%q) = %q, want %q", c.a, got, c.b)
		}
	}
	if ContentHash("A text.") == ContentHash("Another text.") {
		t.Error("different texts have one hash")
	}
	if ContentHash("It\u2019s  here.\n\nYes") != ContentHash("it's here. yes") {
		t.Error("cosmetic variants have different hashes")
	}
}

// seed reads the republisher's copy of the seed release and makes the
// originator's text from it (without the republisher's title lines and
// footer).
func seed(t *testing.T) (original, copy string) {
	b, err := os.ReadFile(filepath.Join("..", "..", "shared", "corpus", "seed", "nato-iraq-2025-09-08.mirage.txt"))
	if err != nil {
		t.Skip("../../shared/corpus/seed is absent: ", err)
	}
	copy = strings.TrimSpace(string(b))
	parts := strings.SplitN(copy, "\n\n", 3)
	original = strings.TrimSpace(parts[2][:strings.Index(parts[2], "/Public Release.")])
	return original, copy
}

func release(id int64, url, org, site, text string) *communique.Release {
	return &communique.Release{ID: id, URL: url, Organization: org, SiteName: site, Text: text,
		ContentHash: ContentHash(text), Fingerprint: Fingerprint(text, nil)}
}

const (
	natoURL   = "https://www.nato.int/cps/en/natohq/news_237318.htm"
	mirageURL = "https://www.miragenews.com/nato-chief-welcomes-iraqi-prime-minister-1529061/"
)

func TestSeedPair(t *testing.T) {
	original, copy := seed(t)
	nato := release(1, natoURL, "NATO", "NATO", original)
	mirage := release(0, mirageURL, "NATO", "Mirage News", copy)
	if nato.ContentHash == mirage.ContentHash {
		t.Fatal("the copy's wrapper should change the hash")
	}
	if SharedBlocks(nato.Fingerprint, mirage.Fingerprint) == 0 {
		t.Fatalf("copy and original share no fingerprint block: %016x %016x", nato.Fingerprint, mirage.Fingerprint)
	}
	ix := NewIndex()
	ix.Add(nato.ID, nato.Fingerprint)
	if got := ix.Near(mirage.Fingerprint, MaxDistance); len(got) != 1 || got[0] != nato.ID {
		t.Fatalf("index lookup of the copy = %v, want [1]", got)
	}
	v := Decide(mirage, nil, nil, []*communique.Release{nato})
	if v.Kind != Copy || v.Release != nato || v.Repoint {
		t.Fatalf("copy after original: %v release %v repoint %v, want copy of NATO's, no repoint", v.Kind, v.Release, v.Repoint)
	}
	t.Logf("seed pair: %d shared blocks, Hamming %d, containment %.3f, Jaccard %.3f",
		SharedBlocks(nato.Fingerprint, mirage.Fingerprint), Distance(nato.Fingerprint, mirage.Fingerprint), v.Resemblance.Containment(), v.Resemblance.Jaccard())
}

// TestRepoint: the republisher's copy was stored first under its own URL;
// when NATO's page arrives, the release is re-pointed to it.
func TestRepoint(t *testing.T) {
	original, copy := seed(t)
	stored := release(7, mirageURL, "NATO", "Mirage News", copy)
	in := release(0, natoURL, "NATO", "", original)
	v := Decide(in, nil, nil, []*communique.Release{stored})
	if v.Kind != Copy || v.Release != stored || !v.Repoint {
		t.Fatalf("original after copy: %v repoint %v, want copy with repoint", v.Kind, v.Repoint)
	}
	// Found through the copy's URL (the pipeline looks the copy URL up).
	v = Decide(in, stored, nil, nil)
	if v.Kind != Copy || !v.Repoint {
		t.Fatalf("original found by copy URL: %v repoint %v, want copy with repoint", v.Kind, v.Repoint)
	}
	// The copy arriving again is a copy, never re-pointed.
	natoRel := release(8, natoURL, "NATO", "NATO", original)
	if v := Decide(release(0, mirageURL, "NATO", "Mirage News", copy), natoRel, nil, nil); v.Kind != Copy || v.Repoint {
		t.Fatalf("copy found by its URL: %v repoint %v", v.Kind, v.Repoint)
	}
	// The copy named its original, so it was stored under NATO's URL with
	// the republisher's text; NATO's page then arrives at that URL.
	underOrig := release(9, natoURL, "NATO", "Mirage News", copy)
	if v := Decide(release(0, natoURL, "NATO", "NATO", original), underOrig, nil, nil); v.Kind != Copy || !v.Repoint {
		t.Fatalf("original at the URL its copy was stored under: %v repoint %v, want copy with repoint", v.Kind, v.Repoint)
	}
	// And the other way round: the copy that names the original comes
	// after it, under its URL: a copy, not a revision.
	if v := Decide(release(0, natoURL, "NATO", "Mirage News", copy), natoRel, nil, nil); v.Kind != Copy || v.Repoint {
		t.Fatalf("copy under the original's URL: %v repoint %v, want copy", v.Kind, v.Repoint)
	}
	// Two pages of one site (a second feed, a redesign) are not re-pointed.
	other := release(0, "https://www.nato.int/cps/en/natohq/news_237318.htm?selectedLocale=en&x=1", "NATO", "NATO", original)
	if v := Decide(other, nil, natoRel, nil); v.Kind != Copy || v.Repoint {
		t.Fatalf("same-site copy: %v repoint %v", v.Kind, v.Repoint)
	}
}

func TestAtOrigin(t *testing.T) {
	cases := []struct {
		url, org, site string
		want           bool
	}{
		{natoURL, "NATO", "", true},
		{mirageURL, "NATO", "Mirage News", false},
		{"https://www.rba.gov.au/media-releases/2025/mr-25-20.html", "Reserve Bank of Australia", "", true},
		{"https://www.federalreserve.gov/newsevents/pressreleases/monetary20250917a.htm", "Federal Reserve", "", true},
		{"https://www.pmo.iq/press2025/8-9-202502.htm", "Prime Minister's Media Office", "", true},
		{"https://example.com/x", "Prime Minister's Media Office", "Prime Minister's Media Office", true},
		{"https://news.un.org/en/story/2025/09/1", "", "", false},
		{natoURL, "NATO", "Mirage News", false}, // a copy filed under the original's URL
		{"https://www.rba.gov.au/x", "Reserve Bank of Australia", "RBA", true},
		{"https://example.org/", "ÉCOLE", "", false},
	}
	for _, c := range cases {
		r := &communique.Release{URL: c.url, Organization: c.org, SiteName: c.site}
		if got := AtOrigin(r); got != c.want {
			t.Errorf("AtOrigin(%s, %q) = %v, want %v", c.url, c.org, got, c.want)
		}
	}
}

// TestTransformations checks each transformation kind of the evaluation
// set the way the pipeline meets it: the original is stored, the copy comes
// in, the store proposes what its hash and fingerprint blocks find, and
// Decide must call it a copy.
func TestTransformations(t *testing.T) {
	docs := readEval(t)
	originals := map[string]*communique.Release{}
	byHash := map[string]*communique.Release{}
	ix := NewIndex()
	var byID []*communique.Release
	for _, d := range docs {
		if d.Kind != "original" {
			continue
		}
		r := release(int64(len(byID)), "https://"+d.Site+"/"+d.ID, "", "", d.Text)
		byID = append(byID, r)
		originals[d.Base] = r
		byHash[r.ContentHash] = r
		ix.Add(r.ID, r.Fingerprint)
	}
	ok, total := map[string]int{}, map[string]int{}
	for _, d := range docs {
		if d.Kind == "original" {
			continue
		}
		in := release(0, "https://copy.example/"+d.ID, "", "", d.Text)
		var similar []*communique.Release
		for _, id := range ix.Near(in.Fingerprint, MaxDistance) {
			similar = append(similar, byID[id])
		}
		v := Decide(in, nil, byHash[in.ContentHash], similar)
		total[d.Kind]++
		if v.Kind == Copy && v.Release == originals[d.Base] {
			ok[d.Kind]++
		}
	}
	for _, k := range transformKinds {
		if total[k] == 0 {
			t.Errorf("no %s copies in the evaluation set", k)
			continue
		}
		r := float64(ok[k]) / float64(total[k])
		t.Logf("%-14s %d/%d found (%.3f)", k, ok[k], total[k], r)
		if r < 0.98 {
			t.Errorf("%s: %d of %d copies found, want 98%%", k, ok[k], total[k])
		}
	}
	// Exact: the cosmetic kinds have the original's hash.
	for _, d := range docs {
		if (d.Kind == "headline" || d.Kind == "typography" || d.Kind == "whitespace") && ContentHash(d.Text) != originals[d.Base].ContentHash {
			t.Errorf("%s: %s copy has another hash than its original", d.ID, d.Kind)
		}
	}
}

func TestRevisionAndDiff(t *testing.T) {
	original, _ := seed(t)
	stored := release(3, natoURL, "NATO", "NATO", original)
	stored.Title = "NATO Chief Welcomes Iraqi Prime Minister"
	changed := strings.Replace(original, "Fuad Hussein. ", "Fuad Hussein. <b>It was their first meeting.</b> ", 1)
	in := release(0, natoURL, "NATO", "NATO", changed)
	in.Title = stored.Title
	v := Decide(in, stored, nil, nil)
	if v.Kind != Revision || v.Release != stored {
		t.Fatalf("changed text at a known URL: %v, want revision", v.Kind)
	}
	edits := Diff(original, changed)
	var ins, del []string
	var rebuilt strings.Builder
	for _, e := range edits {
		switch e.Op {
		case Insert:
			ins = append(ins, e.Text)
		case Delete:
			del = append(del, e.Text)
		}
		if e.Op != Delete {
			rebuilt.WriteString(e.Text)
		}
	}
	if len(del) != 0 || len(ins) != 1 || strings.TrimSpace(ins[0]) != "<b>It was their first meeting.</b>" {
		t.Fatalf("diff: inserted %q, deleted %q", ins, del)
	}
	if rebuilt.String() != changed {
		t.Fatal("equal and inserted runs do not rebuild the new text")
	}
	h := string(DiffHTML(edits))
	if !strings.Contains(h, "<ins>&lt;b&gt;It was their first meeting.&lt;/b&gt; </ins>") || strings.Contains(h, "<b>") {
		t.Fatalf("DiffHTML does not escape or mark the insertion: %s", h[:min(len(h), 600)])
	}
	if strings.Count(h, "<p>") != strings.Count(h, "</p>") || strings.Count(h, "<p>") < 4 {
		t.Fatalf("DiffHTML paragraphs unbalanced or missing: %d <p>", strings.Count(h, "<p>"))
	}
	// A headline change is a revision too.
	in2 := release(0, natoURL, "NATO", "NATO", original)
	in2.Title = "NATO Secretary General meets Iraqi Prime Minister"
	if v := Decide(in2, stored, nil, nil); v.Kind != Revision {
		t.Fatalf("new headline: %v, want revision", v.Kind)
	}
}

func TestDiffReplace(t *testing.T) {
	edits := Diff("The meeting took place on Monday.\n\nAllies agreed.", "The meeting took place on Tuesday.\n\nAllies agreed.")
	want := []Edit{{Equal, "The meeting took place on "}, {Delete, "Monday."}, {Insert, "Tuesday."}, {Equal, "\n\nAllies agreed."}}
	if len(edits) != len(want) {
		t.Fatalf("Diff = %q, want %q", edits, want)
	}
	for i := range want {
		if edits[i] != want[i] {
			t.Fatalf("Diff = %q, want %q", edits, want)
		}
	}
	// Typography and white space are not edits.
	if e := Diff("NATO's \"partner\"  here", "NATO\u2019s \u201cpartner\u201d here"); len(e) != 1 || e[0].Op != Equal {
		t.Fatalf("cosmetic diff = %q", e)
	}
}

func TestCosmeticIsNotRevision(t *testing.T) {
	original, _ := seed(t)
	text := original + "\n\nMore at https://www.nato.int/cps/en/natohq/topics_52060.htm"
	stored := release(4, natoURL, "NATO", "NATO", text)
	stored.Title = "NATO Chief Welcomes Iraqi Prime Minister"
	cosmetic := strings.NewReplacer("'", "\u2019", "\n\n", "\r\n\r\n  ", " (", "\u00a0(", "topics_52060.htm", "topics_52060.htm?utm_source=rss&utm_medium=feed").Replace(text)
	in := release(0, natoURL+"?utm_campaign=x", "NATO", "NATO", cosmetic)
	in.Title = "NATO Chief Welcomes Iraqi Prime Minister "
	if v := Decide(in, stored, nil, nil); v.Kind != Cosmetic {
		t.Fatalf("cosmetic change: %v, want cosmetic", v.Kind)
	}
	same := release(0, natoURL, "NATO", "NATO", text)
	same.Title = stored.Title
	if v := Decide(same, stored, nil, nil); v.Kind != Same {
		t.Fatalf("identical: %v, want same", v.Kind)
	}
	if v := Decide(release(0, "https://example.org/a", "", "", "Something else entirely."), nil, nil, nil); v.Kind != New {
		t.Fatalf("nothing found: %v, want new", v.Kind)
	}
}

// TestBoilerplate: different short releases of one source that share a long
// block with no heading look alike without the learnt boilerplate and do
// not with it.
func TestBoilerplate(t *testing.T) {
	shared := "The Ministry of Foreign Affairs is responsible for the country's relations with foreign states and international organisations, for the protection of citizens abroad and for the promotion of trade, culture and development cooperation. It runs a network of more than one hundred embassies, consulates and permanent missions.\n\nFollow the Ministry on X, Facebook, Instagram and LinkedIn for the latest news, travel advice and statements by the Minister and the State Secretaries."
	bodies := []string{
		"The Minister received the ambassador of Chile on Tuesday to discuss the renewal of the agreement on working holidays for young people and a visit of the President next spring.",
		"The Ministry advises against all travel to the border region after floods closed the main roads; citizens there should register with the embassy and follow local instructions.",
		"The State Secretary opened a conference on water management in Rotterdam, attended by delegations from twelve countries and by the director of the regional development bank.",
		"The Minister will travel to Nairobi and Addis Ababa next week for talks on trade, migration and the humanitarian situation in the Horn of Africa with both governments.",
	}
	var texts []string
	for _, b := range bodies {
		texts = append(texts, b+"\n\n"+shared)
	}
	bp := NewBoilerplate(texts)
	if bp.Len() != 2 {
		t.Fatalf("learnt %d boilerplate paragraphs, want 2", bp.Len())
	}
	if !Resemble(texts[0], texts[1], nil).Duplicate() {
		t.Fatal("without boilerplate the two releases should look alike (the case the learner is for)")
	}
	if r := Resemble(texts[0], texts[1], bp); r.Duplicate() || r.Shared != 0 {
		t.Fatalf("with boilerplate: %+v, want nothing shared", r)
	}
	if SharedBlocks(Fingerprint(texts[0], bp), Fingerprint(texts[1], bp)) != 0 {
		t.Error("fingerprints without boilerplate still share a block")
	}
	in := release(0, "https://ministry.example/2", "", "", texts[1])
	if v := DecideWith(in, nil, nil, []*communique.Release{release(1, "https://ministry.example/1", "", "", texts[0])}, bp); v.Kind != New {
		t.Fatalf("DecideWith boilerplate: %v, want new", v.Kind)
	}
	// A copy of one of them is still found with the boilerplate.
	cp := "Press release\n\n" + bodies[2] + " The conference ends on Friday with a joint declaration on river basins and the financing of new dikes and pumping stations in the delta.\n\n" + shared
	orig := bodies[2] + " The conference ends on Friday with a joint declaration on river basins and the financing of new dikes and pumping stations in the delta.\n\n" + shared
	if !Resemble(cp, orig, bp).Duplicate() {
		t.Fatal("a copy is not found once boilerplate is left out")
	}
}

func TestIndexNear(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ix := NewIndex()
	fps := make([]uint64, 20000)
	for i := range fps {
		fps[i] = r.Uint64()
		if i%10 == 0 && i > 0 { // share one or two blocks with an earlier entry
			fps[i] = fps[i-1]&0xffff | r.Uint64()&^0xffff
		}
		ix.Add(int64(i), fps[i])
	}
	for q := range 500 {
		fp := fps[r.IntN(len(fps))]
		if q%2 == 0 {
			fp ^= 1 << (16 + q%48)
		}
		for _, maxd := range []int{3, MaxDistance} {
			got := ix.Near(fp, maxd)
			var want []int64
			for i, f := range fps {
				if SharedBlocks(f, fp) > 0 && Distance(f, fp) <= maxd {
					want = append(want, int64(i))
				}
			}
			if len(got) != len(want) {
				t.Fatalf("Near(%016x, %d) = %d ids, brute force %d", fp, maxd, len(got), len(want))
			}
			seen := map[int64]bool{}
			for i, id := range got {
				if seen[id] {
					t.Fatalf("id %d twice", id)
				}
				seen[id] = true
				if i > 0 && Distance(fps[got[i-1]], fp) > Distance(fps[id], fp) {
					t.Fatal("not nearest first")
				}
			}
			for _, id := range want {
				if !seen[id] {
					t.Fatalf("Near misses %d", id)
				}
			}
		}
	}
}

func TestShortAndEmptyTexts(t *testing.T) {
	if Fingerprint("", nil) != 0 || Fingerprint(" \n ", nil) != 0 {
		t.Error("empty text should have fingerprint 0")
	}
	a := release(1, "https://a.example/1", "", "", "Read more.")
	b := release(0, "https://b.example/2", "", "", "Read more!")
	// Short texts are one release only when their normalised text is.
	if v := Decide(b, nil, nil, []*communique.Release{a}); v.Kind != New {
		t.Errorf("short texts: %v, want new", v.Kind)
	}
	if v := Decide(release(0, "https://b.example/3", "", "", ""), nil, release(2, "https://c.example/", "", "", ""), nil); v.Kind != New {
		t.Errorf("empty texts: %v, want new", v.Kind)
	}
}

func TestNumbers(t *testing.T) {
	ref := regexp.MustCompile(`\d+(?:[.,:/]\d+)*`)
	texts := []string{
		"", "no figures", "4.3% in 2025, 12,000 people on 8/9/2025 at 16:30.", "1.", ".5", "1..2", "a12b3,4,x",
		"٣ Arabic-Indic digits are not figures here", "v2.0/3:4.5,6 end 7", "99,", "1/2/",
	}
	r := rand.New(rand.NewPCG(3, 7))
	alphabet := "0123456789.,:/ a\u00e9"
	for range 2000 {
		b := []rune{}
		for range r.IntN(20) {
			b = append(b, []rune(alphabet)[r.IntN(len([]rune(alphabet)))])
		}
		texts = append(texts, string(b))
	}
	for _, s := range texts {
		want := map[string]bool{}
		for _, n := range ref.FindAllString(s, -1) {
			want[n] = true
		}
		if got := numbers(s); !maps.Equal(got, want) {
			t.Fatalf("numbers(%q) = %v, want %v", s, got, want)
		}
	}
}
