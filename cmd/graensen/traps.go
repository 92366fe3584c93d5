package main

// Configuration traps (issue 12, G): settings that look harmless but would
// run a real deployment with published secrets, without authentication on
// a public interface, or with metrics on the public port.

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/kk/graensen/internal/loopback"
)

// real reports whether this configuration touches real data or real
// Teams: an app id (Teams can reach it) or a Redis of its own (REDIS_URL),
// whatever GRAENSEN_ENV says. Only a laptop with neither may use the
// development keys and the static admin token.
func (c Config) real() bool { return c.AppID != "" || c.RedisURL != "" || c.Env == "production" }

// checkDevSecrets refuses the development keys and the static admin token
// outside a laptop, and the published development key values anywhere
// they were given explicitly for real use.
func (c Config) checkDevSecrets() error {
	if !c.real() {
		return nil
	}
	why := "with MicrosoftAppId or REDIS_URL set"
	if c.Env == "production" {
		why = "in production"
	}
	if c.HashKey == nil || c.DataKeys == "" {
		return fmt.Errorf("%s the development keys are refused: set GRAENSEN_HASH_KEY and GRAENSEN_DATA_KEYS to keys of your own (and GRAENSEN_ENV=production for a deployment)", why)
	}
	if bytes.Equal(c.HashKey, devHashKey()) {
		return fmt.Errorf("%s GRAENSEN_HASH_KEY must not be the published development key", why)
	}
	for _, part := range strings.Split(c.DataKeys, ",") {
		_, b64, _ := strings.Cut(strings.TrimSpace(part), ":")
		if k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64)); err == nil && bytes.Equal(k, devDataKey()) {
			return fmt.Errorf("%s GRAENSEN_DATA_KEYS must not hold the published development key", why)
		}
	}
	if c.AdminToken != "" {
		return fmt.Errorf("%s GRAENSEN_ADMIN_TOKEN is refused: it is for a laptop only; use Entra ID tokens (GRAENSEN_ADMIN_AUDIENCE)", why)
	}
	return nil
}

// checkListen checks GRAENSEN_LISTEN (a host or IP, no port: that is
// PORT) and GRAENSEN_METRICS_ADDR (host:port, not the public port).
func (c Config) checkListen() error {
	if c.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Listen); err == nil || strings.ContainsAny(c.Listen, "/ ") {
			return fmt.Errorf("GRAENSEN_LISTEN is a host or IP address to listen on (the port is PORT): %q", c.Listen)
		}
	}
	if c.MetricsAddr != "" {
		_, port, err := net.SplitHostPort(c.MetricsAddr)
		if err != nil || port == "" {
			return fmt.Errorf("GRAENSEN_METRICS_ADDR must be host:port, e.g. 127.0.0.1:9464: %q", c.MetricsAddr)
		}
		if port == c.Port {
			return errors.New("GRAENSEN_METRICS_ADDR must not use the public PORT: metrics stay off the public interface")
		}
	}
	return nil
}

// listenAddr is where the webhook listens: GRAENSEN_LISTEN, else
// 127.0.0.1 in local mode (authentication may be off there) and every
// interface in production (a container behind the platform's ingress).
func (c Config) listenAddr() string {
	host := c.Listen
	if host == "" && c.Local() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, c.Port)
}

// loopback reports whether the webhook listens on the loopback interface only.
func (c Config) loopback() bool {
	return loopback.Addr(c.listenAddr())
}
