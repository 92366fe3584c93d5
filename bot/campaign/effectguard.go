package campaign

import (
	"context"
	"errors"

	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/dialogs"
)

// displayName is the name the preview and progress card show for an
// admin acting in Teams (their Teams display name; sealed in the spec).
func displayName(tc effect.TurnContext) string {
	if tc.Activity == nil {
		return ""
	}
	return tc.Activity.From.Name
}

func reply(c dialogs.Card) effect.Prepared {
	return effect.Prepared{Outputs: []dialogs.Output{dialogs.Reply{Card: c}}}
}

// guardEffect carries out the guardrails' and recall/correct's outputs
// (issue 15, points 5 and 6) in Teams.
func (s *Service) guardEffect(ctx context.Context, tc effect.TurnContext, o dialogs.Output) (effect.Prepared, bool, error) {
	switch o := o.(type) {
	case dialogs.CampaignPreviewed:
		spec := o.Spec
		spec.Author = tc.UserKey
		g, err := s.Check(ctx, spec)
		if err != nil {
			return effect.Prepared{}, true, err
		}
		if g.Problem != "" {
			return reply(notice(g.Problem)), true, nil
		}
		if g.Over == 0 {
			return effect.Prepared{}, true, nil // approval off: nothing to add
		}
		return reply(GuardFacts(g)), true, nil

	case dialogs.CampaignApprove:
		// Checked here (reads only); approved after the turn's commit, so
		// a rerun of the turn approves once.
		spec, err := s.pending(ctx, o.ID)
		if err == nil && (tc.UserKey == "" || tc.UserKey == spec.Author) {
			err = ErrSelfApproval
		}
		if p, done := s.approveProblem(err); done {
			return reply(notice(p)), true, nil
		} else if err != nil {
			return effect.Prepared{}, true, err
		}
		card := notice("campaign.approve.done")
		card.Actions = append(card.Actions, dialogs.Action{Label: dialogs.M("campaign.status.refresh"), Data: dialogs.Submit(dialogs.VerbCampaignStatus, o.ID)})
		approver, name := tc.UserKey, displayName(tc)
		return effect.Prepared{Outputs: []dialogs.Output{dialogs.Reply{Card: card}},
			After: func(ctx context.Context) error {
				spec, err := s.Approve(ctx, o.ID, approver, name)
				if err != nil {
					return err
				}
				s.tellAuthor(ctx, spec, "campaign.approve.approved")
				return nil
			}}, true, nil

	case dialogs.CampaignReject:
		spec, err := s.pending(ctx, o.ID)
		if p, done := s.approveProblem(err); done {
			return reply(notice(p)), true, nil
		} else if err != nil {
			return effect.Prepared{}, true, err
		}
		by := tc.UserKey
		after := func(ctx context.Context) error {
			if err := s.Cancel(ctx, o.ID); err != nil {
				return err
			}
			if spec.Author != by {
				s.tellAuthor(ctx, spec, "campaign.approve.rejected")
			}
			return nil
		}
		return effect.Prepared{Outputs: []dialogs.Output{dialogs.Reply{Card: notice("campaign.approve.cancelled")}}, After: after}, true, nil

	case dialogs.CampaignRecallRun:
		return s.reworkEffect(ctx, o.ID, "campaign.recall.started", func(ctx context.Context) error {
			_, err := s.Recall(ctx, o.ID, o.NewID, tc.UserKey)
			return err
		})

	case dialogs.CampaignCorrectForm:
		spec, err := s.Spec(ctx, o.ID)
		if errors.Is(err, ErrNotFound) {
			return effect.Prepared{Outputs: answer(dialogs.CampaignMissing)}, true, nil
		} else if err != nil {
			return effect.Prepared{}, true, err
		}
		return reply(dialogs.CorrectionForm(o.ID, spec, "")), true, nil

	case dialogs.CampaignCorrectRun:
		return s.reworkEffect(ctx, o.ID, "campaign.correct.started", func(ctx context.Context) error {
			_, err := s.Correct(ctx, o.ID, o.NewID, tc.UserKey, o.Texts)
			return err
		})
	}
	return effect.Prepared{}, false, nil
}

// reworkEffect answers a recall or correction asked for in Teams: checked
// here (reads only), created after the turn's commit (its progress card
// follows as for a send).
func (s *Service) reworkEffect(ctx context.Context, id, msg string, run func(context.Context) error) (effect.Prepared, bool, error) {
	spec, err := s.Spec(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return effect.Prepared{Outputs: answer(dialogs.CampaignMissing)}, true, nil
	case err != nil:
		return effect.Prepared{}, true, err
	case spec.Op != "" || spec.Repeat != "":
		return reply(notice("campaign.recall.refused")), true, nil
	}
	return effect.Prepared{Outputs: []dialogs.Output{dialogs.Reply{Card: notice(msg)}}, After: run}, true, nil
}

// pending loads a campaign waiting for approval (ErrNotPending otherwise).
func (s *Service) pending(ctx context.Context, id string) (dialogs.CampaignSpec, error) {
	spec, err := s.Spec(ctx, id)
	if err != nil {
		return spec, err
	}
	st, err := s.db.Field(ctx, id, "st")
	if err != nil {
		return spec, err
	}
	if st != StateApproval {
		return spec, ErrNotPending
	}
	return spec, nil
}

// approveProblem maps Approve's refusals to message ids.
func (s *Service) approveProblem(err error) (string, bool) {
	switch {
	case errors.Is(err, ErrNotFound):
		return "campaign.done.notFound", true
	case errors.Is(err, ErrSelfApproval):
		return ProblemSelfApproval, true
	case errors.Is(err, ErrNotPending):
		return ProblemNotPending, true
	}
	return "", false
}

// tellAuthor sends the author a short notice about their campaign (best
// effort).
func (s *Service) tellAuthor(ctx context.Context, spec dialogs.CampaignSpec, msg string) {
	if spec.Author == "" {
		return
	}
	t, ok, _, err := s.loadTarget(ctx, spec.Author, false)
	if err != nil || !ok {
		return
	}
	card := dialogs.Card{Name: "campaign-approval-news", Blocks: []dialogs.Block{
		{Kind: dialogs.BlockText, Msg: dialogs.Msg{ID: msg, Data: map[string]any{"Title": spec.TitleDA, "Approver": orUnknown(spec.ApproverName)}}},
		{Kind: dialogs.BlockRaw, Text: spec.ID},
	}, Actions: []dialogs.Action{{Label: dialogs.M("campaign.status.refresh"), Data: dialogs.Submit(dialogs.VerbCampaignStatus, spec.ID)}}}
	if _, err := s.cfg.Conn.Send(ctx, t.ref.ServiceURL, t.ref.ConversationID, activityTo(t, s.cfg.Renderer.Attachment(t.lang, card))); err != nil {
		s.log.Warn("campaign: author not told", "err", err)
	}
}
