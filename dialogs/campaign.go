package dialogs

import (
	"encoding/hex"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// AMK follow-up campaigns (issue 6): the authoring dialog for AMK admins,
// the "I have done it" acknowledgement and mute/unmute for everyone. The
// sending itself is bot/campaign's; here only decisions and outputs.

// Verbs of campaigns.
const (
	VerbCampaign       = "campaign"        // admin: open the authoring form
	VerbCampaignAck    = "campaign-ack"    // arg campaign id: "I have done it"
	VerbCampaignStatus = "campaign-status" // arg campaign id: admin: progress card
	VerbCampaignRemind = "campaign-remind" // arg campaign id: admin: remind those who have not acknowledged
	VerbMute           = "mute"            // mute campaign messages
	VerbUnmute         = "unmute"          // unmute them
	verbCPreview       = "campaign-preview"
	verbCEdit          = "campaign-edit"
	verbCSchedule      = "campaign-schedule"
	campaignDialog     = "campaign"
)

// Audience kinds of a campaign.
const (
	AudienceAll      = "all"      // everyone with the bot installed
	AudienceRole     = "role"     // users who gave Role
	AudienceChannels = "channels" // the channels of teams where the bot is installed
	AudienceList     = "list"     // an explicit list of Entra object ids
	AudienceKeys     = "keys"     // keyed user hashes (follow-up campaigns)
	AudienceGroup    = "group"    // an Entra ID group's users, nested members included (Graph)
)

// Repeats of a campaign.
var campaignRepeats = []string{"", "daily", "weekly", "monthly"}

// CampaignAudience says who receives a campaign.
type CampaignAudience struct {
	Kind   string   `json:"kind"`
	Role   Role     `json:"role,omitempty"`
	AadIDs []string `json:"aadIds,omitempty"`
	Keys   []string `json:"keys,omitempty"`
	// Group is an Entra ID group's object id (security, Microsoft 365 or
	// dynamic group) for AudienceGroup.
	Group string `json:"group,omitempty"`
}

// CampaignSpec is a campaign as authored: texts in both languages, an
// optional link, the audience, when, an optional repeat and whether the
// message carries an acknowledgement button. It is stored sealed (an
// explicit audience lists raw Entra object ids).
type CampaignSpec struct {
	ID         string           `json:"id"`
	TitleDA    string           `json:"titleDa"`
	TextDA     string           `json:"textDa"`
	TitleEN    string           `json:"titleEn"`
	TextEN     string           `json:"textEn"`
	Link       string           `json:"link,omitempty"`
	Audience   CampaignAudience `json:"audience"`
	At         time.Time        `json:"at,omitzero"`      // zero: now
	Repeat     string           `json:"repeat,omitempty"` // "", daily, weekly, monthly
	Ack        bool             `json:"ack,omitempty"`
	FollowUpOf string           `json:"followUpOf,omitempty"`
	// Author is the keyed hash of the author (set by the bot, never by a
	// client), who gets the progress card.
	Author string `json:"author,omitempty"`
	// Op makes this run recall (delete) or correct (replace in place) the
	// messages that campaign Of sent (issue 15); "" sends.
	Op string `json:"op,omitempty"`
	Of string `json:"of,omitempty"`
	// AuthorName and ApproverName are shown in the preview and the
	// progress card (set by the bot: the Teams display name or the admin
	// API token's name); Approver is the approving admin's keyed hash
	// (issue 15 point 5: a second admin approves a large campaign).
	AuthorName   string `json:"authorName,omitempty"`
	Approver     string `json:"approver,omitempty"`
	ApproverName string `json:"approverName,omitempty"`
}

// Operations of a campaign run on an earlier campaign's messages.
const (
	CampaignRecall  = "recall"
	CampaignCorrect = "correct"
)

// NextOccurrence is the next run of a repeating campaign after at: the
// same wall-clock time in Copenhagen one day, week or month later, so a
// 09:00 reminder stays at 09:00 across daylight-saving changes. Zero when
// the campaign does not repeat.
func NextOccurrence(at time.Time, repeat string) time.Time {
	l := at.In(Copenhagen)
	y, m, d := l.Date()
	h, mi, s := l.Clock()
	switch repeat {
	case "daily":
		d++
	case "weekly":
		d += 7
	case "monthly":
		m++
	default:
		return time.Time{}
	}
	return LocalInstant(y, m, d, h, mi, Copenhagen).Add(time.Duration(s) * time.Second).In(Copenhagen)
}

var aadRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ParseAadIDs splits a pasted list (commas, spaces, new lines) into Entra
// object ids; bad is the first entry that is not one.
func ParseAadIDs(s string) (ids []string, bad string) {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		if !aadRE.MatchString(f) {
			return nil, f
		}
		ids = append(ids, ObjectID(f))
	}
	slices.Sort(ids)
	return slices.Compact(ids), ""
}

// Limits on campaign texts (a message stays far below Teams' 100 KB).
const (
	maxCampaignTitle = 200
	maxCampaignText  = 4000
	maxCampaignList  = 50000
)

// Check returns the message id of the first problem with a spec, or "".
func (s CampaignSpec) Check(now time.Time) string {
	switch {
	case strings.TrimSpace(s.TitleDA) == "" || strings.TrimSpace(s.TitleEN) == "":
		return "campaign.err.title"
	case strings.TrimSpace(s.TextDA) == "" || strings.TrimSpace(s.TextEN) == "":
		return "campaign.err.text"
	case len([]rune(s.TitleDA)) > maxCampaignTitle || len([]rune(s.TitleEN)) > maxCampaignTitle ||
		len([]rune(s.TextDA)) > maxCampaignText || len([]rune(s.TextEN)) > maxCampaignText:
		return "campaign.err.long"
	case s.Link != "" && !validLink(s.Link):
		return "campaign.err.link"
	case !slices.Contains(campaignRepeats, s.Repeat):
		return "campaign.err.repeat"
	case !s.At.IsZero() && s.At.Before(now.Add(-time.Minute)):
		return "campaign.err.past"
	case s.Repeat != "" && s.At.IsZero():
		return "campaign.err.repeatNeedsTime"
	case s.Op != "" && ((s.Op != CampaignRecall && s.Op != CampaignCorrect) || s.Of == "" || s.Audience.Kind != AudienceKeys):
		return "campaign.err.audience"
	}
	a := s.Audience
	switch a.Kind {
	case AudienceAll, AudienceChannels:
	case AudienceRole:
		if !slices.Contains([]Role{RoleEmployee, RoleManager, RoleRep, RoleHR}, a.Role) {
			return "campaign.err.role"
		}
	case AudienceList:
		if len(a.AadIDs) == 0 || len(a.AadIDs) > maxCampaignList {
			return "campaign.err.list"
		}
		for _, id := range a.AadIDs {
			if !aadRE.MatchString(id) {
				return "campaign.err.list"
			}
		}
	case AudienceKeys:
		if len(a.Keys) == 0 {
			return "campaign.err.list"
		}
	case AudienceGroup:
		if !aadRE.MatchString(a.Group) {
			return "campaign.group.invalid"
		}
	default:
		return "campaign.err.audience"
	}
	return ""
}

func validLink(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

// Outputs of campaigns, carried out by bot/campaign's effect.
type (
	// CampaignCreate stores and schedules a campaign authored in Teams.
	CampaignCreate struct{ Spec CampaignSpec }
	// CampaignAck records the user's "I have done it".
	CampaignAck struct{ ID string }
	// CampaignStatus answers with the campaign's progress card.
	CampaignStatus struct{ ID string }
	// CampaignRemind creates a follow-up campaign for the recipients of ID
	// who have not acknowledged it.
	CampaignRemind struct{ ID, NewID string }
)

// Outputs of the guardrails and of recall/correct in Teams (issue 15).
type (
	// CampaignPreviewed asks for the guardrails' view of a previewed spec
	// (the author's scope, the recipient count, whether a second admin
	// must approve), shown under the preview.
	CampaignPreviewed struct{ Spec CampaignSpec }
	// CampaignApprove: another admin approves campaign ID; it is scheduled.
	CampaignApprove struct{ ID string }
	// CampaignReject: an admin rejects (or the author withdraws) a
	// campaign waiting for approval.
	CampaignReject struct{ ID string }
	// CampaignRecallRun recalls campaign ID's messages (run NewID), after
	// the admin confirmed.
	CampaignRecallRun struct{ ID, NewID string }
	// CampaignCorrectForm asks for the form to correct campaign ID.
	CampaignCorrectForm struct{ ID string }
	// CampaignCorrectRun replaces campaign ID's messages with Texts (run
	// NewID), after the admin confirmed.
	CampaignCorrectRun struct {
		ID, NewID string
		Texts     CampaignSpec
	}
)

func (CampaignPreviewed) IsOutput()   {}
func (CampaignApprove) IsOutput()     {}
func (CampaignReject) IsOutput()      {}
func (CampaignRecallRun) IsOutput()   {}
func (CampaignCorrectForm) IsOutput() {}
func (CampaignCorrectRun) IsOutput()  {}

// ValidAadID reports whether s has the form of an Entra object id.
func ValidAadID(s string) bool { return aadRE.MatchString(s) }

func (CampaignCreate) IsOutput() {}
func (CampaignAck) IsOutput()    {}
func (CampaignStatus) IsOutput() {}
func (CampaignRemind) IsOutput() {}

// extraCommands maps typed commands of feature files to verbs (see
// globalCommand).
var extraCommands = map[string]string{
	"mute": VerbMute, "slå fra": VerbMute, "sluk": VerbMute, "mute messages": VerbMute, "pause beskeder": VerbMute,
	"unmute": VerbUnmute, "slå til": VerbUnmute, "unmute messages": VerbUnmute, "genoptag beskeder": VerbUnmute,
	"kampagne": VerbCampaign, "campaign": VerbCampaign, "ny kampagne": VerbCampaign, "new campaign": VerbCampaign,
}

func (e *Engine) registerCampaign() {
	e.register(campaignAuthoring{}, VerbCampaign)
	e.registerCampaignGuard() // campaignguard.go: approval, recall and correct in Teams
	e.view(VerbMute, func(t *Turn, _ string) { setMuted(t, true) })
	e.view(VerbUnmute, func(t *Turn, _ string) { setMuted(t, false) })
	e.view(VerbCampaignAck, func(t *Turn, id string) {
		if validCampaignID(id) {
			t.Emit(CampaignAck{ID: id})
		}
	})
	e.view(VerbCampaignStatus, func(t *Turn, id string) {
		if !t.IsAdmin() {
			t.Reply(notAdminCard())
			return
		}
		if validCampaignID(id) {
			t.Emit(CampaignStatus{ID: id})
		}
	})
	e.view(VerbCampaignRemind, func(t *Turn, id string) {
		if !t.IsAdmin() {
			t.Reply(notAdminCard())
			return
		}
		if validCampaignID(id) {
			t.Emit(CampaignRemind{ID: id, NewID: NewCampaignID(t.In.Rand)})
		}
	})
}

// NewCampaignID is a random campaign id.
func NewCampaignID(rnd func(int) []byte) string {
	if rnd == nil {
		return "c0000000000000000"
	}
	return "c" + hex.EncodeToString(rnd(8))
}

var campaignIDRE = regexp.MustCompile(`^c[0-9a-f]{16}(\.[0-9]{8})?$`)

func validCampaignID(id string) bool { return campaignIDRE.MatchString(id) }

// ValidCampaignID reports whether id has the form of a campaign id.
func ValidCampaignID(id string) bool { return validCampaignID(id) }

func setMuted(t *Turn, muted bool) {
	p := t.Profile
	p.Muted = muted
	t.SetProfile(p)
	if muted {
		t.Reply(Card{Name: "campaign-muted", Blocks: []Block{{Kind: BlockText, Msg: M("campaign.muted")}},
			Actions: []Action{{Label: M("campaign.unmute"), Data: Submit(VerbUnmute, "")}, menuAction()}})
		return
	}
	t.Reply(Card{Name: "campaign-unmuted", Blocks: []Block{{Kind: BlockText, Msg: M("campaign.unmuted")}},
		Actions: []Action{{Label: M("campaign.mute"), Data: Submit(VerbMute, "")}, menuAction()}})
}

func notAdminCard() Card {
	return Card{Name: "campaign-refused", Blocks: []Block{{Kind: BlockText, Msg: M("campaign.notAdmin")}}, Actions: []Action{menuAction()}}
}

// campaignAuthoring is the admin's form → preview → schedule flow.
type campaignAuthoring struct{}

func (campaignAuthoring) Name() string { return campaignDialog }
func (campaignAuthoring) Version() int { return 1 }

// campaignDraft is the form as last submitted (kept in the sealed
// conversation state until scheduled or cancelled).
type campaignDraft struct {
	Values map[string]string `json:"v,omitempty"`
}

// Form input ids.
const (
	cfTitleDA = "c_tda"
	cfTextDA  = "c_xda"
	cfTitleEN = "c_ten"
	cfTextEN  = "c_xen"
	cfLink    = "c_link"
	cfAud     = "c_aud"
	cfIDs     = "c_ids"
	cfDate    = "c_date"
	cfTime    = "c_time"
	cfRepeat  = "c_rep"
	cfAck     = "c_ack"
	cfGroup   = "c_grp"
)

var campaignFields = []string{cfTitleDA, cfTextDA, cfTitleEN, cfTextEN, cfLink, cfAud, cfIDs, cfDate, cfTime, cfRepeat, cfAck, cfGroup}

func (campaignAuthoring) Begin(t *Turn, f *Frame, _ string) Status {
	if !t.IsAdmin() {
		t.Reply(notAdminCard())
		return Done
	}
	t.Reply(campaignForm(f, nil, ""))
	return Waiting
}

func (campaignAuthoring) Continue(t *Turn, f *Frame) Status {
	if !t.IsAdmin() { // checked on every step, server-side
		t.Reply(notAdminCard())
		return Done
	}
	d := FrameData[campaignDraft](f)
	switch t.Verb() {
	case verbCPreview:
		d.Values = map[string]string{}
		for _, k := range campaignFields {
			if v := strings.TrimSpace(t.In.Values[k]); v != "" {
				d.Values[k] = v
			}
		}
		SetFrameData(f, d)
		spec, problem := specFromForm(d.Values, t.In.Now)
		if problem != "" {
			t.Reply(campaignForm(f, d.Values, problem))
			return Waiting
		}
		t.Reply(campaignPreview(f, spec))
		t.Emit(CampaignPreviewed{Spec: spec}) // the guardrails' view: scope, recipients, approval
		return Waiting
	case verbCEdit:
		t.Reply(campaignForm(f, d.Values, ""))
		return Waiting
	case verbCSchedule:
		spec, problem := specFromForm(d.Values, t.In.Now)
		if problem != "" {
			t.Reply(campaignForm(f, d.Values, problem))
			return Waiting
		}
		spec.ID = NewCampaignID(t.In.Rand)
		t.Emit(CampaignCreate{Spec: spec})
		return Done
	}
	t.Reply(campaignForm(f, d.Values, ""))
	return Waiting
}

// specFromForm builds a spec from the form's values.
func specFromForm(v map[string]string, now time.Time) (CampaignSpec, string) {
	s := CampaignSpec{
		TitleDA: v[cfTitleDA], TextDA: v[cfTextDA], TitleEN: v[cfTitleEN], TextEN: v[cfTextEN],
		Link: v[cfLink], Repeat: v[cfRepeat], Ack: v[cfAck] == "true",
	}
	aud := v[cfAud]
	switch {
	case aud == AudienceAll || aud == AudienceChannels:
		s.Audience.Kind = aud
	case strings.HasPrefix(aud, AudienceRole+":"):
		s.Audience = CampaignAudience{Kind: AudienceRole, Role: Role(strings.TrimPrefix(aud, AudienceRole+":"))}
	case aud == AudienceList:
		ids, bad := ParseAadIDs(v[cfIDs])
		if bad != "" {
			return s, "campaign.err.list"
		}
		s.Audience = CampaignAudience{Kind: AudienceList, AadIDs: ids}
	case aud == AudienceGroup:
		s.Audience = CampaignAudience{Kind: AudienceGroup, Group: ObjectID(v[cfGroup])}
	default:
		return s, "campaign.err.audience"
	}
	if v[cfDate] != "" || v[cfTime] != "" {
		clock := v[cfTime]
		if clock == "" {
			clock = "09:00"
		}
		at, ok := LocalTime(v[cfDate], clock)
		if !ok {
			return s, "campaign.err.when"
		}
		s.At = at.UTC()
	}
	return s, s.Check(now)
}

func campaignForm(f *Frame, v map[string]string, problem string) Card {
	var blocks []Block
	blocks = append(blocks, Block{Kind: BlockHeading, Msg: M("campaign.form.title")})
	if problem != "" {
		blocks = append(blocks, Block{Kind: BlockText, Msg: M(problem)})
	}
	blocks = append(blocks,
		Block{Kind: BlockText, Msg: M("campaign.form.text")},
		Block{Kind: BlockInput, ID: cfTitleDA, Msg: M("campaign.form.titleDa"), Text: v[cfTitleDA], MaxLen: maxCampaignTitle, Required: true},
		Block{Kind: BlockInput, ID: cfTextDA, Msg: M("campaign.form.textDa"), Text: v[cfTextDA], MaxLen: maxCampaignText, Multiline: true, Required: true},
		Block{Kind: BlockInput, ID: cfTitleEN, Msg: M("campaign.form.titleEn"), Text: v[cfTitleEN], MaxLen: maxCampaignTitle, Required: true},
		Block{Kind: BlockInput, ID: cfTextEN, Msg: M("campaign.form.textEn"), Text: v[cfTextEN], MaxLen: maxCampaignText, Multiline: true, Required: true},
		Block{Kind: BlockInput, ID: cfLink, Msg: M("campaign.form.link"), Text: v[cfLink], MaxLen: 2000},
		Block{Kind: BlockChoice, ID: cfAud, Msg: M("campaign.form.audience"), Text: orDefault(v[cfAud], AudienceAll), Required: true, Choices: []Choice{
			{Value: AudienceAll, Label: M("campaign.aud.all")},
			{Value: "role:" + string(RoleManager), Label: M("campaign.aud.managers")},
			{Value: "role:" + string(RoleEmployee), Label: M("campaign.aud.employees")},
			{Value: "role:" + string(RoleRep), Label: M("campaign.aud.reps")},
			{Value: "role:" + string(RoleHR), Label: M("campaign.aud.hr")},
			{Value: AudienceChannels, Label: M("campaign.aud.channels")},
			{Value: AudienceList, Label: M("campaign.aud.list")},
			{Value: AudienceGroup, Label: M("campaign.group.choice")},
		}},
		Block{Kind: BlockInput, ID: cfIDs, Msg: M("campaign.form.ids"), Text: v[cfIDs], Multiline: true, MaxLen: 40 * maxCampaignList},
		Block{Kind: BlockInput, ID: cfGroup, Msg: M("campaign.group.field"), Text: v[cfGroup], MaxLen: 36},
		Block{Kind: BlockSubtle, Msg: M("campaign.form.when")},
		Block{Kind: BlockDate, ID: cfDate, Msg: M("campaign.form.date"), Text: v[cfDate]},
		Block{Kind: BlockTime, ID: cfTime, Msg: M("campaign.form.time"), Text: v[cfTime]},
		Block{Kind: BlockChoice, ID: cfRepeat, Msg: M("campaign.form.repeat"), Text: v[cfRepeat], Choices: []Choice{
			{Value: "daily", Label: M("campaign.rep.daily")},
			{Value: "weekly", Label: M("campaign.rep.weekly")},
			{Value: "monthly", Label: M("campaign.rep.monthly")},
		}},
		Block{Kind: BlockToggle, ID: cfAck, Msg: M("campaign.form.ack"), Checked: v[cfAck] == "true"},
	)
	return Card{Name: "campaign-form", Blocks: blocks, Actions: []Action{
		{Label: M("campaign.form.preview"), Data: Tagged(f, Submit(verbCPreview, "")), Primary: true},
		{Label: M("campaign.cancel"), Data: Submit(VerbCancel, "")},
	}}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// CampaignMessage is the card a recipient gets, in their language. The
// admin's texts are shown as written (message "campaign.raw").
func CampaignMessage(s CampaignSpec, lang Lang) Card {
	title, text := s.TitleEN, s.TextEN
	if lang == Danish {
		title, text = s.TitleDA, s.TextDA
	}
	raw := func(x string) Msg { return Msg{ID: "campaign.raw", Data: map[string]any{"Text": x}} }
	c := Card{Name: "campaign-message", Blocks: []Block{
		{Kind: BlockHeading, Msg: raw(title)},
		{Kind: BlockText, Msg: raw(text)},
		{Kind: BlockSubtle, Msg: M("campaign.msg.from")},
	}}
	if s.Link != "" {
		c.Actions = append(c.Actions, Action{Label: M("campaign.msg.link"), URL: s.Link})
	}
	if s.Ack {
		c.Actions = append(c.Actions, Action{Label: M("campaign.msg.ack"), Data: Submit(VerbCampaignAck, s.ID), Primary: true})
	}
	c.Actions = append(c.Actions, Action{Label: M("campaign.mute"), Data: Submit(VerbMute, "")})
	return c
}

// ChannelMessage is the card posted in a team channel: no acknowledgement
// or mute (they are personal).
func ChannelMessage(s CampaignSpec, lang Lang) Card {
	c := CampaignMessage(s, lang)
	c.Name = "campaign-channel"
	c.Actions = nil
	if s.Link != "" {
		c.Actions = []Action{{Label: M("campaign.msg.link"), URL: s.Link}}
	}
	return c
}

// CampaignWithdrawn replaces a recalled campaign message in a chat that
// cannot delete it (its Bot Connector answers 501 Not Implemented or 405):
// the text is gone either way.
func CampaignWithdrawn() Card {
	return Card{Name: "campaign-withdrawn", Blocks: []Block{{Kind: BlockSubtle, Msg: M("campaign.recall.withdrawn")}}}
}

func campaignPreview(f *Frame, s CampaignSpec) Card {
	c := CampaignPreviewCard(s)
	c.Actions = []Action{
		{Label: M("campaign.pre.schedule"), Data: Tagged(f, Submit(verbCSchedule, "")), Primary: true},
		{Label: M("campaign.pre.edit"), Data: Tagged(f, Submit(verbCEdit, ""))},
		{Label: M("campaign.cancel"), Data: Submit(VerbCancel, "")},
	}
	return c
}

// CampaignPreviewCard is a campaign's preview without buttons: audience,
// time, repeat, author and approver when known, the texts in both
// languages (the composing flow and the approval request).
func CampaignPreviewCard(s CampaignSpec) Card {
	when := Msg{ID: "campaign.when.now"}
	if !s.At.IsZero() {
		when = Msg{ID: "campaign.when.at", Data: map[string]any{"At": s.At.In(Copenhagen).Format("02-01-2006 15:04")}}
	}
	aud := Msg{ID: "campaign.aud." + s.Audience.Kind}
	switch s.Audience.Kind {
	case AudienceRole:
		aud = Msg{ID: "campaign.aud.role", Data: map[string]any{"Role": string(s.Audience.Role)}}
	case AudienceList:
		aud = Msg{ID: "campaign.aud.count", Data: map[string]any{"N": len(s.Audience.AadIDs)}}
	case AudienceGroup:
		aud = Msg{ID: "campaign.group.audience", Data: map[string]any{"Group": s.Audience.Group}}
	}
	facts := []Fact{{Label: M("campaign.pre.audience"), Value: aud}, {Label: M("campaign.pre.when"), Value: when}}
	if s.Repeat != "" {
		facts = append(facts, Fact{Label: M("campaign.form.repeat"), Value: M("campaign.rep." + s.Repeat)})
	}
	if s.AuthorName != "" {
		facts = append(facts, Fact{Label: M("campaign.approve.author"), Raw: s.AuthorName})
	}
	if s.ApproverName != "" {
		facts = append(facts, Fact{Label: M("campaign.approve.approver"), Raw: s.ApproverName})
	}
	da, en := CampaignMessage(s, Danish), CampaignMessage(s, English)
	blocks := []Block{
		{Kind: BlockHeading, Msg: M("campaign.pre.title")},
		{Kind: BlockFacts, Facts: facts},
		{Kind: BlockSubtle, Msg: M("campaign.pre.da")},
	}
	blocks = append(blocks, da.Blocks[:2]...)
	blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("campaign.pre.en")})
	blocks = append(blocks, en.Blocks[:2]...)
	if s.Link != "" {
		blocks = append(blocks, Block{Kind: BlockActions, Actions: []Action{{Label: M("campaign.msg.link"), URL: s.Link}}})
	}
	if s.Ack {
		blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("campaign.pre.ack")})
	}
	return Card{Name: "campaign-preview", Blocks: blocks}
}
