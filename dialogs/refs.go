package dialogs

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Content ids the Go code names. Go refers to a topic only through this
// table (a test scans the source for literals), and CheckContent fails
// when one has no target in the content library: renaming a topic in
// qa.toml without changing it here fails the tests, instead of turning a
// button into "I didn't understand".
const (
	topicGetHelp           = "get-help"
	topicTalkToSomeone     = "talk-to-someone"
	topicUnit              = "unit"
	topicLoadTriangle      = "load-triangle"
	topicExperienceDoor    = "experience-door"
	topicIntentionEffect   = "intention-effect"
	topicNotEverything     = "not-everything"
	topicPsychologicalHelp = "psychological-help"
)

// topicRefs lists the topics named above.
var topicRefs = []string{
	topicGetHelp, topicTalkToSomeone, topicUnit, topicLoadTriangle,
	topicExperienceDoor, topicIntentionEffect, topicNotEverything, topicPsychologicalHelp,
}

// playbookGroups are the groups of the playbook list, in its order; a
// playbook of any other group would be in no list.
var playbookGroups = []string{"handling", "prevention"}

// CheckContent reports every reference between the Go code and the
// content library that has no target: a topic the code names that the
// library lacks, a command (commands.toml) whose verb nothing handles, a
// topic's flow the code does not know (its button would be missing) and a
// playbook's group the list does not show (the playbook would be in no
// list). The program checks it at start; tests check it on the real
// library and the fixture.
func (e *Engine) CheckContent() error {
	var errs []error
	for _, id := range topicRefs {
		if _, ok := e.lib.Topic(id); !ok {
			errs = append(errs, fmt.Errorf("the code names topic %q, which the content does not declare", id))
		}
	}
	for _, tp := range e.lib.Topics {
		if verb, known := flowVerbs[tp.Flow]; tp.Flow != "" && (!known || !e.reachable(verb)) {
			errs = append(errs, fmt.Errorf("topic %q offers flow %q, which the code does not know (one of %v)", tp.ID, tp.Flow, slices.Sorted(maps.Keys(flowVerbs))))
		}
	}
	for _, p := range e.lib.Playbooks {
		if !slices.Contains(playbookGroups, p.Group) {
			errs = append(errs, fmt.Errorf("playbook %q is in group %q, which no list shows (one of %v)", p.ID, p.Group, playbookGroups))
		}
	}
	globals := e.globals
	for _, c := range e.lib.Commands {
		if _, ok := globals[c.Verb]; !ok && !e.reachable(c.Verb) {
			errs = append(errs, fmt.Errorf("command %q (words %v) starts no registered verb", c.Verb, c.Words))
		}
	}
	return errors.Join(errs...)
}

// topicLabel is the message id of a topic's button: its title, or the
// shorter way-to-help label for the two topics that have one.
func topicLabel(id string) string {
	switch id {
	case topicTalkToSomeone:
		return "qa.way.talk"
	case topicUnit:
		return "qa.way.unit"
	}
	return "topic." + id + ".title"
}
