package feed

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Sun, 15 Dec 2024 12:15 PM", "2024-12-15T12:15:00Z"},
		{"Sun, 15 Dec 2024 1:15 PM", "2024-12-15T13:15:00Z"},
		{"Sun, 15 Dec 2024 12:05 AM", "2024-12-15T00:05:00Z"},
		{"2025-09-08", "2025-09-08T00:00:00Z"},
		{"08 Sep. 2025", "2025-09-08T00:00:00Z"},
		{"8 September 2025", "2025-09-08T00:00:00Z"},
		{"September 8th, 2025", "2025-09-08T00:00:00Z"},
		{"Sept. 8, 2025 at 3:30 p.m. EDT", "2025-09-08T19:30:00Z"},
		{"Fri, 08 Sep 2025 10:00:00 +0200", "2025-09-08T08:00:00Z"}, // 8 Sep 2025 was a Monday
		{"Mon, 08 Sep 2025 10:00 GMT", "2025-09-08T10:00:00Z"},
		{"Mon, 08 Sep 2025 10:00:00 EST", "2025-09-08T15:00:00Z"},
		{"Mon, 08 Sep 2025 10:00:00 CET", "2025-09-08T09:00:00Z"},
		{"Mon, 08 Sep 2025 10:00:00 CEST", "2025-09-08T08:00:00Z"},
		{"Mon, 08 Sep 2025 10:00:00 AEST", "2025-09-08T00:00:00Z"},
		{"Mon, 08 Sep 2025 10:00:00 XYZT", "2025-09-08T10:00:00Z"}, // unknown zone: UTC
		{"Mon, 8 Sep 25 10:00:00 +0000", "2025-09-08T10:00:00Z"},   // RFC 822 two-digit year
		{"2025-09-08T10:00:00+02:00", "2025-09-08T08:00:00Z"},
		{"2025-09-08T10:00:00.123Z", "2025-09-08T10:00:00.123Z"},
		{"2025-09-08T10:00:00", "2025-09-08T10:00:00Z"},
		{"2025-09-08T10:00", "2025-09-08T10:00:00Z"},
		{"2025-09-08 10:00:00 +0200", "2025-09-08T08:00:00Z"},
		{"2025-09-08T10:00:00+0200", "2025-09-08T08:00:00Z"},
		{"20250908", "2025-09-08T00:00:00Z"},
		{"08.09.2025", "2025-09-08T00:00:00Z"},
		{"08/09/2025", "2025-08-09T00:00:00Z"}, // slashes: month first
		{"25/08/2025", "2025-08-25T00:00:00Z"}, // unless the first number cannot be a month
		{"8. September 2025, 14:30 Uhr", "2025-09-08T14:30:00Z"},
		{"8 septembre 2025 à 14h30", "2025-09-08T14:30:00Z"},
		{"lundi 8 septembre 2025", "2025-09-08T00:00:00Z"},
		{"8 de septiembre de 2025", "2025-09-08T00:00:00Z"},
		{"Published: 08 Sep. 2025", "2025-09-08T00:00:00Z"},
		{"Monday, September 8, 2025 3PM", "2025-09-08T15:00:00Z"},
		{"Mon Sep 08 2025 10:00:00 GMT+0200 (Central European Summer Time)", "2025-09-08T08:00:00Z"},
		{"Mon, 08 Sep 2025 10:00:00 UTC+02:00", "2025-09-08T08:00:00Z"},
		{"September 8, 2025 3:30 PM ET", "2025-09-08T19:30:00Z"}, // daylight time
		{"December 8, 2025 3:30 PM ET", "2025-12-08T20:30:00Z"},  // standard time
		{"March 9, 2025 1:59 AM PT", "2025-03-09T09:59:00Z"},     // before the switch
		{"March 9, 2025 3:00 AM PT", "2025-03-09T10:00:00Z"},     // after it
		{"November 2, 2025 1:30 AM CT", "2025-11-02T06:30:00Z"},  // still daylight time
		{"November 2, 2025 2:30 AM CT", "2025-11-02T08:30:00Z"},
	} {
		got, ok := ParseDate(tc.in)
		want, _ := time.Parse(time.RFC3339Nano, tc.want)
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tc.in, got, ok, want)
		}
	}
}

func TestParseDateRejects(t *testing.T) {
	for _, in := range []string{
		"", "yesterday", "8 September", "September 2025", "31 April 2025", "30 Feb 2025",
		"2025-13-01", "Mon, 08 Sep 2025 25:00:00 GMT", "1 2 3", "12:30", "release 237412",
		"08 Sep 0025", "Sun, 15 Dec 2024 13:15 PM",
	} {
		if got, ok := ParseDate(in); ok {
			t.Errorf("ParseDate(%q) = %v, want no date", in, got)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"Sun, 15 Dec 2024 12:15 PM", "2025-09-08T10:00:00+02:00", "08 Sep. 2025", "8. September 2025, 14:30 Uhr", "08/09/2025", "GMT+1", "3pm 8 Sep 2025"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseDate(s)
		if !ok {
			if !got.IsZero() {
				t.Fatalf("ParseDate(%q) failed but returned %v", s, got)
			}
			return
		}
		if got.Location() != time.UTC || got.Year() < 1900 || got.Year() > 2200 {
			t.Fatalf("ParseDate(%q) = %v: not UTC or out of range", s, got)
		}
		again, ok2 := ParseDate(s)
		if !ok2 || !again.Equal(got) {
			t.Fatalf("ParseDate(%q) is not deterministic", s)
		}
		// What ParseDate writes in RFC 3339 it reads back.
		if back, ok := ParseDate(got.Format(time.RFC3339Nano)); !ok || !back.Equal(got) {
			t.Fatalf("ParseDate(%q) = %v does not round-trip", s, got)
		}
	})
}
