package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/communique-news/communique"
)

// Weights of the columns in bm25 (title, lede, body) and the recency boost:
// a release's score is multiplied by 1 + recencyBoost/(1 + age in years), so
// that a release published today ranks 1.5× a very old one with the same words.
const (
	weights      = "10.0, 4.0, 1.0"
	recencyBoost = 0.5
	yearMicros   = 365.25 * 24 * 3600 * 1e6
)

// Result-size bounds.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// compiler turns a Query into SQL over releases r (and releases_fts when the
// query has words to match), with numbered arguments.
type compiler struct {
	args []any
}

func (c *compiler) arg(v any) string {
	c.args = append(c.args, v)
	return "?" + strconv.Itoa(len(c.args))
}

// tokens splits text into the words the FTS5 unicode61 tokenizer sees.
func tokens(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r)
	})
}

// fts compiles a subtree made of words, phrases and prefixes (with AND, OR
// and NOT inside an AND that has a positive part) into an FTS5 expression.
// ok is false for a subtree FTS5 cannot express alone: a field filter, a
// bare negation, or a leaf without words.
func fts(n *communique.Node) (expr string, ok bool) {
	switch n.Op {
	case communique.OpTerm, communique.OpPhrase, communique.OpPrefix:
		toks := tokens(n.Text)
		if len(toks) == 0 {
			return "", false
		}
		e := `"` + strings.Join(toks, " ") + `"`
		if n.Op == communique.OpPrefix {
			e += "*"
		}
		if n.Field == "title" {
			e = "title : " + e
		}
		return e, true
	case communique.OpAnd:
		var pos, neg []string
		for _, ch := range n.Children {
			if e, ok := fts(ch); ok {
				pos = append(pos, e)
			} else if ch.Op == communique.OpNot && len(ch.Children) == 1 {
				e, ok := fts(ch.Children[0])
				if !ok {
					return "", false
				}
				neg = append(neg, e)
			} else {
				return "", false
			}
		}
		if len(pos) == 0 {
			return "", false
		}
		e := "(" + strings.Join(pos, " AND ") + ")"
		for _, x := range neg {
			e += " NOT " + x
		}
		return "(" + e + ")", true
	case communique.OpOr:
		parts := make([]string, 0, len(n.Children))
		for _, ch := range n.Children {
			e, ok := fts(ch)
			if !ok {
				return "", false
			}
			parts = append(parts, e)
		}
		if len(parts) == 0 {
			return "", false
		}
		return "(" + strings.Join(parts, " OR ") + ")", true
	}
	return "", false
}

// matchIn is an SQL condition: the release matches the FTS5 expression e.
func (c *compiler) matchIn(e string) string {
	return "r.id IN (SELECT rowid FROM releases_fts WHERE releases_fts MATCH " + c.arg(e) + ")"
}

// cond compiles any subtree into an SQL condition.
func (c *compiler) cond(n *communique.Node) (string, error) {
	if e, ok := fts(n); ok {
		return c.matchIn(e), nil
	}
	switch n.Op {
	case communique.OpAnd, communique.OpOr:
		if len(n.Children) == 0 {
			return "1", nil
		}
		parts := make([]string, 0, len(n.Children))
		for _, ch := range n.Children {
			p, err := c.cond(ch)
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
		p, err := c.cond(n.Children[0])
		if err != nil {
			return "", err
		}
		return "(NOT " + p + ")", nil
	case communique.OpTerm, communique.OpPhrase, communique.OpPrefix:
		return "1", nil // no words: no constraint
	case communique.OpField:
		return c.field(n)
	}
	return "", communique.Errorf(communique.EINVALID, "unknown query node %d", n.Op)
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (c *compiler) field(n *communique.Node) (string, error) {
	v := lower(n.Text)
	switch n.Field {
	case "org":
		a := c.arg(v)
		return "(r.organization = " + a + " COLLATE NOCASE OR r.id IN (SELECT release_id FROM release_entities WHERE kind = 'org' AND key = " + a + "))", nil
	case "source":
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			return "r.source_id = " + c.arg(id), nil
		}
		a := c.arg("%" + likeEscape(v) + "%")
		return "r.source_id IN (SELECT id FROM sources WHERE url LIKE " + a + ` ESCAPE '\' OR title LIKE ` + a + ` ESCAPE '\' OR organization LIKE ` + a + ` ESCAPE '\')`, nil
	case "country", "person", "region":
		return "r.id IN (SELECT release_id FROM release_entities WHERE kind = '" + n.Field + "' AND key = " + c.arg(v) + ")", nil
	case "lang":
		return "(lower(r.language) = " + c.arg(v) + " OR r.language LIKE " + c.arg(likeEscape(v)+`-%`) + ` ESCAPE '\')`, nil
	}
	return "", communique.Errorf(communique.EINVALID, "unknown field %q", n.Field)
}

// plan is a compiled query: an FTS5 expression to match and rank by (empty
// for none) and the SQL conditions on releases r.
type plan struct {
	match string
	where string
}

func (c *compiler) compile(q communique.Query) (plan, error) {
	var p plan
	conds := []string{}
	if q.Text != nil {
		kids := []*communique.Node{q.Text}
		if q.Text.Op == communique.OpAnd {
			kids = q.Text.Children
		}
		var pos, neg []string
		for _, ch := range kids {
			if e, ok := fts(ch); ok {
				pos = append(pos, e)
				continue
			}
			if ch.Op == communique.OpNot && len(ch.Children) == 1 {
				if e, ok := fts(ch.Children[0]); ok {
					neg = append(neg, e)
					continue
				}
			}
			s, err := c.cond(ch)
			if err != nil {
				return p, err
			}
			conds = append(conds, s)
		}
		if len(pos) > 0 {
			// FTS5's NOT is binary: it needs a positive side.
			p.match = strings.Join(pos, " AND ")
			for _, x := range neg {
				p.match = "(" + p.match + ") NOT " + x
			}
		} else {
			for _, x := range neg {
				conds = append(conds, "NOT "+c.matchIn(x))
			}
		}
	}
	if q.Organization != "" {
		conds = append(conds, "r.organization = "+c.arg(strings.TrimSpace(q.Organization))+" COLLATE NOCASE")
	}
	if q.SourceID != 0 {
		conds = append(conds, "r.source_id = "+c.arg(q.SourceID))
	}
	if !q.Since.IsZero() {
		conds = append(conds, "r.published >= "+c.arg(micro(q.Since)))
	}
	if !q.Until.IsZero() {
		conds = append(conds, "r.published < "+c.arg(micro(q.Until)))
	}
	if p.match != "" {
		conds = append([]string{"releases_fts MATCH " + c.arg(p.match)}, conds...)
	}
	if len(conds) == 0 {
		conds = []string{"1"}
	}
	p.where = strings.Join(conds, " AND ")
	return p, nil
}

// from is the FROM clause of a compiled query.
func (p plan) from() string {
	if p.match != "" {
		return " FROM releases_fts JOIN releases r ON r.id = releases_fts.rowid"
	}
	return " FROM releases r"
}

// cursor is the position after the last release of a page: by date
// (published, id), or by relevance (score, id, and the time the scores were
// computed at, so that the recency boost does not move under the reader).
type cursor struct {
	sort      communique.Sort
	published int64
	score     float64
	now       int64
	id        int64
}

func (k cursor) encode() string {
	var s string
	if k.sort == communique.SortRelevance {
		s = "r:" + strconv.FormatInt(k.now, 10) + ":" + strconv.FormatFloat(k.score, 'g', -1, 64) + ":" + strconv.FormatInt(k.id, 10)
	} else {
		s = "d:" + strconv.FormatInt(k.published, 10) + ":" + strconv.FormatInt(k.id, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func decodeCursor(s string, sort communique.Sort) (cursor, bool, error) {
	k := cursor{sort: sort}
	if s == "" {
		return k, false, nil
	}
	bad := communique.Errorf(communique.EINVALID, "invalid cursor %q: use the next cursor of the same query", s)
	if len(s) > 200 {
		return k, false, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return k, false, bad
	}
	parts := strings.Split(string(raw), ":")
	switch {
	case sort == communique.SortRelevance && len(parts) == 4 && parts[0] == "r":
		now, err1 := strconv.ParseInt(parts[1], 10, 64)
		score, err2 := strconv.ParseFloat(parts[2], 64)
		id, err3 := strconv.ParseInt(parts[3], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || math.IsNaN(score) {
			return k, false, bad
		}
		k.now, k.score, k.id = now, score, id
	case sort == communique.SortDate && len(parts) == 3 && parts[0] == "d":
		p, err1 := strconv.ParseInt(parts[1], 10, 64)
		id, err2 := strconv.ParseInt(parts[2], 10, 64)
		if err1 != nil || err2 != nil {
			return k, false, bad
		}
		k.published, k.id = p, id
	default:
		return k, false, bad
	}
	return k, true, nil
}

// Releases answers a listing (newest first) or a search (by relevance or
// by date), one page at a time, with the total count and, if asked, facets.
func (db *DB) Releases(ctx context.Context, q communique.Query) (*communique.ResultPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	c := &compiler{}
	p, err := c.compile(q)
	if err != nil {
		return nil, err
	}
	sort := q.Sort
	switch sort {
	case "":
		sort = communique.SortDate
		if p.match != "" {
			sort = communique.SortRelevance
		}
	case communique.SortDate:
	case communique.SortRelevance:
		if p.match == "" {
			sort = communique.SortDate // nothing to rank by
		}
	default:
		return nil, communique.Errorf(communique.EINVALID, "sort %q: want date or relevance", q.Sort)
	}
	cur, paging, err := decodeCursor(q.Cursor, sort)
	if err != nil {
		return nil, err
	}
	if sort == communique.SortRelevance && !paging {
		cur.now = micro(db.now())
	}

	page := &communique.ResultPage{Total: -1}
	err = db.view(ctx, func(tx *sql.Tx) error {
		// The page: ids first (the sorter carries two numbers per match,
		// not whole releases), then the releases of the page.
		var sqlText string
		baseArgs := len(c.args)
		if sort == communique.SortRelevance {
			score := "bm25(releases_fts, " + weights + ") * (1.0 + " + strconv.FormatFloat(recencyBoost, 'f', -1, 64) +
				" / (1.0 + max(0, " + c.arg(cur.now) + " - r.published) / " + strconv.FormatFloat(yearMicros, 'f', -1, 64) + "))"
			sqlText = "SELECT id, score FROM (SELECT r.id AS id, " + score + " AS score" + p.from() + " WHERE " + p.where + ")"
			if paging {
				s, id := c.arg(cur.score), c.arg(cur.id)
				sqlText += " WHERE score > " + s + " OR (score = " + s + " AND id < " + id + ")"
			}
			sqlText += " ORDER BY score, id DESC LIMIT " + c.arg(limit+1)
		} else {
			sqlText = "SELECT r.id, r.published" + p.from() + " WHERE " + p.where
			if paging {
				pub, id := c.arg(cur.published), c.arg(cur.id)
				sqlText += " AND (r.published < " + pub + " OR (r.published = " + pub + " AND r.id < " + id + "))"
			}
			sqlText += " ORDER BY r.published DESC, r.id DESC LIMIT " + c.arg(limit+1)
		}
		rows, err := tx.QueryContext(ctx, sqlText, c.args...)
		if err != nil {
			return fmt.Errorf("searching: %w", err)
		}
		type key struct {
			id    int64
			pub   int64
			score float64
		}
		var keys []key
		for rows.Next() {
			var k key
			if sort == communique.SortRelevance {
				err = rows.Scan(&k.id, &k.score)
			} else {
				err = rows.Scan(&k.id, &k.pub)
			}
			if err != nil {
				rows.Close()
				return err
			}
			keys = append(keys, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("searching: %w", err)
		}
		c.args = c.args[:baseArgs]
		if len(keys) > limit {
			keys = keys[:limit]
			last := keys[limit-1]
			cur.published, cur.score, cur.id = last.pub, last.score, last.id
			page.Next = cur.encode()
		}
		ids := make([]int64, len(keys))
		for i, k := range keys {
			ids[i] = k.id
		}
		if page.Releases, err = releasesByID(ctx, tx, ids); err != nil {
			return err
		}
		if p.match != "" && len(ids) > 0 {
			if page.Snippets, err = snippets(ctx, tx, p.match, ids); err != nil {
				return err
			}
		}
		if err := tx.QueryRowContext(ctx, "SELECT count(*)"+p.from()+" WHERE "+p.where, c.args...).Scan(&page.Total); err != nil {
			return fmt.Errorf("counting: %w", err)
		}
		if q.Facets {
			if page.Facets, err = facets(ctx, tx, p, c.args); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// releasesByID reads releases in the order of ids.
func releasesByID(ctx context.Context, tx *sql.Tx, ids []int64) ([]*communique.Release, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+releaseColumns+releaseFrom+` WHERE r.id IN (?`+strings.Repeat(",?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := make(map[int64]*communique.Release, len(ids))
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, err
		}
		byID[r.ID] = r
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*communique.Release, 0, len(ids))
	for _, id := range ids {
		if r := byID[id]; r != nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// snippets highlights the matches in each release of the page, with
// \x02 … \x03 around them: from the body where it has a match, else the
// lede, else the title.
func snippets(ctx context.Context, tx *sql.Tx, match string, ids []int64) (map[int64]string, error) {
	stmt, err := tx.PrepareContext(ctx, `SELECT snippet(releases_fts, 2, char(2), char(3), '…', 32),
		snippet(releases_fts, 1, char(2), char(3), '…', 32), snippet(releases_fts, 0, char(2), char(3), '…', 32)
		FROM releases_fts WHERE releases_fts MATCH ? AND rowid = ?`)
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	out := make(map[int64]string, len(ids))
	for _, id := range ids {
		var body, lede, title string
		err := stmt.QueryRowContext(ctx, match, id).Scan(&body, &lede, &title)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("snippets: %w", err)
		}
		switch {
		case strings.Contains(body, "\x02"):
			out[id] = body
		case strings.Contains(lede, "\x02"):
			out[id] = lede
		case strings.Contains(title, "\x02") && body == "":
			out[id] = title
		case body != "":
			out[id] = body
		default:
			out[id] = lede
		}
	}
	return out, nil
}

// facets counts the result set by organisation, country, language and month.
func facets(ctx context.Context, tx *sql.Tx, p plan, args []any) (*communique.Facets, error) {
	f := &communique.Facets{}
	from := p.from() + " WHERE " + p.where
	queries := []struct {
		dst *[]communique.FacetCount
		sql string
	}{
		{&f.Organizations, `SELECT r.organization, count(*)` + from + ` AND r.organization <> '' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20`},
		{&f.Languages, `SELECT r.language, count(*)` + from + ` AND r.language <> '' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20`},
		{&f.Months, `SELECT printf('%04d-%02d', r.month / 100, r.month % 100), count(*)` + from + ` GROUP BY r.month ORDER BY r.month DESC LIMIT 24`},
		{&f.Countries, `SELECT upper(e.key), count(*)` + from + ` AND e.release_id = r.id GROUP BY e.key ORDER BY 2 DESC, 1 LIMIT 20`},
	}
	for i, fq := range queries {
		s := fq.sql
		if i == 3 {
			// The entity index joins in for countries.
			s = strings.Replace(s, " WHERE ", ", release_entities e WHERE e.kind = 'country' AND ", 1)
		}
		var err error
		if *fq.dst, err = facetRows(ctx, tx, s, args...); err != nil {
			return nil, fmt.Errorf("facets: %w", err)
		}
	}
	return f, nil
}
