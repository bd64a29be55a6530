package kv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// A Redis Cluster refuses a command whose keys lie in different hash slots
// (CROSSSLOT), and a tenant's session, policy and catalog keys are spread over
// all of them. The functions here take keys from anywhere: on a cluster they
// send one command per key in a pipeline, which go-redis splits by node (one
// round trip per node, in parallel); elsewhere one multi-key command.

// MGet returns the keys' values as MGET does: nil for a missing key, else the
// string.
func MGet(ctx context.Context, rdb redis.UniversalClient, keys ...string) ([]any, error) {
	if _, ok := rdb.(*redis.ClusterClient); !ok || len(keys) < 2 {
		return rdb.MGet(ctx, keys...).Result()
	}
	pipe := rdb.Pipeline()
	cmds := make([]*redis.StringCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.Get(ctx, k)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := make([]any, len(keys))
	for i, c := range cmds {
		switch v, err := c.Result(); {
		case errors.Is(err, redis.Nil):
		case err != nil:
			return nil, err
		default:
			out[i] = v
		}
	}
	return out, nil
}

// replicaWait is how long a write that must survive a failover waits for a
// replica's acknowledgement (a replica that is connected but lagging).
const replicaWait = 500 * time.Millisecond

// Revoke deletes keys whose survival would be a security fault (sessions), and
// with replicas (a cluster, or Sentinel) returns only once a replica of each
// master concerned has the deletion too: replication is asynchronous, so a
// master that fails right after acknowledging a plain DEL can hand over to a
// replica that still holds the keys. Returns Redis's error, if any; then the
// keys may or may not be deleted and the caller should answer with an error.
func Revoke(ctx context.Context, rdb redis.UniversalClient, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		// One DEL per key: one master holds many slots.
		return perMaster(ctx, cc, keys, func(pipe redis.Pipeliner, k string) { pipe.Del(ctx, k) })
	}
	c, ok := rdb.(*redis.Client)
	if !ok || !failover(c) {
		return rdb.Del(ctx, keys...).Err()
	}
	return replicated(ctx, c, func(pipe redis.Pipeliner) { pipe.Del(ctx, keys...) })
}

// Replicated returns once a replica of the master that holds key's hash slot
// has everything that master had acknowledged before the call: a write made by
// another client (asynq enqueueing a task in the slot of "{queue}") survives a
// failover from then on. It writes key (a marker that expires) so that WAIT
// has a write of its own to wait for; replication is in order. Without
// replicas it does nothing.
func Replicated(ctx context.Context, rdb redis.UniversalClient, key string) error {
	mark := func(pipe redis.Pipeliner, k string) { pipe.Set(ctx, k, "1", time.Minute) }
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		return perMaster(ctx, cc, []string{key}, mark)
	}
	c, ok := rdb.(*redis.Client)
	if !ok || !failover(c) {
		return nil
	}
	return replicated(ctx, c, func(pipe redis.Pipeliner) { mark(pipe, key) })
}

// failover reports whether c is go-redis's Sentinel-backed client.
func failover(c *redis.Client) bool { return c.Options().Addr == "FailoverClient" }

// replicated runs write on one connection to the master c, then, if the
// master has a connected replica, WAITs for one to acknowledge it (WAIT counts
// the writes of its own connection). A master without replicas (its replica
// just took over from a failed master) costs no wait: there is nothing that
// could fail over to keep the write anyway.
func replicated(ctx context.Context, c *redis.Client, write func(redis.Pipeliner)) error {
	conn := c.Conn()
	defer conn.Close()
	var role *redis.Cmd
	if _, err := conn.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		write(pipe)
		role = pipe.Do(ctx, "ROLE")
		return nil
	}); err != nil {
		return err
	}
	// ROLE of a master: ["master", offset, [[ip, port, offset], ...]].
	if r, _ := role.Slice(); len(r) < 3 {
		return fmt.Errorf("redis ROLE answered %v", r)
	} else if reps, _ := r[2].([]any); r[0] != "master" || len(reps) == 0 {
		return nil
	}
	return conn.Do(ctx, "WAIT", 1, replicaWait.Milliseconds()).Err()
}

// perMaster runs write(k) for every key on the master of its slot, through
// replicated, the masters in parallel. A stale view of the cluster (a failover
// under way) fails the call and reloads the view, so the caller's retry goes
// to the new master.
func perMaster(ctx context.Context, cc *redis.ClusterClient, keys []string, write func(redis.Pipeliner, string)) error {
	byMaster := map[string][]string{}
	clients := map[string]*redis.Client{}
	for _, k := range keys {
		m, err := cc.MasterForKey(ctx, k)
		if err != nil {
			return err
		}
		addr := m.Options().Addr
		byMaster[addr] = append(byMaster[addr], k)
		clients[addr] = m
	}
	errc := make(chan error, len(byMaster))
	for addr, ks := range byMaster {
		go func() {
			err := replicated(ctx, clients[addr], func(pipe redis.Pipeliner) {
				for _, k := range ks {
					write(pipe, k)
				}
			})
			if err != nil {
				err = fmt.Errorf("redis master %s: %w", addr, err)
			}
			errc <- err
		}()
	}
	var first error
	for range byMaster {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	if connError(first) { // node clients: the cluster client's hook does not see them
		cc.ReloadState(context.WithoutCancel(ctx))
	}
	return first
}
