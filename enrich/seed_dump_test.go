package enrich

import (
	"encoding/json"
	"os"
	"testing"
)

func TestDump(t *testing.T) {
	p := os.Getenv("ENRICH_DUMP")
	if p == "" {
		t.Skip("set ENRICH_DUMP")
	}
	b, _ := os.ReadFile(p)
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	ents := e.Enrich(Doc{Text: string(b), Originator: os.Getenv("ENRICH_ORIG")})
	out, _ := json.MarshalIndent(ents, "", " ")
	t.Log(string(out))
}
