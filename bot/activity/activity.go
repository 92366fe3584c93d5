// Package activity holds the one way Grænsen reads and writes Bot
// Framework activities outside the turn pipeline: conversation references
// (sealed in Redis for proactive messages), the outbound message activity,
// and the id a user's keyed hash is derived from. Package bot and the
// features (report, campaign) share it, so an address is built the same
// way everywhere.
package activity

import (
	"errors"
	"strings"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/dialogs"
)

// ErrNoReference means the user has no stored conversation reference: the
// bot is not installed for them (or they uninstalled it).
var ErrNoReference = errors.New("no conversation reference (bot not installed)")

// Ref is a conversation reference, sealed in Redis, for proactive messages.
type Ref struct {
	ServiceURL     string `json:"s"`
	ChannelID      string `json:"c"`
	ConversationID string `json:"v"`
	TenantID       string `json:"t,omitempty"`
	UserID         string `json:"u,omitempty"`
	BotID          string `json:"b,omitempty"`
	Locale         string `json:"l,omitempty"`
}

// ConvRef is the reference of exactly the conversation of a (a channel
// thread included).
func ConvRef(a *schema.Activity) Ref {
	return Ref{
		ServiceURL: a.ServiceURL, ChannelID: a.ChannelID, ConversationID: a.Conversation.ID,
		TenantID: TenantOf(a), UserID: a.From.ID, BotID: a.Recipient.ID, Locale: a.Locale,
	}
}

// RefOf is the conversation reference of an activity's conversation. For a
// channel, the thread part (";messageid=…") is dropped, so sends start new
// posts in the channel.
func RefOf(a *schema.Activity) Ref {
	r := ConvRef(a)
	r.ConversationID = ChannelOf(r.ConversationID)
	return r
}

// ChannelOf is a conversation id without its thread part (";messageid=…").
func ChannelOf(conv string) string {
	c, _, _ := strings.Cut(conv, ";messageid=")
	return c
}

// Lang is the language a reference's locale asks for (dialogs.LangOf).
func (r Ref) Lang() dialogs.Lang { return dialogs.LangOf(r.Locale) }

// TenantOf reads the tenant id from the conversation or channelData.
func TenantOf(a *schema.Activity) string {
	if a.Conversation.TenantID != "" {
		return a.Conversation.TenantID
	}
	if t, ok := a.ChannelData["tenant"].(map[string]any); ok {
		if id, ok := t["id"].(string); ok {
			return id
		}
	}
	return ""
}

// Message is the outbound message activity carrying att: from the bot to
// recipient in conv, in lang. Every message the bot sends (replies,
// proactive messages, campaigns, queued notices) is built here.
func Message(from, recipient schema.ChannelAccount, conv schema.ConversationAccount, lang dialogs.Lang, att schema.Attachment) *schema.Activity {
	return &schema.Activity{
		Type:         schema.Message,
		From:         from,
		Recipient:    recipient,
		Conversation: conv,
		Locale:       string(lang),
		Attachments:  []schema.Attachment{att},
	}
}

// Reply addresses att back to the conversation of the inbound activity a,
// as a reply to it.
func Reply(a *schema.Activity, lang dialogs.Lang, att schema.Attachment) *schema.Activity {
	m := Message(a.Recipient, schema.ChannelAccount{ID: a.From.ID}, schema.ConversationAccount{ID: a.Conversation.ID}, lang, att)
	m.ReplyToID = a.ID
	return m
}

// Message is the outbound activity carrying att to the reference's
// conversation, or, with thread set, as a reply in the thread of that
// channel post. The user is the recipient only in a chat with them (never
// in a channel, "19:…", or a thread).
func (r Ref) Message(thread string, lang dialogs.Lang, att schema.Attachment) *schema.Activity {
	conv := r.ConversationID
	if thread != "" {
		conv += ";messageid=" + thread
	}
	var to schema.ChannelAccount
	if r.UserID != "" && thread == "" && !strings.HasPrefix(conv, "19:") {
		to = schema.ChannelAccount{ID: r.UserID}
	}
	return Message(schema.ChannelAccount{ID: r.BotID}, to, schema.ConversationAccount{ID: conv, TenantID: r.TenantID}, lang, att)
}

// Hasher is the keyed hash user keys are made with (seal.Hasher).
type Hasher interface {
	Sum(purpose, id string) string
}

// UserKey is the keyed hash a user's profile, reference and other keys
// are kept under, from a user-key id (UserKeyID, AADKeyID,
// LegacyUserKeyID): the one place the purpose "user" is named.
func UserKey(h Hasher, id string) string { return h.Sum("user", id) }

// AADUserKey is UserKey of an Entra object id, as campaign lists, handler
// lists and admins know users.
func AADUserKey(h Hasher, aadObjectID string) string { return UserKey(h, AADKeyID(aadObjectID)) }

// UserKeyID is the id a user's profile is kept under (hashed before use,
// UserKey): the Entra object id when Teams gives it (stable across
// conversations), else the channel account id.
func UserKeyID(a *schema.Activity) string {
	if a.From.AadObjectID != "" {
		return AADKeyID(a.From.AadObjectID)
	}
	return "id:" + a.ChannelID + ":" + a.From.ID
}

// AADKeyID is the user-key id of an Entra object id, as turns, campaign
// lists, handler lists and admins all derive it: object ids are GUIDs,
// case-insensitive, so the id is folded to lower case and trimmed.
func AADKeyID(aadObjectID string) string {
	return "aad:" + dialogs.ObjectID(aadObjectID)
}

// LegacyUserKeyID is the id a user's profile was kept under before
// AADKeyID folded case: the object id as Teams sent it. It is "" when it
// equals UserKeyID (Teams sends object ids in lower case), so only a user
// whose stored keys predate the folding needs the fallback.
func LegacyUserKeyID(a *schema.Activity) string {
	if a.From.AadObjectID == "" {
		return ""
	}
	if old := "aad:" + a.From.AadObjectID; old != UserKeyID(a) {
		return old
	}
	return ""
}
