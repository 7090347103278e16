package websub

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestCheckSignature(t *testing.T) {
	body := []byte(`<feed xmlns="http://www.w3.org/2005/Atom"></feed>`)
	m := hmac.New(sha1.New, []byte("s3cret"))
	m.Write(body)
	sha1sig := "sha1=" + hex.EncodeToString(m.Sum(nil))
	cases := []struct {
		name, header, secret string
		body                 []byte
		ok                   bool
	}{
		{"sha256", Sign(body, "s3cret"), "s3cret", body, true},
		{"sha1", sha1sig, "s3cret", body, true},
		{"upper-case method", strings.Replace(Sign(body, "s3cret"), "sha256", "SHA256", 1), "s3cret", body, true},
		{"wrong secret", Sign(body, "other"), "s3cret", body, false},
		{"tampered body", Sign(body, "s3cret"), "s3cret", append([]byte("x"), body...), false},
		{"missing", "", "s3cret", body, false},
		{"no method", hex.EncodeToString([]byte("abc")), "s3cret", body, false},
		{"md5", "md5=abcdef", "s3cret", body, false},
		{"not hex", "sha256=zz", "s3cret", body, false},
	}
	for _, c := range cases {
		err := CheckSignature(c.header, c.body, c.secret)
		if (err == nil) != c.ok {
			t.Errorf("%s: CheckSignature err = %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

func TestParseVerification(t *testing.T) {
	v, err := ParseVerification(url.Values{"hub.mode": {"subscribe"}, "hub.topic": {"https://a/feed"}, "hub.challenge": {"xyz"}, "hub.lease_seconds": {"3600"}})
	if err != nil || v.Challenge != "xyz" || v.Lease != time.Hour || v.Topic != "https://a/feed" {
		t.Errorf("got %+v, %v", v, err)
	}
	for _, q := range []url.Values{
		{"hub.mode": {"subscribe"}, "hub.topic": {"t"}},
		{"hub.mode": {"bogus"}, "hub.challenge": {"c"}},
		{"hub.mode": {"subscribe"}, "hub.challenge": {"c"}, "hub.lease_seconds": {"-5"}},
	} {
		if _, err := ParseVerification(q); err == nil {
			t.Errorf("ParseVerification(%v) accepted", q)
		}
	}
	if v, err := ParseVerification(url.Values{"hub.mode": {"denied"}, "hub.reason": {"no"}}); err != nil || v.Reason != "no" {
		t.Errorf("denied: %+v %v", v, err)
	}
}

type fakePoster struct {
	status int
	err    error
	got    url.Values
	to     string
}

func (f *fakePoster) PostForm(_ context.Context, u string, form url.Values) (int, []byte, error) {
	f.to, f.got = u, form
	return f.status, []byte("nope"), f.err
}

func TestSubscribe(t *testing.T) {
	p := &fakePoster{status: 202}
	r := Request{Hub: "https://hub.example/", Topic: "https://a.example/feed", Callback: "https://me.example/websub/3", Secret: "abc", Lease: 48 * time.Hour}
	if err := Subscribe(context.Background(), p, r); err != nil {
		t.Fatal(err)
	}
	want := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {r.Topic}, "hub.callback": {r.Callback}, "hub.secret": {"abc"}, "hub.lease_seconds": {"172800"}}
	if p.to != r.Hub || p.got.Encode() != want.Encode() {
		t.Errorf("posted %s to %s, want %s", p.got.Encode(), p.to, want.Encode())
	}
	p.status = 400
	if err := Subscribe(context.Background(), p, r); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("a refusal is not an error: %v", err)
	}
	p.err = errors.New("boom")
	if err := Unsubscribe(context.Background(), p, r); err == nil {
		t.Error("a network error is not an error")
	}
	r.Secret = strings.Repeat("x", 200)
	if err := Subscribe(context.Background(), &fakePoster{status: 202}, r); err == nil {
		t.Error("a 200-byte secret was accepted")
	}
}

func BenchmarkCheckSignature(b *testing.B) {
	body := []byte(strings.Repeat("<entry>x</entry>", 500))
	sig := Sign(body, "secret")
	for b.Loop() {
		if err := CheckSignature(sig, body, "secret"); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzCheckSignature(f *testing.F) {
	f.Add("sha256=00", []byte("x"))
	f.Fuzz(func(t *testing.T, h string, body []byte) {
		_ = CheckSignature(h, body, "k")
	})
}
