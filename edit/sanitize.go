package edit

import (
	nurl "net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// policy is the sanitising policy, built once: bluemonday's UGC policy
// (no scripts, styles, style attributes, event handlers, forms or
// javascript:/data: URLs), iframes from the allow-list only, and
// rel="nofollow noreferrer noopener" on links. A bluemonday Policy is safe
// for concurrent use once built.
var policy = newPolicy()

// iframeHosts are the embeds allowed in a release's body.
var rxIframeSrc = regexp.MustCompile(`^https://(?:www\.)?(?:youtube-nocookie\.com/embed/|player\.vimeo\.com/video/|(?:www\.)?dailymotion\.com/embed/video/|geo\.dailymotion\.com/player)`)

func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowElements("iframe")
	p.AllowAttrs("src").Matching(rxIframeSrc).OnElements("iframe")
	p.AllowAttrs("width", "height").Matching(bluemonday.NumberOrPercent).OnElements("iframe")
	p.AllowAttrs("allowfullscreen").OnElements("iframe")
	p.AllowAttrs("title").OnElements("iframe")
	p.RequireSandboxOnIFrame(bluemonday.SandboxAllowScripts, bluemonday.SandboxAllowSameOrigin, bluemonday.SandboxAllowPopups)
	p.SkipElementsContent("script", "style", "noscript", "template", "form", "select", "textarea", "button", "object", "embed", "svg", "math")
	return p
}

// trackerHosts serve tracking pixels and beacons; images from them are
// dropped whatever their size.
var trackerHosts = []string{
	"doubleclick.net", "google-analytics.com", "googletagmanager.com", "googlesyndication.com",
	"scorecardresearch.com", "quantserve.com", "pixel.wp.com", "stats.wp.com", "facebook.com/tr",
	"bat.bing.com", "mc.yandex.ru", "analytics.twitter.com", "t.co/i/adsct", "px.ads.linkedin.com",
	"ct.pinterest.com", "adnxs.com", "mathtag.com", "chartbeat.net", "omtrdc.net", "2o7.net",
	"list-manage.com/track", "mailchimp.com/track", "sendgrid.net/wf/open", "hubspot.com/e",
	"feeds.feedburner.com/~r", "feedproxy.google.com/~r", "pixel.", "beacon.", "tracking.",
}

// Sanitize makes a release body safe to serve: relative URLs are made
// absolute against baseURL, tracking pixels (1×1 images, images from
// tracker hosts) and iframes from hosts not on the allow-list removed, then
// the bluemonday policy applied.
func Sanitize(src, baseURL string) string {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	base, _ := nurl.Parse(strings.TrimSpace(baseURL))
	if base != nil && base.Host == "" {
		base = nil
	}
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(src), ctx)
	if err != nil {
		return policy.Sanitize(src)
	}
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	prepare(root, base)
	var b strings.Builder
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&b, c); err != nil {
			return ""
		}
	}
	return strings.TrimSpace(policy.Sanitize(b.String()))
}

// urlAttrs are the attributes holding a URL, per element.
var urlAttrs = map[string]bool{"href": true, "src": true, "cite": true, "poster": true, "longdesc": true}

func prepare(n *html.Node, base *nurl.URL) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode {
			if drop(c, base) {
				n.RemoveChild(c)
				c = next
				continue
			}
			for i, a := range c.Attr {
				if urlAttrs[a.Key] {
					c.Attr[i].Val = resolve(base, a.Val)
				} else if a.Key == "srcset" {
					c.Attr[i].Val = resolveSrcset(base, a.Val)
				}
			}
			// Lazy-loaded images: the real source is in data-src.
			if c.DataAtom == atom.Img && attrVal(c, "src") == "" {
				for _, k := range []string{"data-src", "data-original", "data-lazy-src"} {
					if v := attrVal(c, k); v != "" {
						c.Attr = append(c.Attr, html.Attribute{Key: "src", Val: resolve(base, v)})
						break
					}
				}
			}
			prepare(c, base)
		}
		c = next
	}
}

func drop(n *html.Node, base *nurl.URL) bool {
	switch n.DataAtom {
	case atom.Iframe:
		return !rxIframeSrc.MatchString(resolve(base, attrVal(n, "src")))
	case atom.Img:
		if tiny(attrVal(n, "width")) && tiny(attrVal(n, "height")) {
			return true
		}
		src := strings.ToLower(resolve(base, firstNonEmpty(attrVal(n, "src"), attrVal(n, "data-src"))))
		if src == "" {
			return false
		}
		u, err := nurl.Parse(src)
		if err != nil {
			return true
		}
		hp := u.Host + u.Path
		for _, t := range trackerHosts {
			if strings.HasSuffix(t, ".") {
				if strings.HasPrefix(u.Host, t) {
					return true
				}
				continue
			}
			if strings.HasPrefix(hp, t) || strings.Contains(hp, "."+t) {
				return true
			}
		}
		if st := strings.ToLower(attrVal(n, "style")); strings.Contains(st, "display:none") || strings.Contains(st, "display: none") {
			return true
		}
	}
	return false
}

// tiny reports whether a width or height attribute is 0 or 1 pixel.
func tiny(v string) bool {
	v = strings.TrimSuffix(strings.TrimSpace(v), "px")
	if v == "" {
		return false
	}
	n, err := strconv.Atoi(v)
	return err == nil && n <= 1
}

func resolve(base *nurl.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.HasPrefix(ref, "#") {
		return ref
	}
	u, err := nurl.Parse(ref)
	if err != nil {
		return ""
	}
	if u.Scheme == "" && base != nil {
		u = base.ResolveReference(u)
	}
	return u.String()
}

func resolveSrcset(base *nurl.URL, v string) string {
	parts := strings.Split(v, ",")
	for i, p := range parts {
		f := strings.Fields(p)
		if len(f) == 0 {
			continue
		}
		f[0] = resolve(base, f[0])
		parts[i] = strings.Join(f, " ")
	}
	return strings.Join(parts, ", ")
}

func attrVal(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
