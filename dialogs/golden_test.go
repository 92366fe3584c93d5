package dialogs_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/internal/contenttest"
)

var update = flag.Bool("update", false, "rewrite the card golden files in testdata/cards")

// goldenDir holds one golden file per card kind (the card's Name up to a
// colon: "topic:sexism" is of kind "topic") and
// language: the card as the bot renders it, from the small fixture
// library, so that only a change of the cards moves them, never AMK's
// content edits. go test -run TestCardGoldenFiles ./dialogs/ -update
// rewrites them; a failure shows a readable diff (go-cmp) of the JSON.
const goldenDir = "testdata/cards"

// cardKinds walks the fixture library from the menu, breadth-first,
// following every Submit button once from the state that showed it, and
// returns the first card of every kind seen, by kind.
func cardKinds(t *testing.T, locale string) map[string]dialogs.Card {
	t.Helper()
	e := dialogs.New(dialogs.Config{Content: contenttest.Small()})
	first := map[string]dialogs.Card{}
	type node struct {
		st     dialogs.State
		p      dialogs.Profile
		values map[string]string
	}
	seen := map[string]bool{}
	var queue []node
	d := newDriver(t, e, locale)
	visit := func(r dialogs.Result) {
		for _, c := range r.Cards() {
			kind, _, _ := strings.Cut(c.Name, ":") // "topic:sexism" is a topic card
			if _, ok := first[kind]; !ok {
				first[kind] = c
			}
			for _, b := range buttons(c) {
				if !seen[b.key] {
					seen[b.key] = true
					queue = append(queue, node{st: d.st, p: d.p, values: b.values})
				}
			}
		}
	}
	for _, text := range []string{"menu", "hjælp"} {
		d.st, d.p = dialogs.State{}, dialogs.Profile{}
		visit(d.say(text))
	}
	for steps := 0; len(queue) > 0 && steps < 400; steps++ {
		n := queue[0]
		queue = queue[1:]
		d.st, d.p = n.st, n.p
		visit(d.click(n.values))
	}
	return first
}

func TestCardGoldenFiles(t *testing.T) {
	kinds := cardKinds(t, "da-DK")
	if len(kinds) < 15 {
		t.Fatalf("the walk saw only %d card kinds: %v", len(kinds), slices.Sorted(mapsKeys(kinds)))
	}
	if *update {
		old, _ := filepath.Glob(filepath.Join(goldenDir, "*.json"))
		for _, f := range old {
			_ = os.Remove(f)
		}
		_ = os.MkdirAll(goldenDir, 0o755)
	}
	want := map[string]bool{}
	for name, c := range kinds {
		for _, lang := range []dialogs.Lang{dialogs.Danish, dialogs.English} {
			file := filepath.Join(goldenDir, name+"."+string(lang)+".json")
			want[file] = true
			got, err := json.MarshalIndent(guideRenderer.Card(lang, c), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := os.WriteFile(file, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Errorf("card %q: %v (run go test ./dialogs/ -run TestCardGoldenFiles -update)", name, err)
				continue
			}
			var g, w any
			_ = json.Unmarshal(got, &g)
			if err := json.Unmarshal(raw, &w); err != nil {
				t.Errorf("%s: %v", file, err)
				continue
			}
			if diff := cmp.Diff(w, g); diff != "" {
				t.Errorf("card %q (%s) differs from %s (-golden +now):\n%s", name, lang, file, diff)
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	for _, f := range files {
		if !want[f] {
			t.Errorf("%s: no card of this kind any more (run with -update to remove it)", f)
		}
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
