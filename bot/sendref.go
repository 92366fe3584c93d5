package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/dialogs"
)

// Sending to a conversation reference the caller keeps itself (sealed in
// its own keyspace): the unit's inbox channel, or a reporter's opt-in
// notification link. Used by bot/report.

// RefOf is the conversation reference of an activity's conversation. For a
// channel, the thread part (";messageid=…") is dropped, so sends start new
// posts in the channel.
func RefOf(a *schema.Activity) Ref {
	r := refOf(a)
	if i := strings.Index(r.ConversationID, ";messageid="); i >= 0 {
		r.ConversationID = r.ConversationID[:i]
	}
	return r
}

// LangOf is the language a reference's locale asks for.
func LangOf(r Ref) dialogs.Lang { return langOf(r.Locale) }

// SendToRef posts a card to a reference's conversation, or, with thread
// set, as a reply in the thread of that channel post. It returns the new
// activity's id.
func (b *Bot) SendToRef(ctx context.Context, ref Ref, thread string, lang dialogs.Lang, card dialogs.Card) (string, error) {
	conv := ref.ConversationID
	if thread != "" {
		conv += ";messageid=" + thread
	}
	act := &schema.Activity{
		Type:         schema.Message,
		From:         schema.ChannelAccount{ID: ref.BotID},
		Conversation: schema.ConversationAccount{ID: conv, TenantID: ref.TenantID},
		Locale:       string(lang),
		Attachments:  []schema.Attachment{b.cfg.Renderer.Attachment(lang, card)},
	}
	if ref.UserID != "" && thread == "" && !strings.HasPrefix(conv, "19:") {
		act.Recipient = schema.ChannelAccount{ID: ref.UserID}
	}
	id, err := b.cfg.Connector.Send(ctx, ref.ServiceURL, conv, act)
	if err != nil {
		return "", fmt.Errorf("send to reference: %w", err)
	}
	return id, nil
}

// UpdateAtRef replaces a card the bot posted in a reference's conversation.
func (b *Bot) UpdateAtRef(ctx context.Context, ref Ref, activityID string, lang dialogs.Lang, card dialogs.Card) error {
	act := &schema.Activity{
		Type:         schema.Message,
		ID:           activityID,
		From:         schema.ChannelAccount{ID: ref.BotID},
		Conversation: schema.ConversationAccount{ID: ref.ConversationID, TenantID: ref.TenantID},
		Locale:       string(lang),
		Attachments:  []schema.Attachment{b.cfg.Renderer.Attachment(lang, card)},
	}
	if err := b.cfg.Connector.Update(ctx, ref.ServiceURL, ref.ConversationID, activityID, act); err != nil {
		return fmt.Errorf("update at reference: %w", err)
	}
	return nil
}

// DeleteAtRef deletes a card the bot posted in a reference's conversation.
func (b *Bot) DeleteAtRef(ctx context.Context, ref Ref, activityID string) error {
	if err := b.cfg.Connector.Delete(ctx, ref.ServiceURL, ref.ConversationID, activityID); err != nil {
		return fmt.Errorf("delete at reference: %w", err)
	}
	return nil
}
