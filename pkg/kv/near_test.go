package kv

import (
	"context"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/shoplet/shoplet/pkg/ids"
)

// testRedis is the real Redis of SHOPLET_TEST_REDIS_URL, or an in-process
// one when none is configured (never in CI, which requires the real one).
func testRedis(t *testing.T) (rdb redis.UniversalClient, real bool) {
	t.Helper()
	u := os.Getenv("SHOPLET_TEST_REDIS_URL")
	if u == "" {
		if os.Getenv("SHOPLET_TEST_REQUIRE_SERVICES") == "1" {
			t.Fatal("SHOPLET_TEST_REDIS_URL is not set but SHOPLET_TEST_REQUIRE_SERVICES=1")
		}
		u = "redis://" + miniredis.RunT(t).Addr()
	} else {
		real = true
	}
	c, err := Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.Client, real
}

// onEveryNode runs f on rdb, or on each node of a cluster (masters only, or
// replicas too).
func onEveryNode(t *testing.T, rdb redis.UniversalClient, mastersOnly bool, f func(redis.UniversalClient)) {
	t.Helper()
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		f(rdb)
		return
	}
	each := cc.ForEachShard
	if mastersOnly {
		each = cc.ForEachMaster
	}
	var mu sync.Mutex
	var nodes []*redis.Client
	if err := each(context.Background(), func(_ context.Context, c *redis.Client) error {
		mu.Lock()
		defer mu.Unlock()
		nodes = append(nodes, c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range nodes { // here, so that f may call t.Fatal
		f(c)
	}
}

// instances starts n Nears (as n server instances would) on one Redis and
// prefix, and waits until all are subscribed.
func instances(t *testing.T, rdb redis.UniversalClient, prefix string, n int, maxAge time.Duration) []*Near {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	out := make([]*Near, n)
	for i := range out {
		out[i] = NewNear(rdb, prefix, NearOptions{MaxAge: maxAge})
		wg.Add(1)
		go func(x *Near) { defer wg.Done(); x.Run(ctx) }(out[i])
	}
	waitFor(t, func() bool {
		for _, x := range out {
			if !x.Live() {
				return false
			}
		}
		return true
	})
	return out
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func get(t *testing.T, n *Near, key string) any {
	t.Helper()
	v, err := n.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNearCopiesAndInvalidation(t *testing.T) {
	rdb, _ := testRedis(t)
	ctx := context.Background()
	prefix := "neartest:" + ids.Token(4) + ":"
	inst := instances(t, rdb, prefix, 3, time.Hour)
	a, b := inst[0], inst[1]
	key, missing := prefix+"k", prefix+"absent"
	rdb.Set(ctx, key, "1", 0)

	if v := get(t, b, key); v != "1" {
		t.Fatalf("first read = %v, want 1", v)
	}
	if v := get(t, b, missing); v != nil {
		t.Fatalf("missing key = %v, want nil", v)
	}
	// Changed in Redis without an invalidation: the copy is what is served
	// (this is the round trip saved), for present and absent keys alike.
	rdb.Set(ctx, key, "2", 0)
	rdb.Set(ctx, missing, "x", 0)
	if v := get(t, b, key); v != "1" {
		t.Fatalf("copy not served: got %v", v)
	}
	if v := get(t, b, missing); v != nil {
		t.Fatalf("copy of an absent key not served: got %v", v)
	}
	// Invalidate returns once every instance dropped its copy: the very next
	// read anywhere sees the change, with no waiting.
	if err := a.Invalidate(ctx, key, missing); err != nil {
		t.Fatal(err)
	}
	for i, x := range inst {
		if v := get(t, x, key); v != "2" {
			t.Fatalf("instance %d after invalidate: %v, want 2", i, v)
		}
		if v := get(t, x, missing); v != "x" {
			t.Fatalf("instance %d after invalidate: %v, want x", i, v)
		}
	}
	// The confirmations are cleaned up.
	onEveryNode(t, rdb, true, func(c redis.UniversalClient) {
		if n, _ := c.Keys(ctx, prefix+"near:ack:*").Result(); len(n) != 0 {
			t.Fatalf("ack lists left behind: %v", n)
		}
	})
}

func TestNearMaxAge(t *testing.T) {
	rdb, _ := testRedis(t)
	ctx := context.Background()
	prefix := "neartest:" + ids.Token(4) + ":"
	b := instances(t, rdb, prefix, 1, 50*time.Millisecond)[0]
	key := prefix + "k"
	rdb.Set(ctx, key, "1", 0)
	get(t, b, key)
	rdb.Set(ctx, key, "2", 0) // a change whose invalidation was lost
	time.Sleep(60 * time.Millisecond)
	if v := get(t, b, key); v != "2" {
		t.Fatalf("copy older than MaxAge served: %v", v)
	}
}

// Fresh keys come in the same MGET as the cached ones but are never copied:
// a change made without Invalidate is seen at the next read.
func TestNearMGetFresh(t *testing.T) {
	rdb, _ := testRedis(t)
	ctx := context.Background()
	prefix := "neartest:" + ids.Token(4) + ":"
	n := instances(t, rdb, prefix, 1, time.Hour)[0]
	cached, fresh := prefix+"c", prefix+"f"
	rdb.Set(ctx, cached, "c1", 0)
	vals, fv, err := n.MGetFresh(ctx, []string{cached}, []string{fresh})
	if err != nil || vals[0] != "c1" || fv[0] != nil || len(vals) != 1 || len(fv) != 1 {
		t.Fatalf("first read: %v %v %v", vals, fv, err)
	}
	rdb.Set(ctx, cached, "c2", 0) // without Invalidate: the copy stands
	rdb.Set(ctx, fresh, "f1", 0)  // fresh keys never have copies
	vals, fv, err = n.MGetFresh(ctx, []string{cached}, []string{fresh})
	if err != nil || fv[0] != "f1" {
		t.Fatalf("fresh key read from a copy: %v %v", fv, err)
	}
	rdb.Set(ctx, fresh, "f2", 0)
	if _, fv, _ = n.MGetFresh(ctx, []string{cached}, []string{fresh}); fv[0] != "f2" {
		t.Fatalf("fresh key copied: %v", fv[0])
	}
	if vals[0] != "c2" {
		// MGetFresh reads the cached keys from Redis too (one round trip is paid anyway) and refreshes their copies.
		t.Fatalf("cached key in a fresh read: %v", vals[0])
	}
	if v := get(t, n, cached); v != "c2" {
		t.Fatalf("copy not refreshed: %v", v)
	}
}

func TestNearNotLiveReadsRedis(t *testing.T) {
	rdb, _ := testRedis(t)
	ctx := context.Background()
	prefix := "neartest:" + ids.Token(4) + ":"
	n := NewNear(rdb, prefix, NearOptions{MaxAge: time.Hour}) // Run never started
	key := prefix + "k"
	rdb.Set(ctx, key, "1", 0)
	get(t, n, key)
	rdb.Set(ctx, key, "2", 0)
	if v := get(t, n, key); v != "2" {
		t.Fatalf("an instance without its subscription served a copy: %v", v)
	}
}

// Readers on other instances race a writer; whenever the writer's Invalidate
// has returned, no instance may serve an older value, even if one of its
// reads was in flight while the invalidation arrived.
func TestNearNoStaleReadAfterInvalidate(t *testing.T) {
	rdb, _ := testRedis(t)
	ctx := context.Background()
	prefix := "neartest:" + ids.Token(4) + ":"
	inst := instances(t, rdb, prefix, 3, time.Hour)
	key := prefix + "v"
	rdb.Set(ctx, key, "0", 0)
	var published atomic.Int64 // highest value whose Invalidate returned
	var stop atomic.Bool
	var wg sync.WaitGroup
	errc := make(chan string, 16)
	for _, x := range inst[1:] {
		for r := 0; r < 4; r++ {
			wg.Add(1)
			go func(x *Near) {
				defer wg.Done()
				for !stop.Load() {
					floor := published.Load()
					v, err := x.Get(ctx, key)
					if err != nil {
						errc <- err.Error()
						return
					}
					got, _ := strconv.ParseInt(v.(string), 10, 64)
					if got < floor {
						errc <- "read " + v.(string) + " after " + strconv.FormatInt(floor, 10) + " was published"
						return
					}
					// Readers that never yield would starve the subscribers of
					// two cores; requests do not spin like this.
					time.Sleep(20 * time.Microsecond)
				}
			}(x)
		}
	}
	for i := int64(1); i <= 300; i++ {
		rdb.Set(ctx, key, strconv.FormatInt(i, 10), 0)
		if err := inst[0].Invalidate(ctx, key); err != nil {
			t.Fatal(err)
		}
		published.Store(i)
	}
	stop.Store(true)
	wg.Wait()
	close(errc)
	for e := range errc {
		t.Error(e)
	}
}

// A dropped subscription: the instance stops serving copies at once, drops
// them all, and serves copies again once it has resubscribed.
func TestNearSubscriptionLost(t *testing.T) {
	rdb, real := testRedis(t)
	if !real {
		t.Skip("needs CLIENT KILL, which the in-process Redis lacks; CI runs this on real Redis")
	}
	ctx := context.Background()
	prefix := "neartest:" + ids.Token(4) + ":"
	inst := instances(t, rdb, prefix, 2, time.Hour)
	a, b := inst[0], inst[1]
	key := prefix + "k"
	rdb.Set(ctx, key, "1", 0)
	get(t, b, key)
	onEveryNode(t, rdb, false, func(c redis.UniversalClient) {
		if err := c.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
			t.Fatal(err)
		}
	})
	// The instance notices the closed connection (EOF) and, until it has
	// resubscribed (after a back-off), serves nothing from its copies.
	waitFor(t, func() bool { return !b.Live() })
	rdb.Set(ctx, key, "2", 0)
	_ = a.Invalidate(ctx, key)
	if v := get(t, b, key); v != "2" {
		t.Fatalf("stale copy after the subscription was lost: %v", v)
	}
	waitFor(t, func() bool { return a.Live() && b.Live() })
	rdb.Set(ctx, key, "3", 0)
	if err := a.Invalidate(ctx, key); err != nil {
		t.Fatal(err)
	}
	if v := get(t, b, key); v != "3" {
		t.Fatalf("after resubscribing: %v, want 3", v)
	}
	rdb.Set(ctx, key, "4", 0)
	if v := get(t, b, key); v != "3" {
		t.Fatalf("copies not served again after resubscribing: %v", v)
	}
}
