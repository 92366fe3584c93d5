//go:build race

package outbox_test

// stormRate is the queued senders' share in the storm test. Under the
// race detector the process runs several times slower and stalls, so late
// sends bunch up at the connector; the test then keeps a 30 % reply
// reserve instead of the shipped 10 %. (.ci/run also runs the storm test
// without the race detector, at the shipped share.)
const stormRate = 35
