package stats

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Dim is one question of the report form whose answers are counted: its
// key (the form's answer key, e.g. "where") and its answer values in the
// form's order. Multi is a question with several answers per report
// ("wants"): its rows do not add up to the number of reports.
type Dim struct {
	Key    string
	Values []string
	Multi  bool
}

// None is the row of reports that left a single-choice question unanswered.
const None = "none"

// Periods are the columns of a year: its twelve months (YYYY-MM), its
// quarters (YYYY-Q1…Q4) and the year (YYYY). Nothing finer than the month.
func Periods(year int) []string {
	var ps []string
	for m := 1; m <= 12; m++ {
		ps = append(ps, fmt.Sprintf("%04d-%02d", year, m))
	}
	for q := 1; q <= 4; q++ {
		ps = append(ps, fmt.Sprintf("%04d-Q%d", year, q))
	}
	return append(ps, strconv.Itoa(year))
}

// Months are the month keys of a year (the counters' keys).
func Months(year int) []string { return Periods(year)[:12] }

// NPeriods is the number of columns of a year.
const NPeriods = 17

// Cell is one published count.
type Cell struct {
	N    int  // the count (only meaningful when Mark is Shown)
	Mark Mark // Shown, Small ("< Min") or Hidden
}

// Text is the cell as shown: the number, "< 5", or "•" (hidden so that a
// small number elsewhere cannot be worked out).
func (c Cell) Text(min int) string {
	switch c.Mark {
	case Small:
		return "< " + strconv.Itoa(min)
	case Hidden:
		return "•"
	}
	return strconv.Itoa(c.N)
}

// Row is a series of counts over the periods.
type Row struct {
	Dim   string // the question ("filed" for the total, "status", "use" …)
	Value string // the answer value (or status, or metric|key)
	Cells []Cell // one per period
	// Withheld: the question's table could not be protected (too few
	// reports); every cell is hidden.
	Withheld bool
	// YearOnly: the table is shown for the whole year only (its months and
	// quarters could not be protected); the other cells are hidden.
	YearOnly bool
}

// Share is a percentage over a period (deadline kept).
type Share struct {
	Pct     int
	Shown   bool // false: not enough reports, or they are hidden
	Pending bool // the period's deadlines have not all passed yet
	Empty   bool // no reports in the period
}

// Report is the report statistics of a year, suppressed.
type Report struct {
	Year     int
	Min      int
	Periods  []string
	Withheld bool // too few reports to show anything
	Filed    Row
	Rows     []Row // per question and answer, then per status
	// Ack7 and Fb3 are, per period, the share of the reports filed then
	// that were acknowledged within 7 days and answered within 3 months.
	Ack7, Fb3 []Share
}

// table collects rows and constraints into one system.
type table struct {
	values []int
	cons   []Constraint
}

// addRow adds a series of 12 monthly counts with its quarters and year,
// returning the index of its first cell.
func (t *table) addRow(months []int) int {
	base := len(t.values)
	t.values = append(t.values, months...)
	var qs []int
	for q := 0; q < 4; q++ {
		sum := months[3*q] + months[3*q+1] + months[3*q+2]
		t.values = append(t.values, sum)
		t.cons = append(t.cons, Constraint{Total: base + 12 + q, Parts: []int{base + 3*q, base + 3*q + 1, base + 3*q + 2}})
		qs = append(qs, base+12+q)
	}
	y := 0
	for _, v := range months {
		y += v
	}
	t.values = append(t.values, y)
	t.cons = append(t.cons, Constraint{Total: base + 16, Parts: qs})
	return base
}

// addSum says that the rows at bases add up to the row at total, period by period.
func (t *table) addSum(total int, bases []int) {
	for p := 0; p < NPeriods; p++ {
		var parts []int
		for _, b := range bases {
			parts = append(parts, b+p)
		}
		t.cons = append(t.cons, Constraint{Total: total + p, Parts: parts})
	}
}

func (t *table) row(marks []Mark, base int, dim, value string) Row {
	r := Row{Dim: dim, Value: value, Cells: make([]Cell, NPeriods)}
	for p := range r.Cells {
		r.Cells[p] = Cell{Mark: marks[base+p]}
		if marks[base+p] == Shown {
			r.Cells[p].N = t.values[base+p]
		}
	}
	return r
}

func series(counts map[string]map[string]int64, months []string, field string) []int {
	out := make([]int, 12)
	for i, m := range months {
		out[i] = int(max(0, counts[m][field]))
	}
	return out
}

// fieldsOf lists the values stored for a question that the form no longer
// asks (a renamed answer), so their counts are not lost.
func fieldsOf(counts map[string]map[string]int64, prefix string, known []string) []string {
	seen := map[string]bool{}
	for _, row := range counts {
		for f, n := range row {
			if v, ok := strings.CutPrefix(f, prefix); ok && n != 0 && !slices.Contains(known, v) {
				seen[v] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// Field is a report counter's name: "<question>=<answer>".
func Field(dim, value string) string { return dim + "=" + value }

// BuildReports builds a year's report statistics from the monthly counters
// (month → field → count; see dialogs/redisstore). The total of reports is
// the same row in every table, so all tables are suppressed together. When
// that cannot protect every small count (few reports), the total is
// protected on its own and each question's table is kept only if it can
// be protected without changing the total's marks (and together with the
// tables kept before it); the others are withheld whole. today
// (YYYY-MM-DD) decides which periods' deadlines have passed.
func BuildReports(year, min int, counts map[string]map[string]int64, dims []Dim, statuses []string, today string) Report {
	months := Months(year)
	rep := Report{Year: year, Min: min, Periods: Periods(year)}
	filedSeries := series(counts, months, "filed")
	type group struct {
		dim    string
		values []string
		multi  bool
		rows   [][]int
	}
	var groups []group
	for _, d := range dims {
		values := slices.Clone(d.Values)
		if !d.Multi {
			values = append(values, None)
		}
		values = append(values, fieldsOf(counts, d.Key+"=", values)...)
		groups = append(groups, group{dim: d.Key, values: values, multi: d.Multi})
	}
	groups = append(groups, group{dim: "status", values: append(slices.Clone(statuses), fieldsOf(counts, "status=", statuses)...)})
	for i := range groups {
		for _, v := range groups[i].values {
			groups[i].rows = append(groups[i].rows, series(counts, months, Field(groups[i].dim, v)))
		}
	}
	// build makes the system of the total and the groups kept.
	build := func(keep []bool) (table, [][]int) {
		var t table
		filed := t.addRow(filedSeries)
		bases := make([][]int, len(groups))
		for gi, g := range groups {
			if keep != nil && !keep[gi] {
				continue
			}
			for _, r := range g.rows {
				bases[gi] = append(bases[gi], t.addRow(r))
			}
			if !g.multi {
				t.addSum(filed, bases[gi])
			}
		}
		return t, bases
	}
	keep := make([]bool, len(groups))
	for i := range keep {
		keep[i] = true
	}
	// A month with a few reports (1..min-1) cannot be broken down by
	// answer: the zeros next to a small count would tell what those few
	// answered ("all of them: at the workplace"). Then the answers are
	// shown for the year only; a year with a few reports shows nothing.
	total, smallMonth := 0, false
	for _, v := range filedSeries {
		total += v
		smallMonth = smallMonth || (v > 0 && v < min)
	}
	t, bases := build(nil)
	var marks []Mark
	if smallMonth || (total > 0 && total < min) {
		t, bases = build(make([]bool, len(groups)))
		marks = SuppressKeeping(t.values, t.cons, min, 16)
		rep.Withheld = Withheld(marks) || (total > 0 && total < min)
		for i := range keep {
			keep[i] = false
		}
	} else if marks = SuppressKeeping(t.values, t.cons, min, 16); Withheld(marks) {
		// The total alone, then each table against the total's marks.
		ft, _ := build(make([]bool, len(groups)))
		fm := SuppressKeeping(ft.values, ft.cons, min, 16)
		if Withheld(fm) || ft.values[16] < min {
			rep.Withheld = true
		}
		for gi := range groups {
			only := make([]bool, len(groups))
			only[gi] = true
			gt, _ := build(only)
			gm := suppressFrom(gt.values, gt.cons, min, fm)
			keep[gi] = !rep.Withheld && !Withheld(gm) && slices.Equal(gm[:NPeriods], fm)
		}
		for {
			t, bases = build(keep)
			marks = suppressFrom(t.values, t.cons, min, fm)
			if !slices.Equal(marks[:NPeriods], fm) || Withheld(marks) {
				// Together they need more: drop the last table kept.
				last := -1
				for gi := range keep {
					if keep[gi] {
						last = gi
					}
				}
				if last < 0 {
					marks = fm
					break
				}
				keep[last] = false
				continue
			}
			break
		}
	}
	if rep.Withheld {
		for i := range marks {
			marks[i] = Hidden
		}
	}
	rep.Filed = t.row(marks, 0, "filed", "")
	for gi, g := range groups {
		var yearOnly []Cell
		if !keep[gi] && !rep.Withheld {
			yearOnly = yearTable(g.rows, rep.Filed.Cells[16], g.multi, filedSeries, min)
		}
		for vi, v := range g.values {
			switch {
			case keep[gi] && !rep.Withheld:
				rep.Rows = append(rep.Rows, t.row(marks, bases[gi][vi], g.dim, v))
			case yearOnly != nil:
				r := withheldRow(g.dim, v)
				r.Cells[16], r.YearOnly = yearOnly[vi], true
				rep.Rows = append(rep.Rows, r)
			default:
				rep.Rows = append(rep.Rows, withheldRow(g.dim, v))
			}
		}
	}
	ack := series(counts, months, "ack7")
	fb := series(counts, months, "fb3")
	rep.Ack7 = shares(rep.Filed, ack, year, today, 0, 7)
	rep.Fb3 = shares(rep.Filed, fb, year, today, 3, 0)
	return rep
}

// yearTable is the fallback of a table that cannot be shown by month: its
// year counts alone, against the year's total (which must be shown; it is
// then a constant, so this table is independent of the others). nil when
// even that cannot be protected.
func yearTable(rows [][]int, filedYear Cell, multi bool, filed []int, min int) []Cell {
	if filedYear.Mark != Shown {
		return nil
	}
	values := []int{0}
	for _, v := range filed {
		values[0] += v
	}
	var parts []int
	for _, r := range rows {
		y := 0
		for _, v := range r {
			y += v
		}
		parts = append(parts, len(values))
		values = append(values, y)
	}
	var cons []Constraint
	if !multi {
		cons = []Constraint{{Total: 0, Parts: parts}}
	}
	marks := suppressFrom(values, cons, min, []Mark{Shown})
	if Withheld(marks) || marks[0] != Shown {
		return nil
	}
	out := make([]Cell, len(rows))
	for i := range rows {
		out[i] = Cell{Mark: marks[i+1]}
		if marks[i+1] == Shown {
			out[i].N = values[i+1]
		}
	}
	return out
}

func withheldRow(dim, value string) Row {
	r := Row{Dim: dim, Value: value, Withheld: true, Cells: make([]Cell, NPeriods)}
	for i := range r.Cells {
		r.Cells[i].Mark = Hidden
	}
	return r
}

// shares computes a deadline share per period: shown only where the
// period's number of reports is shown (a share of a hidden count would
// give the count away) and every deadline of the period has passed.
func shares(filed Row, num []int, year int, today string, months, days int) []Share {
	out := make([]Share, NPeriods)
	qs := func(p int) (first, last int) { // month range of period p
		switch {
		case p < 12:
			return p, p
		case p < 16:
			return 3 * (p - 12), 3*(p-12) + 2
		}
		return 0, 11
	}
	for p := range out {
		first, last := qs(p)
		end := time.Date(year, time.Month(last+2), 1, 0, 0, 0, 0, time.UTC).AddDate(0, months, days-1)
		if today <= end.Format(time.DateOnly) {
			out[p].Pending = true
			continue
		}
		c := filed.Cells[p]
		if c.Mark == Shown && c.N == 0 {
			out[p].Empty = true
		}
		if c.Mark != Shown || c.N == 0 {
			continue
		}
		n := 0
		for m := first; m <= last; m++ {
			n += num[m]
		}
		out[p] = Share{Pct: int(math.Round(100 * float64(min(n, c.N)) / float64(c.N))), Shown: true}
	}
	return out
}

// Use is the use of the guidance in a year, suppressed.
type Use struct {
	Year    int
	Min     int
	Periods []string
	// Rows: per metric its total (Value "<metric>") followed by its keys
	// (Value "<metric>|<key>"), metrics in the order given, then others.
	Rows []Row
}

// UseMetrics are the use counters, in the order shown.
var UseMetrics = []string{"topic", "helpful.yes", "helpful.no", "playbook.start", "playbook.done", "reminder.set", "campaign.sent", "campaign.ack", "campaign.mute"}

// BuildUse builds a year's use statistics from the monthly use counters
// ("<metric>|<key>" → count), suppressed per metric with its total.
func BuildUse(year, min int, counts map[string]map[string]int64) Use {
	months := Months(year)
	u := Use{Year: year, Min: min, Periods: Periods(year)}
	keys := map[string]map[string]bool{}
	for _, row := range counts {
		for f := range row {
			metric, key, ok := strings.Cut(f, "|")
			if !ok {
				continue
			}
			if keys[metric] == nil {
				keys[metric] = map[string]bool{}
			}
			keys[metric][key] = true
		}
	}
	metrics := slices.Clone(UseMetrics)
	var extra []string
	for m := range keys {
		if !slices.Contains(metrics, m) {
			extra = append(extra, m)
		}
	}
	sort.Strings(extra)
	for _, metric := range append(metrics, extra...) {
		var ks []string
		for k := range keys[metric] {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		// Each metric is its own table: its total and its keys.
		var t table
		tot := make([]int, 12)
		var rows [][]int
		for _, k := range ks {
			s := series(counts, months, metric+"|"+k)
			rows = append(rows, s)
			for i, v := range s {
				tot[i] += v
			}
		}
		total := t.addRow(tot)
		var bases []int
		for _, s := range rows {
			bases = append(bases, t.addRow(s))
		}
		if len(bases) > 0 {
			t.addSum(total, bases)
		}
		marks := SuppressKeeping(t.values, t.cons, min, total+16)
		u.Rows = append(u.Rows, t.row(marks, total, "use", metric))
		// Keys in the order of their names: an order by count would rank
		// the suppressed counts.
		for i, k := range ks {
			u.Rows = append(u.Rows, t.row(marks, bases[i], "use", metric+"|"+k))
		}
	}
	return u
}
