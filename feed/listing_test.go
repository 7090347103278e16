package feed

import (
	"strings"
	"testing"

	"github.com/communique-news/communique"
)

var listingSelectors = communique.Selectors{
	Item:  "article.release",
	Link:  "h2 a",
	Title: "h2",
	Date:  "time",
	Next:  "a.next",
}

func TestParseListing(t *testing.T) {
	l, err := ParseListing(readTestdata(t, "listing.html"), "https://www.example.gov/press/", listingSelectors, retrieved)
	if err != nil {
		t.Fatal(err)
	}
	want := []communique.Item{
		{URL: "https://www.example.gov/press/2025/09/08/budget.html", Title: "Government publishes the 2026 budget", Published: utc("2025-09-08T08:00:00Z")},
		{URL: "https://www.example.gov/press/press/2025/09/05/visit.html?utm_source=x", Title: "Prime Minister visits the region", Published: utc("2025-09-05T00:00:00Z")},
		{URL: "https://www.example.gov/press/2025/09/01/appointment.html", Title: "New ambassador appointed", Published: retrieved.UTC(), DateMissing: true},
		// the repeated budget item is dropped
	}
	if len(l.Items) != len(want) {
		t.Fatalf("items %+v", l.Items)
	}
	for i := range want {
		checkItem(t, l.Items[i], want[i])
	}
	if l.Next != "https://www.example.gov/press/?page=2" {
		t.Errorf("Next = %q", l.Next)
	}
}

func TestParseListingDefaults(t *testing.T) {
	// Only the item selector: the first link, its text, a <time> if any.
	l, err := ParseListing(readTestdata(t, "listing.html"), "https://www.example.gov/press/", communique.Selectors{Item: "article.release"}, retrieved)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 3 || l.Items[0].Title != "Government publishes the 2026 budget" || !l.Items[0].Published.Equal(utc("2025-09-08T08:00:00Z")) || l.Next != "" {
		t.Fatalf("listing %+v", l)
	}
}

func TestParseListingStructureChanged(t *testing.T) {
	body := readTestdata(t, "listing_changed.html")
	_, err := ParseListing(body, "https://www.example.gov/press/", listingSelectors, retrieved)
	if communique.ErrorCode(err) != communique.EINVALID {
		t.Fatalf("err = %v, want EINVALID", err)
	}
	msg := communique.ErrorMessage(err)
	if !strings.Contains(msg, `item selector "article.release" matched nothing`) || !strings.Contains(msg, "structure changed") {
		t.Errorf("message %q does not say which selector matched nothing", msg)
	}

	// The items are still there but the date moved: the date selector is named.
	sel := communique.Selectors{Item: "div.card", Link: "h3 a", Date: "time"}
	_, err = ParseListing(body, "https://www.example.gov/press/", sel, retrieved)
	if msg := communique.ErrorMessage(err); !strings.Contains(msg, `date selector "time" matched nothing in any of the 2 items`) {
		t.Errorf("err = %v", err)
	}

	// A selector that is not CSS.
	_, err = ParseListing(body, "https://www.example.gov/press/", communique.Selectors{Item: "div[[card"}, retrieved)
	if communique.ErrorCode(err) != communique.EINVALID || !strings.Contains(err.Error(), "not valid CSS") {
		t.Errorf("bad selector: %v", err)
	}
}

func TestParseListingPaginationNeverPointsToItself(t *testing.T) {
	page := `<html><body><div class="i"><a href="/a">A release</a></div><a class="next" href="?page=2#top">Next</a></body></html>`
	l, err := ParseListing([]byte(page), "https://x.org/news?page=2", communique.Selectors{Item: "div.i", Next: "a.next"}, retrieved)
	if err != nil {
		t.Fatal(err)
	}
	if l.Next != "" {
		t.Errorf("Next = %q, the page itself", l.Next)
	}
}

func TestDetectSelectorsNATO(t *testing.T) {
	body := readTestdata(t, "nato_listing.html")
	sel, items, err := DetectSelectors(body, "https://www.nato.int/cps/en/natohq/news.htm", retrieved)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("selectors: %+v", sel)
	if len(items) != 8 {
		for _, it := range items {
			t.Logf("%+v", it)
		}
		t.Fatalf("%d items, want the 8 news items", len(items))
	}
	first := items[0]
	if first.URL != "https://www.nato.int/cps/en/natohq/news_237412.htm" || first.Title != "NATO Chief welcomes Iraqi Prime Minister" ||
		!first.Published.Equal(utc("2025-09-08T00:00:00Z")) || first.DateMissing {
		t.Errorf("first item %+v", first)
	}
	for _, it := range items {
		if !strings.Contains(it.URL, "/cps/en/natohq/news_") || it.DateMissing || it.Title == "" {
			t.Errorf("not a news item, or incomplete: %+v", it)
		}
	}
	if sel.Next == "" {
		t.Errorf("no next-page selector")
	}
	// The selectors the user sees read the same items again.
	l, err := ParseListing(body, "https://www.nato.int/cps/en/natohq/news.htm", sel, retrieved)
	if err != nil || len(l.Items) != 8 || l.Next != "https://www.nato.int/cps/en/natohq/news.htm?page=2" {
		t.Errorf("ParseListing with detected selectors: %v, %d items, next %q", err, len(l.Items), l.Next)
	}
}

func TestDetectSelectorsOtherLayouts(t *testing.T) {
	for _, tc := range []struct {
		name, page string
		items      int
		firstTitle string
	}{
		{"list with dates in text", `<html><body><nav><a href="/a">About us</a><a href="/b">Contact</a><a href="/c">Jobs</a></nav>
<h1>Press</h1><ul class="press">
<li><a href="/press/1">First statement on the ministerial meeting</a> – 3 March 2025</li>
<li><a href="/press/2">Second statement on the ministerial meeting</a> – 2 March 2025</li>
<li><a href="/press/3">Third statement on the ministerial meeting</a> – 1 March 2025</li>
</ul></body></html>`, 3, "First statement on the ministerial meeting"},
		{"table", `<html><body><table class="releases"><tbody>
<tr><td class="d">2025-03-03</td><td><a href="/r/1">Release one about the economy</a></td></tr>
<tr><td class="d">2025-03-02</td><td><a href="/r/2">Release two about the economy</a></td></tr>
</tbody></table><div class="links"><a href="/x">x</a><a href="/y">y</a></div></body></html>`, 2, "Release one about the economy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sel, items, err := DetectSelectors([]byte(tc.page), "https://www.example.org/press", retrieved)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != tc.items || items[0].Title != tc.firstTitle || items[0].DateMissing {
				t.Errorf("selectors %+v gave %+v", sel, items)
			}
		})
	}
	if _, _, err := DetectSelectors([]byte(`<html><body><p>Nothing here.</p><a href="https://elsewhere.org/">x</a></body></html>`), "https://www.example.org/", retrieved); communique.ErrorCode(err) != communique.EINVALID {
		t.Errorf("page without a listing: err = %v", err)
	}
}

func BenchmarkParseListing(b *testing.B) {
	body := readTestdata(b, "nato_listing.html")
	sel := communique.Selectors{Item: "div.news-item", Link: "div.news-item__body > a", Title: "div.news-item__body > a", Date: "span.date", Next: "span.pagination__next > a"}
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		l, err := ParseListing(body, "https://www.nato.int/cps/en/natohq/news.htm", sel, retrieved)
		if err != nil || len(l.Items) != 8 {
			b.Fatal(err)
		}
	}
}

func BenchmarkDetectSelectors(b *testing.B) {
	body := readTestdata(b, "nato_listing.html")
	for b.Loop() {
		if _, _, err := DetectSelectors(body, "https://www.nato.int/cps/en/natohq/news.htm", retrieved); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParseListing(f *testing.F) {
	f.Add(readTestdata(f, "listing.html"), "article.release", "h2 a", "time")
	f.Add([]byte(`<div class="i"><a href="/a">A</a><span>8 Sep 2025</span></div>`), "div.i", "", "span")
	f.Fuzz(func(t *testing.T, body []byte, item, link, date string) {
		l, err := ParseListing(body, "https://example.org/news", communique.Selectors{Item: item, Link: link, Date: date}, retrieved)
		if err != nil {
			if communique.ErrorCode(err) != communique.EINVALID {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		for _, it := range l.Items {
			if it.URL == "" && it.Title == "" {
				t.Fatalf("empty item %+v", it)
			}
		}
	})
}

func TestDetectSelectorsReadMoreLinksAndLegacyEncoding(t *testing.T) {
	page := `<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"><title>Communiqués</title></head><body>
<div class="list">
<div class="entry"><h3 class="entry-title">Déclaration du ministre sur l’accord</h3><p>12 mars 2025</p><a href="/fr/communiques/1">Lire la suite</a></div>
<div class="entry"><h3 class="entry-title">Visite officielle du Premier ministre</h3><p>11 mars 2025</p><a href="/fr/communiques/2">Lire la suite</a></div>
<div class="entry"><h3 class="entry-title">Conseil des ministres du 10 mars</h3><p>10 mars 2025</p><a href="/fr/communiques/3">Lire la suite</a></div>
</div></body></html>`
	body := []byte(strings.NewReplacer("é", "\xe9", "’", "\x92").Replace(page))
	sel, items, err := DetectSelectors(body, "https://www.example.fr/fr/communiques", retrieved)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 || items[0].Title != "Déclaration du ministre sur l’accord" || items[0].URL != "https://www.example.fr/fr/communiques/1" ||
		!items[0].Published.Equal(utc("2025-03-12T00:00:00Z")) || items[2].Title != "Conseil des ministres du 10 mars" {
		t.Errorf("selectors %+v gave %+v", sel, items)
	}
}

func FuzzDetectSelectors(f *testing.F) {
	f.Add(readTestdata(f, "nato_listing.html"))
	f.Add(readTestdata(f, "listing.html"))
	f.Add([]byte(`<ul><li><a href="/a">A release</a> 3 March 2025</li><li><a href="/b">B release</a> 2 March 2025</li></ul>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		sel, items, err := DetectSelectors(body, "https://www.example.org/news", retrieved)
		if err != nil {
			if communique.ErrorCode(err) != communique.EINVALID {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if sel.Item == "" {
			t.Fatal("no item selector")
		}
		l, err := ParseListing(body, "https://www.example.org/news", sel, retrieved)
		if err != nil || len(l.Items) != len(items) {
			t.Fatalf("detected %+v: %d items, ParseListing: %v", sel, len(items), err)
		}
	})
}
