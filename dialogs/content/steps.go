package content

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// StepFinish is the step reference of "past the last step" (the step
// card's "Finish" button). It is reserved: no step may be called so.
const StepFinish = "finish"

// StepIndex is the position of the step with that id, or -1.
func (p Playbook) StepIndex(id string) int {
	for i, s := range p.Steps {
		if s.ID == id {
			return i
		}
	}
	return -1
}

// Resolve finds the step a stored or clicked reference names. A reference
// is a step id; a decimal number is a position stored before steps had ids
// (progress, reminders and buttons sent by earlier versions) and is read
// against Positions, the order the playbook had then, so a step AMK inserts
// later does not move such a user. finish is true for StepFinish and for a
// position past the old last step. ok is false for a reference that names
// no step (a removed step, a garbled button).
func (p Playbook) Resolve(ref string) (idx int, finish, ok bool) {
	if ref == StepFinish {
		return len(p.Steps), true, true
	}
	if n, err := strconv.Atoi(ref); err == nil {
		old := p.Positions
		if len(old) == 0 {
			old = make([]string, len(p.Steps))
			for i, s := range p.Steps {
				old[i] = s.ID
			}
		}
		switch {
		case n < 0:
			return 0, false, false
		case n >= len(old):
			return len(p.Steps), true, true
		}
		ref = old[n]
	}
	if i := p.StepIndex(ref); i >= 0 {
		return i, false, true
	}
	return 0, false, false
}

// LegacyRef is the reference of progress stored by position: the step id
// when there is one, else the old position.
func LegacyRef(id string, pos int) string {
	if id != "" {
		return id
	}
	return strconv.Itoa(pos)
}

// validStepID reports whether s can be a step id: lowercase letters,
// digits and '-', starting with a letter (so a step id never reads as an
// old position), and not the reserved StepFinish.
func validStepID(s string) bool {
	if s == "" || s == StepFinish || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == ""
}

// checkSteps checks a playbook's step ids and its frozen positions.
func checkSteps(p Playbook) error {
	for _, s := range p.Steps {
		if !validStepID(s.ID) {
			return fmt.Errorf("playbook %s: step id %q must be lowercase letters, digits and '-', start with a letter, and not be %q", p.ID, s.ID, StepFinish)
		}
	}
	seen := map[string]bool{}
	for _, id := range p.Positions {
		if id == "" || seen[id] {
			return fmt.Errorf("playbook %s: empty or duplicate id %q in positions", p.ID, id)
		}
		seen[id] = true
		// A step removed later may stay named here: its old position
		// then resolves to no step and the user starts the playbook.
	}
	return nil
}

// LoadFS parses the content files (*.toml) at the root of fsys and checks
// their cross references; tests load a small fixture library with it.
func LoadFS(fsys fs.FS) (*Library, error) {
	names, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, fmt.Errorf("list content: %w", err)
	}
	lib := &Library{}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		var part Library
		if _, err := toml.Decode(string(b), &part); err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		lib.merge(&part)
	}
	if err := lib.check(); err != nil {
		return nil, err
	}
	return lib, nil
}
