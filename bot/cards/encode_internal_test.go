package cards

import (
	"encoding/json"
	"testing"

	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/locales"
)

// CardJSON writes exactly the bytes encoding/json writes for the card's
// map: the attachment the connector sends is unchanged byte for byte.
func TestCardJSONIsWhatEncodingJSONWrites(t *testing.T) {
	tricky := []string{"", "plain", `quote " backslash \ slash /`, "<b>&amp;</b>", "tab\tnl\ncr\rbs\bff\f\x00\x01\x1f\x7f",
		"æøå ÆØÅ – “curly” 🙂", "line\u2028para\u2029", "bad \xff\xfe utf8 \xe2\x82", "ok ≠ ∞"}
	for _, s := range tricky {
		v := map[string]any{s: s, "list": []any{s, true, false, 3, -7, nil, map[string]any{}, []any{}}, "n": 2.5,
			"strs": map[string]string{"a": s}, "nested": map[string]any{"data": map[string]any{"msteams": map[string]any{"type": "task/fetch"}}}}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSON(nil, v); string(got) != string(want) {
			t.Errorf("%q:\n got %s\nwant %s", s, got, want)
		}
	}
	r := New(locales.MustBundle())
	card := dialogs.Card{Blocks: []dialogs.Block{
		{Kind: dialogs.BlockHeading, Msg: dialogs.M("core.menu.title")},
		{Kind: dialogs.BlockPlain, Text: "**bold** <x> & \"q\"\nnext"},
		{Kind: dialogs.BlockRaw, Text: "ABCDE-FGHJK"},
		{Kind: dialogs.BlockInput, ID: "text", Msg: dialogs.M("core.help.title"), Multiline: true, MaxLen: 4000, Required: true},
		{Kind: dialogs.BlockToggle, ID: "chk:a.b", Msg: dialogs.M("core.menu.quiz"), Checked: true},
		{Kind: dialogs.BlockBars, Bars: []dialogs.Bar{{Label: dialogs.M("core.menu.title"), N: 3, Max: 10, Text: "3"}, {Label: dialogs.M("core.menu.title"), Max: 10, Text: "0"}}},
		{Kind: dialogs.BlockActions, Actions: []dialogs.Action{{Label: dialogs.M("core.menu.topics"), Data: dialogs.Submit("topics", ""), Dialog: true}, {Label: dialogs.M("qa.links"), URL: "https://amk.kk.dk/sexisme?a=1&b=<2>"}}},
	}, Actions: []dialogs.Action{{Label: dialogs.M("core.menu.back"), Data: dialogs.Submit("menu", "")}}}
	for _, lang := range []dialogs.Lang{dialogs.Danish, dialogs.English} {
		want, err := json.Marshal(r.Card(lang, card))
		if err != nil {
			t.Fatal(err)
		}
		if got := r.CardJSON(lang, card); string(got) != string(want) {
			t.Errorf("%s:\n got %s\nwant %s", lang, got, want)
		}
	}
}
