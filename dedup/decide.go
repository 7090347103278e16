package dedup

import (
	"net/url"
	"strings"
	"unicode"

	communique "github.com/communique-news/communique"
)

// Kind is what an incoming release is with respect to the stored ones.
type Kind int

const (
	// New: no stored release has its URL or its text.
	New Kind = iota
	// Same: the release at its URL has the very same title and text.
	Same
	// Cosmetic: the release at its URL has the same normalised text and
	// title (white space, typography, tracking parameters in links); not a
	// revision.
	Cosmetic
	// Revision: the release at its URL has another text (or headline).
	Revision
	// Copy: another stored release has the same or nearly the same text,
	// or the incoming URL is a known copy of it.
	Copy
)

func (k Kind) String() string {
	switch k {
	case New:
		return "new"
	case Same:
		return "same"
	case Cosmetic:
		return "cosmetic"
	case Revision:
		return "revision"
	case Copy:
		return "copy"
	}
	return "unknown"
}

// Verdict is Decide's answer.
type Verdict struct {
	Kind Kind
	// Release is the stored release the incoming one is the same as, a
	// revision of, or a copy of; nil for New.
	Release *communique.Release
	// Repoint is set on a Copy when the incoming release is the
	// originator's own page and the stored one is a republisher's copy:
	// the stored release must take the incoming URL and text, and its old
	// URL becomes a copy (unless it is the same URL: a copy that named the
	// original was stored under the original's URL).
	Repoint bool
	// Resemblance is the text comparison that made a near-duplicate Copy.
	Resemblance Resemblance
}

// Decide classifies in (with ContentHash and Fingerprint set) against what
// the store found: byURL, the release at in.URL or having a copy there;
// byHash, the release with in's ContentHash; similar, the releases sharing a
// fingerprint block, nearest first. Any of them may be nil or empty.
// Near-duplicates are confirmed on the text (Resemble), so a fingerprint
// collision never makes a copy.
func Decide(in *communique.Release, byURL, byHash *communique.Release, similar []*communique.Release) Verdict {
	return DecideWith(in, byURL, byHash, similar, nil)
}

// DecideWith is Decide with the boilerplate of in's source, which is left
// out when texts are compared. bp may be nil.
func DecideWith(in *communique.Release, byURL, byHash *communique.Release, similar []*communique.Release, bp *Boilerplate) Verdict {
	hash := in.ContentHash
	if hash == "" {
		hash = ContentHash(in.Text)
	}
	if byURL != nil {
		if !sameURL(byURL.URL, in.URL) {
			// in.URL is a known copy of byURL, or in is the original
			// named by a copy that byURL was stored from.
			return Verdict{Kind: Copy, Release: byURL, Repoint: repoint(in, byURL)}
		}
		storedHash := byURL.ContentHash
		if storedHash == "" {
			storedHash = ContentHash(byURL.Text)
		}
		switch {
		case storedHash != hash || NormalizeText(byURL.Title) != NormalizeText(in.Title):
			// A republisher's copy filed under the original's URL (it
			// named the original), or the original arriving where its
			// copy's text stood: one release, not a new revision.
			if AtOrigin(in) != AtOrigin(byURL) {
				if r := Resemble(in.Text, byURL.Text, nil); r.Duplicate() {
					return Verdict{Kind: Copy, Release: byURL, Repoint: AtOrigin(in), Resemblance: r}
				}
			}
			return Verdict{Kind: Revision, Release: byURL}
		case AtOrigin(in) && !AtOrigin(byURL):
			// The originator's page, with the text of the copy that
			// was stored under its URL.
			return Verdict{Kind: Copy, Release: byURL, Repoint: true}
		case byURL.Text == in.Text && byURL.Title == in.Title:
			return Verdict{Kind: Same, Release: byURL}
		}
		return Verdict{Kind: Cosmetic, Release: byURL}
	}
	if byHash != nil && strings.TrimSpace(in.Text) != "" {
		return Verdict{Kind: Copy, Release: byHash, Repoint: repoint(in, byHash)}
	}
	var p *profile // of in, taken once for all candidates
	for _, c := range similar {
		if c == nil {
			continue
		}
		if p == nil {
			pi := profileOf(in.Text, bp)
			p = &pi
		}
		if r := p.resemble(profileOf(c.Text, bp)); r.Duplicate() {
			return Verdict{Kind: Copy, Release: c, Repoint: repoint(in, c), Resemblance: r}
		}
	}
	return Verdict{Kind: New}
}

func sameURL(a, b string) bool { return communique.CanonicalURL(a) == communique.CanonicalURL(b) }

// repoint reports whether in, a copy of stored, should become the release:
// in is on its originating organisation's own site and stored is not.
func repoint(in, stored *communique.Release) bool {
	if sameURL(in.URL, stored.URL) || host(in.URL) == host(stored.URL) {
		return false
	}
	return AtOrigin(in) && !AtOrigin(stored)
}

// AtOrigin reports whether r was read on its organisation's own site: the
// page's site name names the organisation, or, when the page gave no site
// name, its URL's host does (nato.int for "NATO", rba.gov.au for "Reserve
// Bank of Australia", federalreserve.gov for "Federal Reserve", pmo.iq for
// "Prime Minister's Media Office": initials may skip words). The site name
// comes first because a republisher's copy that names its original carries
// the original's URL but the republisher's site name.
func AtOrigin(r *communique.Release) bool {
	org := strings.TrimSpace(r.Organization)
	if org == "" {
		return false
	}
	if site := strings.TrimSpace(r.SiteName); site != "" {
		return namesOrg(Words(site), org)
	}
	h := host(r.URL)
	if h == "" {
		return false
	}
	return namesOrg(strings.FieldsFunc(h, func(r rune) bool { return r == '.' || r == '-' }), org)
}

// namesOrg reports whether labels (host labels or the words of a site
// name) name the organisation org: a label is its one word, its initials
// (possibly skipping words), or contains its significant words run
// together.
func namesOrg(labels []string, org string) bool {
	squashed := strings.Join(labels, "")
	words := Words(org)
	if len(words) == 0 {
		return false
	}
	if len(words) == 1 {
		for _, l := range labels {
			if l == words[0] {
				return true
			}
		}
		return len(words[0]) >= 5 && strings.Contains(squashed, words[0])
	}
	var initials, joined strings.Builder
	for _, f := range strings.Fields(org) {
		rs := []rune(f)
		if len(rs) > 0 && unicode.IsUpper(rs[0]) {
			initials.WriteRune(unicode.ToLower(rs[0]))
		}
	}
	for _, w := range words {
		switch w {
		case "of", "the", "and", "for", "de", "la", "du", "des", "et":
			continue
		}
		joined.WriteString(w)
	}
	ini := initials.String()
	for _, l := range labels {
		if ini == "" {
			break
		}
		if len(l) >= 2 && l == ini || len(l) >= 3 && l[0] == ini[0] && subsequence(l, ini) {
			return true
		}
	}
	return joined.Len() >= 5 && strings.Contains(squashed, joined.String())
}

// subsequence reports whether s is t with letters left out ("pmo" of
// "pmmo", the initials of "Prime Minister's Media Office").
func subsequence(s, t string) bool {
	i := 0
	for j := 0; i < len(s) && j < len(t); j++ {
		if s[i] == t[j] {
			i++
		}
	}
	return i == len(s)
}

// host is the lower-cased host of u without "www.", or "".
func host(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(p.Hostname()), "www.")
}
