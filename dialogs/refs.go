package dialogs

import (
	"errors"
	"fmt"
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

// CheckContent reports every reference between the Go code and the
// content library that has no target: a topic the code names that the
// library lacks, and a command (commands.toml) whose verb nothing handles.
// The program checks it at start; tests check it on the real library.
func (e *Engine) CheckContent() error {
	var errs []error
	for _, id := range topicRefs {
		if _, ok := e.lib.Topic(id); !ok {
			errs = append(errs, fmt.Errorf("the code names topic %q, which the content does not declare", id))
		}
	}
	globals := e.globals()
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
