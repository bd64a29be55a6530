package api_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/app"
	"github.com/shoplet/shoplet/tenant/apptest"
)

// helperConfig is what the worker process needs to join the test's Shoplet.
type helperConfig struct {
	DatabaseURL, RedisURL, RedisPrefix, Queue, DataDir, MasterKeyID, WeChatBaseURL string
	MasterKey                                                                      []byte
}

// TestMain runs the test binary as a Shoplet worker instead when
// SHOPLET_HELPER_WORKER is set (TestWorkerProcessKilledMidJob starts it so):
// the worker joins the parent test's database and Redis until it is killed.
func TestMain(m *testing.M) {
	if raw := os.Getenv("SHOPLET_HELPER_WORKER"); raw != "" {
		runHelperWorker(raw)
	}
	os.Exit(m.Run())
}

func runHelperWorker(raw string) {
	var hc helperConfig
	if err := json.Unmarshal([]byte(raw), &hc); err != nil {
		panic(err)
	}
	a, err := app.New(context.Background(), app.Config{DatabaseURL: hc.DatabaseURL, RedisURL: hc.RedisURL, RedisPrefix: hc.RedisPrefix,
		Queue: hc.Queue, DataDir: hc.DataDir, MasterKeyID: hc.MasterKeyID, MasterKey: hc.MasterKey, WeChatBaseURL: hc.WeChatBaseURL,
		EnforcerCacheSize: 100, WorkerConcurrency: 1, PayTimeout: time.Hour})
	if err != nil {
		panic(err)
	}
	if err := a.StartWorker(); err != nil {
		panic(err)
	}
	select {} // until SIGKILL
}

// TestWorkerProcessKilledMidJob: a worker process is killed (SIGKILL) while
// its close job waits on WeChat Pay, after WeChat Pay closed the order. Once
// the job's lease runs out, another worker picks it up, and the result equals
// one clean run: the order closed once, its stock returned once.
func TestWorkerProcessKilledMidJob(t *testing.T) {
	if os.Getenv("SHOPLET_TEST_REDIS_URL") == "" {
		if os.Getenv("SHOPLET_TEST_REQUIRE_SERVICES") == "1" {
			t.Fatal("SHOPLET_TEST_REDIS_URL is required: two processes must share Redis")
		}
		t.Skip("needs a Redis server that two processes share (SHOPLET_TEST_REDIS_URL)")
	}
	if testing.Short() {
		t.Skip("takes a minute: asynq recovers a dead worker's task after its lease (30 s) and a 30 s margin")
	}
	e := apptest.New(t, apptest.Options{NoWorker: true})
	cs := newCommerceStore(t, e, "killed", "mainland")
	shopper := e.Shopper(cs.conn.StoreID, "interrupted")
	addr := addAddress(t, shopper, cs.shop)
	oid := shopper.Must(201, "POST", cs.shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": cs.skuA, "quantity": 2}},
		"address_id": addr, "idempotency_key": "k1"}).Map(t)["order"].(map[string]any)["id"].(string)
	stock := func() float64 {
		p := cs.owner.Must(200, "GET", cs.base+"/products/"+cs.prod, nil).Map(t)
		return p["skus"].([]any)[0].(map[string]any)["stock"].(float64)
	}
	if stock() != 3 {
		t.Fatalf("stock after checkout = %v", stock())
	}

	reached, release := e.Fake.Pay.HoldNextClose()
	defer release()
	cfg := e.App.Cfg
	hc, _ := json.Marshal(helperConfig{DatabaseURL: cfg.DatabaseURL, RedisURL: cfg.RedisURL, RedisPrefix: cfg.RedisPrefix, Queue: cfg.Queue,
		DataDir: cfg.DataDir, MasterKeyID: cfg.MasterKeyID, MasterKey: cfg.MasterKey, WeChatBaseURL: cfg.WeChatBaseURL})
	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), "SHOPLET_HELPER_WORKER="+string(hc))
	child.Stdout, child.Stderr = os.Stderr, os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	ctx := tenant.WithTenant(context.Background(), cs.conn.StoreID)
	if _, err := e.App.Queue.Enqueue(ctx, app.TypeOrderClose, map[string]string{"order_id": oid}, asynq.TaskID("kill-"+oid)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-reached: // the child is inside the job, waiting on WeChat Pay
	case <-time.After(30 * time.Second):
		_ = child.Process.Kill()
		t.Fatal("the worker process never reached WeChat Pay's close")
	}
	killedAt := time.Now()
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	release()
	if st := shopper.Must(200, "GET", cs.shop+"/orders/"+oid, nil).Map(t)["status"]; st != "pending_payment" || stock() != 3 {
		t.Fatalf("after the kill: status %v, stock %v", st, stock())
	}
	// asynq lists a task as orphaned 30 s after its lease (30 s) ran out; a
	// worker starting then recovers it at once and retries it.
	time.Sleep(time.Until(killedAt.Add(61 * time.Second)))
	if err := e.App.StartWorker(); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	for deadline := time.Now().Add(45 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		got = shopper.Must(200, "GET", cs.shop+"/orders/"+oid, nil).Map(t)
		if got["status"] == "closed" {
			break
		}
	}
	closes := 0
	for _, ev := range got["events"].([]any) {
		if ev.(map[string]any)["to"] == "closed" {
			closes++
		}
	}
	if got["status"] != "closed" || closes != 1 || stock() != 5 {
		t.Fatalf("after recovery: status %v, %d close events, stock %v; want closed, 1, 5", got["status"], closes, stock())
	}
}
