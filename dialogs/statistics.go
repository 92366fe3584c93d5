package dialogs

// Statistics (issue 16): the card for the unit's handlers and AMK's
// admins, the report counters derived from the form's answers, and the
// use counters derived from what a turn did. The counts themselves are
// kept and suppressed elsewhere (dialogs/redisstore, dialogs/stats); this
// file decides who may see them and how they look.

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kk/graensen/dialogs/stats"
)

// VerbStats opens the statistics card (arg: a year, default this year).
const VerbStats = "stats"

// CountUse counts one use of the guidance (a topic opened, a playbook
// started or finished, a reminder set, "did this help" answered …): Metric
// is one of stats.UseMetrics (or a new one), Key what was used (a topic or
// playbook id; "" for none). The bot carries it out after the turn has
// been committed and sums it in memory with other turns' counts before
// writing, so it is never stored with the user's keys nor at the user's
// moment. It has no effect on the conversation: Step moves it from the
// outputs to Result.Counts.
type CountUse struct {
	Metric string
	Key    string
}

// ShowStats asks for the statistics card of Year. Handler is whether the
// user is one of the unit's handlers: only they see the case numbers of
// cases past a deadline.
type ShowStats struct {
	Year    int
	Handler bool
}

func (CountUse) IsOutput()  {}
func (ShowStats) IsOutput() {}

func (e *Engine) registerStats() {
	e.view(VerbStats, e.statsView)
}

func (e *Engine) statsView(t *Turn, arg string) {
	if !t.IsHandler() && !t.IsAdmin() {
		t.Reply(Card{Name: "stats-refused", Blocks: []Block{{Kind: BlockText, Msg: M("stats.refused")}}, Actions: []Action{menuAction()}})
		return
	}
	if t.In.Scope != ScopePersonal {
		// A channel has members who are neither handlers nor admins.
		t.Reply(Card{Name: "stats-private", Blocks: []Block{{Kind: BlockText, Msg: M("stats.private")}}})
		return
	}
	year := t.In.Now.In(Copenhagen).Year()
	if y, err := strconv.Atoi(arg); err == nil && y >= 2020 && y <= year {
		year = y
	}
	t.Emit(ShowStats{Year: year, Handler: t.IsHandler()})
}

// statsSkip are answers of the form that are not counted: "when" dates
// the incident relative to the report, which next to the month of the
// report would say more about time than the month.
var statsSkip = map[string]bool{"when": true}

// ReportStatDims are the form's questions that are counted, in the form's
// order, read from ReportAnswers and its options: a question added to the
// form (a field whose lower-case name is an options key) is counted
// without a change here.
func ReportStatDims() []stats.Dim {
	var dims []stats.Dim
	rt := reflect.TypeFor[ReportAnswers]()
	for i := range rt.NumField() {
		f := rt.Field(i)
		key := strings.ToLower(f.Name)
		opts, ok := reportOptions[key]
		if !ok || statsSkip[key] {
			continue
		}
		switch f.Type.Kind() {
		case reflect.String:
			dims = append(dims, stats.Dim{Key: key, Values: slices.Clone(opts)})
		case reflect.Slice:
			dims = append(dims, stats.Dim{Key: key, Values: slices.Clone(opts), Multi: true})
		}
	}
	return dims
}

// ReportStatFields are the counters a report adds to ("<question>=<answer>",
// "none" for a question left unanswered; only the form's own options).
func ReportStatFields(a ReportAnswers) []string {
	var out []string
	v := reflect.ValueOf(a)
	for i := range v.NumField() {
		key := strings.ToLower(v.Type().Field(i).Name)
		opts, ok := reportOptions[key]
		if !ok || statsSkip[key] {
			continue
		}
		switch fv := v.Field(i); fv.Kind() {
		case reflect.String:
			val := fv.String()
			if !slices.Contains(opts, val) {
				val = stats.None
			}
			out = append(out, stats.Field(key, val))
		case reflect.Slice:
			seen := map[string]bool{}
			for j := range fv.Len() {
				w := fv.Index(j).String()
				if slices.Contains(opts, w) && !seen[w] {
					seen[w] = true
					out = append(out, stats.Field(key, w))
				}
			}
		}
	}
	return out
}

// countUse derives the use counters of a turn from what it did: a topic
// card shown, "did this help?" answered, a playbook begun or finished, a
// reminder set, campaigns muted or acknowledged. (Features may also emit CountUse themselves.)
func (e *Engine) countUse(t *Turn, before Profile) {
	for _, o := range t.out {
		switch o := o.(type) {
		case Reply:
			if id, ok := topicOf(o.Card); ok {
				t.Emit(CountUse{Metric: "topic", Key: id})
			}
		case CampaignAck:
			t.Emit(CountUse{Metric: "campaign.ack"})
		case FeedbackVote: // "did this help?" (situation.go)
			m := "helpful.no"
			if o.Helpful {
				m = "helpful.yes"
			}
			t.Emit(CountUse{Metric: m, Key: o.Doc})
		}
	}
	if !t.pchg {
		return
	}
	after := t.Profile
	for id, gp := range after.Guides {
		old := before.Guides[id]
		if gp == nil {
			continue
		}
		if old == nil || (old.Done && !gp.Done && e.stepOf(id, gp) == 0) {
			t.Emit(CountUse{Metric: "playbook.start", Key: id})
		}
		if gp.Done && (old == nil || !old.Done) {
			t.Emit(CountUse{Metric: "playbook.done", Key: id})
		}
	}
	for _, r := range after.Reminders {
		if !slices.ContainsFunc(before.Reminders, func(b Reminder) bool { return b.ID == r.ID }) {
			t.Emit(CountUse{Metric: "reminder.set", Key: r.Playbook})
		}
	}
	if after.Muted && !before.Muted {
		t.Emit(CountUse{Metric: "campaign.mute"})
	}
}

// splitCounts takes the CountUse outputs out of a turn's outputs.
func splitCounts(out []Output) ([]Output, []CountUse) {
	var counts []CountUse
	kept := out[:0:0]
	for _, o := range out {
		if c, ok := o.(CountUse); ok {
			counts = append(counts, c)
			continue
		}
		kept = append(kept, o)
	}
	if counts == nil {
		return out, nil
	}
	return kept, counts
}

// topicOf recognises a topic's card by its heading ("topic.<id>.title").
func topicOf(c Card) (string, bool) {
	if len(c.Blocks) == 0 || c.Blocks[0].Kind != BlockHeading {
		return "", false
	}
	id, ok := strings.CutPrefix(c.Blocks[0].Msg.ID, "topic.")
	if !ok {
		return "", false
	}
	id, ok = strings.CutSuffix(id, ".title")
	return id, ok && id != "" && !strings.Contains(id, ".")
}

// Overdue is an open case past a deadline, for the handlers' list.
type Overdue struct {
	CaseID string
	Kind   string // "ack" (7 days) or "feedback" (3 months)
	Due    string // YYYY-MM-DD
}

// StatsView is what the statistics card shows.
type StatsView struct {
	Reports stats.Report
	Use     stats.Use
	// Overdue is set only for handlers.
	Overdue []Overdue
	Handler bool
	Now     time.Time
}

var quarterNames = []string{"Q1", "Q2", "Q3", "Q4"}

// StatsCard is the statistics card: reports per month as bars, quarters
// and the year per answer, the deadlines kept, the use of the guidance
// and, for handlers, the cases past a deadline.
func StatsCard(v StatsView) Card {
	r, min := v.Reports, v.Reports.Min
	blocks := []Block{
		{Kind: BlockHeading, Msg: Msg{ID: "stats.title", Data: map[string]any{"Year": r.Year}}},
		{Kind: BlockSubtle, Msg: Msg{ID: "stats.rules", Data: map[string]any{"Min": min}}},
		{Kind: BlockText, Msg: M("stats.reports.title")},
	}
	if r.Withheld {
		blocks = append(blocks, Block{Kind: BlockText, Msg: Msg{ID: "stats.reports.withheld", Data: map[string]any{"Min": min}}})
	} else {
		blocks = append(blocks, monthBars(r.Filed, min))
		blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("stats.quarters")})
		blocks = append(blocks, Block{Kind: BlockFacts, Facts: []Fact{
			{Label: M("stats.filed"), Raw: quarterText(r.Filed, min)},
			{Label: M("stats.ack7"), Raw: shareText(v.Reports.Ack7)},
			{Label: M("stats.fb3"), Raw: shareText(v.Reports.Fb3)},
		}})
		dim := ""
		var facts []Fact
		flush := func() {
			if dim != "" {
				blocks = append(blocks, Block{Kind: BlockFacts, Facts: facts})
			}
			facts = nil
		}
		for _, row := range r.Rows {
			if row.Dim != dim {
				flush()
				dim = row.Dim
				label := M("report.sum." + dim)
				switch dim {
				case "status":
					label = M("report.status.label")
				case "wants": // the form's label speaks to the reporter ("you want")
					label = M("stats.dim.wants")
				}
				blocks = append(blocks, Block{Kind: BlockText, Msg: label})
			}
			facts = append(facts, Fact{Label: valueLabel(row.Dim, row.Value), Raw: quarterText(row, min)})
		}
		flush()
	}
	blocks = append(blocks, Block{Kind: BlockText, Msg: M("stats.use.title")})
	var topics stats.Row
	var useFacts []Fact
	for _, row := range v.Use.Rows {
		if strings.Contains(row.Value, "|") {
			metric, key, _ := strings.Cut(row.Value, "|")
			if metric == "topic" && key != "" && row.Cells[16].Mark == stats.Shown {
				useFacts = append(useFacts, Fact{Label: M("topic." + key + ".title"), Raw: row.Cells[16].Text(min)})
			}
			continue
		}
		if row.Value == "topic" {
			topics = row
		}
		if !slices.Contains(stats.UseMetrics, row.Value) {
			continue // a metric of a newer feature: in the API, not on the card
		}
		useFacts = append(useFacts, Fact{Label: M(useLabel(row.Value)), Raw: row.Cells[16].Text(min)})
	}
	if topics.Cells != nil {
		blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("stats.use.topicsMonth")}, monthBars(topics, min))
	}
	blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("stats.use.year")}, Block{Kind: BlockFacts, Facts: useFacts})
	if v.Handler {
		blocks = append(blocks, Block{Kind: BlockText, Msg: M("stats.overdue.title")})
		if len(v.Overdue) == 0 {
			blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("stats.overdue.none")})
		} else {
			var facts []Fact
			for _, o := range v.Overdue {
				facts = append(facts, Fact{Label: raw(CaseNo(o.CaseID)), Value: Msg{ID: "stats.overdue." + o.Kind, Data: map[string]any{"Due": o.Due}}})
			}
			blocks = append(blocks, Block{Kind: BlockFacts, Facts: facts})
		}
	}
	actions := []Action{{Label: Msg{ID: "stats.prevYear", Data: map[string]any{"Year": r.Year - 1}}, Data: Submit(VerbStats, strconv.Itoa(r.Year-1))}}
	if r.Year < v.Now.In(Copenhagen).Year() {
		actions = append(actions, Action{Label: Msg{ID: "stats.nextYear", Data: map[string]any{"Year": r.Year + 1}}, Data: Submit(VerbStats, strconv.Itoa(r.Year+1))})
	}
	return Card{Name: "stats", Blocks: blocks, Actions: append(actions, menuAction())}
}

func valueLabel(dim, value string) Msg {
	switch {
	case value == stats.None:
		return M("stats.none")
	case dim == "status":
		return statusMsg(value)
	case slices.Contains(reportOptions[dim], value):
		return M("report.opt." + dim + "." + value)
	}
	return raw(value) // an answer the form no longer offers
}

func useLabel(metric string) string {
	if metric == "reminder.set" {
		return "stats.use.reminder"
	}
	return "stats.use." + metric
}

var monthKeys = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// monthBars draws a row's twelve months; suppressed months get no bar.
func monthBars(row stats.Row, min int) Block {
	top := 0
	for _, c := range row.Cells[:12] {
		if c.Mark == stats.Shown {
			top = max(top, c.N)
		}
	}
	var bars []Bar
	for i, c := range row.Cells[:12] {
		n := 0
		if c.Mark == stats.Shown {
			n = c.N
		}
		bars = append(bars, Bar{Label: M("stats.month." + monthKeys[i]), N: n, Max: max(top, 1), Text: c.Text(min)})
	}
	return Block{Kind: BlockBars, Bars: bars}
}

// quarterText is "Q1 · Q2 · Q3 · Q4 = year" of a row.
func quarterText(row stats.Row, min int) string {
	if row.Withheld && !row.YearOnly {
		return "•"
	}
	var parts []string
	for q := range quarterNames {
		parts = append(parts, row.Cells[12+q].Text(min))
	}
	return strings.Join(parts, " · ") + " = " + row.Cells[16].Text(min)
}

func shareText(s []stats.Share) string {
	var parts []string
	for q := 12; q <= 16; q++ {
		switch {
		case s[q].Pending:
			parts = append(parts, "…")
		case s[q].Shown:
			parts = append(parts, fmt.Sprintf("%d %%", s[q].Pct))
		case s[q].Empty:
			parts = append(parts, "–")
		default:
			parts = append(parts, "•")
		}
	}
	return strings.Join(parts[:4], " · ") + " = " + parts[4]
}
