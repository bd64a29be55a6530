package kv

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/redis/go-redis/v9"

	"github.com/shoplet/shoplet/pkg/ids"
)

// Near keeps instance-local copies of small, hot Redis string keys that every
// console request reads (the access-token session, the store's policy and
// catalog versions), so that a request needs no Redis round trip, while a
// change still takes effect at the next request on every instance.
//
// Coherence: whoever changes one of these keys in Redis then calls
// Invalidate, which drops the local copy, publishes the key names to every
// instance and waits until each subscribed instance has confirmed that it
// dropped its copy. So when a revoke (or logout, or a catalog change) returns,
// no instance still serves the old value. An instance whose subscription is
// down serves nothing from its copies (and drops them all when it is back),
// and a copy is never older than MaxAge, which bounds what the rare failure
// that hides from both (a silently dead subscription, an instance too slow to
// confirm in time) can cost.
//
// A copy is stored only if no invalidation happened while it was being read
// from Redis, so a read racing a change cannot put the old value back.
type Near struct {
	rdb     redis.UniversalClient
	channel string
	ackKey  string
	maxAge  time.Duration
	wait    time.Duration
	log     *slog.Logger

	cache *lru.Cache[string, nearEntry]
	mu    sync.Mutex // orders gen changes against stores
	gen   uint64
	live  atomic.Bool
	self  string
}

type nearEntry struct {
	v  any // nil (no such key) or string, as MGET returns
	at time.Time
}

// NearOptions tunes a Near; zero values take the defaults.
type NearOptions struct {
	Size   int           // copies kept (default 100,000)
	MaxAge time.Duration // oldest copy served (default 1 s)
	Wait   time.Duration // how long Invalidate waits for confirmations (default 2 s)
	Log    *slog.Logger
}

// NewNear builds a Near on rdb; prefix namespaces its channel. Run must be
// running for copies to be served.
func NewNear(rdb redis.UniversalClient, prefix string, o NearOptions) *Near {
	if o.Size <= 0 {
		o.Size = 100_000
	}
	if o.MaxAge <= 0 {
		o.MaxAge = time.Second
	}
	if o.Wait <= 0 {
		o.Wait = 2 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	c, _ := lru.New[string, nearEntry](o.Size)
	return &Near{rdb: rdb, channel: prefix + "near:inval", ackKey: prefix + "near:ack:", maxAge: o.MaxAge,
		wait: o.Wait, log: o.Log, cache: c, self: ids.Token(6)}
}

// Live reports whether copies are being served (the subscription is up).
func (n *Near) Live() bool { return n.live.Load() }

// MGet returns the keys' values as redis MGET does (nil or string), from the
// local copies when all are present and fresh, else from Redis.
func (n *Near) MGet(ctx context.Context, keys ...string) ([]any, error) {
	if n.live.Load() {
		out := make([]any, len(keys))
		now := time.Now()
		hit := true
		for i, k := range keys {
			e, ok := n.cache.Get(k)
			if !ok || now.Sub(e.at) >= n.maxAge {
				hit = false
				break
			}
			out[i] = e.v
		}
		if hit {
			return out, nil
		}
	}
	vals, err := n.fetch(ctx, keys, nil)
	return vals, err
}

// MGetFresh is MGet of keys together with fresh keys, which are read from
// Redis every time and never copied: values whose writers do not call
// Invalidate. Both go in one read (one MGET; on a cluster one pipeline), so a request that needs a fresh value
// pays one round trip for everything.
func (n *Near) MGetFresh(ctx context.Context, keys, fresh []string) (vals, freshVals []any, err error) {
	if len(fresh) == 0 {
		vals, err = n.MGet(ctx, keys...)
		return vals, nil, err
	}
	all, err := n.fetch(ctx, append(keys[:len(keys):len(keys)], fresh...), fresh)
	if err != nil {
		return nil, nil, err
	}
	return all[:len(keys)], all[len(keys):], nil
}

// fetch reads keys from Redis and keeps copies of all but the trailing
// len(fresh) of them, unless an invalidation arrived meanwhile.
func (n *Near) fetch(ctx context.Context, keys, fresh []string) ([]any, error) {
	n.mu.Lock()
	gen := n.gen
	n.mu.Unlock()
	at := time.Now()
	vals, err := MGet(ctx, n.rdb, keys...)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	if gen == n.gen && n.live.Load() {
		for i, k := range keys[:len(keys)-len(fresh)] {
			n.cache.Add(k, nearEntry{v: vals[i], at: at})
		}
	}
	n.mu.Unlock()
	return vals, nil
}

// Get is MGet of one key.
func (n *Near) Get(ctx context.Context, key string) (any, error) {
	v, err := n.MGet(ctx, key)
	if err != nil {
		return nil, err
	}
	return v[0], nil
}

func (n *Near) drop(keys []string) {
	n.mu.Lock()
	n.gen++
	for _, k := range keys {
		n.cache.Remove(k)
	}
	n.mu.Unlock()
}

func (n *Near) flush() {
	n.mu.Lock()
	n.gen++
	n.cache.Purge()
	n.mu.Unlock()
}

// Invalidate must be called after keys changed in Redis. It returns when
// every subscribed instance has dropped its copies, or after the wait (then
// it logs, and copies elsewhere expire within MaxAge). Its error is only
// Redis's; the change itself is already made.
func (n *Near) Invalidate(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	n.drop(keys)
	id := ids.Token(12)
	receivers, err := n.publish(ctx, id+"\n"+strings.Join(keys, "\n"))
	if err != nil {
		return err
	}
	ack := n.ackKey + id
	defer n.rdb.Del(context.WithoutCancel(ctx), ack)
	deadline := time.Now().Add(n.wait)
	for got := int64(0); got < receivers; got++ {
		left := time.Until(deadline)
		if left <= 0 {
			n.log.WarnContext(ctx, "near cache: an instance did not confirm an invalidation in time; its copies expire by themselves",
				"confirmed", got, "receivers", receivers, "max_age", n.maxAge.String())
			return nil
		}
		// BLPOP's timeout has second granularity in old servers; a float is fine from Redis 6.
		if _, err := n.rdb.BLPop(ctx, left, ack).Result(); err != nil {
			if errors.Is(err, redis.Nil) {
				continue // timed out: the loop logs above
			}
			return err
		}
	}
	return nil
}

// publish sends msg and returns how many instances will confirm it. On a
// cluster, PUBLISH reaches subscribers on every node but counts only those on
// the node it was sent to; every instance subscribes on the master of the
// channel's slot (go-redis picks it so), so the message is sent there too.
func (n *Near) publish(ctx context.Context, msg string) (int64, error) {
	cc, ok := n.rdb.(*redis.ClusterClient)
	if !ok {
		return n.rdb.Publish(ctx, n.channel, msg).Result()
	}
	m, err := cc.MasterForKey(ctx, n.channel)
	if err != nil {
		return 0, err
	}
	r, err := m.Publish(ctx, n.channel, msg).Result()
	if connError(err) { // m is a node's client: the cluster client's hook does not see it
		cc.ReloadState(context.WithoutCancel(ctx))
	}
	return r, err
}

// Run keeps the subscription that carries invalidations until ctx ends.
// Copies are served only while it is up; each (re)subscription starts from an
// empty cache, since messages sent while it was down are lost.
func (n *Near) Run(ctx context.Context) {
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		ps := n.rdb.Subscribe(ctx, n.channel)
		// A blocked Receive does not watch ctx; closing the PubSub ends it.
		stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
		n.receive(ctx, ps)
		stop()
		n.live.Store(false)
		n.flush()
		if cc, ok := n.rdb.(*redis.ClusterClient); ok && ctx.Err() == nil {
			cc.ReloadState(ctx) // the channel's master may have failed over
		}
		_ = ps.Close()
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

func (n *Near) receive(ctx context.Context, ps *redis.PubSub) {
	for {
		msg, err := ps.Receive(ctx)
		if err != nil {
			if ctx.Err() == nil {
				n.log.Warn("near cache: subscription lost; reading Redis until it is back", "err", err)
			}
			return
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				n.flush()
				n.live.Store(true)
			}
		case *redis.Message:
			id, rest, _ := strings.Cut(m.Payload, "\n")
			n.drop(strings.Split(rest, "\n"))
			pipe := n.rdb.Pipeline()
			pipe.RPush(ctx, n.ackKey+id, n.self)
			pipe.Expire(ctx, n.ackKey+id, time.Minute)
			if _, err := pipe.Exec(ctx); err != nil && ctx.Err() == nil {
				n.log.Warn("near cache: confirming an invalidation failed", "err", err)
			}
		}
	}
}
