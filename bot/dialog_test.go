package bot_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kk/graensen/bot/cards/cardschema"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/internal/bottest"
)

// TestReportingInTheChatIsOnlyALauncher: typed "anmeld"/"report" and the
// menu get a launcher whose buttons open a Teams dialog (task/fetch); a
// client that cannot open dialogs (its click arrives as a message) gets a
// kind explanation; a dialog invoke is answered in the body, never in the
// chat; from a channel, a dialog is refused in the dialog.
func TestReportingInTheChatIsOnlyALauncher(t *testing.T) {
	for _, tc := range []struct{ locale, typed, noWindow string }{
		{"da-DK", "anmeld", "kan ikke åbne formularvinduet"},
		{"en-US", "report", "cannot open the form window"},
	} {
		t.Run(tc.locale, func(t *testing.T) {
			h := bottest.New(t, bottest.Options{Local: true})
			a := h.Message("m1", tc.typed)
			a.Locale = tc.locale
			h.MustPost(a)
			sent := h.Conn.Wait(t, 1)
			card := bottest.CardOf(t, sent[0])
			if err := cardschema.Validate(card); err != nil {
				t.Fatal(err)
			}
			opens := 0
			for _, d := range bottest.Submits(card) {
				if m, _ := d["msteams"].(map[string]any); m["type"] == "task/fetch" && (d["a"] == dialogs.VerbReport || d["a"] == dialogs.VerbReceipt) {
					opens++
				}
			}
			if opens != 2 {
				t.Fatalf("the launcher has %d dialog buttons, want 2:\n%s", opens, bottest.CardText(card))
			}

			// The Agents Playground sends the click as a message submit.
			b := h.Submit("m2", map[string]any{"a": dialogs.VerbReport, "msteams": map[string]any{"type": "task/fetch"}})
			b.Locale = tc.locale
			h.MustPost(b)
			sent = h.Conn.Wait(t, 2)
			if txt := bottest.CardText(bottest.CardOf(t, sent[1])); !strings.Contains(txt, tc.noWindow) {
				t.Fatalf("no-dialog client got:\n%s", txt)
			}

			// The real thing: the form opens in the invoke's answer.
			inv := h.DialogInvoke("i1", "task/fetch", map[string]any{"a": dialogs.VerbReport, "msteams": map[string]any{"type": "task/fetch"}})
			inv.Locale = tc.locale
			d := h.PostDialog(t, inv)
			if d.Type != "continue" || d.Title == "" {
				t.Fatalf("task/fetch answered %s", d.Raw)
			}
			if err := cardschema.Validate(d.Card); err != nil {
				t.Fatal(err)
			}
			if got := h.Conn.Settle(100 * time.Millisecond); len(got) != 2 {
				t.Fatalf("the dialog invoke posted to the chat: %d sends", len(got))
			}

			// A dialog from a channel is refused inside the dialog.
			ch := h.DialogInvoke("i2", "task/fetch", map[string]any{"a": dialogs.VerbReport})
			ch.Conversation.ConversationType, ch.Conversation.ID = "channel", "19:x@thread.tacv2"
			resp := h.Post(ch, "")
			body, _ := io.ReadAll(resp.Body)
			var r struct {
				Task struct{ Type, Value string } `json:"task"`
			}
			if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &r) != nil || r.Task.Type != "message" || r.Task.Value == "" {
				t.Fatalf("channel dialog: %d %s", resp.StatusCode, body)
			}
		})
	}
}
