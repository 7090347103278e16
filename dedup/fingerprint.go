package dedup

import (
	"math/bits"
	"regexp"
	"slices"
	"strings"
)

// ShingleSize is the number of words in a shingle, the unit of resemblance.
const ShingleSize = 3

// MinWords is the fewest words (after boilerplate) a text needs for
// near-duplicate detection; shorter texts are matched by ContentHash only.
const MinWords = 25

// MaxDistance is the Hamming distance below which a stored fingerprint is a
// candidate. A Fingerprint is four MinHash blocks, not a SimHash: candidates
// are the releases that share at least one block (Blocks), and a pair sharing
// one block of 16 bits differs in at most 48 bits. The distance filter is
// therefore only a bound the stores can apply after the block lookup; the
// decision is made on the text by Decide (see Resemble).
const MaxDistance = 48

// Fingerprint is a 64-bit sketch of text for near-duplicate lookup: four
// independent MinHash values over the text's word shingles, each reduced to
// 16 bits (see Blocks). Two texts agree on a block with probability equal to
// the Jaccard resemblance of their shingle sets, so a copy with a different
// wrapper, a cut paragraph or a truncated tail (resemblance 0.5–0.9) shares
// at least one block with probability 0.94–0.9999.
//
// Paragraphs that bp knows as the source's boilerplate and trailing
// press-release sections ("About NATO", "Media contact", "Notes to editors")
// are left out first, so that they do not make different releases alike.
// bp may be nil. A text with no words has fingerprint 0.
func Fingerprint(text string, bp *Boilerplate) uint64 {
	// A repeated shingle changes no minimum: no need to drop repeats.
	sh := shingleHashes(Words(bp.Strip(text)))
	if len(sh) == 0 {
		return 0
	}
	var min [4]uint64
	var arg [4]uint64
	for i := range min {
		min[i] = ^uint64(0)
	}
	for _, h := range sh {
		for i := range min {
			if v := mix(h ^ seeds[i]); v < min[i] {
				min[i], arg[i] = v, h
			}
		}
	}
	var fp uint64
	for i := range arg {
		// The block is a hash of the minimising shingle, not the minimum
		// itself, whose high bits are nearly always zero.
		fp |= (mix(arg[i]^seeds[i]^blockSalt) & 0xffff) << (16 * i)
	}
	return fp
}

// seeds make the four MinHash permutations independent.
var seeds = [4]uint64{0x9e3779b97f4a7c15, 0xbf58476d1ce4e5b9, 0x94d049bb133111eb, 0x2545f4914f6cdd1d}

const blockSalt = 0x632be59bd9b4e019

// mix is the SplitMix64 finaliser, a bijective 64-bit mixer.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Blocks splits a fingerprint into the four 16-bit blocks that the index and
// the stores look up: block i is bits 16i to 16i+15 (block 0 is the lowest
// 16 bits). A stored release is a candidate for fp when any of its blocks
// equals the block of fp at the same position.
func Blocks(fp uint64) [4]uint16 {
	return [4]uint16{uint16(fp), uint16(fp >> 16), uint16(fp >> 32), uint16(fp >> 48)}
}

// Distance is the Hamming distance between two fingerprints.
func Distance(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// SharedBlocks is the number of blocks on which two fingerprints agree, an
// estimate of four times the resemblance of their texts.
func SharedBlocks(a, b uint64) int {
	n := 0
	for i := range 4 {
		if uint16(a>>(16*i)) == uint16(b>>(16*i)) {
			n++
		}
	}
	return n
}

// shingleHashes hashes every run of ShingleSize consecutive words (or the
// whole text when it is shorter), in order, repeats and all.
func shingleHashes(words []string) []uint64 {
	if len(words) == 0 {
		return nil
	}
	n := max(len(words)-ShingleSize+1, 1)
	wh := make([]uint64, len(words))
	for i, w := range words {
		wh[i] = fnv64a(w)
	}
	out := make([]uint64, n)
	for i := range out {
		var v uint64
		for j := i; j < i+ShingleSize && j < len(words); j++ {
			v = mix(v^wh[j]) + 0x9e3779b97f4a7c15
		}
		out[i] = v
	}
	return out
}

// shingles is the set of shingleHashes: without repeats, in increasing
// order, so that two sets are intersected by a merge.
func shingles(words []string) []uint64 {
	sh := shingleHashes(words)
	slices.Sort(sh)
	return slices.Compact(sh)
}

// fnv64a is the 64-bit FNV-1a hash of s.
func fnv64a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// footerStart matches the first line of the sections that end a press
// release and are the same in every release of a source: "About NATO",
// contacts, notes to editors, end marks, and republishers' notices.
var footerStart = regexp.MustCompile(`(?i)^(?:about (?:the )?[\p{Lu}\d][^.!?]{0,80}$|about us\b|(?:media|press|for media) (?:contacts?|enquiries|inquiries|relations)\b|contacts?\s*:|for (?:further|more) information\b|notes? (?:to|for) (?:editors|the editor)\b|-\s*ends\s*-|ends\.?$|#{3}\s*$|/public release\.|this (?:material|content|article) (?:is|was) (?:from|provided by|republished)|view (?:it )?in full here|source:\s|originally published (?:at|on|by)\b)`)

// stripFooter drops the trailing sections that footerStart recognises when
// they begin after the first paragraph and after the first quarter of the
// text.
func stripFooter(paras []string) []string {
	total := 0
	for _, p := range paras {
		total += len(p)
	}
	at := 0
	for i, p := range paras {
		if i > 0 && at*4 >= total && footerStart.MatchString(p) {
			return paras[:i]
		}
		at += len(p)
	}
	return paras
}

// body is the part of text that identifies a release: its paragraphs without
// the source's boilerplate and without trailing footer sections.
func (bp *Boilerplate) body(text string) []string {
	paras := paragraphs(text)
	if bp != nil && len(bp.paras) > 0 {
		kept := paras[:0:0]
		for _, p := range paras {
			if _, ok := bp.paras[paraKey(p)]; !ok {
				kept = append(kept, p)
			}
		}
		if len(kept) > 0 {
			paras = kept
		}
	}
	return stripFooter(paras)
}

// Strip returns text without the paragraphs bp knows as boilerplate and
// without trailing footer sections. bp may be nil.
func (bp *Boilerplate) Strip(text string) string {
	return strings.Join(bp.body(text), "\n\n")
}
