package campaign_test

import (
	"testing"

	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/cards/cardschema"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/locales"
)

// Every campaign card this package builds (the message, the channel post,
// the progress card in each state), in both languages, is a valid Adaptive
// Card 1.5 and uses no message id missing from the locales.
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
	// The authoring flow's cards (form, preview, mute and unmute) are the
	// engine's: dialogs' golden files check them in both languages
	// (campaign-form, campaign-preview, campaign-muted, campaign-unmuted).
	for _, c := range all {
		for _, lang := range []dialogs.Lang{dialogs.Danish, dialogs.English} {
			if err := cardschema.Validate(r.Card(lang, c)); err != nil {
				t.Errorf("%s (%s): %v", c.Name, lang, err)
			}
		}
	}
}
