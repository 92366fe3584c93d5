package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/dialogs"
)

// Messages the bot starts outside a turn (issue 15, point 3): with an
// Outbox they are queued at notice priority and share the tenant budget
// with welcomes and campaigns (replies first); without one they are sent
// at once as before.

// QueueToUser queues card for a user's 1:1 chat (sent at once without an
// outbox). The queued message has no activity id yet: "" is returned.
func (b *Bot) QueueToUser(ctx context.Context, userKey string, card dialogs.Card) (string, error) {
	if b.cfg.Outbox == nil {
		return b.SendToUser(ctx, userKey, card)
	}
	ref, lang, err := b.loadRef(ctx, userKey)
	if err != nil {
		return "", err
	}
	return "", b.QueueToRef(ctx, ref, lang, card)
}

// QueueToRef queues card for a stored reference's conversation (sent at
// once without an outbox). The enqueue is a write of its own: it never
// joins another transaction (a report notification must not be written
// together with a case's keys).
func (b *Bot) QueueToRef(ctx context.Context, ref Ref, lang dialogs.Lang, card dialogs.Card) error {
	if b.cfg.Outbox == nil {
		_, err := b.SendToRef(ctx, ref, "", lang, card)
		return err
	}
	act := &schema.Activity{
		Type:         schema.Message,
		From:         schema.ChannelAccount{ID: ref.BotID},
		Conversation: schema.ConversationAccount{ID: ref.ConversationID, TenantID: ref.TenantID},
		Locale:       string(lang),
		Attachments:  []schema.Attachment{b.cfg.Renderer.Attachment(lang, card)},
	}
	if ref.UserID != "" && !strings.HasPrefix(ref.ConversationID, "19:") {
		act.Recipient = schema.ChannelAccount{ID: ref.UserID}
	}
	if err := b.cfg.Outbox.Enqueue(ctx, ref.ServiceURL, ref.ConversationID, act, noticePriority); err != nil {
		return fmt.Errorf("queue to reference: %w", err)
	}
	return nil
}

// Notices is a sender of cards to users' 1:1 chats through the outbox
// (bot/reminder.Sender).
func (b *Bot) Notices() NoticeSender { return NoticeSender{b} }

// NoticeSender is the Bot whose SendToUser queues (see Bot.QueueToUser).
type NoticeSender struct{ *Bot }

// SendToUser queues card for the user.
func (n NoticeSender) SendToUser(ctx context.Context, userKey string, card dialogs.Card) (string, error) {
	return n.QueueToUser(ctx, userKey, card)
}
