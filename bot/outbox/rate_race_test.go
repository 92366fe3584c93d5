//go:build race

package outbox_test

// stormRate is the queued senders' share in the storm test. Under the
// race detector the process runs several times slower and stalls, so late
// sends bunch up at the connector; the test then keeps a 20 % reply
// reserve instead of the shipped 10 %.
const stormRate = 40
