package content

import "fmt"

// Topic is one answer of the Q&A ("Where is the line?").
//
// Messages: topic.<id>.title, topic.<id>.short, and topic.<id>.more when
// More is true.
type Topic struct {
	ID      string   `toml:"id"`
	Items   []int    `toml:"items"`   // content-map item numbers it covers
	More    bool     `toml:"more"`    // has a "read more" text
	Related []string `toml:"related"` // topic ids
	Links   []string `toml:"links"`   // link ids
	// Flow, when set, names an interactive flow the answer offers:
	// "reflect", "excuses", "quiz" or "report".
	Flow  string `toml:"flow"`
	Words Words  `toml:"words"`
}

// Excuse is one of the eight typical excuses of content-map item 8.
// Messages: excuse.<id>.quote and excuse.<id>.answer.
type Excuse struct {
	ID    string `toml:"id"`
	Words Words  `toml:"words"`
}

// QuizCase is one dilemma of the team quiz. Answer is "sexism",
// "harassment" or "neither". Messages: quiz.<id>.case, quiz.<id>.explain.
type QuizCase struct {
	ID     string `toml:"id"`
	Answer string `toml:"answer"`
}

// Reflect lists the choices of the "is this over the line?" reflection.
// Messages: reflect.kind.<id>, reflect.severity.<id>, reflect.duration.<id>,
// reflect.frequency.<id>, reflect.effect.<id>.
type Reflect struct {
	Kinds     []string `toml:"kinds"`
	Severity  []string `toml:"severity"`
	Duration  []string `toml:"duration"`
	Frequency []string `toml:"frequency"`
	Effects   []string `toml:"effects"`
}

// Playbook is a step-by-step guide for managers, AMR and TR.
//
// Messages: playbook.<id>.title, playbook.<id>.intro,
// playbook.<id>.<step>.title, playbook.<id>.<step>.text and
// playbook.<id>.<step>.check.<check> for each checklist item.
type Playbook struct {
	ID    string `toml:"id"`
	Items []int  `toml:"items"` // content-map item numbers it covers
	Group string `toml:"group"` // "handling" (section B) or "prevention" (section C)
	Steps []Step `toml:"step"`
	Words Words  `toml:"words"`
	// Positions is the order of the step ids when progress, reminders and
	// buttons were stored by position (before steps were named by id).
	// Such old positions are read against it (see Resolve). It is frozen:
	// never reorder or extend it; a playbook added later needs none.
	Positions []string `toml:"positions"`
}

// Step is one step of a playbook. Checks are checklist items to tick.
// Remind marks a step where the source says to agree a follow-up or set a
// deadline: the bot offers a reminder there.
type Step struct {
	ID     string   `toml:"id"`
	Checks []string `toml:"checks"`
	Remind bool     `toml:"remind"`
	Links  []string `toml:"links"`
}

// Topic returns the topic with that id.
func (l *Library) Topic(id string) (Topic, bool) {
	for _, t := range l.Topics {
		if t.ID == id {
			return t, true
		}
	}
	return Topic{}, false
}

// Playbook returns the playbook with that id.
func (l *Library) Playbook(id string) (Playbook, bool) {
	for _, p := range l.Playbooks {
		if p.ID == id {
			return p, true
		}
	}
	return Playbook{}, false
}

// Link returns the link with that id.
func (l *Library) Link(id string) (Link, bool) {
	for _, k := range l.Links {
		if k.ID == id {
			return k, true
		}
	}
	return Link{}, false
}

// Excuse returns the excuse with that id.
func (l *Library) Excuse(id string) (Excuse, bool) {
	for _, e := range l.Excuses {
		if e.ID == id {
			return e, true
		}
	}
	return Excuse{}, false
}

// check verifies ids are unique and references resolve.
func (l *Library) check() error {
	seen := map[string]bool{}
	uniq := func(kind, id string) error {
		if id == "" {
			return fmt.Errorf("%s with empty id", kind)
		}
		if seen[kind+":"+id] {
			return fmt.Errorf("duplicate %s id %q", kind, id)
		}
		seen[kind+":"+id] = true
		return nil
	}
	for _, k := range l.Links {
		if err := uniq("link", k.ID); err != nil {
			return err
		}
	}
	for _, t := range l.Topics {
		if err := uniq("topic", t.ID); err != nil {
			return err
		}
		for _, id := range t.Links {
			if _, ok := l.Link(id); !ok {
				return fmt.Errorf("topic %s: unknown link %q", t.ID, id)
			}
		}
	}
	for _, t := range l.Topics {
		for _, r := range t.Related {
			if _, ok := l.Topic(r); !ok {
				if _, ok := l.Playbook(r); !ok {
					return fmt.Errorf("topic %s: unknown related %q", t.ID, r)
				}
			}
		}
	}
	for _, e := range l.Excuses {
		if err := uniq("excuse", e.ID); err != nil {
			return err
		}
	}
	for _, q := range l.Quiz {
		if err := uniq("quiz", q.ID); err != nil {
			return err
		}
		switch q.Answer {
		case "sexism", "harassment", "neither":
		default:
			return fmt.Errorf("quiz %s: answer %q not sexism|harassment|neither", q.ID, q.Answer)
		}
	}
	for _, p := range l.Playbooks {
		if err := uniq("playbook", p.ID); err != nil {
			return err
		}
		if len(p.Steps) == 0 {
			return fmt.Errorf("playbook %s has no steps", p.ID)
		}
		if err := checkSteps(p); err != nil {
			return err
		}
		steps := map[string]bool{}
		for _, s := range p.Steps {
			if s.ID == "" || steps[s.ID] {
				return fmt.Errorf("playbook %s: empty or duplicate step id %q", p.ID, s.ID)
			}
			steps[s.ID] = true
			for _, id := range s.Links {
				if _, ok := l.Link(id); !ok {
					return fmt.Errorf("playbook %s step %s: unknown link %q", p.ID, s.ID, id)
				}
			}
		}
	}
	if err := l.checkCommands(); err != nil {
		return err
	}
	return l.checkSituations()
}
