package connector

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/infracloudio/msbotbuilder-go/schema"
)

// verbatimCard is a Verbatim content as cards.JSON is one (the cards
// package's test checks that cards.JSON is a Verbatim).
type verbatimCard []byte

func (v verbatimCard) MarshalJSON() ([]byte, error) { return v, nil }
func (v verbatimCard) VerbatimJSON() []byte         { return v }

// compactCard is what encoding/json writes for a card file: the bytes a
// renderer hands over as Verbatim.
func compactCard(t *testing.T, path string) verbatimCard {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEncodeIsWhatMarshalWrites: a request body with Verbatim cards is
// byte for byte what json.Marshal writes for the same activity, for every
// card golden file of the dialogs, two cards in one activity, a card
// beside other content, every field an outbound message may have, and an
// activity with fields it does not have.
func TestEncodeIsWhatMarshalWrites(t *testing.T) {
	files, err := filepath.Glob("../../dialogs/testdata/cards/*.json")
	if err != nil || len(files) < 10 {
		t.Fatalf("card golden files: %v (%d)", err, len(files))
	}
	base := func() *schema.Activity {
		return &schema.Activity{Type: "message", From: schema.ChannelAccount{ID: "28:bot"},
			Recipient: schema.ChannelAccount{ID: "29:user <&> \u2028"}, Conversation: schema.ConversationAccount{ID: "a:conv", TenantID: "t"},
			ReplyToID: "1", Locale: "da-DK"}
	}
	var cases []*schema.Activity
	for _, f := range files {
		a := base()
		a.Attachments = []schema.Attachment{{ContentType: "application/vnd.microsoft.card.adaptive", Content: compactCard(t, f)}}
		cases = append(cases, a)
	}
	two := base()
	two.Attachments = []schema.Attachment{
		{ContentType: "application/vnd.microsoft.card.adaptive", Content: compactCard(t, files[0])},
		{ContentType: "text/plain", Content: "between"},
		{ContentType: "application/vnd.microsoft.card.adaptive", Content: compactCard(t, files[1])},
	}
	cases = append(cases, two)
	// Every field an outbound message may have, and characters that need
	// escaping.
	full := base()
	full.ID, full.Text, full.Summary = "act-1", "tekst <b> & \"citat\" \u2028 \xff æøå", "kort"
	full.From.Name, full.From.AadObjectID, full.From.Role = "Grænsen", "0000-aad", "bot"
	full.Conversation = schema.ConversationAccount{IsGroup: true, ConversationType: "channel", TenantID: "t", ID: "19:x;messageid=1", Name: "n", AadObjectID: "a", Role: "user"}
	full.ChannelData = map[string]any{"notification": map[string]any{"alert": true}, "b": []any{1, "x"}}
	full.Attachments = append(full.Attachments, schema.Attachment{ContentType: "application/vnd.microsoft.card.adaptive", ContentURL: "https://x/<y>", Name: "card", ThumbnailURL: "t",
		Content: compactCard(t, files[3])}, schema.Attachment{ContentType: "text/plain", Content: map[string]any{"z": 1, "a": "<"}})
	cases = append(cases, full, base(), &schema.Activity{})
	// Fields an outbound message does not have: json.Marshal, the same bytes.
	other := base()
	other.ServiceURL, other.Value = "https://smba", map[string]any{"a": "b"}
	cases = append(cases, other)
	for i, a := range cases {
		want, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encode(a)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("case %d: encode differs from json.Marshal:\n got %s\nwant %s", i, got, want)
		}
	}
	// Not an activity: plain json.Marshal.
	for _, p := range []any{map[string]any{"a": 1}, schema.ConversationParameters{IsGroup: true}} {
		want, _ := json.Marshal(p)
		if got, _ := encode(p); !bytes.Equal(got, want) {
			t.Errorf("encode(%T) = %s, want %s", p, got, want)
		}
	}
}

// BenchmarkEncodeReply is the body of a reply carrying the menu card:
// spliced (encode) against encoding/json.
func BenchmarkEncodeReply(b *testing.B) {
	card := compactCard(&testing.T{}, "../../dialogs/testdata/cards/menu.da.json")
	a := &schema.Activity{Type: "message", From: schema.ChannelAccount{ID: "28:bot"}, Recipient: schema.ChannelAccount{ID: "29:user"},
		Conversation: schema.ConversationAccount{ID: "a:conv"}, ReplyToID: "1", Locale: "da-DK",
		Attachments: []schema.Attachment{{ContentType: "application/vnd.microsoft.card.adaptive", Content: card}}}
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			_, _ = encode(a)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		for b.Loop() {
			_, _ = json.Marshal(a)
		}
	})
}
