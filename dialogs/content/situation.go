package content

import (
	"fmt"
	"strings"
)

// Situation is something a user describes in their own words ("he pinched
// me at the Christmas party", "my manager makes sexual jokes"). The bot
// answers it with a sentence that acknowledges it, never a name or a
// verdict, what the source says that fits, a question back and the ways
// forward that fit.
//
// Messages: situation.<id>.ack (one sentence), situation.<id>.text (what
// the source says, and where it says nothing, who can help).
type Situation struct {
	ID string `toml:"id"`
	// Urgent marks physical assault, threats and coercion: immediate help
	// (112, the police, an occupational injury, crisis help, the unit)
	// comes first, before anything else.
	Urgent bool `toml:"urgent"`
	// Ways are the ways forward, in order: "reflect" (the guided
	// reflection), "report" (the anonymous report) or "topic:<id>".
	Ways    []string `toml:"ways"`
	Related []string `toml:"related"` // topic ids shown as "read more"
	Links   []string `toml:"links"`   // link ids
	// Playbook is offered (never started) to managers, AMR/TR and HR who
	// describe this situation. A non-manager whose question matches that
	// playbook gets this situation instead.
	Playbook string `toml:"playbook"`
	Words    Words  `toml:"words"`
	// Boost weighs the situation up in the matcher (1 when unset): a
	// situation that says who was involved should win over what happened.
	Boost float64 `toml:"boost"`
}

// Situation returns the situation with that id.
func (l *Library) Situation(id string) (Situation, bool) {
	for _, s := range l.Situations {
		if s.ID == id {
			return s, true
		}
	}
	return Situation{}, false
}

// SituationFor returns the situation that stands in for a playbook when a
// non-manager's question matches it.
func (l *Library) SituationFor(playbook string) (Situation, bool) {
	for _, s := range l.Situations {
		if s.Playbook == playbook && playbook != "" {
			return s, true
		}
	}
	return Situation{}, false
}

// checkSituations verifies ids are unique and every way, topic, link and
// playbook a situation names exists.
func (l *Library) checkSituations() error {
	seen := map[string]bool{}
	for _, s := range l.Situations {
		if s.ID == "" || seen[s.ID] {
			return fmt.Errorf("situation: empty or duplicate id %q", s.ID)
		}
		seen[s.ID] = true
		if len(s.Ways) == 0 {
			return fmt.Errorf("situation %s has no ways forward", s.ID)
		}
		for _, w := range s.Ways {
			if id, ok := strings.CutPrefix(w, "topic:"); ok {
				if _, ok := l.Topic(id); !ok {
					return fmt.Errorf("situation %s: unknown topic %q", s.ID, id)
				}
				continue
			}
			if w != "reflect" && w != "report" {
				return fmt.Errorf("situation %s: unknown way %q", s.ID, w)
			}
		}
		for _, r := range s.Related {
			if _, ok := l.Topic(r); !ok {
				return fmt.Errorf("situation %s: unknown related topic %q", s.ID, r)
			}
		}
		for _, id := range s.Links {
			if _, ok := l.Link(id); !ok {
				return fmt.Errorf("situation %s: unknown link %q", s.ID, id)
			}
		}
		if s.Playbook != "" {
			if _, ok := l.Playbook(s.Playbook); !ok {
				return fmt.Errorf("situation %s: unknown playbook %q", s.ID, s.Playbook)
			}
		}
	}
	return nil
}
