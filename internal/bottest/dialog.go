package bottest

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/infracloudio/msbotbuilder-go/schema"
)

// Dialog is the bot's HTTP answer to a Teams dialog invoke (task/fetch or
// task/submit): the next card of the window, or its closing message.
type Dialog struct {
	Status  int
	Raw     []byte         // the body as sent
	Type    string         // "continue", "message", or "" (no body: closed)
	Title   string         // the window's title (continue)
	Size    [2]string      // height and width (continue)
	Card    map[string]any // the Adaptive Card (continue)
	Message string         // the text shown (message)
}

// DialogInvoke builds a dialog invoke from the user's 1:1 chat, as Teams
// sends it when a button with msteams.type task/fetch is pressed
// (name "task/fetch") or an Action.Submit inside the window
// (name "task/submit"): the button's data and the card's inputs in
// value.data.
func (h *Harness) DialogInvoke(id, name string, data map[string]any) schema.Activity {
	a := h.Activity(schema.Invoke, id)
	a.Name = name
	a.Value = map[string]any{"data": data, "context": map[string]any{"theme": "default"}}
	return a
}

// PostDialog posts a dialog invoke through the webhook and decodes the
// answer; it fails the test on anything but a well-formed 200.
func (h *Harness) PostDialog(t testing.TB, a schema.Activity) Dialog {
	t.Helper()
	resp := h.Post(a, "")
	body, _ := io.ReadAll(resp.Body)
	d := Dialog{Status: resp.StatusCode, Raw: body}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dialog invoke: status %d: %s", resp.StatusCode, body)
	}
	if len(body) == 0 {
		return d
	}
	var r struct {
		Task struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"task"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("dialog answer is not a task response: %v: %s", err, body)
	}
	d.Type = r.Task.Type
	switch d.Type {
	case "message":
		if err := json.Unmarshal(r.Task.Value, &d.Message); err != nil {
			t.Fatalf("task message: %v: %s", err, body)
		}
	case "continue":
		var info struct {
			Title  string `json:"title"`
			Height string `json:"height"`
			Width  string `json:"width"`
			Card   struct {
				ContentType string         `json:"contentType"`
				Content     map[string]any `json:"content"`
			} `json:"card"`
		}
		if err := json.Unmarshal(r.Task.Value, &info); err != nil {
			t.Fatalf("task info: %v: %s", err, body)
		}
		if info.Card.ContentType != "application/vnd.microsoft.card.adaptive" || info.Card.Content == nil || info.Title == "" {
			t.Fatalf("task info lacks a title or an adaptive card: %s", body)
		}
		d.Title, d.Size, d.Card = info.Title, [2]string{info.Height, info.Width}, info.Card.Content
	default:
		t.Fatalf("unknown task response type %q: %s", d.Type, body)
	}
	return d
}
