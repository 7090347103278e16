package fetch

import (
	"fmt"
	"net/http"
	"time"
)

// Kind says what went wrong with a fetch, so that the caller can decide
// whether to retry (Timeout, Network, RetryLater, 5xx Status) or not.
type Kind string

// The kinds of fetch errors.
const (
	KindInvalidURL       Kind = "invalid_url"        // not an absolute http or https URL
	KindPrivateAddress   Kind = "private_address"    // the host is on a private, loopback, link-local... network
	KindRobots           Kind = "robots"             // robots.txt disallows the URL
	KindTooLarge         Kind = "too_large"          // the (decoded) body is larger than MaxBodyBytes
	KindTooManyRedirects Kind = "too_many_redirects" // more than MaxRedirects redirects
	KindStatus           Kind = "status"             // a non-2xx status (Status has the code)
	KindRetryLater       Kind = "retry_later"        // the host asked us to wait, or its robots.txt could not be read (RetryAfter has until when)
	KindTimeout          Kind = "timeout"            // no complete response within Timeout
	KindNetwork          Kind = "network"            // DNS, connection, TLS, protocol or encoding failure
)

// Error is a failed fetch. Its Error method is a one-line message meant for
// the user who looks at the source.
type Error struct {
	Kind       Kind
	URL        string
	Status     int       // the HTTP status, when there was one
	RetryAfter time.Time // for KindRetryLater: not before this time
	Err        error     // the underlying error, if any
}

func (e *Error) Error() string {
	switch e.Kind {
	case KindInvalidURL:
		return fmt.Sprintf("invalid URL %q: %v", e.URL, e.Err)
	case KindPrivateAddress:
		return fmt.Sprintf("refused to fetch %s: %v (allow private addresses to fetch it)", e.URL, e.Err)
	case KindRobots:
		return fmt.Sprintf("not fetching %s: %v", e.URL, e.Err)
	case KindTooLarge:
		return fmt.Sprintf("response from %s is too large: %v", e.URL, e.Err)
	case KindTooManyRedirects:
		return fmt.Sprintf("too many redirects fetching %s: %v", e.URL, e.Err)
	case KindStatus:
		return fmt.Sprintf("%s answered HTTP %d %s", e.URL, e.Status, http.StatusText(e.Status))
	case KindRetryLater:
		if e.Err != nil {
			return fmt.Sprintf("not fetching %s before %s: %v", e.URL, e.RetryAfter.UTC().Format(time.RFC3339), e.Err)
		}
		msg := fmt.Sprintf("%s asked to wait until %s", e.URL, e.RetryAfter.UTC().Format(time.RFC3339))
		if e.Status != 0 {
			msg += fmt.Sprintf(" (HTTP %d)", e.Status)
		}
		return msg
	case KindTimeout:
		return fmt.Sprintf("no complete response from %s in time: %v", e.URL, e.Err)
	}
	return fmt.Sprintf("could not fetch %s: %v", e.URL, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }
