package content

import (
	"fmt"
	"strings"
	"unicode"
)

// Command is a global command (commands.toml): words that, typed alone,
// start Verb with Arg in any dialog.
type Command struct {
	Verb  string `toml:"verb"`
	Arg   string `toml:"arg"`
	Words Words  `toml:"words"`
}

// NormCommand is how typed text is compared with command words: lower
// case, without surrounding spaces and punctuation, single spaces.
func NormCommand(text string) string {
	s := strings.ToLower(strings.TrimFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r)
	}))
	return strings.Join(strings.Fields(s), " ")
}

// CommandIndex maps every command word (normalised, both languages) to
// its command.
func (l *Library) CommandIndex() map[string]Command {
	out := map[string]Command{}
	for _, c := range l.Commands {
		for _, ws := range c.Words {
			for _, w := range ws {
				out[commandKey(w)] = c
			}
		}
	}
	return out
}

// commandKey normalises a command word as typed text is.
func commandKey(w string) string { return NormCommand(w) }

// checkCommands checks that every command has a verb and words in Danish
// and English, and that no word starts two different commands.
func (l *Library) checkCommands() error {
	owner := map[string]Command{}
	for _, c := range l.Commands {
		if c.Verb == "" {
			return fmt.Errorf("command with empty verb")
		}
		if len(c.Words["da"]) == 0 || len(c.Words["en"]) == 0 {
			return fmt.Errorf("command %s %s: needs words in da and en", c.Verb, c.Arg)
		}
		for _, ws := range c.Words {
			for _, w := range ws {
				k := commandKey(w)
				if k == "" {
					return fmt.Errorf("command %s: word %q is empty once spaces and punctuation are trimmed", c.Verb, w)
				}
				if o, ok := owner[k]; ok && (o.Verb != c.Verb || o.Arg != c.Arg) {
					return fmt.Errorf("command word %q starts both %s %s and %s %s", w, o.Verb, o.Arg, c.Verb, c.Arg)
				}
				owner[k] = c
			}
		}
	}
	return nil
}
