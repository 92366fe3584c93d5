package report

// Inbox rules (issue 12, D), the part that needs stored state:
//
//   - the inbox is a team channel: conversationType "channel" with the
//     team and channel in channelData (a group chat or a 1:1 is refused);
//   - a case action is carried out only from the registered inbox
//     channel's conversation, and it updates the case's own posted card
//     (not whichever message the submit names);
//   - moving the inbox to another channel needs a handler's confirmation
//     in the new channel: the first "inbox" there posts a confirmation
//     card whose button carries a random nonce; the move happens only when
//     a handler presses it in that same channel while the pending move
//     (key inboxmove, sealed, expiring on a whole hour) still holds that
//     nonce. The old channel is told. A hand-made submit with another or
//     no nonce, or from another channel, moves nothing.

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kk/graensen/bot/activity"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/internal/randid"
)

// pendingMove is a move of the inbox waiting for its confirmation.
type pendingMove struct {
	Conv  string `json:"c"` // the new channel's conversation id
	Nonce string `json:"n"`
}

func (s *Service) moveKey() string { return s.Store.Key("inboxmove") }

// teamChannel reports whether an activity comes from a team's channel.
func teamChannel(tc effect.TurnContext) bool {
	a := tc.Activity
	if a.Conversation.ConversationType != "channel" {
		return false
	}
	id := func(field string) string {
		m, _ := a.ChannelData[field].(map[string]any)
		v, _ := m["id"].(string)
		return v
	}
	return id("team") != "" && id("channel") != ""
}

// fromInbox reports whether a turn comes from the registered inbox
// channel, and gives the case's posted card id.
func (s *Service) fromInbox(ctx context.Context, tc effect.TurnContext, id string) (string, bool, error) {
	ref, ok, err := s.inbox(ctx)
	if err != nil || !ok {
		return "", false, err
	}
	if !teamChannel(tc) || activity.RefOf(tc.Activity).ConversationID != ref.ConversationID {
		return "", false, nil
	}
	posted, err := s.posted(ctx, id)
	return posted, err == nil, err
}

func (s *Service) inboxOp(ref activity.Ref, lang dialogs.Lang) (redisstore.Op, error) {
	ref.Locale = string(lang) // the inbox speaks the registering handler's language
	b, err := json.Marshal(ref)
	if err != nil {
		return redisstore.Op{}, fmt.Errorf("encode inbox reference: %w", err)
	}
	key := s.Store.InboxKey()
	return redisstore.Op{Cmd: "SET", Key: key, Args: []any{string(s.Keys.Seal(b, []byte(key)))}}, nil
}

// registerInbox makes a team channel the inbox: at once when there is
// none yet (or it is this channel), else by confirmation (see the top).
func (s *Service) registerInbox(ctx context.Context, tc effect.TurnContext) (effect.Prepared, error) {
	if !teamChannel(tc) {
		return effect.Prepared{Outputs: reply(dialogs.TeamChannelOnlyCard())}, nil
	}
	here := activity.RefOf(tc.Activity)
	old, ok, err := s.inbox(ctx)
	if err != nil {
		return effect.Prepared{}, err
	}
	if !ok || old.ConversationID == here.ConversationID {
		op, err := s.inboxOp(here, tc.Lang)
		if err != nil {
			return effect.Prepared{}, err
		}
		return effect.Prepared{Ops: []redisstore.Op{op}, Outputs: reply(dialogs.ReportNotice("inbox-registered", "report.inbox.registered")), After: s.after}, nil
	}
	nonce := base64.RawURLEncoding.EncodeToString(randid.Bytes(18))
	plain, err := json.Marshal(pendingMove{Conv: here.ConversationID, Nonce: nonce})
	if err != nil {
		return effect.Prepared{}, err
	}
	key := s.moveKey()
	until := tc.Now.UTC().Truncate(time.Hour).Add(2 * time.Hour) // a whole hour, 1–2 hours on
	ops := []redisstore.Op{
		{Cmd: "SET", Key: key, Args: []any{string(s.Keys.Seal(plain, []byte(key)))}},
		{Cmd: "PEXPIREAT", Key: key, Args: []any{until.UnixMilli()}},
	}
	return effect.Prepared{Ops: ops, Outputs: reply(dialogs.InboxMoveCard(nonce))}, nil
}

// confirmMove carries out a pending move confirmed in the new channel.
func (s *Service) confirmMove(ctx context.Context, tc effect.TurnContext, o dialogs.ConfirmInboxMove) (effect.Prepared, error) {
	expired := effect.Prepared{Outputs: reply(dialogs.ReportNotice("inbox-move-expired", "report.rules.moveExpired"))}
	if !teamChannel(tc) {
		return effect.Prepared{Outputs: reply(dialogs.TeamChannelOnlyCard())}, nil
	}
	key := s.moveKey()
	sealed, found, err := s.Store.Get(ctx, key)
	if err != nil {
		return effect.Prepared{}, fmt.Errorf("load inbox move: %w", err)
	}
	if !found {
		return expired, nil
	}
	var pm pendingMove
	plain, err := s.Keys.Open(sealed, []byte(key))
	if err != nil || json.Unmarshal(plain, &pm) != nil {
		return expired, nil
	}
	here := activity.RefOf(tc.Activity)
	if pm.Conv != here.ConversationID || subtle.ConstantTimeCompare([]byte(pm.Nonce), []byte(o.Nonce)) != 1 {
		return expired, nil
	}
	old, hadOld, err := s.inbox(ctx)
	if err != nil {
		return effect.Prepared{}, err
	}
	op, err := s.inboxOp(here, tc.Lang)
	if err != nil {
		return effect.Prepared{}, err
	}
	by := tc.Activity.From.Name
	if by == "" {
		by = "–"
	}
	date := dialogs.ReportDate(tc.Now)
	after := func(ctx context.Context) error {
		if hadOld && old.ConversationID != here.ConversationID {
			if _, err := s.Send.SendToRef(ctx, old, "", old.Lang(), dialogs.InboxMovedCard(date, by)); err != nil {
				s.Log.Warn("the old inbox channel was not told of the move", "err", safeErr(err))
			}
		}
		return s.after(ctx)
	}
	return effect.Prepared{
		Ops:     []redisstore.Op{op, {Cmd: "DEL", Key: key}},
		Outputs: reply(dialogs.ReportNotice("inbox-registered", "report.inbox.registered")),
		After:   after,
	}, nil
}
