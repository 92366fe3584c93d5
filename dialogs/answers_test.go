package dialogs

import (
	"reflect"
	"testing"
)

func TestCampaignAnswer(t *testing.T) {
	for _, c := range []struct {
		f   CampaignFinding
		msg string
	}{
		{CampaignMissing, "campaign.done.notFound"},
		{CampaignNotRecipient, "campaign.ack.unknown"},
		{CampaignAudienceInvalid, "campaign.err.audience"},
	} {
		card := CampaignAnswer(c.f)
		if card.Name != "campaign-notice" || len(card.Blocks) != 1 || card.Blocks[0].Msg.ID != c.msg {
			t.Errorf("CampaignAnswer(%d) = %+v, want the notice %s", c.f, card, c.msg)
		}
		if len(card.Actions) != 1 || !reflect.DeepEqual(card.Actions[0].Data, Submit(VerbMenu, "")) {
			t.Errorf("CampaignAnswer(%d) actions = %+v, want the way back to the menu", c.f, card.Actions)
		}
	}
}

func TestCaseRefusal(t *testing.T) {
	for _, c := range []struct {
		name string
		f    CaseFinding
		card string // "" when the action is carried out
	}{
		{"gone", CaseFinding{Found: false, Op: VerbCaseClaim}, "inbox-gone"},
		{"gone, reply", CaseFinding{Found: false, Op: VerbCaseReply, Status: StatusClosed}, "inbox-gone"},
		{"reply to closed", CaseFinding{Found: true, Op: VerbCaseReply, Status: StatusClosed}, "inbox-closed"},
		{"reply to open", CaseFinding{Found: true, Op: VerbCaseReply, Status: StatusNew}, ""},
		{"note on closed", CaseFinding{Found: true, Op: VerbCaseNote, Status: StatusClosed}, ""},
		{"reopen closed", CaseFinding{Found: true, Op: VerbCaseStatus, Status: StatusClosed}, ""},
		{"claim", CaseFinding{Found: true, Op: VerbCaseClaim, Status: StatusNew}, ""},
	} {
		card, refused := CaseRefusal(c.f)
		if refused != (c.card != "") || card.Name != c.card {
			t.Errorf("%s: CaseRefusal = %q, %v; want %q", c.name, card.Name, refused, c.card)
		}
	}
}

func TestFileRefused(t *testing.T) {
	// perUser 2, perDay 10
	for _, c := range []struct {
		user, all int
		refused   bool
	}{
		{0, 0, false}, {1, 5, false}, {2, 5, true}, {3, 5, true},
		{0, 10, false}, // the first of the day still gets through
		{1, 10, true}, {1, 9, false}, {0, 50, false},
	} {
		if got := FileRefused(c.user, c.all, 2, 10); got != c.refused {
			t.Errorf("FileRefused(user %d, all %d) = %v, want %v", c.user, c.all, got, c.refused)
		}
	}
}

func TestMessageRefusal(t *testing.T) {
	for _, c := range []struct {
		name      string
		text      string
		sentToday int
		card      string
		data      map[string]any
	}{
		{"fits", "hej", 0, "", nil},
		{"at the size limit, in runes", "æøåæø", 2, "", nil},
		{"too long", "æøåæøå", 0, "reporter-toolong", map[string]any{"Max": 5, "N": 6}},
		{"too long and day's messages used", "æøåæøå", 3, "reporter-toolong", map[string]any{"Max": 5, "N": 6}},
		{"day's messages used", "hej", 3, "reporter-daylimit", map[string]any{"Max": 3}},
	} {
		card, refused := MessageRefusal(c.text, c.sentToday, 5, 3)
		if refused != (c.card != "") || card.Name != c.card {
			t.Errorf("%s: MessageRefusal = %q, %v; want %q", c.name, card.Name, refused, c.card)
			continue
		}
		if refused && !reflect.DeepEqual(card.Blocks[0].Msg.Data, c.data) {
			t.Errorf("%s: data = %v, want %v", c.name, card.Blocks[0].Msg.Data, c.data)
		}
	}
}
