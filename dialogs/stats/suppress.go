// Package stats protects small numbers in the statistics Grænsen shows to
// the unit and to AMK (issue 16). It is pure: counts in, marks out.
//
// A published set of counts is a System: cells (non-negative integers) and
// additive constraints (a total is the sum of its parts: a month column
// sums over the answers, a quarter over its months, a year over its
// quarters). Every count 0 < n < Min is suppressed (primary suppression,
// shown as "< Min"). Then further cells are hidden (complementary, or
// secondary, suppression) until no suppressed small count can be worked out
// from what is shown, by anyone who knows the rules:
//
//   - linear algebra: any combination of shown totals and cells that pins a
//     suppressed cell exactly (a quarter total minus its shown months, a row
//     total minus the shown cells, differences of differences …);
//   - bounds: an attacker knows a small cell is 1..Min-1 and a hidden one is
//     at least Min (zeros are never hidden: a hidden cell therefore is not
//     small and not zero), so "two small cells whose sum is 2" pins both.
//
// The audit propagates those bounds through every constraint and through
// every combination of constraints that linear algebra yields (the rows of
// the reduced echelon form of the hidden cells' system), and hides the
// smallest shown cell of at least Min next to each exposed small cell until
// none is exposed. Zeros are shown as they are (a statistician's choice:
// an empty category is not a person).
package stats

import (
	"math"
	"slices"
)

// Mark says how a cell is published.
type Mark uint8

// The marks.
const (
	Shown  Mark = iota // the count is shown
	Small              // 0 < n < Min: shown as "< Min" (primary suppression)
	Hidden             // n ≥ Min hidden so that no small count can be worked out (secondary)
)

// DefaultMin is the threshold below which a count is not shown; MinFloor
// is the lowest threshold Grænsen accepts.
const (
	DefaultMin = 5
	MinFloor   = 3
)

// Constraint says that cell Total is the sum of cells Parts.
type Constraint struct {
	Total int
	Parts []int
}

// Suppress marks every cell of a system: Small for 0 < v < min, Hidden for
// the complementary cells chosen so that no Small cell can be computed from
// the Shown ones and the constraints, Shown for the rest. It never hides a
// zero. If the small cells cannot be protected by hiding more cells (when
// nearly everything is small: a quarter of two reports), every cell, zeros
// included, is Hidden: the table is withheld (see Withheld).
func Suppress(values []int, cons []Constraint, min int) []Mark {
	return suppressFrom(values, cons, min, nil)
}

// SuppressKeeping is Suppress that hides the cells of keep (the year's
// total, the figure people look for first) only when nothing else can
// protect a small count.
func SuppressKeeping(values []int, cons []Constraint, min int, keep ...int) []Mark {
	return suppressAvoiding(values, cons, min, nil, keep)
}

// suppressFrom is Suppress starting from marks already decided (a row
// shared with another table); nil starts afresh.
func suppressFrom(values []int, cons []Constraint, min int, init []Mark) []Mark {
	return suppressAvoiding(values, cons, min, init, nil)
}

func suppressAvoiding(values []int, cons []Constraint, min int, init []Mark, keep []int) []Mark {
	avoid := map[int]bool{}
	for _, k := range keep {
		avoid[k] = true
	}
	marks := make([]Mark, len(values))
	copy(marks, init)
	for i, v := range values {
		if v > 0 && v < min {
			marks[i] = Small
		}
	}
	of := cellConstraints(len(values), cons)
	for round := 0; round <= len(values); round++ {
		exposed := Exposed(values, marks, cons, min)
		if len(exposed) == 0 {
			return marks
		}
		added := false
		for _, x := range exposed {
			c := candidate(x, values, marks, cons, of, min, avoid)
			if c < 0 {
				c = candidate(x, values, marks, cons, of, min, nil)
			}
			if c >= 0 {
				marks[c] = Hidden
				added = true
			}
		}
		if !added {
			break
		}
	}
	if len(Exposed(values, marks, cons, min)) == 0 {
		return marks
	}
	for i := range marks {
		marks[i] = Hidden
	}
	return marks
}

// Withheld reports whether Suppress withheld the whole table.
func Withheld(marks []Mark) bool {
	for _, m := range marks {
		if m != Hidden {
			return false
		}
	}
	return len(marks) > 0
}

func cellConstraints(n int, cons []Constraint) [][]int {
	of := make([][]int, n)
	for ci, c := range cons {
		of[c.Total] = append(of[c.Total], ci)
		for _, p := range c.Parts {
			of[p] = append(of[p], ci)
		}
	}
	return of
}

// candidate picks the shown cell to hide next for an exposed small cell x:
// the smallest cell of at least min in a constraint with x; if there is
// none, in a constraint with a suppressed neighbour of x (breadth first).
func candidate(x int, values []int, marks []Mark, cons []Constraint, of [][]int, min int, avoid map[int]bool) int {
	seen := map[int]bool{x: true}
	frontier := []int{x}
	for len(frontier) > 0 {
		best := -1
		var next []int
		for _, cell := range frontier {
			for _, ci := range of[cell] {
				c := cons[ci]
				for _, k := range append([]int{c.Total}, c.Parts...) {
					switch {
					case marks[k] == Shown && values[k] >= min && !avoid[k]:
						if best < 0 || values[k] < values[best] || (values[k] == values[best] && k < best) {
							best = k
						}
					case marks[k] != Shown && !seen[k]:
						seen[k] = true
						next = append(next, k)
					}
				}
			}
		}
		if best >= 0 {
			return best
		}
		frontier = next
	}
	return -1
}

// equation is Σ coef[j]·x[vars[j]] = rhs over suppressed cells.
type equation struct {
	coef []float64 // indexed by variable number
	rhs  float64
}

const eps = 1e-7

// Exposed returns the Small cells whose value can be worked out from the
// Shown cells, the constraints and the rules (Small is 1..min-1, Hidden is
// at least min).
func Exposed(values []int, marks []Mark, cons []Constraint, min int) []int {
	var vars []int
	num := make([]int, len(values))
	for i := range values {
		num[i] = -1
		if marks[i] != Shown {
			num[i] = len(vars)
			vars = append(vars, i)
		}
	}
	if len(vars) == 0 {
		return nil
	}
	n := len(vars)
	var eqs []equation
	for _, c := range cons {
		e := equation{coef: make([]float64, n)}
		any := false
		term := func(cell int, sign float64) {
			if num[cell] >= 0 {
				e.coef[num[cell]] += sign
				any = true
			} else {
				e.rhs -= sign * float64(values[cell])
			}
		}
		term(c.Total, 1)
		for _, p := range c.Parts {
			term(p, -1)
		}
		if any {
			eqs = append(eqs, e)
		}
	}
	lo, hi := make([]float64, n), make([]float64, n)
	for j, cell := range vars {
		if marks[cell] == Small {
			lo[j], hi[j] = 1, float64(min-1)
		} else {
			lo[j], hi[j] = float64(min), math.Inf(1)
		}
	}
	// Two echelon forms: small cells last (hidden cells expressed in small
	// ones, whose bounds then bind them) and small cells first.
	smallLast, smallFirst := make([]int, 0, n), make([]int, 0, n)
	for j, cell := range vars {
		if marks[cell] == Small {
			smallFirst = append(smallFirst, j)
		}
	}
	for j, cell := range vars {
		if marks[cell] != Small {
			smallLast = append(smallLast, j)
		}
	}
	smallFirst = append(smallFirst, smallLast...)
	for j, cell := range vars {
		if marks[cell] == Small {
			smallLast = append(smallLast, j)
		}
	}
	all := slices.Clone(eqs)
	all = append(all, reduce(eqs, smallLast)...)
	all = append(all, reduce(eqs, smallFirst)...)
	propagate(all, lo, hi)
	var out []int
	for j, cell := range vars {
		if marks[cell] == Small && hi[j]-lo[j] < 0.5 {
			out = append(out, cell)
		}
	}
	return out
}

// reduce returns the rows of the reduced row echelon form of the system:
// every combination of the constraints that isolates few unknowns is one
// of them (a row with a single unknown is a computed value).
func reduce(eqs []equation, order []int) []equation {
	rows := make([]equation, len(eqs))
	for i, e := range eqs {
		rows[i] = equation{coef: slices.Clone(e.coef), rhs: e.rhs}
	}
	r := 0
	for _, col := range order {
		if r == len(rows) {
			break
		}
		p := -1
		for i := r; i < len(rows); i++ {
			if math.Abs(rows[i].coef[col]) > eps && (p < 0 || math.Abs(rows[i].coef[col]) > math.Abs(rows[p].coef[col])) {
				p = i
			}
		}
		if p < 0 {
			continue
		}
		rows[r], rows[p] = rows[p], rows[r]
		pv := rows[r].coef[col]
		for j := range rows[r].coef {
			rows[r].coef[j] /= pv
		}
		rows[r].rhs /= pv
		for i := range rows {
			if i == r || math.Abs(rows[i].coef[col]) <= eps {
				continue
			}
			f := rows[i].coef[col]
			for j := range rows[i].coef {
				rows[i].coef[j] -= f * rows[r].coef[j]
			}
			rows[i].rhs -= f * rows[r].rhs
		}
		r++
	}
	return rows[:r]
}

// propagate narrows each unknown's bounds through every equation until
// nothing changes (integer bounds: rounded inwards).
func propagate(eqs []equation, lo, hi []float64) {
	for round := 0; round < 200; round++ {
		changed := false
		for _, e := range eqs {
			// The sum's range over all terms, counting infinite ends apart.
			var sLo, sHi float64
			infLo, infHi := 0, 0
			for j, c := range e.coef {
				if math.Abs(c) <= eps {
					continue
				}
				a, b := c*lo[j], c*hi[j]
				if c < 0 {
					a, b = b, a
				}
				if math.IsInf(a, -1) {
					infLo++
				} else {
					sLo += a
				}
				if math.IsInf(b, 1) {
					infHi++
				} else {
					sHi += b
				}
			}
			for j, c := range e.coef {
				if math.Abs(c) <= eps {
					continue
				}
				a, b := c*lo[j], c*hi[j]
				if c < 0 {
					a, b = b, a
				}
				// Range of the other terms.
				oLo, oHi := math.Inf(-1), math.Inf(1)
				if infLo == 0 || (infLo == 1 && math.IsInf(a, -1)) {
					oLo = sLo
					if !math.IsInf(a, -1) {
						oLo -= a
					}
				}
				if infHi == 0 || (infHi == 1 && math.IsInf(b, 1)) {
					oHi = sHi
					if !math.IsInf(b, 1) {
						oHi -= b
					}
				}
				// c·x = rhs − others.
				tLo, tHi := e.rhs-oHi, e.rhs-oLo
				nLo, nHi := tLo/c, tHi/c
				if c < 0 {
					nLo, nHi = nHi, nLo
				}
				if !math.IsInf(nLo, 0) && !math.IsNaN(nLo) {
					if v := math.Ceil(nLo - eps); v > lo[j]+eps {
						lo[j], changed = v, true
					}
				}
				if !math.IsInf(nHi, 0) && !math.IsNaN(nHi) {
					if v := math.Floor(nHi + eps); v < hi[j]-eps {
						hi[j], changed = v, true
					}
				}
			}
		}
		if !changed {
			return
		}
	}
}
