//go:build race

package extract

// raceEnabled: the race detector multiplies allocations; memory figures
// are not checked under it.
const raceEnabled = true
