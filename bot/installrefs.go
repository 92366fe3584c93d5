package bot

import (
	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
)

// removalOps remember who removed the app from their personal scope
// (installationUpdate "remove", or conversationUpdate with the bot in
// membersRemoved), so that campaigns never install it for them again
// (issue 15): the user's keyed hash is added to <p>uninstalled
// (redisstore.UninstalledKey). A user who installs it again themselves
// is taken off the set. No raw id is written.
func (b *Bot) removalOps(user string, a *schema.Activity) []redisstore.Op {
	if a.Conversation.ConversationType != "personal" || user == "" {
		return nil
	}
	kind, ok := turnKind(a)
	if !ok {
		return nil
	}
	key := b.cfg.Store.UninstalledKey()
	switch kind {
	case dialogs.KindUninstall:
		return []redisstore.Op{{Cmd: "SADD", Key: key, Args: []any{user}}}
	case dialogs.KindInstall:
		return []redisstore.Op{{Cmd: "SREM", Key: key, Args: []any{user}}}
	}
	return nil
}
