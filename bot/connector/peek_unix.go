//go:build unix

package connector

import (
	"errors"
	"net"
	"syscall"
)

// peerClosed peeks at an idle connection's socket without waiting: the
// end of the stream (the server closed it), an error (reset), or bytes
// nobody asked for (a server's goodbye, such as a TLS close_notify or a
// 408) all mean the connection must not carry another request.
func peerClosed(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	closed := false
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, rerr := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case errors.Is(rerr, syscall.EAGAIN) || errors.Is(rerr, syscall.EWOULDBLOCK):
			closed = false // nothing to read: alive
		case rerr != nil, n >= 0:
			closed = true
		}
		return true
	})
	return closed || err != nil
}
