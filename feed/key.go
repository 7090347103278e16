package feed

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/communique-news/communique"
)

// ItemKey identifies an item within its source, stably from one poll to the
// next: "guid:" and the trimmed GUID; else "url:" and the canonical link
// (communique.CanonicalURL); else "hash:" and the first 32 hex digits of the
// SHA-256 of the title (white space collapsed) and the published date
// (RFC 3339, UTC; empty when the date is missing, since a missing date is
// replaced by the retrieval time, which changes at every poll).
//
// A GUID or URL longer than maxKeyValue bytes is replaced by
// "sha256-" and its hash, so that keys stay small enough to index.
func ItemKey(it communique.Item) string {
	if g := strings.TrimSpace(it.GUID); g != "" {
		return "guid:" + bounded(g)
	}
	if u := strings.TrimSpace(it.URL); u != "" {
		return "url:" + bounded(communique.CanonicalURL(u))
	}
	date := ""
	if !it.DateMissing && !it.Published.IsZero() {
		date = it.Published.UTC().Format(time.RFC3339)
	}
	sum := sha256.Sum256([]byte(collapseSpace(it.Title) + "\x00" + date))
	return "hash:" + hex.EncodeToString(sum[:16])
}

// maxKeyValue bounds the GUID or URL kept verbatim in a key.
const maxKeyValue = 1024

func bounded(v string) string {
	if len(v) <= maxKeyValue {
		return v
	}
	sum := sha256.Sum256([]byte(v))
	return "sha256-" + hex.EncodeToString(sum[:])
}
