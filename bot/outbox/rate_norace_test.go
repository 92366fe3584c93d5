//go:build !race

package outbox_test

// stormRate is the queued senders' share in the storm test: the shipped
// default, 90 % of the connector's 50/s.
const stormRate = 45
