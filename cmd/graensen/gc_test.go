package main

import (
	"runtime/debug"
	"testing"
)

// TestGCDefault: without GOGC the collector's target is defaultGCPercent
// once the bot is wired; with GOGC set (even to the default) it is left as
// the runtime read it.
func TestGCDefault(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)

	if prev := gcDefault(func(string) string { return "" }); prev != 100 {
		t.Errorf("gcDefault returned %d, want the previous target 100", prev)
	}
	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Errorf("without GOGC the target is %d, want %d", got, defaultGCPercent)
	}
	gogc := func(k string) string {
		if k == "GOGC" {
			return "100"
		}
		return ""
	}
	if r := gcDefault(gogc); r != -2 {
		t.Errorf("gcDefault with GOGC set returned %d, want -2 (nothing changed)", r)
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set the target became %d, want it left at 100", got)
	}
}
