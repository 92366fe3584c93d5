package cards

import (
	"encoding/binary"
	"maps"
	"math"
	"slices"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/kk/graensen/dialogs"
)

// cacheSize is how many rendered cards a Renderer keeps. The cards made
// only of content (menus, answers, playbook steps, situations) number a
// few hundred per language.
const cacheSize = 2048

// cachedJSON returns a card's rendered JSON from the cache, or renders and
// keeps it. Rendering the menu took 21 µs and 120 allocations, on every
// turn (issue 14); the same card in the same language is the same bytes.
// Only cards made entirely of content and locale texts are kept (cardKey):
// nothing a person typed, no case data, no form's tag.
func (r *Renderer) cachedJSON(lang dialogs.Lang, c dialogs.Card) []byte {
	key, ok := cardKey(make([]byte, 0, 256), lang, c)
	if !ok {
		return r.renderJSON(lang, c)
	}
	if b, ok := r.cards.Get(string(key)); ok {
		return b
	}
	// Clipped: whoever appends to the bytes gets a copy, never writes
	// into what the cache holds.
	b := slices.Clip(r.renderJSON(lang, c))
	r.cards.Add(string(key), b)
	return b
}

func newCardCache() *lru.Cache[string, []byte] {
	c, err := lru.New[string, []byte](cacheSize)
	if err != nil {
		panic("cards: " + err.Error()) // only for a size under 1
	}
	return c
}

// cardKey appends everything of c that its rendering depends on, or
// returns ok false when c shows anything but content and locale texts: a
// raw or typed text (Block.Text, Fact.Raw), a chart, a message with other
// template data than numbers, a button carrying more than a verb and its
// argument (a form's tag), or an argument that is not the name of content
// (dialogs.ContentArg: a case, a campaign, a token).
func cardKey(k []byte, lang dialogs.Lang, c dialogs.Card) (_ []byte, ok bool) {
	k = str(k, string(lang))
	k = str(k, c.Name)
	k = binary.AppendUvarint(k, uint64(len(c.Blocks)))
	for _, b := range c.Blocks {
		if b.Text != "" || len(b.Bars) > 0 {
			return nil, false
		}
		k = str(k, string(b.Kind))
		if k, ok = msgKey(k, b.Msg); !ok {
			return nil, false
		}
		k = str(k, b.ID)
		k = binary.AppendUvarint(k, uint64(len(b.Choices)))
		for _, ch := range b.Choices {
			k = str(k, ch.Value)
			if k, ok = msgKey(k, ch.Label); !ok {
				return nil, false
			}
		}
		k = append(k, flag(b.Multi), flag(b.Multiline), flag(b.Required), flag(b.Checked))
		k = binary.AppendVarint(k, int64(b.MaxLen))
		k = binary.AppendUvarint(k, uint64(len(b.Facts)))
		for _, f := range b.Facts {
			if f.Raw != "" {
				return nil, false
			}
			if k, ok = msgKey(k, f.Label); !ok {
				return nil, false
			}
			if k, ok = msgKey(k, f.Value); !ok {
				return nil, false
			}
		}
		if k, ok = actionsKey(k, b.Actions); !ok {
			return nil, false
		}
	}
	return actionsKey(k, c.Actions)
}

func actionsKey(k []byte, as []dialogs.Action) (_ []byte, ok bool) {
	k = binary.AppendUvarint(k, uint64(len(as)))
	for _, a := range as {
		if k, ok = msgKey(k, a.Label); !ok {
			return nil, false
		}
		for key := range a.Data {
			if key != dialogs.KeyAction && key != dialogs.KeyArg {
				return nil, false
			}
		}
		_, hasArg := a.Data[dialogs.KeyArg]
		if hasArg && !dialogs.ContentArg(a.Data[dialogs.KeyAction]) {
			return nil, false // a case, campaign, token or date
		}
		k = append(k, flag(a.Data != nil))
		k = str(k, a.Data[dialogs.KeyAction])
		k = append(k, flag(hasArg))
		k = str(k, a.Data[dialogs.KeyArg])
		k = str(k, a.URL)
		k = append(k, flag(a.Primary), flag(a.Dialog))
	}
	return k, true
}

// msgKey appends a message's id and its template data, which may only be
// numbers and booleans.
func msgKey(k []byte, m dialogs.Msg) (_ []byte, ok bool) {
	k = str(k, m.ID)
	k = binary.AppendUvarint(k, uint64(len(m.Data)))
	if len(m.Data) == 0 {
		return k, true
	}
	for _, name := range slices.Sorted(maps.Keys(m.Data)) {
		k = str(k, name)
		switch v := m.Data[name].(type) {
		case int:
			k = binary.AppendVarint(append(k, 'i'), int64(v))
		case int64:
			k = binary.AppendVarint(append(k, 'l'), v)
		case float64:
			k = binary.LittleEndian.AppendUint64(append(k, 'f'), math.Float64bits(v))
		case bool:
			k = append(k, 'b', flag(v))
		default:
			return nil, false
		}
	}
	return k, true
}

// str appends a length-prefixed string, so no two cards share a key.
func str(k []byte, s string) []byte {
	return append(binary.AppendUvarint(k, uint64(len(s))), s...)
}

func flag(b bool) byte {
	if b {
		return 1
	}
	return 0
}
