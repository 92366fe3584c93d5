package locales_test

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/kk/graensen/locales"
)

// flatten turns a go-i18n TOML file into id → text (nested tables become
// dotted ids, as go-i18n reads them).
func flatten(prefix string, m map[string]any, out map[string]string) {
	for k, v := range m {
		id := k
		if prefix != "" {
			id = prefix + "." + k
		}
		switch x := v.(type) {
		case string:
			out[id] = x
		case map[string]any:
			if other, ok := x["other"].(string); ok {
				out[id] = other
				continue
			}
			flatten(id, x, out)
		}
	}
}

func messages(t *testing.T, lang string) map[string]string {
	t.Helper()
	out := map[string]string{}
	names, _ := fs.Glob(locales.Files(), "*."+lang+".toml")
	if len(names) == 0 {
		t.Fatalf("no %s message files", lang)
	}
	for _, n := range names {
		b, _ := fs.ReadFile(locales.Files(), n)
		var m map[string]any
		if err := toml.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		before := len(out)
		part := map[string]string{}
		flatten("", m, part)
		for id, s := range part {
			if _, dup := out[id]; dup {
				t.Errorf("%s: message %q defined in two files", n, id)
			}
			out[id] = s
		}
		_ = before
	}
	return out
}

var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func placeholders(s string) []string {
	var ps []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		ps = append(ps, m[1])
	}
	slices.Sort(ps)
	return slices.Compact(ps)
}

// Every message exists in Danish and English, with the same placeholders,
// and no translation is left empty.
func TestEveryMessageInBothLanguages(t *testing.T) {
	da, en := messages(t, "da"), messages(t, "en")
	for id, s := range da {
		e, ok := en[id]
		if !ok {
			t.Errorf("%q exists in Danish only", id)
			continue
		}
		if !slices.Equal(placeholders(s), placeholders(e)) {
			t.Errorf("%q: placeholders differ: da %v, en %v", id, placeholders(s), placeholders(e))
		}
		if strings.TrimSpace(s) == "" || strings.TrimSpace(e) == "" {
			t.Errorf("%q is empty in a language", id)
		}
	}
	for id := range en {
		if _, ok := da[id]; !ok {
			t.Errorf("%q exists in English only", id)
		}
	}
	// Each file has its twin.
	names, _ := fs.Glob(locales.Files(), "*.toml")
	for _, n := range names {
		var twin string
		switch {
		case strings.HasSuffix(n, ".da.toml"):
			twin = strings.TrimSuffix(n, ".da.toml") + ".en.toml"
		case strings.HasSuffix(n, ".en.toml"):
			twin = strings.TrimSuffix(n, ".en.toml") + ".da.toml"
		default:
			t.Errorf("%s: name must end in .da.toml or .en.toml", n)
			continue
		}
		if !slices.Contains(names, twin) {
			t.Errorf("%s has no twin %s", n, twin)
		}
	}
}

func TestBundleLoads(t *testing.T) {
	if _, err := locales.NewBundle(); err != nil {
		t.Fatal(err)
	}
}
