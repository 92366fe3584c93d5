package connector

import (
	"errors"
	"net"
	"sync/atomic"
	"time"
)

// A kept connection whose server has closed it while it lay idle is found
// out before a request is written to it, as net/http's client does with a
// read it keeps waiting on every idle connection, and as Apache
// HttpClient's validate-after-inactivity does: before the first write
// after idleCheck without use, the socket is peeked without waiting
// (peerClosed). A closed one fails that write with errStale before a byte
// of the request is sent, and only that error makes fasthttp try again on
// another connection (newSender's RetryIfErr): nothing was sent, so even a
// POST is safe to send again. A server that closes in the microseconds
// between the peek and the write still costs that call, as with net/http.
const idleCheck = 100 * time.Millisecond

// errStale is a kept connection found closed before anything was written.
var errStale = errors.New("connector: kept connection closed by the server")

// checkedConn is a connection that checks itself after being idle.
type checkedConn struct {
	net.Conn
	// used is the unix nanoseconds of the dial or the last read or write:
	// a write too, so that only a request's first write is ever checked,
	// never a later part of one already under way.
	used atomic.Int64
}

func newCheckedConn(c net.Conn) *checkedConn {
	cc := &checkedConn{Conn: c}
	cc.used.Store(time.Now().UnixNano())
	return cc
}

func (c *checkedConn) Write(p []byte) (int, error) {
	now := time.Now().UnixNano()
	if now-c.used.Load() > int64(idleCheck) && peerClosed(c.Conn) {
		return 0, errStale
	}
	n, err := c.Conn.Write(p)
	c.used.Store(time.Now().UnixNano())
	return n, err
}

func (c *checkedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.used.Store(time.Now().UnixNano())
	return n, err
}
