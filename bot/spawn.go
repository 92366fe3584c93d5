package bot

import "time"

// workerIdle is how long a delivery goroutine waits for more work before
// it ends.
const workerIdle = 5 * time.Second

// spawn runs fn on a goroutine: one that has finished a delivery and is
// waiting for the next if there is one, else a new one. Every turn's
// delivery used to start a goroutine whose stack then grew through JSON
// encoding and an HTTP call (runtime.newstack was up to 7 % of a turn's
// CPU); a waiting goroutine has grown its stack already. Nothing waits:
// when no goroutine is free a new one starts, as before.
func (b *Bot) spawn(fn func()) {
	select {
	case b.idle <- fn:
	default:
		go b.work(fn)
	}
}

func (b *Bot) work(fn func()) {
	t := time.NewTimer(workerIdle)
	defer t.Stop()
	for {
		fn()
		t.Reset(workerIdle)
		select {
		case fn = <-b.idle:
		case <-t.C:
			return
		}
	}
}
