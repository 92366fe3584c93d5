package cards

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/internal/jsonenc"
)

// CardJSON renders a card as the JSON bytes the bot sends: exactly what
// encoding/json makes of Card's map (keys sorted, HTML characters
// escaped), written directly, since reflecting over the map was a tenth
// of a turn's CPU time. Values of other types than the renderer makes go
// through encoding/json.
//
// A card made only of content is rendered once per language and then
// taken from a cache (cache.go); the bytes must not be changed.
func (r *Renderer) CardJSON(lang dialogs.Lang, c dialogs.Card) []byte {
	return r.cachedJSON(lang, c)
}

// renderJSON renders a card without the cache.
func (r *Renderer) renderJSON(lang dialogs.Lang, c dialogs.Card) []byte {
	return appendJSON(make([]byte, 0, 2048), r.Card(lang, c))
}

// appendJSON appends v encoded as encoding/json.Marshal encodes it.
func appendJSON(dst []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return jsonenc.AppendString(dst, v)
	case bool:
		return strconv.AppendBool(dst, v)
	case int:
		return strconv.AppendInt(dst, int64(v), 10)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonenc.AppendString(dst, k)
			dst = append(dst, ':')
			dst = appendJSON(dst, v[k])
		}
		return append(dst, '}')
	case []any:
		if v == nil {
			return append(dst, "null"...)
		}
		dst = append(dst, '[')
		for i, x := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, x)
		}
		return append(dst, ']')
	}
	b, err := json.Marshal(v)
	if err != nil {
		return append(dst, "null"...)
	}
	return append(dst, b...)
}
