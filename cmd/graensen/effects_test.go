package main

import (
	"testing"

	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/feedback"
	"github.com/kk/graensen/bot/reminder"
	"github.com/kk/graensen/bot/report"
	"github.com/kk/graensen/bot/statistics"
	"github.com/kk/graensen/dialogs"
)

// TestEffectTableIsComplete: the production table routes every domain
// output of the dialogs to exactly one handler (bot.New refuses it
// otherwise, so a gap would stop the binary at start).
func TestEffectTableIsComplete(t *testing.T) {
	routes := effectRoutes(&report.Service{}, reminder.Effect(nil), &statistics.Service{}, &campaign.Service{}, &feedback.Service{})
	if _, err := effect.NewTable(dialogs.DomainOutputs(), routes...); err != nil {
		t.Fatal(err)
	}
	if len(routes) != len(dialogs.DomainOutputs()) {
		t.Fatalf("%d routes for %d domain outputs", len(routes), len(dialogs.DomainOutputs()))
	}
}
