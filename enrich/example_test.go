package enrich_test

import (
	"fmt"

	"github.com/communique-news/communique/enrich"
)

func ExampleEnricher_Enrich() {
	e, err := enrich.New() // once per process; safe for concurrent use
	if err != nil {
		panic(err)
	}
	ents := e.Enrich(enrich.Doc{
		Title:      "NATO Chief Welcomes Iraqi Prime Minister",
		Text:       "Secretary General Mark Rutte welcomed Prime Minister Mohammed Shia' al-Sudani of Iraq to NATO Headquarters, on Monday (8 September 2025). Rutte thanked al-Sudani.",
		Lang:       "en",
		Originator: "NATO",
	})
	for _, p := range ents.People {
		fmt.Printf("%s | %s | %s\n", p.Name, p.Title, p.Affiliation)
	}
	fmt.Println(ents.Countries, ents.Dates[0].Date)
	// Output:
	// Mark Rutte | Secretary General | NATO
	// Mohammed Shia' al-Sudani | Prime Minister | Iraq
	// [IQ] 2025-09-08
}
