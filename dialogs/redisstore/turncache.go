package redisstore

import (
	lru "github.com/hashicorp/golang-lru/v2"
)

// The turn cache (issue 14, point 6) spares a turn LoadTurn's round trip
// when this process has the conversation's and the user's latest versions
// from its own last turn with them. Redis stays the only truth: a commit
// made from cached data checks the versions of both the conversation and
// the profile in its script, so a write by another replica, an expiry, an
// uninstall or a dropped reference (DropRef raises the version) makes it a
// conflict; the entries are then dropped and the turn reruns on what Redis
// holds. Nothing is held only here: an entry is a copy of what a read
// returned or a commit wrote, sealed as it is in Redis, and losing it
// costs one round trip.
//
// With the cache on, every commit checks the profile's version, also when
// the turn did not change the profile, so the version after a commit is
// known and can be cached; a turn that read a profile another turn changed
// meanwhile now reruns instead of going on with the old one.

// convEntry is a cached conversation: its version and sealed state.
type convEntry struct {
	ver  int64
	data []byte
}

// userEntry is a cached user: the profile's version, the sealed profile
// and the sum of the stored conversation reference.
type userEntry struct {
	ver     int64
	profile []byte
	refSum  string
}

// turnCache holds recent conversations and users, least recently used
// out first.
type turnCache struct {
	convs *lru.Cache[string, convEntry]
	users *lru.Cache[string, userEntry]
}

// CacheTurns keeps up to size conversations and as many users in this
// process's memory (see above); 0 or less turns the cache off. Call it
// before the store is used.
func (s *Store) CacheTurns(size int) error {
	if size <= 0 {
		s.cache = nil
		return nil
	}
	convs, err := lru.New[string, convEntry](size)
	if err != nil {
		return err
	}
	users, err := lru.New[string, userEntry](size)
	if err != nil {
		return err
	}
	s.cache = &turnCache{convs: convs, users: users}
	return nil
}

// cached returns a turn's data from the cache, if both entries are there.
func (c *turnCache) cached(conv, user string) (TurnData, bool) {
	ce, ok := c.convs.Get(conv)
	if !ok {
		return TurnData{}, false
	}
	ue, ok := c.users.Get(user)
	if !ok {
		return TurnData{}, false
	}
	return TurnData{Conv: ce.data, ConvVer: ce.ver, Profile: ue.profile, UserVer: ue.ver, RefSum: ue.refSum, Cached: true}, true
}

// loaded keeps what a read from Redis returned, unless a newer version
// is cached already (a turn of this process committed meanwhile).
func (c *turnCache) loaded(conv, user string, d TurnData) {
	if old, ok := c.convs.Peek(conv); !ok || old.ver <= d.ConvVer {
		c.convs.Add(conv, convEntry{ver: d.ConvVer, data: d.Conv})
	}
	if old, ok := c.users.Peek(user); !ok || old.ver <= d.UserVer {
		c.users.Add(user, userEntry{ver: d.UserVer, profile: d.Profile, refSum: d.RefSum})
	}
}

// committed keeps what a commit wrote: the versions it checked, each
// raised by the writes the script made. A commit whose bookkeeping comes
// late never puts an older copy back over a newer one another turn wrote
// or read meanwhile (that made concurrent turns conflict until one gave
// up).
func (c *turnCache) committed(t TurnCommit) {
	if old, ok := c.convs.Peek(t.Conv); !ok || old.ver < t.ConvVer+1 {
		c.convs.Add(t.Conv, convEntry{ver: t.ConvVer + 1, data: t.ConvData})
	}
	prev, ok := c.users.Peek(t.User)
	if t.Forget || !ok || prev.ver != t.UserVer {
		// Forgotten, or the copy is not the one this commit built on: what
		// the user holds now is unknown here. Keep a newer copy (checked
		// at its own commit), drop an older one.
		if ok && (t.Forget || prev.ver < t.UserVer) {
			c.users.Remove(t.User)
		}
		return
	}
	ue := prev
	if t.Profile != nil {
		ue.ver++
		ue.profile = t.Profile
	}
	if t.Ref != nil {
		ue.ver++
		ue.refSum = t.RefSum
	}
	c.users.Add(t.User, ue)
}

// forget drops a conversation's and a user's entries (a conflict).
func (c *turnCache) forget(conv, user string) {
	c.convs.Remove(conv)
	c.users.Remove(user)
}

// forgetUser drops a user's entry.
func (c *turnCache) forgetUser(user string) { c.users.Remove(user) }
