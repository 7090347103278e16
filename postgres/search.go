package postgres

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/communique-news/communique"
)

// Bounds on the work of one query (as the SQLite store has): Total is exact
// up to countCap matches and -1 beyond; relevance ranks the newest rankCap
// matches; facets count the newest facetCap.
const (
	countCap = 10000
	rankCap  = 1000
	facetCap = 10000
)

// compiler turns a Query into SQL over releases r, with numbered arguments.
type compiler struct {
	args []any
	rank []leaf // the positive text leaves, for ranking and snippets
}

// leaf is a tsquery constructor (with %s for its argument) and its argument.
type leaf struct{ fn, arg string }

// tsquery is the OR of the positive leaves, with their arguments added to c.
func (c *compiler) tsquery(leaves []leaf) string {
	parts := make([]string, len(leaves))
	for i, l := range leaves {
		parts[i] = fmt.Sprintf(l.fn, c.arg(l.arg))
	}
	return strings.Join(parts, " || ")
}

func (c *compiler) arg(v any) string {
	c.args = append(c.args, v)
	return "$" + strconv.Itoa(len(c.args))
}

// tokens splits text into the words the tsvector sees.
func tokens(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// lexquery builds to_tsquery text for words restricted to the title weight,
// joined by op ("<->" for a phrase, "&" for words).
func lexquery(words []string, op, suffix string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = "'" + strings.ReplaceAll(w, "'", "''") + "'" + suffix
	}
	return strings.Join(parts, " "+op+" ")
}

func (c *compiler) node(n *communique.Node, negated bool) (string, error) {
	switch n.Op {
	case communique.OpAnd, communique.OpOr:
		if len(n.Children) == 0 {
			return "TRUE", nil
		}
		parts := make([]string, 0, len(n.Children))
		for _, ch := range n.Children {
			p, err := c.node(ch, negated)
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		op := " AND "
		if n.Op == communique.OpOr {
			op = " OR "
		}
		return "(" + strings.Join(parts, op) + ")", nil
	case communique.OpNot:
		if len(n.Children) != 1 {
			return "", communique.Errorf(communique.EINVALID, "NOT takes one operand")
		}
		p, err := c.node(n.Children[0], !negated)
		if err != nil {
			return "", err
		}
		return "(NOT " + p + ")", nil
	case communique.OpTerm, communique.OpPhrase, communique.OpPrefix:
		return c.text(n, negated)
	case communique.OpField:
		return c.field(n)
	}
	return "", communique.Errorf(communique.EINVALID, "unknown query node %d", n.Op)
}

func (c *compiler) text(n *communique.Node, negated bool) (string, error) {
	words := tokens(n.Text)
	if len(words) == 0 {
		return "TRUE", nil
	}
	var l leaf
	switch {
	case n.Op == communique.OpPrefix:
		suffix := ":*"
		if n.Field == "title" {
			suffix = ":*A"
		}
		l = leaf{"to_tsquery('english', communique_fold(%s))", lexquery(words, "<->", suffix)}
	case n.Field == "title":
		op := "&"
		if n.Op == communique.OpPhrase {
			op = "<->"
		}
		l = leaf{"to_tsquery('english', communique_fold(%s))", lexquery(words, op, ":A")}
	case n.Op == communique.OpPhrase:
		l = leaf{"phraseto_tsquery('english', communique_fold(%s))", n.Text}
	default:
		l = leaf{"plainto_tsquery('english', communique_fold(%s))", n.Text}
	}
	if !negated {
		c.rank = append(c.rank, l)
	}
	return "r.search @@ " + fmt.Sprintf(l.fn, c.arg(l.arg)), nil
}

func (c *compiler) field(n *communique.Node) (string, error) {
	v := lower(n.Text)
	switch n.Field {
	case "org":
		a := c.arg(v)
		return "(lower(r.organization) = " + a + " OR EXISTS (SELECT 1 FROM release_entities e WHERE e.release_id = r.id AND e.kind = 'org' AND e.key = " + a + "))", nil
	case "source":
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			return "r.source_id = " + c.arg(id), nil
		}
		a := c.arg("%" + v + "%")
		return "EXISTS (SELECT 1 FROM sources s WHERE s.id = r.source_id AND (lower(s.url) LIKE " + a + " OR lower(s.title) LIKE " + a + " OR lower(s.organization) LIKE " + a + "))", nil
	case "country", "person", "region":
		return "EXISTS (SELECT 1 FROM release_entities e WHERE e.release_id = r.id AND e.kind = '" + n.Field + "' AND e.key = " + c.arg(v) + ")", nil
	case "lang":
		return "(lower(r.language) = " + c.arg(v) + " OR lower(r.language) LIKE " + c.arg(v+"-%") + ")", nil
	}
	return "", communique.Errorf(communique.EINVALID, "unknown field %q", n.Field)
}

// where compiles the filters of q (not the cursor).
func (c *compiler) where(q communique.Query) (string, error) {
	conds := []string{"TRUE"}
	if q.Text != nil {
		p, err := c.node(q.Text, false)
		if err != nil {
			return "", err
		}
		conds = append(conds, p)
	}
	if q.Organization != "" {
		conds = append(conds, "lower(r.organization) = "+c.arg(lower(q.Organization)))
	}
	if q.SourceID != 0 {
		conds = append(conds, "r.source_id = "+c.arg(q.SourceID))
	}
	if q.StoryID != 0 {
		conds = append(conds, "r.story_id = "+c.arg(q.StoryID))
	}
	if !q.Since.IsZero() {
		conds = append(conds, "r.published >= "+c.arg(q.Since))
	}
	if !q.Until.IsZero() {
		conds = append(conds, "r.published < "+c.arg(q.Until))
	}
	return strings.Join(conds, " AND "), nil
}

// rankExpr is the relevance score: weighted text rank with a mild boost for
// recent releases (a release a year old keeps two thirds of its score).
func (c *compiler) rankExpr() string {
	if len(c.rank) == 0 {
		return "0"
	}
	return "ts_rank(r.search, " + c.tsquery(c.rank) + ") * (1 + 0.5 / (1 + extract(epoch FROM (now() - r.published)) / 31557600.0))"
}

type cursor struct {
	published time.Time
	id        int64
	offset    int
}

func (k cursor) encode(sort communique.Sort) string {
	var s string
	if sort == communique.SortRelevance {
		s = "o:" + strconv.Itoa(k.offset)
	} else {
		s = "d:" + strconv.FormatInt(k.published.UnixNano(), 10) + ":" + strconv.FormatInt(k.id, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func decodeCursor(s string, sort communique.Sort) (cursor, error) {
	var k cursor
	if s == "" {
		return k, nil
	}
	bad := communique.Errorf(communique.EINVALID, "invalid cursor %q", s)
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return k, bad
	}
	parts := strings.Split(string(raw), ":")
	switch {
	case sort == communique.SortRelevance && len(parts) == 2 && parts[0] == "o":
		if k.offset, err = strconv.Atoi(parts[1]); err != nil || k.offset < 0 {
			return k, bad
		}
	case sort != communique.SortRelevance && len(parts) == 3 && parts[0] == "d":
		ns, err1 := strconv.ParseInt(parts[1], 10, 64)
		id, err2 := strconv.ParseInt(parts[2], 10, 64)
		if err1 != nil || err2 != nil {
			return k, bad
		}
		k.published, k.id = time.Unix(0, ns).UTC(), id
	default:
		return k, bad
	}
	return k, nil
}

func (db *DB) Releases(ctx context.Context, q communique.Query) (*communique.ResultPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	sort := q.Sort
	if sort == "" {
		sort = communique.SortDate
		if q.Text != nil {
			sort = communique.SortRelevance
		}
	}
	cur, err := decodeCursor(q.Cursor, sort)
	if err != nil {
		return nil, err
	}
	c := &compiler{}
	where, err := c.where(q)
	if err != nil {
		return nil, err
	}
	page := &communique.ResultPage{Total: -1}

	// Total, exact up to countCap; facets over the newest facetCap matches.
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM releases r WHERE `+where+` LIMIT `+strconv.Itoa(countCap+1)+`) m`, c.args...).Scan(&page.Total); err != nil {
		return nil, err
	}
	if page.Total > countCap {
		page.Total = -1
	}
	if q.Facets {
		if page.Facets, err = db.facets(ctx, where, c.args); err != nil {
			return nil, err
		}
	}

	sel := `SELECT ` + releaseColumns
	var order, pageCond string
	from := ` FROM releases r WHERE ` + where
	if sort == communique.SortRelevance {
		// Relevance ranks the newest rankCap matches: ranking reads each
		// match's tsvector, and a common word matches much of the corpus.
		sel += ", " + c.rankExpr() + " AS score"
		from = ` FROM releases r WHERE r.id IN (SELECT r.id FROM releases r WHERE ` + where + ` ORDER BY r.published DESC, r.id DESC LIMIT ` + strconv.Itoa(rankCap) + `)`
		order = " ORDER BY score DESC, r.published DESC, r.id DESC OFFSET " + c.arg(cur.offset)
	} else {
		sel += ", 0 AS score"
		if !cur.published.IsZero() {
			p, id := c.arg(cur.published), c.arg(cur.id)
			pageCond = " AND (r.published < " + p + " OR (r.published = " + p + " AND r.id < " + id + "))"
		}
		order = " ORDER BY r.published DESC, r.id DESC"
	}
	sqlText := sel + from + pageCond + order + ` LIMIT ` + c.arg(limit+1)
	rows, err := db.pool.Query(ctx, sqlText, c.args...)
	if err != nil {
		return nil, fmt.Errorf("searching: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var score float64
		r, err := scanRelease(scoreRow{rows, &score})
		if err != nil {
			return nil, err
		}
		page.Releases = append(page.Releases, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(page.Releases) > limit {
		page.Releases = page.Releases[:limit]
		last := page.Releases[limit-1]
		page.Next = cursor{published: last.Published, id: last.ID, offset: cur.offset + limit}.encode(sort)
	}
	if len(c.rank) > 0 && len(page.Releases) > 0 {
		if page.Snippets, err = db.snippets(ctx, page.Releases, c.rank); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// scoreRow scans a release row followed by its score.
type scoreRow struct {
	rows interface{ Scan(...any) error }
	dst  *float64
}

func (s scoreRow) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.dst)...) }

// snippets highlights the matches of the query's positive terms in each
// release of the page, with \x02 … \x03 around them.
func (db *DB) snippets(ctx context.Context, rs []*communique.Release, leaves []leaf) (map[int64]string, error) {
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	c := &compiler{}
	q := c.tsquery(leaves)
	idArg := c.arg(ids)
	// Headlines read the start of the text only: ts_headline parses the
	// whole document it is given.
	rows, err := db.pool.Query(ctx, `SELECT r.id, ts_headline('english', left(CASE WHEN r.body <> '' THEN r.body ELSE r.lede END, 4000), `+q+`,
		'StartSel=`+"\x02"+`, StopSel=`+"\x03"+`, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "')
		FROM releases r WHERE r.id = ANY(`+idArg+`)`, c.args...)
	if err != nil {
		return nil, fmt.Errorf("snippets: %w", err)
	}
	defer rows.Close()
	out := make(map[int64]string, len(rs))
	for rows.Next() {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return nil, err
		}
		out[id] = s
	}
	return out, rows.Err()
}

// facets counts the result set by organisation, country, language and month.
func (db *DB) facets(ctx context.Context, where string, args []any) (*communique.Facets, error) {
	f := &communique.Facets{}
	// Facets count the newest facetCap matches: exact for most result sets,
	// bounded work for a common word.
	where = `r.id IN (SELECT r.id FROM releases r WHERE ` + where + ` ORDER BY r.published DESC, r.id DESC LIMIT ` + strconv.Itoa(facetCap) + `)`
	queries := []struct {
		dst *[]communique.FacetCount
		sql string
	}{
		{&f.Organizations, `SELECT r.organization, count(*) FROM releases r WHERE ` + where + ` AND r.organization <> '' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20`},
		{&f.Languages, `SELECT r.language, count(*) FROM releases r WHERE ` + where + ` AND r.language <> '' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20`},
		{&f.Months, `SELECT to_char(r.published AT TIME ZONE 'UTC', 'YYYY-MM'), count(*) FROM releases r WHERE ` + where + ` GROUP BY 1 ORDER BY 1 DESC LIMIT 24`},
		{&f.Countries, `SELECT upper(e.key), count(*) FROM releases r JOIN release_entities e ON e.release_id = r.id AND e.kind = 'country' WHERE ` + where + ` GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20`},
	}
	for _, fq := range queries {
		rows, err := db.pool.Query(ctx, fq.sql, args...)
		if err != nil {
			return nil, fmt.Errorf("facets: %w", err)
		}
		for rows.Next() {
			var fc communique.FacetCount
			if err := rows.Scan(&fc.Value, &fc.Count); err != nil {
				rows.Close()
				return nil, err
			}
			*fq.dst = append(*fq.dst, fc)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return f, nil
}
