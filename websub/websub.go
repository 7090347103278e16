// Package websub speaks the subscriber's side of W3C WebSub: asking a hub to
// push a topic to a callback, answering the hub's verification of intent,
// and checking the signature of each push (X-Hub-Signature).
package websub

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Poster sends a form to a hub (fetch.Client.Post, through the same safety
// checks as every other request).
type Poster interface {
	PostForm(ctx context.Context, url string, form url.Values) (status int, body []byte, err error)
}

// Request is a subscription (or unsubscription) request.
type Request struct {
	Hub      string
	Topic    string
	Callback string
	Secret   string
	Lease    time.Duration
}

// Subscribe asks the hub to push topic to callback. A hub accepts with 202
// and then verifies the intent by calling the callback (see Verify).
func Subscribe(ctx context.Context, p Poster, r Request) error { return send(ctx, p, "subscribe", r) }

// Unsubscribe asks the hub to stop pushing.
func Unsubscribe(ctx context.Context, p Poster, r Request) error {
	return send(ctx, p, "unsubscribe", r)
}

func send(ctx context.Context, p Poster, mode string, r Request) error {
	form := url.Values{
		"hub.mode":     {mode},
		"hub.topic":    {r.Topic},
		"hub.callback": {r.Callback},
	}
	if r.Secret != "" {
		if len(r.Secret) >= 200 {
			return fmt.Errorf("websub: a secret must be shorter than 200 bytes")
		}
		form.Set("hub.secret", r.Secret)
	}
	if r.Lease > 0 {
		form.Set("hub.lease_seconds", strconv.Itoa(int(r.Lease.Seconds())))
	}
	status, body, err := p.PostForm(ctx, r.Hub, form)
	if err != nil {
		return fmt.Errorf("websub: %s at %s: %w", mode, r.Hub, err)
	}
	if status != 202 && status != 204 && status != 200 {
		return fmt.Errorf("websub: hub %s refused to %s (HTTP %d): %.200s", r.Hub, mode, status, strings.TrimSpace(string(body)))
	}
	return nil
}

// Verification is the hub's check of our intent, from the callback's query.
type Verification struct {
	Mode      string // subscribe, unsubscribe or denied
	Topic     string
	Challenge string
	Lease     time.Duration
	Reason    string // for denied
}

// ParseVerification reads a verification request's query.
func ParseVerification(q url.Values) (Verification, error) {
	v := Verification{Mode: q.Get("hub.mode"), Topic: q.Get("hub.topic"), Challenge: q.Get("hub.challenge"), Reason: q.Get("hub.reason")}
	switch v.Mode {
	case "subscribe", "unsubscribe":
		if v.Challenge == "" {
			return v, fmt.Errorf("websub: verification without hub.challenge")
		}
	case "denied":
	default:
		return v, fmt.Errorf("websub: unknown hub.mode %q", v.Mode)
	}
	if s := q.Get("hub.lease_seconds"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return v, fmt.Errorf("websub: bad hub.lease_seconds %q", s)
		}
		v.Lease = time.Duration(n) * time.Second
	}
	return v, nil
}

// CheckSignature verifies a push's X-Hub-Signature header ("sha256=hex",
// also sha1, sha384, sha512) against the body and the subscription's secret.
func CheckSignature(header string, body []byte, secret string) error {
	algo, sig, ok := strings.Cut(strings.TrimSpace(header), "=")
	if !ok || sig == "" {
		return fmt.Errorf("websub: missing or malformed X-Hub-Signature")
	}
	var h func() hash.Hash
	switch strings.ToLower(algo) {
	case "sha1":
		h = sha1.New
	case "sha256":
		h = sha256.New
	case "sha384":
		h = sha512.New384
	case "sha512":
		h = sha512.New
	default:
		return fmt.Errorf("websub: unsupported signature method %q", algo)
	}
	want, err := hex.DecodeString(sig)
	if err != nil {
		return fmt.Errorf("websub: signature is not hex")
	}
	m := hmac.New(h, []byte(secret))
	m.Write(body)
	if !hmac.Equal(m.Sum(nil), want) {
		return fmt.Errorf("websub: signature does not match")
	}
	return nil
}

// Sign computes the X-Hub-Signature header for body (what a hub sends).
func Sign(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// NewSecret makes a random secret for one subscription.
func NewSecret() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}
