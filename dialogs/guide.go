package dialogs

import (
	"sort"
	"strings"

	"github.com/kk/graensen/dialogs/content"
)

// Verbs of the manager guidance.
const (
	VerbGuides       = "guides"        // the list of playbooks
	VerbGuide        = "guide"         // arg playbook id: open where the user left off
	VerbGuideStep    = "guide-step"    // arg "<playbook>:<step id>" (or "<playbook>:finish"): go to that step
	VerbGuideSummary = "guide-summary" // arg playbook id: recap card with what was ticked
	VerbRemind       = "remind"        // arg "<playbook>:<step id>": set a follow-up reminder
	checkPrefix      = "chk:"          // input id prefix of checklist toggles: chk:<step>.<check>
	stepSep          = ":"
)

func (e *Engine) registerGuide() {
	e.view(VerbGuides, e.guidesView)
	e.view(VerbGuide, e.guideView)
	e.view(VerbGuideStep, e.stepView)
	e.view(VerbGuideSummary, e.summaryView)
}

func (e *Engine) guidesView(t *Turn, arg string) {
	e.saveChecksOf(t, arg) // "All guides" on a step card carries its ticks
	blocks := []Block{
		{Kind: BlockHeading, Msg: M("guide.list.title")},
		{Kind: BlockText, Msg: M("guide.list.text")},
	}
	if started := e.guidesUnderWay(t); len(started) > 0 {
		blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("core.menu.underway")}, Block{Kind: BlockActions, Actions: started})
	}
	for _, group := range playbookGroups {
		var acts []Action
		for _, p := range e.lib.Playbooks {
			if p.Group == group {
				acts = append(acts, Action{Label: M("playbook." + p.ID + ".title"), Data: Submit(VerbGuide, p.ID)})
			}
		}
		if len(acts) == 0 {
			continue
		}
		blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("guide.group." + group)})
		for i := 0; i < len(acts); i += 3 {
			blocks = append(blocks, Block{Kind: BlockActions, Actions: acts[i:min(i+3, len(acts))]})
		}
	}
	t.Reply(Card{Name: "guides", Blocks: blocks, Actions: []Action{
		{Label: M("remind.list.button"), Data: Submit(VerbReminders, "")},
		menuAction(),
	}})
}

// saveChecksOf saves the ticks submitted with a step card when arg names
// its playbook (the step card's "All guides" and "Menu" buttons carry it,
// so ticks are not lost when the user leaves that way).
func (e *Engine) saveChecksOf(t *Turn, arg string) {
	if p, ok := e.lib.Playbook(arg); ok {
		e.saveChecks(t, p)
	}
}

// guidesUnderWay lists the playbooks the user has started and not finished,
// most recently used first.
func (e *Engine) guidesUnderWay(t *Turn) []Action {
	type entry struct {
		id string
		gp *GuideProgress
	}
	var list []entry
	for id, gp := range t.Profile.Guides {
		if _, ok := e.lib.Playbook(id); ok && !gp.Done {
			list = append(list, entry{id, gp})
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if !list[i].gp.Updated.Equal(list[j].gp.Updated) {
			return list[i].gp.Updated.After(list[j].gp.Updated)
		}
		if list[i].gp.Seq != list[j].gp.Seq {
			return list[i].gp.Seq > list[j].gp.Seq
		}
		return list[i].id < list[j].id
	})
	var acts []Action
	for _, en := range list[:min(len(list), 4)] {
		acts = append(acts, Action{Label: M("playbook." + en.id + ".title"), Data: Submit(VerbGuide, en.id)})
	}
	return acts
}

// guideView opens a playbook where the user left it.
func (e *Engine) guideView(t *Turn, id string) {
	p, ok := e.lib.Playbook(id)
	if !ok {
		e.guidesView(t, "")
		return
	}
	step := 0
	if gp := t.Profile.Guides[id]; gp != nil && !gp.Done {
		step = gp.at(p)
	}
	e.showStep(t, p, step, step == 0)
}

// StepArg is the button argument of step n of p ("<playbook>:<step id>");
// past the last step it is "<playbook>:finish".
func StepArg(p content.Playbook, n int) string {
	if n >= len(p.Steps) {
		return p.ID + stepSep + content.StepFinish
	}
	return p.ID + stepSep + p.Steps[max(n, 0)].ID
}

// at is the position of the step the user is on in p: the stored step id,
// or a position stored by an earlier version, read against the playbook's
// frozen positions (the next write stores the id). A step since removed
// starts the playbook again.
func (gp *GuideProgress) at(p content.Playbook) int {
	if gp == nil {
		return 0
	}
	if i, finish, ok := p.Resolve(content.LegacyRef(gp.StepID, gp.Step)); ok && !finish {
		return i
	}
	return 0
}

// stepOf is the position of the user's step in the playbook with that id.
func (e *Engine) stepOf(id string, gp *GuideProgress) int {
	p, _ := e.lib.Playbook(id)
	return gp.at(p)
}

// migrateGuides rewrites the positional progress of every playbook in the
// profile as step ids; it runs whenever guide progress is written.
func (e *Engine) migrateGuides(g map[string]*GuideProgress) {
	for id, gp := range g {
		if gp.StepID != "" {
			continue
		}
		if p, ok := e.lib.Playbook(id); ok {
			gp.StepID, gp.Step = p.Steps[gp.at(p)].ID, 0
		}
	}
}

// stepView moves to a step, first saving the ticks submitted from the card.
func (e *Engine) stepView(t *Turn, arg string) {
	id, ref, ok := strings.Cut(arg, stepSep)
	p, found := e.lib.Playbook(id)
	if !ok || !found {
		e.guidesView(t, "")
		return
	}
	e.saveChecks(t, p)
	n, finish, ok := p.Resolve(ref)
	if !ok { // a step since removed, or a garbled button: where the user is
		e.guideView(t, p.ID)
		return
	}
	if finish {
		gp := e.progress(t, p.ID)
		gp.Done = true
		e.summaryView(t, p.ID)
		return
	}
	e.showStep(t, p, n, false)
}

// progress returns (creating) the user's progress in a playbook; the caller
// changes it in place, and the profile is marked for saving.
func (e *Engine) progress(t *Turn, id string) *GuideProgress {
	p := t.Profile
	if p.Guides == nil {
		p.Guides = map[string]*GuideProgress{}
	}
	gp := p.Guides[id]
	if gp == nil {
		gp = &GuideProgress{}
		p.Guides[id] = gp
	}
	gp.Updated = t.In.Now.UTC().Truncate(24 * 3600e9) // the day is enough
	for _, o := range p.Guides {
		gp.Seq = max(gp.Seq, o.Seq+1)
	}
	e.migrateGuides(p.Guides)
	t.SetProfile(p)
	return gp
}

// saveChecks stores the checklist toggles submitted with a card.
func (e *Engine) saveChecks(t *Turn, p content.Playbook) {
	var changed map[string]bool
	for k, v := range t.In.Values {
		key, ok := strings.CutPrefix(k, checkPrefix)
		if !ok || !validCheck(p, key) {
			continue // garbage ids are ignored
		}
		if changed == nil {
			changed = map[string]bool{}
		}
		changed[key] = v == "true"
	}
	if changed == nil {
		return
	}
	gp := e.progress(t, p.ID)
	if gp.Checked == nil {
		gp.Checked = map[string]bool{}
	}
	for k, v := range changed {
		if v {
			gp.Checked[k] = true
		} else {
			delete(gp.Checked, k)
		}
	}
}

func validCheck(p content.Playbook, key string) bool {
	step, check, ok := strings.Cut(key, ".")
	if !ok {
		return false
	}
	for _, s := range p.Steps {
		if s.ID == step {
			for _, c := range s.Checks {
				if c == check {
					return true
				}
			}
		}
	}
	return false
}

func (e *Engine) showStep(t *Turn, p content.Playbook, n int, intro bool) {
	n = min(n, len(p.Steps)-1)
	gp := e.progress(t, p.ID)
	gp.StepID, gp.Step, gp.Done = p.Steps[n].ID, 0, false
	t.st.Here = p.ID
	s := p.Steps[n]
	base := "playbook." + p.ID
	blocks := []Block{{Kind: BlockHeading, Msg: M(base + ".title")}}
	if intro {
		blocks = append(blocks, Block{Kind: BlockText, Msg: M(base + ".intro")})
	}
	blocks = append(blocks,
		Block{Kind: BlockSubtle, Msg: Msg{ID: "guide.progress", Data: map[string]any{"N": n + 1, "Of": len(p.Steps)}}},
		Block{Kind: BlockText, Msg: M(base + "." + s.ID + ".title")},
		Block{Kind: BlockText, Msg: M(base + "." + s.ID + ".text")},
	)
	for _, c := range s.Checks {
		key := s.ID + "." + c
		blocks = append(blocks, Block{Kind: BlockToggle, ID: checkPrefix + key, Msg: M(base + "." + s.ID + ".check." + c), Checked: gp.Checked[key]})
	}
	if ls := e.linkActions(s.Links); len(ls) > 0 {
		blocks = append(blocks, Block{Kind: BlockActions, Actions: ls})
	}
	if s.Remind && e.reachable(VerbRemind) {
		blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("guide.remind.offer")},
			Block{Kind: BlockActions, Actions: []Action{{Label: M("guide.remind.button"), Data: Submit(VerbRemind, StepArg(p, n))}}})
	}
	var nav []Action
	if n > 0 {
		nav = append(nav, Action{Label: M("guide.back"), Data: Submit(VerbGuideStep, StepArg(p, n-1))})
	}
	next := "guide.next"
	if n == len(p.Steps)-1 {
		next = "guide.finish"
	}
	nav = append(nav, Action{Label: M(next), Data: Submit(VerbGuideStep, StepArg(p, n+1)), Primary: true})
	nav = append(nav, Action{Label: M("guide.sum.button"), Data: Submit(VerbGuideSummary, p.ID)})
	t.Reply(Card{Name: "step:" + p.ID + ":" + s.ID, Blocks: blocks, Actions: append(nav,
		Action{Label: M("guide.all"), Data: Submit(VerbGuides, p.ID)},
		Action{Label: M("core.menu.back"), Data: Submit(VerbMenu, p.ID)},
	)})
}

// summaryView is a compact recap of a playbook with what was ticked.
func (e *Engine) summaryView(t *Turn, id string) {
	p, ok := e.lib.Playbook(id)
	if !ok {
		e.guidesView(t, "")
		return
	}
	e.saveChecks(t, p)
	gp := t.Profile.Guides[id]
	base := "playbook." + p.ID
	blocks := []Block{
		{Kind: BlockHeading, Msg: M(base + ".title")},
		{Kind: BlockSubtle, Msg: M("guide.sum.text")},
	}
	for _, s := range p.Steps {
		var facts []Fact
		for _, c := range s.Checks {
			mark := "guide.sum.open"
			if gp != nil && gp.Checked[s.ID+"."+c] {
				mark = "guide.sum.ticked"
			}
			facts = append(facts, Fact{Label: M(mark), Value: M(base + "." + s.ID + ".check." + c)})
		}
		blocks = append(blocks, Block{Kind: BlockText, Msg: M(base + "." + s.ID + ".title")})
		if len(facts) > 0 {
			blocks = append(blocks, Block{Kind: BlockFacts, Facts: facts})
		}
	}
	t.Reply(Card{Name: "summary:" + p.ID, Blocks: blocks, Actions: []Action{
		{Label: M("guide.resume"), Data: Submit(VerbGuideStep, StepArg(p, gp.at(p))), Primary: true},
		{Label: M("guide.all"), Data: Submit(VerbGuides, "")},
		menuAction(),
	}})
}
