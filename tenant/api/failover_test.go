package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/kv"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/app"
	"github.com/shoplet/shoplet/tenant/apptest"
)

// TestRedisMasterKilled runs on a Redis Cluster (SHOPLET_TEST_REDIS_CLUSTER=1,
// which .ci/run sets for its cluster run; elsewhere it skips). It shuts one
// master down without warning (SHUTDOWN NOSAVE NOW) while two instances serve
// and a worker runs: the master that holds the job queue, the near-cache
// channel and two console sessions. One session is signed out while the
// cluster fails over. Then:
//   - every job whose enqueue succeeded, before, during or after the failover,
//     runs (no job lost);
//   - the signed-out session is refused on both instances, its refresh token
//     too (no stale session), while the other session, never signed out,
//     still works (the data survived; the refusal is the revocation's doing).
//
// The killed node stays down (.ci/redis-cluster restart brings it back as a
// replica); the test needs a master with a connected replica.
func TestRedisMasterKilled(t *testing.T) {
	if os.Getenv("SHOPLET_TEST_REDIS_CLUSTER") != "1" {
		t.Skip("runs against a Redis Cluster: SHOPLET_TEST_REDIS_CLUSTER=1 with a redis+cluster:// SHOPLET_TEST_REDIS_URL")
	}
	ctx := context.Background()
	conn, err := kv.Open(ctx, os.Getenv("SHOPLET_TEST_REDIS_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cc, ok := conn.Client.(*redis.ClusterClient)
	if !ok {
		t.Fatalf("SHOPLET_TEST_REDIS_CLUSTER=1 but SHOPLET_TEST_REDIS_URL is not a cluster (%s)", conn.Options)
	}
	victim, heir := pickVictim(t, cc)
	onVictim := func(key string) bool {
		m, err := cc.MasterForKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return m.Options().Addr == victim
	}
	// Names whose hash slots the victim holds.
	name := func(ok func(string) bool) string {
		for range 10000 {
			if s := "t" + strings.ToLower(ids.Token(6)); ok(s) {
				return s
			}
		}
		t.Fatal("no name found on the victim")
		return ""
	}
	queue := name(func(q string) bool { return onVictim("{" + q + "}") })
	prefix := name(func(p string) bool { return onVictim(p + ":near:inval") }) + ":"

	const typ = "test:failover"
	var handledMu sync.Mutex
	handled := map[string]int{}
	e := apptest.New(t, apptest.Options{NoWorker: true, Configure: func(c *app.Config) { c.Queue, c.RedisPrefix = queue, prefix }})
	e.App.Mux.Handle(typ, func(_ context.Context, raw json.RawMessage) error {
		var id string
		_ = json.Unmarshal(raw, &id)
		time.Sleep(2 * time.Millisecond)
		handledMu.Lock()
		handled[id]++
		handledMu.Unlock()
		return nil
	})
	if err := e.App.StartWorker(); err != nil {
		t.Fatal(err)
	}
	e2 := apptest.New(t, apptest.Options{Shared: e, NoWorker: true})

	// Two sessions of one account on the victim, seen by both instances.
	owner := e.SignUp("owner@failover.example")
	login := func() (access, refresh string) {
		for range 200 {
			m := e.Anon().Must(200, "POST", "/api/v1/auth/login", map[string]string{"email": owner.Email, "password": "correct-horse-battery"}).Map(t)
			access, refresh = m["access_token"].(string), m["refresh_token"].(string)
			if onVictim(e.App.Auth.SessionKey(access)) {
				return access, refresh
			}
		}
		t.Fatal("no session landed on the victim in 200 sign-ins")
		return "", ""
	}
	revoked, revokedRefresh := login()
	kept, _ := login()
	for _, env := range []*apptest.Env{e, e2} {
		for _, tok := range []string{revoked, kept} {
			(&apptest.Client{E: env, Token: tok}).Must(200, "GET", "/api/v1/me", nil)
		}
	}

	// Jobs are enqueued without pause; an enqueue that fails is retried, as a
	// request answered with an error would be. A retry that finds the task
	// already there (the failed attempt had in fact written it) counts it.
	jctx := tenant.WithTenant(ctx, ids.New())
	var enqMu sync.Mutex
	var enqueued []string
	enqErrors := 0
	stop := make(chan struct{})
	done := make(chan struct{})
	count := func() int { enqMu.Lock(); defer enqMu.Unlock(); return len(enqueued) }
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			id := "job-" + strconv.Itoa(i)
			for {
				_, err := e.App.Queue.Enqueue(jctx, typ, id, asynq.TaskID(id))
				if err == nil || errors.Is(err, asynq.ErrTaskIDConflict) {
					break
				}
				enqMu.Lock()
				enqErrors++
				enqMu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
			enqMu.Lock()
			enqueued = append(enqueued, id)
			enqMu.Unlock()
			time.Sleep(2 * time.Millisecond)
		}
	}()
	waitUntil(t, 30*time.Second, "100 jobs enqueued", func() bool { return count() >= 100 })

	// The kill, and the replica's promotion as its own node reports it.
	vc := redis.NewClient(&redis.Options{Addr: victim, MaxRetries: -1})
	defer vc.Close()
	hc := redis.NewClient(&redis.Options{Addr: heir, MaxRetries: -1})
	defer hc.Close()
	beforeKill := count()
	killedAt := time.Now()
	_ = vc.Do(ctx, "SHUTDOWN", "NOSAVE", "NOW").Err() // the connection dies with the server
	if err := vc.Ping(ctx).Err(); err == nil {
		t.Fatalf("master %s still answers after SHUTDOWN", victim)
	}
	promotedc := make(chan time.Duration, 1)
	go func() {
		for time.Since(killedAt) < 60*time.Second {
			info, err1 := hc.ClusterInfo(ctx).Result()
			role, err2 := hc.Do(ctx, "ROLE").Slice()
			if err1 == nil && err2 == nil && len(role) > 0 && role[0] == "master" && strings.Contains(info, "cluster_state:ok") {
				promotedc <- time.Since(killedAt)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		close(promotedc)
	}()

	// Sign out while the cluster fails over, retrying as a console would.
	// The application must follow the failover within seconds (go-redis
	// alone would keep the dead master for a minute).
	const follow = 20 * time.Second
	attempts, statuses := 0, map[int]int{}
	for {
		attempts++
		r := (&apptest.Client{E: e, Token: revoked}).Do("POST", "/api/v1/auth/logout", nil)
		statuses[r.Status]++
		if r.Status == 204 || r.Status == 401 { // 401: an earlier attempt revoked it and then failed
			break
		}
		if time.Since(killedAt) > follow {
			t.Fatalf("sign-out still failing %v after the kill: %d %s", follow, r.Status, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	signedOut := time.Since(killedAt)
	promoted, ok := <-promotedc
	if !ok {
		t.Fatalf("the replica %s was not promoted with cluster_state:ok within 60 s", heir)
	}

	// No stale session. An instance that has not spoken to Redis since the
	// kill learns of the failover at its first request, which may fail
	// (5xx: refused, never served); within the follow time it answers 401.
	// Then: refused on both instances the whole time the near caches could
	// have held a copy (1 s), and refresh refused too.
	for i, env := range []*apptest.Env{e, e2} {
		for {
			r := (&apptest.Client{E: env, Token: revoked}).Do("GET", "/api/v1/me", nil)
			if r.Status == 401 {
				break
			}
			if r.Status < 500 || time.Since(killedAt) > follow {
				t.Fatalf("instance %d serves the signed-out session after the failover: %d %s", i+1, r.Status, r.Body)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for end := time.Now().Add(1500 * time.Millisecond); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		for i, env := range []*apptest.Env{e, e2} {
			if r := (&apptest.Client{E: env, Token: revoked}).Do("GET", "/api/v1/me", nil); r.Status != 401 {
				t.Fatalf("instance %d serves the signed-out session after the failover: %d %s", i+1, r.Status, r.Body)
			}
		}
	}
	if r := e2.Anon().Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": revokedRefresh}); r.Status != 401 {
		t.Fatalf("refresh token of the signed-out session: %d %s", r.Status, r.Body)
	}
	for i, env := range []*apptest.Env{e, e2} {
		if r := (&apptest.Client{E: env, Token: kept}).Do("GET", "/api/v1/me", nil); r.Status != 200 {
			t.Fatalf("instance %d lost the session that was never signed out: %d %s", i+1, r.Status, r.Body)
		}
	}

	// Some more jobs on the new master, then every enqueued job has run.
	after := count()
	waitUntil(t, follow, "100 jobs enqueued after the failover", func() bool { return count() >= after+100 })
	close(stop)
	<-done
	drainFrom := time.Now()
	missing := func() []string {
		handledMu.Lock()
		defer handledMu.Unlock()
		var out []string
		for _, id := range enqueued {
			if handled[id] == 0 {
				out = append(out, id)
			}
		}
		return out
	}
	deadline := time.Now().Add(120 * time.Second)
	for len(missing()) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if m := missing(); len(m) > 0 {
		t.Fatalf("%d of %d enqueued jobs never ran (lost): %v", len(m), len(enqueued), m[:min(len(m), 20)])
	}
	twice := 0
	handledMu.Lock()
	for _, n := range handled {
		if n > 1 {
			twice++
		}
	}
	handledMu.Unlock()
	t.Logf("killed master %s (queue %s, near channel and both sessions on it); replica %s promoted %v after the kill",
		victim, queue, heir, promoted.Round(time.Millisecond))
	t.Logf("sign-out: %d attempts %v, done %v after the kill; refused on both instances afterwards, the other session kept",
		attempts, statuses, signedOut.Round(time.Millisecond))
	t.Logf("jobs: %d enqueued (%d before the kill, %d failed enqueue attempts retried), all ran, %d ran twice; drained %v after the last enqueue",
		len(enqueued), beforeKill, enqErrors, twice, time.Since(drainFrom).Round(time.Millisecond))
}

// pickVictim returns a master with a connected replica, and that replica.
func pickVictim(t *testing.T, cc *redis.ClusterClient) (master, replica string) {
	t.Helper()
	nodes, err := cc.ClusterNodes(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	addr := map[string]string{}
	masters := map[string]bool{}
	type rep struct{ id, of string }
	var reps []rep
	for _, line := range strings.Split(strings.TrimSpace(nodes), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 || strings.Contains(f[2], "fail") || f[7] != "connected" {
			continue
		}
		addr[f[0]], _, _ = strings.Cut(f[1], "@")
		switch {
		case strings.Contains(f[2], "master") && len(f) > 8:
			masters[f[0]] = true
		case strings.Contains(f[2], "slave"):
			reps = append(reps, rep{f[0], f[3]})
		}
	}
	for _, r := range reps {
		if masters[r.of] {
			return addr[r.of], addr[r.id]
		}
	}
	t.Fatalf("no master with a connected replica to kill (run .ci/redis-cluster restart):\n%s", nodes)
	return "", ""
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
	}
}
