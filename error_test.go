package communique

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorCodeAndMessage(t *testing.T) {
	wrapped := fmt.Errorf("loading: %w", Errorf(ENOTFOUND, "release %d not found", 7))
	if got := ErrorCode(wrapped); got != ENOTFOUND {
		t.Errorf("ErrorCode = %q, want %q", got, ENOTFOUND)
	}
	if got := ErrorMessage(wrapped); got != "release 7 not found" {
		t.Errorf("ErrorMessage = %q", got)
	}
	if got := ErrorCode(errors.New("disk on fire")); got != EINTERNAL {
		t.Errorf("ErrorCode(plain) = %q, want %q", got, EINTERNAL)
	}
	if got := ErrorMessage(errors.New("disk on fire")); got != "internal error" {
		t.Errorf("ErrorMessage(plain) leaks internals: %q", got)
	}
	if ErrorCode(nil) != "" || ErrorMessage(nil) != "" {
		t.Error("nil error has a code or message")
	}
}

func TestReadingMinutes(t *testing.T) {
	for _, c := range []struct{ words, want int }{{0, 1}, {230, 1}, {231, 2}, {1000, 5}} {
		r := Release{WordCount: c.words}
		if got := r.ReadingMinutes(); got != c.want {
			t.Errorf("ReadingMinutes(%d) = %d, want %d", c.words, got, c.want)
		}
	}
}

func TestKindsAndLicences(t *testing.T) {
	if !KindHTML.Valid() || SourceKind("rss").Valid() {
		t.Error("SourceKind.Valid")
	}
	if !LicenceSummary.Valid() || Licence("cc-by").Valid() {
		t.Error("Licence.Valid")
	}
}
