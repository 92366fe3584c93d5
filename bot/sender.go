package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot/activity"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/profile"
	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
)

// SenderConfig holds what proactive sending needs: no engine, no effects,
// so features can be given a Sender before the Bot is built.
type SenderConfig struct {
	Store     *redisstore.Store
	Connector *connector.Client
	Renderer  *cards.Renderer
	Hasher    *seal.Hasher
	Keys      *seal.Keyring
	// Outbox, when set, queues what the Queue methods send (issue 15).
	Outbox Outbox
	Logger *slog.Logger
}

// Sender sends the messages the bot starts outside a turn: to a user's
// 1:1 chat (addressed by the keyed hash of the user, never a raw id), to a
// conversation reference a feature keeps itself (the unit's inbox
// channel, a reporter's opt-in notification link), and through the outbox.
// Features declare the part they use as an interface of their own
// (report.Sender, reminder.Sender); *Sender and *Bot satisfy them.
type Sender struct {
	cfg SenderConfig
	log *slog.Logger
}

// NewSender returns a Sender over cfg.
func NewSender(cfg SenderConfig) *Sender {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Sender{cfg: cfg, log: cfg.Logger}
}

// SendToUser sends a card proactively to a user's 1:1 chat, in the user's
// language. It returns the new activity's id. When Teams says the user is
// unreachable (403/404) the stale reference is deleted and the error wraps
// connector.ErrUnreachable.
func (s *Sender) SendToUser(ctx context.Context, userKey string, card dialogs.Card) (string, error) {
	ref, lang, err := s.loadRef(ctx, userKey)
	if err != nil {
		return "", err
	}
	id, err := s.cfg.Connector.Send(ctx, ref.ServiceURL, ref.ConversationID, ref.Message("", lang, s.cfg.Renderer.Attachment(lang, card)))
	if errors.Is(err, connector.ErrUnreachable) {
		if derr := s.cfg.Store.DropRef(ctx, userKey); derr != nil {
			s.log.Warn("stale reference not dropped", "err", derr)
		}
	}
	if err != nil {
		return "", fmt.Errorf("send to user: %w", err)
	}
	return id, nil
}

// loadRef opens a user's sealed conversation reference and picks the
// language: the user's saved choice, else the client's locale.
func (s *Sender) loadRef(ctx context.Context, userKey string) (activity.Ref, dialogs.Lang, error) {
	sealed, err := s.cfg.Store.Ref(ctx, userKey)
	if err != nil {
		return activity.Ref{}, "", err
	}
	if sealed == nil {
		return activity.Ref{}, "", activity.ErrNoReference
	}
	plain, err := s.cfg.Keys.Open(sealed, []byte("ref:"+userKey))
	if err != nil {
		return activity.Ref{}, "", fmt.Errorf("open reference: %w", err)
	}
	var ref activity.Ref
	if err := json.Unmarshal(plain, &ref); err != nil {
		return activity.Ref{}, "", fmt.Errorf("decode reference: %w", err)
	}
	data, err := s.cfg.Store.LoadTurn(ctx, "-", userKey)
	if err != nil {
		return activity.Ref{}, "", err
	}
	p := s.OpenProfile(userKey, data.Profile)
	return ref, dialogs.ResolveLang(p.Lang, ref.Locale), nil
}

// OpenProfile opens a stored profile with the bot's keys (profile.Open);
// one that cannot be read is logged and taken as a fresh one.
func (s *Sender) OpenProfile(user string, raw []byte) dialogs.Profile {
	p, _, err := profile.Open(s.cfg.Keys, user, raw)
	if err != nil {
		s.log.Warn("taking a stored profile as fresh", "err", err)
	}
	return p
}

// UserKey is the keyed hash a user's profile and reference are kept
// under, from their Entra object id (as campaigns and handler lists know
// users; activity.AADKeyID).
func (s *Sender) UserKey(aadObjectID string) string {
	return activity.AADUserKey(s.cfg.Hasher, aadObjectID)
}

// SendToRef posts a card to a reference's conversation, or, with thread
// set, as a reply in the thread of that channel post. It returns the new
// activity's id.
func (s *Sender) SendToRef(ctx context.Context, ref activity.Ref, thread string, lang dialogs.Lang, card dialogs.Card) (string, error) {
	act := ref.Message(thread, lang, s.cfg.Renderer.Attachment(lang, card))
	id, err := s.cfg.Connector.Send(ctx, ref.ServiceURL, act.Conversation.ID, act)
	if err != nil {
		return "", fmt.Errorf("send to reference: %w", err)
	}
	return id, nil
}

// UpdateAtRef replaces a card the bot posted in a reference's conversation.
func (s *Sender) UpdateAtRef(ctx context.Context, ref activity.Ref, activityID string, lang dialogs.Lang, card dialogs.Card) error {
	act := ref.Message("", lang, s.cfg.Renderer.Attachment(lang, card))
	act.ID, act.Recipient = activityID, schema.ChannelAccount{} // an update names no recipient
	if err := s.cfg.Connector.Update(ctx, ref.ServiceURL, ref.ConversationID, activityID, act); err != nil {
		return fmt.Errorf("update at reference: %w", err)
	}
	return nil
}

// DeleteAtRef deletes a card the bot posted in a reference's conversation.
func (s *Sender) DeleteAtRef(ctx context.Context, ref activity.Ref, activityID string) error {
	if err := s.cfg.Connector.Delete(ctx, ref.ServiceURL, ref.ConversationID, activityID); err != nil {
		return fmt.Errorf("delete at reference: %w", err)
	}
	return nil
}

// Messages the bot starts outside a turn (issue 15, point 3): with an
// Outbox they are queued at notice priority and share the tenant budget
// with welcomes and campaigns (replies first); without one they are sent
// at once as before.

// QueueToUser queues card for a user's 1:1 chat (sent at once without an
// outbox). The queued message has no activity id yet: "" is returned.
func (s *Sender) QueueToUser(ctx context.Context, userKey string, card dialogs.Card) (string, error) {
	if s.cfg.Outbox == nil {
		return s.SendToUser(ctx, userKey, card)
	}
	ref, lang, err := s.loadRef(ctx, userKey)
	if err != nil {
		return "", err
	}
	return "", s.QueueToRef(ctx, ref, lang, card)
}

// QueueToRef queues card for a stored reference's conversation (sent at
// once without an outbox). The enqueue is a write of its own: it never
// joins another transaction (a report notification must not be written
// together with a case's keys).
func (s *Sender) QueueToRef(ctx context.Context, ref activity.Ref, lang dialogs.Lang, card dialogs.Card) error {
	if s.cfg.Outbox == nil {
		_, err := s.SendToRef(ctx, ref, "", lang, card)
		return err
	}
	act := ref.Message("", lang, s.cfg.Renderer.Attachment(lang, card))
	if err := s.cfg.Outbox.Enqueue(ctx, ref.ServiceURL, ref.ConversationID, act, noticePriority); err != nil {
		return fmt.Errorf("queue to reference: %w", err)
	}
	return nil
}

// Notices is a sender of cards to users' 1:1 chats through the outbox
// (bot/reminder.Sender).
func (s *Sender) Notices() NoticeSender { return NoticeSender{s} }

// NoticeSender is the Sender whose SendToUser queues (see Sender.QueueToUser).
type NoticeSender struct{ *Sender }

// SendToUser queues card for the user.
func (n NoticeSender) SendToUser(ctx context.Context, userKey string, card dialogs.Card) (string, error) {
	return n.QueueToUser(ctx, userKey, card)
}

// CardSize is the size in bytes of a card as the bot sends it (the
// rendered attachment's JSON), to keep cards within Teams' message size.
func (s *Sender) CardSize(lang dialogs.Lang, c dialogs.Card) int {
	j, err := json.Marshal(s.cfg.Renderer.Attachment(lang, c))
	if err != nil {
		return 0
	}
	return len(j)
}
