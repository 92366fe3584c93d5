package dialogs

import (
	"strings"
	"time"
	_ "time/tzdata" // Europe/Copenhagen on hosts without a zoneinfo database
)

// Copenhagen is the time zone of every wall-clock time the bot reads or
// shows: reminders, campaign times, report dates, release clocks,
// statistics months. It is the one place the zone is loaded.
var Copenhagen = func() *time.Location {
	l, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		panic("dialogs: Europe/Copenhagen: " + err.Error()) // embedded by time/tzdata
	}
	return l
}()

// LocalInstant is the instant of a wall-clock time in loc, handling daylight
// saving changes: a time that does not exist (skipped in spring) moves
// forward by the gap, as a wall clock would; a time that exists twice (in
// autumn) is the first of the two, so a reminder is never late.
func LocalInstant(y int, m time.Month, d, hh, mm int, loc *time.Location) time.Time {
	wall := time.Date(y, m, d, hh, mm, 0, 0, time.UTC) // normalises d+1 etc.
	// The offsets around that day: any change happens between them.
	_, before := wall.Add(-36 * time.Hour).In(loc).Zone()
	_, after := wall.Add(36 * time.Hour).In(loc).Zone()
	var best time.Time
	for _, off := range []int{before, after} {
		c := wall.Add(-time.Duration(off) * time.Second)
		lw := c.In(loc)
		if lw.Year() == wall.Year() && lw.YearDay() == wall.YearDay() && lw.Hour() == wall.Hour() && lw.Minute() == wall.Minute() {
			if best.IsZero() || c.Before(best) {
				best = c
			}
		}
	}
	if best.IsZero() { // in the gap: the offset before the change moves it forward
		best = wall.Add(-time.Duration(before) * time.Second)
	}
	return best.UTC()
}

// LocalTime reads a date ("2006-01-02") and a clock ("15:04") as wall time
// in Copenhagen (LocalInstant): a wall time skipped by the spring change
// (02:30 on the last Sunday of March) moves forward an hour; one repeated
// by the autumn change is the first (summer time) occurrence.
func LocalTime(date, clock string) (time.Time, bool) {
	d, err := time.Parse("2006-01-02 15:04", strings.TrimSpace(date)+" "+strings.TrimSpace(clock))
	if err != nil {
		return time.Time{}, false
	}
	return LocalInstant(d.Year(), d.Month(), d.Day(), d.Hour(), d.Minute(), Copenhagen).In(Copenhagen), true
}
