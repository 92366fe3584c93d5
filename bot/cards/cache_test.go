package cards

import (
	"encoding/json"
	"testing"

	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/locales"
)

// menuLike is a card made only of content, like the main menu.
func menuLike() dialogs.Card {
	row := func(verb string, ids ...string) dialogs.Block {
		var a []dialogs.Action
		for _, id := range ids {
			a = append(a, dialogs.Action{Label: dialogs.M(id), Data: dialogs.Submit(verb, "")})
		}
		return dialogs.Block{Kind: dialogs.BlockActions, Actions: a}
	}
	return dialogs.Card{Name: "menu", Blocks: []dialogs.Block{
		{Kind: dialogs.BlockHeading, Msg: dialogs.M("core.menu.title")},
		{Kind: dialogs.BlockText, Msg: dialogs.M("core.menu.text")},
		{Kind: dialogs.BlockSubtle, Msg: dialogs.Msg{ID: "guide.progress", Data: map[string]any{"N": 2, "Of": 4}}},
		row("topics", "core.menu.topics", "core.menu.reflect"), row("guides", "core.menu.guides"),
		{Kind: dialogs.BlockText, Msg: dialogs.M("core.menu.free")},
	}, Actions: []dialogs.Action{{Label: dialogs.M("core.menu.lang"), Data: dialogs.Submit("lang", ""), Primary: true}}}
}

// TestCachedCardIsTheRenderedCard: a card made only of content is kept and
// the kept bytes are what rendering writes, in each language; appending to
// them does not change what is kept.
func TestCachedCardIsTheRenderedCard(t *testing.T) {
	r := New(locales.MustBundle())
	for i, lang := range []dialogs.Lang{dialogs.Danish, dialogs.English} {
		want, err := json.Marshal(r.Card(lang, menuLike()))
		if err != nil {
			t.Fatal(err)
		}
		first := r.CardJSON(lang, menuLike())
		_ = append(first, "garbage"...)
		second := r.CardJSON(lang, menuLike())
		if string(first) != string(want) || string(second) != string(want) {
			t.Errorf("%s: cached card differs from the rendered one:\n got %s\nwant %s", lang, second, want)
		}
		if n := r.cards.Len(); n != i+1 {
			t.Errorf("%s: %d cards kept, want %d (one per language)", lang, n, i+1)
		}
	}
}

// TestCardsWithTheirOwnTextAreNotKept: a card showing a raw or typed
// text, a fact's raw value, a chart, text template data or a form's tag is
// rendered every time and never kept; so is a card with a button whose
// argument is not the name of content (a case id, a token).
func TestCardsWithTheirOwnTextAreNotKept(t *testing.T) {
	r := New(locales.MustBundle())
	mods := map[string]func(*dialogs.Card){
		"raw text": func(c *dialogs.Card) {
			c.Blocks = append(c.Blocks, dialogs.Block{Kind: dialogs.BlockRaw, Text: "ABCDE-FGHJK"})
		},
		"input value": func(c *dialogs.Card) {
			c.Blocks = append(c.Blocks, dialogs.Block{Kind: dialogs.BlockInput, ID: "x", Text: "what I typed"})
		},
		"fact raw": func(c *dialogs.Card) {
			c.Blocks = append(c.Blocks, dialogs.Block{Kind: dialogs.BlockFacts, Facts: []dialogs.Fact{{Label: dialogs.M("guide.sum.open"), Raw: "raw"}}})
		},
		"chart": func(c *dialogs.Card) {
			c.Blocks = append(c.Blocks, dialogs.Block{Kind: dialogs.BlockBars, Bars: []dialogs.Bar{{Label: dialogs.M("core.menu.quiz"), N: 1, Max: 2, Text: "1"}}})
		},
		"text data": func(c *dialogs.Card) {
			c.Blocks[2].Msg.Data = map[string]any{"N": "secret", "Of": 4}
		},
		"form tag": func(c *dialogs.Card) { c.Actions[0].Data = map[string]string{"a": "send", "t": "form-tag"} },
		"case id":  func(c *dialogs.Card) { c.Actions[0].Data = dialogs.Submit(dialogs.VerbCaseClaim, "K-7Q2M") },
		"token":    func(c *dialogs.Card) { c.Actions[0].Data = dialogs.Submit(dialogs.VerbReceiptMessage, "tok-9f8e") },
	}
	for name, mod := range mods {
		c := menuLike()
		mod(&c)
		want, err := json.Marshal(r.Card(dialogs.Danish, c))
		if err != nil {
			t.Fatal(err)
		}
		if got := r.CardJSON(dialogs.Danish, c); string(got) != string(want) {
			t.Errorf("%s: got %s, want %s", name, got, want)
		}
		if n := r.cards.Len(); n != 0 {
			t.Errorf("%s: the card was kept (%d in the cache)", name, n)
		}
	}
}

// TestEveryRenderedDifferenceHasItsOwnKey: changing any part of a card
// that its rendering depends on gives another cache key.
func TestEveryRenderedDifferenceHasItsOwnKey(t *testing.T) {
	base, ok := cardKey(nil, dialogs.Danish, menuLike())
	if !ok {
		t.Fatal("a card made of content has no key")
	}
	mods := map[string]func(*dialogs.Card){
		"name":       func(c *dialogs.Card) { c.Name = "menu2" },
		"block kind": func(c *dialogs.Card) { c.Blocks[1].Kind = dialogs.BlockSubtle },
		"msg id":     func(c *dialogs.Card) { c.Blocks[1].Msg.ID = "core.help.text" },
		"msg data":   func(c *dialogs.Card) { c.Blocks[2].Msg.Data = map[string]any{"N": 3, "Of": 4} },
		"input id":   func(c *dialogs.Card) { c.Blocks[1].ID = "x" },
		"choice": func(c *dialogs.Card) {
			c.Blocks[1].Choices = []dialogs.Choice{{Value: "a", Label: dialogs.M("core.role.employee")}}
		},
		"required":         func(c *dialogs.Card) { c.Blocks[1].Required = true },
		"maxlen":           func(c *dialogs.Card) { c.Blocks[1].MaxLen = 10 },
		"verb":             func(c *dialogs.Card) { c.Actions[0].Data = dialogs.Submit("role", "") },
		"argument":         func(c *dialogs.Card) { c.Actions[0].Data = dialogs.Submit(dialogs.VerbTopic, "unit") },
		"another argument": func(c *dialogs.Card) { c.Actions[0].Data = dialogs.Submit(dialogs.VerbTopic, "laws") },
		"empty argument": func(c *dialogs.Card) {
			c.Actions[0].Data = map[string]string{dialogs.KeyAction: dialogs.VerbTopic, dialogs.KeyArg: ""}
		},
		"no data":     func(c *dialogs.Card) { c.Actions[0].Data = nil },
		"url":         func(c *dialogs.Card) { c.Actions[0].URL = "https://kk.dk" },
		"primary":     func(c *dialogs.Card) { c.Actions[0].Primary = false },
		"dialog":      func(c *dialogs.Card) { c.Actions[0].Dialog = true },
		"block moved": func(c *dialogs.Card) { c.Blocks[0], c.Blocks[1] = c.Blocks[1], c.Blocks[0] },
		"action row":  func(c *dialogs.Card) { c.Blocks[4].Actions = append(c.Blocks[4].Actions, c.Actions[0]) },
	}
	seen := map[string]string{string(base): "base"}
	for name, mod := range mods {
		c := menuLike()
		mod(&c)
		k, ok := cardKey(nil, dialogs.Danish, c)
		if !ok {
			t.Errorf("%s: no key", name)
			continue
		}
		if other, dup := seen[string(k)]; dup {
			t.Errorf("%s has the same key as %s", name, other)
		}
		seen[string(k)] = name
	}
	if en, _ := cardKey(nil, dialogs.English, menuLike()); string(en) == string(base) {
		t.Error("the languages share a key")
	}
}

// BenchmarkMenuCardJSON is the main menu's JSON, as every "menu" turn
// renders it: from the cache, and rendered.
func BenchmarkMenuCardJSON(b *testing.B) {
	r := New(locales.MustBundle())
	c := menuLike()
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r.CardJSON(dialogs.Danish, c)
		}
	})
	b.Run("rendered", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r.renderJSON(dialogs.Danish, c)
		}
	})
}
