package campaign_test

import (
	"testing"
	"time"

	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/cards/cardschema"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/internal/contenttest"
	"github.com/kk/graensen/locales"
)

// Every campaign card, in both languages, is a valid Adaptive Card 1.5 and
// uses no message id missing from the locales.
func TestCampaignCardsValidateInBothLanguages(t *testing.T) {
	r := cards.New(locales.MustBundle())
	r.Missing = func(id string) { t.Errorf("message %q missing", id) }
	sp := spec("c0123456789abcdef", dialogs.CampaignAudience{Kind: dialogs.AudienceAll})
	sp.Link = "https://www.kk.dk/amk"
	all := []dialogs.Card{
		dialogs.CampaignMessage(sp, dialogs.Danish), dialogs.CampaignMessage(sp, dialogs.English),
		dialogs.ChannelMessage(sp, dialogs.Danish),
		campaign.ProgressCard(campaign.Progress{ID: sp.ID, Title: "Trin 2", State: campaign.StateSending, Ack: true, Sent: 3}),
		campaign.ProgressCard(campaign.Progress{ID: sp.ID, Title: "Trin 2", State: campaign.StateDone, Ack: true}),
		campaign.ProgressCard(campaign.Progress{ID: sp.ID, Title: "Trin 2", State: campaign.StateCancelled}),
		campaign.ProgressCard(campaign.Progress{ID: sp.ID, Title: "Trin 2"}),
	}
	// The authoring flow's cards, as an admin sees them.
	admin := "0b1c2d3e-0000-4000-8000-000000000001"
	e := dialogs.New(dialogs.Config{Content: contenttest.Small(), Admins: []string{admin}})
	var st dialogs.State
	var p dialogs.Profile
	seq := 0
	step := func(vals map[string]string, text string) dialogs.Result {
		seq++
		res := e.Step(st, p, dialogs.Input{Kind: dialogs.KindMessage, Text: text, Values: vals, AadID: admin, Locale: "da-DK",
			Now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), ActivityID: string(rune('a' + seq)), Rand: func(n int) []byte { return make([]byte, n) }})
		st, p = res.State, res.Profile
		for _, o := range res.Outputs {
			if rep, ok := o.(dialogs.Reply); ok {
				all = append(all, rep.Card)
			}
		}
		return res
	}
	res := step(nil, "kampagne")
	form := res.Outputs[0].(dialogs.Reply).Card
	vals := map[string]string{"c_tda": "Trin 2", "c_xda": "Tekst", "c_ten": "Step 2", "c_xen": "Text", "c_aud": "all", "c_ack": "true", "c_link": "https://www.kk.dk"}
	for k, v := range form.Actions[0].Data {
		vals[k] = v
	}
	step(vals, "")
	step(nil, "mute")
	step(nil, "unmute")
	for _, c := range all {
		for _, lang := range []dialogs.Lang{dialogs.Danish, dialogs.English} {
			if err := cardschema.Validate(r.Card(lang, c)); err != nil {
				t.Errorf("%s (%s): %v", c.Name, lang, err)
			}
		}
	}
	if len(all) < 9 {
		t.Fatalf("only %d cards", len(all))
	}
}
