package sqlite

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/search"
)

var snippetTexts = []string{
	"Short text about NATO.",
	"",
	"NATO",
	"The Secretary General met the ministers. Talks covered security: the ministers agreed on a plan. " +
		strings.Repeat("Further words fill the middle of this release without any of the query's terms. ", 6) +
		"At the end, NATO and the Ministry of Défense signed the generalizations of the agreement: security first.",
	strings.Repeat("alpha beta gamma delta. ", 20) + "Security Council meeting on security and the councils' securities.",
	"Ministers: Ministry, ministerial, minister's; al-Sudani visited Iraq's NATO mission (NMI) on 8 September 2025.",
	"Écoles et ÉCOLE: les élèves de l'école; straße, İstanbul, café and cafe, 3.5% growth, 2025-09-08.",
	strings.Repeat("word ", 100) + "security. " + strings.Repeat("other ", 100),
	"Security security security security. Talks talks. " + strings.Repeat("filler text here ", 30) + "Talks on security.",
	// A sentence's start (+100) beats a denser window (1000+31) later.
	strings.Repeat("filler ", 40) + ". Beta security " + strings.Repeat("filler ", 40) + strings.Repeat("security ", 32) + strings.Repeat("filler ", 20),
	// A colon ends a sentence too.
	strings.Repeat("filler ", 40) + ": Beta security " + strings.Repeat("filler ", 60),
}

var snippetQueries = []string{
	"nato", "security", "ministers", "minist*", "sec*", `"security council"`, `"prime minister"`, "talks security",
	"ecole", "école", "istanbul", "cafe", "generalization", "defense", "title:nato", "al-Sudani", "iraq", "2025",
	"security OR nato", "security -talks", "words", "NMI", "straße",
}

// The snippets cut in Go are those FTS5's snippet() cuts, character for
// character, for every text and query above (and the seed release's text).
func TestSnippetsAreFTS5s(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	texts := snippetTexts
	if b, err := os.ReadFile("../../shared/corpus/seed/nato-iraq-2025-09-08.mirage.txt"); err == nil {
		texts = append(texts, string(b))
	} else {
		t.Log("../shared is absent: the seed release is not compared")
	}
	for i, text := range texts {
		r := &communique.Release{URL: fmt.Sprintf("https://x.example/%d", i), Title: "NATO security release " + fmt.Sprint(i),
			Lede: "The ministers of NATO met.", Text: text, Published: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)}
		if err := db.CreateRelease(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	compared := 0
	for _, text := range snippetQueries {
		q, err := search.Parse(text, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		c := &compiler{}
		p, err := c.compile(q)
		if err != nil {
			t.Fatal(err)
		}
		h := newHighlighter(q.Text)
		rows, err := db.read.QueryContext(ctx, `SELECT rowid, snippet(releases_fts, 2, char(2), char(3), '…', 32),
			snippet(releases_fts, 1, char(2), char(3), '…', 32), snippet(releases_fts, 0, char(2), char(3), '…', 32)
			FROM releases_fts WHERE releases_fts MATCH ?`, p.match)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var want [3]string
			if err := rows.Scan(&id, &want[2], &want[1], &want[0]); err != nil {
				t.Fatal(err)
			}
			r := texts[id-1]
			for col, in := range []string{"NATO security release " + fmt.Sprint(id-1), "The ministers of NATO met.", r} {
				got, ok := h.snippet(in, col == 0)
				if got != want[col] || ok != strings.Contains(want[col], "\x02") {
					t.Errorf("query %q, release %d, column %d:\n got %q (%v)\nwant %q", text, id, col, got, ok, want[col])
				}
				compared++
			}
		}
		rows.Close()
	}
	if compared < 100 {
		t.Errorf("compared %d snippets, want at least 100", compared)
	}
}

// Stems are the index's: the words of the seed release, of this file's
// texts and some of Porter's harder cases are found by their own stems.
func TestHighlighterStemsAsTheIndex(t *testing.T) {
	words := strings.Fields("generalizations generalization happiness hopefulness agreed feed sky skies ies ties caresses ponies cats " +
		"relational conditional rational valenci hesitanci digitizer conformabli radicalli differentli vileli analogousli " +
		"vietnamization predication operator feudalism decisiveness hopefulness callousness formaliti sensitiviti " +
		"sensibiliti triplicate formative formalize electriciti electrical hopeful goodness revival allowance inference " +
		"airliner gyroscopic adjustable defensible irritant replacement adjustment dependent adoption homologou " +
		"communism activate angulariti homologous effective bowdlerize probate rate cease controll roll")
	for _, text := range append(snippetTexts, strings.Join(words, " ")) {
		words = append(words, tokens(text)...)
	}
	db := testDB(t)
	ctx := context.Background()
	for i, w := range words {
		if err := db.CreateRelease(ctx, &communique.Release{URL: fmt.Sprintf("https://x.example/%d", i), Text: w,
			Published: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := db.write.Conn(ctx) // the read connections are query_only
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, releases_fts, instance)`); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.QueryContext(ctx, `SELECT doc, term FROM temp.terms WHERE col = 'body' ORDER BY doc, offset`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for ; rows.Next(); n++ {
		var doc int
		var term string
		if err := rows.Scan(&doc, &term); err != nil {
			t.Fatal(err)
		}
		if w := words[doc-1]; stem(fold(w)) != term {
			t.Errorf("%q: stem %q, the index's %q", w, stem(fold(w)), term)
		}
	}
	if n != len(words) {
		t.Errorf("%d terms for %d words", n, len(words))
	}
}

func BenchmarkSnippet(b *testing.B) {
	q, err := search.Parse("security ministers", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	h := newHighlighter(q.Text)
	text := strings.Repeat("Further words fill the middle of this release without any of the query's terms. ", 60) + "Security."
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		h.snippet(text, false)
	}
}
