package extract

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	trafilatura "github.com/markusmobius/go-trafilatura"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/internal/spaces"
)

// Page is one page of an evaluation dataset with its ground truth.
type Page struct {
	ID   string
	URL  string
	HTML []byte // decompressed

	Title  string
	Author string
	Date   string // YYYY-MM-DD, YYYY-MM or "" when the page states none
	Body   string
}

// LoadDataset reads a WCXB-style dataset: DIR/html/ID.html.gz (or .html)
// and DIR/ground-truth/ID.json, whose "url" and "ground_truth" object
// (title, author, publish_date, main_content) are used. Pages are returned
// sorted by ID.
func LoadDataset(dir string) ([]Page, error) {
	files, err := filepath.Glob(filepath.Join(dir, "ground-truth", "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, communique.Errorf(communique.EINVALID, "no ground truth in %s (want %s)", dir, filepath.Join(dir, "ground-truth", "ID.json"))
	}
	sort.Strings(files)
	pages := make([]Page, 0, len(files))
	for _, f := range files {
		id := strings.TrimSuffix(filepath.Base(f), ".json")
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var gt struct {
			URL         string `json:"url"`
			GroundTruth struct {
				Title       string  `json:"title"`
				Author      *string `json:"author"`
				PublishDate *string `json:"publish_date"`
				MainContent *string `json:"main_content"`
			} `json:"ground_truth"`
		}
		if err := json.Unmarshal(raw, &gt); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		body, err := ReadPage(filepath.Join(dir, "html", id+".html.gz"))
		if os.IsNotExist(err) {
			body, err = ReadPage(filepath.Join(dir, "html", id+".html"))
		}
		if err != nil {
			return nil, err
		}
		p := Page{ID: id, URL: gt.URL, HTML: body, Title: gt.GroundTruth.Title}
		if gt.GroundTruth.Author != nil {
			p.Author = *gt.GroundTruth.Author
		}
		if gt.GroundTruth.PublishDate != nil {
			p.Date = strings.TrimSpace(*gt.GroundTruth.PublishDate)
		}
		if gt.GroundTruth.MainContent != nil {
			p.Body = *gt.GroundTruth.MainContent
		}
		pages = append(pages, p)
	}
	return pages, nil
}

// ReadPage reads an HTML file, decompressing it when its name ends in .gz.
func ReadPage(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		defer zr.Close()
		r = zr
	}
	return io.ReadAll(r)
}

// Extractor is what an evaluation runs on each page.
type Extractor func(body []byte, pageURL string) (*communique.Article, error)

// Ours is Extract with opts, as an Extractor.
func Ours(opts Options) Extractor {
	return func(body []byte, pageURL string) (*communique.Article, error) {
		return Extract(body, pageURL, opts)
	}
}

// Plain is go-trafilatura with its default options and no fallback
// extractors: the baseline. Its body is trafilatura's ContentText, its
// title and date its metadata.
func Plain(body []byte, pageURL string) (*communique.Article, error) {
	res, err := trafilatura.Extract(bytes.NewReader(body), trafilatura.Options{OriginalURL: parseURL(pageURL)})
	if err != nil {
		return nil, err
	}
	return &communique.Article{
		URL:       pageURL,
		Title:     res.Metadata.Title,
		Author:    res.Metadata.Author,
		Published: res.Metadata.Date,
		Language:  res.Metadata.Language,
		Text:      res.ContentText,
	}, nil
}

// PageScore is how one extractor did on one page.
type PageScore struct {
	ID        string  `json:"id"`
	F1        float64 `json:"f1"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	TitleOK   bool    `json:"title_ok"`
	DateOK    bool    `json:"date_ok"`
	HasDate   bool    `json:"has_date"` // the ground truth states a date
	Title     string  `json:"title"`
	Date      string  `json:"date"`
	Err       string  `json:"error,omitempty"`
}

// Score is the mean result of one extractor over a dataset.
type Score struct {
	Name       string  `json:"name"`
	Pages      int     `json:"pages"`
	Errors     int     `json:"errors"`
	F1         float64 `json:"f1"`
	Precision  float64 `json:"precision"`
	Recall     float64 `json:"recall"`
	TitleExact float64 `json:"title_exact"`
	// DateExact is over the pages whose ground truth states a date
	// (DatePages of them); DateNoneOK is the share of the other pages
	// for which no date was found either.
	DateExact  float64 `json:"date_exact"`
	DatePages  int     `json:"date_pages"`
	DateNoneOK float64 `json:"date_none_ok"`
	// DateEither is DateExact counting the modification date as a match
	// too: the dataset's annotators took the date a page shows, which is
	// on some pages its "updated" date.
	DateEither  float64       `json:"date_either"`
	Seconds     float64       `json:"seconds"`
	PagesPerSec float64       `json:"pages_per_sec"`
	Workers     int           `json:"workers"`
	PerPage     []PageScore   `json:"-"`
	Elapsed     time.Duration `json:"-"`
}

// Named is an extractor with the name it is reported under.
type Named struct {
	Name string
	Ex   Extractor
}

// Evaluate runs ex over pages on workers goroutines (0: all cores) and
// scores it. Its speed is pages over the wall time of the extraction alone.
func Evaluate(ctx context.Context, name string, pages []Page, ex Extractor, workers int) Score {
	return EvaluateAll(ctx, pages, workers, Named{name, ex})[0]
}

// EvaluateAll scores several extractors in one run. Each worker runs every
// extractor on a page before taking the next (alternating which goes
// first), and each call is timed, so that on a shared machine the load
// falls on all of them alike. An extractor's speed is pages over its
// summed call time divided by the workers.
func EvaluateAll(ctx context.Context, pages []Page, workers int, exs ...Named) []Score {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	arts := make([][]*communique.Article, len(exs))
	errs := make([][]error, len(exs))
	for k := range exs {
		arts[k] = make([]*communique.Article, len(pages))
		errs[k] = make([]error, len(pages))
	}
	spent := make([][]time.Duration, workers)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		spent[w] = make([]time.Duration, len(exs))
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := range next {
				for j := range exs {
					k := (i + j) % len(exs)
					start := time.Now()
					arts[k][i], errs[k][i] = exs[k].Ex(pages[i].HTML, pages[i].URL)
					spent[w][k] += time.Since(start)
				}
			}
		}(w)
	}
feed:
	for i := range pages {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	scores := make([]Score, len(exs))
	for k, ex := range exs {
		var total time.Duration
		for w := range spent {
			total += spent[w][k]
		}
		scores[k] = score(ex.Name, pages, arts[k], errs[k], workers, total/time.Duration(workers))
	}
	return scores
}

func score(name string, pages []Page, arts []*communique.Article, errs []error, workers int, elapsed time.Duration) Score {
	per := make([]PageScore, len(pages))
	s := Score{Name: name, Pages: len(pages), Workers: workers, Elapsed: elapsed, Seconds: elapsed.Seconds()}
	var titles, dates, either, nodatePages, nodateOK int
	for i, p := range pages {
		ps := PageScore{ID: p.ID, HasDate: p.Date != ""}
		a := arts[i]
		if errs[i] != nil || a == nil {
			s.Errors++
			if errs[i] != nil {
				ps.Err = errs[i].Error()
			}
			a = &communique.Article{}
		}
		ps.Precision, ps.Recall, ps.F1 = WordF1(a.Text, p.Body)
		ps.Title = a.Title
		ps.TitleOK = TitleMatch(a.Title, p.Title)
		if !a.Published.IsZero() {
			ps.Date = a.Published.Format("2006-01-02")
		}
		if p.Date != "" {
			ps.DateOK = ps.Date != "" && strings.HasPrefix(ps.Date, p.Date)
			if ps.DateOK {
				dates++
				either++
			} else if !a.Modified.IsZero() && strings.HasPrefix(a.Modified.Format("2006-01-02"), p.Date) {
				either++
			}
			s.DatePages++
		} else {
			nodatePages++
			if ps.Date == "" {
				nodateOK++
			}
		}
		if ps.TitleOK {
			titles++
		}
		s.F1 += ps.F1
		s.Precision += ps.Precision
		s.Recall += ps.Recall
		per[i] = ps
	}
	if n := float64(len(pages)); n > 0 {
		s.F1 /= n
		s.Precision /= n
		s.Recall /= n
		s.TitleExact = float64(titles) / n
		s.PagesPerSec = n / elapsed.Seconds()
	}
	if s.DatePages > 0 {
		s.DateExact = float64(dates) / float64(s.DatePages)
		s.DateEither = float64(either) / float64(s.DatePages)
	}
	if nodatePages > 0 {
		s.DateNoneOK = float64(nodateOK) / float64(nodatePages)
	}
	s.PerPage = per
	return s
}

// Tokens returns the WCXB tokens of s: the runs of word characters
// (Unicode letters, digits, marks and the underscore, as Python's \w),
// lower-cased.
func Tokens(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, strings.ToLower(s[start:i]))
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, strings.ToLower(s[start:]))
	}
	return out
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Nd, r)
}

// WordF1 is the WCXB body metric: precision, recall and F1 of the
// multiset of Tokens of got against those of want. Two empty texts score 1.
func WordF1(got, want string) (precision, recall, f1 float64) {
	g, w := Tokens(got), Tokens(want)
	if len(g) == 0 && len(w) == 0 {
		return 1, 1, 1
	}
	if len(g) == 0 || len(w) == 0 {
		return 0, 0, 0
	}
	counts := make(map[string]int, len(w))
	for _, t := range w {
		counts[t]++
	}
	common := 0
	for _, t := range g {
		if counts[t] > 0 {
			counts[t]--
			common++
		}
	}
	if common == 0 {
		return 0, 0, 0
	}
	precision = float64(common) / float64(len(g))
	recall = float64(common) / float64(len(w))
	return precision, recall, 2 * precision * recall / (precision + recall)
}

// TitleMatch reports whether two titles are the same once entities are
// decoded, white space collapsed and typographic quotes, apostrophes and
// dashes folded to their ASCII forms. Case matters.
func TitleMatch(got, want string) bool {
	return normTitle(got) == normTitle(want)
}

var titleFolder = strings.NewReplacer(
	"\u2018", "'", "\u2019", "'", "\u201a", "'", "\u201b", "'", "\u2032", "'",
	"\u201c", `"`, "\u201d", `"`, "\u201e", `"`, "\u00ab", `"`, "\u00bb", `"`,
	"\u2010", "-", "\u2011", "-", "\u2012", "-", "\u2013", "-", "\u2014", "-", "\u2212", "-",
	"\u00a0", " ", "\u2026", "...",
)

func normTitle(s string) string {
	s = titleFolder.Replace(html.UnescapeString(s))
	return spaces.Collapse(s)
}
