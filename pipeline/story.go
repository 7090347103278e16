package pipeline

import (
	"context"
	"strings"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/dedup"
)

// maxStoryCandidates caps how many releases around a new one's date are
// compared with it, and maxStoryEntities how many of its entities find them.
const (
	maxStoryCandidates = 50
	maxStoryEntities   = 8
)

// group puts a new release in a story with releases of other originators
// about the same event: published within dedup.StoryWindow, sharing a person
// or an organisation (found through the store's entity index), and alike
// enough for dedup.SameStory. A story's ID is the ID of its first release.
// rel is the release as stored or as just created (its story is the stored
// one); it is read whole again before its story is written. A release
// without entities (not enriched, or naming no one) joins no story.
func (p *Pipeline) group(ctx context.Context, rel *communique.Release) error {
	if rel.Published.IsZero() || rel.StoryID != 0 || rel.Entities == nil {
		return nil
	}
	var any []*communique.Node
	for _, ps := range rel.Entities.People {
		any = append(any, &communique.Node{Op: communique.OpField, Field: "person", Text: ps.Name})
	}
	for _, o := range rel.Entities.Organizations {
		if !strings.EqualFold(o.Name, rel.Organization) && !strings.EqualFold(o.Acronym, rel.Organization) {
			any = append(any, &communique.Node{Op: communique.OpField, Field: "org", Text: o.Name})
		}
	}
	if len(any) == 0 {
		return nil
	}
	any = any[:min(len(any), maxStoryEntities)]
	page, err := p.Store.Releases(ctx, communique.Query{
		Text:  &communique.Node{Op: communique.OpOr, Children: any},
		Since: rel.Published.Add(-dedup.StoryWindow),
		Until: rel.Published.Add(dedup.StoryWindow),
		Sort:  communique.SortDate,
		Limit: maxStoryCandidates,
	})
	if err != nil {
		return err
	}
	for _, c := range page.Releases {
		if c.ID == rel.ID || strings.EqualFold(c.Organization, rel.Organization) || !dedup.SameStory(rel, c) {
			continue
		}
		story := c.StoryID
		if story == 0 {
			story = min(c.ID, rel.ID)
			if err := p.setStory(ctx, c.ID, story); err != nil {
				return err
			}
		}
		if err := p.setStory(ctx, rel.ID, story); err != nil {
			return err
		}
		rel.StoryID = story
		return nil
	}
	return nil
}

// setStory puts release id in story. It reads the release whole before
// writing it back: a listing leaves fields out, and a release in hand may
// lack what the store added (its copies, its revision count).
func (p *Pipeline) setStory(ctx context.Context, id, story int64) error {
	whole, err := p.Store.Release(ctx, id)
	if err != nil {
		return err
	}
	whole.StoryID = story
	return p.Store.UpdateRelease(ctx, whole)
}
