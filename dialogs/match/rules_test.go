package match_test

import (
	"testing"

	"github.com/kk/graensen/dialogs/content"
	"github.com/kk/graensen/dialogs/match"
)

// TestDangerFirst: an urgent document that ranks close to the top is the
// answer (issue 13's severity rule), where two equal documents would
// otherwise be a "did you mean" card.
func TestDangerFirst(t *testing.T) {
	docs := func(urgent bool) *match.Matcher {
		return match.New([]match.Doc{
			{ID: "topic:def", Words: content.Words{"da": {"slag"}}},
			{ID: "situation:danger", Words: content.Words{"da": {"slag"}}, Urgent: urgent},
		})
	}
	if d := docs(false).Decide("da", "slag"); d.Best != "" || len(d.Choices) != 2 {
		t.Fatalf("without urgent: %+v, want two choices", d)
	}
	if d := docs(true).Decide("da", "slag"); d.Best != "situation:danger" {
		t.Errorf("urgent: %+v, want situation:danger", d)
	}
}

// TestToldSituationOverDefinition: a question told in the first or third
// person gets the situation close to a topic at the top, not the topic.
func TestToldSituationOverDefinition(t *testing.T) {
	docs := []match.Doc{
		{ID: "topic:def", Words: content.Words{"da": {"kommentar"}}},
		{ID: "situation:comments", Words: content.Words{"da": {"kommentar"}}, Boost: 0.7},
	}
	for _, w := range []string{"kaffe", "te", "kage", "vand", "juice", "saft", "kakao", "mælk"} {
		docs = append(docs, match.Doc{ID: "topic:" + w, Words: content.Words{"da": {w}}})
	}
	m := match.New(docs)
	if d := m.Decide("da", "kommentarer"); d.Best != "topic:def" {
		t.Errorf("untold: %+v %v, want topic:def", d, m.Match("da", "kommentarer"))
	}
	if d := m.Decide("da", "han kommer med kommentarer"); d.Best != "situation:comments" {
		t.Errorf("told: %+v %v, want situation:comments", d, m.Match("da", "han kommer med kommentarer"))
	}
}

// TestAskedFor: the word after "hvilken"/"which" counts more, against the
// weight the end of a question otherwise has.
func TestAskedFor(t *testing.T) {
	m := match.New([]match.Doc{
		{ID: "topic:laws", Words: content.Words{"da": {"lov"}}},
		{ID: "topic:harass", Words: content.Words{"da": {"chikane"}}},
	})
	if rs := m.Match("da", "lov om chikane"); len(rs) != 2 || rs[0].ID != "topic:harass" {
		t.Fatalf("plain: %v, want topic:harass first (the end of a question weighs more)", rs)
	}
	if rs := m.Match("da", "hvilken lov om chikane"); len(rs) != 2 || rs[0].ID != "topic:laws" {
		t.Errorf("asked for: %v, want topic:laws first", rs)
	}
}

// TestCompoundAndParticiple: Danish compounds of two known words and past
// participles the stemmer leaves alone find their words.
func TestCompoundAndParticiple(t *testing.T) {
	m := match.New([]match.Doc{
		{ID: "situation:online", Words: content.Words{"da": {"billede", "nøgen"}}},
		{ID: "playbook:injury", Words: content.Words{"da": {"arbejde", "skade"}}},
		{ID: "topic:privacy", Words: content.Words{"da": {"gemmer"}}},
		{ID: "topic:other", Words: content.Words{"da": {"kaffe"}}},
	})
	decides(t, m, map[string]string{
		"nøgenbillede": "situation:online",
		"arbejdsskade": "playbook:injury", // with the linking s
		"gemt":         "topic:privacy",
		"xyzbillede":   "", // the first part is no known word
		"kaffet":       "topic:other",
	})
}

// TestRoleWitnessJoin: a manager asking about another manager gets the
// playbook, an employee about their own boss the situation; "jeg så" makes
// a witness; a compound typed apart and a particle verb find their word.
func TestRoleWitnessJoin(t *testing.T) {
	m := match.New([]match.Doc{
		{ID: "situation:own-manager", Words: content.Words{"da": {"leder", "klage"}}},
		{ID: "playbook:manager-colleague", Words: content.Words{"da": {"leder", "klage"}}},
		{ID: "situation:bystander", Words: content.Words{"en": {"witness"}}, Boost: 1.8},
		{ID: "situation:touching", Words: content.Words{"da": {"rørt"}}},
		{ID: "situation:online", Words: content.Words{"da": {"nøgenbillede"}}},
		{ID: "situation:assault", Words: content.Words{"da": {"fastholdt"}}},
		{ID: "topic:other", Words: content.Words{"da": {"kaffe"}}},
	})
	decides(t, m, map[string]string{
		"jeg er leder og har fået en klage over en anden leder": "playbook:manager-colleague",
		"jeg vil klage over min leder":                          "situation:own-manager",
		"jeg så at en kollega blev rørt":                        "situation:bystander",
		"en kollega blev rørt":                                  "situation:touching",
		"han sendte et nøgen billede":                           "situation:online",
		"han holdt mig fast":                                    "situation:assault",
	})
}

// TestSaidExcuseAndSeekingQuestions: reported speech ("han siger", "he
// says") weighs an excuse up as an account weighs a situation up; a
// question opening with who/where (hvem/hvor) asks for someone, it is not
// an account, so a situation is not weighed up over the topic.
func TestSaidExcuseAndSeekingQuestions(t *testing.T) {
	m := match.New([]match.Doc{
		{ID: "situation:s", Words: content.Words{"da": {"snak"}, "en": {"talk"}}},
		{ID: "excuse:e", Words: content.Words{"da": {"snak"}, "en": {"talk"}}, Boost: 1.2},
		{ID: "topic:t", Words: content.Words{"da": {"snak"}, "en": {"talk"}}, Boost: 1.2},
	})
	for lang, q := range map[string]string{"da": "han siger det bare er snak", "en": "he says it is just talk"} {
		if rs := m.Match(lang, q); len(rs) < 3 || rs[0].ID != "excuse:e" || rs[2].ID != "topic:t" {
			t.Errorf("%q: %v, want the excuse weighed up with the situation, the topic last", q, rs)
		}
	}
	for lang, q := range map[string]string{"da": "hvem kan jeg snakke med", "en": "who can i talk to"} {
		if rs := m.Match(lang, q); len(rs) == 0 || rs[0].ID == "situation:s" {
			t.Errorf("%q: %v, want no situation on top", q, rs)
		}
	}
}

// TestOwnManagerNamed: an employee naming their own manager ("min chef",
// "my boss") weighs the own-manager situation up over what was done; a
// manager asking (jeg er leder) does not.
func TestOwnManagerNamed(t *testing.T) {
	m := match.New([]match.Doc{
		{ID: "situation:own-manager", Words: content.Words{"da": {"rører"}, "en": {"touches"}}},
		{ID: "situation:touching", Words: content.Words{"da": {"rører"}, "en": {"touches"}}, Boost: 1.1},
	})
	for lang, q := range map[string]string{"da": "min chef rører mig", "en": "my boss touches me"} {
		if rs := m.Match(lang, q); len(rs) < 2 || rs[0].ID != "situation:own-manager" {
			t.Errorf("%q: %v, want the own manager first", q, rs)
		}
	}
	if rs := m.Match("da", "en kollega rører mig"); len(rs) < 2 || rs[0].ID != "situation:touching" {
		t.Errorf("no manager named: %v, want touching first", rs)
	}
}

// TestOwnManagerOverWhatWasDone: an employee naming their own manager gets
// the own-manager situation when it is among the choices, even far behind
// a situation of what was done that has more words in the question; not
// when someone else's manager is named, not over a situation with a boost
// of its own (who was involved, such as criticism), and not in a question
// put as a condition (hvis/if).
func TestOwnManagerOverWhatWasDone(t *testing.T) {
	m := match.New([]match.Doc{
		{ID: "situation:own-manager", Words: content.Words{"da": {"chef"}, "en": {"boss"}}},
		{ID: "situation:touching", Words: content.Words{"da": {"hånden", "låret", "rører"}, "en": {"hand", "thigh", "touches"}}},
		{ID: "situation:criticism", Words: content.Words{"da": {"kritik", "skælder"}, "en": {"criticism", "tells off"}}, Boost: 1.2},
		{ID: "topic:other", Words: content.Words{"da": {"kaffe"}}},
	})
	decides(t, m, map[string]string{
		"min chef rører mig og lægger hånden på låret":      "situation:own-manager",
		"my boss touches me and puts his hand on my thigh":  "situation:own-manager",
		"hendes chef rører hende og lægger hånden på låret": "situation:touching",
		"en kollega rører mig og lægger hånden på låret":    "situation:touching",
		"min chef giver mig kritik og skælder ud":           "situation:criticism",
		// A condition asks about the act, whoever does it.
		"er det chikane hvis min chef rører mig og lægger hånden på låret": "situation:touching",
	})
}

// decides checks m's answer to each question (want "" for none).
func decides(t *testing.T, m *match.Matcher, cases map[string]string) {
	t.Helper()
	for q, want := range cases {
		if d := m.Decide("da", q); d.Best != want {
			t.Errorf("%q: %+v %v, want %q", q, d, m.Match("da", q), want)
		}
	}
}

// TestEverydayWordsAreNotDanger (round 9): words the assault list shares
// with everyday speech (pressured, held, a door, "presset af" = pressured
// by) do not bring the urgent card when nothing dangerous is told; and a
// threat told in everyday words (a demand as a condition, a promise of
// harm) does.
func TestEverydayWordsAreNotDanger(t *testing.T) {
	m := testMatcher(t)
	const assault = "situation:assault"
	for _, q := range []struct{ lang, text string }{
		{"da", "jeg bliver presset af min teamkoordinator som altid siger mine notater er for dårlige"},
		{"da", "en kollega sagde jeg måtte holde mig fra frokostbuffeten fordi jeg har taget på"},
		{"da", "på seminaret kom han og bankede på min hoteldør sent og ville ind, nu lægger han an på mig hele tiden"},
		{"en", "i feel so pressured by our shift coordinator who keeps saying my reports are sloppy"},
		{"en", "he keeps putting little notes in my locker and showing up wherever i go even though i said no"},
		// pushing in, not forcing one's way into a home (round 11)
		{"en", "he barged in on our team meeting and made a joke about my skirt"},
		{"da", "en kollega masede sig ind foran mig i køen i kantinen og kaldte mig skat"},
		// a joke about danger, one's own fear of losing the job, someone
		// else fired (round 12)
		{"en", "in the team chat someone posted a rape joke and a colleague laughed"},
		{"da", "en kollega lavede en voldtægtsjoke til frokosten og alle grinede"},
		{"en", "if i report my colleague he will get fired and everyone will hate me"},
		{"en", "i'm afraid he will make sure i lose my job if i complain"},
		{"da", "han bankede på min dør på kurset og spurgte om jeg ville med i baren"},
		// an everyday word of a danger phrase, alone ("lukke mig ud", "in
		// the face"), after fresh12
		{"da", "min afdelingsleder vil have at jeg lukker flere sager om ugen, er det krænkende"},
		{"da", "chefen siger jeg skal lukke mine opgaver hurtigere ellers får jeg en advarsel, er det chikane"},
		{"en", "my boss wants me to face the team and explain my mistakes, is that harassment"},
	} {
		if d := m.Decide(q.lang, q.text); d.Best == assault {
			t.Errorf("%s %q: the urgent card, though nothing dangerous is told", q.lang, q.text)
		}
	}
	for _, q := range []struct{ lang, text string }{
		{"da", "han siger han deler mine private billeder med hele afdelingen hvis jeg ikke sender ham nogle nye"},
		{"da", "min kollega tog fat i mig på lageret og sagde at jeg nok skal fortryde det hvis jeg fortæller nogen om det"},
		{"en", "my supervisor hinted i won't get my contract renewed if i don't go to bed with him"},
		{"en", "he says he will post my photos online unless i send him more"},
		// a danger phrase of everyday words, whole
		{"da", "han stillede sig i døren og ville ikke lukke mig ud af kopirummet"},
		// fear for one's safety, without a threat word
		{"da", "en beboer råbte efter mig at han ved hvor jeg bor"},
		{"da", "jeg tør ikke gå hjem alene efter vagten fordi han står og venter på mig udenfor"},
		{"en", "a man at the library told me he knows where i live"},
		{"en", "im scared to walk home because he waits for me outside after work"},
		// a promise of harm to one's job or body (round 12)
		{"en", "a colleague said if i tell anyone about the trip he'll make sure i get fired"},
		{"da", "han siger han nok skal sørge for at jeg mister mit job hvis jeg fortæller det til nogen"},
		{"da", "min kollega siger at han banker mig hvis jeg sladrer"},
		{"en", "he says he'll share the photos i sent him if i stop seeing him"},
	} {
		if d := m.Decide(q.lang, q.text); d.Best != assault {
			t.Errorf("%s %q: %+v, want the urgent card (a threat)", q.lang, q.text, d)
		}
	}
}

// TestRound10Rules (round 10, docs/matching.md): the own manager by any
// title or opening the account with what they did, a condition inside the
// account, doubt before talking to someone, a representative pressed for
// names and "held up" (delayed) are answered by who and what is told.
func TestRound10Rules(t *testing.T) {
	m := match.New([]match.Doc{
		{ID: "situation:own-manager", Words: content.Words{"da": {"ledelse"}, "en": {"management"}}, Boost: 1.3},
		{ID: "situation:touching", Words: content.Words{"da": {"hånden", "låret", "rører", "nederdel"}, "en": {"hand", "thigh", "touches", "skirt"}}},
		{ID: "situation:gender-remarks", Words: content.Words{"da": {"kvinder bag rattet"}, "en": {"women drivers"}}},
		{ID: "situation:assault", Words: content.Words{"da": {"holdt mig fast"}, "en": {"held"}}, Urgent: true, Boost: 1.8},
		{ID: "topic:talk-to-someone", Words: content.Words{"da": {"snakke med nogen", "snakke"}, "en": {"talk to someone", "talk"}}},
		{ID: "topic:experience-door", Words: content.Words{"da": {"oplevelse"}, "en": {"experience"}}},
		{ID: "playbook:anonymity-trap", Words: content.Words{"da": {"anonym"}, "en": {"anonymous"}}},
		{ID: "topic:other", Words: content.Words{"da": {"kaffe", "fortrolighed"}, "en": {"coffee", "confidence"}}},
	})
	decides(t, m, map[string]string{
		// The own manager by a compound title, and opening the account.
		"min områdeleder rører mig og lægger hånden på låret":     "situation:own-manager",
		"min sektionsleder lægger hånden på låret":                "situation:own-manager",
		"my shift manager touches me and puts a hand on my thigh": "situation:own-manager",
		"en kollega rører mig og lægger hånden på låret":          "situation:touching",
		"hendes teamleder rører hende og lægger hånden på låret":  "situation:touching",
		// A condition after the manager is part of the account.
		"min vagtleder siger jeg skal gå i kortere nederdel hvis jeg vil have de gode vagter": "situation:own-manager",
		// Doubt before talking is the experience door.
		"jeg er ikke sikker på om det tæller, kan jeg snakke med nogen": "topic:experience-door",
		"do i need to be sure first before i can talk to someone":       "topic:experience-door",
		"kan jeg snakke med nogen":                                      "topic:talk-to-someone",
		// A representative pressed for names.
		"jeg er TR og lederen vil have navnene på dem der har fortalt mig noget i fortrolighed": "playbook:anonymity-trap",
		"as the union rep i was told things in confidence and management wants names":           "playbook:anonymity-trap",
		// Held up is delayed, held down is danger.
		"i was held up in traffic and a colleague said women drivers": "situation:gender-remarks",
		"he held me down": "situation:assault",
	})
}

// TestForcingOneselfInIsDanger (round 10): forcing one's way into
// someone's home or room is the urgent card.
func TestForcingOneselfInIsDanger(t *testing.T) {
	m := testMatcher(t)
	for _, q := range []struct{ lang, text string }{
		{"en", "after the staff party a coworker walked me to my door and forced his way into my apartment"},
		{"en", "a man from the crew barged into my room at the hostel late at night"},
		{"da", "efter julefrokosten maste en kollega sig ind i min lejlighed selvom jeg ikke ville"},
	} {
		if d := m.Decide(q.lang, q.text); d.Best != "situation:assault" {
			t.Errorf("%s %q: %+v, want the urgent card", q.lang, q.text, d)
		}
	}
}

// TestRound11Rules (round 11, docs/matching.md): the own manager by a
// title without "leder"/"chef" (formand, foreman, head of unit, team lead)
// and in a cleft ("det er min … der", "it's my … who"); the asker's own
// conduct told by its effect as the accused situation; a representative
// receiving a complaint asks as a manager does. The toy matcher's cases
// fail without the rules; the library's fail on round 10's matcher.
func TestRound11Rules(t *testing.T) {
	toy := match.New([]match.Doc{
		{ID: "situation:own-manager", Words: content.Words{"da": {"ledelse"}, "en": {"management"}}, Boost: 1.3},
		{ID: "situation:touching", Words: content.Words{"da": {"hånden", "låret", "rører"}, "en": {"hand", "thigh", "touches"}}},
	})
	decides(t, toy, map[string]string{
		"min formand rører mig og lægger hånden på låret":                 "situation:own-manager",
		"my foreman touches me and puts a hand on my thigh":               "situation:own-manager",
		"my head of unit touches me and puts a hand on my thigh":          "situation:own-manager",
		"my team lead touches me and puts a hand on my thigh":             "situation:own-manager",
		"det er min områdeleder der rører mig og lægger hånden på låret":  "situation:own-manager",
		"it's my area manager who touches me and puts a hand on my thigh": "situation:own-manager",
		// Not one's own, not a title.
		"the head of a colleague touches my thigh":       "situation:touching",
		"my team touches me and puts a hand on my thigh": "situation:touching",
	})
	answers(t, testMatcher(t), []answer{
		{"da", "min formand kalder mig skat og siger at kvinder ikke hører til på vejholdet", "situation:own-manager"},
		{"en", "my foreman calls me sweetheart and says women don't belong on the crew", "situation:own-manager"},
		{"en", "my head of unit keeps commenting on my legs", "situation:own-manager"},
		{"da", "min skoleinspektør sender mig beskeder sent om aftenen om hvordan jeg så ud", "situation:own-manager"},
		{"da", "en kollega sagde at mine kommentarer om hendes hår gjorde hende utilpas", "situation:accused"},
		{"en", "i heard my jokes made a new colleague uncomfortable", "situation:accused"},
		{"en", "as a safety rep how do i handle a harassment complaint someone brought me", "playbook:receive-report"},
	})
}

// TestRound12Rules (round 12, docs/matching.md): no manager named is not
// the own manager; "department head" is a title and one opening the
// account without "min" is the own; a witness told without "jeg så"; the
// asker's self-blame, the asker crossing a line; criticism discussed in
// general; a colleague opening the account is not a citizen's doing. The
// toy matcher's cases fail without the rules; the library's fail on round
// 11's matcher.
func TestRound12Rules(t *testing.T) {
	toy := match.New([]match.Doc{
		{ID: "situation:own-manager", Words: content.Words{"da": {"kalder mig"}, "en": {"calls me"}}, Boost: 1.3},
		{ID: "situation:citizen", Words: content.Words{"da": {"elev", "vuggestuen"}, "en": {"pupil", "home care"}}},
		{ID: "situation:touching", Words: content.Words{"da": {"hånden", "låret", "rører"}, "en": {"hand", "thigh", "touches"}}},
		{ID: "situation:body-comments", Words: content.Words{"da": {"krop"}, "en": {"body", "comment"}}},
		{ID: "situation:bystander", Words: content.Words{"da": {"vidne"}, "en": {"witness"}}},
		{ID: "situation:my-fault", Words: content.Words{"da": {"skyld"}, "en": {"my fault"}}},
		{ID: "situation:criticism", Words: content.Words{"da": {"kritik"}, "en": {"criticism", "feedback"}}},
		{ID: "topic:not-everything", Words: content.Words{"da": {"ledelsesret"}, "en": {"normal management"}}},
		{ID: "topic:other", Words: content.Words{"da": {"kaffe"}, "en": {"coffee"}}},
	})
	decides(t, toy, map[string]string{
		// No manager named: a pupil calls me names.
		"en elev kalder mig grimme ting":                               "situation:citizen",
		"a pupil calls me names every day":                             "situation:citizen",
		"min chef kalder mig grimme ting":                              "situation:own-manager",
		"my department head touches my thigh and calls me things":      "situation:own-manager",
		"lederen i vores afdeling rører mig og lægger hånden på låret": "situation:own-manager",
		"the head of a colleague touches my thigh":                     "situation:touching",
		// A witness without "jeg så".
		"så at en kollega rørte en anden på låret": "situation:bystander",
		"saw a coworker put his hand on her thigh": "situation:bystander",
		"kan jeg så klage over at han rører mig":   "situation:touching",
		// Self-blame through one's dress.
		"klæder jeg mig for udfordrende, er det derfor han rører mig": "situation:my-fault",
		// Criticism in general, and told.
		"er al kritik krænkende":       "topic:not-everything",
		"is all criticism offensive":   "topic:not-everything",
		"min kollega giver mig kritik": "situation:criticism",
		// A colleague who acts in a place of care.
		"colleagues comment on my body, i work in home care": "situation:body-comments",
	})
	answers(t, testMatcher(t), []answer{
		{"da", "en elev i 7.a kalder mig grimme ord og laver lyde når jeg går forbi", "situation:citizen"},
		{"en", "my deputy head keeps touching my waist in the staff room", "situation:own-manager"},
		{"en", "i was on a call where a guy made a rape joke about a new colleague and nobody reacted", "situation:bystander"},
		{"da", "jeg var fuld til festen og flirtede, er det mig der har lagt op til at han rører mig nu", "situation:my-fault"},
		{"en", "is all critical feedback from a manager harassment now?", "topic:not-everything"},
	})
}

// answer is a question of the library's matcher with the answer wanted.
type answer struct{ lang, text, want string }

// answers checks m's answer to each question in its language.
func answers(t *testing.T, m *match.Matcher, qs []answer) {
	t.Helper()
	for _, q := range qs {
		if d := m.Decide(q.lang, q.text); d.Best != q.want {
			t.Errorf("%s %q: %+v, want %s", q.lang, q.text, d, q.want)
		}
	}
}
