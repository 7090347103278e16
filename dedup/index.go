package dedup

import (
	"slices"
)

// Index is an in-memory near-duplicate index over fingerprints: four tables,
// one per block (Blocks), each mapping a 16-bit block value to the entries
// that have it. Near returns the entries sharing at least one block with a
// fingerprint — the MinHash candidates — within a Hamming distance. It costs
// about 40 bytes per entry (id, fingerprint and four 4-byte postings) plus
// 6 MiB of bucket headers. The zero value is not usable; call NewIndex.
// An Index is not safe for concurrent use.
type Index struct {
	ids []int64
	fps []uint64
	// tables[i][b] lists the positions (in ids) of the entries whose block
	// i equals b.
	tables [4][][]uint32
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	ix := &Index{}
	for i := range ix.tables {
		ix.tables[i] = make([][]uint32, 1<<16)
	}
	return ix
}

// Len is the number of entries.
func (ix *Index) Len() int { return len(ix.ids) }

// Add indexes fingerprint fp under id. Adding an id twice makes two entries.
func (ix *Index) Add(id int64, fp uint64) {
	pos := uint32(len(ix.ids))
	ix.ids = append(ix.ids, id)
	ix.fps = append(ix.fps, fp)
	for i, b := range Blocks(fp) {
		ix.tables[i][b] = append(ix.tables[i][b], pos)
	}
}

// Near lists the ids of the entries that share at least one block with fp
// and lie within maxDist bits of it, nearest first (ties by id).
func (ix *Index) Near(fp uint64, maxDist int) []int64 {
	type hit struct {
		d  int
		id int64
	}
	var hits []hit
	bl := Blocks(fp)
	for i, b := range bl {
		for _, pos := range ix.tables[i][b] {
			other := ix.fps[pos]
			// An entry sharing an earlier block was seen in that table.
			dup := false
			for j := range i {
				if uint16(other>>(16*j)) == bl[j] {
					dup = true
					break
				}
			}
			if dup {
				continue
			}
			if d := Distance(fp, other); d <= maxDist {
				hits = append(hits, hit{d, ix.ids[pos]})
			}
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.d != b.d {
			return a.d - b.d
		}
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	out := make([]int64, len(hits))
	for i, h := range hits {
		out[i] = h.id
	}
	return out
}
