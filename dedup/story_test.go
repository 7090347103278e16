package dedup

import (
	"encoding/json"
	"os"
	"sort"
	"testing"
	"time"

	communique "github.com/communique-news/communique"
)

type storyCase struct {
	ID           string    `json:"id"`
	Story        string    `json:"story"`
	Organization string    `json:"organization"`
	URL          string    `json:"url"`
	Published    time.Time `json:"published"`
	Title        string    `json:"title"`
	Text         string    `json:"text"`
}

func readStories(t testing.TB) []storyCase {
	b, err := os.ReadFile("testdata/stories.json")
	if err != nil {
		t.Fatal(err)
	}
	var cs []storyCase
	if err := json.Unmarshal(b, &cs); err != nil {
		t.Fatal(err)
	}
	return cs
}

func (c storyCase) release() *communique.Release {
	return &communique.Release{URL: c.URL, Organization: c.Organization, Published: c.Published, Title: c.Title, Text: c.Text}
}

// TestStories groups NATO's and the Iraqi government's releases about one
// meeting, and keeps apart a NATO release about another event in Iraq the
// next day and an Iraqi release on the same theme twelve days later.
func TestStories(t *testing.T) {
	cs := readStories(t)
	for i := range cs {
		for j := i + 1; j < len(cs); j++ {
			a, b := cs[i].release(), cs[j].release()
			want := cs[i].Story != "" && cs[i].Story == cs[j].Story
			s, n := storyScore(a, b)
			t.Logf("%s ~ %s: score %.3f, %d shared terms", cs[i].ID, cs[j].ID, s, n)
			if got := SameStory(a, b); got != want {
				t.Errorf("SameStory(%s, %s) = %v, want %v (score %.3f, %d terms)", cs[i].ID, cs[j].ID, got, want, s, n)
			}
			if SameStory(b, a) != SameStory(a, b) {
				t.Errorf("SameStory is not symmetric on %s, %s", cs[i].ID, cs[j].ID)
			}
		}
	}
}

// TestStoryScoreNegatives measures StoryScore over pairs of unrelated
// originals of the evaluation set (different pages of the WCXB set) and
// holds MinStoryScore above 99.9% of them.
func TestStoryScoreNegatives(t *testing.T) {
	docs := readEval(t)
	var terms []map[string]bool
	var ids, bases, sites []string
	for _, d := range docs {
		if d.Kind == "original" {
			terms = append(terms, keyTerms(&communique.Release{Text: d.Text}))
			ids, bases, sites = append(ids, d.ID), append(bases, d.Base), append(sites, d.Site)
		}
	}
	var scores []float64
	over := 0
	for i := range terms {
		for j := i + 1; j < len(terms); j++ {
			if bases[i] == bases[j] {
				continue
			}
			s, n := termScore(terms[i], terms[j])
			scores = append(scores, s)
			if s >= MinStoryScore && n >= MinStoryTerms {
				over++
				t.Logf("grouped as a story: %s (%s) ~ %s (%s): score %.3f, %d terms", ids[i], sites[i], ids[j], sites[j], s, n)
			}
		}
	}
	sort.Float64s(scores)
	n := len(scores)
	t.Logf("%d unrelated pairs: story score p50 %.3f p99 %.3f p99.9 %.3f max %.3f; %d would be one story", n, scores[n/2], scores[n*99/100], scores[n*999/1000], scores[n-1], over)
	if float64(over) > 0.001*float64(n) {
		t.Errorf("%d of %d unrelated pairs grouped as a story", over, n)
	}
}
