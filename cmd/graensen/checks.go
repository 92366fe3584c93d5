package main

import (
	"github.com/kk/graensen/bot"
	"github.com/kk/graensen/bot/admin"
	"github.com/kk/graensen/bot/outbox"
	"github.com/kk/graensen/bot/reminder"
	"github.com/kk/graensen/bot/report"
)

// The features declare what they need of the bot as interfaces of their
// own and never import package bot; these are the compile-time checks
// that the bot's parts satisfy them (and the bot's own interfaces).
var (
	_ report.Sender   = (*bot.Sender)(nil)
	_ reminder.Sender = (*bot.Sender)(nil)
	_ reminder.Sender = bot.NoticeSender{}
	_ bot.Outbox      = (*outbox.Service)(nil)
	_ admin.Checker   = (*admin.Authenticator)(nil) // the admin API's routes (campaign, feedback, statistics)
)
