// Package loopback tells whether an address names this machine only: the
// connector's rule for sending a token over plain HTTP, and cmd/graensen's
// for a listener that may run without authentication or serve profiles.
package loopback

import (
	"net"
	"strings"
)

// Host reports whether host (without a port) is localhost or a loopback IP.
func Host(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Addr is Host for a host:port; an address without a port is taken as a
// host.
func Addr(addr string) bool {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		addr = h
	}
	return Host(addr)
}
