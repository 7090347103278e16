package dedup

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	communique "github.com/communique-news/communique"
)

var update = flag.Bool("update", false, "regenerate testdata/eval.jsonl.gz from ../../shared/corpus")

// evalDoc is one text of the evaluation set. Texts with the same Base are
// one release (duplicates of one another); all others are different.
type evalDoc struct {
	ID   string `json:"id"`
	Base string `json:"base"`
	Kind string `json:"kind"` // "original" or the transformation that made it
	Site string `json:"site,omitempty"`
	Text string `json:"text"`
}

const evalFile = "testdata/eval.jsonl.gz"

// TestGenerateEval builds the evaluation set from the WCXB development
// articles' ground-truth main content and the seed release. Run with
// -update; otherwise it checks that the committed set is there.
func TestGenerateEval(t *testing.T) {
	if !*update {
		if _, err := os.Stat(evalFile); err != nil {
			t.Fatalf("%s missing: run go test -run TestGenerateEval -update with ../../shared/corpus present", evalFile)
		}
		return
	}
	corpus := filepath.Join("..", "..", "shared", "corpus")
	files, _ := filepath.Glob(filepath.Join(corpus, "wcxb-dev-articles", "ground-truth", "*.json"))
	if len(files) == 0 {
		t.Skip("../../shared/corpus/wcxb-dev-articles is absent")
	}
	sort.Strings(files)
	type gt struct {
		URL         string `json:"url"`
		GroundTruth struct {
			Title       string `json:"title"`
			MainContent string `json:"main_content"`
		} `json:"ground_truth"`
	}
	type page struct{ id, host, url, title, text string }
	var pages []page
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var g gt
		if err := json.Unmarshal(b, &g); err != nil {
			t.Fatal(f, err)
		}
		u, _ := url.Parse(g.URL)
		pages = append(pages, page{strings.TrimSuffix(filepath.Base(f), ".json"), u.Hostname(), g.URL, g.GroundTruth.Title, strings.TrimSpace(g.GroundTruth.MainContent)})
	}
	words := func(s string) int { return len(strings.Fields(s)) }
	hosts := map[string]int{}
	for _, p := range pages {
		hosts[p.host]++
	}
	var docs []evalDoc
	var transformPages, bpPages []page
	sameHost := map[string][]page{}
	for _, p := range pages {
		n := words(p.text)
		switch {
		case hosts[p.host] > 1 && n >= 80:
			sameHost[p.host] = append(sameHost[p.host], p)
		case n >= 150 && n <= 1200 && len(transformPages) < 120:
			transformPages = append(transformPages, p)
		case n >= 100 && n <= 300 && len(bpPages) < 60:
			bpPages = append(bpPages, p)
		}
	}
	// Real pages of one site: different releases, except two spellings of
	// one URL (the set has one such pair), which are one page.
	for h, ps := range sameHost {
		if len(ps) < 2 {
			continue
		}
		for _, p := range ps {
			docs = append(docs, evalDoc{ID: p.id, Base: communique.CanonicalURL(p.url), Kind: "original", Site: h, Text: capWords(p.text, 1500)})
		}
	}
	// The seed: the originator's text and the republisher's copy.
	seed, err := os.ReadFile(filepath.Join(corpus, "seed", "nato-iraq-2025-09-08.mirage.txt"))
	if err != nil {
		t.Fatal(err)
	}
	mirage := strings.TrimSpace(string(seed))
	lines := strings.SplitN(mirage, "\n\n", 3)
	natoBody := lines[2][:strings.Index(lines[2], "/Public Release.")]
	docs = append(docs,
		evalDoc{ID: "seed-nato", Base: "seed", Kind: "original", Site: "nato.int", Text: strings.TrimSpace(natoBody)},
		evalDoc{ID: "seed-mirage", Base: "seed", Kind: "wrapper", Site: "miragenews.com", Text: mirage})
	// Transformed copies of real pages.
	for i, p := range transformPages {
		r := rand.New(rand.NewPCG(uint64(i), 6))
		body := p.text
		title := p.title
		if title == "" {
			title = firstWords(body, 8)
		}
		org := siteOrg(p.host)
		docs = append(docs, evalDoc{ID: p.id, Base: p.id, Kind: "original", Site: p.host, Text: title + "\n\n" + body})
		for _, k := range transformKinds {
			docs = append(docs, evalDoc{ID: p.id + "-" + k, Base: p.id, Kind: k, Site: "copy.example", Text: transform(k, title, body, org, r)})
		}
	}
	// Different releases of one site sharing boilerplate, and a
	// republisher's copy of each without it.
	for i, p := range bpPages {
		g := i % len(boilerplates)
		site := boilerplates[g].site
		text := p.text + "\n\n" + boilerplates[g].text
		docs = append(docs, evalDoc{ID: p.id, Base: p.id, Kind: "original", Site: site, Text: text})
		r := rand.New(rand.NewPCG(uint64(i), 7))
		docs = append(docs, evalDoc{ID: p.id + "-repub", Base: p.id, Kind: "wrapper", Site: "copy.example", Text: transform("wrapper", firstWords(p.text, 8), p.text, boilerplates[g].org, r)})
	}
	// Recurring statements from one template: different releases that
	// differ in their dates and figures and a sentence or two, with a
	// republisher's copy of every third.
	for ti, tpl := range statementTemplates {
		for k := range 12 {
			r := rand.New(rand.NewPCG(uint64(ti), uint64(k)))
			text := fillStatement(tpl.text, k, r)
			id := fmt.Sprintf("stmt%d-%02d", ti, k)
			docs = append(docs, evalDoc{ID: id, Base: id, Kind: "original", Site: tpl.site, Text: text})
			if k%3 == 0 {
				docs = append(docs, evalDoc{ID: id + "-repub", Base: id, Kind: "wrapper", Site: "copy.example", Text: wrap(firstWords(text, 8), text, tpl.org, r)})
			}
		}
	}
	f, err := os.Create(evalFile)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	enc := json.NewEncoder(zw)
	for _, d := range docs {
		if err := enc.Encode(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d texts to %s", len(docs), evalFile)
}

func readEval(t testing.TB) []evalDoc {
	f, err := os.Open(evalFile)
	if err != nil {
		t.Fatalf("%v (regenerate with go test -run TestGenerateEval -update)", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var docs []evalDoc
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		var d evalDoc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return docs
}

var transformKinds = []string{"wrapper", "footer", "truncate", "headline", "paragraph-cut", "typography", "whitespace", "combined"}

// transform makes a republished or re-fetched version of title+body.
func transform(kind, title, body, org string, r *rand.Rand) string {
	switch kind {
	case "wrapper":
		return wrap(title, body, org, r)
	case "footer":
		// The original page's contact footer, which the copy lacks, or
		// the other way round.
		return title + "\n\n" + body + "\n\n" + fmt.Sprintf(contactFooters[r.IntN(len(contactFooters))], org)
	case "truncate":
		// A republisher's cut: the first 70 to 90 per cent, at a sentence end.
		w := strings.Fields(body)
		keep := len(w) * (70 + r.IntN(21)) / 100
		cut := strings.Join(w[:keep], " ")
		if j := strings.LastIndexAny(cut, ".!?"); j > len(cut)/2 {
			cut = cut[:j+1]
		}
		return title + "\n\n" + cut
	case "headline":
		switch r.IntN(3) {
		case 0:
			title = strings.ToUpper(title)
		case 1:
			title = titleCase(title)
		default:
			title = strings.ToLower(title)
		}
		return title + "\n\n" + body
	case "paragraph-cut":
		return title + "\n\n" + cutParagraph(body, r)
	case "typography":
		return typographic(title + "\n\n" + body)
	case "whitespace":
		s := strings.ReplaceAll(title+"\n\n"+body, "\n\n", "\r\n \r\n")
		s = strings.ReplaceAll(s, ". ", ".  ")
		return "  " + strings.ReplaceAll(s, ", ", ",\n") + "\n\n"
	case "combined":
		return wrap(strings.ToUpper(title), typographic(cutParagraph(body, r)), org, r)
	}
	panic("unknown transformation " + kind)
}

func wrap(title, body, org string, r *rand.Rand) string {
	switch r.IntN(3) {
	case 0: // Mirage News
		return title + "\n\n" + org + "\n\n" + body + "\n\n/Public Release. This material from the originating organization/author(s) might be of the point-in-time nature, and edited for clarity, style and length. Mirage.News does not take institutional positions or sides, and all views, positions, and conclusions expressed herein are solely those of the author(s).View in full here."
	case 1:
		return "Press release from " + org + "\n\n" + title + "\n\n" + body + "\n\nThis content was originally published on the " + org + " website. Share this: Facebook, X, LinkedIn, Email. Related releases: more from " + org + " on our newswire."
	}
	return title + "\n\nBy " + org + " | Republished with permission\n\n" + body + "\n\nSource: " + org + ". Views expressed are the author's own. Subscribe to our daily digest of official releases."
}

func cutParagraph(body string, r *rand.Rand) string {
	ps := paragraphs(body)
	total := len(strings.Fields(body))
	var cand []int
	for i, p := range ps {
		if i > 0 && len(strings.Fields(p))*5 <= total {
			cand = append(cand, i)
		}
	}
	if len(cand) > 0 {
		i := cand[r.IntN(len(cand))]
		return strings.Join(append(ps[:i:i], ps[i+1:]...), "\n\n")
	}
	// One long paragraph: cut a sentence.
	ss := sentenceEnd.Split(body, -1)
	if len(ss) > 2 {
		i := 1 + r.IntN(len(ss)-2)
		return strings.Join(append(ss[:i:i], ss[i+1:]...), ". ")
	}
	return body
}

var sentenceEnd = regexp.MustCompile(`\. `)

func typographic(s string) string {
	var b strings.Builder
	open := true
	for i, c := range s {
		switch c {
		case '"':
			if open {
				b.WriteString("\u201c")
			} else {
				b.WriteString("\u201d")
			}
			open = !open
		case '\'':
			b.WriteString("\u2019")
		case ' ':
			if i%7 == 0 {
				b.WriteString("\u00a0")
			} else {
				b.WriteRune(c)
			}
		default:
			b.WriteRune(c)
		}
	}
	return strings.NewReplacer(" - ", " \u2014 ", "...", "\u2026", "--", "\u2013").Replace(b.String())
}

func titleCase(s string) string {
	w := strings.Fields(strings.ToLower(s))
	for i, x := range w {
		r := []rune(x)
		w[i] = strings.ToUpper(string(r[:1])) + string(r[1:])
	}
	return strings.Join(w, " ")
}

func firstWords(s string, n int) string {
	w := strings.Fields(s)
	return strings.Join(w[:min(n, len(w))], " ")
}

func capWords(s string, n int) string {
	w := strings.Fields(s)
	if len(w) <= n {
		return s
	}
	return strings.Join(w[:n], " ")
}

func siteOrg(host string) string {
	h := strings.TrimPrefix(host, "www.")
	if i := strings.IndexByte(h, '.'); i > 0 {
		h = h[:i]
	}
	return strings.ToUpper(h[:1]) + h[1:]
}

var contactFooters = []string{
	"Media contact: press office, %s. Email press@example.org, telephone +32 2 707 50 41. Journalists can follow us for updates and register for briefings.",
	"For more information please contact the %s communications team on +44 20 7946 0000 or write to media@example.org.\n\nNotes to editors: high-resolution photographs are available on request.",
}

// boilerplates are the shared blocks of synthetic sources: an "About"
// paragraph and a contact block, as press offices append them, and one with
// a disclaimer and a social block that no footer heading announces.
var boilerplates = []struct{ site, org, text string }{
	{"nato.example", "NATO", "About NATO\n\nNATO is a political and military alliance of 32 member countries from Europe and North America. Its essential purpose is to guarantee the freedom and security of its members through political and military means. NATO promotes democratic values and enables members to consult and cooperate on defence and security-related issues to solve problems, build trust and, in the long run, prevent conflict.\n\nMedia contact: NATO Press and Media Section, Boulevard Léopold III, 1110 Brussels, Belgium. Telephone +32 2 707 50 41. Email moc@hq.nato.int."},
	{"ministry.example", "Ministry of Foreign Affairs", "The Ministry of Foreign Affairs is responsible for the country's relations with foreign states and international organisations, for the protection of citizens abroad and for the promotion of trade, culture and development cooperation. It runs a network of more than one hundred embassies, consulates and permanent missions.\n\nFollow the Ministry on X, Facebook, Instagram and LinkedIn for the latest news, travel advice and statements by the Minister and the State Secretaries.\n\nThe information in this press release is correct at the time of publication. Journalists with questions may call the press office at any time of day on +31 70 348 6486."},
	{"centralbank.example", "Central Bank", "About the Central Bank\n\nThe Central Bank is the country's independent monetary authority. Its mandate is to maintain price stability, to promote a safe and sound financial system and to issue the national currency. Monetary policy decisions are taken by the Monetary Policy Committee, which meets eight times a year and publishes its statement and minutes on the Bank's website.\n\nFor further information: Communications Department, telephone +61 2 9551 9720, media@centralbank.example. Subscribe to our email alerts to receive releases as they are published."},
	{"agency.example", "UN Agency", "The agency works in more than 170 countries and territories to reach the most disadvantaged children and adolescents and to protect the rights of every child, everywhere. Across 190 countries and territories, we do whatever it takes to help children survive, thrive and fulfil their potential, from early childhood through adolescence.\n\nFor more information about the agency and its work, visit our website. Follow us on X, Facebook, Instagram and YouTube.\n\nNotes for editors: photographs and broadcast-quality video are available for download from the multimedia library. Contact the press office in Geneva on +41 22 909 5716."},
	{"university.example", "University", "About the University\n\nFounded in 1868, the University is one of the world's leading research universities, with more than 40,000 students and 20,000 staff on ten campuses. Its researchers have won 35 Nobel prizes, and its teaching hospitals serve a population of three million people. The University is committed to diversity, to open science and to the public good.\n\nMedia contact: News Office, +1 530 752 9841, news@university.example."},
	{"company.example", "Acme Corporation", "Forward-looking statements: this release contains forward-looking statements about the company's expectations, plans and prospects, which are subject to risks and uncertainties that could cause actual results to differ materially. The company undertakes no obligation to update these statements except as required by law.\n\nAcme Corporation designs, manufactures and services industrial equipment for customers in more than 90 countries, with annual revenue of 12 billion dollars and 45,000 employees. Its shares are listed on the New York Stock Exchange.\n\nInvestor relations: +1 212 555 0100. Press: press@acme.example."},
}

// statementTemplates are recurring releases whose text is mostly the same
// from one issue to the next: {month}, {day}, {year}, {n1}.. are filled per
// issue, {s1}.. pick one of the alternatives separated by "|".
var statementTemplates = []struct{ site, org, text string }{
	{"centralbank.example", "Central Bank", `Monetary Policy Decision

At its meeting on {day} {month} {year}, the Monetary Policy Committee decided to {s1} the policy rate at {r1} per cent. The decision was taken by a vote of {v1} to {v2}.

Inflation was {r2} per cent over the year to {month}, {s2} The Committee's central forecast is for inflation to return to the target of 2 per cent in {y2}, as the effects of past increases in energy prices fade.

Growth in the domestic economy has been {s3} in recent months. Output rose by {r3} per cent in the latest quarter, and the unemployment rate was {r4} per cent. Wages grew by {r5} per cent over the year.

The Committee remains attentive to the risks to the outlook, including those from developments in the global economy and in financial markets. It will continue to set policy to bring inflation back to target in a timely way while supporting employment.

The minutes of the meeting will be published on {day2} {month} {year}. The next meeting of the Committee will take place on {day3} {month2} {year}.`},
	{"ocha.example", "UN Office for the Coordination of Humanitarian Affairs", `Humanitarian Situation Update No. {n1}

Since the last update on {day} {month} {year}, humanitarian partners have reached {n2},000 people with food assistance and {n3},000 people with safe drinking water in the affected districts. {s1}

An estimated {n4},000 people remain displaced, of whom about {r1} per cent are women and children. Access to the northern districts {s2}, and {n5} convoys reached them during the reporting period.

Health partners reported {n6} new cases of acute watery diarrhoea, and vaccination campaigns reached {n7},000 children under five. Shelter partners distributed {n8},000 emergency kits.

The humanitarian response plan, which seeks {n9} million dollars, is {r2} per cent funded. Partners call on donors to fund the response urgently to avoid a break in assistance before the rainy season.

The next update will be issued on {day2} {month2} {year}.`},
}

var statementChoices = map[string][]string{
	"s1": {"keep", "raise", "lower"},
	"s2": {"down from the previous month.", "unchanged from the previous month.", "up from the previous month, mainly because of food prices.", "the lowest rate in three years."},
	"s3": {"modest", "stronger than expected", "weak", "broadly stable"},
}

var months = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

func fillStatement(tpl string, k int, r *rand.Rand) string {
	ocha := map[string][]string{
		"s1": {"Distributions were delayed for two days by flooding on the main supply route.", "A new distribution point opened in the eastern district.", "Partners scaled up cash assistance in urban areas.", "Insecurity forced the suspension of mobile clinics in one district."},
		"s2": {"remains restricted", "improved during the week", "was interrupted by heavy rains", "remains possible only by air"},
	}
	choices := statementChoices
	if strings.Contains(tpl, "Humanitarian") {
		choices = ocha
	}
	repl := []string{
		"{month}", months[k], "{month2}", months[(k+1)%12], "{year}", "2025", "{y2}", fmt.Sprint(2026 + r.IntN(2)),
		"{day}", fmt.Sprint(1 + r.IntN(27)), "{day2}", fmt.Sprint(1 + r.IntN(27)), "{day3}", fmt.Sprint(1 + r.IntN(27)),
		"{v1}", fmt.Sprint(5 + r.IntN(3)), "{v2}", fmt.Sprint(1 + r.IntN(3)),
		"{n1}", fmt.Sprint(10 + k),
	}
	for i := 1; i <= 5; i++ {
		repl = append(repl, fmt.Sprintf("{r%d}", i), fmt.Sprintf("%d.%d", 1+r.IntN(9), r.IntN(10)))
	}
	for i := 2; i <= 9; i++ {
		repl = append(repl, fmt.Sprintf("{n%d}", i), fmt.Sprint(10+r.IntN(890)))
	}
	for k, alts := range choices {
		repl = append(repl, "{"+k+"}", alts[r.IntN(len(alts))])
	}
	return strings.NewReplacer(repl...).Replace(tpl)
}
