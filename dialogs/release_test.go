package dialogs_test

import (
	"slices"
	"testing"
	"time"

	"github.com/kk/graensen/dialogs"
)

func TestParseRelease(t *testing.T) {
	for _, tc := range []struct {
		in     string
		every  time.Duration
		clocks []int
		bad    bool
	}{
		{in: "", clocks: []int{8 * 60, 12 * 60, 15 * 60}},
		{in: "08:00,12:00,15:00", clocks: []int{480, 720, 900}},
		{in: " 15:30 , 07:05,15:30 ", clocks: []int{425, 930}},
		{in: "00:00", clocks: []int{0}},
		{in: "20s", every: 20 * time.Second},
		{in: "10m", every: 10 * time.Minute},
		{in: "24h", every: 24 * time.Hour},
		{in: "500ms", bad: true},
		{in: "25h", bad: true},
		{in: "24:00", bad: true},
		{in: "8:5", bad: true},
		{in: "12:60", bad: true},
		{in: "noon", bad: true},
		{in: "08:00,", bad: true},
	} {
		r, err := dialogs.ParseRelease(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseRelease(%q) = %+v, want an error", tc.in, r)
			}
			continue
		}
		if err != nil || r.Every != tc.every || !slices.Equal(r.Clocks, tc.clocks) {
			t.Errorf("ParseRelease(%q) = %+v, %v; want every %v clocks %v", tc.in, r, err, tc.every, tc.clocks)
		}
	}
}

func TestNextReleaseAcrossDST(t *testing.T) {
	def := dialogs.MustRelease("")
	night := dialogs.MustRelease("02:30")
	cph := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05", s, dialogs.Copenhagen)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, tc := range []struct {
		name string
		r    dialogs.Release
		at   time.Time
		want time.Time
	}{
		{"before the first", def, cph("2026-12-01 07:59:59"), utc("2026-12-01T07:00:00Z")},
		{"at a release: the next one", def, cph("2026-12-01 08:00:00"), utc("2026-12-01T11:00:00Z")},
		{"between", def, cph("2026-12-01 12:00:01"), utc("2026-12-01T14:00:00Z")},
		{"after the last: tomorrow", def, cph("2026-12-01 15:00:00"), utc("2026-12-02T07:00:00Z")},
		{"new year", def, cph("2026-12-31 16:00:00"), utc("2027-01-01T07:00:00Z")},
		// Spring: Sunday 29 March 2026, 02:00 CET → 03:00 CEST.
		{"winter evening to summer morning", def, cph("2026-03-28 15:30:00"), utc("2026-03-29T06:00:00Z")},
		{"summer time", def, cph("2026-03-29 09:00:00"), utc("2026-03-29T10:00:00Z")},
		{"a skipped clock time is taken once, an hour later", night, cph("2026-03-28 12:00:00"), utc("2026-03-29T01:30:00Z")},
		{"the day after the skipped one", night, utc("2026-03-29T01:30:00Z"), utc("2026-03-30T00:30:00Z")},
		// Autumn: Sunday 25 October 2026, 03:00 CEST → 02:00 CET.
		{"summer evening to winter morning", def, cph("2026-10-24 15:30:00"), utc("2026-10-25T07:00:00Z")},
		{"winter time", def, cph("2026-10-25 12:30:00"), utc("2026-10-25T14:00:00Z")},
		{"a doubled clock time is taken once", night, cph("2026-10-24 12:00:00"), utc("2026-10-25T01:30:00Z")},
		{"and not again that night", night, utc("2026-10-25T00:45:00Z"), utc("2026-10-25T01:30:00Z")},
		{"the night after", night, utc("2026-10-25T01:30:00Z"), utc("2026-10-26T01:30:00Z")},
		// Intervals are multiples since the epoch: the same on every replica.
		{"interval", dialogs.MustRelease("20s"), utc("2026-12-01T10:00:05Z"), utc("2026-12-01T10:00:20Z")},
		{"interval at a release", dialogs.MustRelease("20s"), utc("2026-12-01T10:00:20Z"), utc("2026-12-01T10:00:40Z")},
		{"interval over the spring change", dialogs.MustRelease("10m"), utc("2026-03-29T00:55:00Z"), utc("2026-03-29T01:00:00Z")},
	} {
		got := tc.r.Next(tc.at)
		if !got.Equal(tc.want) {
			t.Errorf("%s: Next(%s) = %s, want %s", tc.name, tc.at.In(dialogs.Copenhagen), got.In(dialogs.Copenhagen), tc.want.In(dialogs.Copenhagen))
		}
		if !got.After(tc.at) {
			t.Errorf("%s: Next is not after the time", tc.name)
		}
	}
	// Every day of a year has exactly three default releases.
	per := map[string]int{}
	for at := def.Next(cph("2026-01-01 00:00:00")); at.Year() == 2026; at = def.Next(at) {
		per[dialogs.ReportDate(at)]++
	}
	for d, n := range per {
		if n != 3 {
			t.Errorf("%s has %d releases", d, n)
		}
	}
	if len(per) != 365 {
		t.Fatalf("only %d days walked", len(per))
	}
}

func TestReleaseDateAndMessage(t *testing.T) {
	r := dialogs.MustRelease("")
	evening, _ := time.ParseInLocation(time.DateTime, "2026-12-01 22:10:00", dialogs.Copenhagen)
	if got := r.ReleaseDate(evening, false); got != "2026-12-02" {
		t.Fatalf("an evening report is dated by its release: %s", got)
	}
	if got := r.ReleaseDate(evening, true); got != "2026-12-01" {
		t.Fatalf("sent at once it is dated today: %s", got)
	}
	m := dialogs.ReleaseMsg("x", r.Next(evening))
	if m.Data["Date"] != "2026-12-02" || m.Data["Time"] != "08:00" {
		t.Fatalf("release message data %v", m.Data)
	}
	m = dialogs.ReleaseMsg("x", time.Date(2026, 12, 2, 7, 0, 20, 0, time.UTC))
	if m.Data["Time"] != "08:00:20" {
		t.Fatalf("an interval release keeps its seconds: %v", m.Data)
	}
}
