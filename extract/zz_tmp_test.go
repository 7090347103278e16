package extract

import (
	"github.com/communique-news/communique"
	"os"
	"testing"
)

func TestTmpMeta(t *testing.T) {
	if os.Getenv("TMPMETA") == "" {
		t.Skip()
	}
	pages, err := LoadDataset(devDir)
	if err != nil {
		t.Fatal(err)
	}
	ok, dok, dn := 0, 0, 0
	for _, p := range pages {
		doc, _ := parse(p.HTML)
		f := collect(doc)
		ld := parseJSONLD(f.jsonLD)
		u := parseURL(p.URL)
		title := chooseTitle(f, ld, nil, doc, u.Hostname())
		if TitleMatch(title, p.Title) {
			ok++
		} else if os.Getenv("TMPMETA") == "title" {
			t.Logf("title %s got %q want %q | og %q h1 %q doc %q", p.ID, title, p.Title, f.meta["og:title"], f.h1, f.docTitle)
		}
		if p.Date != "" && os.Getenv("TMPDATE") != "" {
			dn++
			a := &communique.Article{}
			pub, _ := chooseDates(doc, f, ld, p.URL, a)
			got := ""
			if !pub.IsZero() {
				got = pub.Format("2006-01-02")
			}
			if got != "" && got[:len(p.Date)] == p.Date {
				dok++
			} else {
				t.Logf("date %s got %q want %q | ld %q mod %q meta %q metamod %q times %v", p.ID, got, p.Date, ld.published, ld.modified, f.meta["article:published_time"], f.meta["article:modified_time"], f.times)
			}
		}
	}
	t.Logf("title %.3f date %d/%d", float64(ok)/float64(len(pages)), dok, dn)
}
