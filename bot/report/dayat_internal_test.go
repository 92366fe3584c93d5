package report

import (
	"testing"
	"time"

	"github.com/kk/graensen/dialogs"
)

// A due time counts from a case's date; a date that does not parse counts
// from today in Copenhagen by the service's clock, also in the first hours
// of a Copenhagen day, which in UTC is still the day before.
func TestDayAtCountsFromTheCopenhagenDate(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, dialogs.Copenhagen)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		date, now, want string
		days, hour      int
	}{
		{"2026-06-10", "2026-01-01 12:00", "2026-06-11 00:00", 1, 0}, // the date, not the clock
		{"2026-10-24", "2026-01-01 12:00", "2026-10-26 03:00", 2, 3}, // across the end of summer time
		{"not a date", "2026-06-10 00:30", "2026-06-11 00:00", 1, 0}, // 22:30 UTC on 9 June
		{"", "2026-12-31 23:59", "2027-01-02 03:00", 2, 3},           // into the new year
		{"2026-02-30", "2026-03-29 01:30", "2026-03-30 00:00", 1, 0}, // no such day: today
		{"garbage", "2026-03-29 03:30", "2026-04-05 00:00", 7, 0},    // the first day of summer time
	} {
		s := &Service{Now: func() time.Time { return at(tc.now) }}
		if got := s.dayAt(tc.date, tc.days, tc.hour); !got.Equal(at(tc.want)) {
			t.Errorf("dayAt(%q, %d, %d) at %s = %s, want %s", tc.date, tc.days, tc.hour, tc.now, got.In(dialogs.Copenhagen), tc.want)
		}
	}
	if got, want := onceExpiry(at("2026-06-10 00:30")), at("2026-06-12 00:00"); !got.Equal(want) {
		t.Errorf("onceExpiry at 00:30 on 10 June = %s, want %s", got.In(dialogs.Copenhagen), want)
	}
}
