package communique

import "testing"

func TestCanonicalURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"HTTPS://WWW.NATO.INT:443/cps/en/natohq/news_237412.htm", "https://www.nato.int/cps/en/natohq/news_237412.htm"},
		{"http://example.org:80", "http://example.org/"},
		{"http://example.org:8080/a/", "http://example.org:8080/a"},
		{"https://example.org/a?utm_source=x&b=2&a=1&fbclid=abc#frag", "https://example.org/a?a=1&b=2"},
		{"https://example.org/a?utm_medium=rss", "https://example.org/a"},
		{"https://user:pw@example.org./x", "https://example.org/x"},
		{"  https://example.org/x  ", "https://example.org/x"},
		{"/relative/path", "/relative/path"},
		{"mailto:press@example.org", "mailto:press@example.org"},
		{"https://[::1]:443/x", "https://[::1]/x"},
	}
	for _, c := range cases {
		if got := CanonicalURL(c.in); got != c.want {
			t.Errorf("CanonicalURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzCanonicalURL(f *testing.F) {
	for _, s := range []string{"https://a.b/c?utm_x=1", "http://x:80", "::", "https://[::1]/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := CanonicalURL(s)
		if twice := CanonicalURL(once); twice != once {
			t.Errorf("not idempotent: %q -> %q -> %q", s, once, twice)
		}
	})
}

func BenchmarkCanonicalURL(b *testing.B) {
	for b.Loop() {
		CanonicalURL("https://www.nato.int/cps/en/natohq/news_237412.htm?utm_source=rss&selectedLocale=en")
	}
}
