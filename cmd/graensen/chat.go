package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/content"
	"github.com/kk/graensen/internal/randid"
	"github.com/kk/graensen/locales"
)

// chat runs the dialog engine in the terminal: cards become text with
// numbered buttons, so content can be tried without Teams. State lives in
// memory for the session.
func chat(ctx context.Context, args []string, in io.Reader, out io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(out)
	locale := fs.String("locale", "da-DK", "the client locale (da-DK or en-US)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	t := newTerminal(*locale, in, out)
	fmt.Fprintln(out, t.say("chat.intro"))
	t.turn(dialogs.Input{Kind: dialogs.KindInstall})
	for ctx.Err() == nil {
		fmt.Fprint(out, "\n> ")
		line, ok := t.read()
		if !ok {
			fmt.Fprintln(out)
			return nil
		}
		if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(t.buttons) {
			t.press(t.buttons[n-1])
			continue
		}
		t.turn(dialogs.Input{Kind: dialogs.KindMessage, Text: line})
	}
	return nil
}

// newTerminal is a chat session with the client locale.
func newTerminal(locale string, in io.Reader, out io.Writer) *terminal {
	r := cards.New(locales.MustBundle())
	t := &terminal{eng: newEngine(r, Config{}, content.MustLoad()), r: r, out: out, in: bufio.NewScanner(in), locale: locale,
		cases: map[string]dialogs.CaseView{}}
	t.in.Buffer(make([]byte, 64<<10), 64<<10)
	return t
}

type button struct {
	action dialogs.Action
	card   dialogs.Card // the card it belongs to, for its inputs
	// window: the card is shown in a dialog window (Teams' task module),
	// so its buttons are dialog submits.
	window bool
}

type terminal struct {
	eng     *dialogs.Engine
	r       *cards.Renderer
	out     io.Writer
	in      *bufio.Scanner
	locale  string
	state   dialogs.State
	profile dialogs.Profile
	buttons []button
	seq     int
	window  bool // the card being shown is in a dialog window
	// cases are the reports filed in this session, by receipt code: the
	// chat stores nothing, but a receipt check must answer.
	cases map[string]dialogs.CaseView
}

// lang is the language the chat speaks now: the user's choice, else the
// client locale.
func (t *terminal) lang() dialogs.Lang {
	return dialogs.ResolveLang(t.profile.Lang, t.locale)
}

// say is one of the chat's own texts in the chat's language.
func (t *terminal) say(id string) string { return t.r.Text(t.lang(), dialogs.M(id)) }

func (t *terminal) read() (string, bool) {
	if !t.in.Scan() {
		return "", false
	}
	return strings.TrimSpace(t.in.Text()), true
}

func (t *terminal) turn(in dialogs.Input) {
	t.seq++
	in.Locale, in.Now, in.ActivityID = t.locale, time.Now(), "chat-"+strconv.Itoa(t.seq)
	in.Rand = randid.Bytes
	res := t.eng.Step(t.state, t.profile, in)
	t.state, t.profile = res.State, res.Profile
	t.buttons = nil
	for _, o := range res.Outputs {
		switch o := o.(type) {
		case dialogs.Reply:
			t.show(res.Lang, o.Card)
		case dialogs.Update:
			t.show(res.Lang, o.Card)
		case dialogs.ShowDialog:
			t.window = true
			fmt.Fprintf(t.out, "\n[window: %s]", t.r.Text(res.Lang, o.Title))
			t.show(res.Lang, o.Card)
			t.window = false
		case dialogs.CloseDialog:
			if o.Msg.ID != "" {
				fmt.Fprintf(t.out, "\n[window] %s\n", t.r.Text(res.Lang, o.Msg))
			}
			fmt.Fprintln(t.out, "[window closed]")
		case dialogs.FileReport: // nothing is stored in chat mode: show the receipt the bot would give
			t.cases[o.Receipt] = dialogs.CaseView{ID: o.CaseID, Filed: o.Date, Status: dialogs.StatusNew, Answers: o.Answers, Notify: o.Notify}
			t.window = true
			t.show(res.Lang, dialogs.ReceiptCard(o.CaseID, o.Receipt, o.Notify))
			t.window = false
		case dialogs.CheckReceipt:
			if v, ok := t.cases[o.Code]; ok {
				t.window = true
				t.show(res.Lang, dialogs.ReceiptStatusCard(v, ""))
				t.window = false
			} else {
				fmt.Fprintln(t.out, t.say("chat.unknownReceipt"))
			}
		case dialogs.ReporterMessage:
			fmt.Fprintln(t.out, t.say("chat.notSent"))
		}
	}
}

// press submits a button, first asking for the values of the card's inputs.
func (t *terminal) press(b button) {
	vals := map[string]string{}
	lang := t.lang()
	for _, blk := range b.card.Blocks {
		switch blk.Kind {
		case dialogs.BlockChoice:
			fmt.Fprintf(t.out, "%s\n", t.r.Text(lang, blk.Msg))
			for i, c := range blk.Choices {
				fmt.Fprintf(t.out, "   (%d) %s\n", i+1, t.r.Text(lang, c.Label))
			}
			fmt.Fprint(t.out, t.say("chat.choose"))
			line, _ := t.read()
			var picked []string
			for _, f := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' }) {
				if n, err := strconv.Atoi(f); err == nil && n >= 1 && n <= len(blk.Choices) {
					picked = append(picked, blk.Choices[n-1].Value)
				}
			}
			if len(picked) > 0 {
				vals[blk.ID] = strings.Join(picked, ",")
			}
		case dialogs.BlockInput, dialogs.BlockDate, dialogs.BlockTime:
			fmt.Fprintf(t.out, "%s: ", t.r.Text(lang, blk.Msg))
			if line, _ := t.read(); line != "" {
				vals[blk.ID] = line
			}
		case dialogs.BlockToggle:
			mark := "n"
			if blk.Checked {
				mark = "y"
			}
			fmt.Fprintf(t.out, "[%s] %s %s: ", mark, t.r.Text(lang, blk.Msg), t.say("chat.toggle"))
			line, _ := t.read()
			switch strings.ToLower(line) {
			case "y", "j", "yes", "ja":
				vals[blk.ID] = "true"
			case "n", "no", "nej":
				vals[blk.ID] = "false"
			default:
				vals[blk.ID] = strconv.FormatBool(blk.Checked)
			}
		}
	}
	for k, v := range b.action.Data {
		vals[k] = v
	}
	in := dialogs.Input{Kind: dialogs.KindMessage, Values: vals}
	if b.action.Dialog || b.window { // opens, or is pressed in, a dialog window
		in.Kind, in.Dialog = dialogs.KindInvoke, true
	}
	t.turn(in)
}

// show prints a card as text and numbers its buttons.
func (t *terminal) show(lang dialogs.Lang, c dialogs.Card) {
	fmt.Fprintln(t.out)
	addButtons := func(as []dialogs.Action) {
		for _, a := range as {
			if a.URL != "" {
				fmt.Fprintf(t.out, "  [%s] %s: %s\n", t.say("chat.link"), t.r.Text(lang, a.Label), a.URL)
				continue
			}
			t.buttons = append(t.buttons, button{action: a, card: c, window: t.window})
			fmt.Fprintf(t.out, "  [%d] %s\n", len(t.buttons), t.r.Text(lang, a.Label))
		}
	}
	for _, b := range c.Blocks {
		switch b.Kind {
		case dialogs.BlockHeading:
			fmt.Fprintf(t.out, "== %s ==\n", t.r.Text(lang, b.Msg))
		case dialogs.BlockText:
			fmt.Fprintln(t.out, t.r.Text(lang, b.Msg))
		case dialogs.BlockSubtle:
			fmt.Fprintf(t.out, "(%s)\n", t.r.Text(lang, b.Msg))
		case dialogs.BlockRaw:
			fmt.Fprintf(t.out, "   %s\n", b.Text)
		case dialogs.BlockPlain:
			fmt.Fprintf(t.out, "   %s\n", cards.Inert(b.Text))
		case dialogs.BlockFacts:
			for _, f := range b.Facts {
				v := f.Raw
				if f.Value.ID != "" {
					v = t.r.Text(lang, f.Value)
				}
				fmt.Fprintf(t.out, "  %s %s\n", t.r.Text(lang, f.Label), v)
			}
		case dialogs.BlockChoice, dialogs.BlockInput, dialogs.BlockToggle, dialogs.BlockDate, dialogs.BlockTime:
			fmt.Fprintf(t.out, "  <%s> %s\n", t.r.Text(lang, b.Msg), t.say("chat.asked"))
		case dialogs.BlockActions:
			addButtons(b.Actions)
		}
	}
	addButtons(c.Actions)
}
