package pipeline

import (
	"context"
	"strings"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/dedup"
)

// maxStoryCandidates caps how many releases around a new one's date are
// compared with it.
const maxStoryCandidates = 300

// group puts a new release in a story with releases of other originators
// about the same event: published within dedup.StoryWindow, sharing an
// entity (when enriched), and alike enough for dedup.SameStory. A story's
// ID is the ID of its first release. rel must be the release as stored.
func (p *Pipeline) group(ctx context.Context, rel *communique.Release) error {
	if rel.Published.IsZero() || rel.StoryID != 0 {
		return nil
	}
	page, err := p.Store.Releases(ctx, communique.Query{
		Since: rel.Published.Add(-dedup.StoryWindow),
		Until: rel.Published.Add(dedup.StoryWindow),
		Sort:  communique.SortDate,
		Limit: maxStoryCandidates,
	})
	if err != nil {
		return err
	}
	keys := entityKeys(rel.Entities)
	for _, c := range page.Releases {
		if c.ID == rel.ID || strings.EqualFold(c.Organization, rel.Organization) {
			continue
		}
		if len(keys) > 0 && c.Entities != nil && !sharesAny(keys, entityKeys(c.Entities)) {
			continue
		}
		if !dedup.SameStory(rel, c) {
			continue
		}
		story := c.StoryID
		if story == 0 {
			// Read it whole before writing it back: a listing may leave
			// fields out.
			whole, err := p.Store.Release(ctx, c.ID)
			if err != nil {
				return err
			}
			story = min(c.ID, rel.ID)
			whole.StoryID = story
			if err := p.Store.UpdateRelease(ctx, whole); err != nil {
				return err
			}
		}
		rel.StoryID = story
		return p.Store.UpdateRelease(ctx, rel)
	}
	return nil
}

// entityKeys are the people and organisations of a release, lower-cased.
func entityKeys(e *communique.Entities) map[string]bool {
	if e == nil {
		return nil
	}
	out := map[string]bool{}
	for _, p := range e.People {
		out["p:"+strings.ToLower(p.Name)] = true
	}
	for _, o := range e.Organizations {
		out["o:"+strings.ToLower(o.Name)] = true
	}
	return out
}

func sharesAny(a, b map[string]bool) bool {
	for k := range a {
		if b[k] {
			return true
		}
	}
	return false
}
