package api

import (
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"github.com/shoplet/shoplet/pkg/db"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/kv"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/access"
	"github.com/shoplet/shoplet/tenant/audit"
	"github.com/shoplet/shoplet/tenant/billing"
	"github.com/shoplet/shoplet/tenant/catalog"
	"github.com/shoplet/shoplet/tenant/files"
	"github.com/shoplet/shoplet/tenant/marketing"
	"github.com/shoplet/shoplet/tenant/member"
	"github.com/shoplet/shoplet/tenant/miniapp"
	"github.com/shoplet/shoplet/tenant/onboard"
	"github.com/shoplet/shoplet/tenant/order"
	"github.com/shoplet/shoplet/tenant/publish"
	"github.com/shoplet/shoplet/tenant/settings"
	"github.com/shoplet/shoplet/tenant/thirdparty"
	"golang.org/x/sync/singleflight"
)

// Deps is everything the API calls. cmd/shoplet builds it.
type Deps struct {
	Log   *slog.Logger
	DB    *db.DB
	T     *tenant.Store
	Redis redis.UniversalClient
	// Near serves sessions and policy/catalog versions from coherent
	// instance-local copies (from Redis when it has none).
	Near      *kv.Near
	Auth      *onboard.Auth
	Stores    *onboard.Stores
	Agencies  *onboard.Agencies
	Platform  *onboard.Platform
	Enforcers *access.Enforcers
	Audit     *audit.Log
	Files     *files.Store
	Catalog   *catalog.Service
	Settings  *settings.Service
	Registry  *prometheus.Registry
	// Console is the built web console (index.html at its root); nil serves none.
	Console fs.FS
	Version string
	// TrustedProxies lists proxies whose X-Forwarded-For is believed.
	TrustedProxies []string
	// CatalogVersionKey names the Redis counter a store's catalog writes bump
	// (see app.New); list responses are cached under it.
	CatalogVersionKey func(tenantID string) string
	// ListCacheSize bounds the cached list responses (all tenants together).
	ListCacheSize int
	Members       *member.Service
	Orders        *order.Service
	Marketing     *marketing.Service // nil: no marketing routes
	Pay           Payments           // nil: checkout returns no payment parameters
	Builds        *miniapp.Builds
	// Codes makes mini-program codes (getwxacodeunlimit); tenant/wxapp implements it.
	Codes interface {
		Code(ctx context.Context, scene, page string) ([]byte, error)
	}
	// Component is the WeChat third-party platform; nil when the platform is not one.
	Component *thirdparty.Service
	// ConsoleURL is where a brand's browser returns after authorising.
	ConsoleURL string
	// Publish and Rollouts publish mini-programs through the third-party
	// platform; nil when the platform is not one.
	Publish  *publish.Service
	Rollouts *publish.Rollouts
	// Billing is the platform's plans and the stores' subscriptions; nil: no
	// billing routes, no plan limits and no closed stores.
	Billing *billing.Service
	// Jobs reports the background job queue to operators.
	Jobs JobsFunc
	// EnqueueImport queues a catalog import job.
	EnqueueImport func(ctx context.Context, jobID string) error
}

// Payments is what the API needs from WeChat Pay (tenant/payment implements it).
type Payments interface {
	Prepare(ctx context.Context, o order.Order, openid string) (any, error)
	CloseRemote(ctx context.Context, o order.Order) error
	HandleNotify(ctx context.Context, r *http.Request) error
}

// Server is the HTTP API.
type Server struct {
	Deps
	log    *slog.Logger
	engine *gin.Engine
	routes []Route
	reqs   *prometheus.CounterVec
	lat    *prometheus.HistogramVec
	lists  *lru.Cache[string, []byte]
	flight singleflight.Group
	hits   *prometheus.CounterVec
	// gzCache holds compressed console assets by path.
	gzCache sync.Map
}

// Auth levels of a route.
const (
	Public   = "public"   // no sign-in
	User     = "user"     // any signed-in account
	Operator = "operator" // platform operators
	Store    = "store"    // staff or a granted agency of the store in :store, with Obj/Act
)

// Route is one endpoint: how it is registered, authorised and documented.
type Route struct {
	Method  string
	Path    string // gin syntax, e.g. /api/v1/stores/:store/products/:product
	Summary string
	Tag     string
	Auth    string
	Obj     string // for Store routes: the object and action checked with Casbin
	Act     string
	In      any // request body type (JSON), or nil
	Out     any // response type, or nil for 204
	Query   []QueryParam
	// Multipart lists the form fields of a multipart upload.
	Multipart []string
	Status    int // success status; 200 when zero
	// Produces is the media type of a success body that is not JSON (a file,
	// an image, CSV, WeChat's "success"); a GET without Out defaults to a file.
	Produces string
	// Consumes is the media type of a request body that is not decoded into
	// In (WeChat's signed callbacks read it themselves).
	Consumes string
	// Errors lists error statuses the handler answers beyond those the
	// document derives from the route (see errorStatuses), e.g. 401 for a
	// wrong password on a public sign-in.
	Errors []int
	// CheckoutMemo (Shopper routes): read the session's last checkout in the
	// session's own round trip (see shopAccess).
	CheckoutMemo bool
	// Module (Store routes): the plan module the route needs; a store whose
	// plan lacks it is answered plan_limit naming the module.
	Module string
	// Early (Shopper routes) may refuse a request that carries a token from
	// instance-local state alone, after the store is resolved and before
	// the session is read from Redis: the crowd after a coupon's last unit
	// is answered coupon_gone without a round trip. Whatever it refuses must
	// be safe to tell a caller whose token is not checked (public facts).
	Early   func(c *gin.Context) error
	Handler gin.HandlerFunc
}

// QueryParam documents a query parameter.
type QueryParam struct {
	Name, Type, Description string
}

// New builds the server and its routes.
func New(d Deps) *Server {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{Deps: d, log: d.Log}
	s.reqs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shoplet_http_requests_total", Help: "HTTP requests by route and status."},
		[]string{"method", "route", "status"})
	s.lat = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "shoplet_http_request_duration_seconds", Help: "HTTP latency by route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"method", "route"})
	s.hits = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shoplet_list_cache_total", Help: "Cached list lookups by result."}, []string{"result"})
	if d.Registry != nil {
		d.Registry.MustRegister(s.reqs, s.lat, s.hits)
	}
	size := d.ListCacheSize
	if size <= 0 {
		size = 4096
	}
	s.lists, _ = lru.New[string, []byte](size)
	e := gin.New()
	e.ContextWithFallback = true
	_ = e.SetTrustedProxies(d.TrustedProxies)
	e.Use(s.recover, s.observe, s.refuseNUL)
	s.routes = s.buildRoutes()
	if d.Orders != nil {
		s.routes = append(s.routes, s.shopRoutes()...)
		s.routes = append(s.routes, s.consoleRoutes()...)
	}
	if d.Marketing != nil && d.Orders != nil {
		s.routes = append(s.routes, s.marketingRoutes()...)
	}
	if d.Builds != nil {
		s.routes = append(s.routes, s.miniappRoutes()...)
	}
	if d.Component != nil {
		s.routes = append(s.routes, s.componentRoutes()...)
	}
	if d.Publish != nil {
		s.routes = append(s.routes, s.publishRoutes()...)
	}
	if d.Billing != nil {
		s.routes = append(s.routes, s.billingRoutes()...)
	}
	for _, r := range s.routes {
		e.Handle(r.Method, r.Path, s.chain(r)...)
	}
	e.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	e.GET("/readyz", s.ready)
	if d.Registry != nil {
		e.GET("/metrics", gin.WrapH(promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{})))
	}
	e.GET("/openapi.json", s.openapi)
	e.NoRoute(s.noRoute)
	s.engine = e
	return s
}

// Handler returns the http.Handler.
func (s *Server) Handler() http.Handler { return s.engine }

// Routes returns the route table (for the OpenAPI document and tests).
func (s *Server) Routes() []Route { return s.routes }

// Engine exposes the gin engine to tests that list registered routes.
func (s *Server) Engine() *gin.Engine { return s.engine }

func (s *Server) chain(r Route) []gin.HandlerFunc {
	switch r.Auth {
	case Public:
		return []gin.HandlerFunc{r.Handler}
	case User:
		return []gin.HandlerFunc{s.authenticate(false), r.Handler}
	case Operator:
		return []gin.HandlerFunc{s.authenticate(true), r.Handler}
	case Store:
		if r.Module != "" && s.Billing != nil {
			return []gin.HandlerFunc{s.storeAccess(r.Obj, r.Act), s.requireModule(r.Module), r.Handler}
		}
		return []gin.HandlerFunc{s.storeAccess(r.Obj, r.Act), r.Handler}
	case ShopPublic:
		return []gin.HandlerFunc{s.shopAccess(false, r.Method == http.MethodGet, false), r.Handler}
	case Shopper:
		if r.Early != nil {
			return []gin.HandlerFunc{s.shopEarly(r.Early), s.shopAccess(true, false, r.CheckoutMemo), r.Handler}
		}
		return []gin.HandlerFunc{s.shopAccess(true, false, r.CheckoutMemo), r.Handler}
	case PayNotify:
		return []gin.HandlerFunc{r.Handler}
	}
	panic("route " + r.Path + " has no auth level")
}

const (
	keyRequestID = "shoplet.request_id"
	keySession   = "shoplet.session"
	keyPrincipal = "shoplet.principal"
	keyCatalogV  = "shoplet.catalog_version"
)

func requestID(c *gin.Context) string { return c.GetString(keyRequestID) }

func (s *Server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			s.log.ErrorContext(c.Request.Context(), "panic", "panic", v, "route", c.FullPath())
			s.fail(c, errs.Wrap(errs.E(errs.Internal, "panic", "panic"), "panic"))
		}
	}()
	c.Next()
}

// observe sets the request id, logs one line per request and records metrics.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	rid := c.GetHeader("X-Request-Id")
	if rid == "" || len(rid) > 64 {
		rid = ids.Token(12)
	}
	c.Set(keyRequestID, rid)
	c.Header("X-Request-Id", rid)
	c.Request = c.Request.WithContext(tenant.WithActor(c.Request.Context(), tenant.Actor{RequestID: rid, IP: c.ClientIP()}))
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	d := time.Since(start)
	s.reqs.WithLabelValues(c.Request.Method, route, statusClass(status)).Inc()
	s.lat.WithLabelValues(c.Request.Method, route).Observe(d.Seconds())
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.log.Log(c.Request.Context(), level, "http", "method", c.Request.Method, "route", route, "status", status,
		"duration_ms", float64(d.Microseconds())/1000, "ip", c.ClientIP())
}

func statusClass(st int) string {
	return string(rune('0'+st/100)) + "xx"
}

func (s *Server) ready(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	checks := gin.H{}
	ok := true
	if err := s.DB.Ping(ctx); err != nil {
		checks["database"], ok = err.Error(), false
	} else {
		checks["database"] = "ok"
	}
	if err := s.Redis.Ping(ctx).Err(); err != nil {
		checks["redis"], ok = err.Error(), false
	} else {
		checks["redis"] = "ok"
	}
	st := http.StatusOK
	if !ok {
		st = http.StatusServiceUnavailable
	}
	c.JSON(st, gin.H{"ready": ok, "checks": checks})
}

func (s *Server) noRoute(c *gin.Context) {
	p := c.Request.URL.Path
	if s.Console != nil && c.Request.Method == http.MethodGet && !strings.HasPrefix(p, "/api/") {
		s.serveConsole(c)
		return
	}
	s.fail(c, errs.E(errs.NotFound, "no_route", "no such endpoint"))
}

func bearer(c *gin.Context) string {
	h := c.GetHeader("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

var errNoToken = errs.E(errs.Unauthenticated, "missing_token", "sign in and send the access token as Authorization: Bearer <token>")

// authenticate resolves the session. Operator routes answer 404 to anyone
// else, so their existence is not advertised.
func (s *Server) authenticate(operator bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		tok := bearer(c)
		if tok == "" {
			s.fail(c, errNoToken)
			return
		}
		sess, err := s.sessionOf(c.Request.Context(), tok)
		if err != nil {
			s.fail(c, err)
			return
		}
		if operator && !sess.Operator {
			s.fail(c, errs.E(errs.NotFound, "no_route", "no such endpoint"))
			return
		}
		s.setSession(c, sess, "", "")
		c.Next()
	}
}

func (s *Server) setSession(c *gin.Context, sess onboard.Session, tid, agencyID string) {
	c.Set(keySession, sess)
	ctx := c.Request.Context()
	a := tenant.ActorFrom(ctx)
	a.AccountID, a.AgencyID, a.Operator = sess.AccountID, agencyID, false
	ctx = tenant.WithActor(ctx, a)
	if tid != "" {
		ctx = tenant.WithTenant(ctx, tid)
	}
	c.Request = c.Request.WithContext(ctx)
}

func session(c *gin.Context) onboard.Session {
	v, _ := c.Get(keySession)
	s, _ := v.(onboard.Session)
	return s
}

func principal(c *gin.Context) access.Principal {
	v, _ := c.Get(keyPrincipal)
	p, _ := v.(access.Principal)
	return p
}

var errStoreNotFound = errs.NotFoundf("store")

// sessionOf reads a console session by access token.
func (s *Server) sessionOf(ctx context.Context, tok string) (onboard.Session, error) {
	v, err := s.Near.MGet(ctx, s.Auth.SessionKey(tok))
	if err != nil {
		return onboard.Session{}, errs.Wrap(err, "session lookup")
	}
	return onboard.DecodeSession(v[0])
}

// storeAccess authenticates and authorises a store route from the session and
// the store's policy version (one MGET, served by the coherent local copies
// when the server has them) plus an in-memory Casbin check. A store the account has no role in answers 404, exactly like a
// store that does not exist.
func (s *Server) storeAccess(obj, act string) gin.HandlerFunc {
	return func(c *gin.Context) {
		tok := bearer(c)
		if tok == "" {
			s.fail(c, errNoToken)
			return
		}
		tid := c.Param("store")
		ctx := c.Request.Context()
		if !ids.Valid(tid) {
			if _, err := s.sessionOf(ctx, tok); err != nil {
				s.fail(c, err)
				return
			}
			s.fail(c, errStoreNotFound)
			return
		}
		// One MGET: the session, the store's policy version and, for catalog
		// reads, its catalog version (the list cache key).
		keys := []string{s.Auth.SessionKey(tok), s.Enforcers.VersionKey(tid)}
		wantCatalog := obj == access.ObjCatalog && act == access.Read && s.CatalogVersionKey != nil
		if wantCatalog {
			keys = append(keys, s.CatalogVersionKey(tid))
		}
		vals, err := s.Near.MGet(ctx, keys...)
		if err != nil {
			s.fail(c, errs.Wrap(err, "session lookup"))
			return
		}
		sess, err := onboard.DecodeSession(vals[0])
		if err != nil {
			s.fail(c, err)
			return
		}
		version, err := access.VersionOf(vals[1])
		if err != nil {
			s.fail(c, errs.Wrap(err, "policy version"))
			return
		}
		p, ok, err := s.Enforcers.Resolve(ctx, tid, version, sess.AccountID, func() ([]string, error) {
			return s.Agencies.Of(ctx, sess.AccountID)
		})
		if err != nil {
			s.fail(c, errs.Wrap(err, "resolve principal"))
			return
		}
		if !ok {
			s.fail(c, errStoreNotFound)
			return
		}
		allowed, err := s.Enforcers.Enforce(ctx, tid, version, p.Subject, obj, act)
		if err != nil {
			s.fail(c, errs.Wrap(err, "enforce"))
			return
		}
		if !allowed {
			s.fail(c, errs.E(errs.Forbidden, "permission_denied", "your role ("+p.Role+") cannot "+act+" "+obj+" in this store"))
			return
		}
		if act == access.Write && p.Status == onboard.StatusSuspended {
			s.fail(c, errs.E(errs.Forbidden, "store_suspended", "this store is suspended by the platform; changes are not possible until it is restored"))
			return
		}
		c.Set(keyPrincipal, p)
		if wantCatalog {
			if v, err := access.VersionOf(vals[2]); err == nil {
				c.Set(keyCatalogV, v)
			}
		}
		s.setSession(c, sess, tid, p.AgencyID)
		c.Next()
	}
}

// ctx is the request context, carrying tenant and actor.
func ctx(c *gin.Context) context.Context { return c.Request.Context() }

func (s *Server) ok(c *gin.Context, status int, v any) {
	if v == nil {
		c.Status(http.StatusNoContent)
		return
	}
	c.JSON(status, v)
}

// Page is the shape of every list response.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func page[T any](items []T, next string) Page[T] {
	if items == nil {
		items = []T{}
	}
	return Page[T]{Items: items, NextCursor: next}
}

// cached serves a list from the tenant-keyed response cache, or computes it.
// The key holds the store, its catalog version (bumped in Redis after every
// committed catalog change, read in the request's one Redis round trip) and
// the query, so entries are never shared across stores and a change is seen at
// the next request on every instance. The role check has already run.
func (s *Server) cached(c *gin.Context, compute func() (any, error)) {
	v, ok := c.Get(keyCatalogV)
	if !ok {
		s.render(c, compute)
		return
	}
	tid, _ := tenant.FromContext(ctx(c))
	// The actual path, not the route pattern: /products/:product is one route
	// but every product id is its own answer.
	key := listKey(tid, v.(int64), c.Request.URL.Path, c.Request.URL.Query())
	if b, ok := s.lists.Get(key); ok {
		s.hits.WithLabelValues("hit").Inc()
		writeJSON(c, b)
		return
	}
	// A burst of requests for one cold page (a new catalog version, a fresh
	// instance) computes it once; the rest wait for that result instead of
	// each queueing for a database connection.
	res, err, _ := s.flight.Do(key, func() (any, error) {
		if b, ok := s.lists.Get(key); ok {
			return b, nil
		}
		s.hits.WithLabelValues("miss").Inc()
		out, err := compute()
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(out)
		if err != nil {
			return nil, err
		}
		s.lists.Add(key, b)
		return b, nil
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	writeJSON(c, res.([]byte))
}

// listKey is a cached response's key: the tenant, its catalog version, the
// request's path (with its ids) and the query in a normal form (keys sorted,
// so ?a=1&b=2 and ?b=2&a=1 share an entry).
func listKey(tid string, version int64, path string, q url.Values) string {
	return tid + "|" + strconv.FormatInt(version, 10) + "|" + path + "?" + q.Encode()
}

// writeJSON writes an encoded JSON body with its length, so the response goes
// out unchunked.
func writeJSON(c *gin.Context, b []byte) {
	c.Header("Content-Length", strconv.Itoa(len(b)))
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
}

func (s *Server) render(c *gin.Context, compute func() (any, error)) {
	out, err := compute()
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}
