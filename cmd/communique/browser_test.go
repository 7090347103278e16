package main

import (
	"context"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/communique-news/communique/demo"
)

// chromium finds a Chromium binary, or skips the test.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium on this machine (apt-get install chromium); .ci/run installs it")
	return ""
}

// TestBrowserFollowsRelease opens the demo's home page in headless Chromium
// as a reader would, follows a release, and finds the link to the original.
func TestBrowserFollowsRelease(t *testing.T) {
	bin := chromium(t)
	origin := httptest.NewServer(demo.Handler())
	defer origin.Close()
	a, stop := testApp(t, t.TempDir(), strings.TrimPrefix(origin.URL, "http://"))
	defer stop()
	if err := subscribeDemo(context.Background(), a, origin.URL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "releases", func() bool { return len(releases(t, a.URL(), "limit=5").Releases) >= 5 })

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	// Home page → first release → its link to the original, as a reader clicks.
	if err := chromedp.Do(ctx, chromedp.Navigate(a.URL()+"/")); err != nil {
		t.Fatalf("opening the home page: %v", err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(`a[href^="/releases/"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`h1`),
	); err != nil {
		t.Fatalf("following a release: %v", err)
	}
	heading, err := chromedp.Run(ctx, chromedp.Text(`h1`))
	if err != nil {
		t.Fatal(err)
	}
	link, err := chromedp.Run(ctx, chromedp.AttributeValue(`a.original`, "href"))
	if err != nil {
		t.Fatalf("finding the link to the original: %v", err)
	}
	original := link.Value
	if title == "" || heading == "" {
		t.Errorf("empty page title %q or heading %q", title, heading)
	}
	if !strings.HasPrefix(original, "http") {
		t.Errorf("release page %q has no link to the original (a.original href=%q)", heading, original)
	}
}
