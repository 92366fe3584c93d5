package bot

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/dialogs"
)

// Limits on what an inbound activity may carry into a turn.
const (
	maxTextRunes  = 4000 // longer typed text is cut (Teams caps messages near this)
	maxValues     = 64   // card submit fields
	maxValueRunes = 8000 // one card field (the report form's free text)
)

// turnKind classifies an activity: what the engine should do with it, or
// ignore (false) for activity types and events the bot does not act on.
func turnKind(a *schema.Activity) (dialogs.Kind, bool) {
	switch a.Type {
	case schema.Message:
		return dialogs.KindMessage, true
	case schema.Invoke:
		return dialogs.KindInvoke, true
	case schema.InstallationUpdate:
		switch a.Action {
		case "add":
			return dialogs.KindInstall, true
		case "remove":
			return dialogs.KindUninstall, true
		}
		// add-upgrade / remove-upgrade: the bot stays; nothing to say.
		return 0, false
	case schema.ConversationUpdate:
		for _, m := range a.MembersAdded {
			if m.ID != "" && m.ID == a.Recipient.ID {
				return dialogs.KindInstall, true
			}
		}
		for _, m := range a.MembersRemoved {
			if m.ID != "" && m.ID == a.Recipient.ID {
				return dialogs.KindUninstall, true
			}
		}
	}
	return 0, false
}

var mentionRE = regexp.MustCompile(`(?s)<at>.*?</at>`)

// markupSpace turns the markup Teams wraps a message's text in into spaces.
var markupSpace = strings.NewReplacer("&nbsp;", " ", "<p>", " ", "</p>", " ", "<br>", " ")

// cleanText strips the bot's @mention (channel messages), tags and extra
// space, and caps the length.
func cleanText(s string) string {
	if strings.Contains(s, "<at>") {
		s = mentionRE.ReplaceAllString(s, " ")
	}
	s = markupSpace.Replace(s)
	s = strings.TrimSpace(strings.Join(strings.Fields(s), " "))
	return truncateRunes(s, maxTextRunes)
}

func truncateRunes(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// submitValues flattens card submit data to strings. Wrong-typed values
// (numbers, booleans) become their text; nested objects and arrays are
// dropped: no card of ours sends them, so they are garbage.
func submitValues(v map[string]any) map[string]string {
	if len(v) == 0 {
		return nil
	}
	out := make(map[string]string, min(len(v), maxValues))
	for k, x := range v {
		if len(out) == maxValues {
			break
		}
		if k == "msteams" {
			continue
		}
		switch t := x.(type) {
		case string:
			out[k] = truncateRunes(t, maxValueRunes)
		case bool:
			out[k] = strconv.FormatBool(t)
		case float64:
			out[k] = strconv.FormatFloat(t, 'f', -1, 64)
		case json.Number:
			out[k] = t.String()
		}
	}
	return out
}

// invokeValues extracts the submit data of an adaptiveCard/action invoke
// (value.action.data, with the verb as the action when data has none).
func invokeValues(v map[string]any) (map[string]string, error) {
	action, ok := v["action"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("invoke value has no action object")
	}
	data, _ := action["data"].(map[string]any)
	out := submitValues(data)
	if out == nil {
		out = map[string]string{}
	}
	if verb, ok := action["verb"].(string); ok && out[dialogs.KeyAction] == "" {
		out[dialogs.KeyAction] = verb
	}
	return out, nil
}

// scopeOf tells a 1:1 chat from a channel or group chat.
func scopeOf(a *schema.Activity) dialogs.Scope {
	switch a.Conversation.ConversationType {
	case "channel", "groupChat":
		return dialogs.ScopeChannel
	}
	if a.Conversation.IsGroup {
		return dialogs.ScopeChannel
	}
	return dialogs.ScopePersonal
}
