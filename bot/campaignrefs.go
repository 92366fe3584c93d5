package bot

import (
	"encoding/json"
	"strings"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
)

// aadOps keep the user's Entra object id, sealed and bound to the user's
// keyed hash, for AMK's campaign export (issue 6). Written with the
// conversation reference, and only when Teams gives the id.
func (b *Bot) aadOps(user string, a *schema.Activity) []redisstore.Op {
	if a.From.AadObjectID == "" {
		return nil
	}
	sealed := b.cfg.Keys.Seal([]byte(strings.ToLower(a.From.AadObjectID)), []byte("aad:"+user))
	return []redisstore.Op{{Cmd: "HSET", Key: b.cfg.Store.Key("user", user), Args: []any{"aad", sealed}}}
}

// teamOps keep a sealed reference to a team channel the bot is in, for
// campaigns to channels: written when the bot is added to a channel
// (or first hears from it), deleted when it is removed. The keyspace is
//
//	<p>team:<h>  hash {ref: sealed conversation reference}
//	<p>teams     set of team channel hashes
//
// A channel is not a person; its reference is still sealed.
func (b *Bot) teamOps(a *schema.Activity, res dialogs.Result) []redisstore.Op {
	if a.Conversation.ConversationType != "channel" {
		return nil
	}
	chanID, _, _ := strings.Cut(a.Conversation.ID, ";") // without ;messageid=
	h := b.cfg.Hasher.Sum("team", a.ChannelID+"|"+chanID)
	key := b.cfg.Store.Key("team", h)
	for _, o := range res.Outputs {
		if _, ok := o.(dialogs.Forget); ok {
			return []redisstore.Op{{Cmd: "DEL", Key: key}, {Cmd: "SREM", Key: b.cfg.Store.Key("teams"), Args: []any{h}}}
		}
	}
	kind, ok := turnKind(a)
	if !ok || (kind != dialogs.KindInstall && kind != dialogs.KindMessage) {
		return nil
	}
	if kind == dialogs.KindMessage && !res.ProfileChanged && len(res.Outputs) == 0 {
		return nil
	}
	ref := Ref{
		ServiceURL: a.ServiceURL, ChannelID: a.ChannelID, ConversationID: chanID,
		TenantID: tenantOf(a), BotID: a.Recipient.ID, Locale: a.Locale,
	}
	plain, err := json.Marshal(ref)
	if err != nil {
		return nil
	}
	return []redisstore.Op{
		{Cmd: "HSET", Key: key, Args: []any{"ref", b.cfg.Keys.Seal(plain, []byte("team:"+h))}},
		{Cmd: "SADD", Key: b.cfg.Store.Key("teams"), Args: []any{h}},
	}
}
