// Package cards renders the dialogs' Card model as localized Adaptive
// Cards 1.5, the highest version Teams supports for bot messages.
package cards

import (
	"errors"
	"strings"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/infracloudio/msbotbuilder-go/schema"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/kk/graensen/dialogs"
)

// ContentType is the attachment content type of an Adaptive Card.
const ContentType = "application/vnd.microsoft.card.adaptive"

// Renderer localizes and renders cards. It is safe for concurrent use.
type Renderer struct {
	locs map[dialogs.Lang]*i18n.Localizer
	// plain caches texts without template data: most of a card's texts,
	// localized on every turn otherwise. Keyed by lang + "\x00" + id.
	plain sync.Map
	// cards keeps rendered cards made only of content (cache.go).
	cards *lru.Cache[string, []byte]
	// Missing is called with a message id that exists in neither language
	// (a content bug; tests make sure it never happens).
	Missing func(id string)
}

// New returns a Renderer over a message bundle.
func New(b *i18n.Bundle) *Renderer {
	return &Renderer{locs: map[dialogs.Lang]*i18n.Localizer{
		dialogs.Danish:  i18n.NewLocalizer(b, "da"),
		dialogs.English: i18n.NewLocalizer(b, "en"),
	}, cards: newCardCache()}
}

// Text localizes one message. A message missing in the requested language
// falls back to the other one, then to its id, so a user never sees an
// error, only (in the worst case) an untranslated text.
func (r *Renderer) Text(lang dialogs.Lang, m dialogs.Msg) string {
	if len(m.Data) == 0 {
		key := string(lang) + "\x00" + m.ID
		if s, ok := r.plain.Load(key); ok {
			return s.(string)
		}
		s := r.text(lang, m)
		r.plain.Store(key, s)
		return s
	}
	return r.text(lang, m)
}

func (r *Renderer) text(lang dialogs.Lang, m dialogs.Msg) string {
	s, err := r.localize(lang, m)
	if err == nil {
		return s
	}
	other := dialogs.Danish
	if lang == dialogs.Danish {
		other = dialogs.English
	}
	if s, err := r.localize(other, m); err == nil {
		return s
	}
	if r.Missing != nil {
		r.Missing(m.ID)
	}
	return m.ID
}

// Has reports whether a message exists in that language (tests).
func (r *Renderer) Has(lang dialogs.Lang, id string) bool {
	_, err := r.localize(lang, dialogs.Msg{ID: id})
	var nf *i18n.MessageNotFoundErr
	return !errors.As(err, &nf) && err == nil
}

func (r *Renderer) localize(lang dialogs.Lang, m dialogs.Msg) (string, error) {
	loc, ok := r.locs[lang]
	if !ok {
		loc = r.locs[dialogs.English]
	}
	s, tag, err := loc.LocalizeWithTag(&i18n.LocalizeConfig{MessageID: m.ID, TemplateData: m.Data})
	if err != nil {
		return "", err
	}
	// go-i18n falls back to the bundle's default language silently; treat
	// that as missing so the fallback order stays ours.
	if !strings.HasPrefix(tag.String(), string(lang)) {
		return "", &i18n.MessageNotFoundErr{}
	}
	return s, nil
}

// Attachment renders a card as an activity attachment; its content is
// the card's JSON (CardJSON), which the connector sends as it is.
func (r *Renderer) Attachment(lang dialogs.Lang, c dialogs.Card) schema.Attachment {
	return schema.Attachment{ContentType: ContentType, Content: JSON(r.CardJSON(lang, c))}
}

// JSON is a rendered card: exactly the bytes encoding/json.Marshal writes
// for the card's map. It marshals as itself, and the connector sends it
// without scanning it again (connector.Verbatim).
type JSON []byte

// MarshalJSON returns the card's bytes.
func (j JSON) MarshalJSON() ([]byte, error) {
	if len(j) == 0 {
		return []byte("null"), nil
	}
	return j, nil
}

// VerbatimJSON returns the card's bytes, which are already what
// encoding/json writes.
func (j JSON) VerbatimJSON() []byte {
	b, _ := j.MarshalJSON()
	return b
}

// Card renders a card as Adaptive Card 1.5 JSON (a map, ready to marshal).
func (r *Renderer) Card(lang dialogs.Lang, c dialogs.Card) map[string]any {
	body := make([]any, 0, len(c.Blocks))
	for _, b := range c.Blocks {
		if el := r.block(lang, b); el != nil {
			body = append(body, el)
		}
	}
	card := map[string]any{
		"type":    "AdaptiveCard",
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"version": "1.5",
		"body":    body,
		"lang":    string(lang),
	}
	if len(c.Actions) > 0 {
		card["actions"] = r.actions(lang, c.Actions)
	}
	return card
}

func (r *Renderer) block(lang dialogs.Lang, b dialogs.Block) map[string]any {
	text := func() string { return r.Text(lang, b.Msg) }
	switch b.Kind {
	case dialogs.BlockHeading:
		return map[string]any{"type": "TextBlock", "text": text(), "wrap": true, "size": "Large", "weight": "Bolder", "style": "heading"}
	case dialogs.BlockText:
		return map[string]any{"type": "TextBlock", "text": text(), "wrap": true}
	case dialogs.BlockSubtle:
		return map[string]any{"type": "TextBlock", "text": text(), "wrap": true, "isSubtle": true, "size": "Small", "spacing": "Medium"}
	case dialogs.BlockPlain:
		return plainBlock(b.Text)
	case dialogs.BlockRaw:
		return map[string]any{"type": "TextBlock", "text": b.Text, "wrap": true, "fontType": "Monospace", "size": "Large", "weight": "Bolder"}
	case dialogs.BlockFacts:
		facts := make([]any, 0, len(b.Facts))
		for _, f := range b.Facts {
			v := f.Raw
			if f.Value.ID != "" {
				v = r.Text(lang, f.Value)
			}
			facts = append(facts, map[string]any{"title": r.Text(lang, f.Label), "value": v})
		}
		return map[string]any{"type": "FactSet", "facts": facts}
	case dialogs.BlockChoice:
		choices := make([]any, 0, len(b.Choices))
		for _, c := range b.Choices {
			choices = append(choices, map[string]any{"title": r.Text(lang, c.Label), "value": c.Value})
		}
		el := map[string]any{"type": "Input.ChoiceSet", "id": b.ID, "label": text(), "choices": choices, "style": "expanded", "isMultiSelect": b.Multi}
		if b.Text != "" {
			el["value"] = b.Text
		}
		required(el, b, r, lang)
		return el
	case dialogs.BlockInput:
		el := map[string]any{"type": "Input.Text", "id": b.ID, "label": text(), "isMultiline": b.Multiline}
		if b.MaxLen > 0 {
			el["maxLength"] = b.MaxLen
		}
		if b.Text != "" {
			el["value"] = b.Text
		}
		required(el, b, r, lang)
		return el
	case dialogs.BlockToggle:
		v := "false"
		if b.Checked {
			v = "true"
		}
		return map[string]any{"type": "Input.Toggle", "id": b.ID, "title": text(), "value": v, "valueOn": "true", "valueOff": "false", "wrap": true}
	case dialogs.BlockDate:
		el := map[string]any{"type": "Input.Date", "id": b.ID, "label": text()}
		if b.Text != "" {
			el["value"] = b.Text
		}
		required(el, b, r, lang)
		return el
	case dialogs.BlockTime:
		el := map[string]any{"type": "Input.Time", "id": b.ID, "label": text()}
		if b.Text != "" {
			el["value"] = b.Text
		}
		required(el, b, r, lang)
		return el
	case dialogs.BlockActions:
		if len(b.Actions) == 0 {
			return nil
		}
		return map[string]any{"type": "ActionSet", "actions": r.actions(lang, b.Actions)}
	case dialogs.BlockBars:
		return r.bars(lang, b.Bars)
	}
	return nil
}

// bars renders a bar chart with what every Teams client renders: one
// ColumnSet per bar, the bar a weighted column with a coloured ("accent")
// background, the rest of the width an empty column. No image, so nothing
// leaves the card for a chart service.
func (r *Renderer) bars(lang dialogs.Lang, bars []dialogs.Bar) map[string]any {
	items := make([]any, 0, len(bars))
	for _, b := range bars {
		n, rest := max(b.N, 0), max(b.Max-b.N, 0)
		cols := []any{
			map[string]any{"type": "Column", "width": "64px", "verticalContentAlignment": "Center",
				"items": []any{map[string]any{"type": "TextBlock", "text": r.Text(lang, b.Label), "size": "Small"}}},
		}
		if n > 0 {
			cols = append(cols, map[string]any{"type": "Column", "width": n, "style": "accent", "minHeight": "16px", "items": []any{}})
		}
		if rest > 0 || n == 0 {
			cols = append(cols, map[string]any{"type": "Column", "width": max(rest, 1), "items": []any{}})
		}
		cols = append(cols, map[string]any{"type": "Column", "width": "44px", "verticalContentAlignment": "Center",
			"items": []any{map[string]any{"type": "TextBlock", "text": b.Text, "size": "Small", "horizontalAlignment": "Right"}}})
		items = append(items, map[string]any{"type": "ColumnSet", "spacing": "Small", "columns": cols})
	}
	return map[string]any{"type": "Container", "items": items}
}

func required(el map[string]any, b dialogs.Block, r *Renderer, lang dialogs.Lang) {
	if b.Required {
		el["isRequired"] = true
		el["errorMessage"] = r.Text(lang, dialogs.M("core.required"))
	}
}

func (r *Renderer) actions(lang dialogs.Lang, as []dialogs.Action) []any {
	out := make([]any, 0, len(as))
	for _, a := range as {
		title := r.Text(lang, a.Label)
		if a.URL != "" {
			out = append(out, map[string]any{"type": "Action.OpenUrl", "title": title, "url": a.URL})
			continue
		}
		data := make(map[string]any, len(a.Data)+1)
		for k, v := range a.Data {
			data[k] = v
		}
		if a.Dialog {
			// Teams opens a dialog and sends the bot an invoke task/fetch
			// carrying data (task-modules-bots.md).
			data["msteams"] = map[string]any{"type": "task/fetch"}
		}
		// Primary is not styled: Teams ignores positive/destructive styles.
		out = append(out, map[string]any{"type": "Action.Submit", "title": title, "data": data})
	}
	return out
}
