package extract

import (
	"encoding/json"
	"strings"
)

// ldFacts is what the page's JSON-LD says about the main entity.
type ldFacts struct {
	headline  string
	published string
	modified  string
	author    string
	publisher string
	image     string
}

// articleTypes are the schema.org types that describe the release itself,
// in order of preference over a generic WebPage.
var articleTypes = map[string]int{
	"newsarticle": 3, "article": 3, "blogposting": 3, "reportagenewsarticle": 3, "analysisnewsarticle": 3,
	"pressrelease": 3, "report": 3, "scholarlyarticle": 3, "techarticle": 3, "socialmediaposting": 2,
	"liveblogposting": 2, "opinionnewsarticle": 3, "backgroundnewsarticle": 3, "posting": 2,
	"webpage": 1, "itempage": 1, "creativework": 1, "event": 0,
}

func parseJSONLD(scripts []string) ldFacts {
	var best ldFacts
	bestRank := -1
	for _, s := range scripts {
		s = strings.TrimSpace(s)
		s = strings.TrimPrefix(s, "<!--")
		s = strings.TrimSuffix(s, "-->")
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			continue
		}
		var visit func(v any, depth int)
		visit = func(v any, depth int) {
			if depth > 6 {
				return
			}
			switch x := v.(type) {
			case []any:
				for _, e := range x {
					visit(e, depth+1)
				}
			case map[string]any:
				if g, ok := x["@graph"]; ok {
					visit(g, depth+1)
				}
				rank := -1
				for _, t := range ldTypes(x["@type"]) {
					if r, ok := articleTypes[strings.ToLower(t)]; ok && r > rank {
						rank = r
					}
				}
				if rank < 0 {
					if me, ok := x["mainEntity"]; ok {
						visit(me, depth+1)
					}
					return
				}
				lf := ldFacts{
					headline:  ldString(x["headline"]),
					published: ldString(x["datePublished"]),
					modified:  ldString(x["dateModified"]),
					author:    ldName(x["author"]),
					publisher: ldName(x["publisher"]),
					image:     ldImage(x["image"]),
				}
				if lf.headline == "" && rank >= 2 {
					lf.headline = ldString(x["name"])
				}
				if lf.published == "" {
					lf.published = ldString(x["dateCreated"])
				}
				if rank > bestRank {
					best = merge(lf, best)
					bestRank = rank
				} else {
					best = merge(best, lf)
				}
				if me, ok := x["mainEntity"]; ok {
					visit(me, depth+1)
				}
			}
		}
		visit(v, 0)
	}
	return best
}

// merge fills a's empty fields from b.
func merge(a, b ldFacts) ldFacts {
	a.headline = firstOf(a.headline, b.headline)
	a.published = firstOf(a.published, b.published)
	a.modified = firstOf(a.modified, b.modified)
	a.author = firstOf(a.author, b.author)
	a.publisher = firstOf(a.publisher, b.publisher)
	a.image = firstOf(a.image, b.image)
	return a
}

func ldTypes(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func ldString(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case []any:
		if len(x) > 0 {
			return ldString(x[0])
		}
	case map[string]any:
		if s := ldString(x["@value"]); s != "" {
			return s
		}
	}
	return ""
}

func ldName(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case []any:
		var names []string
		for _, e := range x {
			if n := ldName(e); n != "" {
				names = append(names, n)
			}
			if len(names) == 4 {
				break
			}
		}
		return strings.Join(names, ", ")
	case map[string]any:
		return ldString(x["name"])
	}
	return ""
}

func ldImage(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case []any:
		if len(x) > 0 {
			return ldImage(x[0])
		}
	case map[string]any:
		return ldString(x["url"])
	}
	return ""
}

// chooseAuthor prefers JSON-LD's author, then the author meta tags.
func chooseAuthor(f *facts, ld ldFacts) string {
	a := firstOf(ld.author, f.meta["author"], f.meta["article:author"], f.meta["byl"], f.meta["dc.creator"], f.meta["citation_author"], f.meta["parsely-author"], f.meta["sailthru.author"])
	if strings.HasPrefix(a, "http://") || strings.HasPrefix(a, "https://") {
		return ""
	}
	a = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(clean(a), "By "), "by "))
	return a
}

// chooseLanguage is the page's declared language as a BCP 47 tag.
func chooseLanguage(f *facts) string {
	l := firstOf(f.lang, f.meta["og:locale"], f.meta["content-language"], f.meta["dc.language"], f.meta["language"])
	l = strings.ReplaceAll(strings.TrimSpace(l), "_", "-")
	if i := strings.IndexAny(l, ",; "); i >= 0 {
		l = l[:i]
	}
	if len(l) < 2 || len(l) > 35 {
		return ""
	}
	parts := strings.Split(l, "-")
	parts[0] = strings.ToLower(parts[0])
	for i := 1; i < len(parts); i++ {
		if len(parts[i]) == 2 {
			parts[i] = strings.ToUpper(parts[i])
		}
	}
	return strings.Join(parts, "-")
}
