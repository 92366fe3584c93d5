package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSubmitValues: card submit data of any shape is flattened to a
// bounded set of valid UTF-8 strings, never panicking; the invoke form
// (value.action.data) too.
func FuzzSubmitValues(f *testing.F) {
	for _, s := range []string{
		`{"a":"menu"}`, `{"a":"role","v":"manager","t":"x"}`, `{"a":5,"v":true,"x":null,"y":[1],"z":{"a":1}}`,
		`{"msteams":{"type":"messageBack"},"a":"help"}`, `{"a":"\ud800\udfff\u0000"}`, `{"a":1e309}`, `{"a":-0.0000001}`,
		`{"action":{"verb":"menu","data":{"a":"help"}}}`, `{"action":{"verb":7,"data":[1]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var v map[string]any
		if json.Unmarshal(raw, &v) != nil {
			return
		}
		check := func(out map[string]string) {
			if len(out) > maxValues+1 { // +1: the invoke's verb
				t.Fatalf("%d values", len(out))
			}
			if _, ok := out["msteams"]; ok {
				t.Fatal("msteams kept")
			}
			for k, s := range out {
				if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxValueRunes {
					t.Fatalf("value %q: %d runes, valid %v", k, utf8.RuneCountInString(s), utf8.ValidString(s))
				}
			}
		}
		out := submitValues(v)
		check(out)
		for k, x := range v {
			if s, ok := x.(string); ok && k != "msteams" && len(v) <= maxValues {
				if got, ok := out[k]; !ok || (utf8.ValidString(s) && utf8.RuneCountInString(s) <= maxValueRunes && got != s) {
					t.Fatalf("string value %q lost or changed: %q → %q", k, s, got)
				}
			}
		}
		if iv, err := invokeValues(v); err == nil {
			check(iv)
		}
	})
}

// FuzzCleanText: typed text comes out as at most maxTextRunes runes of
// valid UTF-8, trimmed, single-spaced and without the bot's mention.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"", "menu", "<at>Grænsen</at> hjælp", "a&nbsp;b<p>c</p><br>d", "\xff\xfe\xc3", "<at>unclosed", strings.Repeat("æ", maxTextRunes+10), " \t\n\u00a0\u2003x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := cleanText(s)
		if !utf8.ValidString(out) || utf8.RuneCountInString(out) > maxTextRunes {
			t.Fatalf("%q → %q", s, out)
		}
		cut := utf8.RuneCountInString(out) == maxTextRunes // a cut may end in a space
		if (out != strings.TrimSpace(out) && !cut) || strings.Contains(out, "  ") || strings.ContainsAny(out, "\t\n\r") {
			t.Fatalf("not trimmed and single-spaced: %q → %q", s, out)
		}
		if strings.Contains(out, "<at>Grænsen</at>") {
			t.Fatalf("mention kept: %q → %q", s, out)
		}
	})
}
