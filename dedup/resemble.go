package dedup

// Resemblance measures how much of two texts is the same, over the word
// shingles of their bodies (boilerplate and footers left out).
type Resemblance struct {
	A, B   int // number of distinct shingles in each text
	Shared int // shingles in both
}

// Jaccard is Shared over the union.
func (r Resemblance) Jaccard() float64 {
	u := r.A + r.B - r.Shared
	if u == 0 {
		return 0
	}
	return float64(r.Shared) / float64(u)
}

// Containment is Shared over the smaller text: 1 when one text is a cut of
// the other.
func (r Resemblance) Containment() float64 {
	m := min(r.A, r.B)
	if m == 0 {
		return 0
	}
	return float64(r.Shared) / float64(m)
}

// Thresholds of Duplicate, chosen on the evaluation set (see eval_test.go):
// copies with a wrapper, a cut paragraph or a truncated tail keep
// containment above 0.9 and resemblance above 0.5; different releases of one
// source that share boilerplate stay below 0.2 and 0.1 once it is left out.
const (
	MinContainment = 0.7
	MinJaccard     = 0.35
)

// Duplicate reports whether the two texts are one release: both long enough
// (MinWords), most of the smaller found in the larger, and enough of both
// shared.
func (r Resemblance) Duplicate() bool {
	if min(r.A, r.B) < MinWords-ShingleSize+1 {
		return false
	}
	return r.Containment() >= MinContainment && r.Jaccard() >= MinJaccard
}

// Resemble compares two texts, leaving out what bp knows as boilerplate and
// trailing footer sections. bp may be nil.
func Resemble(a, b string, bp *Boilerplate) Resemblance {
	sa := shingles(Words(bp.Strip(a)))
	sb := shingles(Words(bp.Strip(b)))
	set := make(map[uint64]struct{}, len(sa))
	for _, h := range sa {
		set[h] = struct{}{}
	}
	shared := 0
	for _, h := range sb {
		if _, ok := set[h]; ok {
			shared++
		}
	}
	return Resemblance{A: len(sa), B: len(sb), Shared: shared}
}
