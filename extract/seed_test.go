package extract

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

const seedDir = "../../shared/corpus/seed"

type seedExpected struct {
	Release struct {
		Title      string `json:"title"`
		Originator string `json:"originator"`
		Footer     struct {
			StartsWith string   `json:"starts_with"`
			Removed    []string `json:"must_be_removed_from_body"`
		} `json:"footer"`
		Keep []string `json:"body_must_keep"`
	} `json:"release"`
}

func readSeed(t testing.TB) (exp seedExpected, original, copy []byte) {
	t.Helper()
	raw, err := os.ReadFile(seedDir + "/expected.json")
	if err != nil {
		t.Skipf("seed corpus not available at %s: %v", seedDir, err)
	}
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	if original, err = os.ReadFile(seedDir + "/nato-original.html"); err != nil {
		t.Fatal(err)
	}
	if copy, err = os.ReadFile(seedDir + "/mirage-copy.html"); err != nil {
		t.Fatal(err)
	}
	return exp, original, copy
}

// navigation, related links and footers of the two seed pages.
var seedBoilerplate = []string{
	"What is NATO", "Multimedia", "Related news", "NATO Mission Iraq marks new phase",
	"Deputy Secretary General visits partners", "Boulevard Leopold III", "Terms of use", "Privacy",
	"Latest news", "Australia welcomes new trade deal", "Subscribe to our daily newsletter",
	"All rights reserved", "Tags:", "Your Independent Source",
}

func TestSeedOriginal(t *testing.T) {
	exp, original, _ := readSeed(t)
	a, err := Extract(original, "https://www.nato.int/cps/en/natohq/news_237412.htm", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range exp.Release.Keep {
		if !strings.Contains(a.Text, s) {
			t.Errorf("body lost %q", s)
		}
	}
	for _, s := range seedBoilerplate {
		if strings.Contains(a.Text, s) {
			t.Errorf("body kept boilerplate %q", s)
		}
	}
	if a.Title != "NATO Chief welcomes Iraqi Prime Minister" {
		t.Errorf("title %q", a.Title)
	}
	if got := a.Published.Format("2006-01-02"); got != "2025-09-08" {
		t.Errorf("published %s, want 2025-09-08", got)
	}
	if a.Originator != "" || a.OriginalURL != "" || a.Footer != "" {
		t.Errorf("the original is no copy: originator %q, original URL %q, footer %q", a.Originator, a.OriginalURL, a.Footer)
	}
	if a.CanonicalURL != "https://www.nato.int/cps/en/natohq/news_237412.htm" || a.Language != "en" {
		t.Errorf("canonical %q language %q", a.CanonicalURL, a.Language)
	}
}

func TestSeedCopy(t *testing.T) {
	exp, original, copy := readSeed(t)
	o, err := Extract(original, "https://www.nato.int/cps/en/natohq/news_237412.htm", Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Extract(copy, "https://www.miragenews.com/nato-chief-welcomes-iraqi-prime-minister-1529944/", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Text != o.Text {
		t.Errorf("copy's body differs from the original's:\ncopy:     %q\noriginal: %q", a.Text, o.Text)
	}
	for _, s := range exp.Release.Footer.Removed {
		if strings.Contains(a.Text, s) || strings.Contains(a.HTML, s) {
			t.Errorf("body kept footer text %q", s)
		}
	}
	if strings.Contains(a.Text, "Public Release") {
		t.Error("body kept the footer's start")
	}
	if !strings.HasPrefix(a.Footer, exp.Release.Footer.StartsWith) {
		t.Errorf("footer %q, want it to start with %q", a.Footer, exp.Release.Footer.StartsWith)
	}
	if a.Originator != exp.Release.Originator {
		t.Errorf("originator %q, want %q", a.Originator, exp.Release.Originator)
	}
	if a.OriginalURL != "https://www.nato.int/cps/en/natohq/news_237412.htm" {
		t.Errorf("original URL %q", a.OriginalURL)
	}
	if d := a.Published.Format("2006-01-02"); d != "2025-09-08" && d != "2025-09-09" {
		t.Errorf("published %s, want 2025-09-08 or 09", d)
	}
	if !strings.EqualFold(a.Title, exp.Release.Title) || strings.Contains(a.Title, "Mirage") {
		t.Errorf("title %q, want %q without affixes", a.Title, exp.Release.Title)
	}
	if a.SiteName != "Mirage News" {
		t.Errorf("site name %q", a.SiteName)
	}
}

// TestSeedDateFromText: with its metadata gone, the original's date comes
// from the text under the headline ("08 Sep. 2025"), never from the clock.
func TestSeedDateFromText(t *testing.T) {
	_, original, _ := readSeed(t)
	page := strings.Replace(string(original), `<meta property="article:published_time" content="2025-09-08T12:30:00+02:00">`, "", 1)
	a, err := Extract([]byte(page), "https://www.nato.int/cps/en/natohq/news_237412.htm", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Published.Format("2006-01-02"); got != "2025-09-08" {
		t.Errorf("published %s, want 2025-09-08", got)
	}
	if time.Since(a.Published) < 24*time.Hour {
		t.Error("published is the retrieval time")
	}
}
