package campaign

import (
	"encoding/json"
	"strings"

	"github.com/kk/graensen/bot/activity"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
)

// CommitOps is the campaigns' effect.CommitHook: what every turn's commit
// keeps for campaigns, registered with the bot from cmd/graensen.
//
//   - the user's Entra object id, sealed and bound to the user's keyed
//     hash, for AMK's campaign export (issue 6), written with the
//     conversation reference and only when Teams gives the id;
//   - a sealed reference to a team channel the bot is in, for campaigns to
//     channels (teamOps);
//   - who removed the app from their personal scope, so campaigns never
//     install it for them again (removalOps).
func (s *Service) CommitOps(c effect.Commit) []redisstore.Op {
	var ops []redisstore.Op
	ops = append(ops, s.teamOps(c)...)
	ops = append(ops, s.removalOps(c)...)
	if c.RefMoved {
		ops = append(ops, s.aadOps(c)...)
	}
	return ops
}

func (s *Service) aadOps(c effect.Commit) []redisstore.Op {
	a := c.Activity
	if a.From.AadObjectID == "" {
		return nil
	}
	sealed := s.cfg.Keys.Seal([]byte(dialogs.ObjectID(a.From.AadObjectID)), []byte("aad:"+c.User))
	return []redisstore.Op{{Cmd: "HSET", Key: s.cfg.Store.Key("user", c.User), Args: []any{"aad", sealed}}}
}

// teamOps keep a sealed reference to a team channel the bot is in:
// written when the bot is added to a channel (or first hears from it),
// deleted when it is removed. The keyspace is
//
//	<p>team:<h>  hash {ref: sealed conversation reference}
//	<p>teams     set of team channel hashes
//
// A channel is not a person; its reference is still sealed.
func (s *Service) teamOps(c effect.Commit) []redisstore.Op {
	a := c.Activity
	if a.Conversation.ConversationType != "channel" {
		return nil
	}
	chanID, _, _ := strings.Cut(a.Conversation.ID, ";") // without ;messageid=
	h := s.cfg.Hasher.Sum("team", a.ChannelID+"|"+chanID)
	key := s.cfg.Store.Key("team", h)
	for _, o := range c.Outputs {
		if _, ok := o.(dialogs.Forget); ok {
			return []redisstore.Op{{Cmd: "DEL", Key: key}, {Cmd: "SREM", Key: s.cfg.Store.Key("teams"), Args: []any{h}}}
		}
	}
	if !c.Acted || (c.Kind != dialogs.KindInstall && c.Kind != dialogs.KindMessage) {
		return nil
	}
	if c.Kind == dialogs.KindMessage && !c.ProfileChanged && len(c.Outputs) == 0 {
		return nil
	}
	ref := activity.Ref{
		ServiceURL: a.ServiceURL, ChannelID: a.ChannelID, ConversationID: chanID,
		TenantID: activity.TenantOf(a), BotID: a.Recipient.ID, Locale: a.Locale,
	}
	plain, err := json.Marshal(ref)
	if err != nil {
		return nil
	}
	return []redisstore.Op{
		{Cmd: "HSET", Key: key, Args: []any{"ref", s.cfg.Keys.Seal(plain, []byte("team:"+h))}},
		{Cmd: "SADD", Key: s.cfg.Store.Key("teams"), Args: []any{h}},
	}
}

// removalOps remember who removed the app from their personal scope
// (installationUpdate "remove", or conversationUpdate with the bot in
// membersRemoved), so that campaigns never install it for them again
// (issue 15): the user's keyed hash is added to <p>uninstalled
// (redisstore.UninstalledKey). A user who installs it again themselves
// is taken off the set. No raw id is written.
func (s *Service) removalOps(c effect.Commit) []redisstore.Op {
	if c.Activity.Conversation.ConversationType != "personal" || c.User == "" || !c.Acted {
		return nil
	}
	key := s.cfg.Store.UninstalledKey()
	switch c.Kind {
	case dialogs.KindUninstall:
		return []redisstore.Op{{Cmd: "SADD", Key: key, Args: []any{c.User}}}
	case dialogs.KindInstall:
		return []redisstore.Op{{Cmd: "SREM", Key: key, Args: []any{c.User}}}
	}
	return nil
}
