package dialogs

import (
	"strings"
)

// Verbs of the Q&A ("Where is the line?").
const (
	VerbTopics  = "topics"  // the list of topics
	VerbTopic   = "topic"   // arg topic id
	VerbMore    = "more"    // arg topic id: the "read more" text
	VerbExcuses = "excuses" // the eight excuses
	VerbExcuse  = "excuse"  // arg excuse id
	VerbReflect = "reflect" // the guided reflection
	VerbQuiz    = "quiz"    // the dilemma quiz
	VerbReport  = "report"  // anonymous reporting
)

func (e *Engine) registerQA() {
	e.view(VerbTopics, e.topicsView)
	e.view(VerbTopic, e.topicView)
	e.view(VerbMore, e.moreView)
	e.view(VerbExcuses, e.excusesView)
	e.view(VerbExcuse, e.excuseView)
}

// flowVerbs maps a topic's Flow to the verb that starts it.
var flowVerbs = map[string]string{
	"reflect": VerbReflect,
	"excuses": VerbExcuses,
	"quiz":    VerbQuiz,
	"report":  VerbReport,
}

// reachable reports whether a verb leads somewhere in this engine.
func (e *Engine) reachable(verb string) bool {
	_, v := e.views[verb]
	_, s := e.starts[verb]
	return v || s
}

func (e *Engine) topicsView(t *Turn, _ string) {
	var rows []Block
	var row []Action
	for _, tp := range e.lib.Topics {
		row = append(row, Action{Label: M("topic." + tp.ID + ".title"), Data: Submit(VerbTopic, tp.ID)})
		if len(row) == 3 {
			rows = append(rows, Block{Kind: BlockActions, Actions: row})
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, Block{Kind: BlockActions, Actions: row})
	}
	blocks := append([]Block{
		{Kind: BlockHeading, Msg: M("qa.topics.title")},
		{Kind: BlockText, Msg: M("qa.topics.text")},
	}, rows...)
	t.Reply(Card{Name: "topics", Blocks: blocks, Actions: []Action{menuAction()}})
}

func (e *Engine) topicView(t *Turn, id string) {
	tp, ok := e.lib.Topic(id)
	if !ok {
		t.Reply(notice("core.unknownAction", e.menuCard(t)))
		return
	}
	blocks := []Block{
		{Kind: BlockHeading, Msg: M("topic." + tp.ID + ".title")},
		{Kind: BlockText, Msg: M("topic." + tp.ID + ".short")},
	}
	var act []Action
	if tp.More {
		act = append(act, Action{Label: M("qa.more"), Data: Submit(VerbMore, tp.ID), Primary: true})
	}
	if v, ok := flowVerbs[tp.Flow]; ok && e.reachable(v) {
		act = append(act, Action{Label: M("qa.flow." + tp.Flow), Data: Submit(v, "")})
	}
	if len(act) > 0 {
		blocks = append(blocks, Block{Kind: BlockActions, Actions: act})
	}
	t.Reply(e.answerCard("topic", tp.ID, blocks, tp.Related, tp.Links))
}

func (e *Engine) moreView(t *Turn, id string) {
	tp, ok := e.lib.Topic(id)
	if !ok || !tp.More {
		e.topicView(t, id)
		return
	}
	blocks := []Block{
		{Kind: BlockHeading, Msg: M("topic." + tp.ID + ".title")},
		{Kind: BlockText, Msg: M("topic." + tp.ID + ".more")},
	}
	if v, ok := flowVerbs[tp.Flow]; ok && e.reachable(v) {
		blocks = append(blocks, Block{Kind: BlockActions, Actions: []Action{{Label: M("qa.flow." + tp.Flow), Data: Submit(v, "")}}})
	}
	t.Reply(e.answerCard("more", tp.ID, blocks, tp.Related, tp.Links))
}

// answerCard adds the common tail of every answer: related topics, the
// source's links, the ways forward, and back/menu.
func (e *Engine) answerCard(kind, id string, blocks []Block, related, links []string) Card {
	if len(related) > 0 {
		var rel []Action
		for _, r := range related {
			if _, ok := e.lib.Topic(r); ok {
				rel = append(rel, Action{Label: M("topic." + r + ".title"), Data: Submit(VerbTopic, r)})
			} else if _, ok := e.lib.Playbook(r); ok {
				rel = append(rel, Action{Label: M("playbook." + r + ".title"), Data: Submit(VerbGuide, r)})
			}
		}
		blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("qa.related")}, Block{Kind: BlockActions, Actions: rel})
	}
	if ls := e.linkActions(links); len(ls) > 0 {
		blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("qa.links")}, Block{Kind: BlockActions, Actions: ls})
	}
	blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("qa.forward")}, Block{Kind: BlockActions, Actions: e.waysForward()})
	blocks = append(blocks, helpfulBlocks("topic:"+id)...)
	return Card{Name: kind + ":" + id, Blocks: blocks, Actions: []Action{
		{Label: M("qa.back"), Data: Submit(VerbTopics, "")},
		menuAction(),
	}}
}

// waysForward are the doors to help every answer offers.
func (e *Engine) waysForward() []Action {
	ways := []Action{
		{Label: M("qa.way.talk"), Data: Submit(VerbTopic, topicTalkToSomeone)},
		{Label: M("qa.way.unit"), Data: Submit(VerbTopic, topicUnit)},
	}
	if e.reachable(VerbReport) {
		ways = append(ways, Action{Label: M("qa.way.report"), Data: Submit(VerbReport, "")})
	}
	return ways
}

func (e *Engine) linkActions(ids []string) []Action {
	var out []Action
	for _, id := range ids {
		if l, ok := e.lib.Link(id); ok {
			out = append(out, Action{Label: M("link." + l.ID), URL: l.URL})
		}
	}
	return out
}

func (e *Engine) excusesView(t *Turn, _ string) {
	var rows []Block
	for i := 0; i < len(e.lib.Excuses); i += 2 {
		var row []Action
		for _, x := range e.lib.Excuses[i:min(i+2, len(e.lib.Excuses))] {
			row = append(row, Action{Label: M("excuse." + x.ID + ".quote"), Data: Submit(VerbExcuse, x.ID)})
		}
		rows = append(rows, Block{Kind: BlockActions, Actions: row})
	}
	blocks := append([]Block{
		{Kind: BlockHeading, Msg: M("qa.excuses.title")},
		{Kind: BlockText, Msg: M("qa.excuses.text")},
	}, rows...)
	t.Reply(Card{Name: "excuses", Blocks: blocks, Actions: []Action{
		{Label: M("qa.back"), Data: Submit(VerbTopics, "")},
		menuAction(),
	}})
}

func (e *Engine) excuseView(t *Turn, id string) {
	if _, ok := e.lib.Excuse(id); !ok {
		e.excusesView(t, "")
		return
	}
	t.Reply(Card{Name: "excuse:" + id, Blocks: []Block{
		{Kind: BlockHeading, Msg: M("excuse." + id + ".quote")},
		{Kind: BlockText, Msg: M("excuse." + id + ".answer")},
		{Kind: BlockActions, Actions: []Action{{Label: M(topicLabel(topicLoadTriangle)), Data: Submit(VerbTopic, topicLoadTriangle)}}},
		{Kind: BlockSubtle, Msg: M("qa.forward")},
		{Kind: BlockActions, Actions: e.waysForward()},
		helpfulBlocks("excuse:" + id)[0], helpfulBlocks("excuse:" + id)[1],
	}, Actions: []Action{
		{Label: M("qa.excuses.back"), Data: Submit(VerbExcuses, "")},
		menuAction(),
	}})
}

// freeText answers a typed question: the best match, a short choice when
// unsure, or an honest "I don't know that one" and the menu.
func (e *Engine) freeText(t *Turn) {
	text := strings.TrimSpace(t.In.Text)
	if text == "" || e.matcher == nil {
		t.Reply(notice("qa.unknown", e.menuCard(t)))
		return
	}
	best, choices := e.matcher(string(t.Lang), text)
	if best != "" {
		e.openDoc(t, e.forRole(t, best))
		return
	}
	if len(choices) == 0 {
		c := notice("qa.unknown", e.menuCard(t))
		c.Blocks = append(c.Blocks, shareBlocks(t, text)...)
		t.Reply(c)
		return
	}
	var acts []Action
	seen := map[string]bool{}
	for _, c := range choices {
		c = e.forRole(t, c)
		if a, ok := e.docAction(c); ok && !seen[c] {
			seen[c] = true
			acts = append(acts, a)
		}
	}
	blocks := []Block{
		{Kind: BlockText, Msg: M("qa.choices")},
		{Kind: BlockActions, Actions: acts},
	}
	t.Reply(Card{Name: "choices", Blocks: append(blocks, shareBlocks(t, text)...), Actions: []Action{menuAction()}})
}

// forRole applies the role rule to a matched document: a user who is not
// a manager, AMR/TR or HR and whose question matches a playbook that a
// situation stands in for (a report about a fellow manager) gets that
// situation, with the employee's ways, instead.
func (e *Engine) forRole(t *Turn, doc string) string {
	kind, id, _ := strings.Cut(doc, ":")
	if kind != "playbook" || isManagerRole(t.Profile.Role) {
		return doc
	}
	if s, ok := e.lib.SituationFor(id); ok {
		return "situation:" + s.ID
	}
	return doc
}

// docAction is the button that opens a matcher document ("topic:<id>",
// "playbook:<id>", "excuse:<id>").
func (e *Engine) docAction(doc string) (Action, bool) {
	kind, id, _ := strings.Cut(doc, ":")
	switch kind {
	case "topic":
		return Action{Label: M("topic." + id + ".title"), Data: Submit(VerbTopic, id)}, true
	case "playbook":
		return Action{Label: M("playbook." + id + ".title"), Data: Submit(VerbOffer, id)}, true
	case "excuse":
		return Action{Label: M("excuse." + id + ".quote"), Data: Submit(VerbExcuse, id)}, true
	case "situation":
		return Action{Label: M("situation." + id + ".title"), Data: Submit(VerbSituation, id)}, true
	}
	return Action{}, false
}

func (e *Engine) openDoc(t *Turn, doc string) {
	kind, id, _ := strings.Cut(doc, ":")
	switch kind {
	case "topic":
		e.topicView(t, id)
	case "playbook":
		// Free text never starts a playbook: it offers it.
		e.offerView(t, id)
	case "excuse":
		e.excuseView(t, id)
	case "situation":
		e.situationView(t, id)
	default:
		t.Reply(notice("qa.unknown", e.menuCard(t)))
	}
}

func menuAction() Action { return Action{Label: M("core.menu.back"), Data: Submit(VerbMenu, "")} }
