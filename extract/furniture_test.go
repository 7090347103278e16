package extract

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func parseBody(t *testing.T, s string) (*html.Node, *facts) {
	t.Helper()
	doc, err := parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return doc, collect(doc)
}

func TestDropFurniture(t *testing.T) {
	long := "The alliance agreed on Monday to raise its readiness across the eastern flank, ministers said."
	_, f := parseBody(t, `<html><body><div id="c">
<p>Advertisement</p>
<p>`+long+`</p>
<div><span>Share this article:</span></div>
<p>5 min read</p>
<p>Second paragraph of the release, which says something else entirely about the summit.</p>
<p>`+long+`</p>
<p>Related</p>
<p>Share</p><p>Tags: defence, summit</p>
<p>A short closing line.</p>
</div></body></html>`)
	dropFurniture(f.body)
	got := textOfContent(f.body)
	for _, gone := range []string{"Advertisement", "Share this", "min read", "Related", "Tags:", "\nShare"} {
		if strings.Contains(got, gone) {
			t.Errorf("%q left in:\n%s", gone, got)
		}
	}
	if n := strings.Count(got, long); n != 1 {
		t.Errorf("the repeated paragraph is there %d times, want once:\n%s", n, got)
	}
	for _, kept := range []string{"Second paragraph", "A short closing line."} {
		if !strings.Contains(got, kept) {
			t.Errorf("%q dropped:\n%s", kept, got)
		}
	}
}

// A page's body class saying that it takes comments does not make its
// paragraphs readers' comments.
func TestBodyClassIsNotComments(t *testing.T) {
	p := strings.Repeat("A sentence of the article that is long enough to count. ", 3)
	_, f := parseBody(t, `<html><body class="single has-comments comments-open"><article><p>`+p+`</p><p>`+p+`</p></article>
<div class="comments-area"><p>`+p+`</p></div></body></html>`)
	if want := 2 * textLen(f.body.FirstChild.FirstChild); f.pBytes != want {
		t.Errorf("pBytes = %d, want %d (the article's two paragraphs, not the comment)", f.pBytes, want)
	}
}

// preferDensest takes the element holding the most paragraph text, cleaned
// of its furniture, when it is most of the kept text or more.
func TestPreferDensest(t *testing.T) {
	para := func(i int) string {
		return "<p>Paragraph " + strings.Repeat("of the statement with enough words in it ", 3) + string(rune('a'+i)) + ".</p>"
	}
	var b strings.Builder
	b.WriteString(`<html><body><nav><ul><li><a href="/">Home</a></li></ul></nav><div class="article">`)
	for i := 0; i < 6; i++ {
		b.WriteString(para(i))
	}
	b.WriteString(`<div class="share-buttons"><p>Share on a social network of your choice today</p></div>`)
	b.WriteString(`<ul class="links"><li><a href="/a">Another release with a long link title</a></li><li><a href="/b">Yet another release with a long title</a></li></ul>`)
	b.WriteString(`</div></body></html>`)
	_, f := parseBody(t, b.String())
	all := textOfContent(densest(f.body))
	for name, kept := range map[string]string{
		"a third":             all[:len(all)/3],
		"the text and a menu": all + "\n\nHome About Contact Another release with a long link title",
	} {
		d := preferDensest(f.body, kept)
		if d == nil {
			t.Errorf("%s: not replaced", name)
			continue
		}
		got := textOfContent(d)
		if strings.Count(got, "Paragraph") != 6 || strings.Contains(got, "Share on") || strings.Contains(got, "Another release") || strings.Contains(got, "Home") {
			t.Errorf("%s: preferDensest gave:\n%s", name, got)
		}
	}
	if preferDensest(f.body, all+strings.Repeat(" and a table of figures that the article holds", 40)) != nil {
		t.Error("a text twice as long as the container was replaced")
	}
	if preferDensest(f.body, "Some other text entirely, about the weather in the mountains.") != nil {
		t.Error("a text the container does not hold was replaced")
	}
}

func TestDropAuthorBio(t *testing.T) {
	page := `<html><body><div>
<p>The council met on Tuesday and adopted the budget for the coming year.</p>
<p>It also approved the new rules on public procurement.</p>
<p>Jane Doe said the vote was a turning point for the city.</p>
<p>The next meeting is in March.</p>
<h3>About the author</h3>
<p>Jane Doe is a freelance writer who covers local government.</p>
</div></body></html>`
	_, f := parseBody(t, page)
	dropAuthorBio(f.body, "Jane Doe")
	got := textOfContent(f.body)
	if strings.Contains(got, "freelance writer") || strings.Contains(got, "About the author") {
		t.Errorf("the biography is left:\n%s", got)
	}
	if !strings.Contains(got, "Jane Doe said the vote") || !strings.Contains(got, "next meeting") {
		t.Errorf("article text dropped:\n%s", got)
	}
	// An organisation named as the author writes about itself: kept.
	_, f = parseBody(t, strings.ReplaceAll(page, "Jane Doe", "Budlong"))
	dropAuthorBio(f.body, "Budlong")
	if got := textOfContent(f.body); !strings.Contains(got, "Budlong is a freelance writer") {
		t.Errorf("a one-word author's paragraph was dropped:\n%s", got)
	}
}

func TestPruneFurniture(t *testing.T) {
	doc, f := parseBody(t, `<html><body class="comments-open"><article><p>The release text.</p>
<div class="author-box">Jane Doe writes about policy.</div><ul class="comments"><li>First!</li></ul>
<p class="comments">Paragraphs with the class are not comment sections.</p></article>
<section id="comments"><p>A reader's comment.</p></section><div class="entry newsletter-wrapper">Subscribe to our newsletter and read this page.</div></body></html>`)
	pruneFurniture(doc)
	got := textOf(f.body)
	for _, gone := range []string{"Jane Doe", "First!", "reader's comment"} {
		if strings.Contains(got, gone) {
			t.Errorf("%q left in %q", gone, got)
		}
	}
	for _, kept := range []string{"The release text.", "Paragraphs with the class", "Subscribe to our newsletter and read"} {
		if !strings.Contains(got, kept) {
			t.Errorf("%q pruned from %q", kept, got)
		}
	}
}

// An article split over sibling containers (a lead in one, the body in the
// next) is read whole; a link list beside it is not.
func TestDensestContentSiblings(t *testing.T) {
	body := strings.Repeat("<p>The body of the statement, with a sentence long enough to score well.</p>", 8)
	_, f := parseBody(t, `<html><body><main>
<div class="lead"><p>The lead paragraph of the release says what was decided and by whom, today.</p><p>A second paragraph of the lead gives the reasons for the decision.</p></div>
<p>A loose paragraph between the two containers, with a sentence. And another.</p>
<div class="body">`+body+`</div>
<div class="more"><ul><li><a href="/x">A link to another page with a long title</a></li><li><a href="/y">And one more link to another page</a></li></ul></div>
</main></body></html>`)
	got := textOfContent(densestContent(f.body))
	if !strings.Contains(got, "The lead paragraph") || !strings.Contains(got, "A loose paragraph") || strings.Count(got, "The body of the statement") != 8 {
		t.Errorf("the split article is not whole:\n%s", got)
	}
	if strings.Contains(got, "A link to another page") {
		t.Errorf("the link list was kept:\n%s", got)
	}
}
