package sqlite

import (
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/communique-news/communique"
)

// Filter terms are synthetic words in the index's terms column: a kind
// letter and a hash of the lower-cased value (or a number), so that they
// survive the tokenizer (letters and digits only) and never meet a real word.
const (
	termOrg      = 'o' // org: the release's organisation, or one it mentions (name or acronym)
	termOwnOrg   = 'g' // the release's own organisation (Query.Organization)
	termPerson   = 'p'
	termCountry  = 'c'
	termRegion   = 'r'
	termLanguage = 'l'
	termSource   = 's' // a source ID
	termMonth    = 'm' // YYYYMM of publication
	termBlock    = 'f' // a 16-bit block of the fingerprint: block i with value v is i<<16|v
)

// term is the filter term of kind for value.
func term(kind byte, value string) string {
	h := fnv.New64a()
	h.Write([]byte(lower(value)))
	return string(kind) + "x" + strconv.FormatUint(h.Sum64(), 36)
}

func numTerm(kind byte, n int64) string { return string(kind) + "x" + strconv.FormatInt(n, 10) }

// termsOf is the terms column of a release.
func termsOf(r *communique.Release) string {
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	if r.Organization != "" {
		add(term(termOrg, r.Organization))
		add(term(termOwnOrg, r.Organization))
	}
	if r.Language != "" {
		add(term(termLanguage, r.Language))
		if base, _, ok := strings.Cut(r.Language, "-"); ok {
			add(term(termLanguage, base))
		}
	}
	if r.SourceID != 0 {
		add(numTerm(termSource, r.SourceID))
	}
	add(numTerm(termMonth, int64(monthOf(r.Published))))
	for _, t := range blockTerms(r.Fingerprint) {
		add(t)
	}
	for _, k := range r.Entities.IndexKeys() {
		switch k.Kind {
		case "org":
			add(term(termOrg, k.Key))
		case "person":
			add(term(termPerson, k.Key))
		case "country":
			add(term(termCountry, k.Key))
		case "region":
			add(term(termRegion, k.Key))
		}
	}
	return strings.Join(out, " ")
}

// termExpr is the FTS5 expression that matches a filter term.
func termExpr(t string) string { return `terms : "` + t + `"` }

// monthTerms is the FTS5 expression matching releases published in the
// months that [since, until) touches, or "" if that is more than max months
// (or unbounded), where the publication-date index is the better filter.
func monthTerms(since, until time.Time, max int) string {
	if since.IsZero() || until.IsZero() || !until.After(since) {
		return ""
	}
	var parts []string
	for m := time.Date(since.Year(), since.Month(), 1, 0, 0, 0, 0, time.UTC); m.Before(until); m = m.AddDate(0, 1, 0) {
		if len(parts) == max {
			return ""
		}
		parts = append(parts, termExpr(numTerm(termMonth, int64(monthOf(m)))))
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// blockTerms are the terms of a fingerprint's four 16-bit blocks, which the
// similarity lookup (Match) searches: by the pigeonhole principle, two
// fingerprints within 3 bits of each other share at least one block exactly.
//
// They are index terms rather than four b-tree indexes on the releases
// table because the search index is written as sorted segments: a random
// 16-bit key sends each insert into the b-tree to a page of its own, and at
// a million releases the four indexes doubled the pages a bulk load wrote
// (strace of 4,000 inserts: 268-310 MiB of WAL against 111-149 MiB).
func blockTerms(fp uint64) [4]string {
	var out [4]string
	for i := range out {
		out[i] = numTerm(termBlock, int64(i)<<16|int64(fp>>(16*i)&0xffff))
	}
	return out
}

// blocksExpr is the FTS5 expression matching the releases that share a
// block with fp.
func blocksExpr(fp uint64) string {
	parts := blockTerms(fp)
	for i, t := range parts {
		parts[i] = termExpr(t)
	}
	return strings.Join(parts[:], " OR ")
}
