// Package sources is the curated list of real official sources that
// `communique serve` subscribes on the first start of a data directory
// (unless --no-default-sources is given).
//
// The URLs are the publishers' public, long-lived feed addresses as best
// known when the list was written; they were not fetched when it was
// written (no network), so the first poll is their check: a moved feed shows
// its error on the sources page and can be corrected there.
//
// Licence classes are chosen from each publisher's terms of use:
//   - full: works of the US federal government (public domain, 17 U.S.C. § 105),
//     and publishers whose terms allow reuse, commercial included, with
//     acknowledgement (GOV.UK under the Open Government Licence v3.0; the EU
//     institutions under Commission Decision 2011/833/EU and the Council's and
//     Parliament's legal notices: "reproduction is authorised provided the
//     source is acknowledged").
//   - summary: everyone whose terms allow personal or non-commercial use only,
//     or require permission for reproduction (UN, WHO, IAEA, ICRC, OSCE, ECB,
//     Bank of England, NATO, Canada.ca, UNHCR). We show the lede and link to
//     the original.
package sources

import "github.com/communique-news/communique"

// Default is one curated source. Kind is a communique.SourceKind and
// Licence a communique.Licence, as strings.
type Default struct {
	URL          string
	Kind         string
	Organization string
	Country      string // ISO 3166-1 alpha-2; empty for international organisations
	Licence      string
	Selectors    *communique.Selectors // Kind "html" only
}

// Defaults returns the curated list, a fresh copy on each call (callers may
// modify it).
func Defaults() []Default {
	out := make([]Default, len(defaults))
	for i, d := range defaults {
		out[i] = d
		if d.Selectors != nil {
			s := *d.Selectors
			out[i].Selectors = &s
		}
	}
	return out
}

const (
	feed    = string(communique.KindFeed)
	html    = string(communique.KindHTML)
	full    = string(communique.LicenceFull)
	summary = string(communique.LicenceSummary)
)

// defaults is the list itself. Entries marked "to be verified" are addresses
// whose exact form is least certain.
var defaults = []Default{
	// United Nations: terms of use allow download and copy for personal,
	// non-commercial use only.
	{URL: "https://news.un.org/feed/subscribe/en/news/all/rss.xml", Kind: feed, Organization: "United Nations", Licence: summary},
	// UN Meetings Coverage and Press Releases: same UN terms.
	{URL: "https://press.un.org/en/rss.xml", Kind: feed, Organization: "United Nations", Licence: summary},
	// WHO: © WHO, reproduction needs permission except for non-commercial use.
	{URL: "https://www.who.int/rss-feeds/news-english.xml", Kind: feed, Organization: "WHO", Licence: summary},
	// IAEA: © IAEA; reproduction of web content subject to its terms.
	{URL: "https://www.iaea.org/feeds/topnews", Kind: feed, Organization: "IAEA", Licence: summary},
	// ICRC: © ICRC; news releases are for the media, reuse otherwise needs
	// permission. Feed address to be verified (the site moved in 2024).
	{URL: "https://www.icrc.org/en/rss/news", Kind: feed, Organization: "ICRC", Licence: summary},
	// OSCE: © OSCE, reproduction for non-commercial purposes with
	// acknowledgement. Feed address to be verified.
	{URL: "https://www.osce.org/rss", Kind: feed, Organization: "OSCE", Licence: summary},
	// Council of the EU: "reproduction is authorised provided the source is
	// acknowledged".
	{URL: "https://www.consilium.europa.eu/en/rss/pressreleases.ashx", Kind: feed, Organization: "Council of the EU", Licence: full},
	// European Central Bank: reproduction for educational and non-commercial
	// purposes only.
	{URL: "https://www.ecb.europa.eu/rss/press.html", Kind: feed, Organization: "ECB", Licence: summary},
	// GOV.UK news and communications: Open Government Licence v3.0.
	{URL: "https://www.gov.uk/search/news-and-communications.atom", Kind: feed, Organization: "UK Government", Country: "GB", Licence: full},
	// Bank of England: © Bank of England; reuse beyond personal use needs
	// permission.
	{URL: "https://www.bankofengland.co.uk/rss/news", Kind: feed, Organization: "Bank of England", Country: "GB", Licence: summary},
	// The White House: US federal works, public domain (its copyright policy
	// says so, third-party content excepted).
	{URL: "https://www.whitehouse.gov/news/feed/", Kind: feed, Organization: "The White House", Country: "US", Licence: full},
	// Federal Reserve Board: US federal works, public domain.
	{URL: "https://www.federalreserve.gov/feeds/press_all.xml", Kind: feed, Organization: "Federal Reserve", Country: "US", Licence: full},
	// NASA: US federal works, public domain (NASA media usage guidelines).
	{URL: "https://www.nasa.gov/news-release/feed/", Kind: feed, Organization: "NASA", Country: "US", Licence: full},
	// US Department of State: US federal works, public domain.
	{URL: "https://www.state.gov/rss-feed/press-releases/feed/", Kind: feed, Organization: "U.S. Department of State", Country: "US", Licence: full},
	// Government of Canada news releases (Canada News Centre, Atom): Crown
	// copyright, non-commercial reproduction only under the Canada.ca terms.
	{URL: "https://api.io.canada.ca/io-server/gc/news/en/v2?type=newsreleases&sort=publishedDate&orderBy=desc&pick=50&format=atom&atomtitle=Canada%20News%20Centre", Kind: feed, Organization: "Government of Canada", Country: "CA", Licence: summary},
	// European Commission press corner: reuse under Decision 2011/833/EU
	// (CC BY 4.0 since 2019).
	{URL: "https://ec.europa.eu/commission/presscorner/api/rss?language=en", Kind: feed, Organization: "European Commission", Licence: full},
	// European Parliament press releases: "reproduction is authorised
	// provided the source is acknowledged".
	{URL: "https://www.europarl.europa.eu/rss/doc/press-releases/en.xml", Kind: feed, Organization: "European Parliament", Licence: full},
	// UNHCR: © UNHCR, reuse needs permission. Feed address to be verified.
	{URL: "https://www.unhcr.org/rss.xml", Kind: feed, Organization: "UNHCR", Licence: summary},
	// NATO retired its RSS feed; its news is an HTML listing. NATO's terms
	// allow non-commercial reproduction with acknowledgement: summary.
	// The selectors are written from knowledge of the listing, not from a
	// fetch: TO BE VERIFIED with `communique source test` against the live
	// page. They lean on the stable part of NATO's URLs (news_NNNNNN.htm)
	// rather than on class names, so that a restyled listing still matches.
	{URL: "https://www.nato.int/cps/en/natohq/news.htm", Kind: html, Organization: "NATO", Licence: summary,
		Selectors: &communique.Selectors{
			Item:     `li:has(a[href*="news_"]), div.event-list-item, tr:has(a[href*="news_"])`,
			Link:     `a[href*="news_"]`,
			Title:    `a[href*="news_"]`,
			Date:     `time, .event-date, .date, span.fs-small`,
			Next:     `a[rel="next"], li.next a, a.next`,
			MaxPages: 3,
		}},
}
