package enrich

import (
	"regexp"
	"slices"
	"sort"
	"sync"
	"testing"

	communique "github.com/communique-news/communique"
)

func enrich(t *testing.T, text string) *communique.Entities {
	t.Helper()
	return newEnricher(t).Enrich(Doc{Text: text, Lang: "en"})
}

func TestPeople(t *testing.T) {
	tests := []struct {
		name, text, originator string
		want                   []communique.Person
	}{
		{"apostrophe and particle", "Prime Minister Mohammed Shia' al-Sudani of Iraq met the press. Later, Prime Minister al-Sudani left.", "",
			[]communique.Person{{Name: "Mohammed Shia' al-Sudani", Title: "Prime Minister", Affiliation: "Iraq"}}},
		{"curly apostrophe", "Prime Minister Mohammed Shia’ al-Sudani of Iraq arrived.", "",
			[]communique.Person{{Name: "Mohammed Shia’ al-Sudani", Title: "Prime Minister", Affiliation: "Iraq"}}},
		{"von der Leyen", "European Commission President Ursula von der Leyen opened the summit. Von der Leyen said the talks went well, and von der Leyen left.", "",
			[]communique.Person{{Name: "Ursula von der Leyen", Title: "President", Affiliation: "European Commission"}}},
		{"organisation title takes the originator", "Secretary General Mark Rutte welcomed the decision. Rutte said it mattered.", "NATO",
			[]communique.Person{{Name: "Mark Rutte", Title: "Secretary General", Affiliation: "NATO"}}},
		{"affiliation written before", "NATO Secretary General Mark Rutte spoke.", "",
			[]communique.Person{{Name: "Mark Rutte", Title: "Secretary General", Affiliation: "NATO"}}},
		{"possessive country and comma", "He came with Iraq's Minister of Foreign Affairs, Fuad Hussein.", "",
			[]communique.Person{{Name: "Fuad Hussein", Title: "Minister of Foreign Affairs", Affiliation: "Iraq"}}},
		{"demonym", "The French Foreign Minister Jean-Noël Barrot arrived.", "",
			[]communique.Person{{Name: "Jean-Noël Barrot", Title: "Foreign Minister", Affiliation: "France"}}},
		{"titles alone are not people", "The Prime Minister met the Secretary General and the Special Representative.", "", nil},
		{"quoted", "\"We are ready,\" said Jane Doakes, director of the agency. Doakes added that more would come.", "",
			[]communique.Person{{Name: "Jane Doakes"}}},
		{"military rank and led by", "NATO Mission Iraq (NMI) is a mission. It is currently led by Major General Christophe Hintzy, from France.", "",
			[]communique.Person{{Name: "Christophe Hintzy", Title: "Major General", Affiliation: "NATO Mission Iraq"}}},
		{"a title made of role words is no one", "Jaimie Tilbrook, Chief Product Officer of data firm EncompaaS, said more.", "",
			[]communique.Person{{Name: "Jaimie Tilbrook"}}},
		{"General Assembly is no one", "The General Assembly adopted the resolution.", "", nil},
	}
	e := newEnricher(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.Enrich(Doc{Text: tt.text, Lang: "en", Originator: tt.originator}).People
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("people = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func findOrg(orgs []communique.Organization, name string) (communique.Organization, bool) {
	for _, o := range orgs {
		if o.Name == name || o.Acronym == name {
			return o, true
		}
	}
	return communique.Organization{}, false
}

func TestOrganizations(t *testing.T) {
	tests := []struct {
		name, text string
		want       []communique.Organization // each must be found, as given
		absent     []string
	}{
		{"defined acronym", "They met within NATO Mission Iraq (NMI). NMI advises.",
			[]communique.Organization{{Name: "NATO Mission Iraq", Acronym: "NMI"}}, nil},
		{"acronym defined after use", "The IVCC opened enrolment. The Venezuelan Institute for Culture and Cooperation (IVCC) teaches Spanish.",
			[]communique.Organization{{Name: "Venezuelan Institute for Culture and Cooperation", Acronym: "IVCC", Country: "VE"}}, []string{"Venezuelan Institute for Culture"}},
		{"known acronyms", "The IAEA and the WHO briefed the OSCE and the ECB.",
			[]communique.Organization{{Name: "International Atomic Energy Agency", Acronym: "IAEA"}, {Name: "World Health Organization", Acronym: "WHO"},
				{Name: "Organization for Security and Co-operation in Europe", Acronym: "OSCE"}, {Name: "European Central Bank", Acronym: "ECB"}}, nil},
		{"shouting is not an acronym", "WHO WE ARE\n\nWe sell shoes.", nil, []string{"WHO"}},
		{"ministry with its country", "Officials of the Iraqi Ministry of Interior and Germany's Federal Foreign Office met.",
			[]communique.Organization{{Name: "Ministry of Interior", Country: "IQ"}, {Name: "Federal Foreign Office", Country: "DE"}}, nil},
		{"two bodies joined by and", "It works with the United Nations and the European Union Advisory Mission.",
			[]communique.Organization{{Name: "United Nations", Acronym: "UN"}, {Name: "European Union Advisory Mission", Acronym: "EUAM"}},
			[]string{"United Nations and the European Union Advisory Mission"}},
		{"an acronym after and", "It was a June report by the University of Chicago Education Lab and MDRC, a research organization.",
			[]communique.Organization{{Name: "University of Chicago Education Lab"}, {Name: "MDRC"}}, []string{"University of Chicago Education Lab and MDRC"}},
		{"described companies", "Private equity firm Francisco Partners will buy Jamf. Riveron bought Eden Data, an Austin-based advisory firm. Dataminr's platform grew; Dataminr said so.",
			[]communique.Organization{{Name: "Francisco Partners"}, {Name: "Eden Data"}}, nil},
		{"a person after and", "It came from the American Federation of Teachers and Thomas Kennedy.",
			[]communique.Organization{{Name: "American Federation of Teachers", Country: "US"}}, []string{"American Federation of Teachers and Thomas Kennedy"}},
	}
	e := newEnricher(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.Enrich(Doc{Text: tt.text, Lang: "en"}).Organizations
			for _, w := range tt.want {
				o, ok := findOrg(got, w.Name)
				if !ok || o != w {
					t.Errorf("want %+v in %+v", w, got)
				}
			}
			for _, a := range tt.absent {
				if _, ok := findOrg(got, a); ok {
					t.Errorf("%q found in %+v", a, got)
				}
			}
		})
	}
}

func TestPlaces(t *testing.T) {
	tests := []struct {
		name, text string
		countries  []string
		cities     []communique.Place
		regions    []string // must be among Regions
		absent     []string // place names that must not be found
	}{
		{"names, demonyms, possessives", "Iraqi officials and Iraq's partners met in Baghdad.", []string{"IQ"},
			[]communique.Place{{Name: "Baghdad", Kind: communique.PlaceCity, Country: "IQ"}}, []string{"Western Asia"}, nil},
		{"Georgia the country", "Georgia and Armenia signed a transit deal in Tbilisi.", []string{"AM", "GE"},
			[]communique.Place{{Name: "Tbilisi", Kind: communique.PlaceCity, Country: "GE"}}, nil, nil},
		{"Georgia the US state", "She moved from southern California to Atlanta, Georgia.", []string{"US"},
			[]communique.Place{{Name: "Atlanta", Kind: communique.PlaceCity, Country: "US"}}, nil, []string{"Georgia"}},
		{"Washington the city", "At the NATO Summit in Washington in 2024, Allies agreed a plan.", []string{"US"},
			[]communique.Place{{Name: "Washington", Kind: communique.PlaceCity, Country: "US"}}, nil, nil},
		{"Washington, D.C. ends a sentence", "Efforts in Nashville, Tennessee, and Washington, D.C. New evidence came.", []string{"US"},
			[]communique.Place{{Name: "Nashville", Kind: communique.PlaceCity, Country: "US"}, {Name: "Washington", Kind: communique.PlaceCity, Country: "US"}}, nil, nil},
		{"Washington the government", "Washington said it would not attend; Moscow objected.", []string{"RU", "US"}, nil, nil, []string{"Washington", "Moscow"}},
		{"Washington in a longer name", "She studied at George Washington University and reads the Washington Post.", []string{}, nil, nil, []string{"Washington"}},
		{"company named after a city", "Paris Baguette opened 80 outlets; there are seven in Paris.", []string{"FR"},
			[]communique.Place{{Name: "Paris", Kind: communique.PlaceCity, Country: "FR"}}, nil, nil},
		{"groupings", "Engagement in the Middle East, North Africa and the Sahel and the Western Balkans grew.", []string{},
			nil, []string{"Middle East", "North Africa", "Sahel", "Western Balkans"}, nil},
		{"language, not country", "Learning Spanish opens doors; classes are taught in Spanish.", []string{}, nil, nil, []string{"Spain"}},
		{"a capital doing things is a city", "The South Korean capital Seoul is creating wind path forests.", []string{"KR"},
			[]communique.Place{{Name: "Seoul", Kind: communique.PlaceCity, Country: "KR"}}, nil, nil},
		{"common words are not cities", "Most people agree. Reading is central to Mission success.", []string{}, nil, nil, []string{"Most", "Reading", "Mission"}},
	}
	e := newEnricher(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.Enrich(Doc{Text: tt.text, Lang: "en"})
			if !slices.Equal(got.Countries, tt.countries) {
				t.Errorf("countries = %v, want %v", got.Countries, tt.countries)
			}
			var cities []communique.Place
			for _, p := range got.Places {
				if p.Kind == communique.PlaceCity {
					cities = append(cities, p)
				}
				if slices.Contains(tt.absent, p.Name) {
					t.Errorf("place %+v should not be found", p)
				}
			}
			if !slices.Equal(cities, tt.cities) {
				t.Errorf("cities = %+v, want %+v", cities, tt.cities)
			}
			for _, r := range tt.regions {
				if !slices.Contains(got.Regions, r) {
					t.Errorf("region %q not in %v", r, got.Regions)
				}
			}
			if !sort.StringsAreSorted(got.Countries) || !sort.StringsAreSorted(got.Regions) {
				t.Errorf("countries %v and regions %v must be sorted", got.Countries, got.Regions)
			}
		})
	}
}

func TestDates(t *testing.T) {
	tests := []struct {
		text string
		want []communique.DateMention
	}{
		{"He came on Monday (8 September 2025), together with them.", []communique.DateMention{{Text: "Monday (8 September 2025)", Date: "2025-09-08"}}},
		{"Il est arrivé le 8 septembre 2025 à Bruxelles.", []communique.DateMention{{Text: "8 septembre 2025", Date: "2025-09-08"}}},
		{"Am Montag, 8. September 2025 kam er.", []communique.DateMention{{Text: "Montag, 8. September 2025", Date: "2025-09-08"}}},
		{"Llegó el 8 de septiembre de 2025.", []communique.DateMention{{Text: "8 de septiembre de 2025", Date: "2025-09-08"}}},
		{"Published September 8, 2025 and updated 2025-09-10.", []communique.DateMention{{Text: "September 8, 2025", Date: "2025-09-08"}, {Text: "2025-09-10", Date: "2025-09-10"}}},
		{"It was set up in 2018 and reviewed in May 2024.", []communique.DateMention{{Text: "2018", Year: 2018}, {Text: "May 2024", Year: 2024}}},
		{"Runs until Tuesday, January, 6 2026.", []communique.DateMention{{Text: "Tuesday, January, 6 2026", Date: "2026-01-06"}}},
		{"No such day: 31 February 2025; call 1784 5348469; it cost $2024 for 2000 people.", []communique.DateMention{}},
		{"1er mai 2025", []communique.DateMention{{Text: "1er mai 2025", Date: "2025-05-01"}}},
	}
	for _, tt := range tests {
		got := findDates(tt.text)
		if !slices.Equal(got, tt.want) {
			t.Errorf("findDates(%q) = %+v, want %+v", tt.text, got, tt.want)
		}
	}
}

func TestLanguage(t *testing.T) {
	tests := map[string]string{
		"The Secretary General welcomed the Prime Minister to NATO Headquarters on Monday, and they discussed security.":         "en",
		"Le secrétaire général a accueilli le Premier ministre au siège de l'OTAN lundi, et ils ont discuté de sécurité.":        "fr",
		"Der Generalsekretär begrüßte den Ministerpräsidenten am Montag im NATO-Hauptquartier und sie sprachen über Sicherheit.": "de",
		"El secretario general recibió al primer ministro en la sede de la OTAN el lunes y hablaron de la seguridad regional.":   "es",
		"":   "",
		"ok": "",
	}
	for text, want := range tests {
		if got := Language(text); got != want {
			t.Errorf("Language(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestOtherLanguages(t *testing.T) {
	e := newEnricher(t)
	tests := []struct {
		lang, text string
		want       communique.Person
	}{
		{"fr", "Le président Emmanuel Macron a reçu le Premier ministre irakien Mohammed Shia' al-Sudani à Paris.", communique.Person{Name: "Mohammed Shia' al-Sudani", Title: "Premier ministre", Affiliation: "Iraq"}},
		{"es", "El presidente Pedro Sánchez viajó a Bruselas.", communique.Person{Name: "Pedro Sánchez", Title: "presidente"}},
		{"de", "Bundeskanzler Friedrich Merz reiste nach Paris.", communique.Person{Name: "Friedrich Merz", Title: "Bundeskanzler"}},
	}
	for _, tt := range tests {
		got := e.Enrich(Doc{Text: tt.text, Lang: tt.lang}).People
		if !slices.Contains(got, tt.want) {
			t.Errorf("%s: people = %+v, want %+v among them", tt.lang, got, tt.want)
		}
	}
}

func TestFrenchCountries(t *testing.T) {
	e := newEnricher(t)
	got := e.Enrich(Doc{Text: "Le ministre s'est rendu en Allemagne puis en Irak, le 8 septembre 2025.", Lang: "fr"})
	if !slices.Equal(got.Countries, []string{"DE", "IQ"}) {
		t.Errorf("countries = %v, want [DE IQ]", got.Countries)
	}
}

// TestConcurrent: one Enricher serves many goroutines (run with -race).
func TestConcurrent(t *testing.T) {
	e := newEnricher(t)
	d := seedDoc(t)
	want := e.Enrich(d)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got := e.Enrich(d)
			if len(got.People) != len(want.People) || !slices.Equal(got.Countries, want.Countries) {
				t.Errorf("concurrent result differs: %+v", got)
			}
		})
	}
	wg.Wait()
}

var isoDay = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func FuzzEnrich(f *testing.F) {
	d := seedDoc(f)
	f.Add(d.Title, d.Text)
	f.Add("", "Prime Minister al-Sudani of Iraq (PM) on 8. September 2025 in Washington, Georgia")
	f.Add("T", "A (B) ( ) (NATO) 'Shia' ’s 's -- U.S. D.C. 31.12.2025 2025-13-40")
	f.Add("", "\xff\xfe Secretary General , , of of the (\n")
	e, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, title, text string) {
		got := e.Enrich(Doc{Title: title, Text: text, Originator: "NATO"})
		if got == nil {
			t.Fatal("nil entities")
		}
		if !sort.StringsAreSorted(got.Countries) || !sort.StringsAreSorted(got.Regions) {
			t.Errorf("unsorted: %v %v", got.Countries, got.Regions)
		}
		for _, dm := range got.Dates {
			if dm.Date != "" && !isoDay.MatchString(dm.Date) || dm.Date == "" && dm.Year == 0 {
				t.Errorf("bad date %+v", dm)
			}
		}
		for _, p := range got.People {
			if p.Name == "" {
				t.Errorf("empty person %+v", p)
			}
		}
	})
}
