package loopback

import "testing"

func TestAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"localhost": true, "LocalHost:3978": true, "127.0.0.1:6060": true, "127.8.9.1": true, "[::1]:443": true, "::1": true,
		"0.0.0.0:3978": false, ":3978": false, "10.0.0.1:80": false, "smba.trafficmanager.net:443": false, "localhost.evil.test": false, "": false,
	} {
		if got := Addr(addr); got != want {
			t.Errorf("Addr(%q) = %v, want %v", addr, got, want)
		}
	}
}
