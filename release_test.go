package communique

import (
	"reflect"
	"testing"
)

func TestIndexKeys(t *testing.T) {
	e := &Entities{
		People:        []Person{{Name: "Mark Rutte", Title: "Secretary General"}, {Name: " mark rutte "}},
		Organizations: []Organization{{Name: "NATO Mission Iraq", Acronym: "NMI"}, {Name: "United Nations"}},
		Places:        []Place{{Name: "Iraq", Kind: PlaceCountry, Country: "IQ"}, {Name: "Baghdad", Kind: PlaceCity, Country: "IQ"}, {Name: "France", Kind: PlaceCountry, Country: "FR"}},
		Countries:     []string{"IQ", "AU"},
		Regions:       []string{"Middle East"},
	}
	want := []EntityKey{
		{"person", "mark rutte"},
		{"org", "nato mission iraq"}, {"org", "nmi"}, {"org", "united nations"},
		{"country", "iq"}, {"country", "au"}, {"country", "fr"},
		{"region", "middle east"},
	}
	if got := e.IndexKeys(); !reflect.DeepEqual(got, want) {
		t.Errorf("IndexKeys =\n%v\nwant\n%v", got, want)
	}
	var none *Entities
	if none.IndexKeys() != nil {
		t.Error("nil entities have keys")
	}
}
