package dialogs_test

import (
	"go/ast"
	"go/token"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/content"
	"github.com/kk/graensen/internal/contenttest"
)

// Issue 14, point 3: every topic the Go code names exists in the content,
// every command word starts a verb something handles, every topic's flow
// and every playbook's group is one the code shows: in the library the
// bot ships and in the fixture the tests run on.
func TestContentReferencesHaveTargets(t *testing.T) {
	for name, lib := range map[string]*content.Library{"shipped": realLib, "fixture": contenttest.Small()} {
		if err := dialogs.New(dialogs.Config{Content: lib}).CheckContent(); err != nil {
			t.Errorf("%s library: %v", name, err)
		}
	}
}

// The check fails when content loses a topic the code names (renaming
// "unit" once turned a button on every answer card into "I didn't
// understand") or a command names a verb nothing handles.
func TestContentReferenceCheckCatchesMissingTargets(t *testing.T) {
	lib, err := content.LoadFS(fstest.MapFS{
		"qa.toml": {Data: []byte("[[topic]]\nid = \"get-help\"\n[[topic]]\nid = \"sexism\"\nflow = \"quizz\"\n[[topic]]\nid = \"quiz\"\nflow = \"quiz\"\n")},
		"guide.toml": {Data: []byte("[[playbook]]\nid = \"p1\"\ngroup = \"handling\"\n[[playbook.step]]\nid = \"a\"\n" +
			"[[playbook]]\nid = \"p2\"\ngroup = \"Prevention\"\n[[playbook.step]]\nid = \"a\"\n")},
		"commands.toml": {Data: []byte(`[[command]]
verb = "menu"
words = { da = ["menu"], en = ["menu"] }
[[command]]
verb = "no-such-verb"
words = { da = ["intet"], en = ["nothing"] }
`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = dialogs.New(dialogs.Config{Content: lib}).CheckContent()
	if err == nil {
		t.Fatal("missing topics and an unhandled command passed the check")
	}
	for _, want := range []string{`topic "unit"`, `topic "talk-to-someone"`, `command "no-such-verb"`,
		`topic "sexism" offers flow "quizz"`, `playbook "p2" is in group "Prevention"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("check does not report %s: %v", want, err)
		}
	}
	for _, wrong := range []string{`topic "get-help"`, `command "menu"`, `flow "quiz"`, `"p1"`} {
		if strings.Contains(err.Error(), wrong) {
			t.Errorf("check reports %s, which is there: %v", wrong, err)
		}
	}
}

// Go names topics only through the declared table (refs.go), so the check
// above sees every reference: no string literal is a topic argument.
func TestNoTopicIDLiteralsInGo(t *testing.T) {
	fset, files := dialogs.ParseSources(t)
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			var fn string
			switch x := call.Fun.(type) {
			case *ast.Ident:
				fn = x.Name
			case *ast.SelectorExpr:
				fn = x.Sel.Name
			}
			arg := call.Args[1]
			switch {
			case fn == "Submit":
				if v, ok := call.Args[0].(*ast.Ident); !ok || (v.Name != "VerbTopic" && v.Name != "VerbGuide" && v.Name != "VerbSituation") {
					return true
				}
			case fn == "topicView" || fn == "guideView" || fn == "Topic" || fn == "Playbook":
				if fn == "Topic" || fn == "Playbook" {
					arg = call.Args[0]
				}
			default:
				return true
			}
			if lit, ok := arg.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				t.Errorf("%s: %s names content id %s as a literal: declare it in refs.go", fset.Position(lit.Pos()), fn, lit.Value)
			}
			return true
		})
	}
	if len(files) < 10 {
		t.Fatalf("scanned only %v", files)
	}
}

// Global command words are content, in both languages.
func TestCommandWordsInBothLanguages(t *testing.T) {
	verbs := map[string]bool{}
	for _, c := range realLib.Commands { // the commands the bot ships
		verbs[c.Verb+" "+c.Arg] = true
		if len(c.Words["da"]) == 0 || len(c.Words["en"]) == 0 {
			t.Errorf("command %s %s lacks da or en words: %v", c.Verb, c.Arg, c.Words)
		}
	}
	for _, v := range []string{dialogs.VerbMenu, dialogs.VerbHelp, dialogs.VerbCancel, dialogs.VerbRestart, dialogs.VerbLang, dialogs.VerbLang + " da", dialogs.VerbLang + " en", dialogs.VerbRole, dialogs.VerbReminders, dialogs.VerbThanks} {
		if !strings.Contains(v, " ") {
			v += " "
		}
		if !verbs[v] {
			t.Errorf("no command words for %q", v)
		}
	}
	// Typed in either language, whatever the client's locale.
	s := newGSess(t, "da-DK", dialogs.Config{})
	for text, want := range map[string]string{"Hjælp!": "help", "help": "help", " MENU ": "menu", "main menu": "menu", "Tak for hjælpen": "thanks", "thank you": "thanks"} {
		if got := gNames(s.say(text)); !slices.Equal(got, []string{want}) {
			t.Errorf("%q gave %v, want %s", text, got, want)
		}
	}
	if r := s.say("english"); r.Lang != dialogs.English {
		t.Errorf("\"english\" left the language %s", r.Lang)
	}
	if r := s.say("dansk"); r.Lang != dialogs.Danish {
		t.Errorf("\"dansk\" left the language %s", r.Lang)
	}
}

// A content file whose command lacks a language, or gives one word to two
// commands, does not load.
func TestCommandContentChecked(t *testing.T) {
	for name, toml := range map[string]string{
		"no english":  "[[command]]\nverb = \"menu\"\nwords = { da = [\"menu\"] }\n",
		"shared word": "[[command]]\nverb = \"menu\"\nwords = { da = [\"start\"], en = [\"menu\"] }\n[[command]]\nverb = \"restart\"\nwords = { da = [\"forfra\"], en = [\"Start\"] }\n",
		"empty word":  "[[command]]\nverb = \"menu\"\nwords = { da = [\"?\"], en = [\"menu\"] }\n",
	} {
		if _, err := content.LoadFS(fstest.MapFS{"commands.toml": {Data: []byte(toml)}}); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}
