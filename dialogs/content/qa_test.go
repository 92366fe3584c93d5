package content_test

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/kk/graensen/dialogs/content"
	"github.com/kk/graensen/locales"
)

// qaLibrary loads the embedded content or stops the test.
func qaLibrary(t *testing.T) *content.Library {
	t.Helper()
	lib, err := content.Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return lib
}

// qaMessageIDs lists every message id the Q&A structure names.
func qaMessageIDs(lib *content.Library) []string {
	var ids []string
	for _, tp := range lib.Topics {
		pre := "topic." + tp.ID + "."
		ids = append(ids, pre+"title", pre+"short")
		if tp.More {
			ids = append(ids, pre+"more")
		}
	}
	for _, l := range lib.Links {
		ids = append(ids, "link."+l.ID)
	}
	for _, e := range lib.Excuses {
		ids = append(ids, "excuse."+e.ID+".quote", "excuse."+e.ID+".answer")
	}
	for _, q := range lib.Quiz {
		ids = append(ids, "quiz."+q.ID+".case", "quiz."+q.ID+".explain")
	}
	r := lib.Reflect
	for _, g := range []struct {
		kind string
		ids  []string
	}{
		{"kind", r.Kinds}, {"severity", r.Severity}, {"duration", r.Duration},
		{"frequency", r.Frequency}, {"effect", r.Effects},
	} {
		for _, id := range g.ids {
			ids = append(ids, "reflect."+g.kind+"."+id)
		}
	}
	return ids
}

// goI18nReserved are keys go-i18n reads as message fields; an id equal to
// one of them would turn its table into a broken message.
var goI18nReserved = map[string]bool{
	"id": true, "description": true, "hash": true, "leftdelim": true, "rightdelim": true,
	"zero": true, "one": true, "two": true, "few": true, "many": true, "other": true,
	"translation": true,
}

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

func TestQALoad(t *testing.T) {
	lib := qaLibrary(t)
	want := map[string]string{ // topic id -> flow
		"offensive-behaviour": "", "sexism": "", "sexual-harassment": "", "intention-effect": "",
		"not-everything": "", "experience-door": "", "load-triangle": "reflect", "excuses": "excuses",
		"policy": "", "responsibility": "", "get-help": "", "unit": "report", "talk-to-someone": "",
		"psychological-help": "", "quiz": "quiz", "internal-external": "", "laws": "",
	}
	for id, flow := range want {
		tp, ok := lib.Topic(id)
		if !ok {
			t.Errorf("topic %q missing", id)
			continue
		}
		if tp.Flow != flow {
			t.Errorf("topic %s: flow %q, want %q", id, tp.Flow, flow)
		}
	}
	var excuses []string
	for _, e := range lib.Excuses {
		excuses = append(excuses, e.ID)
	}
	slices.Sort(excuses)
	wantEx := []string{"blow-off-steam", "cant-say-anything", "flirting", "just-a-joke", "just-how-i-am", "loving-teasing", "not-meant-badly", "telling-it-like-it-is"}
	if !slices.Equal(excuses, wantEx) {
		t.Errorf("excuses = %v, want %v", excuses, wantEx)
	}
	if len(lib.Quiz) < 8 {
		t.Errorf("%d quiz cases, want at least 8", len(lib.Quiz))
	}
	answers := map[string]int{}
	for _, q := range lib.Quiz {
		answers[q.Answer]++
	}
	for _, a := range []string{"sexism", "harassment", "neither"} {
		if answers[a] == 0 {
			t.Errorf("no quiz case with answer %q", a)
		}
	}
	r := lib.Reflect
	for name, got := range map[string][]string{
		"severity": r.Severity, "duration": r.Duration, "frequency": r.Frequency,
	} {
		if len(got) != 3 {
			t.Errorf("reflect %s: %v, want 3 steps", name, got)
		}
	}
	if len(r.Kinds) < 8 || !slices.Contains(r.Kinds, "something-else") {
		t.Errorf("reflect kinds %v: want the source's examples and something-else", r.Kinds)
	}
	if len(r.Effects) < 3 {
		t.Errorf("reflect effects %v", r.Effects)
	}
	for _, id := range []string{
		"kk-policy", "unit", "follow-up", "at-where-line", "rigshospitalet-film", "lederne-guide",
		"strong-communities", "robustness", "stress-catalogue", "local-guidelines", "bfa-conflict",
		"amk-sexisme", "follow-up-results",
	} {
		l, ok := lib.Link(id)
		if !ok {
			t.Errorf("link %q missing", id)
			continue
		}
		if !strings.HasPrefix(l.URL, "https://") && !strings.HasPrefix(l.URL, "http://") {
			t.Errorf("link %s: %q is not an absolute URL", id, l.URL)
		}
		if strings.ContainsAny(l.URL, " \n\t") {
			t.Errorf("link %s: %q contains white space", id, l.URL)
		}
	}
}

func TestQAShape(t *testing.T) {
	lib := qaLibrary(t)
	checkID := func(kind, id string) {
		if !idPattern.MatchString(id) || goI18nReserved[id] {
			t.Errorf("%s id %q: want lowercase-with-hyphens and no go-i18n reserved word", kind, id)
		}
	}
	for _, tp := range lib.Topics {
		checkID("topic", tp.ID)
		if len(tp.Items) == 0 {
			t.Errorf("topic %s: no content-map items", tp.ID)
		}
		if n := len(tp.Related); n < 2 || n > 4 {
			t.Errorf("topic %s: %d related, want 2-4", tp.ID, n)
		}
		if slices.Contains(tp.Related, tp.ID) {
			t.Errorf("topic %s: related to itself", tp.ID)
		}
		if len(tp.Words["da"]) == 0 || len(tp.Words["en"]) == 0 {
			t.Errorf("topic %s: needs words in da and en", tp.ID)
		}
	}
	for _, e := range lib.Excuses {
		checkID("excuse", e.ID)
		if len(e.Words["da"]) == 0 || len(e.Words["en"]) == 0 {
			t.Errorf("excuse %s: needs words in da and en", e.ID)
		}
	}
	for _, q := range lib.Quiz {
		checkID("quiz", q.ID)
	}
	for _, l := range lib.Links {
		checkID("link", l.ID)
	}
	r := lib.Reflect
	for _, ids := range [][]string{r.Kinds, r.Severity, r.Duration, r.Frequency, r.Effects} {
		seen := map[string]bool{}
		for _, id := range ids {
			checkID("reflect", id)
			if seen[id] {
				t.Errorf("reflect: duplicate %q", id)
			}
			seen[id] = true
		}
	}
}

func TestQAMessages(t *testing.T) {
	lib := qaLibrary(t)
	b := locales.MustBundle()
	for _, lang := range []language.Tag{language.Danish, language.English} {
		t.Run(lang.String(), func(t *testing.T) {
			loc := i18n.NewLocalizer(b, lang.String())
			for _, id := range qaMessageIDs(lib) {
				s, tag, err := loc.LocalizeWithTag(&i18n.LocalizeConfig{MessageID: id})
				var nf *i18n.MessageNotFoundErr
				switch {
				case errors.As(err, &nf):
					t.Errorf("message %q missing in %s", id, lang)
				case err != nil:
					t.Errorf("message %q in %s: %v", id, lang, err)
				case tag != lang:
					t.Errorf("message %q: got language %s, want %s", id, tag, lang)
				case strings.TrimSpace(s) == "":
					t.Errorf("message %q empty in %s", id, lang)
				}
			}
		})
	}
}

// qaFile reads a locales file into flat message id -> text.
func qaFile(t *testing.T, name string) map[string]string {
	t.Helper()
	b, err := fs.ReadFile(locales.Files(), name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	var tree map[string]any
	if err := toml.Unmarshal(b, &tree); err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(prefix+k+".", x)
			}
		case string:
			out[strings.TrimSuffix(prefix, ".")] = v
		default:
			t.Errorf("%s: %s is %T, want a plain string", name, strings.TrimSuffix(prefix, "."), v)
		}
	}
	walk("", tree)
	return out
}

var placeholder = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

func placeholders(s string) string {
	var names []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		names = append(names, m[1])
	}
	slices.Sort(names)
	return fmt.Sprint(slices.Compact(names))
}

// TestQAFilesAgree checks that qa.da.toml and qa.en.toml have the same ids
// with the same placeholders, and nothing the structure does not name.
func TestQAFilesAgree(t *testing.T) {
	lib := qaLibrary(t)
	da, en := qaFile(t, "qa.da.toml"), qaFile(t, "qa.en.toml")
	for id, s := range da {
		e, ok := en[id]
		if !ok {
			t.Errorf("%q in qa.da.toml but not in qa.en.toml", id)
			continue
		}
		if placeholders(s) != placeholders(e) {
			t.Errorf("%q: placeholders differ: da %s, en %s", id, placeholders(s), placeholders(e))
		}
	}
	for id := range en {
		if _, ok := da[id]; !ok {
			t.Errorf("%q in qa.en.toml but not in qa.da.toml", id)
		}
	}
	named := map[string]bool{}
	for _, id := range qaMessageIDs(lib) {
		named[id] = true
	}
	for id := range da {
		if !named[id] {
			t.Errorf("qa.da.toml: %q is not named by qa.toml", id)
		}
	}
}

func TestQAItemsCovered(t *testing.T) {
	lib := qaLibrary(t)
	covered := map[int]bool{}
	for _, tp := range lib.Topics {
		for _, n := range tp.Items {
			covered[n] = true
		}
	}
	for n := 1; n <= 11; n++ {
		if !covered[n] {
			t.Errorf("content-map item %d not covered by any topic", n)
		}
	}
}

// TestQAExcuseQuotes checks the Danish quotes are the slide's own words.
func TestQAExcuseQuotes(t *testing.T) {
	da := qaFile(t, "qa.da.toml")
	for id, want := range map[string]string{
		"loving-teasing":        "Her hos os har vi lidt kærlig mobning, det må man kunne tåle",
		"just-a-joke":           "Slap nu af .. Det var jo bare en joke",
		"not-meant-badly":       "Det var jo ikke ondt ment",
		"just-how-i-am":         "Sådan er jeg bare",
		"cant-say-anything":     "Kan man da heller ikke sige noget mere eller have det lidt sjovt?",
		"flirting":              "Må man så ikke flirte?",
		"blow-off-steam":        "Vi har jo brug for at puste lidt ud en gang i mellem",
		"telling-it-like-it-is": "Jeg siger det bare som det er",
	} {
		if got := da["excuse."+id+".quote"]; got != want {
			t.Errorf("excuse %s: quote %q, want the source's %q", id, got, want)
		}
	}
}

// verdicts are phrasings that declare what a situation is. The bot never
// gives a verdict (content map item 6); only the quiz explanations, about
// made-up cases, name a category ("In the source's terms this is an example
// of ...").
var verdicts = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\b(det|dette|det her|der|du) (er|var) (helt sikkert |klart |tydeligvis |altså )?(seksuel chikane|sexchikane|chikane|sexisme|sexistisk|krænkende|mobning)\b`),
	regexp.MustCompile(`(?i)\b(du|hun|han) (er|var|blev|er blevet) (seksuelt )?(chikaneret|krænket|mobbet)\b`),
	regexp.MustCompile(`(?i)\b(this|that|it|there) ?(is|was|'s) (clearly |definitely |obviously )?(sexual harassment|harassment|sexism|sexist|offensive|bullying)\b`),
	regexp.MustCompile(`(?i)\byou (are|were|have been) (sexually )?(harassed|offended|bullied)\b`),
}

func TestQANoVerdict(t *testing.T) {
	for _, name := range []string{"qa.da.toml", "qa.en.toml"} {
		for id, s := range qaFile(t, name) {
			if strings.HasPrefix(id, "quiz.") {
				continue
			}
			for _, re := range verdicts {
				if m := re.FindString(s); m != "" {
					t.Errorf("%s %s: verdict phrase %q", name, id, m)
				}
			}
		}
	}
	// The check itself must catch what it is for.
	for _, s := range []string{"Det er chikane.", "this is harassment", "Det her er sexisme", "That's sexist", "du er blevet krænket"} {
		hit := false
		for _, re := range verdicts {
			hit = hit || re.MatchString(s)
		}
		if !hit {
			t.Errorf("verdict check misses %q", s)
		}
	}
}

// TestQAQuizWording checks quiz explanations use the source's frame rather
// than a bare verdict, and point back to the experience and the triangle.
func TestQAQuizWording(t *testing.T) {
	lib := qaLibrary(t)
	da, en := qaFile(t, "qa.da.toml"), qaFile(t, "qa.en.toml")
	for _, q := range lib.Quiz {
		d, e := da["quiz."+q.ID+".explain"], en["quiz."+q.ID+".explain"]
		if !strings.HasPrefix(d, "I kildens begreber") {
			t.Errorf("quiz %s (da): explanation should start “I kildens begreber …”", q.ID)
		}
		if !strings.HasPrefix(e, "In the source's terms") {
			t.Errorf("quiz %s (en): explanation should start “In the source's terms …”", q.ID)
		}
		if !strings.Contains(strings.ToLower(d), "oplev") || !strings.Contains(strings.ToLower(e), "experience") {
			t.Errorf("quiz %s: explanation should mention the experience", q.ID)
		}
		if !strings.Contains(d, "belastningstrekant") || !strings.Contains(e, "load triangle") {
			t.Errorf("quiz %s: explanation should point to the load triangle", q.ID)
		}
	}
}
