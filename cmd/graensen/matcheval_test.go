package main

import (
	"strings"
	"testing"
)

// TestMatchEvalSets: the command prints the figures of each set and half
// (issue 13: direct / suggested / missed per language), and refuses an
// unknown set.
func TestMatchEvalSets(t *testing.T) {
	for args, want := range map[string]string{
		"--lang da":                                     "da: 89 questions: direct ",
		"--set heldout --lang en":                       "en: 70 questions: direct ",
		"--set heldout --lang da --half 1":              "da: 36 questions: direct ",
		"--set heldout --lang en --half 2 --figures":    "en: 35 questions: direct ",
		"--set heldout --lang da --half 2 --figures -v": "da: 36 questions: direct ",
		"--set fresh2 --lang en --figures":              "en: 61 questions: direct ",
		"--set practice --lang da --figures":            "da: 84 questions: direct ",
	} {
		var b strings.Builder
		if err := matchEval(strings.Fields(args), &b); err != nil {
			t.Fatalf("%s: %v", args, err)
		}
		out := b.String()
		if !strings.HasPrefix(out, want) || !strings.Contains(out, "suggested") || !strings.Contains(out, "missed") {
			t.Errorf("%s: %q, want it to start %q", args, out, want)
		}
		if strings.Contains(args, "--figures") && strings.Count(out, "\n") != 1 {
			t.Errorf("%s: --figures printed questions: %q", args, out)
		}
	}
	var b strings.Builder
	if err := matchEval([]string{"--set", "nope"}, &b); err == nil {
		t.Error("an unknown set gave no error")
	}
}
