package demo

// The catalogue of the sample origin: which releases it holds, where, and
// which feeds, listing pages and sitemap lead to them. The pages themselves
// are in site/: the two seed files byte for byte, and for the others a body
// in site/releases/ laid out by the originator's own page template in
// site/layouts/.

// release is one page of the origin.
type release struct {
	ID        string
	Path      string // where the origin serves it
	Org       string // the publisher, as the page names it
	Layout    string // site/layouts/<Layout>.html; empty for a static file
	Static    string // site/<Static>, served byte for byte
	Body      string // site/releases/<Body>.html
	Title     string
	Published string // RFC 3339, in the publisher's own time zone
	Summary   string // one or two sentences, used by the feeds
	Lang      string
	Ref       string   // the publisher's document reference, if it shows one
	Author    string   // the office that issued it
	Related   []string // IDs of related releases linked from the page
	Original  string   // for a republisher's copy: the ID of the original
	GUID      string   // the feed's GUID; empty: the page URL
}

var releases = []release{
	// NATO (the seed release and four more; three of them only on the
	// HTML listing).
	{ID: "nato-237412", Path: "/nato/cps/en/natohq/news_237412.htm", Org: "NATO", Static: "seed/nato-original.html",
		Title: "NATO Chief welcomes Iraqi Prime Minister", Published: "2025-09-08T12:30:00+02:00", Lang: "en", GUID: "nato-news-237412",
		Summary: "Secretary General Mark Rutte welcomed Prime Minister Mohammed Shia' al-Sudani of Iraq to NATO Headquarters."},
	{ID: "nato-237390", Path: "/nato/cps/en/natohq/news_237390.htm", Org: "NATO", Layout: "nato", Body: "nato-237390", GUID: "nato-news-237390",
		Title: "Deputy Secretary General visits the NATO Communications and Information Agency", Published: "2025-09-04T15:10:00+02:00", Lang: "en",
		Summary: "NATO Deputy Secretary General Radmila Shekerinska visited the NATO Communications and Information Agency (NCIA) in The Hague to review progress on the Alliance's digital transformation.",
		Related: []string{"nato-237455", "nato-237412"}},
	{ID: "nato-237455", Path: "/nato/cps/en/natohq/news_237455.htm", Org: "NATO", Layout: "nato", Body: "nato-237455",
		Title: "NATO Military Committee holds annual conference in Riga", Published: "2025-09-12T17:45:00+02:00", Lang: "en",
		Summary: "The Chiefs of Defence of the 32 NATO Allies met in Riga, Latvia, for the annual Military Committee Conference chaired by Admiral Giuseppe Cavo Dragone.",
		Related: []string{"nato-237390"}},
	{ID: "nato-230001", Path: "/nato/cps/en/natohq/news_230001.htm", Org: "NATO", Layout: "nato", Body: "nato-230001",
		Title: "NATO Mission Iraq marks new phase of advisory work", Published: "2025-05-14T11:00:00+02:00", Lang: "en",
		Summary: "NATO Mission Iraq has begun a new phase of its advisory work with Iraqi security institutions, focused on professional military education and logistics.",
		Related: []string{"nato-237412"}},
	{ID: "nato-229876", Path: "/nato/cps/en/natohq/news_229876.htm", Org: "NATO", Layout: "nato", Body: "nato-229876",
		Title: "Deputy Secretary General visits partners in the Gulf", Published: "2025-04-29T16:20:00+02:00", Lang: "en",
		Summary: "NATO Deputy Secretary General Radmila Shekerinska travelled to Kuwait and Qatar to discuss cooperation under the Istanbul Cooperation Initiative.",
		Related: []string{"nato-230001"}},

	// Mirage News, a republisher: the seed copy, and a copy of the WHO release.
	{ID: "mirage-1529944", Path: "/mirage/nato-chief-welcomes-iraqi-prime-minister-1529944/", Org: "Mirage News", Static: "seed/mirage-copy.html",
		Title: "NATO Chief Welcomes Iraqi Prime Minister", Published: "2025-09-09T03:12:41+10:00", Lang: "en", GUID: "https://www.miragenews.com/?p=1529944",
		Summary: "Secretary General Mark Rutte welcomed Prime Minister Mohammed Shia' al-Sudani of Iraq to NATO Headquarters, on Monday (8 September 2025)."},
	{ID: "mirage-1531207", Path: "/mirage/who-and-partners-move-to-close-gaps-in-cholera-vaccine-supply-1531207/", Org: "Mirage News", Layout: "mirage", Body: "who-cholera",
		Title: "WHO And Partners Move To Close Gaps In Cholera Vaccine Supply", Published: "2025-09-11T02:40:12+10:00", Lang: "en", GUID: "https://www.miragenews.com/?p=1531207",
		Summary:  "The World Health Organization and its partners announced a plan to end the shortage of oral cholera vaccine by 2027.",
		Original: "who-cholera"},

	// United Nations.
	{ID: "un-ga80", Path: "/un/en/story/2025/09/1165630", Org: "United Nations", Layout: "un", Body: "un-ga80", GUID: "un-news-1165630",
		Title: "General Assembly opens eightieth session with call to ‘renew the promise’ of the Charter", Published: "2025-09-09T15:05:00-04:00", Lang: "en",
		Author:  "UN News",
		Summary: "The UN General Assembly opened its eightieth session in New York on Tuesday, with its new President, Annalena Baerbock, urging Member States to renew the promise of the UN Charter in the Organization's anniversary year.",
		Related: []string{"un-sga2401"}},
	{ID: "un-sga2401", Path: "/un/en/press/2025/sga2401.doc.htm", Org: "United Nations", Layout: "un", Body: "un-sga2401", GUID: "un-press-SG/A/2401",
		Title: "Secretary-General Appoints Kwame Mensah-Boateng of Ghana Deputy Special Representative for South Sudan", Published: "2025-09-05T12:30:00-04:00", Lang: "en",
		Ref: "SG/A/2401", Author: "Meetings Coverage and Press Releases",
		Summary: "United Nations Secretary-General António Guterres today announced the appointment of Kwame Mensah-Boateng of Ghana as his Deputy Special Representative for South Sudan in the United Nations Mission in South Sudan (UNMISS)."},

	// World Health Organization.
	{ID: "who-cholera", Path: "/who/news/item/10-09-2025-who-and-partners-move-to-close-gaps-in-cholera-vaccine-supply", Org: "WHO", Layout: "who", Body: "who-cholera",
		Title: "WHO and partners move to close gaps in cholera vaccine supply", Published: "2025-09-10T14:00:00+02:00", Lang: "en", Author: "News release",
		Summary: "WHO, UNICEF and Gavi, the Vaccine Alliance, announced a plan to end the shortage of oral cholera vaccine by 2027, as 31 countries report outbreaks."},

	// European Central Bank.
	{ID: "ecb-mp250911", Path: "/ecb/press/pr/date/2025/html/ecb.mp250911~d9f1a2c3e4.en.html", Org: "ECB", Layout: "ecb", Body: "ecb-mp250911", GUID: "tag:ecb.europa.eu,2025:mp250911",
		Title: "Monetary policy decisions", Published: "2025-09-11T14:15:00+02:00", Lang: "en", Author: "Press release",
		Summary: "The Governing Council today decided to keep the three key ECB interest rates unchanged. The deposit facility rate remains at 2.00%."},

	// International Atomic Energy Agency.
	{ID: "iaea-kenya", Path: "/iaea/newscenter/pressreleases/iaea-and-kenya-sign-country-programme-framework-for-2025-2031", Org: "IAEA", Layout: "iaea", Body: "iaea-kenya", GUID: "tag:iaea.org,2025:pr-2025-41",
		Title: "IAEA and Kenya Sign Country Programme Framework for 2025–2031", Published: "2025-09-09T16:30:00+02:00", Lang: "en", Ref: "Press Release 41/2025",
		Summary: "IAEA Director General Rafael Mariano Grossi and Kenya's Cabinet Secretary for Energy and Petroleum signed a six-year framework for nuclear applications in health, agriculture and energy planning."},

	// Council of the EU.
	{ID: "consilium-water", Path: "/consilium/en/press/press-releases/2025/09/15/water-resilience-council-approves-conclusions/", Org: "Council of the EU", Layout: "consilium", Body: "consilium-water", GUID: "consilium-pr-2025-0915-water",
		Title: "Water resilience: Council approves conclusions", Published: "2025-09-15T10:30:00+02:00", Lang: "en", Ref: "685/25",
		Summary: "The Council today approved conclusions on the European water resilience strategy, calling for investment in leak reduction, reuse and drought preparedness."},

	// French ministry of foreign affairs (in French).
	{ID: "diplomatie-senegal", Path: "/diplomatie/fr/dossiers-pays/senegal/evenements/article/signature-d-un-accord-de-cooperation-culturelle-et-scientifique-avec-le-senegal-16-09-25", Org: "Ministère de l'Europe et des Affaires étrangères", Layout: "diplomatie", Body: "diplomatie-senegal",
		Title: "Signature d'un accord de coopération culturelle et scientifique avec le Sénégal (16.09.25)", Published: "2025-09-16T18:00:00+02:00", Lang: "fr",
		Summary: "Le ministre de l'Europe et des Affaires étrangères, Jean-Noël Barrot, et son homologue sénégalais ont signé à Paris un accord de coopération culturelle et scientifique."},

	// A university.
	{ID: "northfield-glaciers", Path: "/northfield/news/2025/09/meltwater-lakes-alps-survey", Org: "University of Northfield", Layout: "university", Body: "northfield-glaciers",
		Title: "Alpine meltwater lakes have doubled in area since 1990, survey finds", Published: "2025-09-17T09:00:00+01:00", Lang: "en", Author: "Press Office",
		Summary: "A survey led by the University of Northfield and ETH Zurich maps 1,300 glacial lakes across the Alps and finds that their total area has doubled since 1990."},

	// OSCE: only in the news sitemap.
	{ID: "osce-valtonen", Path: "/osce/chairpersonship/598123", Org: "OSCE", Layout: "osce", Body: "osce-valtonen",
		Title: "OSCE Chair-in-Office Valtonen concludes visit to Central Asia", Published: "2025-09-12T17:00:00+02:00", Lang: "en", Author: "Chairpersonship",
		Summary: "OSCE Chair-in-Office and Finnish Foreign Minister Elina Valtonen concluded a four-day visit to Kazakhstan, Uzbekistan and Tajikistan."},
	{ID: "osce-border", Path: "/osce/programme-office-in-dushanbe/598140", Org: "OSCE", Layout: "osce", Body: "osce-border",
		Title: "OSCE trains border officers from Tajikistan on risk analysis", Published: "2025-09-17T11:30:00+05:00", Lang: "en", Author: "Programme Office in Dushanbe",
		Summary: "The OSCE Programme Office in Dushanbe completed a two-week course on risk analysis for 24 officers of Tajikistan's Border Troops.",
		Related: []string{"osce-valtonen"}},
}

// Format is how a channel is written.
const (
	formatRSS     = "rss"
	formatAtom    = "atom"
	formatJSON    = "json"
	formatListing = "listing"
	formatSitemap = "sitemap"
)

// channel is one thing the demo subscribes to.
type channel struct {
	Feed
	Format      string
	Title       string
	Home        string // path of the publisher's home or news page
	Description string
	Lang        string
	Items       []string   // release IDs, newest first
	Pages       [][]string // listing: release IDs per page
}

var channels = []channel{
	{Feed: Feed{Path: "/nato/cps/rss/en/natohq/rssFeed.xml", Kind: "feed", Organization: "NATO", Licence: "full"},
		Format: formatRSS, Title: "NATO - Latest news", Home: "/nato/cps/en/natohq/news.htm", Lang: "en",
		Description: "Latest news from the North Atlantic Treaty Organization.",
		Items:       []string{"nato-237412", "nato-237390"}},
	{Feed: Feed{Path: "/mirage/feed/", Kind: "feed", Organization: "Mirage News", Country: "AU", Licence: "summary"},
		Format: formatRSS, Title: "Mirage News", Home: "/mirage/", Lang: "en-AU",
		Description: "Your Independent Source for Real-Time News",
		Items:       []string{"mirage-1531207", "mirage-1529944"}},
	{Feed: Feed{Path: "/un/feed/subscribe/en/news/all/rss.xml", Kind: "feed", Organization: "United Nations", Licence: "full"},
		Format: formatRSS, Title: "UN News - Global perspective Human stories", Home: "/un/en/", Lang: "en",
		Description: "News and press releases from the United Nations.",
		Items:       []string{"un-ga80", "un-sga2401"}},
	{Feed: Feed{Path: "/consilium/en/rss/pressreleases.xml", Kind: "feed", Organization: "Council of the EU", Licence: "full"},
		Format: formatRSS, Title: "Council of the EU - Press releases", Home: "/consilium/en/press/press-releases/", Lang: "en",
		Description: "Press releases of the Council of the European Union and the European Council.",
		Items:       []string{"consilium-water"}},
	{Feed: Feed{Path: "/ecb/rss/press.atom", Kind: "feed", Organization: "ECB", Licence: "full"},
		Format: formatAtom, Title: "European Central Bank - Press releases", Home: "/ecb/press/", Lang: "en",
		Items: []string{"ecb-mp250911"}},
	{Feed: Feed{Path: "/iaea/feeds/pressreleases.atom", Kind: "feed", Organization: "IAEA", Licence: "full"},
		Format: formatAtom, Title: "IAEA Press Releases", Home: "/iaea/newscenter/pressreleases", Lang: "en",
		Items: []string{"iaea-kenya"}},
	{Feed: Feed{Path: "/who/news/feed.json", Kind: "feed", Organization: "WHO", Licence: "full"},
		Format: formatJSON, Title: "WHO - News releases", Home: "/who/news", Lang: "en",
		Description: "News releases of the World Health Organization.",
		Items:       []string{"who-cholera"}},
	{Feed: Feed{Path: "/diplomatie/fr/actualites/feed.json", Kind: "feed", Organization: "Ministère de l'Europe et des Affaires étrangères", Country: "FR", Licence: "full"},
		Format: formatJSON, Title: "France Diplomatie - Actualités", Home: "/diplomatie/fr/", Lang: "fr",
		Description: "Les actualités du ministère de l'Europe et des Affaires étrangères.",
		Items:       []string{"diplomatie-senegal"}},
	{Feed: Feed{Path: "/northfield/news/feed.json", Kind: "feed", Organization: "University of Northfield", Country: "GB", Licence: "full"},
		Format: formatJSON, Title: "University of Northfield - News", Home: "/northfield/news/", Lang: "en",
		Items: []string{"northfield-glaciers"}},
	{Feed: Feed{Path: "/nato/cps/en/natohq/news.htm", Kind: "html", Organization: "NATO", Licence: "full",
		Item: "ul.event-list > li.event-list-item", Link: "a.event-title", Title: "a.event-title", Date: "span.event-date time", Next: `nav.pagination a[rel="next"]`},
		Format: formatListing, Title: "NATO - News", Home: "/nato/cps/en/natohq/news.htm", Lang: "en",
		Pages: [][]string{{"nato-237455", "nato-237412", "nato-237390"}, {"nato-230001", "nato-229876"}}},
	{Feed: Feed{Path: "/sitemap-news.xml", Kind: "sitemap", Organization: "OSCE", Licence: "full"},
		Format: formatSitemap, Title: "OSCE", Lang: "en",
		Items: []string{"osce-border", "osce-valtonen"}},
}
