package pipeline

import (
	"slices"
	"testing"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/dedup"
)

// TestDecisionKeys: decisions that could find each other's release share a
// key (and so wait for each other across workers); unrelated ones do not.
func TestDecisionKeys(t *testing.T) {
	text := "The Secretary General welcomed the Prime Minister of Iraq to NATO Headquarters on Tuesday. They discussed the NATO Mission in Iraq, regional security and the fight against terrorism, and the Prime Minister thanked Allies for their support."
	orig := &communique.Release{URL: "https://www.nato.int/cps/en/natohq/news_1.htm", ContentHash: "h1", Fingerprint: dedup.Fingerprint(text, nil)}
	copyText := "Republished. " + text + " Follow us for more news."
	cp := &communique.Release{URL: "https://republisher.example/nato-1", ContentHash: "h2", Fingerprint: dedup.Fingerprint(copyText, nil)}
	other := &communique.Release{URL: "https://www.un.org/press/1", ContentHash: "h3", Fingerprint: dedup.Fingerprint("The Security Council extended the mandate of its assistance mission in Iraq by one year at the request of the Government, and called on all parties to respect the ceasefire agreed in the spring.", nil)}
	shared := func(a, b []string) bool {
		return slices.ContainsFunc(a, func(k string) bool { return slices.Contains(b, k) })
	}

	if dedup.SharedBlocks(orig.Fingerprint, cp.Fingerprint) == 0 {
		t.Fatal("the copy shares no fingerprint block with its original (MinHash, by chance): pick another text")
	}
	if !shared(decisionKeys(orig, "", ""), decisionKeys(cp, "", "")) {
		t.Error("a near-duplicate copy and its original share no key")
	}
	// A copy that names its original shares the original's URL.
	if !shared(decisionKeys(&communique.Release{URL: orig.URL, ContentHash: "x", Fingerprint: 1}, "", ""),
		decisionKeys(&communique.Release{URL: "https://b.example/", ContentHash: "y", Fingerprint: 2 << 20}, orig.URL, "")) {
		t.Error("a copy naming its original's URL shares no key with the original")
	}
	if dedup.SharedBlocks(orig.Fingerprint, other.Fingerprint) == 0 && shared(decisionKeys(orig, "", ""), decisionKeys(other, "", "")) {
		t.Error("unrelated releases share a key: they would wait for each other")
	}
}
