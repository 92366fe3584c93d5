package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
)

// Guardrails (issue 15, point 5): an admin may be limited to audiences
// (Config.Scopes), and a campaign to more than Config.ApprovalOver
// recipients waits, in state "approval", until a second admin approves it
// (Approve); only then is it scheduled.

// StateApproval is a campaign waiting for a second admin's approval: it
// is stored but not scheduled.
const StateApproval = "approval"

// DefaultApprovalOver is the recipient count above which a campaign needs
// a second admin's approval.
const DefaultApprovalOver = 1000

// Scope is what one admin may send to. The zero Scope allows nothing.
type Scope struct {
	All      bool           // everyone with the bot (audience all), and anything else
	Roles    []dialogs.Role // these roles ("*": every role)
	AnyRole  bool
	Groups   []string // these Entra ID groups (lowercase object ids)
	AnyGroup bool
	Channels bool // the team channels
	Lists    bool // explicit lists of Entra object ids
}

// ParseScopes reads GRAENSEN_ADMIN_SCOPES:
//
//	<admin-aad-id>=<audience>|<audience>…;<admin-aad-id>=…
//
// with audiences all, role:<employee|manager|rep|hr|*>, group:<object id|*>,
// channels (or channel:*), list. An admin without an entry is unrestricted.
func ParseScopes(s string) (map[string]Scope, error) {
	out := map[string]Scope{}
	for entry := range strings.SplitSeq(s, ";") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		admin, rest, ok := strings.Cut(entry, "=")
		admin = dialogs.ObjectID(admin)
		if !ok || admin == "" {
			return nil, fmt.Errorf("admin scope %q: want <admin-aad-id>=<audience>|…", entry)
		}
		if _, dup := out[admin]; dup {
			return nil, fmt.Errorf("admin scope: %s given twice", admin)
		}
		var sc Scope
		for a := range strings.SplitSeq(rest, "|") {
			a = strings.ToLower(strings.TrimSpace(a))
			kind, arg, _ := strings.Cut(a, ":")
			switch {
			case a == "all":
				sc.All = true
			case a == "channels" || a == "channel:*":
				sc.Channels = true
			case a == "list":
				sc.Lists = true
			case kind == "role" && arg == "*":
				sc.AnyRole = true
			case kind == "role" && slices.Contains([]dialogs.Role{dialogs.RoleEmployee, dialogs.RoleManager, dialogs.RoleRep, dialogs.RoleHR}, dialogs.Role(arg)):
				sc.Roles = append(sc.Roles, dialogs.Role(arg))
			case kind == "group" && arg == "*":
				sc.AnyGroup = true
			case kind == "group" && dialogs.ValidAadID(arg):
				sc.Groups = append(sc.Groups, arg)
			default:
				return nil, fmt.Errorf("admin scope of %s: unknown audience %q (all, role:<role|*>, group:<id|*>, channels, list)", admin, a)
			}
		}
		out[admin] = sc
	}
	return out, nil
}

// Allows reports whether the scope covers an audience. Follow-ups,
// recalls and corrections (audience keys) go to an earlier campaign's
// recipients and are always allowed.
func (sc Scope) Allows(a dialogs.CampaignAudience) bool {
	switch {
	case sc.All || a.Kind == dialogs.AudienceKeys:
		return true
	case a.Kind == dialogs.AudienceRole:
		return sc.AnyRole || slices.Contains(sc.Roles, a.Role)
	case a.Kind == dialogs.AudienceGroup:
		return sc.AnyGroup || slices.Contains(sc.Groups, dialogs.ObjectID(a.Group))
	case a.Kind == dialogs.AudienceChannels:
		return sc.Channels
	case a.Kind == dialogs.AudienceList:
		return sc.Lists
	}
	return false
}

// Problems of the guardrails (message ids; the admin API's error bodies).
const (
	ProblemScope        = "campaign.scope.denied"
	ProblemSelfApproval = "campaign.approve.self"
	ProblemNotPending   = "campaign.approve.notPending"
	ProblemAnonymous    = "campaign.approve.anonymous"
)

// ErrScope is an audience outside the author's scope.
var ErrScope = errors.New("campaign: audience outside the admin's scope")

// ErrSelfApproval: the author cannot approve their own campaign.
var ErrSelfApproval = errors.New("campaign: approval must come from another admin")

// ErrNotPending: the campaign is not waiting for approval.
var ErrNotPending = errors.New("campaign: not waiting for approval")

// allowed reports whether the admin with keyed hash author may send to a.
// An author without an entry in Scopes (and the local static token, which
// has no author) is unrestricted.
func (s *Service) allowed(author string, a dialogs.CampaignAudience) bool {
	sc, ok := s.scopes[author]
	return !ok || sc.Allows(a)
}

// approvalOver is the limit in effect (0: approval is off).
func (s *Service) approvalOver() int {
	if s.cfg.ApprovalOver < 0 {
		return 0
	}
	if s.cfg.ApprovalOver == 0 {
		return DefaultApprovalOver
	}
	return s.cfg.ApprovalOver
}

// Estimate counts an audience's recipients as it would be expanded now:
// users with the bot (all, role), the team channels, the list, or the
// group's users read through Graph.
func (s *Service) Estimate(ctx context.Context, a dialogs.CampaignAudience) (int, error) {
	n := 0
	var err error
	switch a.Kind {
	case dialogs.AudienceList:
		return len(a.AadIDs), nil
	case dialogs.AudienceKeys:
		return len(a.Keys), nil
	case dialogs.AudienceChannels:
		err = s.db.ScanTeams(ctx, func(string) error { n++; return nil })
	case dialogs.AudienceAll, dialogs.AudienceRole:
		unreadable := 0
		err = s.db.ScanUsers(ctx, func(page []redisstore.CampaignUser) error {
			for _, u := range page {
				if a.Kind == dialogs.AudienceRole && s.roleOf(u, &unreadable) != a.Role {
					continue
				}
				n++
			}
			return nil
		})
		s.logUnreadable(unreadable)
	case dialogs.AudienceGroup:
		if s.cfg.Directory == nil {
			return 0, ErrNoDirectory
		}
		err = s.cfg.Directory.GroupMembers(ctx, a.Group, func(ids []string) error { n += len(ids); return nil })
	}
	if err != nil {
		return 0, fmt.Errorf("campaign: estimate: %w", err)
	}
	return n, nil
}

// Guard is what the guardrails say about a spec before it is stored.
type Guard struct {
	Problem    string // a message id when refused ("" when allowed)
	Recipients int    // the estimate
	Over       int    // the approval limit (0: off)
	// NeedsApproval: more than Over recipients; a second admin approves.
	NeedsApproval bool
}

// Check applies the guardrails to a spec by its author (keyed hash): the
// author's scope, Graph's view of a group, and the approval limit.
func (s *Service) Check(ctx context.Context, spec dialogs.CampaignSpec) (Guard, error) {
	g := Guard{Over: s.approvalOver()}
	if !s.allowed(spec.Author, spec.Audience) {
		g.Problem = ProblemScope
		return g, nil
	}
	if p := s.checkAudience(ctx, spec.Audience); p != "" {
		g.Problem = p
		return g, nil
	}
	if g.Over == 0 || spec.Op != "" || spec.FollowUpOf != "" {
		return g, nil
	}
	n, err := s.Estimate(ctx, spec.Audience)
	if err != nil {
		return g, err
	}
	g.Recipients, g.NeedsApproval = n, n > g.Over
	return g, nil
}

// createOps stores a campaign; pending leaves it unscheduled, waiting for
// approval.
func (s *Service) createOps(spec dialogs.CampaignSpec, g Guard) ([]redisstore.Op, error) {
	ops, err := s.CreateOps(spec, s.cfg.Now())
	if err != nil || !g.NeedsApproval {
		return ops, err
	}
	// The first op is the definition's HSET, the second the index; the
	// rest schedule it: replaced by the approval state.
	ops = ops[:2]
	ops[0].Args = append(ops[0].Args, "st", StateApproval, "n", g.Recipients)
	return ops, nil
}

// CreateGuarded stores a campaign after the guardrails: refused (ErrScope
// or ErrInvalid with the problem), waiting for approval, or scheduled.
func (s *Service) CreateGuarded(ctx context.Context, spec dialogs.CampaignSpec) (Guard, error) {
	g, err := s.Check(ctx, spec)
	if err != nil || g.Problem != "" {
		return g, err
	}
	if ok, err := s.db.Exists(ctx, spec.ID); err != nil {
		return g, err
	} else if ok {
		return g, fmt.Errorf("%w: id in use", ErrInvalid)
	}
	ops, err := s.createOps(spec, g)
	if err != nil {
		return g, err
	}
	if err := s.exec(ctx, ops); err != nil {
		return g, err
	}
	if g.NeedsApproval {
		s.requestApproval(ctx, spec, g)
	}
	return g, nil
}

// Approve schedules a campaign waiting for approval. approver is the
// keyed hash of the approving admin (never the author), name what the
// author and the progress card show.
func (s *Service) Approve(ctx context.Context, id, approver, name string) (dialogs.CampaignSpec, error) {
	spec, err := s.Spec(ctx, id)
	if err != nil {
		return spec, err
	}
	if approver == "" {
		return spec, ErrSelfApproval
	}
	if approver == spec.Author {
		return spec, ErrSelfApproval
	}
	if st, err := s.db.Field(ctx, id, "st"); err != nil {
		return spec, fmt.Errorf("campaign: approve: %w", err)
	} else if st != StateApproval {
		return spec, ErrNotPending
	}
	if ok, err := s.db.Guard(ctx, id, "apv", approver, 30e9); err != nil {
		return spec, fmt.Errorf("campaign: approve: %w", err)
	} else if !ok {
		return spec, ErrNotPending // another admin approves at this moment
	}
	spec.Approver, spec.ApproverName = approver, name
	now := s.cfg.Now()
	at := spec.At
	if at.IsZero() || at.Before(now) {
		at = now
	}
	plain, err := json.Marshal(spec)
	if err != nil {
		return spec, err
	}
	ops := []redisstore.Op{{Cmd: "HSET", Key: s.key(id), Args: []any{"d", s.cfg.Keys.Seal(plain, []byte("campaign:"+id)), "st", StateScheduled, "at", at.UnixMilli()}}}
	ops = append(ops, s.st.ScheduleOps(schedID(id, at), at, KindStart, []byte(id))...)
	return spec, s.exec(ctx, ops)
}

// requestApproval sends the approval card to every other admin who has a
// chat with the bot (a few messages; best effort: the campaign waits in
// the admin API's list and the author's card in any case).
func (s *Service) requestApproval(ctx context.Context, spec dialogs.CampaignSpec, g Guard) {
	for _, aad := range s.cfg.Admins {
		k := s.UserKey(aad)
		if k == spec.Author {
			continue
		}
		t, ok, _, err := s.loadTarget(ctx, k, false)
		if err != nil || !ok {
			continue
		}
		card := ApprovalCard(spec, g.Recipients, g.Over)
		if _, err := s.cfg.Conn.Send(ctx, t.ref.ServiceURL, t.ref.ConversationID, activityTo(t, s.cfg.Renderer.Attachment(t.lang, card))); err != nil {
			s.log.Warn("campaign: approval request not sent", "err", err)
		}
	}
}

// GuardFacts are the preview's lines about the guardrails.
func GuardFacts(g Guard) dialogs.Card {
	blocks := []dialogs.Block{{Kind: dialogs.BlockFacts, Facts: []dialogs.Fact{
		{Label: dialogs.M("campaign.guard.recipients"), Raw: fmt.Sprint(g.Recipients)},
	}}}
	if g.NeedsApproval {
		blocks = append(blocks, dialogs.Block{Kind: dialogs.BlockText, Msg: dialogs.Msg{ID: "campaign.guard.approval", Data: map[string]any{"N": g.Recipients, "Over": g.Over}}})
	} else {
		blocks = append(blocks, dialogs.Block{Kind: dialogs.BlockSubtle, Msg: dialogs.Msg{ID: "campaign.guard.ok", Data: map[string]any{"Over": g.Over}}})
	}
	return dialogs.Card{Name: "campaign-guard", Blocks: blocks}
}

// ApprovalCard asks another admin to approve a campaign: its author, size,
// audience and texts, with Approve and Reject.
func ApprovalCard(spec dialogs.CampaignSpec, n, over int) dialogs.Card {
	c := dialogs.CampaignPreviewCard(spec)
	c.Name = "campaign-approval"
	head := []dialogs.Block{
		{Kind: dialogs.BlockHeading, Msg: dialogs.Msg{ID: "campaign.approve.title", Data: map[string]any{"Title": spec.TitleDA}}},
		{Kind: dialogs.BlockText, Msg: dialogs.Msg{ID: "campaign.approve.text", Data: map[string]any{"N": n, "Over": over}}},
		{Kind: dialogs.BlockFacts, Facts: []dialogs.Fact{{Label: dialogs.M("campaign.approve.author"), Raw: orUnknown(spec.AuthorName)}}},
		{Kind: dialogs.BlockRaw, Text: spec.ID},
	}
	c.Blocks = append(head, c.Blocks[1:]...)
	c.Actions = []dialogs.Action{
		{Label: dialogs.M("campaign.approve.yes"), Data: dialogs.Submit(dialogs.VerbCampaignApprove, spec.ID), Primary: true},
		{Label: dialogs.M("campaign.approve.no"), Data: dialogs.Submit(dialogs.VerbCampaignReject, spec.ID)},
	}
	return c
}

func orUnknown(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
