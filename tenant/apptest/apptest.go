// Package apptest starts a whole Shoplet for tests: a fresh database
// (PostgreSQL as an ordinary role under row-level security, or SQLite), Redis
// with a private key prefix and queue, the in-process worker, and an HTTP
// server, plus a small client.
//
// SHOPLET_TEST_DB selects postgres or sqlite (default: postgres when
// SHOPLET_TEST_POSTGRES_URL is set). With SHOPLET_TEST_REQUIRE_SERVICES=1 (CI)
// a missing PostgreSQL or Redis fails the test instead of falling back.
package apptest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/redis/go-redis/v9"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/kv"
	"github.com/shoplet/shoplet/pkg/mail"
	"github.com/shoplet/shoplet/pkg/wechatfake"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/app"
	webadmin "github.com/shoplet/shoplet/web-admin"
)

// AppRole is the PostgreSQL role tests connect as: no superuser, no BYPASSRLS.
const AppRole = "shoplet_app"

// Env is one running Shoplet.
type Env struct {
	T       testing.TB
	App     *app.App
	Server  *httptest.Server
	Outbox  *mail.Outbox
	Logs    *SyncBuffer
	Dialect string
	// AdminDSN reaches the test database as its owner (PostgreSQL only), for
	// tests that must look underneath the application.
	AdminDSN string
	// AppDSN reaches it as the application role.
	AppDSN string
	// Fake is the fake WeChat and WeChat Pay every Env of this test binary shares.
	Fake *wechatfake.Server
	cfg  app.Config
}

type fakeWeChat struct {
	srv *wechatfake.Server
	url string
}

var (
	fakeOnce sync.Once
	fakeInst fakeWeChat
)

// sharedFake starts one fake per test binary: silenceper/wechat's HTTP client
// is package-global, so every Env must talk to the same fake. Stores use
// random appids and merchant ids, so they never collide in it.
func sharedFake(t testing.TB) fakeWeChat {
	fakeOnce.Do(func() {
		f, err := wechatfake.New()
		if err != nil {
			t.Fatal(err)
		}
		f.Pay.RetryScale = 0.001 // 15 retries in milliseconds
		srv := httptest.NewServer(f.Handler())
		fakeInst = fakeWeChat{srv: f, url: srv.URL}
	})
	return fakeInst
}

// SyncBuffer is a goroutine-safe log sink tests can search.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	// Limit, when set, keeps only about the last Limit bytes (benchmarks log
	// millions of lines; a server writes them to stdout, not to memory).
	Limit int
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Limit > 0 && s.b.Len() > 2*s.Limit {
		s.b.Next(s.b.Len() - s.Limit)
	}
	return s.b.Write(p)
}

// String returns everything logged so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func require() bool { return os.Getenv("SHOPLET_TEST_REQUIRE_SERVICES") == "1" }

// Dialect returns the database the tests run on.
func Dialect() string {
	if d := os.Getenv("SHOPLET_TEST_DB"); d != "" {
		return d
	}
	if os.Getenv("SHOPLET_TEST_POSTGRES_URL") != "" {
		return "postgres"
	}
	return "sqlite"
}

// Options tweak an Env.
type Options struct {
	// Shared reuses another Env's database and Redis (a second instance).
	Shared *Env
	// NoWorker skips the in-process worker.
	NoWorker bool
	// Configure edits the config before start.
	Configure func(*app.Config)
	// BypassRLS connects the application as the database owner, a superuser
	// that row-level security does not filter (PostgreSQL only), so that a
	// test sees the application's own tenant scoping with nothing beneath it.
	BypassRLS bool
}

// New starts a Shoplet for t.
func New(t testing.TB, opts ...Options) *Env {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	ctx := context.Background()
	e := &Env{T: t, Outbox: &mail.Outbox{}, Logs: &SyncBuffer{}}
	if _, bench := t.(*testing.B); bench {
		e.Logs.Limit = 1 << 20
	}
	var cfg app.Config
	if o.Shared != nil {
		cfg = o.Shared.cfg
		cfg.MigrateOnStart = false
		e.Dialect, e.AdminDSN, e.AppDSN = o.Shared.Dialect, o.Shared.AdminDSN, o.Shared.AppDSN
	} else {
		cfg = app.Config{
			RedisPrefix: "t" + ids.Token(6) + ":", Queue: "t" + ids.Token(6), DataDir: t.TempDir(),
			MasterKeyID: "test", MasterKey: bytes.Repeat([]byte{42}, 32), AccessTTL: 15 * time.Minute, RefreshTTL: 24 * time.Hour,
			LoginMaxFailures: 5, LoginLockFor: 15 * time.Minute, LoginMaxPerIP: 1000, EnforcerCacheSize: 1000,
			BaseURL: "http://console.test", WorkerConcurrency: 4, MigrateOnStart: true, Version: "test",
		}
		e.Dialect = Dialect()
		switch e.Dialect {
		case "postgres":
			e.AdminDSN, e.AppDSN = newPostgres(t)
			cfg.DatabaseURL, cfg.MigrateDatabaseURL = e.AppDSN, e.AdminDSN
			if o.BypassRLS {
				cfg.DatabaseURL, cfg.AllowRLSBypass = e.AdminDSN, true
			}
		case "sqlite":
			cfg.DatabaseURL = "file:" + filepath.Join(cfg.DataDir, "test.db")
		default:
			t.Fatalf("SHOPLET_TEST_DB=%q: want postgres or sqlite", e.Dialect)
		}
		cfg.RedisURL = redisURL(t)
		if os.Getenv("SHOPLET_TEST_REDIS_URL") != "" {
			t.Cleanup(func() { cleanRedis(cfg.RedisURL, cfg.RedisPrefix, cfg.Queue) })
		}
	}
	cfg.Mail = e.Outbox
	cfg.Console = webadmin.FS()
	cfg.Log = slog.New(tenant.LogHandler{Handler: slog.NewJSONHandler(e.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})})
	fake := sharedFake(t)
	cfg.Fake, cfg.WeChatBaseURL = fake.srv, fake.url
	if cfg.PayTimeout == 0 {
		cfg.PayTimeout = time.Hour
	}
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	e.Fake = fake.srv
	e.cfg = cfg
	a, err := app.New(ctx, cfg)
	if err != nil {
		t.Fatalf("start shoplet: %v", err)
	}
	e.App = a
	if !o.NoWorker {
		if err := a.StartWorker(); err != nil {
			t.Fatal(err)
		}
	}
	e.Server = httptest.NewServer(a.API.Handler())
	a.Payments.NotifyBase = e.Server.URL
	if a.Component != nil {
		a.Component.CallbackURL = e.Server.URL + "/api/wechat/component/authorized"
	}
	t.Cleanup(func() {
		e.Server.Close()
		a.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", tail(e.Logs.String(), 40))
		}
	})
	return e
}

func redisURL(t testing.TB) string {
	u := os.Getenv("SHOPLET_TEST_REDIS_URL")
	if u == "" {
		if require() {
			t.Fatal("SHOPLET_TEST_REDIS_URL is not set but SHOPLET_TEST_REQUIRE_SERVICES=1")
		}
		// No Redis configured: an in-process one, shared by every instance of this Env.
		return "redis://" + miniredis.RunT(t).Addr()
	}
	// kv.Open pings every master of a cluster.
	c, err := kv.Open(context.Background(), u)
	if err != nil {
		t.Fatalf("Redis at %s is not reachable: %v", u, err)
	}
	c.Close()
	return u
}

// cleanRedis deletes a test's keys: on a cluster, those on every master.
func cleanRedis(u, prefix, queue string) {
	c, err := kv.Open(context.Background(), u)
	if err != nil {
		return
	}
	defer c.Close()
	ctx := context.Background()
	clean := func(ctx context.Context, node redis.UniversalClient) error {
		for _, pat := range []string{prefix + "*", "asynq:{" + queue + "}*"} {
			iter := node.Scan(ctx, 0, pat, 500).Iterator()
			var keys []string
			for iter.Next(ctx) {
				keys = append(keys, iter.Val())
			}
			// One DEL per key: a cluster node holds many slots.
			pipe := node.Pipeline()
			for _, k := range keys {
				pipe.Del(ctx, k)
			}
			if len(keys) > 0 {
				_, _ = pipe.Exec(ctx)
			}
		}
		return nil
	}
	if cc, ok := c.Client.(*redis.ClusterClient); ok {
		_ = cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error { return clean(ctx, m) })
	} else {
		_ = clean(ctx, c.Client)
	}
	c.Client.SRem(ctx, "asynq:queues", queue)
}

var roleOnce sync.Once

// newPostgres creates an empty database owned by the admin user and returns
// DSNs for the owner and for the application role.
func newPostgres(t testing.TB) (adminDSN, appDSN string) {
	base := os.Getenv("SHOPLET_TEST_POSTGRES_URL")
	if base == "" {
		t.Fatal("SHOPLET_TEST_DB=postgres needs SHOPLET_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("PostgreSQL at %s is not reachable: %v", base, err)
	}
	roleOnce.Do(func() {
		// Parallel test packages may race to create the role; a duplicate is fine.
		_, err := admin.ExecContext(ctx, `DO $$ BEGIN
			IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '`+AppRole+`') THEN
				CREATE ROLE `+AppRole+` LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
			END IF; END $$`)
		if err != nil && !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("create role: %v", err)
		}
	})
	name := "shoplet_t_" + strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(ids.Token(8)))
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	adminDSN = u.String()
	u.User = url.User(AppRole)
	appDSN = u.String()
	return adminDSN, appDSN
}

// --- client ---

// Client calls the API as one account.
type Client struct {
	E       *Env
	Token   string
	Refresh string
	Email   string
	ID      string
}

// httpClient keeps connections alive as a browser or a mini-program does: the
// default transport keeps two idle connections per host, so concurrent tests
// and benchmarks would open (and measure) a new TCP connection per request.
var httpClient = &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second}}

// Resp is a decoded response.
type Resp struct {
	Status int
	Body   []byte
	Header http.Header
}

// JSON decodes the body into v.
func (r Resp) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Map decodes the body into a map.
func (r Resp) Map(t testing.TB) map[string]any {
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// ErrorCode returns error.code of an error body ("" otherwise).
func (r Resp) ErrorCode() string {
	var b struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &b)
	return b.Error.Code
}

// FieldErrors returns field -> code of an error body.
func (r Resp) FieldErrors() map[string]string {
	var b struct {
		Error struct {
			Fields []struct{ Field, Code string } `json:"fields"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &b)
	out := map[string]string{}
	for _, f := range b.Error.Fields {
		out[f.Field] = f.Code
	}
	return out
}

// Anon is a client without a token.
func (e *Env) Anon() *Client { return &Client{E: e} }

// Do sends method path with body (nil, a []byte sent as-is, or a value sent as JSON).
func (c *Client) Do(method, path string, body any) Resp {
	c.E.T.Helper()
	var r io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		r, ct = bytes.NewReader(b), "application/json"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.E.T.Fatal(err)
		}
		r, ct = bytes.NewReader(j), "application/json"
	}
	return c.send(method, path, r, ct)
}

func (c *Client) send(method, path string, r io.Reader, ct string) Resp {
	c.E.T.Helper()
	req, err := http.NewRequest(method, c.E.Server.URL+path, r)
	if err != nil {
		c.E.T.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	res, err := httpClient.Do(req)
	if err != nil {
		c.E.T.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return Resp{Status: res.StatusCode, Body: b, Header: res.Header}
}

// Upload posts a multipart form with one file.
func (c *Client) Upload(path string, fields map[string]string, filename string, data []byte) Resp {
	c.E.T.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", filename)
	_, _ = fw.Write(data)
	_ = w.Close()
	return c.send("POST", path, &buf, w.FormDataContentType())
}

// Must sends and fails the test unless the status is want.
func (c *Client) Must(want int, method, path string, body any) Resp {
	c.E.T.Helper()
	r := c.Do(method, path, body)
	if r.Status != want {
		c.E.T.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// SignUp creates an account and returns its client.
func (e *Env) SignUp(email string) *Client {
	e.T.Helper()
	c := e.Anon()
	r := c.Must(201, "POST", "/api/v1/auth/signup", map[string]string{"email": email, "password": "correct-horse-battery", "name": email})
	var out struct {
		Account      struct{ ID string }
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	r.JSON(e.T, &out)
	c.Token, c.Refresh, c.Email, c.ID = out.AccessToken, out.RefreshToken, email, out.Account.ID
	return c
}

// Operator creates a platform operator (as `shoplet admin create` does) and signs it in.
func (e *Env) Operator(email string) *Client {
	e.T.Helper()
	acc, err := e.App.Auth.CreateAccount(context.Background(), email, "operator-password-1", "Operator", true)
	if err != nil {
		e.T.Fatal(err)
	}
	c := e.Anon()
	r := c.Must(200, "POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "operator-password-1"})
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	r.JSON(e.T, &tok)
	c.Token, c.Email, c.ID = tok.AccessToken, email, acc.ID
	return c
}

// CreateStore provisions a store owned by c and returns its id.
func (c *Client) CreateStore(slug, entity string, categories ...string) string {
	c.E.T.Helper()
	if len(categories) == 0 {
		categories = []string{"apparel"}
	}
	r := c.Must(201, "POST", "/api/v1/stores", map[string]any{"name": "Store " + slug, "slug": slug, "entity_type": entity, "categories": categories})
	return r.Map(c.E.T)["id"].(string)
}

// WaitMail waits for a message to addr (sent by the worker) and returns it.
func (e *Env) WaitMail(addr string, n int) mail.Message {
	e.T.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ms := e.Outbox.To(addr); len(ms) >= n {
			return ms[n-1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.T.Fatalf("no mail #%d to %s within 10s", n, addr)
	return mail.Message{}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Connected is a store whose mini-program and WeChat Pay are set up.
type Connected struct {
	StoreID, AppID, MchID, APIv3Key string
}

// ConnectWeChat gives the store a mini-program and a direct WeChat Pay merchant
// account, through the console API, and returns them.
func (c *Client) ConnectWeChat(storeID string) Connected {
	c.E.T.Helper()
	appID := "wx" + randHex(8)
	mch := fmt.Sprintf("19%08d", randInt(1e8))
	v3 := randHex(16)
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	base := "/api/v1/stores/" + storeID
	c.Must(200, "PUT", base+"/settings/miniprogram", map[string]any{"app_id": appID, "app_secret": randHex(16)})
	mode := "direct"
	st := c.Must(200, "GET", base, nil).Map(c.E.T)["store"].(map[string]any)
	if st["entity_type"] == "overseas" {
		mode = "global"
	}
	c.Must(200, "PUT", base+"/settings/payment", map[string]any{"mode": mode, "mch_id": mch, "cert_serial": "5157F09EFDC096DE15EBE81A47057A72",
		"api_v3_key": v3, "private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"platform_public_key_id": wechatfake.PublicKeyID, "platform_public_key": c.E.Fake.Pay.PlatformPublicKeyPEM(), "currency": map[string]string{"direct": "CNY", "global": "HKD"}[mode]})
	return Connected{StoreID: storeID, AppID: appID, MchID: mch, APIv3Key: v3}
}

// Shopper signs a shopper in to a store's shop API and returns its client.
func (e *Env) Shopper(storeID, name string) *Client {
	e.T.Helper()
	c := e.Anon()
	r := c.Must(200, "POST", "/api/shop/v1/stores/"+storeID+"/login", map[string]string{"code": app.DemoCode(name), "scene": "1007"})
	m := r.Map(e.T)
	c.Token = m["token"].(string)
	c.ID = m["member"].(map[string]any)["id"].(string)
	return c
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randInt(n int64) int64 {
	v, _ := rand.Int(rand.Reader, big.NewInt(n))
	return v.Int64()
}
