package dialogs

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kk/graensen/dialogs/content"
)

// Situations (issue 13): what people describe in their own words gets a
// sentence that acknowledges it, what the source says, a question back and
// the ways forward that fit the role. Physical assault, threats and
// coercion get immediate help first. Free text never starts a playbook: it
// offers it, and to a non-manager it offers the employee's ways instead.
//
// The AMK loop: "Did this help?" on answers, and sharing an unanswered
// question with AMK, both only when the user presses the button; AMK's
// admins see the counts (bot/feedback, dialogs/redisstore/feedback.go).

// Verbs of situations and feedback.
const (
	VerbSituation     = "situation"      // arg situation id
	VerbOffer         = "offer"          // arg playbook id: the offer card (not started)
	VerbHelpful       = "helpful"        // arg "y:<doc>" or "n:<doc>"
	VerbFeedbackShare = "feedback-share" // shares the question the previous turn missed
	VerbFeedbackAdmin = "feedback-admin" // admin: the feedback card
	VerbThanks        = "thanks"
	// MaxSharedRunes bounds a shared question.
	MaxSharedRunes = 300
)

// FeedbackVote records one "Did this help?" answer for a document.
type FeedbackVote struct {
	Doc     string
	Helpful bool
}

// FeedbackShare stores a question the user chose to share with AMK.
type FeedbackShare struct {
	Text string
	Lang Lang
}

// FeedbackReport answers an admin with the feedback card (FeedbackCard).
type FeedbackReport struct{}

func (FeedbackVote) IsOutput()   {}
func (FeedbackShare) IsOutput()  {}
func (FeedbackReport) IsOutput() {}

// VerbGetHelp opens "Where can I get help?" (a menu label typed).
const VerbGetHelp = "gethelp"

func (e *Engine) registerSituations() {
	e.view(VerbSituation, e.situationView)
	e.view(VerbOffer, e.offerView)
	e.view(VerbHelpful, e.helpfulView)
	e.view(VerbFeedbackShare, e.shareView)
	e.view(VerbThanks, func(t *Turn, _ string) {
		t.Reply(Card{Name: "thanks", Blocks: []Block{{Kind: BlockText, Msg: M("thanks.text")}},
			Actions: []Action{menuAction(), {Label: M("qa.way.talk"), Data: Submit(VerbTopic, topicTalkToSomeone)}}})
	})
	e.view(VerbGetHelp, func(t *Turn, _ string) { e.topicView(t, topicGetHelp) })
	e.view(VerbFeedbackAdmin, func(t *Turn, _ string) {
		if !t.IsAdmin() {
			t.Reply(notAdminCard())
			return
		}
		t.Emit(FeedbackReport{})
	})
}

func (e *Engine) situationView(t *Turn, id string) {
	s, ok := e.lib.Situation(id)
	if !ok {
		t.Reply(notice("core.unknownAction", e.menuCard(t)))
		return
	}
	t.Reply(e.situationCard(t, s))
}

// isManagerRole reports whether the user said they are a manager, AMR/TR
// or HR: only they are offered playbooks for what they describe.
func isManagerRole(r Role) bool { return r == RoleManager || r == RoleRep || r == RoleHR }

// urgentBlocks are the immediate help that comes first for physical
// assault, threats and coercion: 112, the police, an occupational injury,
// crisis help and the unit.
func (e *Engine) urgentBlocks() []Block {
	acts := []Action{
		{Label: M(topicLabel(topicPsychologicalHelp)), Data: Submit(VerbTopic, topicPsychologicalHelp), Primary: true},
		{Label: M("qa.way.unit"), Data: Submit(VerbTopic, topicUnit)},
	}
	if e.reachable(VerbReport) {
		acts = append(acts, Action{Label: M("qa.way.report"), Data: Submit(VerbReport, "")})
	}
	return []Block{
		{Kind: BlockHeading, Msg: M("situation.urgent.title")},
		{Kind: BlockText, Msg: M("situation.urgent.text")},
		{Kind: BlockActions, Actions: acts},
	}
}

// situationCard: immediate help first when urgent; then the
// acknowledgement, what the source says, the question back, the ways
// forward, the playbook offer for managers, read more and "Did this help?".
func (e *Engine) situationCard(t *Turn, s content.Situation) Card {
	var blocks []Block
	if s.Urgent {
		blocks = append(blocks, e.urgentBlocks()...)
	}
	base := "situation." + s.ID
	blocks = append(blocks,
		Block{Kind: BlockText, Msg: M(base + ".ack")},
		Block{Kind: BlockText, Msg: M(base + ".text")},
	)
	if !s.Urgent {
		blocks = append(blocks, Block{Kind: BlockText, Msg: M("situation.ask")})
	}
	if ways := e.situationWays(s); len(ways) > 0 {
		blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("situation.forward")})
		for i := 0; i < len(ways); i += 3 {
			blocks = append(blocks, Block{Kind: BlockActions, Actions: ways[i:min(i+3, len(ways))]})
		}
	}
	if s.Playbook != "" && isManagerRole(t.Profile.Role) {
		blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("situation.playbook")},
			Block{Kind: BlockActions, Actions: []Action{{Label: M("playbook." + s.Playbook + ".title"), Data: Submit(VerbGuide, s.Playbook)}}})
	}
	var rel []Action
	for _, r := range s.Related {
		rel = append(rel, Action{Label: M("topic." + r + ".title"), Data: Submit(VerbTopic, r)})
	}
	if len(rel) > 0 {
		blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("situation.related")}, Block{Kind: BlockActions, Actions: rel})
	}
	if ls := e.linkActions(s.Links); len(ls) > 0 {
		blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("qa.links")}, Block{Kind: BlockActions, Actions: ls})
	}
	blocks = append(blocks, helpfulBlocks("situation:"+s.ID)...)
	return Card{Name: "situation:" + s.ID, Blocks: blocks, Actions: []Action{menuAction()}}
}

// situationWays turns a situation's ways into buttons; the first is primary.
func (e *Engine) situationWays(s content.Situation) []Action {
	var out []Action
	for _, w := range s.Ways {
		switch {
		case w == "reflect" && e.reachable(VerbReflect):
			out = append(out, Action{Label: M("situation.reflect"), Data: Submit(VerbReflect, "")})
		case w == "report" && e.reachable(VerbReport):
			out = append(out, Action{Label: M("qa.way.report"), Data: Submit(VerbReport, "")})
		case strings.HasPrefix(w, "topic:"):
			id := strings.TrimPrefix(w, "topic:")
			out = append(out, Action{Label: M(topicLabel(id)), Data: Submit(VerbTopic, id)})
		}
	}
	if len(out) > 0 {
		out[0].Primary = true
	}
	return out
}

// offerView offers a playbook the free text matched, without starting it:
// nothing goes into the profile until the user presses "Open the guide".
// A user who is not a manager, AMR/TR or HR also sees their own ways.
func (e *Engine) offerView(t *Turn, id string) {
	p, ok := e.lib.Playbook(id)
	if !ok {
		e.guidesView(t, "")
		return
	}
	blocks := []Block{
		{Kind: BlockHeading, Msg: M("playbook." + p.ID + ".title")},
		{Kind: BlockText, Msg: M("playbook." + p.ID + ".intro")},
		{Kind: BlockText, Msg: M("situation.offer.text")},
		{Kind: BlockActions, Actions: []Action{{Label: M("situation.offer.start"), Data: Submit(VerbGuide, p.ID), Primary: true}}},
	}
	if !isManagerRole(t.Profile.Role) {
		blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("situation.offer.employee")},
			Block{Kind: BlockActions, Actions: e.waysForward()})
	}
	blocks = append(blocks, helpfulBlocks("playbook:"+p.ID)...)
	t.Reply(Card{Name: "offer:" + p.ID, Blocks: blocks, Actions: []Action{menuAction()}})
}

// helpfulBlocks ask "Did this help?" about a document.
func helpfulBlocks(doc string) []Block {
	return []Block{
		{Kind: BlockSubtle, Msg: M("feedback.ask")},
		{Kind: BlockActions, Actions: []Action{
			{Label: M("feedback.yes"), Data: Submit(VerbHelpful, "y:"+doc)},
			{Label: M("feedback.no"), Data: Submit(VerbHelpful, "n:"+doc)},
		}},
	}
}

// validDoc reports whether doc names a document of the library.
func (e *Engine) validDoc(doc string) bool {
	kind, id, _ := strings.Cut(doc, ":")
	var ok bool
	switch kind {
	case "topic":
		_, ok = e.lib.Topic(id)
	case "playbook":
		_, ok = e.lib.Playbook(id)
	case "excuse":
		_, ok = e.lib.Excuse(id)
	case "situation":
		_, ok = e.lib.Situation(id)
	}
	return ok
}

// helpfulView records a "Did this help?" answer (the click is the user's
// choice to share it). A "no" offers other words and people to talk to.
func (e *Engine) helpfulView(t *Turn, arg string) {
	yn, doc, _ := strings.Cut(arg, ":")
	if (yn != "y" && yn != "n") || !e.validDoc(doc) {
		t.Reply(notice("core.unknownAction", e.menuCard(t)))
		return
	}
	t.Emit(FeedbackVote{Doc: doc, Helpful: yn == "y"})
	if yn == "y" {
		t.Reply(Card{Name: "feedback:thanks", Blocks: []Block{{Kind: BlockText, Msg: M("feedback.thanks")}}, Actions: []Action{menuAction()}})
		return
	}
	t.Reply(Card{Name: "feedback:no", Blocks: []Block{
		{Kind: BlockText, Msg: M("feedback.thanks")},
		{Kind: BlockText, Msg: M("feedback.nomore")},
		{Kind: BlockActions, Actions: e.waysForward()},
	}, Actions: []Action{menuAction()}})
}

// shareBlocks offer to share an unanswered question with AMK. The
// question is kept in the conversation state (sealed) for the next turn
// only; the button carries nothing of it, so no card echoes what was typed.
func shareBlocks(t *Turn, question string) []Block {
	q := clipRunes(strings.TrimSpace(question), MaxSharedRunes)
	if q == "" {
		return nil
	}
	t.st.Ask = q
	return []Block{
		{Kind: BlockSubtle, Msg: M("feedback.share.offer")},
		{Kind: BlockActions, Actions: []Action{{Label: M("feedback.share.button"), Data: Submit(VerbFeedbackShare, "")}}},
	}
}

// shareView shares the question the previous turn could not answer, if
// the user pressed the button right after it.
func (e *Engine) shareView(t *Turn, _ string) {
	if t.ask == "" {
		t.Reply(notice("feedback.share.gone", e.menuCard(t)))
		return
	}
	t.Emit(FeedbackShare{Text: t.ask, Lang: t.Lang})
	t.Reply(notice("feedback.share.done", e.menuCard(t)))
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// FeedbackCount is one document's "Did this help?" answers.
type FeedbackCount struct {
	Doc string `json:"doc"`
	// Yes and No are the raw counts; they never leave the server.
	Yes     int    `json:"-"`
	No      int    `json:"-"`
	YesShow string `json:"yes"` // the number, or "<5"
	NoShow  string `json:"no"`
}

// SharedQuestion is one question shared with AMK: its day and text only.
type SharedQuestion struct {
	Day  string `json:"day"` // YYYY-MM-DD
	Lang string `json:"lang"`
	Text string `json:"text"`
}

// FeedbackSummary is what AMK's admins see: counts under MinShown are
// suppressed, and questions are listed only when at least MinShown were
// shared in the window.
type FeedbackSummary struct {
	Votes     []FeedbackCount  `json:"votes"`
	Questions []SharedQuestion `json:"questions"`
	// QuestionCount is the number of shared questions, or "<5".
	QuestionCount string `json:"questionCount"`
}

// MinShown is the smallest count shown to admins.
const MinShown = 5

// Suppress shows n, or "<5" when it is under MinShown (zero is shown).
func Suppress(n int) string {
	if n > 0 && n < MinShown {
		return "<5"
	}
	return strconv.Itoa(n)
}

// DocTitle is the message id that names a document.
func DocTitle(doc string) string {
	kind, id, _ := strings.Cut(doc, ":")
	if kind == "excuse" {
		return "excuse." + id + ".quote"
	}
	return kind + "." + id + ".title"
}

// FeedbackCard shows the summary to an admin.
func FeedbackCard(s FeedbackSummary) Card {
	blocks := []Block{
		{Kind: BlockHeading, Msg: M("feedback.admin.title")},
		{Kind: BlockSubtle, Msg: M("feedback.admin.text")},
	}
	if len(s.Votes) == 0 && len(s.Questions) == 0 && (s.QuestionCount == "0" || s.QuestionCount == "") {
		blocks = append(blocks, Block{Kind: BlockText, Msg: M("feedback.admin.none")})
	}
	if len(s.Votes) > 0 {
		var facts []Fact
		for _, v := range s.Votes {
			facts = append(facts, Fact{Label: M(DocTitle(v.Doc)), Value: Msg{ID: "feedback.admin.counts", Data: map[string]any{"Yes": v.YesShow, "No": v.NoShow}}})
		}
		blocks = append(blocks, Block{Kind: BlockText, Msg: M("feedback.admin.helpful")}, Block{Kind: BlockFacts, Facts: facts})
	}
	if s.QuestionCount != "" && s.QuestionCount != "0" {
		blocks = append(blocks, Block{Kind: BlockText, Msg: Msg{ID: "feedback.admin.questions", Data: map[string]any{"N": s.QuestionCount}}})
		for _, q := range s.Questions {
			blocks = append(blocks, Block{Kind: BlockRaw, Text: q.Day + " (" + q.Lang + "): " + q.Text})
		}
	}
	return Card{Name: "feedback:admin", Blocks: blocks, Actions: []Action{menuAction()}}
}

// Reshower is a dialog that can show its current step again, unchanged
// (after a language switch).
type Reshower interface {
	Reshow(t *Turn, f *Frame)
}

// reshow shows, after a language switch, what the user was at: the open
// form or flow, or the playbook step the previous turn showed. It reports
// whether there was one.
func (e *Engine) reshow(t *Turn) bool {
	if top := t.top(); top != nil {
		if r, ok := e.dialogs[top.Dialog].(Reshower); ok {
			t.Reply(Card{Name: "lang", Blocks: []Block{{Kind: BlockText, Msg: M("core.lang.set")}}})
			r.Reshow(t, top)
			return true
		}
	}
	if p, ok := e.lib.Playbook(t.here); ok {
		step := t.Profile.Guides[p.ID].at(p)
		t.Reply(Card{Name: "lang", Blocks: []Block{{Kind: BlockText, Msg: M("core.lang.set")}}})
		e.showStep(t, p, step, false)
		return true
	}
	return false
}

// Reshow shows the reflection form again with what was answered.
func (d reflectFlow) Reshow(t *Turn, f *Frame) {
	t.Reply(d.form(t, f, FrameData[reflectData](f), nil))
}

// Reshow shows the quiz where the team is.
func (q quizFlow) Reshow(t *Turn, f *Frame) {
	t.Reply(q.current(t, f, FrameData[quizData](f)))
}
