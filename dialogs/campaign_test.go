package dialogs_test

import (
	"slices"
	"testing"
	"time"

	"github.com/kk/graensen/dialogs"
)

const amkAdmin = "0b1c2d3e-0000-4000-8000-000000000001"

func adminSession(t *testing.T) *session {
	s := newSessionWith(t, "da-DK", dialogs.Config{Admins: []string{amkAdmin}})
	s.aad = amkAdmin
	return s
}

func formValues(extra map[string]string) map[string]string {
	v := map[string]string{
		"c_tda": "Trin 2", "c_xda": "Husk at sætte en frist.", "c_ten": "Step 2", "c_xen": "Remember to set a deadline.",
		"c_aud": "role:manager", "c_ack": "true",
	}
	for k, x := range extra {
		v[k] = x
	}
	return v
}

func created(t *testing.T, r dialogs.Result) dialogs.CampaignSpec {
	t.Helper()
	for _, o := range r.Outputs {
		if c, ok := o.(dialogs.CampaignCreate); ok {
			return c.Spec
		}
	}
	t.Fatalf("no campaign created: %v", cardsOf(r))
	return dialogs.CampaignSpec{}
}

func TestCampaignAuthoringFormPreviewSchedule(t *testing.T) {
	s := adminSession(t)
	r := s.say("kampagne")
	if got := cardsOf(r); !slices.Equal(got, []string{"campaign-form"}) {
		t.Fatalf("cards %v", got)
	}
	preview := actionFor(t, r, "campaign.form.preview")
	r = s.click(mergeVals(preview, formValues(map[string]string{"c_date": "2026-12-01", "c_time": "09:30", "c_rep": "weekly", "c_link": "https://www.kk.dk/amk"})))
	if got := cardsOf(r); !slices.Equal(got, []string{"campaign-preview"}) {
		t.Fatalf("cards %v (%v)", got, msgIDs(r))
	}
	r = s.click(actionFor(t, r, "campaign.pre.schedule"))
	spec := created(t, r)
	if spec.TitleDA != "Trin 2" || spec.TextEN != "Remember to set a deadline." || !spec.Ack || spec.Link != "https://www.kk.dk/amk" ||
		spec.Audience.Kind != dialogs.AudienceRole || spec.Audience.Role != dialogs.RoleManager || spec.Repeat != "weekly" {
		t.Fatalf("spec %+v", spec)
	}
	// 09:30 Danish winter time is 08:30 UTC.
	if want := time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC); !spec.At.Equal(want) {
		t.Fatalf("at %v, want %v", spec.At, want)
	}
	if !dialogs.ValidCampaignID(spec.ID) {
		t.Fatalf("id %q", spec.ID)
	}
}

func mergeVals(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func TestCampaignFormProblemsAreShown(t *testing.T) {
	s := adminSession(t)
	r := s.say("campaign")
	preview := actionFor(t, r, "campaign.form.preview")
	for _, c := range []struct {
		vals map[string]string
		msg  string
	}{
		{map[string]string{"c_ten": ""}, "campaign.err.title"},
		{map[string]string{"c_aud": "list", "c_ids": "not-an-id"}, "campaign.err.list"},
		{map[string]string{"c_link": "http://insecure.example"}, "campaign.err.link"},
		{map[string]string{"c_date": "2020-01-01", "c_time": "10:00"}, "campaign.err.past"},
		{map[string]string{"c_rep": "daily"}, "campaign.err.repeatNeedsTime"},
	} {
		vals := formValues(nil)
		for k, v := range c.vals {
			vals[k] = v
		}
		r = s.click(mergeVals(preview, vals))
		if got := cardsOf(r); !slices.Equal(got, []string{"campaign-form"}) || !slices.Contains(msgIDs(r), c.msg) {
			t.Errorf("%v: cards %v msgs %v", c.vals, got, msgIDs(r))
		}
	}
	// An explicit list is parsed, lower-cased and deduplicated.
	r = s.click(mergeVals(preview, formValues(map[string]string{"c_aud": "list", "c_ids": "0B1C2D3E-0000-4000-8000-000000000009\n0b1c2d3e-0000-4000-8000-000000000009, 0b1c2d3e-0000-4000-8000-000000000008"})))
	r = s.click(actionFor(t, r, "campaign.pre.schedule"))
	if spec := created(t, r); len(spec.Audience.AadIDs) != 2 || spec.Audience.AadIDs[1] != "0b1c2d3e-0000-4000-8000-000000000009" {
		t.Fatalf("ids %v", spec.Audience.AadIDs)
	}
}

func TestCampaignAuthoringIsForAdminsOnlyOnEveryStep(t *testing.T) {
	s := newSessionWith(t, "en-US", dialogs.Config{Admins: []string{amkAdmin}})
	s.aad = "0b1c2d3e-0000-4000-8000-00000000ffff"
	r := s.say("campaign")
	if got := cardsOf(r); !slices.Equal(got, []string{"campaign-refused"}) {
		t.Fatalf("non-admin got %v", got)
	}
	for _, verb := range []string{dialogs.VerbCampaignStatus, dialogs.VerbCampaignRemind} {
		r = s.click(dialogs.Submit(verb, "c0123456789abcdef"))
		if got := cardsOf(r); !slices.Equal(got, []string{"campaign-refused"}) || len(r.Outputs) != 1 {
			t.Fatalf("non-admin %s got %v", verb, got)
		}
	}
	// An admin starts; the same conversation continued by someone who is
	// not (or no longer) an admin is refused at the next step.
	s.aad = amkAdmin
	r = s.say("campaign")
	preview := actionFor(t, r, "campaign.form.preview")
	s.aad = "0b1c2d3e-0000-4000-8000-00000000ffff"
	r = s.click(mergeVals(preview, formValues(nil)))
	if got := cardsOf(r); !slices.Equal(got, []string{"campaign-refused"}) {
		t.Fatalf("got %v", got)
	}
	for _, o := range r.Outputs {
		if _, ok := o.(dialogs.CampaignCreate); ok {
			t.Fatal("non-admin created a campaign")
		}
	}
}

func TestMuteAndUnmuteInBothLanguages(t *testing.T) {
	s := newSession(t, "da-DK")
	r := s.say("slå fra")
	if !s.p.Muted || !slices.Equal(cardsOf(r), []string{"campaign-muted"}) {
		t.Fatalf("muted %v cards %v", s.p.Muted, cardsOf(r))
	}
	r = s.say("unmute")
	if s.p.Muted || !slices.Equal(cardsOf(r), []string{"campaign-unmuted"}) {
		t.Fatalf("muted %v cards %v", s.p.Muted, cardsOf(r))
	}
	s.click(dialogs.Submit(dialogs.VerbMute, "")) // the button on a campaign message
	if !s.p.Muted {
		t.Fatal("button did not mute")
	}
}

func TestAcknowledgeEmitsForValidIDsOnly(t *testing.T) {
	s := newSession(t, "da-DK")
	r := s.click(dialogs.Submit(dialogs.VerbCampaignAck, "c0123456789abcdef"))
	if len(r.Outputs) != 1 || r.Outputs[0] != (dialogs.CampaignAck{ID: "c0123456789abcdef"}) {
		t.Fatalf("outputs %v", r.Outputs)
	}
	r = s.click(dialogs.Submit(dialogs.VerbCampaignAck, "../../etc"))
	if len(r.Outputs) != 0 {
		t.Fatalf("garbage id: %v", r.Outputs)
	}
}

func TestCopenhagenTimesAcrossDaylightSaving(t *testing.T) {
	utc := func(y int, m time.Month, d, h, mi int) time.Time { return time.Date(y, m, d, h, mi, 0, 0, time.UTC) }
	for _, c := range []struct {
		date, clock string
		want        time.Time
	}{
		{"2026-03-28", "09:00", utc(2026, 3, 28, 8, 0)},   // CET
		{"2026-03-29", "09:00", utc(2026, 3, 29, 7, 0)},   // CEST from 02:00 that night
		{"2026-03-29", "02:30", utc(2026, 3, 29, 1, 30)},  // skipped wall time: 03:30 CEST
		{"2026-10-25", "02:30", utc(2026, 10, 25, 0, 30)}, // repeated wall time: the first (CEST)
		{"2026-10-25", "09:00", utc(2026, 10, 25, 8, 0)},  // CET again
	} {
		got, ok := dialogs.LocalTime(c.date, c.clock)
		if !ok || !got.Equal(c.want) {
			t.Errorf("%s %s: %v, want %v", c.date, c.clock, got.UTC(), c.want)
		}
	}
	// A daily 09:00 reminder stays at 09:00 Danish time over both changes.
	at, _ := dialogs.LocalTime("2026-03-28", "09:00")
	next := dialogs.NextOccurrence(at, "daily")
	if !next.Equal(utc(2026, 3, 29, 7, 0)) || next.Sub(at) != 23*time.Hour {
		t.Fatalf("spring: %v (%v)", next.UTC(), next.Sub(at))
	}
	at, _ = dialogs.LocalTime("2026-10-24", "09:00")
	next = dialogs.NextOccurrence(at, "daily")
	if !next.Equal(utc(2026, 10, 25, 8, 0)) || next.Sub(at) != 25*time.Hour {
		t.Fatalf("autumn: %v (%v)", next.UTC(), next.Sub(at))
	}
	at, _ = dialogs.LocalTime("2026-03-23", "09:00")
	if next := dialogs.NextOccurrence(at, "weekly"); !next.Equal(utc(2026, 3, 30, 7, 0)) {
		t.Fatalf("weekly: %v", next.UTC())
	}
	at, _ = dialogs.LocalTime("2026-10-15", "09:00")
	if next := dialogs.NextOccurrence(at, "monthly"); !next.Equal(utc(2026, 11, 15, 8, 0)) {
		t.Fatalf("monthly: %v", next.UTC())
	}
	if !dialogs.NextOccurrence(at, "").IsZero() {
		t.Fatal("no repeat must give zero")
	}
}
