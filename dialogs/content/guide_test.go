package content_test

import (
	"errors"
	"testing"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/kk/graensen/dialogs/content"
	"github.com/kk/graensen/locales"
)

// loadLibrary loads the embedded content or stops the test.
func loadLibrary(t *testing.T) *content.Library {
	t.Helper()
	lib, err := content.Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return lib
}

// playbookMessageIDs lists every message id a playbook names.
func playbookMessageIDs(p content.Playbook) []string {
	pre := "playbook." + p.ID + "."
	ids := []string{pre + "title", pre + "intro"}
	for _, s := range p.Steps {
		sp := pre + s.ID + "."
		ids = append(ids, sp+"title", sp+"text")
		for _, c := range s.Checks {
			ids = append(ids, sp+"check."+c)
		}
	}
	return ids
}

func TestLoad(t *testing.T) {
	lib := loadLibrary(t)
	if len(lib.Playbooks) == 0 {
		t.Fatal("no playbooks loaded")
	}
}

func TestPlaybookIDs(t *testing.T) {
	lib := loadLibrary(t)
	for _, id := range []string{"receive-report", "manager-colleague", "survey-follow-up", "prevention", "anonymity-trap"} {
		if _, ok := lib.Playbook(id); !ok {
			t.Errorf("playbook %q missing", id)
		}
	}
}

func TestPlaybookShape(t *testing.T) {
	reserved := map[string]bool{
		"id": true, "description": true, "hash": true, "leftdelim": true, "rightdelim": true,
		"zero": true, "one": true, "two": true, "few": true, "many": true, "other": true,
		"translation": true, "title": true, "intro": true, "text": true, "check": true,
	}
	lib := loadLibrary(t)
	for _, p := range lib.Playbooks {
		if len(p.Items) == 0 {
			t.Errorf("playbook %s: no content-map items", p.ID)
		}
		if p.Group != "handling" && p.Group != "prevention" {
			t.Errorf("playbook %s: group %q not handling|prevention", p.ID, p.Group)
		}
		if len(p.Words["da"]) == 0 || len(p.Words["en"]) == 0 {
			t.Errorf("playbook %s: needs words in da and en", p.ID)
		}
		for _, s := range p.Steps {
			if reserved[s.ID] {
				t.Errorf("playbook %s: step id %q collides with a message key", p.ID, s.ID)
			}
			seen := map[string]bool{}
			for _, c := range s.Checks {
				if reserved[c] || seen[c] {
					t.Errorf("playbook %s step %s: reserved or duplicate check id %q", p.ID, s.ID, c)
				}
				seen[c] = true
			}
		}
	}
}

func TestPlaybookMessages(t *testing.T) {
	lib := loadLibrary(t)
	b := locales.MustBundle()
	for _, lang := range []language.Tag{language.Danish, language.English} {
		t.Run(lang.String(), func(t *testing.T) {
			loc := i18n.NewLocalizer(b, lang.String())
			for _, p := range lib.Playbooks {
				for _, id := range playbookMessageIDs(p) {
					s, tag, err := loc.LocalizeWithTag(&i18n.LocalizeConfig{MessageID: id})
					var nf *i18n.MessageNotFoundErr
					switch {
					case errors.As(err, &nf):
						t.Errorf("message %q missing in %s", id, lang)
					case err != nil:
						t.Errorf("message %q in %s: %v", id, lang, err)
					case tag != lang:
						t.Errorf("message %q: got language %s, want %s", id, tag, lang)
					case s == "":
						t.Errorf("message %q empty in %s", id, lang)
					}
				}
			}
		})
	}
}

func TestPlaybookItemsCovered(t *testing.T) {
	lib := loadLibrary(t)
	covered := map[int]bool{}
	for _, p := range lib.Playbooks {
		for _, n := range p.Items {
			covered[n] = true
		}
	}
	for n := 12; n <= 26; n++ {
		if !covered[n] {
			t.Errorf("content-map item %d not covered by any playbook", n)
		}
	}
}

func TestPlaybookReminders(t *testing.T) {
	lib := loadLibrary(t)
	for _, id := range []string{"receive-report", "manager-colleague", "survey-follow-up"} {
		p, ok := lib.Playbook(id)
		if !ok {
			t.Errorf("playbook %q missing", id)
			continue
		}
		remind := false
		for _, s := range p.Steps {
			remind = remind || s.Remind
		}
		if !remind {
			t.Errorf("playbook %s: no step with remind = true", id)
		}
	}
}
