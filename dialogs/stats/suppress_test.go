package stats

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// grid builds a table of rows × months with a total row, quarter columns
// (every three months) and, with more than one quarter, a year column:
// the shape Grænsen publishes. It returns the values and constraints.
func grid(cells [][]int) ([]int, []Constraint) {
	rows, months := len(cells), len(cells[0])
	quarters := months / 3
	cols := months + quarters
	if quarters > 1 {
		cols++
	}
	idx := func(r, c int) int { return r*cols + c }
	values := make([]int, (rows+1)*cols)
	for r := 0; r < rows; r++ {
		for m := 0; m < months; m++ {
			values[idx(r, m)] = cells[r][m]
		}
	}
	var cons []Constraint
	for r := 0; r <= rows; r++ {
		if r == rows { // total row
			for m := 0; m < months; m++ {
				for k := 0; k < rows; k++ {
					values[idx(r, m)] += values[idx(k, m)]
				}
			}
		}
		var qs []int
		for q := 0; q < quarters; q++ {
			t := idx(r, months+q)
			parts := []int{idx(r, 3*q), idx(r, 3*q+1), idx(r, 3*q+2)}
			for _, p := range parts {
				values[t] += values[p]
			}
			cons = append(cons, Constraint{Total: t, Parts: parts})
			qs = append(qs, t)
		}
		if quarters > 1 {
			t := idx(r, cols-1)
			for _, p := range qs {
				values[t] += values[p]
			}
			cons = append(cons, Constraint{Total: t, Parts: qs})
		}
	}
	for c := 0; c < cols; c++ {
		var parts []int
		for r := 0; r < rows; r++ {
			parts = append(parts, idx(r, c))
		}
		cons = append(cons, Constraint{Total: idx(rows, c), Parts: parts})
	}
	return values, cons
}

func TestSuppressTable(t *testing.T) {
	cases := []struct {
		name  string
		vals  []int
		cons  []Constraint
		small []int // cells that must be Small
		// hiddenAtLeast is how many cells must be Hidden at least.
		hiddenAtLeast int
		shown         []int // cells that must stay Shown
	}{
		{name: "nothing small", vals: []int{10, 20, 30}, cons: []Constraint{{Total: 2, Parts: []int{0, 1}}}, shown: []int{0, 1, 2}},
		{name: "zeros are shown", vals: []int{0, 7, 7}, cons: []Constraint{{Total: 2, Parts: []int{0, 1}}}, shown: []int{0, 1, 2}},
		// 2 + 8 = 10: the 2 alone would be 10 − 8. The smallest cell of at
		// least 5 next to it is hidden; 10 can stay.
		{name: "one small cell in a row with a total", vals: []int{2, 8, 10}, cons: []Constraint{{Total: 2, Parts: []int{0, 1}}}, small: []int{0}, hiddenAtLeast: 1},
		// 1 + 5 + 9 = 15: hiding the 5 leaves 1 + x = 6 with x ≥ 5: x = 5,
		// the 1 pinned; so the 9 is hidden too.
		{name: "a complement with no slack is not enough", vals: []int{1, 5, 9, 15}, cons: []Constraint{{Total: 3, Parts: []int{0, 1, 2}}}, small: []int{0}, hiddenAtLeast: 2},
		// Two small cells summing to 2 are both 1: another cell is hidden.
		{name: "two ones", vals: []int{1, 1, 20, 22}, cons: []Constraint{{Total: 3, Parts: []int{0, 1, 2}}}, small: []int{0, 1}, hiddenAtLeast: 1},
		// 3 + 2 = 5 with both small: (1,4), (2,3), (3,2), (4,1) remain.
		{name: "two small cells protect each other", vals: []int{3, 2, 5}, cons: []Constraint{{Total: 2, Parts: []int{0, 1}}}, small: []int{0, 1}, shown: []int{2}},
		// A small total is small itself; its only part equals it.
		{name: "small total", vals: []int{3, 0, 3}, cons: []Constraint{{Total: 2, Parts: []int{0, 1}}}, small: []int{0, 2}, shown: []int{1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := Suppress(tc.vals, tc.cons, 5)
			for _, i := range tc.small {
				if m[i] != Small {
					t.Errorf("cell %d (%d) is %v, want Small", i, tc.vals[i], m[i])
				}
			}
			for _, i := range tc.shown {
				if m[i] != Shown {
					t.Errorf("cell %d (%d) is %v, want Shown", i, tc.vals[i], m[i])
				}
			}
			hidden := 0
			for i, mk := range m {
				if mk == Hidden {
					hidden++
					if tc.vals[i] < 5 {
						t.Errorf("hidden cell %d is %d: only cells of at least the threshold are hidden", i, tc.vals[i])
					}
				}
			}
			if hidden < tc.hiddenAtLeast {
				t.Errorf("%d hidden cells, want at least %d (marks %v)", hidden, tc.hiddenAtLeast, m)
			}
			if e := Exposed(tc.vals, m, tc.cons, 5); len(e) > 0 {
				t.Errorf("exposed after suppression: %v", e)
			}
		})
	}
}

// A quarter total minus shown months must not give away a suppressed month.
func TestQuarterMinusMonths(t *testing.T) {
	vals, cons := grid([][]int{{2, 9, 12}, {8, 7, 6}})
	m := Suppress(vals, cons, 5)
	if m[0] != Small {
		t.Fatalf("the 2 is %v", m[0])
	}
	if bruteExposed(t, vals, m, cons, 5) != nil {
		t.Fatal("a suppressed value can be computed")
	}
}

func TestExposedFindsTheClassicAttacks(t *testing.T) {
	// Row total minus the shown cells.
	vals := []int{2, 8, 10}
	cons := []Constraint{{Total: 2, Parts: []int{0, 1}}}
	if e := Exposed(vals, []Mark{Small, Shown, Shown}, cons, 5); !slices.Equal(e, []int{0}) {
		t.Errorf("row total minus a shown cell: exposed %v", e)
	}
	// Two ones with a shown total.
	vals = []int{1, 1, 20, 22}
	cons = []Constraint{{Total: 3, Parts: []int{0, 1, 2}}}
	if e := Exposed(vals, []Mark{Small, Small, Shown, Shown}, cons, 5); len(e) != 2 {
		t.Errorf("1 + 1 = 2: exposed %v", e)
	}
	// A hidden complement with no slack.
	vals = []int{1, 5, 6}
	cons = []Constraint{{Total: 2, Parts: []int{0, 1}}}
	if e := Exposed(vals, []Mark{Small, Hidden, Shown}, cons, 5); len(e) != 1 {
		t.Errorf("1 + (≥5) = 6: exposed %v", e)
	}
}

// randomTable draws a table with many small counts, as Grænsen's are.
func randomTable(r *rand.Rand, rows, months int) [][]int {
	cells := make([][]int, rows)
	for i := range cells {
		cells[i] = make([]int, months)
		for m := range cells[i] {
			switch p := r.IntN(100); {
			case p < 25:
				cells[i][m] = 0
			case p < 70:
				cells[i][m] = 1 + r.IntN(4)
			default:
				cells[i][m] = 5 + r.IntN(10)
			}
		}
	}
	return cells
}

// TestNoSuppressedValueCanBeComputed is the attack: many random tables
// (seeded), suppressed, then attacked two ways that do not share code with
// the suppression: (1) every combination of rows, columns and totals
// (coefficients −1, 0, +1 on each constraint) that leaves a single
// suppressed cell computes it; (2) an exhaustive search over all integer
// values the suppressed cells could take, consistent with every shown cell
// and total and with the rules (small is 1..min-1, hidden is at least min),
// looks for a second value of each small cell. Either failing is a leak.
func TestNoSuppressedValueCanBeComputed(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 2026))
	shapes := []struct{ rows, months, n int }{{1, 3, 300}, {2, 3, 300}, {3, 3, 200}, {2, 6, 120}, {3, 6, 40}}
	if testing.Short() {
		for i := range shapes {
			shapes[i].n /= 10
		}
	}
	withheld, published := 0, 0
	defer func() { t.Logf("%d tables published and attacked, %d withheld whole", published, withheld) }()
	for _, min := range []int{3, 5} {
		for _, sh := range shapes {
			for n := 0; n < sh.n; n++ {
				cells := randomTable(r, sh.rows, sh.months)
				vals, cons := grid(cells)
				m := Suppress(vals, cons, min)
				if n%2 == 1 { // keeping the grand total shown where possible
					m = SuppressKeeping(vals, cons, min, len(vals)-1)
				}
				name := fmt.Sprintf("min %d table %v", min, cells)
				if Withheld(m) {
					withheld++
					continue
				}
				published++
				for i, v := range vals {
					if v > 0 && v < min && m[i] != Small {
						t.Fatalf("%s: cell %d = %d shown", name, i, v)
					}
					if m[i] == Hidden && v < min {
						t.Fatalf("%s: cell %d = %d hidden as a complement", name, i, v)
					}
				}
				if len(cons) <= 10 {
					if cell, ok := combinationAttack(vals, m, cons); ok {
						t.Fatalf("%s: a combination of totals computes cell %d = %d (marks %v)", name, cell, vals[cell], m)
					}
				}
				if e := bruteExposed(t, vals, m, cons, min); e != nil {
					t.Fatalf("%s: small cells %v have only one possible value (marks %v)", name, e, m)
				}
			}
		}
	}
}

// combinationAttack tries every signed combination of the constraints.
func combinationAttack(vals []int, m []Mark, cons []Constraint) (int, bool) {
	k := len(cons)
	signs := make([]int, k)
	coef := map[int]int{}
	for {
		// next sign vector in {-1,0,1}^k
		i := 0
		for i < k {
			signs[i]++
			if signs[i] <= 1 {
				break
			}
			signs[i] = -1
			i++
		}
		if i == k {
			return 0, false
		}
		clear(coef)
		for ci, s := range signs {
			if s == 0 {
				continue
			}
			c := cons[ci]
			if m[c.Total] != Shown {
				coef[c.Total] += s
			}
			for _, p := range c.Parts {
				if m[p] != Shown {
					coef[p] -= s
				}
			}
		}
		only, count := -1, 0
		for cell, c := range coef {
			if c != 0 {
				only, count = cell, count+1
			}
		}
		if count == 1 && m[only] == Small {
			return only, true
		}
	}
}

// bruteExposed returns the small cells that have a single feasible value.
func bruteExposed(t *testing.T, vals []int, m []Mark, cons []Constraint, min int) []int {
	t.Helper()
	var vars []int
	num := map[int]int{}
	maxV := 0
	for i, v := range vals {
		maxV = max(maxV, v)
		if m[i] != Shown {
			num[i] = len(vars)
			vars = append(vars, i)
		}
	}
	var out []int
	for _, x := range vars {
		if m[x] != Small {
			continue
		}
		lo := make([]int, len(vars))
		hi := make([]int, len(vars))
		for j, cell := range vars {
			if m[cell] == Small {
				lo[j], hi[j] = 1, min-1
			} else {
				lo[j], hi[j] = min, 2*maxV+min
			}
		}
		budget := 5_000_000
		if !search(vals, m, cons, num, vars, lo, hi, num[x], vals[x], &budget) {
			if budget <= 0 {
				t.Fatalf("search budget exhausted for cell %d", x)
			}
			out = append(out, x)
		}
	}
	return out
}

// search looks for an assignment of the suppressed cells satisfying every
// constraint with variable avoid ≠ avoidVal: depth first, assigning a
// variable outright when a constraint has it as its only unknown.
func search(vals []int, m []Mark, cons []Constraint, num map[int]int, vars []int, lo, hi []int, avoid, avoidVal int, budget *int) bool {
	assign := make([]int, len(vars))
	set := make([]bool, len(vars))
	// terms of each constraint: variable numbers with signs, and the constant.
	type term struct{ j, sign int }
	type eq struct {
		terms []term
		k     int // Σ sign·known
	}
	eqs := make([]eq, len(cons))
	for ci, c := range cons {
		add := func(cell, sign int) {
			if j, ok := num[cell]; ok {
				eqs[ci].terms = append(eqs[ci].terms, term{j, sign})
			} else {
				eqs[ci].k += sign * vals[cell]
			}
		}
		add(c.Total, 1)
		for _, p := range c.Parts {
			add(p, -1)
		}
	}
	ok := func(j, v int) bool { return v >= lo[j] && v <= hi[j] && !(j == avoid && v == avoidVal) }
	// check returns false on a violated constraint; forced lists the
	// assignments implied by constraints with one unknown.
	check := func() (bool, []term) {
		var forced []term
		for _, e := range eqs {
			sum, minS, maxS, free, last := e.k, e.k, e.k, 0, -1
			lastSign := 0
			for _, t := range e.terms {
				if set[t.j] {
					sum += t.sign * assign[t.j]
					minS += t.sign * assign[t.j]
					maxS += t.sign * assign[t.j]
					continue
				}
				free++
				last, lastSign = t.j, t.sign
				if t.sign > 0 {
					minS += lo[t.j]
					maxS += hi[t.j]
				} else {
					minS -= hi[t.j]
					maxS -= lo[t.j]
				}
			}
			if minS > 0 || maxS < 0 {
				return false, nil
			}
			if free == 0 && sum != 0 {
				return false, nil
			}
			if free == 1 {
				// sum + sign·x = 0
				v := -sum * lastSign
				if !ok(last, v) {
					return false, nil
				}
				forced = append(forced, term{last, v})
			}
		}
		return true, forced
	}
	var dfs func() bool
	dfs = func() bool {
		*budget--
		if *budget <= 0 {
			return false
		}
		good, forced := check()
		if !good {
			return false
		}
		if len(forced) > 0 {
			f := forced[0]
			assign[f.j], set[f.j] = f.sign, true
			if dfs() {
				return true
			}
			set[f.j] = false
			return false
		}
		next := -1
		for j := range vars {
			if !set[j] && (next < 0 || hi[j]-lo[j] < hi[next]-lo[next]) {
				next = j
			}
		}
		if next < 0 {
			return true
		}
		for v := lo[next]; v <= hi[next]; v++ {
			if !ok(next, v) {
				continue
			}
			assign[next], set[next] = v, true
			if dfs() {
				return true
			}
			set[next] = false
		}
		return false
	}
	return dfs()
}

// The attackers must be able to fail: against primary suppression alone
// (no complements) and against the bounds-only case of the 1 + (≥5) = 6
// row, they find what is exposed.
func TestAttackersCatchWeakSuppression(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	found, combos := 0, 0
	for n := 0; n < 50; n++ {
		vals, cons := grid(randomTable(r, 2, 3))
		m := make([]Mark, len(vals))
		for i, v := range vals {
			if v > 0 && v < 5 {
				m[i] = Small
			}
		}
		if bruteExposed(t, vals, m, cons, 5) != nil {
			found++
		}
		if _, ok := combinationAttack(vals, m, cons); ok {
			combos++
		}
		if len(Exposed(vals, m, cons, 5)) == 0 && bruteExposed(t, vals, m, cons, 5) != nil {
			t.Fatalf("the audit misses what the exhaustive attacker finds: %v", vals)
		}
	}
	if found < 10 || combos < 10 {
		t.Fatalf("primary suppression alone leaked in %d (search) and %d (combinations) of 50 tables; the attackers look blind", found, combos)
	}
	vals := []int{1, 5, 6}
	cons := []Constraint{{Total: 2, Parts: []int{0, 1}}}
	if bruteExposed(t, vals, []Mark{Small, Hidden, Shown}, cons, 5) == nil {
		t.Fatal("1 + (≥5) = 6 not caught by the search")
	}
}
