package graph_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kk/graensen/bot/graph"
	"github.com/kk/graensen/bot/graph/fakegraph"
)

func uid(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i) }

const (
	big    = "11111111-1111-4111-8111-111111111111"
	nested = "22222222-2222-4222-8222-222222222222"
	inner  = "33333333-3333-4333-8333-333333333333"
)

func start(t *testing.T, f *fakegraph.Server) *graph.Client {
	t.Helper()
	fakegraph.Start(f)
	t.Cleanup(f.Close)
	c, err := graph.New(graph.Config{BaseURL: f.URL(), ClientID: "app", ClientSecret: "secret", TokenURL: f.URL() + "/token"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A group of 10,000 users is read in pages of 999 through
// @odata.nextLink, with every third page request throttled (429 with
// Retry-After): every member exactly once, an app-only token on each call.
func TestGroupMembersPagesAndThrottling(t *testing.T) {
	members := make([]string, 10000)
	for i := range members {
		members[i] = uid(i)
	}
	f := &fakegraph.Server{Groups: map[string]fakegraph.Group{big: {Name: "Alle", Members: members}},
		ThrottleEvery: 3, RetryAfter: "0.05", Token: "tok-123"}
	c := start(t, f)
	seen := map[string]int{}
	pages := 0
	if err := c.GroupMembers(context.Background(), big, func(ids []string) error {
		pages++
		for _, id := range ids {
			seen[id]++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 10000 || pages != 11 {
		t.Fatalf("members %d in %d pages, want 10000 in 11", len(seen), pages)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("%s seen %d times", id, n)
		}
	}
	if f.Throttled() == 0 || f.Requests() != int64(pages)+f.Throttled() {
		t.Fatalf("requests %d, throttled %d, pages %d", f.Requests(), f.Throttled(), pages)
	}
}

// Nested groups' users are members too (transitiveMembers), each once.
func TestGroupMembersNested(t *testing.T) {
	f := &fakegraph.Server{Groups: map[string]fakegraph.Group{
		nested: {Name: "AMR", Members: []string{uid(1), "group:" + inner, uid(2)}},
		inner:  {Name: "AMR Nord", Members: []string{uid(2), uid(3)}},
	}}
	c := start(t, f)
	var got []string
	if err := c.GroupMembers(context.Background(), nested, func(ids []string) error { got = append(got, ids...); return nil }); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint([]string{uid(1), uid(2), uid(3)}) {
		t.Fatalf("got %v", got)
	}
	g, err := c.Group(context.Background(), inner)
	if err != nil || g.DisplayName != "AMR Nord" {
		t.Fatalf("group %+v %v", g, err)
	}
	found, err := c.SearchGroups(context.Background(), "nord", 10)
	if err != nil || len(found) != 1 || found[0].ID != inner {
		t.Fatalf("search %+v %v", found, err)
	}
}

// An unknown group is ErrNotFound; a throttle longer than MaxWait gives
// up with the 429 instead of holding the caller.
func TestGroupErrors(t *testing.T) {
	f := &fakegraph.Server{Groups: map[string]fakegraph.Group{}, ThrottleEvery: 1, RetryAfter: "120"}
	c := start(t, f)
	if err := c.GroupMembers(context.Background(), big, func([]string) error { return nil }); err == nil {
		t.Fatal("throttled without end: no error")
	} else if se := (*graph.StatusError)(nil); !errors.As(err, &se) || se.StatusCode != 429 || se.RetryAfter != 120*time.Second {
		t.Fatalf("err %v", err)
	}
	f.ThrottleEvery = 0
	if err := c.GroupMembers(context.Background(), big, func([]string) error { return nil }); !errors.Is(err, graph.ErrNotFound) {
		t.Fatalf("unknown group: %v", err)
	}
	if _, err := c.Group(context.Background(), "not-a-guid"); !errors.Is(err, graph.ErrNotFound) {
		t.Fatalf("bad id: %v", err)
	}
}

// Installer.Chat finds the 1:1 chat of a user who has the app: its
// installation by the app's id, then the installation's chat; a user
// without the app, or with no chat yet, is ErrNotFound.
func TestInstallerChat(t *testing.T) {
	const app = "f0f0f0f0-0000-4000-8000-00000000a99a"
	f := &fakegraph.Server{AppID: app, Token: "tok",
		Installed: map[string]bool{uid(1): true, uid(2): true},
		Chats:     map[string]string{uid(1): "19:chat-one@unq.gbl.spaces"}}
	in := graph.Installer{Client: start(t, f), AppID: app}
	ctx := context.Background()
	if chat, err := in.Chat(ctx, uid(1)); err != nil || chat != "19:chat-one@unq.gbl.spaces" {
		t.Fatalf("chat %q %v", chat, err)
	}
	for _, u := range []string{uid(2), uid(3), "not-a-guid"} {
		if chat, err := in.Chat(ctx, u); !errors.Is(err, graph.ErrNotFound) {
			t.Fatalf("%s: %q %v", u, chat, err)
		}
	}
	// Another app's id is not this app's installation.
	other := graph.Installer{Client: in.Client, AppID: "e0e0e0e0-0000-4000-8000-00000000a99a"}
	if _, err := other.Chat(ctx, uid(1)); err == nil {
		t.Fatal("another app's chat found")
	}
	if f.ChatLookups() != 1 {
		t.Fatalf("%d chats served", f.ChatLookups())
	}
}
