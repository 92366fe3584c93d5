package match_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/kk/graensen/dialogs/content"
	"github.com/kk/graensen/dialogs/match"
	"github.com/kk/graensen/locales"
)

// managerPlaybooks are the playbooks manager questions expect. They live in
// dialogs/content/guide.toml; while a colleague writes that file, any of
// them that is not there yet is stood in for by a small doc of our own, so
// this test does not depend on the order the files land in.
var managerPlaybooks = map[string]content.Words{
	"manager-colleague": {
		"da": {"lederkollega", "leder-kollega", "en anden leder", "øvre leder"},
		"en": {"fellow manager", "manager colleague", "another manager", "upper manager"},
	},
	"receive-report": {
		"da": {"henvendelse", "tage imod en henvendelse", "en medarbejder har fortalt", "klage", "samtalen"},
		"en": {"report", "receive a report", "an employee told me", "complaint", "the conversation"},
	},
	"survey-follow-up": {
		"da": {"undersøgelsen", "opfølgning", "følge op", "USKA", "resultater", "rapporten", "MED"},
		"en": {"survey", "follow-up", "follow up", "USKA", "results", "survey report", "MED committee"},
	},
	"prevention": {
		"da": {"forebyggelse", "forebygge", "risikofaktorer", "kultur", "omgangstone", "spilleregler"},
		"en": {"prevention", "prevent", "risk factors", "culture", "tone", "ground rules"},
	},
	"anonymity-trap": {
		"da": {"anonymitetsfælden", "stå frem", "hvem har svaret", "klapjagt"},
		"en": {"anonymity trap", "come forward", "who answered", "witch-hunt"},
	},
}

var (
	matcherOnce sync.Once
	matcher     *match.Matcher
	standIns    []string
)

// testDocs are the documents the bot builds its matcher from: the embedded
// content and the locales, plus stand-ins for missing manager playbooks
// (their ids returned too).
func testDocs() (docs []match.Doc, standIns []string) {
	lib := content.MustLoad()
	b := locales.MustBundle()
	locs := map[string]*i18n.Localizer{
		"da": i18n.NewLocalizer(b, "da"),
		"en": i18n.NewLocalizer(b, "en"),
	}
	text := func(lang, id string) string {
		loc, ok := locs[lang]
		if !ok {
			return ""
		}
		s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id})
		if err != nil {
			return ""
		}
		return s
	}
	docs = match.LibraryDocs(lib, text)
	for _, id := range sortedKeys(managerPlaybooks) {
		if _, ok := lib.Playbook(id); !ok {
			standIns = append(standIns, id)
			docs = append(docs, match.Doc{ID: "playbook:" + id, Words: managerPlaybooks[id]})
		}
	}
	return docs, standIns
}

// testMatcher is the matcher the bot builds: FromLibrary over the embedded
// content and the locales, plus stand-ins for missing manager playbooks.
func testMatcher(tb testing.TB) *match.Matcher {
	tb.Helper()
	matcherOnce.Do(func() {
		var docs []match.Doc
		docs, standIns = testDocs()
		matcher = match.NewLearned(docs, match.Training())
	})
	if len(standIns) > 0 {
		tb.Logf("stand-in docs for playbooks not yet in guide.toml: %v", standIns)
	}
	return matcher
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

type question struct {
	lang, text, want string // want: a document id, or several separated by |
}

// right reports whether got is one of the answers q accepts.
func (q question) right(got string) bool {
	return got != "" && slices.Contains(strings.Split(q.want, "|"), got)
}

// questions are typed the way employees and managers write in a chat,
// written without looking at the word lists: typos, ae/oe/aa spellings,
// missing Danish letters, sentence case and chat punctuation included.
var questions = []question{
	// --- Danish ---
	{"da", "er det chikane hvis min chef kommenterer mit tøj?", "situation:body-comments"},
	{"da", "min kollega siger det bare var en joke", "excuse:just-a-joke"},
	{"da", "hvem kan jeg tale med?", "topic:talk-to-someone"},
	{"da", "Hvad betyder sexisme egentlig", "topic:sexism"},
	{"da", "hvad er seksuel chikanne", "topic:sexual-harassment"},
	{"da", "en kollega rører ved min arm og ryg hele tiden og det kan jeg ikke lide", "situation:touching"},
	{"da", "hvad tæller som krænkende adfærd", "topic:offensive-behaviour"},
	{"da", "hvad er kraenkende adfaerd?", "topic:offensive-behaviour"},
	{"da", "han sagde at han ikke mente noget ondt med det", "excuse:not-meant-badly"},
	{"da", "på min arbejdsplads siger de at man skal kunne tåle lidt drilleri", "excuse:loving-teasing"},
	// own situation (round 7; was topic:not-everything)
	{"da", "Min leder gav mig skarp kritik på mødet, er det krænkende?", "situation:criticism"},
	{"da", "jeg ved ikke om jeg bare overreagerer", "situation:my-fault"},
	{"da", "hvordan vurderer man hvor alvorligt det er", "topic:load-triangle"},
	{"da", "hvad er belastingstrekanten", "topic:load-triangle"},
	{"da", "hvad siger kommunens politik om det her", "topic:policy"},
	{"da", "hvem har ansvaret for at sige fra", "topic:responsibility"},
	{"da", "hvor kan jeg faa hjaelp", "topic:get-help"},
	{"da", "kan jeg henvende mig anonymt?", "topic:unit"},
	{"da", "jeg har brug for at snakke med en psykolog", "topic:psychological-help"},
	{"da", "har i en quiz vi kan tage i teamet", "topic:quiz"},
	// a general question: the sets accept both (round 7; was situation:citizen)
	{"da", "hvad gør man hvis det er en borger der opfører sig krænkende", "topic:internal-external|situation:citizen"},
	{"da", "er der en lov der beskytter mig mod det", "topic:laws"},
	// gender remarks: the sets accept both (round 7; was topic:sexism)
	{"da", "kollegerne griner af ham fordi han går på barsel", "situation:gender-remarks|topic:sexism"},
	// own situation (round 7; was topic:sexism)
	{"da", "de siger at kvinder ikke kan lede", "situation:gender-remarks"},
	{"da", "hun bliver ved med at lægge an på mig selvom jeg har sagt nej", "situation:advances"},
	{"da", "må man så slet ikke flirte mere på jobbet??", "excuse:flirting"},
	{"da", "han undskylder med at det bare er hans personlighed", "excuse:just-how-i-am"},
	{"da", "man kan jo ikke sige noget mere uden at nogen bliver fornærmet", "excuse:cant-say-anything"},
	{"da", "vi trænger til at lette lidt på trykket efter en hård vagt", "excuse:blow-off-steam"},
	{"da", "hun siger at hun bare er ærlig", "excuse:telling-it-like-it-is"},
	{"da", "hvad er forskellen på hensigt og virkning", "topic:intention-effect"},
	{"da", "skal jeg kunne bevise noget for at blive taget alvorligt", "topic:experience-door"},
	// a general question, as in the sets (round 7; was situation:citizen)
	{"da", "gælder det også hvis det er en borger og ikke en kollega", "topic:internal-external|situation:citizen"},
	{"da", "min chef roerte ved mig til julefrokosten", "situation:own-manager"}, // who did it decides the ways forward (round 5)
	{"da", "Tidlig indsats - hvordan kommer jeg i kontakt med dem", "topic:psychological-help"},
	{"da", "hvilke typiske undskyldninger hører man", "topic:excuses"},
	{"da", "En af mine medarbejdere har henvendt sig om en ubehagelig oplevelse. Hvordan tager jeg imod det?", "playbook:receive-report"},
	{"da", "der er kommet en klage over en af mine lederkolleger", "playbook:manager-colleague"},
	{"da", "hvordan følger vi op på uska rapporten i MED", "playbook:survey-follow-up"},
	{"da", "hvordan forebygger vi det i afdelingen", "playbook:prevention"},
	{"da", "må jeg finde ud af hvem der har svaret i undersøgelsen", "playbook:anonymity-trap"},

	// --- English ---
	{"en", "what counts as sexism?", "topic:sexism"},
	{"en", "Is it harassment if my boss keeps commenting on my body?", "situation:body-comments"},
	{"en", "what is sexual harrassment", "topic:sexual-harassment"},
	{"en", "a coworker keeps touching my shoulders", "situation:touching"},
	{"en", "he says he was only joking", "excuse:just-a-joke"},
	{"en", "my colleague says it wasnt meant in a bad way", "excuse:not-meant-badly"},
	{"en", "they call it friendly banter and say I should toughen up", "excuse:loving-teasing"},
	{"en", "he says that's just his personality", "excuse:just-how-i-am"},
	{"en", "apparently you can't say anything these days without someone getting offended", "excuse:cant-say-anything"},
	{"en", "Is flirting at work not allowed now?", "excuse:flirting"},
	{"en", "we just need to let off some steam after a hard shift", "excuse:blow-off-steam"},
	{"en", "he claims he's simply being honest", "excuse:telling-it-like-it-is"},
	// own situation (round 7; was topic:not-everything)
	{"en", "my manager criticised my work, is that offensive?", "situation:criticism"},
	{"en", "who can I talk to about this", "topic:talk-to-someone"},
	{"en", "where do I get help", "topic:get-help"},
	{"en", "Can I report it anonymously?", "topic:unit"},
	{"en", "I can't sleep after what happened at work", "topic:psychological-help"},
	{"en", "what does the municipality's policy say", "topic:policy"},
	{"en", "who is responsible for stopping this", "topic:responsibility"},
	{"en", "what's the difference between intent and impact", "topic:intention-effect"},
	{"en", "how do I know if it's serious enough", "topic:load-triangle"},
	{"en", "what is the load triangle", "topic:load-triangle"},
	// as the da line and the sets (round 7; was topic:experience-door)
	{"en", "I'm not sure if I'm overreacting", "situation:my-fault"},
	{"en", "is there a quiz we can do with the team", "topic:quiz"},
	// a general question: the sets accept both (round 7; was situation:citizen)
	{"en", "what if the harassment comes from a citizen", "topic:internal-external|situation:citizen"},
	{"en", "which laws apply", "topic:laws"},
	{"en", "what is offensive behaviour", "topic:offensive-behaviour"},
	{"en", "what counts as bullying at work", "topic:offensive-behaviour"},
	// gender remarks: the sets accept both (round 7; was topic:sexism)
	{"en", "jokes about women being bad drivers", "situation:gender-remarks|topic:sexism"},
	// gender remarks: the sets accept both (round 7; was topic:sexism)
	{"en", "men on paternity leave get mocked in my team", "situation:gender-remarks|topic:sexism"},
	{"en", "common excuses people make", "topic:excuses"},
	{"en", "a colleague keeps sending me messages with sexual comments", "situation:online"},
	{"en", "I feel awful and need to see a psychologist", "topic:psychological-help"},
	{"en", "what are my rights under the working environment act", "topic:laws"},
	{"en", "sexisim examples", "topic:sexism"},
	{"en", "An employee came to me with a complaint about sexual harassment, how should I handle the conversation?", "playbook:receive-report"},
	{"en", "someone has complained about my fellow manager", "playbook:manager-colleague"},
	{"en", "how do we follow up on the survey results", "playbook:survey-follow-up"},
	{"en", "how can we prevent this in our department", "playbook:prevention"},
	{"en", "can I find out which employee answered the survey", "playbook:anonymity-trap"},
	{"en", "Does intention matter if it hurt someone?", "topic:intention-effect"},

	// --- Written after the matcher was tuned on the questions above, as a
	// check that it generalises (kept in the table; not tuned on). ---
	{"da", "Hvad kan jeg gøre hvis en kollega bliver ved med at sende mig frække billeder", "situation:online"},
	{"da", "vi har en kollega der altid laver jokes om bøsser", "topic:sexism"},
	// a general question, as in the sets (round 7; was situation:citizen)
	{"da", "er der forskel på om det er en patient eller en kollega der krænker mig", "topic:internal-external|situation:citizen"},
	{"da", "Hvad står der i arbejdsmiljøloven om krænkelser", "topic:laws"},
	{"da", "hvordan siger jeg fra over for min kollega", "topic:responsibility"},
	{"da", "hvor ofte skal det ske før det er et problem", "topic:load-triangle"},
	{"da", "kan jeg få psykologhjælp gennem kommunen", "topic:psychological-help"},
	{"da", "hvad er tillidsrepræsentantens rolle", "topic:talk-to-someone"},
	{"da", "kvinder får lavere løn end mændene her", "topic:sexism"},
	{"da", "Det var bare for sjov sagde han bagefter", "excuse:just-a-joke"},
	{"da", "hvad mener i med belastningstrekant", "topic:load-triangle"},
	{"da", "kan man anmelde chikane uden at ens chef finder ud af det", "situation:own-manager"},
	{"da", "er det sexisme når kun mændene bliver spurgt om at løfte tunge ting", "topic:sexism"},
	{"da", "hvilket ansvar har jeg som medarbejder", "topic:responsibility"},
	{"da", "hvad accepterer kommunen ikke", "topic:policy"},
	{"da", "Har KK en politik mod sexchikane", "topic:policy"},
	{"da", "hvordan tager jeg en god samtale med en medarbejder der har oplevet chikane", "playbook:receive-report"},
	{"da", "hvordan undgår vi at det sker igen", "playbook:prevention"},
	{"da", "må jeg kræve at medarbejderne fortæller hvem det handler om", "playbook:anonymity-trap"},
	// gender remarks: the sets accept both (round 7; was topic:sexism)
	{"da", "min mandlige kollega bliver drillet fordi han er på barsel", "situation:gender-remarks|topic:sexism"},
	{"da", "må min kollega give mig et kram uden at spørge", "situation:touching"},
	{"da", "vi har brug for sort humor for at holde til jobbet", "excuse:blow-off-steam"},
	{"da", "folk siger jeg er for sart", "situation:my-fault"},
	{"da", "han glor hele tiden på min barm", "situation:body-comments"},
	{"da", "hvilke bortforklaringer bruger folk", "topic:excuses"},
	{"en", "what can I do if a coworker keeps sending me explicit pictures", "situation:online"},
	// own manager named (round 7; was topic:sexism)
	{"en", "our team lead makes fun of gay people", "situation:own-manager"},
	// a general question, as in the sets (round 7; was situation:citizen)
	{"en", "is it different if a patient harasses me instead of a colleague", "topic:internal-external|situation:citizen"},
	{"en", "what does the law say about harassment at work", "topic:laws"},
	{"en", "how often does it have to happen before it counts", "topic:load-triangle"},
	{"en", "can the municipality get me a psychologist", "topic:psychological-help"},
	{"en", "what does a union rep do", "topic:talk-to-someone"},
	{"en", "women get paid less than men here", "topic:sexism"},
	{"en", "it was only banter, he said", "excuse:loving-teasing"},
	{"en", "can I report harassment without my boss finding out", "situation:own-manager"},
	{"en", "what responsibility do I have as an employee", "topic:responsibility"},
	{"en", "does KK have a policy against sexual harassment", "topic:policy"},
	{"en", "how do I have a good conversation with an employee who reports harassment", "playbook:receive-report"},
	{"en", "how do we stop it from happening again", "playbook:prevention"},
	{"en", "can I ask staff to tell me who they meant in the survey", "playbook:anonymity-trap"},
	// gender remarks: the sets accept both (round 7; was topic:sexism)
	{"en", "my male colleague is teased for taking leave", "situation:gender-remarks|topic:sexism"},
	{"en", "he keeps staring at my chest", "situation:body-comments"},
	{"en", "people say I'm too sensitive", "situation:my-fault"},
	{"en", "is a hug from a colleague ok", "situation:touching"},
	{"en", "we need some dark humour to cope with this job", "excuse:blow-off-steam"},
	{"en", "what's meant by sexual orientation discrimination", "topic:sexism"},
	{"en", "the excuses people use when they cross the line", "topic:excuses"},
}

// firstAnswer is what the bot shows first: Best, or the first choice.
func firstAnswer(d match.Decision) string {
	if d.Best != "" {
		return d.Best
	}
	if len(d.Choices) > 0 {
		return d.Choices[0]
	}
	return ""
}

func TestAccuracy(t *testing.T) {
	m := testMatcher(t)
	total, hits := map[string]int{}, map[string]int{}
	for _, q := range questions {
		total[q.lang]++
		d := m.Decide(q.lang, q.text)
		got := firstAnswer(d)
		if q.right(got) {
			hits[q.lang]++
			continue
		}
		rs := m.Match(q.lang, q.text)
		t.Logf("MISS [%s] %q: want %s, got best=%q choices=%v; top %v\n%s", q.lang, q.text, q.want, d.Best, d.Choices, rs[:min(3, len(rs))], m.Explain(q.text))
	}
	if total["da"] < 35 || total["en"] < 35 {
		t.Fatalf("need at least 35 questions per language, have da %d, en %d", total["da"], total["en"])
	}
	n, h := total["da"]+total["en"], hits["da"]+hits["en"]
	pct := 100 * float64(h) / float64(n)
	msg := fmt.Sprintf("match accuracy: %d/%d = %.1f%% (da %d/%d, en %d/%d)", h, n, pct, hits["da"], total["da"], hits["en"], total["en"])
	t.Log(msg)
	fmt.Printf("%s\n", msg)
	if pct < 90 {
		t.Errorf("accuracy %.1f%% below 90%%", pct)
	}
}

func TestRequiredQuestions(t *testing.T) {
	m := testMatcher(t)
	for _, q := range []question{
		{"da", "er det chikane hvis min chef kommenterer mit tøj?", "situation:body-comments"},
		{"en", "what counts as sexism?", "topic:sexism"},
		{"da", "min kollega siger det bare var en joke", "excuse:just-a-joke"},
		{"da", "hvem kan jeg tale med?", "topic:talk-to-someone"},
	} {
		if got := firstAnswer(m.Decide(q.lang, q.text)); !q.right(got) {
			t.Errorf("%q: got %q, want %q", q.text, got, q.want)
		}
	}
}

func TestOffTopic(t *testing.T) {
	m := testMatcher(t)
	for _, s := range []string{
		"hvad er klokken", "pizza recipe", "asdfghjkl qwerty", "what's the weather like tomorrow",
		"hvornår er der frokost", "1234 5678", "!!!", "😀😀", "the", "og så videre",
	} {
		for _, lang := range []string{"da", "en"} {
			d := m.Decide(lang, s)
			if d.Best != "" || len(d.Choices) != 0 {
				t.Errorf("%q (%s): want nothing, got %+v (%v)", s, lang, d, m.Match(lang, s))
			}
		}
	}
}

func TestEmpty(t *testing.T) {
	m := testMatcher(t)
	for _, s := range []string{"", " ", "\n\t", "?"} {
		if rs := m.Match("da", s); len(rs) != 0 {
			t.Errorf("Match(%q) = %v, want none", s, rs)
		}
		if d := m.Decide("en", s); d.Best != "" || d.Choices != nil {
			t.Errorf("Decide(%q) = %+v, want zero", s, d)
		}
	}
	var nilM *match.Matcher
	if rs := nilM.Match("da", "sexisme"); rs != nil {
		t.Errorf("nil matcher: %v", rs)
	}
	if rs := match.New(nil).Match("da", "sexisme"); rs != nil {
		t.Errorf("empty matcher: %v", rs)
	}
}

func TestFolding(t *testing.T) {
	m := testMatcher(t)
	for _, pair := range [][2]string{
		{"Sexisme", "sexisme"},
		{"SEXISME!", "sexisme"},
		{"tøj", "toej"},
		{"kommentarer om mit tøj", "kommentarer om mit toej"},
		{"krænkende adfærd", "kraenkende adfaerd"},
		{"hvor går grænsen", "hvor gaar graensen"},
		{"Hvor får jeg hjælp?", "hvor faar jeg hjaelp"},
		{"Belastningstrekanten", "belastningstrekanten"},
	} {
		a, b := m.Match("da", pair[0]), m.Match("da", pair[1])
		if len(a) == 0 {
			t.Errorf("%q: no results", pair[0])
		}
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%q and %q rank differently:\n%v\n%v", pair[0], pair[1], a, b)
		}
	}
	// Without Danish letters the answer is the same, if not the score.
	for _, pair := range [][2]string{
		{"tøj", "toj"},
		{"hvor kan jeg få hjælp", "hvor kan jeg fa hjalp"},
		{"krænkende adfærd", "krankende adfard"},
	} {
		a, b := firstAnswer(m.Decide("da", pair[0])), firstAnswer(m.Decide("da", pair[1]))
		if a == "" || a != b {
			t.Errorf("%q → %q but %q → %q", pair[0], a, pair[1], b)
		}
	}
}

func TestDeterministic(t *testing.T) {
	m := testMatcher(t)
	for _, q := range questions {
		a := fmt.Sprint(m.Match(q.lang, q.text))
		for range 3 {
			if b := fmt.Sprint(m.Match(q.lang, q.text)); a != b {
				t.Fatalf("%q: %s then %s", q.text, a, b)
			}
		}
	}
	// Ties sort by id.
	rs := m.Match("en", "help")
	for i := 1; i < len(rs); i++ {
		if rs[i-1].Score < rs[i].Score || (rs[i-1].Score == rs[i].Score && rs[i-1].ID > rs[i].ID) {
			t.Fatalf("not sorted: %v", rs)
		}
	}
}

func TestDecideShape(t *testing.T) {
	m := testMatcher(t)
	for _, q := range questions {
		d := m.Decide(q.lang, q.text)
		if d.Best != "" && len(d.Choices) > 0 {
			t.Errorf("%q: both Best and Choices: %+v", q.text, d)
		}
		if n := len(d.Choices); n == 1 || n > 3 {
			t.Errorf("%q: %d choices, want none or 2-3", q.text, n)
		}
		for _, id := range append([]string{d.Best}, d.Choices...) {
			if id != "" && !strings.Contains(id, ":") {
				t.Errorf("%q: id %q has no kind", q.text, id)
			}
		}
	}
}

func TestNewSmall(t *testing.T) {
	m := match.New([]match.Doc{
		{ID: "a", Words: content.Words{"da": {"kaffe", "kaffemaskine"}, "en": {"coffee machine"}}},
		{ID: "b", Words: content.Words{"da": {"te"}, "en": {"tea", "green tea"}}, Titles: map[string]string{"en": "Tea time"}},
		{ID: "a", Words: content.Words{"da": {"duplicate"}}},
		{ID: ""},
	})
	if d := m.Decide("en", "where is the coffee machine"); d.Best != "a" {
		t.Errorf("coffee: %+v %v", d, m.Match("en", "where is the coffee machine"))
	}
	if d := m.Decide("en", "green tea please"); d.Best != "b" {
		t.Errorf("tea: %+v %v", d, m.Match("en", "green tea please"))
	}
	if rs := m.Match("da", "duplicate"); len(rs) != 0 {
		t.Errorf("duplicate id indexed: %v", rs)
	}
	if d := m.Decide("da", "kaffemaskinen"); firstAnswer(d) != "a" {
		t.Errorf("kaffemaskinen: %+v", d)
	}
}

func FuzzMatch(f *testing.F) {
	for _, q := range questions {
		f.Add(q.lang, q.text)
	}
	f.Add("da", "")
	f.Add("xx", "\xff\xfe ææææ ÅÅ øø \u0301\u0300 ǅ ﬁ İ")
	f.Add("en", strings.Repeat("harassment ", 500))
	m := testMatcher(f)
	f.Fuzz(func(t *testing.T, lang, text string) {
		a := m.Match(lang, text)
		b := m.Match(lang, text)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("not deterministic: %v vs %v", a, b)
		}
		d := m.Decide(lang, text)
		if d.Best != "" && len(d.Choices) > 0 {
			t.Fatalf("both Best and Choices: %+v", d)
		}
		if n := len(d.Choices); n == 1 || n > 3 {
			t.Fatalf("%d choices, want none or 2-3: %+v", n, d)
		}
		for i := 1; i < len(a); i++ {
			if a[i-1].Score < a[i].Score {
				t.Fatalf("not sorted: %v", a)
			}
		}
	})
}

func TestConcurrent(t *testing.T) {
	m := testMatcher(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for _, q := range questions[i*len(questions)/8 : (i+1)*len(questions)/8] {
				m.Decide(q.lang, q.text)
			}
		})
	}
	wg.Wait()
}
