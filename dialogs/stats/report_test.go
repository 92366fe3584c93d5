package stats

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

var testDims = []Dim{
	{Key: "where", Values: []string{"workplace", "event", "online", "elsewhere", "unsure"}},
	{Key: "often", Values: []string{"once", "several", "ongoing", "unsure"}},
	{Key: "duration", Values: []string{"short", "months", "long", "unsure"}},
	{Key: "grave", Values: []string{"little", "some", "much", "unsure"}},
	{Key: "who", Values: []string{"colleague", "manager", "external", "another", "unsure"}},
	{Key: "wants", Values: []string{"tell", "advice", "contact", "mediation", "psych", "investigate"}, Multi: true},
}

var testStatuses = []string{"new", "ack", "progress", "closed"}

// randomCounts files n reports with random answers over a year, the way
// the counters would hold them.
func randomCounts(r *rand.Rand, year, n int) map[string]map[string]int64 {
	counts := map[string]map[string]int64{}
	months := Months(year)
	for i := 0; i < n; i++ {
		m := months[r.IntN(12)]
		if counts[m] == nil {
			counts[m] = map[string]int64{}
		}
		c := counts[m]
		c["filed"]++
		for _, d := range testDims {
			if d.Multi {
				for _, v := range d.Values {
					if r.IntN(3) == 0 {
						c[Field(d.Key, v)]++
					}
				}
				continue
			}
			vs := append(d.Values, None)
			c[Field(d.Key, vs[r.IntN(len(vs))])]++
		}
		c[Field("status", testStatuses[r.IntN(4)])]++
		if r.IntN(10) < 8 {
			c["ack7"]++
		}
	}
	return counts
}

func TestBuildReportsSuppressesAndAddsUp(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 16))
	for _, n := range []int{0, 3, 12, 40, 120, 400} {
		counts := randomCounts(r, 2026, n)
		start := time.Now()
		rep := BuildReports(2026, 5, counts, testDims, testStatuses, "2027-06-01")
		t.Logf("%d reports: built in %v", n, time.Since(start))
		if n < 5 {
			if n > 0 && !rep.Withheld && rep.Filed.Cells[16].Mark != Small {
				t.Fatalf("%d reports in the year: shown as %+v", n, rep.Filed.Cells[16])
			}
			continue
		}
		if rep.Withheld {
			t.Fatalf("%d reports withheld", n)
		}
		kept := 0
		for _, row := range rep.Rows {
			if !row.Withheld || (row.YearOnly && row.Cells[16].Mark == Shown) {
				kept++
			}
		}
		t.Logf("%d reports: %d of %d rows shown", n, kept, len(rep.Rows))
		if c := rep.Filed.Cells[16]; c.Mark != Shown || c.N != n {
			t.Fatalf("year total %+v, want %d shown", c, n)
		}
		for _, row := range append([]Row{rep.Filed}, rep.Rows...) {
			if row.Withheld {
				for p, c := range row.Cells {
					if c.Mark != Hidden && !(row.YearOnly && p == 16) {
						t.Fatalf("withheld row %s=%s shows %s", row.Dim, row.Value, rep.Periods[p])
					}
				}
				continue
			}
			for p, c := range row.Cells {
				var want int
				if p < 12 {
					f := "filed"
					if row.Dim != "filed" {
						f = Field(row.Dim, row.Value)
					}
					want = int(counts[Months(2026)[p]][f])
				}
				if p < 12 && want > 0 && want < 5 && c.Mark != Small {
					t.Fatalf("%s=%s %s: %d shown as %v", row.Dim, row.Value, rep.Periods[p], want, c.Mark)
				}
				if p < 12 && c.Mark == Shown && c.N != want {
					t.Fatalf("%s=%s %s: shown %d, counted %d", row.Dim, row.Value, rep.Periods[p], c.N, want)
				}
			}
		}
	}
}

func TestBuildReportsKeepsRenamedAnswersAndNewQuestions(t *testing.T) {
	counts := map[string]map[string]int64{"2026-03": {"filed": 9, "wants=mediation": 6, "severity=serious": 9, "status=new": 9}}
	dims := append(testDims, Dim{Key: "severity", Values: []string{"serious", "minor"}})
	dims[5] = Dim{Key: "wants", Values: []string{"tell", "dialogue"}, Multi: true}
	rep := BuildReports(2026, 5, counts, dims, testStatuses, "2026-12-01")
	found := map[string]Cell{}
	for _, row := range rep.Rows {
		found[row.Dim+"="+row.Value] = row.Cells[2]
	}
	if c, ok := found["wants=mediation"]; !ok || c.N != 6 {
		t.Errorf("a wish the form no longer offers is lost: %+v", found)
	}
	if c := found["severity=serious"]; c.N != 9 || c.Mark != Shown {
		t.Errorf("a question added to the form is not counted: %+v", c)
	}
	if _, ok := found["wants=dialogue"]; !ok {
		t.Errorf("a new wish has no row")
	}
}

func TestDeadlineShares(t *testing.T) {
	counts := map[string]map[string]int64{
		"2026-01": {"filed": 10, "ack7": 9, "fb3": 7, "status=closed": 10},
		"2026-02": {"filed": 3, "ack7": 3, "status=closed": 3},
		"2026-03": {"filed": 8, "ack7": 8, "status=closed": 8},
	}
	rep := BuildReports(2026, 5, counts, nil, testStatuses, "2026-04-05")
	if s := rep.Ack7[0]; !s.Shown || s.Pct != 90 {
		t.Errorf("January acknowledged in time: %+v, want 90%%", s)
	}
	if s := rep.Ack7[1]; s.Shown {
		t.Errorf("February's 3 reports give a share away: %+v", s)
	}
	if s := rep.Ack7[2]; !s.Pending {
		t.Errorf("March's 7 days have not all passed on 5 April: %+v", s)
	}
	if s := rep.Fb3[0]; !s.Pending {
		t.Errorf("January's 3 months have not passed on 5 April: %+v", s)
	}
	rep = BuildReports(2026, 5, counts, nil, testStatuses, "2026-07-01")
	if s := rep.Fb3[12]; !s.Shown || s.Pct != 33 { // 7 of 21
		t.Errorf("Q1 answered in time: %+v", s)
	}
}

func TestBuildUse(t *testing.T) {
	counts := map[string]map[string]int64{
		"2026-01": {"topic|a": 12, "topic|b": 2, "topic|c": 9, "playbook.start|x": 7},
		"2026-02": {"topic|a": 6, "campaign.sent|k": 40},
	}
	u := BuildUse(2026, 5, counts)
	got := map[string]Row{}
	for _, r := range u.Rows {
		got[r.Value] = r
	}
	if c := got["topic|b"].Cells[0]; c.Mark != Small {
		t.Errorf("2 openings shown: %+v", c)
	}
	if c := got["topic"].Cells[0]; c.Mark != Shown || c.N != 23 {
		t.Errorf("topics opened in January: %+v", c)
	}
	// The 2 must not be 23 − 12 − 9: one of them is hidden.
	if got["topic|a"].Cells[0].Mark == Shown && got["topic|c"].Cells[0].Mark == Shown {
		t.Errorf("January's topic counts give the 2 away")
	}
	if c := got["campaign.sent"].Cells[16]; c.N != 40 {
		t.Errorf("campaigns sent in the year: %+v", c)
	}
	for i, r := range u.Rows {
		_ = strconv.Itoa(i)
		if len(r.Cells) != NPeriods {
			t.Fatalf("row %s has %d cells", r.Value, len(r.Cells))
		}
	}
}

// One report in a month: its answers must not show through the zeros of
// the month's other answers; the answers are shown for the year only.
func TestAFewReportsInAMonthAreNotBrokenDown(t *testing.T) {
	counts := map[string]map[string]int64{
		"2026-02": {"filed": 1, "where=online": 1, "status=new": 1},
		"2026-05": {"filed": 9, "where=workplace": 6, "where=event": 3, "status=new": 9},
	}
	rep := BuildReports(2026, 5, counts, testDims[:1], testStatuses, "2026-12-01")
	if rep.Withheld || rep.Filed.Cells[16].N != 10 || rep.Filed.Cells[1].Mark != Small {
		t.Fatalf("filed: %+v withheld %v", rep.Filed.Cells, rep.Withheld)
	}
	for _, row := range rep.Rows {
		for p := 0; p < 16; p++ {
			if row.Cells[p].Mark != Hidden {
				t.Fatalf("%s=%s is broken down by %s: %+v", row.Dim, row.Value, rep.Periods[p], row.Cells[p])
			}
		}
		if !row.YearOnly {
			t.Errorf("%s=%s: not shown for the year", row.Dim, row.Value)
		}
	}
	rep = BuildReports(2026, 5, map[string]map[string]int64{"2026-02": {"filed": 2, "where=online": 2}}, testDims[:1], testStatuses, "2026-12-01")
	if !rep.Withheld {
		t.Fatal("two reports in the year are shown")
	}
}
