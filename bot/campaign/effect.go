package campaign

import (
	"context"
	"errors"
	"time"

	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
)

func notice(id string) dialogs.Card { return dialogs.CampaignNotice(id) }

// answer is the notice for what the effect found (dialogs.CampaignAnswer
// decides which).
func answer(f dialogs.CampaignFinding) []dialogs.Output {
	return []dialogs.Output{dialogs.Reply{Card: dialogs.CampaignAnswer(f)}}
}

// Effect carries out the campaign outputs of the dialogs. Its Prepare
// part only reads; writes join the turn's commit or run After it.
func (s *Service) Effect() effect.Func {
	return func(ctx context.Context, tc effect.TurnContext, o dialogs.Output) (effect.Prepared, bool, error) {
		switch o := o.(type) {
		case dialogs.CampaignCreate:
			spec := o.Spec
			spec.Author, spec.AuthorName, spec.Approver, spec.ApproverName = tc.UserKey, displayName(tc), "", ""
			g, err := s.Check(ctx, spec)
			if err != nil {
				return effect.Prepared{}, true, err
			}
			if g.Problem != "" {
				return effect.Prepared{Outputs: []dialogs.Output{dialogs.Reply{Card: notice(g.Problem)}}}, true, nil
			}
			ops, err := s.createOps(spec, g)
			if err == nil && g.NeedsApproval {
				// Stored with the turn, not scheduled; the other admins are
				// asked once the commit has succeeded.
				card := GuardFacts(g)
				card.Name = "campaign-awaiting"
				card.Blocks = append([]dialogs.Block{{Kind: dialogs.BlockText, Msg: dialogs.M("campaign.approve.waiting")}}, card.Blocks...)
				card.Actions = []dialogs.Action{{Label: dialogs.M("campaign.status.refresh"), Data: dialogs.Submit(dialogs.VerbCampaignStatus, spec.ID)},
					{Label: dialogs.M("campaign.approve.withdraw"), Data: dialogs.Submit(dialogs.VerbCampaignReject, spec.ID)}}
				return effect.Prepared{Ops: ops, Outputs: []dialogs.Output{dialogs.Reply{Card: card}},
					After: func(ctx context.Context) error { s.requestApproval(ctx, spec, g); return nil }}, true, nil
			}
			if errors.Is(err, ErrInvalid) {
				return effect.Prepared{Outputs: answer(dialogs.CampaignAudienceInvalid)}, true, nil
			}
			if err != nil {
				return effect.Prepared{}, true, err
			}
			card := notice("campaign.done.scheduled")
			card.Actions = append(card.Actions, dialogs.Action{Label: dialogs.M("campaign.status.refresh"), Data: dialogs.Submit(dialogs.VerbCampaignStatus, spec.ID)})
			return effect.Prepared{Ops: ops, Outputs: []dialogs.Output{dialogs.Reply{Card: card}}}, true, nil

		case dialogs.CampaignAck:
			ok, err := s.db.IsRecipient(ctx, o.ID, tc.UserKey)
			if err != nil {
				return effect.Prepared{}, true, err
			}
			if !ok {
				return effect.Prepared{Outputs: answer(dialogs.CampaignNotRecipient)}, true, nil
			}
			// The expiry only bounds an acknowledgement that races the
			// purge (which deletes the set at finish + Retention).
			return effect.Prepared{
				Ops: []redisstore.Op{{Cmd: "SADD", Key: s.key(o.ID, "ack"), Args: []any{tc.UserKey}},
					{Cmd: "PEXPIREAT", Key: s.key(o.ID, "ack"), Args: []any{tc.Now.Add(s.cfg.Retention + 24*time.Hour).UnixMilli()}}},
				Outputs: []dialogs.Output{dialogs.Reply{Card: notice("campaign.ack.thanks")}},
			}, true, nil

		case dialogs.CampaignStatus:
			p, err := s.Progress(ctx, o.ID)
			if errors.Is(err, ErrNotFound) {
				return effect.Prepared{Outputs: answer(dialogs.CampaignMissing)}, true, nil
			}
			if err != nil {
				return effect.Prepared{}, true, err
			}
			return effect.Prepared{Outputs: []dialogs.Output{dialogs.Reply{Card: ProgressCard(p)}}}, true, nil

		case dialogs.CampaignRemind:
			if _, err := s.Spec(ctx, o.ID); errors.Is(err, ErrNotFound) {
				return effect.Prepared{Outputs: answer(dialogs.CampaignMissing)}, true, nil
			}
			author := tc.UserKey
			return effect.Prepared{
				Outputs: []dialogs.Output{dialogs.Reply{Card: notice("campaign.done.remind")}},
				After: func(ctx context.Context) error {
					_, err := s.FollowUp(ctx, o.ID, o.NewID, author)
					return err
				},
			}, true, nil
		}
		return s.guardEffect(ctx, tc, o)
	}
}
