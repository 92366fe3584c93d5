package cards_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/cards/cardschema"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/locales"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// sample is a card with every kind of block the renderer knows.
var sample = dialogs.Card{Name: "sample", Blocks: []dialogs.Block{
	{Kind: dialogs.BlockHeading, Msg: dialogs.M("core.menu.title")},
	{Kind: dialogs.BlockText, Msg: dialogs.M("core.menu.text")},
	{Kind: dialogs.BlockSubtle, Msg: dialogs.Msg{ID: "guide.progress", Data: map[string]any{"N": 2, "Of": 4}}},
	{Kind: dialogs.BlockRaw, Text: "ABCDE-FGHJK"},
	{Kind: dialogs.BlockFacts, Facts: []dialogs.Fact{{Label: dialogs.M("guide.sum.ticked"), Value: dialogs.M("core.role.manager")}, {Label: dialogs.M("guide.sum.open"), Raw: "raw"}}},
	{Kind: dialogs.BlockChoice, ID: "role", Msg: dialogs.M("core.role.ask"), Required: true, Choices: []dialogs.Choice{{Value: "employee", Label: dialogs.M("core.role.employee")}, {Value: "manager", Label: dialogs.M("core.role.manager")}}},
	{Kind: dialogs.BlockInput, ID: "text", Msg: dialogs.M("core.help.title"), Multiline: true, MaxLen: 4000},
	{Kind: dialogs.BlockToggle, ID: "chk:a.b", Msg: dialogs.M("core.menu.quiz"), Checked: true},
	{Kind: dialogs.BlockDate, ID: "date", Msg: dialogs.M("core.menu.title"), Text: "2026-12-01"},
	{Kind: dialogs.BlockTime, ID: "time", Msg: dialogs.M("core.menu.title"), Text: "09:00"},
	{Kind: dialogs.BlockActions, Actions: []dialogs.Action{{Label: dialogs.M("core.menu.topics"), Data: dialogs.Submit("topics", "")}, {Label: dialogs.M("qa.links"), URL: "https://amk.kk.dk/sexisme"}}},
}, Actions: []dialogs.Action{{Label: dialogs.M("core.menu.back"), Data: dialogs.Submit("menu", ""), Primary: true}}}

func TestCardsMatchGoldenFilesAndSchema(t *testing.T) {
	r := cards.New(locales.MustBundle())
	for _, lang := range []dialogs.Lang{dialogs.Danish, dialogs.English} {
		card := r.Card(lang, sample)
		if err := cardschema.Validate(card); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		got, _ := json.MarshalIndent(card, "", "  ")
		path := filepath.Join("testdata", t.Name()+"."+string(lang)+".golden.json")
		if *update {
			_ = os.MkdirAll("testdata", 0o755)
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create)", err)
		}
		var g, w any
		_ = json.Unmarshal(got, &g)
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if diff := cmp.Diff(w, g); diff != "" || string(got) != string(want) {
			t.Errorf("%s differs from %s (-golden +now; run with -update to accept):\n%s", lang, path, diff)
		}
	}
}

func TestMissingMessagesFallBack(t *testing.T) {
	r := cards.New(locales.MustBundle())
	var missing []string
	r.Missing = func(id string) { missing = append(missing, id) }
	if got := r.Text(dialogs.English, dialogs.M("no.such.id")); got != "no.such.id" || len(missing) != 1 {
		t.Fatalf("missing message: %q, reported %v", got, missing)
	}
	if got := r.Text(dialogs.Danish, dialogs.Msg{ID: "guide.progress", Data: map[string]any{"N": 1, "Of": 3}}); got != "Trin 1 af 3" {
		t.Fatalf("template: %q", got)
	}
	if !r.Has(dialogs.English, "core.menu.title") || r.Has(dialogs.English, "no.such.id") {
		t.Fatal("Has is wrong")
	}
}
