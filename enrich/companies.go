package enrich

import "strings"

// orgNouns are lower-case nouns that say what an organisation is: "threat
// intelligence firm ThreatConnect", "Eden Data, an Austin-based advisory
// firm".
var orgNouns = map[string]bool{
	"firm": true, "company": true, "startup": true, "start-up": true, "provider": true, "maker": true,
	"manufacturer": true, "retailer": true, "chain": true, "brand": true, "publisher": true, "newspaper": true,
	"broadcaster": true, "charity": true, "nonprofit": true, "non-profit": true, "consultancy": true,
	"conglomerate": true, "developer": true, "operator": true, "carrier": true, "insurer": true, "lender": true,
	"bank": true, "group": true, "platform": true, "organization": true, "organisation": true, "agency": true,
	"coalition": true, "network": true, "institute": true, "think-tank": true, "supplier": true, "vendor": true,
	"automaker": true, "airline": true, "drugmaker": true, "utility": true, "regulator": true,
}

// capRun returns the end of a run of capitalised words starting at i that is
// no other kind of name (at most 4 words), or i.
func (a *analysis) capRun(i int) int {
	j := i
	for j < len(a.toks) && j-i < 4 {
		t := a.toks[j]
		if !t.word || !t.cap || stopCaps[t.key] && j == i {
			break
		}
		if s := a.spanOf(j); s != nil && s.kind != kCity {
			break
		}
		j++
	}
	return j
}

// describedOrgs finds organisations by what the text says they are: a noun
// before the name ("private equity firm Francisco Partners", "spyware maker
// NSO Group") or an apposition after it ("Eden Data, an Austin-based
// advisory firm").
func (a *analysis) describedOrgs() {
	for i := 0; i+1 < len(a.toks); i++ {
		t := a.toks[i]
		if !t.word || t.cap || !orgNouns[t.key] {
			continue
		}
		// Noun before the name.
		if j := a.capRun(i + 1); j > i+1 && !(j < len(a.toks) && a.toks[j].word && a.toks[j].cap) {
			a.describe(i+1, j)
		}
		// Apposition: "NAME, a/an/the [words] NOUN".
		k := i - 1
		for k > 0 && i-k < 6 && (a.toks[k].word && !a.toks[k].cap || a.toks[k].s == "-" || a.spanOf(k) != nil && a.spanOf(k).kind == kCity) {
			k--
		}
		if k <= 1 || a.toks[k].word && !a.toks[k].cap {
			continue
		}
		// k is now on the article's left: expect "a"/"an"/"the" after ","
		art := k + 1
		for art < i && a.toks[art].word && !isArticle(a.toks[art].key) {
			art++
		}
		if art >= i || a.toks[art-1].s != "," {
			continue
		}
		end := art - 1
		st := end
		for st > 0 && a.toks[st-1].word && a.toks[st-1].cap && end-st < 4 {
			if s := a.spanOf(st - 1); s != nil && s.kind != kCity {
				break
			}
			st--
		}
		if st < end && !(st > 0 && a.toks[st-1].word && a.toks[st-1].cap) {
			a.describe(st, end)
		}
	}
}

func isArticle(s string) bool { return s == "a" || s == "an" || s == "the" }

func (a *analysis) describe(i, j int) {
	// Trim sentence-initial function words and a trailing possessive.
	for i < j && stopCaps[a.toks[i].key] {
		i++
	}
	if i >= j {
		return
	}
	name := strings.TrimRight(a.text[a.toks[i].start:a.toks[j-1].end], "'’")
	o := a.newOrg(name, "", "")
	a.setSpan(span{i: i, j: j, kind: kOrg, ref: o})
	// Its other mentions ("Dataminr's data signals platform") are the
	// same organisation.
	for k := 0; k+(j-i) <= len(a.toks); k++ {
		if k == i || a.at[k] >= 0 {
			continue
		}
		same := true
		for m := 0; m < j-i; m++ {
			if a.toks[k+m].key != a.toks[i+m].key || a.at[k+m] >= 0 {
				same = false
				break
			}
		}
		if same && !(k > 0 && a.toks[k-1].word && a.toks[k-1].cap) && !(k+(j-i) < len(a.toks) && a.toks[k+(j-i)].word && a.toks[k+(j-i)].cap) {
			a.setSpan(span{i: k, j: k + (j - i), kind: kOrg, ref: o})
		}
	}
}
