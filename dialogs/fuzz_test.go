package dialogs_test

// Fuzz targets of the dialog engine (issue 8, part 5). Their seed corpora
// are checked in under testdata/fuzz/<FuzzName>/; .ci/fuzz runs each for a
// short time. The corpus of FuzzEngineStep holds real states (a playbook
// under way, a report draft, a reminder being set, a quiz...) recorded by
// walking the engine's own cards; regenerate it after the dialogs change:
//
//	GRAENSEN_WRITE_FUZZ_SEEDS=1 go test -run TestWriteEngineFuzzSeeds ./dialogs/

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/content"
)

// fuzzMatcher stands in for dialogs/match: deterministic, and it also
// answers with documents that do not exist.
func fuzzMatcher(_ string, text string) (string, []string) {
	docs := []string{"topic:get-help", "topic:nope", "playbook:nope", "excuse:nope", "garbage", "topic:", ":"}
	h := fnv.New32a()
	_, _ = h.Write([]byte(text))
	n := int(h.Sum32())
	switch n % 4 {
	case 0:
		return "", nil
	case 1:
		return docs[n/4%len(docs)], nil
	}
	return "", []string{docs[n/4%len(docs)], docs[n/8%len(docs)], docs[n/16%len(docs)]}
}

var fuzzEngine = dialogs.New(dialogs.Config{Content: content.MustLoad(), Matcher: fuzzMatcher,
	Handlers: []string{"aad-handler"}, Admins: []string{"aad-admin"}})

// Fuzz input flags.
const (
	flagChannel = 1 << iota
	flagHandler
	flagAdmin
	flagEnglish
	flagNoActivityID
	flagNoReplyTo
)

func fuzzInput(text string, values []byte, kind, flags uint8, seq int) dialogs.Input {
	in := dialogs.Input{
		Kind: dialogs.Kind(int(kind) % 4), Text: text, Locale: "da-DK",
		ActivityID: fmt.Sprintf("fuzz-%d", seq), ReplyToID: "card-1",
		Now: time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), // a daylight saving night
	}
	if len(values) > 0 {
		var v map[string]string
		if json.Unmarshal(values, &v) == nil {
			in.Values = v
		}
	}
	if flags&flagChannel != 0 {
		in.Scope = dialogs.ScopeChannel
	}
	switch {
	case flags&flagHandler != 0:
		in.AadID = "AAD-HANDLER"
	case flags&flagAdmin != 0:
		in.AadID = "aad-admin"
	default:
		in.AadID = "aad-someone"
	}
	if flags&flagEnglish != 0 {
		in.Locale = "en-US"
	}
	if flags&flagNoActivityID != 0 {
		in.ActivityID = ""
	}
	if flags&flagNoReplyTo != 0 {
		in.ReplyToID = ""
	}
	var r byte
	in.Rand = func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			r += 37
			b[i] = r
		}
		return b
	}
	return in
}

// checkResult holds what every turn promises, whatever came in.
func fuzzCheckResult(t *testing.T, in dialogs.Input, res dialogs.Result) {
	t.Helper()
	if res.Duplicate {
		if len(res.Outputs) != 0 || res.ProfileChanged {
			t.Fatalf("a duplicate has effects: %+v", res)
		}
		return
	}
	if res.Lang != dialogs.Danish && res.Lang != dialogs.English {
		t.Fatalf("language %q", res.Lang)
	}
	if len(res.Outputs) == 0 && in.Kind != dialogs.KindUninstall && in.Kind != dialogs.KindInstall {
		t.Fatalf("no answer to %+v", in)
	}
	for _, o := range res.Outputs {
		switch o := o.(type) {
		case dialogs.Reply:
			fuzzCheckCard(t, o.Card)
		case dialogs.Update:
			fuzzCheckCard(t, o.Card)
			if o.ActivityID == "" && in.ReplyToID != "" {
				t.Fatalf("update without the card's activity id")
			}
		case nil:
			t.Fatal("nil output")
		}
	}
	if in.ActivityID != "" && (len(res.State.Seen) > 32 || !slices.Contains(res.State.Seen, in.ActivityID)) {
		t.Fatalf("seen ids %v after %q", res.State.Seen, in.ActivityID)
	}
	if _, err := json.Marshal(res.State); err != nil {
		t.Fatalf("state does not encode: %v", err)
	}
	if _, err := json.Marshal(res.Profile); err != nil {
		t.Fatalf("profile does not encode: %v", err)
	}
}

func fuzzCheckCard(t *testing.T, c dialogs.Card) {
	t.Helper()
	if c.Name == "" {
		t.Fatalf("card without a name: %+v", c)
	}
	b, err := json.Marshal(c)
	if err != nil || !utf8.Valid(b) {
		t.Fatalf("card does not encode as UTF-8: %v", err)
	}
}

// FuzzEngineStep: any text, submit values, stored state and profile, of
// any kind of turn, by anyone: Step never panics, always answers with named
// cards, keeps the dedupe list bounded, and a second delivery of the same
// activity is a duplicate with no effects.
func FuzzEngineStep(f *testing.F) {
	f.Add("menu", []byte(nil), []byte(nil), []byte(nil), uint8(0), uint8(0))
	f.Add("", []byte(`{"a":"guide","v":"nope"}`), []byte(`{"k":[{"n":"guide","v":1,"x":"garbage"}]}`), []byte(`{"g":{"x":null}}`), uint8(0), uint8(flagHandler))
	f.Add("hvad er sexisme?", []byte(`{"a":"remind","v":"x:99999999999999999999"}`), []byte(`{"k":[{"n":"remind","v":1,"x":{"p":"","s":-5}}],"d":["fuzz-1"]}`), []byte(`{"l":"xx","rm":[{"i":"","t":"0001-01-01T00:00:00Z"}]}`), uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, text string, values, state, profile []byte, kind, flags uint8) {
		var st dialogs.State
		if json.Unmarshal(state, &st) != nil {
			st = dialogs.State{} // what the bot does with state that does not open
		}
		var p dialogs.Profile
		if json.Unmarshal(profile, &p) != nil {
			p = dialogs.Profile{}
		}
		in := fuzzInput(text, values, kind, flags, 1)
		res := fuzzEngine.Step(st, p, in)
		fuzzCheckResult(t, in, res)
		if res.Duplicate || in.ActivityID == "" {
			return
		}
		// What the bot stores comes back as JSON; a redelivery is a duplicate.
		var st2 dialogs.State
		b, _ := json.Marshal(res.State)
		if err := json.Unmarshal(b, &st2); err != nil {
			t.Fatalf("state does not decode: %v", err)
		}
		again := fuzzEngine.Step(st2, res.Profile, in)
		if !again.Duplicate {
			t.Fatalf("redelivery not recognised")
		}
		// And the conversation goes on: the next turn is answered too.
		next := fuzzInput("menu", nil, 0, flags&^flagNoActivityID, 2)
		fuzzCheckResult(t, next, fuzzEngine.Step(st2, res.Profile, next))
	})
}

// FuzzParseReceipt: whatever a reporter types, parsing never panics, and a
// code it accepts is a canonical code: 20 symbols of the alphabet, stable
// under formatting and case.
func FuzzParseReceipt(f *testing.F) {
	for _, s := range []string{"", "ABCDE-FGHJK-MNPQR-STVWX", "abcde fghjk mnpqr stvwx", "23456.789AB.CDEFG.HJKMN", "O0O0O-IIIII-LLLLL-UUUUU",
		"ABCDE-FGHJK-MNPQR-STVW", "ABCDE-FGHJK-MNPQR-STVWXY", "ſſſſſ-ſſſſſ-ſſſſſ-ſſſſſ", "\xff\xfe", strings.Repeat("A", 10000)} {
		f.Add(s)
	}
	const alphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
	f.Fuzz(func(t *testing.T, s string) {
		code, ok := dialogs.ParseReceipt(s)
		if !ok {
			return
		}
		if len(code) != dialogs.ReceiptLen {
			t.Fatalf("accepted %q as %q of length %d", s, code, len(code))
		}
		for _, r := range code {
			if !strings.ContainsRune(alphabet, r) {
				t.Fatalf("accepted %q as %q with symbol %q", s, code, r)
			}
		}
		for _, form := range []string{code, dialogs.FormatReceipt(code), strings.ToLower(dialogs.FormatReceipt(code))} {
			if c2, ok := dialogs.ParseReceipt(form); !ok || c2 != code {
				t.Fatalf("%q → %q, but %q → %q %v", s, code, form, c2, ok)
			}
		}
	})
}

// TestWriteEngineFuzzSeeds records the seed corpus of FuzzEngineStep: a
// walk over the engine's own cards, keeping each turn's input with the
// state and profile it met. It only runs when asked to (see the top).
func TestWriteEngineFuzzSeeds(t *testing.T) {
	if os.Getenv("GRAENSEN_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set GRAENSEN_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz/FuzzEngineStep")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzEngineStep")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	written := 0
	seen := map[string]bool{}
	for walk := 0; walk < 12; walk++ {
		flags := uint8(0)
		switch walk % 4 {
		case 1:
			flags = flagEnglish
		case 2:
			flags = flagHandler
		case 3:
			flags = flagAdmin | flagEnglish
		}
		var st dialogs.State
		var p dialogs.Profile
		var actions []map[string]string
		for step := 0; step < 40; step++ {
			text, values := "", map[string]string(nil)
			switch {
			case step == 0:
				text = "menu"
			case len(actions) == 0 || rng.IntN(8) == 0:
				text = []string{"hvad er sexisme?", "hjælp", "anmeld", "quiz", "påmindelser", "vejledning", "english"}[rng.IntN(7)]
			default:
				values = cloneData(actions[rng.IntN(len(actions))])
				for _, k := range []string{"code", "msg", "rdate", "rtime", "what", "reply", "note", "status"} {
					if rng.IntN(3) == 0 {
						values[k] = []string{"2026-12-01", "09:00", "ABCDE-FGHJK-MNPQR-STVWX", "noget skete", "ack"}[rng.IntN(5)]
					}
				}
			}
			vb, _ := json.Marshal(values)
			if values == nil {
				vb = nil
			}
			small := st // the seed needs the stack, not 32 seen ids
			small.Seen = small.Seen[max(0, len(small.Seen)-2):]
			sb, _ := json.Marshal(small)
			pb, _ := json.Marshal(p)
			in := fuzzInput(text, vb, 0, flags, walk*100+step)
			res := fuzzEngine.Step(st, p, in)
			sig := fmt.Sprintf("%d|%v", flags, values == nil)
			if n := len(st.Stack); n > 0 {
				sig += "|" + st.Stack[n-1].Dialog + "|" + st.Stack[n-1].Step
			}
			if values != nil {
				sig += "|" + values["a"]
			}
			if !seen[sig] {
				seen[sig] = true
				body := fmt.Sprintf("go test fuzz v1\nstring(%q)\n[]byte(%q)\n[]byte(%q)\n[]byte(%q)\nuint8(0)\nuint8(%d)\n", text, vb, sb, pb, flags)
				sum := sha256.Sum256([]byte(body))
				if err := os.WriteFile(filepath.Join(dir, "seed-"+hex.EncodeToString(sum[:8])), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
				written++
			}
			st, p = res.State, res.Profile
			actions = nil
			for _, o := range res.Outputs {
				if r, ok := o.(dialogs.Reply); ok {
					for _, a := range r.Card.Actions {
						if a.Data != nil {
							actions = append(actions, a.Data)
						}
					}
					for _, b := range r.Card.Blocks {
						for _, a := range b.Actions {
							if a.Data != nil {
								actions = append(actions, a.Data)
							}
						}
					}
				}
			}
		}
	}
	t.Logf("wrote %d seeds to %s", written, dir)
}

func cloneData(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
