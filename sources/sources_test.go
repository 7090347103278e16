package sources

import (
	"net/url"
	"testing"

	"github.com/andybalholm/cascadia"
	"github.com/communique-news/communique"
)

func TestDefaults(t *testing.T) {
	ds := Defaults()
	if len(ds) < 15 {
		t.Fatalf("%d default sources, want at least 15", len(ds))
	}
	seen := map[string]bool{}
	kinds := map[communique.SourceKind]int{}
	for _, d := range ds {
		u, err := url.Parse(d.URL)
		if err != nil {
			t.Errorf("%s: %v", d.URL, err)
			continue
		}
		if u.Scheme != "https" || u.Host == "" {
			t.Errorf("%s: want an absolute https URL", d.URL)
		}
		c := communique.CanonicalURL(d.URL)
		if seen[c] {
			t.Errorf("%s listed twice", d.URL)
		}
		seen[c] = true
		k := communique.SourceKind(d.Kind)
		if !k.Valid() {
			t.Errorf("%s: kind %q is not valid", d.URL, d.Kind)
		}
		kinds[k]++
		if !communique.Licence(d.Licence).Valid() {
			t.Errorf("%s: licence %q is not valid", d.URL, d.Licence)
		}
		if d.Organization == "" {
			t.Errorf("%s: no organisation", d.URL)
		}
		if d.Country != "" && (len(d.Country) != 2 || d.Country[0] < 'A' || d.Country[0] > 'Z' || d.Country[1] < 'A' || d.Country[1] > 'Z') {
			t.Errorf("%s: country %q is not an ISO 3166-1 alpha-2 code", d.URL, d.Country)
		}
		switch {
		case k == communique.KindHTML && (d.Selectors == nil || d.Selectors.Item == ""):
			t.Errorf("%s: an html source needs selectors with an item selector", d.URL)
		case k != communique.KindHTML && d.Selectors != nil:
			t.Errorf("%s: selectors on a %s source", d.URL, k)
		}
		if s := d.Selectors; s != nil {
			for name, sel := range map[string]string{"item": s.Item, "link": s.Link, "title": s.Title, "date": s.Date, "next": s.Next} {
				if sel == "" {
					continue
				}
				if _, err := cascadia.ParseGroup(sel); err != nil {
					t.Errorf("%s: %s selector %q: %v", d.URL, name, sel, err)
				}
			}
		}
	}
	if kinds[communique.KindHTML] == 0 {
		t.Error("no html listing among the defaults (NATO should be one)")
	}
}

// TestDefaultsCopy checks that callers cannot change the list through the
// slice or the selectors they were given.
func TestDefaultsCopy(t *testing.T) {
	a := Defaults()
	for i := range a {
		a[i].URL = "changed"
		if a[i].Selectors != nil {
			a[i].Selectors.Item = "changed"
		}
	}
	for _, d := range Defaults() {
		if d.URL == "changed" || (d.Selectors != nil && d.Selectors.Item == "changed") {
			t.Fatal("Defaults returned the package's own table")
		}
	}
}
