package redistest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kk/graensen/dialogs/redisstore"
)

// Server is a redis-server process of a test's own, with the append-only
// file on (Redis 7 multi-part AOF in Dir/appendonlydir), on a free port.
// A missing redis-server fails the test: CI installs it, and the AOF
// checks must never be skipped.
type Server struct {
	Addr, Dir string
	tb        testing.TB
	cmd       *exec.Cmd
	done      chan error
}

// StartServer starts redis-server in a new temporary directory.
func StartServer(tb testing.TB) *Server {
	tb.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		tb.Fatalf("redistest: redis-server is needed for the AOF tests (install redis-server 7 or later): %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	s := &Server{Addr: addr, Dir: tb.TempDir(), tb: tb}
	s.start()
	tb.Cleanup(s.kill)
	return s
}

func (s *Server) start() {
	s.tb.Helper()
	_, port, _ := net.SplitHostPort(s.Addr)
	s.cmd = exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", s.Dir,
		"--appendonly", "yes", "--appendfsync", "always", "--save", "", "--aof-use-rdb-preamble", "yes")
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, io.Discard
	if err := s.cmd.Start(); err != nil {
		s.tb.Fatalf("redistest: start redis-server: %v", err)
	}
	s.done = make(chan error, 1)
	go func(c *exec.Cmd, done chan error) { done <- c.Wait() }(s.cmd, s.done)
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer c.Close()
	for i := 0; ; i++ {
		if c.Ping(context.Background()).Err() == nil {
			return
		}
		if i == 200 {
			s.tb.Fatal("redistest: redis-server did not come up")
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Client is a new client of the server (closed when the test ends).
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	s.tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Restart shuts the server down (the AOF is flushed) and starts it again
// on the same port and directory: it loads what it persisted.
func (s *Server) Restart() {
	s.tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	_ = c.Shutdown(context.Background()).Err() // the connection drops: an error is normal
	_ = c.Close()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.tb.Fatal("redistest: redis-server did not shut down")
	}
	s.start()
}

func (s *Server) kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// WaitRewrite waits until no AOF rewrite is running or scheduled, and
// returns how many AOF files of type base the manifest has gone through
// (the base's sequence number: 1 before any rewrite).
func (s *Server) WaitRewrite() int {
	s.tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer c.Close()
	for i := 0; ; i++ {
		info, err := c.Info(context.Background(), "persistence").Result()
		if err == nil && strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0") {
			break
		}
		if i == 400 {
			s.tb.Fatal("redistest: the AOF rewrite did not finish")
		}
		time.Sleep(25 * time.Millisecond)
	}
	for _, f := range s.manifest() {
		if f.typ == "b" {
			return f.seq
		}
	}
	return 0
}

type aofFile struct {
	name, typ string
	seq       int
}

func (s *Server) manifest() []aofFile {
	s.tb.Helper()
	dir := filepath.Join(s.Dir, "appendonlydir")
	paths, _ := filepath.Glob(filepath.Join(dir, "*.manifest"))
	if len(paths) != 1 {
		s.tb.Fatalf("redistest: %d AOF manifests in %s (Redis 7 or later is needed)", len(paths), dir)
	}
	b, err := os.ReadFile(paths[0])
	if err != nil {
		s.tb.Fatal(err)
	}
	var out []aofFile
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		var af aofFile
		for i := 0; i+1 < len(f); i += 2 {
			switch f[i] {
			case "file":
				af.name = f[i+1]
			case "type":
				af.typ = f[i+1]
			case "seq":
				af.seq, _ = strconv.Atoi(f[i+1])
			}
		}
		if af.name != "" {
			out = append(out, af)
		}
	}
	return out
}

// Block is what the AOF keeps together: the commands of one MULTI/EXEC
// (a transaction, or a script, which Redis 7 logs as the MULTI/EXEC of
// its effects), or a single command. Each command is its arguments.
type Block [][]string

// History parses the write history the AOF keeps: its incremental files
// (the base is a snapshot of the data, written at the last rewrite).
func (s *Server) History() []Block {
	s.tb.Helper()
	var blocks []Block
	for _, f := range s.manifest() {
		if f.typ != "i" && f.typ != "h" {
			continue
		}
		b, err := ParseAOF(filepath.Join(s.Dir, "appendonlydir", f.name))
		if err != nil {
			s.tb.Fatalf("redistest: %s: %v", f.name, err)
		}
		blocks = append(blocks, b...)
	}
	return blocks
}

// ParseAOF reads an AOF of RESP commands into blocks. Annotations (lines
// starting with #, e.g. timestamps) are skipped.
func ParseAOF(path string) ([]Block, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	r := bufio.NewReader(fh)
	var blocks []Block
	var open Block
	inMulti := false
	for {
		cmd, err := readCommand(r)
		if errors.Is(err, io.EOF) {
			if inMulti {
				return nil, errors.New("MULTI without EXEC at the end")
			}
			return blocks, nil
		}
		if err != nil {
			return nil, err
		}
		if cmd == nil {
			continue
		}
		switch strings.ToUpper(cmd[0]) {
		case "MULTI":
			inMulti, open = true, nil
		case "EXEC":
			if !inMulti {
				return nil, errors.New("EXEC without MULTI")
			}
			inMulti = false
			blocks = append(blocks, open)
		default:
			if inMulti {
				open = append(open, cmd)
			} else {
				blocks = append(blocks, Block{cmd})
			}
		}
	}
}

// readCommand reads one RESP array of bulk strings (nil for an annotation).
func readCommand(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		if err == io.EOF && line == "" {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("truncated AOF: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if strings.HasPrefix(line, "#") {
		return nil, nil
	}
	if !strings.HasPrefix(line, "*") {
		return nil, fmt.Errorf("not a RESP array: %q", line)
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil || n < 0 {
		return nil, fmt.Errorf("bad array length %q", line)
	}
	out := make([]string, 0, n)
	for range n {
		hdr, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("truncated AOF: %w", err)
		}
		hdr = strings.TrimRight(hdr, "\r\n")
		if !strings.HasPrefix(hdr, "$") {
			return nil, fmt.Errorf("not a bulk string: %q", hdr)
		}
		size, err := strconv.Atoi(hdr[1:])
		if err != nil || size < 0 {
			return nil, fmt.Errorf("bad bulk length %q", hdr)
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("truncated AOF: %w", err)
		}
		out = append(out, string(buf[:size]))
	}
	return out, nil
}

// WrittenKeys are the keys a logged command writes, each with the
// arguments that follow it (for members that classify a key, such as a
// scheduled item's id). SELECT and the like write none.
func WrittenKeys(cmd []string) [][]string {
	if len(cmd) < 2 {
		return nil
	}
	switch strings.ToUpper(cmd[0]) {
	case "SELECT", "PING", "FLUSHALL", "FLUSHDB", "SCRIPT", "FUNCTION":
		return nil
	case "DEL", "UNLINK":
		var out [][]string
		for _, k := range cmd[1:] {
			out = append(out, []string{k})
		}
		return out
	}
	return [][]string{cmd[1:]}
}

// Violations checks a write history against the store's rules and
// describes each breach (without the keys' hashes): a block that writes
// both a person's key and a case's key, and an expiry of a person's key
// (PEXPIREAT, or SET ... PXAT) that is not on a whole hour.
func Violations(blocks []Block, s *redisstore.Store) []string {
	var out []string
	for bi, b := range blocks {
		var person, kase string
		for _, cmd := range b {
			for _, kv := range WrittenKeys(cmd) {
				args := make([]any, 0, len(kv)-1)
				for _, a := range kv[1:] {
					args = append(args, a)
				}
				switch s.Classify(kv[0], args...) {
				case redisstore.Person:
					person = cmd[0] + " " + kind(kv[0])
					if at, ok := expiryAt(cmd); ok && at%time.Hour.Milliseconds() != 0 {
						out = append(out, fmt.Sprintf("block %d: %s on a person's key expires at %d ms, not on a whole hour", bi, cmd[0], at))
					}
				case redisstore.Case:
					kase = cmd[0] + " " + kind(kv[0])
				}
			}
		}
		if person != "" && kase != "" {
			out = append(out, fmt.Sprintf("block %d (%d commands) links a person (%s) to a case (%s)", bi, len(b), person, kase))
		}
	}
	return out
}

// kind is a key without its hash: "g:conv:…".
func kind(key string) string {
	parts := strings.SplitN(key, ":", 3)
	if len(parts) < 2 {
		return key
	}
	return parts[0] + ":" + parts[1] + ":…"
}

// expiryAt is the absolute expiry (unix ms) a logged command sets.
func expiryAt(cmd []string) (int64, bool) {
	up := strings.ToUpper(cmd[0])
	if (up == "PEXPIREAT" || up == "PEXPIRE" || up == "EXPIRE" || up == "EXPIREAT") && len(cmd) >= 3 {
		ms, err := strconv.ParseInt(cmd[2], 10, 64)
		if up != "PEXPIREAT" {
			return 1, true // relative (or in seconds): never what the store writes; flagged
		}
		return ms, err == nil
	}
	if up == "SET" {
		for i := 3; i+1 < len(cmd); i++ {
			if strings.EqualFold(cmd[i], "PXAT") {
				ms, err := strconv.ParseInt(cmd[i+1], 10, 64)
				return ms, err == nil
			}
		}
	}
	return 0, false
}
