package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

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

// Result-size bounds, and the bounds that keep every query's work bounded
// however many releases match:
//
//   - Total is exact up to CountCap matches, and -1 ("not counted") beyond.
//   - Relevance ranks the RankCap matches most recently added to the index
//     (all of them when there are fewer): a very common word at a million
//     releases is ranked among its newest thousand matches, not all. Past
//     CountCap matches, with a word in more than DFCap releases, or with a
//     phrase of several words, ranking is by title and lede matches and
//     recency instead of bm25 (see quickRank and DFCap).
//   - Facets count up to FacetCap matches, the newest added when there are
//     more (then they are a sample, and Total is -1).
//   - A query with a phrase of several words has a tenth of these bounds
//     (PhraseDivisor).
//   - Sorting by date is exact: few matches are sorted, many are found by
//     walking the publication-date index.
const (
	DefaultLimit = 50
	MaxLimit     = 500
	CountCap     = 10000
	RankCap      = 1000
	FacetCap     = 10000
)

// releaseKeys is the releases table r read through its covering index
// releases_keys (migration 007): the columns a query reads for each of many
// matches (ranking's publication date, the facets' organisation, language
// and month, the filters' source and story, the near-duplicate lookup's
// fingerprint), in release order, about 75 bytes a release. The rows
// themselves hold URLs and titles too: at a million releases the facets of a
// word's 10,000 newest matches read 95-132 ms of row pages from disk, 35 ms
// of index pages (20-25 and 13-14 ms from the cache; sqlite3 shell).
// SQLite looks a rowid up in the table whatever covering index there is, so
// the index is named.
const releaseKeys = "releases r INDEXED BY releases_keys"

// PhraseDivisor divides the bounds of a query with a phrase of several
// words. FTS5 checks a phrase position by position in every release that
// has its words: counting 2,501 matches of two common words took 40 ms in
// the sqlite3 shell at a million releases, about twice that through
// modernc. With a quarter of the bounds phrases were the one kind of query
// past 50 ms (p99 84 ms, bench search at a million); with a tenth, 38-42.
// Beyond 1,000 matches a phrase's Total is -1, it is ranked among its
// newest 100, and its facets count its newest 1,000.
const PhraseDivisor = 10

// DFCap is the number of releases a query word may be in for bm25 ranking;
// a query with a more common word, or with a phrase of several words, is
// ranked by quickRank.
const DFCap = 20000

// caps are the bounds in force (tests lower them).
type caps struct{ count, rank, facet, df int }

// compiler turns a Query into SQL over releases r (and releases_fts when the
// query has words to match), with numbered arguments.
type compiler struct {
	args []any
	// sources maps each non-numeric source: value to the IDs of the
	// sources whose URL, title or organisation contains it.
	sources map[string][]int64
	// phrases is true when the match has a phrase of several words, which
	// FTS5 checks position by position: ten times the work of a word.
	phrases bool
	// leaves are the positive words, phrases and prefixes of the match,
	// as FTS5 phrases, for the ranking of queries with many matches.
	leaves []string
}

// leafExprs are the FTS5 phrases of n's words, phrases and prefixes that
// are not negated.
func leafExprs(n *communique.Node) []string {
	switch n.Op {
	case communique.OpTerm, communique.OpPhrase, communique.OpPrefix:
		toks := tokens(n.Text)
		if len(toks) == 0 {
			return nil
		}
		e := `"` + strings.Join(toks, " ") + `"`
		if n.Op == communique.OpPrefix {
			e += "*"
		}
		return []string{e}
	case communique.OpAnd, communique.OpOr:
		var out []string
		for _, ch := range n.Children {
			out = append(out, leafExprs(ch)...)
		}
		return out
	}
	return nil
}

func (c *compiler) arg(v any) string {
	c.args = append(c.args, v)
	return "?" + strconv.Itoa(len(c.args))
}

// tokens splits text into the words the FTS5 unicode61 tokenizer sees.
func tokens(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !isTokenRune(r) })
}

// fts compiles a subtree made of words, phrases and prefixes (with AND, OR
// and NOT inside an AND that has a positive part) into an FTS5 expression.
// ok is false for a subtree FTS5 cannot express alone: a field filter, a
// bare negation, or a leaf without words.
func (c *compiler) fts(n *communique.Node) (expr string, ok bool) {
	switch n.Op {
	case communique.OpTerm, communique.OpPhrase, communique.OpPrefix:
		toks := tokens(n.Text)
		if len(toks) == 0 {
			return "", false
		}
		e := `"` + strings.Join(toks, " ") + `"`
		if len(toks) > 1 {
			c.phrases = true
		}
		if n.Op == communique.OpPrefix {
			e += "*"
		}
		if n.Field == "title" {
			e = "title : " + e
		}
		return e, true
	case communique.OpField:
		return c.filter(n)
	case communique.OpAnd:
		var pos, neg []string
		for _, ch := range n.Children {
			if e, ok := c.fts(ch); ok {
				pos = append(pos, e)
			} else if ch.Op == communique.OpNot && len(ch.Children) == 1 {
				e, ok := c.fts(ch.Children[0])
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
			e, ok := c.fts(ch)
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
	if e, ok := c.fts(n); ok {
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
		return "", communique.Errorf(communique.EINVALID, "unknown field %q", n.Field)
	}
	return "", communique.Errorf(communique.EINVALID, "unknown query node %d", n.Op)
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// filter compiles a field filter into an FTS5 expression over the filter
// terms; ok is false for an unknown field.
func (c *compiler) filter(n *communique.Node) (string, bool) {
	v := lower(n.Text)
	switch n.Field {
	case "org":
		return termExpr(term(termOrg, v)), true
	case "person":
		return termExpr(term(termPerson, v)), true
	case "country":
		return termExpr(term(termCountry, v)), true
	case "region":
		return termExpr(term(termRegion, v)), true
	case "lang":
		return termExpr(term(termLanguage, v)), true
	case "source":
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			return termExpr(numTerm(termSource, id)), true
		}
		ids := c.sources[v]
		if len(ids) == 0 {
			return termExpr("sxnone"), true // no such source: matches nothing
		}
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = termExpr(numTerm(termSource, id))
		}
		if len(parts) == 1 {
			return parts[0], true
		}
		return "(" + strings.Join(parts, " OR ") + ")", true
	}
	return "", false
}

// resolveSources fills c.sources for the source: filters of n.
func (c *compiler) resolveSources(ctx context.Context, tx *sql.Tx, n *communique.Node) error {
	if n == nil {
		return nil
	}
	if n.Op == communique.OpField && n.Field == "source" {
		v := lower(n.Text)
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			return nil
		}
		if _, done := c.sources[v]; done {
			return nil
		}
		like := "%" + likeEscape(v) + "%"
		rows, err := tx.QueryContext(ctx, `SELECT id FROM sources WHERE url LIKE ?1 ESCAPE '\' OR title LIKE ?1 ESCAPE '\' OR organization LIKE ?1 ESCAPE '\' ORDER BY id LIMIT 100`, like)
		if err != nil {
			return err
		}
		defer rows.Close()
		if c.sources == nil {
			c.sources = map[string][]int64{}
		}
		c.sources[v] = []int64{}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			c.sources[v] = append(c.sources[v], id)
		}
		return rows.Err()
	}
	for _, ch := range n.Children {
		if err := c.resolveSources(ctx, tx, ch); err != nil {
			return err
		}
	}
	return nil
}

// plan is a compiled query: an FTS5 expression to match and rank by (empty
// for none) and the SQL conditions on releases r.
type plan struct {
	match    string   // FTS5 expression, "" for none
	matchArg string   // its argument placeholder
	conds    []string // conditions on releases r besides the match
}

func (c *compiler) compile(q communique.Query) (plan, error) {
	var p plan
	monthsExact := false
	if q.Text != nil {
		kids := []*communique.Node{q.Text}
		if q.Text.Op == communique.OpAnd {
			kids = q.Text.Children
		}
		var pos, neg []string
		for _, ch := range kids {
			if e, ok := c.fts(ch); ok {
				pos = append(pos, e)
				c.leaves = append(c.leaves, leafExprs(ch)...)
				continue
			}
			if ch.Op == communique.OpNot && len(ch.Children) == 1 {
				if e, ok := c.fts(ch.Children[0]); ok {
					neg = append(neg, e)
					continue
				}
			}
			s, err := c.cond(ch)
			if err != nil {
				return p, err
			}
			p.conds = append(p.conds, s)
		}
		if len(pos) > 0 {
			// With words to match, the plain filters are matched in the
			// index too (the exact date bounds stay conditions on r).
			if q.Organization != "" {
				pos = append(pos, termExpr(term(termOwnOrg, q.Organization)))
			}
			if q.SourceID != 0 {
				pos = append(pos, termExpr(numTerm(termSource, q.SourceID)))
			}
			if m := monthTerms(q.Since, q.Until, 24); m != "" {
				pos = append(pos, m)
				// Whole months (since:2025-07 until:2025-09) are what the
				// month terms say exactly: no need to read each match's
				// row to check its date (at a million releases, a random
				// page read per match, 0.4 s for 9,000 matches).
				monthsExact = monthStart(q.Since) && monthStart(q.Until)
			}
			// FTS5's NOT is binary: it needs a positive side.
			p.match = strings.Join(pos, " AND ")
			for _, x := range neg {
				p.match = "(" + p.match + ") NOT " + x
			}
			p.matchArg = c.arg(p.match)
		} else {
			for _, x := range neg {
				p.conds = append(p.conds, "NOT "+c.matchIn(x))
			}
		}
	}
	if q.Organization != "" {
		p.conds = append(p.conds, "r.organization = "+c.arg(strings.TrimSpace(q.Organization))+" COLLATE NOCASE")
	}
	if q.StoryID != 0 {
		p.conds = append(p.conds, "r.story_id = "+c.arg(q.StoryID))
	}
	if q.SourceID != 0 {
		p.conds = append(p.conds, "r.source_id = "+c.arg(q.SourceID))
	}
	if !q.Since.IsZero() && !monthsExact {
		p.conds = append(p.conds, "r.published >= "+c.arg(micro(q.Since)))
	}
	if !q.Until.IsZero() && !monthsExact {
		p.conds = append(p.conds, "r.published < "+c.arg(micro(q.Until)))
	}
	return p, nil
}

// monthStart reports whether t is the first instant of a month in UTC, the
// months of the month terms.
func monthStart(t time.Time) bool {
	t = t.UTC()
	return t.Day() == 1 && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// from is the FROM and WHERE clauses of a compiled query driven by the
// search index (when it has words): the matches are read in the index's
// order (newest added first) and joined to their releases.
func (p plan) from() string {
	if p.match == "" {
		return " FROM releases r WHERE " + p.where("")
	}
	if len(p.conds) == 0 {
		return " FROM releases_fts WHERE releases_fts MATCH " + p.matchArg
	}
	return " FROM releases_fts CROSS JOIN " + releaseKeys + " ON r.id = releases_fts.rowid WHERE releases_fts MATCH " + p.matchArg + " AND " + p.where("")
}

// id is the release ID column of from().
func (p plan) id() string {
	if p.match != "" {
		return "releases_fts.rowid"
	}
	return "r.id"
}

// newest is the ORDER BY that reads from() in its cheapest order, newest first.
func (p plan) newest() string {
	if p.match != "" {
		return " ORDER BY releases_fts.rowid DESC"
	}
	return " ORDER BY r.published DESC, r.id DESC"
}

// where joins the conditions on releases r; extra is one more ("" for none).
func (p plan) where(extra string) string {
	conds := p.conds
	if extra != "" {
		conds = append(slices.Clone(conds), extra)
	}
	if len(conds) == 0 {
		return "1"
	}
	return strings.Join(conds, " AND ")
}

// byDate is the FROM and WHERE clauses of a query driven by the published
// index, checking each release against the search index: the cheap plan
// for a date-sorted page of a query with many matches.
func (p plan) byDate() string {
	if p.match == "" {
		return " FROM releases r WHERE " + p.where("")
	}
	return " FROM releases r WHERE " + p.where("EXISTS (SELECT 1 FROM releases_fts WHERE releases_fts MATCH "+p.matchArg+" AND releases_fts.rowid = r.id)")
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
	var p plan
	err := db.view(ctx, func(tx *sql.Tx) error {
		if err := c.resolveSources(ctx, tx, q.Text); err != nil {
			return err
		}
		var err error
		p, err = c.compile(q)
		return err
	})
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
	bounds := db.caps
	if c.phrases {
		bounds = caps{count: max(1, bounds.count/PhraseDivisor), rank: max(1, bounds.rank/PhraseDivisor),
			facet: max(1, bounds.facet/PhraseDivisor), df: bounds.df}
	}
	err = db.view(ctx, func(tx *sql.Tx) error {
		// How many: exact up to CountCap, which also decides the plan.
		if p.match == "" && len(p.conds) == 0 {
			err = tx.QueryRowContext(ctx, "SELECT count(*) FROM releases").Scan(&page.Total)
		} else {
			err = tx.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1"+p.from()+" LIMIT "+strconv.Itoa(bounds.count+1)+")", c.args...).Scan(&page.Total)
		}
		if err != nil {
			return fmt.Errorf("counting: %w", err)
		}
		many := page.Total > bounds.count
		if many {
			page.Total = -1
		}

		// The page: IDs first (sorting two numbers per match, not whole
		// releases), then the releases of the page.
		base := len(c.args)
		var sqlText string
		if sort == communique.SortRelevance {
			// bm25 for the RankCap newest matches, times the recency boost.
			score := "c.s * (1.0 + " + strconv.FormatFloat(recencyBoost, 'f', -1, 64) + " / (1.0 + max(0, " + c.arg(cur.now) +
				" - r.published) / " + strconv.FormatFloat(yearMicros, 'f', -1, 64) + "))"
			sqlText = "SELECT id, score FROM (SELECT c.id AS id, " + score + " AS score FROM (SELECT " + p.id() + " AS id, bm25(releases_fts, " + weights + ", 0.0) AS s" +
				p.from() + p.newest() + " LIMIT " + strconv.Itoa(bounds.rank) + ") c JOIN " + releaseKeys + " ON r.id = c.id)"
			if paging {
				s, id := c.arg(cur.score), c.arg(cur.id)
				sqlText += " WHERE score > " + s + " OR (score = " + s + " AND id < " + id + ")"
			}
			sqlText += " ORDER BY score, id DESC LIMIT " + c.arg(limit+1)
		} else {
			// Few matches: sort them. Many: walk the published index and
			// check each release against the search index until the page is full.
			from := " FROM releases_fts CROSS JOIN " + releaseKeys + " ON r.id = releases_fts.rowid WHERE releases_fts MATCH " + p.matchArg + " AND " + p.where("")
			if p.match == "" || many {
				from = p.byDate()
			}
			sqlText = "SELECT r.id, r.published" + from
			if paging {
				pub, id := c.arg(cur.published), c.arg(cur.id)
				sqlText += " AND (r.published < " + pub + " OR (r.published = " + pub + " AND r.id < " + id + "))"
			}
			sqlText += " ORDER BY r.published DESC, r.id DESC LIMIT " + c.arg(limit+1)
		}
		var keys []pageKey
		quick := false
		if sort == communique.SortRelevance {
			// bm25 first reads every posting of each of the query's words
			// and phrases (its inverse document frequencies): cheap for
			// rare words, a tenth of a second for a common word at a
			// million releases, and a full phrase search for a phrase.
			quick = many || c.phrases
			if !quick {
				if quick, err = commonLeaf(ctx, tx, c.leaves, db.caps.df); err != nil {
					return fmt.Errorf("searching: %w", err)
				}
			}
		}
		if quick {
			c.args = c.args[:base]
			keys, err = quickRank(ctx, tx, p, c, bounds.rank, cur, paging, limit+1)
		} else {
			keys, err = pageKeys(ctx, tx, sqlText, c.args, sort)
		}
		if err != nil {
			return fmt.Errorf("searching: %w", err)
		}
		c.args = c.args[:base]
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
		// Snippets quote the words searched for: a query of filters only
		// (an entity page) has none to show, and skips their cost.
		if h := newHighlighter(q.Text); p.match != "" && h != nil {
			page.Snippets = snippets(h, page.Releases)
		}
		if q.Facets {
			if page.Facets, err = facets(ctx, tx, p, c.args, bounds.facet); err != nil {
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

// commonLeaf reports whether one of the query's words is in more than max
// releases, counting each only up to max+1.
func commonLeaf(ctx context.Context, tx *sql.Tx, leaves []string, max int) (bool, error) {
	seen := map[string]bool{}
	for _, l := range leaves {
		if seen[l] {
			continue
		}
		seen[l] = true
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM releases_fts WHERE releases_fts MATCH ? LIMIT ?)`, l, max+1).Scan(&n); err != nil {
			return false, err
		}
		if n > max {
			return true, nil
		}
	}
	return false, nil
}

// pageKey is a release of a page and what it is sorted by.
type pageKey struct {
	id    int64
	pub   int64
	score float64
}

func pageKeys(ctx context.Context, tx *sql.Tx, query string, args []any, sort communique.Sort) ([]pageKey, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []pageKey
	for rows.Next() {
		var k pageKey
		if sort == communique.SortRelevance {
			err = rows.Scan(&k.id, &k.score)
		} else {
			err = rows.Scan(&k.id, &k.pub)
		}
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// quickRank ranks a query with many matches without bm25, whose inverse
// document frequencies cost a pass over every release containing each
// query word (a tenth of a second for a common phrase at 100,000 releases):
// the newest rank matches score by whether their title (×10) and lede (×4)
// match any of the query's words, times the recency boost.
func quickRank(ctx context.Context, tx *sql.Tx, p plan, c *compiler, rank int, cur cursor, paging bool, n int) ([]pageKey, error) {
	rows, err := tx.QueryContext(ctx, "SELECT c.id, r.published FROM (SELECT "+p.id()+" AS id"+p.from()+p.newest()+
		" LIMIT "+strconv.Itoa(rank)+") c JOIN "+releaseKeys+" ON r.id = c.id", c.args...)
	if err != nil {
		return nil, err
	}
	var keys []pageKey
	minID := int64(math.MaxInt64)
	for rows.Next() {
		var k pageKey
		if err := rows.Scan(&k.id, &k.pub); err != nil {
			rows.Close()
			return nil, err
		}
		minID = min(minID, k.id)
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	hits := map[int64]float64{}
	if len(c.leaves) > 0 && len(keys) > 0 {
		words := "(" + strings.Join(c.leaves, " OR ") + ")"
		for _, col := range []struct {
			name   string
			weight float64
		}{{"title", 10}, {"lede", 4}} {
			rows, err := tx.QueryContext(ctx, `SELECT rowid FROM releases_fts WHERE releases_fts MATCH ? AND rowid >= ?`, col.name+" : "+words, minID)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return nil, err
				}
				hits[id] += col.weight
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
		}
	}
	out := keys[:0]
	for _, k := range keys {
		age := max(0, float64(cur.now-k.pub)) / yearMicros
		k.score = -(1 + hits[k.id]) * (1 + recencyBoost/(1+age))
		if paging && !(k.score > cur.score || (k.score == cur.score && k.id < cur.id)) {
			continue
		}
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b pageKey) int {
		if a.score != b.score {
			if a.score < b.score {
				return -1
			}
			return 1
		}
		return int(b.id - a.id)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
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

// snippets highlights h's words in each release, with \x02 … \x03 around
// them: from the body where it has a match, else the lede, else the title.
func snippets(h *highlighter, rs []*communique.Release) map[int64]string {
	out := make(map[int64]string, len(rs))
	for _, r := range rs {
		body, ok := h.snippet(r.Text, false)
		if ok {
			out[r.ID] = body
			continue
		}
		lede, ok := h.snippet(r.Lede, false)
		if ok {
			out[r.ID] = lede
			continue
		}
		if title, ok := h.snippet(r.Title, true); ok && body == "" {
			out[r.ID] = title
		} else if body != "" {
			out[r.ID] = body
		} else {
			out[r.ID] = lede
		}
	}
	return out
}

// facets counts the result set by organisation, country, language and
// month: exactly up to FacetCap matches, else over the FacetCap newest.
func facets(ctx context.Context, tx *sql.Tx, p plan, args []any, limit int) (*communique.Facets, error) {
	set := p.from() + p.newest() + " LIMIT " + strconv.Itoa(limit)
	rows, err := tx.QueryContext(ctx, "SELECT r.organization, r.language, r.month FROM ("+"SELECT "+p.id()+" AS id"+set+") s JOIN "+releaseKeys+" ON r.id = s.id", args...)
	if err != nil {
		return nil, fmt.Errorf("facets: %w", err)
	}
	orgs, langs, months := map[string]int{}, map[string]int{}, map[string]int{}
	for rows.Next() {
		var org, lang string
		var month int
		if err := rows.Scan(&org, &lang, &month); err != nil {
			rows.Close()
			return nil, fmt.Errorf("facets: %w", err)
		}
		if org != "" {
			orgs[org]++
		}
		if lang != "" {
			langs[lang]++
		}
		months[fmt.Sprintf("%04d-%02d", month/100, month%100)]++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("facets: %w", err)
	}
	f := &communique.Facets{Organizations: communique.TopFacets(orgs, 20, false), Languages: communique.TopFacets(langs, 20, false), Months: communique.TopFacets(months, 24, true)}
	f.Countries, err = facetRows(ctx, tx, "SELECT upper(e.key), count(*) FROM (SELECT "+p.id()+" AS id"+set+") s JOIN release_entities e ON e.release_id = s.id AND e.kind = 'country' GROUP BY e.key ORDER BY 2 DESC, 1 LIMIT 20", args...)
	if err != nil {
		return nil, fmt.Errorf("facets: %w", err)
	}
	return f, nil
}
