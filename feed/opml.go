package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"

	"github.com/communique-news/communique"
)

// OPMLNamespace is the XML namespace of Communiqué's own outline attributes
// (organization, country, licence, kind, selectors). Other readers ignore
// them and still find every feed's xmlUrl.
const OPMLNamespace = "https://github.com/communique-news/communique/opml"

// maxOPMLBytes bounds what ParseOPML reads.
const maxOPMLBytes = 16 << 20

// Outline is one source of an OPML subscription list.
type Outline struct {
	Title        string
	XMLURL       string // the source's URL: a feed's xmlUrl, or a listing's or sitemap's url
	HTMLURL      string
	Organization string
	Country      string
	Licence      string
	Kind         string                // "feed", "html", "sitemap"; "" when the file does not say
	Selectors    *communique.Selectors // an HTML listing's selectors, when the file carries them
}

type opmlOutline struct {
	Attrs    []xml.Attr    `xml:",any,attr"`
	Outlines []opmlOutline `xml:"outline"`
}

type opmlDoc struct {
	XMLName xml.Name
	Body    struct {
		Outlines []opmlOutline `xml:"outline"`
	} `xml:"body"`
}

// ParseOPML reads an OPML subscription list: every outline with an xmlUrl
// (or, for Communiqué's listings and sitemaps, a url and a kind), nested
// outlines flattened in document order, the same URL kept once.
// Communiqué's attributes are read in its namespace (OPMLNamespace), or
// without a namespace.
func ParseOPML(r io.Reader) ([]Outline, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxOPMLBytes+1))
	if err != nil {
		return nil, communique.Errorf(communique.EINVALID, "the OPML file could not be read: %v", err)
	}
	if len(data) > maxOPMLBytes {
		return nil, communique.Errorf(communique.EINVALID, "the OPML file is larger than %d bytes", maxOPMLBytes)
	}
	var doc opmlDoc
	d := xml.NewDecoder(bytes.NewReader(xmlToUTF8(data)))
	d.Strict = false
	if err := d.Decode(&doc); err != nil {
		return nil, communique.Errorf(communique.EINVALID, "not a valid OPML file: %v", err)
	}
	if !strings.EqualFold(doc.XMLName.Local, "opml") {
		return nil, communique.Errorf(communique.EINVALID, "not an OPML file: the root element is <%s>, not <opml>", doc.XMLName.Local)
	}
	var out []Outline
	seen := map[string]bool{}
	var walk func([]opmlOutline)
	walk = func(list []opmlOutline) {
		for _, o := range list {
			var ol Outline
			var text, typ, urlAttr, selectors string
			for _, a := range o.Attrs {
				own := a.Name.Space == OPMLNamespace || a.Name.Space == "communique" || a.Name.Space == ""
				v := strings.TrimSpace(a.Value)
				switch strings.ToLower(a.Name.Local) {
				case "title":
					if a.Name.Space == "" {
						ol.Title = v
					}
				case "text":
					text = v
				case "type":
					typ = strings.ToLower(v)
				case "xmlurl":
					ol.XMLURL = v
				case "htmlurl":
					ol.HTMLURL = v
				case "url":
					urlAttr = v
				case "organization", "organisation":
					if own {
						ol.Organization = v
					}
				case "country":
					if own {
						ol.Country = strings.ToUpper(v)
					}
				case "licence", "license":
					if own {
						ol.Licence = strings.ToLower(v)
					}
				case "kind":
					if own {
						ol.Kind = strings.ToLower(v)
					}
				case "selectors":
					if own {
						selectors = v
					}
				}
			}
			if ol.Title == "" {
				ol.Title = text
			}
			if ol.XMLURL == "" && urlAttr != "" && (ol.Kind != "" || typ == "rss" || typ == "atom") {
				ol.XMLURL = urlAttr
			}
			if selectors != "" {
				var s communique.Selectors
				if json.Unmarshal([]byte(selectors), &s) == nil && s.Item != "" {
					ol.Selectors = &s
				}
			}
			if ol.XMLURL != "" && !seen[ol.XMLURL] {
				seen[ol.XMLURL] = true
				out = append(out, ol)
			}
			walk(o.Outlines)
		}
	}
	walk(doc.Body.Outlines)
	return out, nil
}

// WriteOPML writes sources as an OPML 2.0 subscription list. Feeds are
// outlines of type "rss" with an xmlUrl, which any reader imports; HTML
// listings and sitemaps, which other readers cannot read, are outlines of
// type "link" with a url. Organisation, country, licence, kind and a
// listing's selectors (as JSON) are attributes in Communiqué's namespace.
func WriteOPML(w io.Writer, title string, sources []*communique.Source) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	e := xml.NewEncoder(w)
	e.Indent("", "  ")
	start := func(name string, attrs ...xml.Attr) error {
		return e.EncodeToken(xml.StartElement{Name: xml.Name{Local: name}, Attr: attrs})
	}
	end := func(name string) error { return e.EncodeToken(xml.EndElement{Name: xml.Name{Local: name}}) }
	attr := func(name, v string) xml.Attr { return xml.Attr{Name: xml.Name{Local: name}, Value: v} }

	if err := start("opml", attr("version", "2.0"), attr("xmlns:communique", OPMLNamespace)); err != nil {
		return err
	}
	if err := start("head"); err != nil {
		return err
	}
	if err := start("title"); err != nil {
		return err
	}
	if err := e.EncodeToken(xml.CharData(title)); err != nil {
		return err
	}
	if err := end("title"); err != nil {
		return err
	}
	if err := end("head"); err != nil {
		return err
	}
	if err := start("body"); err != nil {
		return err
	}
	for _, s := range sources {
		if s == nil {
			continue
		}
		name := s.Title
		if name == "" {
			name = s.Organization
		}
		if name == "" {
			name = s.URL
		}
		kind := s.Kind
		if kind == "" {
			kind = communique.KindFeed
		}
		attrs := []xml.Attr{attr("text", name), attr("title", name)}
		if kind == communique.KindFeed {
			attrs = append(attrs, attr("type", "rss"), attr("xmlUrl", s.URL))
		} else {
			attrs = append(attrs, attr("type", "link"), attr("url", s.URL))
		}
		for _, a := range [][2]string{
			{"organization", s.Organization}, {"country", s.Country}, {"licence", string(s.Licence)}, {"kind", string(kind)},
		} {
			if a[1] != "" {
				attrs = append(attrs, attr("communique:"+a[0], a[1]))
			}
		}
		if s.Selectors != nil && s.Selectors.Item != "" {
			js, err := json.Marshal(s.Selectors)
			if err != nil {
				return err
			}
			attrs = append(attrs, attr("communique:selectors", string(js)))
		}
		if err := start("outline", attrs...); err != nil {
			return err
		}
		if err := end("outline"); err != nil {
			return err
		}
	}
	if err := end("body"); err != nil {
		return err
	}
	if err := end("opml"); err != nil {
		return err
	}
	if err := e.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
