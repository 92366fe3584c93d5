package campaign

import (
	"context"
	"strconv"
	"time"

	"github.com/kk/graensen/dialogs"
)

// ProgressCard is the author's card with a campaign's counts; it is
// updated in place while the campaign sends.
func ProgressCard(p Progress) dialogs.Card {
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	state := "campaign.status." + p.State
	if p.State == "" {
		state = "campaign.status.scheduled"
	}
	facts := []dialogs.Fact{
		{Label: dialogs.M("campaign.status.state"), Value: dialogs.M(state)},
		{Label: dialogs.M("campaign.status.queued"), Raw: n(p.Queued)},
		{Label: dialogs.M("campaign.status.sent"), Raw: n(p.Sent)},
		{Label: dialogs.M("campaign.status.retrying"), Raw: n(p.Retrying)},
		{Label: dialogs.M("campaign.status.failed"), Raw: n(p.Failed)},
		{Label: dialogs.M("campaign.status.unreachable"), Raw: n(p.Unreachable)},
		{Label: dialogs.M("campaign.status.notinstalled"), Raw: n(p.NotInstalled)},
		{Label: dialogs.M("campaign.status.muted"), Raw: n(p.Muted)},
	}
	if p.Ack {
		facts = append(facts, dialogs.Fact{Label: dialogs.M("campaign.status.acked"), Raw: n(p.Acknowledged)})
	}
	if p.Author != "" {
		facts = append(facts, dialogs.Fact{Label: dialogs.M("campaign.approve.author"), Raw: p.Author})
	}
	if p.Approver != "" {
		facts = append(facts, dialogs.Fact{Label: dialogs.M("campaign.approve.approver"), Raw: p.Approver})
	}
	if p.State == StateApproval {
		facts = append(facts, dialogs.Fact{Label: dialogs.M("campaign.guard.recipients"), Raw: n(p.Recipients)})
	}
	c := dialogs.Card{Name: "campaign-progress", Blocks: []dialogs.Block{
		{Kind: dialogs.BlockHeading, Msg: dialogs.Msg{ID: "campaign.status.title", Data: map[string]any{"Title": p.Title}}},
		{Kind: dialogs.BlockFacts, Facts: facts},
		{Kind: dialogs.BlockRaw, Text: p.ID},
	}, Actions: []dialogs.Action{{Label: dialogs.M("campaign.status.refresh"), Data: dialogs.Submit(dialogs.VerbCampaignStatus, p.ID)}}}
	if p.Ack && p.State == StateDone {
		c.Actions = append(c.Actions, dialogs.Action{Label: dialogs.M("campaign.status.remind"), Data: dialogs.Submit(dialogs.VerbCampaignRemind, p.ID)})
	}
	// Recall and correct (issue 15 point 6): a sent campaign run, once
	// something was delivered; each asks for confirmation first.
	if p.Op == "" && p.Sent > 0 && (p.State == StateSending || p.State == StateDone) {
		c.Actions = append(c.Actions,
			dialogs.Action{Label: dialogs.M("campaign.status.correct"), Data: dialogs.Submit(dialogs.VerbCampaignCorrectAsk, p.ID)},
			dialogs.Action{Label: dialogs.M("campaign.status.recall"), Data: dialogs.Submit(dialogs.VerbCampaignRecallAsk, p.ID)})
	}
	return c
}

// startProgress sends the author the progress card when sending starts.
func (s *Service) startProgress(ctx context.Context, id string, spec dialogs.CampaignSpec) {
	if spec.Author == "" {
		return
	}
	if n, err := s.db.HasField(ctx, id, "pa"); err != nil {
		s.log.Warn("campaign: progress card state unreadable; not sent", "err", err)
		return
	} else if n {
		return
	}
	t, ok, _, err := s.loadTarget(ctx, spec.Author, false)
	if err != nil || !ok {
		return
	}
	p, err := s.Progress(ctx, id)
	if err != nil {
		return
	}
	actID, err := s.cfg.Conn.Send(ctx, t.ref.ServiceURL, t.ref.ConversationID, activityTo(t, s.cfg.Renderer.Attachment(t.lang, ProgressCard(p))))
	if err != nil || actID == "" {
		s.log.Warn("campaign: progress card not sent", "err", err)
		return
	}
	if err := s.db.SetField(ctx, id, "pa", s.cfg.Keys.Seal([]byte(actID), []byte("pa:"+id))); err != nil {
		s.log.Warn("campaign: progress card reference not stored; it will not be updated", "err", err)
	}
}

// progress updates the author's card, at most every ProgressEvery unless
// forced (the campaign just finished).
func (s *Service) progress(ctx context.Context, id string, force bool) {
	// The final update must not be lost to a shutdown that begins just
	// after the last send.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if !force {
		// At most one update per ProgressEvery across replicas (the value
		// is the time of the next allowed update; two replicas racing
		// merely update twice).
		if ok, err := s.db.Throttle(ctx, id, s.cfg.Now(), s.cfg.ProgressEvery); err != nil || !ok {
			return
		}
	}
	d, err := s.def(ctx, id)
	if err != nil || d.spec.Author == "" {
		return
	}
	sealed, err := s.db.Field(ctx, id, "pa")
	if err != nil || sealed == "" {
		return
	}
	actID, err := s.cfg.Keys.Open([]byte(sealed), []byte("pa:"+id))
	if err != nil {
		return
	}
	t, ok, _, err := s.loadTarget(ctx, d.spec.Author, false)
	if err != nil || !ok {
		return
	}
	p, err := s.Progress(ctx, id)
	if err != nil {
		return
	}
	act := activityTo(t, s.cfg.Renderer.Attachment(t.lang, ProgressCard(p)))
	act.ID = string(actID)
	if err := s.cfg.Conn.Update(ctx, t.ref.ServiceURL, t.ref.ConversationID, string(actID), act); err != nil {
		s.log.Warn("campaign: progress card not updated", "err", err)
	}
}
