package dialogs

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Release says when new reports, the reporters' messages and the
// notifications to reporters go out (issue 12 B): at fixed clock times in
// Copenhagen (GRAENSEN_INBOX_RELEASE, default 08:00,12:00,15:00), or every
// Every for trials and tests ("20s", "10m"). In between they wait in Redis,
// and each release posts its batch in random order, so neither Teams'
// timestamps nor the order of the cards tell the unit when someone wrote.
type Release struct {
	// Every is the interval (releases at multiples of it since the Unix
	// epoch, the same on every replica); zero means clock times.
	Every time.Duration
	// Clocks are minutes after midnight, Copenhagen time, sorted.
	Clocks []int
}

// DefaultRelease is the default of GRAENSEN_INBOX_RELEASE.
const DefaultRelease = "08:00,12:00,15:00"

// ParseRelease reads GRAENSEN_INBOX_RELEASE: a comma-separated list of
// HH:MM clock times, or one Go duration of at least a second. Empty is the
// default.
func ParseRelease(s string) (Release, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		s = DefaultRelease
	}
	if !strings.Contains(s, ":") {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Second || d > 24*time.Hour {
			return Release{}, fmt.Errorf("release %q: want clock times like 08:00,12:00 or an interval from 1s to 24h", s)
		}
		return Release{Every: d}, nil
	}
	var r Release
	for _, part := range strings.Split(s, ",") {
		hh, mm, ok := strings.Cut(strings.TrimSpace(part), ":")
		h, err1 := strconv.Atoi(hh)
		m, err2 := strconv.Atoi(mm)
		if !ok || err1 != nil || err2 != nil || len(mm) != 2 || h < 0 || h > 23 || m < 0 || m > 59 {
			return Release{}, fmt.Errorf("release %q: %q is not a clock time HH:MM", s, part)
		}
		if c := h*60 + m; !slices.Contains(r.Clocks, c) {
			r.Clocks = append(r.Clocks, c)
		}
	}
	slices.Sort(r.Clocks)
	return r, nil
}

// MustRelease is ParseRelease for constants (tests).
func MustRelease(s string) Release {
	r, err := ParseRelease(s)
	if err != nil {
		panic(err)
	}
	return r
}

// Next is the first release strictly after t. A clock time that does not
// exist on a day (02:30 on the spring change) falls at the same distance
// after midnight as Go normalises it (03:30 summer time); one that exists
// twice (the autumn change) is taken once.
func (r Release) Next(t time.Time) time.Time {
	if r.Every > 0 {
		ms := r.Every.Milliseconds()
		return time.UnixMilli((t.UnixMilli()/ms + 1) * ms).In(Copenhagen)
	}
	clocks := r.Clocks
	if len(clocks) == 0 {
		clocks = MustRelease(DefaultRelease).Clocks
	}
	d := t.In(Copenhagen)
	for day := 0; day < 3; day++ {
		for _, c := range clocks {
			at := time.Date(d.Year(), d.Month(), d.Day()+day, c/60, c%60, 0, 0, Copenhagen)
			if at.After(t) {
				return at
			}
		}
	}
	return t.Add(24 * time.Hour) // unreachable: every day has a release
}

// ReleaseDate is the date a case records for something sent at now: the
// day of the release that carries it (now itself when sent at once), so
// the date tells no more than the release.
func (r Release) ReleaseDate(now time.Time, atOnce bool) string {
	if atOnce {
		return ReportDate(now)
	}
	return ReportDate(r.Next(now))
}

// ReleaseMsg is "when the unit will see it" in the reader's language: a
// date (YYYY-MM-DD, as the case's other dates) and a time, Copenhagen time.
func ReleaseMsg(id string, at time.Time) Msg {
	at = at.In(Copenhagen)
	clock := at.Format("15:04")
	if at.Second() != 0 {
		clock = at.Format("15:04:05")
	}
	return Msg{ID: id, Data: map[string]any{"Date": at.Format(time.DateOnly), "Time": clock}}
}

// ReleaseChoice is what the reporter sees before sending: when the unit
// will see it, and the choice to send at once, knowing that the unit then
// sees the time. The toggle's input is "now".
func ReleaseChoice(next time.Time) []Block {
	return []Block{
		{Kind: BlockText, Msg: ReleaseMsg("report.release.when", next)},
		{Kind: BlockToggle, ID: "now", Msg: M("report.release.now")},
	}
}

// WithReleaseChoice adds ReleaseChoice to a card, after its other blocks.
func WithReleaseChoice(c Card, next time.Time) Card {
	c.Blocks = append(slices.Clip(c.Blocks), ReleaseChoice(next)...)
	return c
}

// WithReleaseNote adds, to the card a reporter gets after sending, when
// the unit will see what was sent (at is zero when it was sent at once).
func WithReleaseNote(c Card, at time.Time) Card {
	b := Block{Kind: BlockSubtle, Msg: M("report.release.sentNow")}
	if !at.IsZero() {
		b.Msg = ReleaseMsg("report.release.sentAt", at)
	}
	c.Blocks = append(slices.Clip(c.Blocks), b)
	return c
}
