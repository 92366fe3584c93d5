//go:build !unix

package connector

import "net"

// peerClosed cannot peek without waiting here; idle connections are then
// only closed after maxIdle (transport.go).
func peerClosed(net.Conn) bool { return false }
