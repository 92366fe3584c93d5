package bot

import (
	"fmt"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/dialogs"
)

// Teams dialogs (task modules): a button whose Action.Submit data holds
// "msteams": {"type": "task/fetch"} makes Teams send an invoke named
// task/fetch; each Action.Submit inside the dialog sends task/submit. Both
// carry the button's data (and the card's inputs) in value.data, and are
// answered in the HTTP body (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/task-modules/task-modules-bots):
//
//	{"task": {"type": "continue", "value": {"title", "height", "width", "card"}}}
//	{"task": {"type": "message", "value": "a short text"}}
//
// or with no body, which closes the dialog. Nothing of a dialog turn is
// ever posted in the chat (dialogs/dialogwin.go).

// Invoke names of dialogs.
const (
	invokeTaskFetch  = "task/fetch"
	invokeTaskSubmit = "task/submit"
)

// TaskResponse is the body of the answer to a task/fetch or task/submit.
type TaskResponse struct {
	Task TaskAnswer `json:"task"`
}

// TaskAnswer is a dialog's next card (Type "continue", Value a TaskInfo)
// or a message shown in the dialog (Type "message", Value a string).
type TaskAnswer struct {
	Type  string `json:"type"`
	Value any    `json:"value"`
}

// TaskInfo is what Teams shows in the dialog window.
type TaskInfo struct {
	Title  string            `json:"title"`
	Height string            `json:"height"`
	Width  string            `json:"width"`
	Card   schema.Attachment `json:"card"`
}

// dialogValues extracts the submit data of a task/fetch or task/submit
// invoke (value.data; the "msteams" key is dropped).
func dialogValues(v map[string]any) (map[string]string, error) {
	if v == nil {
		return nil, fmt.Errorf("dialog invoke has no value")
	}
	data, ok := v["data"].(map[string]any)
	if !ok && v["data"] != nil {
		return nil, fmt.Errorf("dialog invoke data is not an object")
	}
	out := submitValues(data)
	if out == nil {
		out = map[string]string{}
	}
	return out, nil
}

// dialogFallback reports whether a message submit came from a button that
// should have opened a dialog: a client without dialogs (the Agents
// Playground) sends such a click as an ordinary submit.
func dialogFallback(v map[string]any) bool {
	m, ok := v["msteams"].(map[string]any)
	return ok && m["type"] == invokeTaskFetch
}

// dialogAnswer turns a dialog turn's outputs into the invoke's answer. The
// first ShowDialog (or, from an effect that answered with a plain card,
// the first Reply) is the window's next card; a CloseDialog its closing
// message. Every other card output is dropped, never posted to the chat:
// a dialog turn must leave no trace there. What remains (an effect's After)
// is carried out as usual.
func (b *Bot) dialogAnswer(lang dialogs.Lang, out []dialogs.Output) (any, []dialogs.Output) {
	var answer any
	var rest []dialogs.Output
	dropped := 0
	for _, o := range out {
		switch o := o.(type) {
		case dialogs.ShowDialog:
			if answer == nil {
				answer = b.taskContinue(lang, o)
				continue
			}
			dropped++
		case dialogs.Reply:
			if answer == nil {
				answer = b.taskContinue(lang, dialogs.ReportDialog(o.Card))
				continue
			}
			dropped++
		case dialogs.CloseDialog:
			if answer == nil {
				if o.Msg.ID == "" {
					answer = noBody{}
				} else {
					answer = TaskResponse{Task: TaskAnswer{Type: "message", Value: b.cfg.Renderer.Text(lang, o.Msg)}}
				}
				continue
			}
			dropped++
		case dialogs.Update:
			dropped++
		default:
			rest = append(rest, o)
		}
	}
	if dropped > 0 {
		b.log.Warn("dialog turn: extra card outputs dropped, not posted to the chat", "count", dropped)
	}
	if _, none := answer.(noBody); none {
		answer = nil
	}
	return answer, rest
}

// noBody marks a CloseDialog without a message: answered with no body.
type noBody struct{}

func (b *Bot) taskContinue(lang dialogs.Lang, d dialogs.ShowDialog) TaskResponse {
	size := "medium"
	if d.Large {
		size = "large"
	}
	return TaskResponse{Task: TaskAnswer{Type: "continue", Value: TaskInfo{
		Title: b.cfg.Renderer.Text(lang, d.Title), Height: size, Width: size,
		Card: b.cfg.Renderer.Attachment(lang, d.Card),
	}}}
}
