package content_test

import (
	"testing"
	"testing/fstest"

	"github.com/kk/graensen/dialogs/content"
)

// Every step of the real library has an id, unique in its playbook, that
// cannot be read as an old position; every playbook that existed when
// progress was stored by position has its frozen order.
func TestStepIDsUniquePerPlaybook(t *testing.T) {
	lib := loadLibrary(t)
	for _, p := range lib.Playbooks {
		seen := map[string]bool{}
		for i, s := range p.Steps {
			if s.ID == "" || seen[s.ID] || s.ID == content.StepFinish || s.ID[0] < 'a' || s.ID[0] > 'z' {
				t.Errorf("playbook %s step %d: id %q empty, duplicate, reserved or not starting with a letter", p.ID, i, s.ID)
			}
			seen[s.ID] = true
			if n, finish, ok := p.Resolve(s.ID); !ok || finish || n != i {
				t.Errorf("playbook %s: step %s resolves to %d %v %v", p.ID, s.ID, n, finish, ok)
			}
		}
		if len(p.Positions) == 0 {
			t.Errorf("playbook %s has no frozen positions", p.ID)
		}
	}
}

func guideFS(steps string) fstest.MapFS {
	return fstest.MapFS{"guide.toml": {Data: []byte("[[playbook]]\nid = \"pb\"\n" + steps)}}
}

func TestBadStepIDsDoNotLoad(t *testing.T) {
	for name, steps := range map[string]string{
		"duplicate": "[[playbook.step]]\nid = \"a\"\n[[playbook.step]]\nid = \"a\"\n",
		"empty":     "[[playbook.step]]\nchecks = [\"x\"]\n",
		"numeric":   "[[playbook.step]]\nid = \"2\"\n",
		"reserved":  "[[playbook.step]]\nid = \"finish\"\n",
		"upper":     "[[playbook.step]]\nid = \"Listen\"\n",
		"positions": "positions = [\"a\", \"a\"]\n[[playbook.step]]\nid = \"a\"\n",
	} {
		if _, err := content.LoadFS(guideFS(steps)); err == nil {
			t.Errorf("%s step id loaded", name)
		}
	}
}

// Resolve reads step ids, "finish", and positions against the frozen order.
func TestResolve(t *testing.T) {
	lib, err := content.LoadFS(guideFS("positions = [\"a\", \"gone\", \"c\"]\n[[playbook.step]]\nid = \"a\"\n[[playbook.step]]\nid = \"new\"\n[[playbook.step]]\nid = \"c\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := lib.Playbook("pb")
	type res struct {
		n          int
		finish, ok bool
	}
	for ref, want := range map[string]res{
		"a": {0, false, true}, "new": {1, false, true}, "c": {2, false, true},
		"0": {0, false, true}, "2": {2, false, true}, // old positions, by the frozen order
		"1":      {0, false, false}, // a step removed since
		"3":      {3, true, true},   // past the old last step: finished
		"finish": {3, true, true},
		"-1":     {0, false, false}, "x": {0, false, false}, "": {0, false, false},
	} {
		n, finish, ok := p.Resolve(ref)
		if (res{n, finish, ok}) != want {
			t.Errorf("Resolve(%q) = %d %v %v, want %+v", ref, n, finish, ok, want)
		}
	}
}
