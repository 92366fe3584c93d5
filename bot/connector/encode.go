package connector

import (
	"encoding/json"
	"reflect"
	"sync"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/internal/jsonenc"
)

// Verbatim is an attachment's content that is already exactly the JSON
// encoding/json.Marshal writes for it (compact, keys in order, HTML
// characters escaped): a rendered card (cards.JSON). A request carries
// those bytes as they are, where json.Marshal would scan and compact them
// once more.
type Verbatim interface {
	json.Marshaler
	VerbatimJSON() []byte
}

// encode marshals a request body. An outbound message as activity.Message
// builds it is written directly (appendMessage), since encoding/json's
// reflection over schema.Activity's 45 fields and its second scan of the
// card were a tenth of a turn's CPU time (issue 14); the bytes are the same
// as json.Marshal's (TestEncodeIsWhatMarshalWrites). Anything else goes
// through json.Marshal.
func encode(payload any) ([]byte, error) {
	if a, ok := payload.(*schema.Activity); ok && a != nil {
		if b, ok := appendMessage(make([]byte, 0, 512+attachmentsSize(a)), a); ok {
			return b, nil
		}
	}
	return json.Marshal(payload)
}

func attachmentsSize(a *schema.Activity) int {
	n := 0
	for _, at := range a.Attachments {
		if v, ok := at.Content.(Verbatim); ok {
			n += len(v.VerbatimJSON())
		}
	}
	return n
}

// zeroParts are what json.Marshal writes for the struct-typed fields of a
// zero schema.Activity (omitempty does not drop structs): the timestamps,
// suggestedActions, relatesTo and semanticAction.
var zeroParts = sync.OnceValue(func() map[string][]byte {
	var a schema.Activity
	m := map[string][]byte{}
	for k, v := range map[string]any{"time": a.Timestamp, "suggestedActions": a.SuggestedActions, "relatesTo": a.RelatesTo, "semanticAction": a.SemanticAction} {
		b, err := json.Marshal(v)
		if err != nil {
			panic("connector: " + err.Error())
		}
		m[k] = b
	}
	return m
})

// appendMessage writes a as json.Marshal does, when a has no other fields
// set than an outbound message has (type, id, from, conversation,
// recipient, locale, text, summary, attachments, channelData, replyToId);
// ok is false otherwise.
func appendMessage(dst []byte, a *schema.Activity) (_ []byte, ok bool) {
	rest := *a
	rest.Type, rest.ID, rest.From, rest.Conversation, rest.Recipient = "", "", schema.ChannelAccount{}, schema.ConversationAccount{}, schema.ChannelAccount{}
	rest.Locale, rest.Text, rest.Summary, rest.Attachments, rest.ChannelData, rest.ReplyToID = "", "", "", nil, nil, ""
	if !reflect.ValueOf(&rest).Elem().IsZero() {
		return nil, false
	}
	z := zeroParts()
	w := fieldWriter{dst: append(dst, '{')}
	w.str("type", string(a.Type))
	w.str("id", a.ID)
	w.raw("timestamp", z["time"])
	w.raw("localTimestamp", z["time"])
	w.key("from")
	w.dst = appendAccount(w.dst, a.From.ID, a.From.Name, a.From.AadObjectID, string(a.From.Role))
	w.key("conversation")
	w.dst = appendConversation(w.dst, a.Conversation)
	w.key("recipient")
	w.dst = appendAccount(w.dst, a.Recipient.ID, a.Recipient.Name, a.Recipient.AadObjectID, string(a.Recipient.Role))
	w.str("locale", a.Locale)
	w.str("text", a.Text)
	w.str("summary", a.Summary)
	w.raw("suggestedActions", z["suggestedActions"])
	if len(a.Attachments) > 0 {
		w.key("attachments")
		w.dst = append(w.dst, '[')
		for i, at := range a.Attachments {
			if i > 0 {
				w.dst = append(w.dst, ',')
			}
			var err error
			if w.dst, err = appendAttachment(w.dst, at); err != nil {
				return nil, false
			}
		}
		w.dst = append(w.dst, ']')
	}
	if len(a.ChannelData) > 0 {
		b, err := json.Marshal(a.ChannelData)
		if err != nil {
			return nil, false
		}
		w.raw("channelData", b)
	}
	w.str("replyToId", a.ReplyToID)
	w.raw("relatesTo", z["relatesTo"])
	w.raw("expiration", z["time"])
	w.raw("semanticAction", z["semanticAction"])
	return append(w.dst, '}'), true
}

// fieldWriter writes an object's fields with their commas.
type fieldWriter struct {
	dst  []byte
	more bool
}

func (w *fieldWriter) key(k string) {
	if w.more {
		w.dst = append(w.dst, ',')
	}
	w.more = true
	w.dst = append(append(append(w.dst, '"'), k...), '"', ':')
}

// str writes a string field with omitempty.
func (w *fieldWriter) str(k, v string) {
	if v != "" {
		w.key(k)
		w.dst = jsonenc.AppendString(w.dst, v)
	}
}

func (w *fieldWriter) raw(k string, v []byte) {
	w.key(k)
	w.dst = append(w.dst, v...)
}

func appendAccount(dst []byte, id, name, aad, role string) []byte {
	w := fieldWriter{dst: append(dst, '{')}
	w.str("id", id)
	w.str("name", name)
	w.str("aadObjectId", aad)
	w.str("role", role)
	return append(w.dst, '}')
}

func appendConversation(dst []byte, c schema.ConversationAccount) []byte {
	w := fieldWriter{dst: append(dst, '{')}
	if c.IsGroup {
		w.key("isGroup")
		w.dst = append(w.dst, "true"...)
	}
	w.str("conversationType", c.ConversationType)
	w.str("tenantId", c.TenantID)
	w.str("id", c.ID)
	w.str("name", c.Name)
	w.str("aadObjectId", c.AadObjectID)
	w.str("role", string(c.Role))
	return append(w.dst, '}')
}

func appendAttachment(dst []byte, at schema.Attachment) ([]byte, error) {
	w := fieldWriter{dst: append(dst, '{')}
	w.str("contentType", at.ContentType)
	w.str("contentUrl", at.ContentURL)
	if at.Content != nil {
		var b []byte
		if v, ok := at.Content.(Verbatim); ok {
			b = v.VerbatimJSON()
		} else {
			var err error
			if b, err = json.Marshal(at.Content); err != nil {
				return nil, err
			}
		}
		w.raw("content", b)
	}
	w.str("name", at.Name)
	w.str("thumbnailUrl", at.ThumbnailURL)
	return append(w.dst, '}'), nil
}
