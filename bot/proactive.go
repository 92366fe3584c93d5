package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/dialogs"
)

// ErrNoReference means the user has no stored conversation reference: the
// bot is not installed for them (or they uninstalled it).
var ErrNoReference = errors.New("no conversation reference (bot not installed)")

// SendToUser sends a card proactively to a user's 1:1 chat, in the user's
// language, addressed by the keyed hash of the user (never a raw id). It
// returns the new activity's id. When Teams says the user is unreachable
// (403/404) the stale reference is deleted and the error wraps
// connector.ErrUnreachable.
func (b *Bot) SendToUser(ctx context.Context, userKey string, card dialogs.Card) (string, error) {
	ref, lang, err := b.loadRef(ctx, userKey)
	if err != nil {
		return "", err
	}
	act := &schema.Activity{
		Type:         schema.Message,
		From:         schema.ChannelAccount{ID: ref.BotID},
		Recipient:    schema.ChannelAccount{ID: ref.UserID},
		Conversation: schema.ConversationAccount{ID: ref.ConversationID, TenantID: ref.TenantID},
		Locale:       string(lang),
		Attachments:  []schema.Attachment{b.cfg.Renderer.Attachment(lang, card)},
	}
	id, err := b.cfg.Connector.Send(ctx, ref.ServiceURL, ref.ConversationID, act)
	if errors.Is(err, connector.ErrUnreachable) {
		if derr := b.cfg.Store.DropRef(ctx, userKey); derr != nil {
			b.log.Warn("stale reference not dropped", "err", derr)
		}
	}
	if err != nil {
		return "", fmt.Errorf("send to user: %w", err)
	}
	return id, nil
}

// loadRef opens a user's sealed conversation reference and picks the
// language: the user's saved choice, else the client's locale.
func (b *Bot) loadRef(ctx context.Context, userKey string) (Ref, dialogs.Lang, error) {
	sealed, err := b.cfg.Store.Ref(ctx, userKey)
	if err != nil {
		return Ref{}, "", err
	}
	if sealed == nil {
		return Ref{}, "", ErrNoReference
	}
	plain, err := b.cfg.Keys.Open(sealed, []byte("ref:"+userKey))
	if err != nil {
		return Ref{}, "", fmt.Errorf("open reference: %w", err)
	}
	var ref Ref
	if err := json.Unmarshal(plain, &ref); err != nil {
		return Ref{}, "", fmt.Errorf("decode reference: %w", err)
	}
	data, err := b.cfg.Store.LoadTurn(ctx, "-", userKey)
	if err != nil {
		return Ref{}, "", err
	}
	p := b.OpenProfile(userKey, data.Profile)
	lang := p.Lang
	if lang != dialogs.Danish && lang != dialogs.English {
		lang = langOf(ref.Locale)
	}
	return ref, lang, nil
}

// UserKey is the keyed hash a user's profile and reference are kept
// under, from their Entra object id (as campaigns and handler lists know
// users).
func (b *Bot) UserKey(aadObjectID string) string {
	return b.cfg.Hasher.Sum("user", "aad:"+aadObjectID)
}
