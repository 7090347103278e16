package feed

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}

	// xmlDeclEncoding finds the encoding pseudo-attribute of an XML declaration.
	xmlDeclEncoding = regexp.MustCompile(`(?s)\A\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:\-]+)["']`)
)

// xmlToUTF8 returns an XML document as UTF-8 that Go's XML decoder accepts:
// a UTF-16 BOM or a declared single-byte encoding (ISO-8859-1, Windows-1252,
// …) is decoded, the declaration is rewritten to say utf-8, bytes that are not
// valid UTF-8 are read as Windows-1252 (the usual mistake: Latin-1 text in a
// feed that declares UTF-8 or nothing), and characters that XML 1.0 forbids
// (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF) are dropped.
func xmlToUTF8(body []byte) []byte {
	wasUTF16 := bytes.HasPrefix(body, bomUTF16LE) || bytes.HasPrefix(body, bomUTF16BE)
	body = decodeBOM(body)
	if m := xmlDeclEncoding.FindSubmatchIndex(body); m != nil {
		label := strings.ToLower(string(body[m[2]:m[3]]))
		if label != "utf-8" && label != "utf8" {
			rest := body[m[1]:]
			// After a UTF-16 BOM the text is already decoded, whatever
			// the declaration says.
			if enc, _ := charset.Lookup(label); enc != nil && !wasUTF16 && !isUTF8Name(label) {
				if dec, err := enc.NewDecoder().Bytes(rest); err == nil {
					rest = dec
				}
			}
			out := make([]byte, 0, len(body)+8)
			out = append(out, body[:m[2]]...)
			out = append(out, "utf-8"...)
			out = append(out, body[m[3]:m[1]]...)
			body = append(out, rest...)
		}
	}
	return cleanUTF8(body, false)
}

func isUTF8Name(label string) bool {
	_, name := charset.Lookup(label)
	return name == "utf-8"
}

// decodeBOM strips a UTF-8 byte order mark and decodes UTF-16 text that
// starts with one.
func decodeBOM(body []byte) []byte {
	switch {
	case bytes.HasPrefix(body, bomUTF8):
		return body[len(bomUTF8):]
	case bytes.HasPrefix(body, bomUTF16LE), bytes.HasPrefix(body, bomUTF16BE):
		dec, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder().Bytes(body)
		if err == nil {
			return dec
		}
	}
	return body
}

// cleanUTF8 makes b valid UTF-8, reading each invalid byte as Windows-1252,
// and drops the characters XML 1.0 forbids. With allControls it also turns
// tab, LF and CR into spaces (for JSON, where raw ones are illegal inside
// strings and a space is harmless between tokens). b is returned unchanged
// when there is nothing to do.
func cleanUTF8(b []byte, allControls bool) []byte {
	clean := true
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && (allControls || (c != '\t' && c != '\n' && c != '\r')) {
				clean = false
				break
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if (r == utf8.RuneError && n == 1) || r == 0xFFFE || r == 0xFFFF {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			switch {
			case c < 0x20 && allControls:
				out = append(out, ' ')
			case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			default:
				out = append(out, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			if w := charmap.Windows1252.DecodeByte(c); w != utf8.RuneError && w >= 0x20 {
				out = utf8.AppendRune(out, w)
			}
		case r == 0xFFFE || r == 0xFFFF:
		default:
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

// htmlToUTF8 decodes an HTML page to UTF-8: by its BOM, else by a <meta>
// charset in its first 1024 bytes, else as UTF-8 with invalid bytes read as
// Windows-1252.
func htmlToUTF8(body []byte) []byte {
	e, name, certain := charset.DetermineEncoding(body, "")
	if name == "utf-8" || (!certain && utf8.Valid(body)) || e == nil {
		return cleanUTF8(decodeBOM(body), false)
	}
	dec, err := e.NewDecoder().Bytes(body)
	if err != nil {
		return cleanUTF8(body, false)
	}
	return cleanUTF8(dec, false)
}

// plainText turns a fragment that may carry HTML markup or entities into
// trimmed plain text with whitespace collapsed. Block elements and <br>
// become spaces, so that words on two lines do not run together.
func plainText(s string) string {
	if s == "" {
		return ""
	}
	if !strings.Contains(s, "<") || !htmlTag.MatchString(s) {
		// Plain text, maybe with entities ("&amp;" escaped twice); a "<"
		// that opens no HTML tag is text ("on the <budget>").
		if strings.Contains(s, "&") {
			s = html.UnescapeString(s)
		}
		return collapseSpace(s)
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return collapseSpace(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				skip++
			}
			if !inlineTags[string(name)] {
				b.WriteByte(' ')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				if skip > 0 {
					skip--
				}
			}
			if !inlineTags[string(name)] {
				b.WriteByte(' ')
			}
		}
	}
}

// inlineTags are the elements that do not separate words.
var inlineTags = map[string]bool{
	"a": true, "abbr": true, "b": true, "bdi": true, "bdo": true, "cite": true, "code": true, "data": true,
	"dfn": true, "em": true, "font": true, "i": true, "kbd": true, "mark": true, "q": true, "s": true,
	"samp": true, "small": true, "span": true, "strong": true, "sub": true, "sup": true, "time": true,
	"u": true, "var": true, "del": true, "ins": true, "strike": true, "tt": true, "big": true,
}

// collapseSpace trims s and replaces each run of white space (including
// no-break spaces) with one space.
func collapseSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, isSpace), " ")
}

func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\f', '\v', 0x85, 0xA0, 0x2007, 0x202F, 0x200B, 0xFEFF:
		return true
	}
	return r >= 0x2000 && r <= 0x200A || r == 0x3000 || r == 0x1680 || r == 0x2028 || r == 0x2029
}

// hasMarkup reports whether s looks like HTML rather than plain text.
func hasMarkup(s string) bool {
	return strings.Contains(s, "<") && htmlTag.MatchString(s)
}

var htmlTag = regexp.MustCompile(`(?i)<(/?(p|br|hr|div|span|a|img|ul|ol|li|dl|dt|dd|h[1-6]|table|thead|tbody|tr|td|th|caption|blockquote|q|cite|pre|code|strong|em|b|i|u|s|small|sup|sub|abbr|mark|del|ins|font|center|figure|figcaption|picture|source|video|audio|iframe|section|article|header|footer|main|nav|aside|time|script|style|noscript)\b[^>]*>|!--)`)

// resolveHTMLLinks makes the href and src attributes of an HTML fragment
// absolute against base, leaving everything else byte for byte. Fragments
// without relative links are returned unchanged.
func resolveHTMLLinks(fragment string, base *url.URL) string {
	if base == nil || !hasRelativeLink(fragment) {
		return fragment
	}
	var b strings.Builder
	b.Grow(len(fragment) + 64)
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return b.String()
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			b.Write(z.Raw())
			continue
		}
		tok := z.Token()
		changed := false
		for i, a := range tok.Attr {
			if a.Namespace != "" || (a.Key != "href" && a.Key != "src") {
				continue
			}
			v := strings.TrimSpace(a.Val)
			if !isRelativeRef(v) {
				continue
			}
			if abs := resolve(base, v); abs != "" {
				tok.Attr[i].Val = abs
				changed = true
			}
		}
		if changed {
			b.WriteString(tok.String())
		} else {
			b.Write(z.Raw())
		}
	}
}

var linkAttr = regexp.MustCompile(`(?i)\b(?:href|src)\s*=\s*["']?\s*([^"'\s>]*)`)

func hasRelativeLink(fragment string) bool {
	for _, m := range linkAttr.FindAllStringSubmatch(fragment, -1) {
		if isRelativeRef(m[1]) {
			return true
		}
	}
	return false
}

// isRelativeRef reports whether a URL reference has no scheme and is not
// only a fragment.
func isRelativeRef(v string) bool {
	if v == "" || v[0] == '#' {
		return false
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == ':':
			return i == 0 // "scheme:" is absolute
		case c == '/' || c == '?' || c == '#':
			return true
		case !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
			return true
		}
	}
	return true
}
