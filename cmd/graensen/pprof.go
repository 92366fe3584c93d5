package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/kk/graensen/internal/loopback"
)

// servePprof serves Go's profiles (net/http/pprof, /debug/pprof/) on
// GRAENSEN_PPROF_ADDR, a loopback host:port of its own, for profiling a
// turn under load (cmd/turnbench -cpuprofile). Unset, there is no such
// listener; it is never on the public port nor off the machine.
func servePprof(addr string, log *slog.Logger) (func(), error) {
	if addr == "" {
		return func() {}, nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil || !loopback.Addr(addr) {
		return nil, fmt.Errorf("GRAENSEN_PPROF_ADDR must be a loopback host:port, e.g. 127.0.0.1:6060: %q", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pprof listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Warn("pprof profiles are served (GRAENSEN_PPROF_ADDR): for profiling only", "pprof_addr", ln.Addr().String())
	return func() { _ = srv.Close() }, nil
}
