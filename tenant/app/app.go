// Package app assembles Shoplet from its parts: database, Redis, queue, the
// tenant domains and the HTTP API. cmd/shoplet fills Config from the
// environment; end-to-end tests build the same App with test services.
package app

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/hibiken/asynq"
	"io/fs"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/shoplet/shoplet/migrations"
	"github.com/shoplet/shoplet/pkg/blob"
	"github.com/shoplet/shoplet/pkg/db"
	"github.com/shoplet/shoplet/pkg/kv"
	"github.com/shoplet/shoplet/pkg/mail"
	"github.com/shoplet/shoplet/pkg/secretbox"
	"github.com/shoplet/shoplet/pkg/wechat"
	"github.com/shoplet/shoplet/pkg/wechatfake"
	"github.com/shoplet/shoplet/templates"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/access"
	"github.com/shoplet/shoplet/tenant/api"
	"github.com/shoplet/shoplet/tenant/audit"
	"github.com/shoplet/shoplet/tenant/billing"
	"github.com/shoplet/shoplet/tenant/catalog"
	"github.com/shoplet/shoplet/tenant/files"
	"github.com/shoplet/shoplet/tenant/jobs"
	"github.com/shoplet/shoplet/tenant/marketing"
	"github.com/shoplet/shoplet/tenant/member"
	"github.com/shoplet/shoplet/tenant/miniapp"
	"github.com/shoplet/shoplet/tenant/onboard"
	"github.com/shoplet/shoplet/tenant/order"
	"github.com/shoplet/shoplet/tenant/payment"
	"github.com/shoplet/shoplet/tenant/publish"
	"github.com/shoplet/shoplet/tenant/settings"
	"github.com/shoplet/shoplet/tenant/thirdparty"
	"github.com/shoplet/shoplet/tenant/wxapp"
	wxutil "github.com/silenceper/wechat/v2/util"
)

// Config is everything App needs. Defaults are filled by cmd/shoplet.
type Config struct {
	DatabaseURL        string
	MigrateDatabaseURL string // the schema owner; empty means DatabaseURL
	MigrateOnStart     bool
	AllowRLSBypass     bool   // permit running as a role that ignores row-level security
	RedisURL           string // empty starts an in-process Redis
	RedisPrefix        string
	Queue              string
	DataDir            string
	MasterKeyID        string
	MasterKey          []byte
	AccessTTL          time.Duration
	RefreshTTL         time.Duration
	LoginMaxFailures   int
	LoginLockFor       time.Duration
	LoginMaxPerIP      int
	EnforcerCacheSize  int
	DBMaxConns         int
	BaseURL            string
	WorkerConcurrency  int
	TrustedProxies     []string
	Version            string
	Console            fs.FS
	Log                *slog.Logger
	// Mail is where queued mail is delivered (SMTP in production, an outbox
	// in tests); nil writes it to the log.
	Mail mail.Sender
	// PayTimeout closes unpaid orders; AutoCompleteAfter completes shipped ones.
	PayTimeout        time.Duration
	AutoCompleteAfter time.Duration
	ShopSessionTTL    time.Duration
	// PublicURL is where WeChat Pay reaches this server (notifications).
	PublicURL string
	// WeChatBaseURL sends every WeChat and WeChat Pay call there instead of
	// WeChat's hosts (the fake); empty in production.
	WeChatBaseURL string
	// Fake is the in-process fake WeChat (tests, demo); stores register with it
	// when they save their settings, as they would with WeChat.
	Fake *wechatfake.Server
	// Platform is the platform's WeChat Pay service-provider account (partner mode).
	Platform *payment.Platform
	// Component is the platform's WeChat third-party platform registration; nil: not one.
	Component *thirdparty.Config
	// BillingPay is the platform's own WeChat Pay merchant account, which
	// brands pay their plans to (Native QR codes); nil: bank transfers only.
	BillingPay *billing.Pay
}

// App is a running Shoplet.
type App struct {
	Cfg       Config
	Log       *slog.Logger
	DB        *db.DB
	Redis     *kv.Conn
	T         *tenant.Store
	Queue     *jobs.Queue
	Mux       *jobs.Mux
	Auth      *onboard.Auth
	Stores    *onboard.Stores
	Agencies  *onboard.Agencies
	Platform  *onboard.Platform
	Enforcers *access.Enforcers
	Access    *access.Store
	Audit     *audit.Log
	Files     *files.Store
	Catalog   *catalog.Service
	Settings  *settings.Service
	WxApp     *wxapp.Clients
	Members   *member.Service
	Orders    *order.Service
	Marketing *marketing.Service
	Payments  *payment.Service
	Billing   *billing.Service
	Builds    *miniapp.Builds
	Component *thirdparty.Service
	Publish   *publish.Service
	Rollouts  *publish.Rollouts
	API       *api.Server
	Registry  *prometheus.Registry
	// Near serves sessions and policy/catalog versions from instance-local
	// copies kept coherent through Redis (see kv.Near).
	Near     *kv.Near
	stopNear context.CancelFunc
	// stopSweeps ends the worker's hourly billing sweep queueing.
	stopSweeps context.CancelFunc
	worker     *jobs.Worker
	// inspector reads the job queue for operators (publish.go).
	inspector     *asynq.Inspector
	inspectorOnce sync.Once
	// paidGifts gives a paid order's member the after-payment gift coupons
	// (run by the paid message's job; see wireMarketing).
	paidGifts func(ctx context.Context, ord order.Order) error
}

// Migrate applies migrations as the schema owner and grants the application
// role its data privileges (when the two differ).
func Migrate(ctx context.Context, cfg Config, log *slog.Logger) error {
	dsn := cfg.MigrateDatabaseURL
	if dsn == "" {
		dsn = cfg.DatabaseURL
	}
	d, err := db.Open(dsn, db.Options{MaxOpenConns: 2})
	if err != nil {
		return err
	}
	defer d.Close()
	applied, err := db.Migrate(ctx, d, migrations.FS)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "files", applied)
	}
	if role := appRole(cfg); role != "" {
		if err := db.GrantApp(ctx, d, role); err != nil {
			return err
		}
	}
	return nil
}

// appRole is the application's PostgreSQL user when it differs from the migrator's.
func appRole(cfg Config) string {
	if cfg.MigrateDatabaseURL == "" || db.DialectOf(cfg.DatabaseURL) != db.Postgres {
		return ""
	}
	a, err1 := url.Parse(cfg.DatabaseURL)
	m, err2 := url.Parse(cfg.MigrateDatabaseURL)
	if err1 != nil || err2 != nil || a.User == nil {
		return ""
	}
	if m.User != nil && m.User.Username() == a.User.Username() {
		return ""
	}
	return a.User.Username()
}

// New opens everything and builds the API. It does not start the worker.
func New(ctx context.Context, cfg Config) (*App, error) {
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	a := &App{Cfg: cfg, Log: log}
	if cfg.MigrateOnStart {
		if err := Migrate(ctx, cfg, log); err != nil {
			return nil, err
		}
	}
	var err error
	if a.DB, err = db.Open(cfg.DatabaseURL, db.Options{MaxOpenConns: cfg.DBMaxConns}); err != nil {
		return nil, err
	}
	if bypass, err := db.CanBypassRLS(ctx, a.DB); err != nil {
		a.Close()
		return nil, err
	} else if bypass && !cfg.AllowRLSBypass {
		a.Close()
		return nil, fmt.Errorf("the database role in SHOPLET_DATABASE_URL bypasses row-level security (superuser or BYPASSRLS); " +
			"connect as an ordinary role (see README) or set SHOPLET_ALLOW_RLS_BYPASS=true for development")
	} else if bypass {
		log.Warn("!!! the application's database role bypasses row-level security: tenant isolation rests on application scoping alone")
	}
	if a.T, err = tenant.NewStore(a.DB); err != nil {
		a.Close()
		return nil, err
	}
	if a.Redis, err = kv.Open(ctx, cfg.RedisURL); err != nil {
		a.Close()
		return nil, err
	}
	if a.Redis.Embedded() {
		log.Warn("using the embedded in-process Redis: sessions and queued jobs are lost on restart; set SHOPLET_REDIS_URL in production")
	}
	box, err := secretbox.New(cfg.MasterKeyID, cfg.MasterKey)
	if err != nil {
		a.Close()
		return nil, err
	}
	rdb := a.Redis.Client
	a.Near = kv.NewNear(rdb, cfg.RedisPrefix, kv.NearOptions{Log: log})
	nearCtx, stopNear := context.WithCancel(context.WithoutCancel(ctx))
	a.stopNear = stopNear
	go a.Near.Run(nearCtx)
	if a.Enforcers, err = access.NewEnforcers(a.T, rdb, cfg.RedisPrefix, cfg.EnforcerCacheSize); err != nil {
		a.Close()
		return nil, err
	}
	a.Enforcers.Near = a.Near
	a.Queue = jobs.NewQueue(a.Redis, cfg.Queue, cfg.RedisPrefix)
	out := cfg.Mail
	if out == nil {
		out = mail.Log{L: log}
	}
	a.Mux = jobs.NewMux(log)
	a.Mux.Handle(jobs.TypeMail, jobs.HandleMail(out))
	a.Mux.HandlePlatform(jobs.TypePlatformMail, jobs.HandleMail(out))

	a.Access = &access.Store{T: a.T}
	a.Audit = &audit.Log{T: a.T}
	a.Files = &files.Store{T: a.T, Blob: blob.Disk{Root: filepath.Join(cfg.DataDir, "files")}}
	a.Auth = &onboard.Auth{T: a.T, R: rdb, Near: a.Near, Prefix: cfg.RedisPrefix, AccessTTL: cfg.AccessTTL, RefreshTTL: cfg.RefreshTTL,
		MaxFailures: cfg.LoginMaxFailures, LockFor: cfg.LoginLockFor, MaxPerIP: cfg.LoginMaxPerIP, Mail: jobs.MailSender{Q: a.Queue, Platform: true}, BaseURL: cfg.BaseURL}
	a.Stores = &onboard.Stores{T: a.T, Access: a.Access, Enforcer: a.Enforcers, Audit: a.Audit, Files: a.Files,
		Mail: jobs.MailSender{Q: a.Queue}, BaseURL: cfg.BaseURL}
	a.Agencies = &onboard.Agencies{T: a.T, R: rdb, Prefix: cfg.RedisPrefix, Auth: a.Auth}
	a.Platform = &onboard.Platform{S: a.Stores}
	catalogKey := func(tid string) string { return cfg.RedisPrefix + "cv:{" + tid + "}" }
	a.Catalog = &catalog.Service{T: a.T, Audit: a.Audit, Biz: a.Stores, Images: a.Files,
		// Runs after commit: readers that see the new version miss the cache.
		OnChange: func(ctx context.Context, _ ...string) {
			if tid, ok := tenant.FromContext(ctx); ok {
				if err := rdb.Incr(ctx, catalogKey(tid)).Err(); err != nil {
					log.ErrorContext(ctx, "bump catalog version", "err", err)
				} else if err := a.Near.Invalidate(ctx, catalogKey(tid)); err != nil {
					log.ErrorContext(ctx, "invalidate catalog version", "err", err)
				}
			}
		}}
	a.Settings = &settings.Service{T: a.T, Box: box, Audit: a.Audit, Entity: a.Stores}
	// A store's WeChat and pay configuration is cached per instance under a
	// version that every change bumps in Redis and drops from every
	// instance's local copy before returning (as catalog versions are).
	payKey := func(tid string) string { return cfg.RedisPrefix + "payv:{" + tid + "}" }
	a.Settings.AfterChange = func(ctx context.Context, section string) {
		// The change is committed: bump even if the request that made it
		// has gone (a lost bump would leave other instances on the old
		// merchant until the TTL).
		ctx = context.WithoutCancel(ctx)
		if tid, ok := tenant.FromContext(ctx); ok {
			if err := rdb.Incr(ctx, payKey(tid)).Err(); err != nil {
				log.ErrorContext(ctx, "bump payment configuration version", "err", err)
			} else if err := a.Near.Invalidate(ctx, payKey(tid)); err != nil {
				log.ErrorContext(ctx, "invalidate payment configuration version", "err", err)
			}
		}
		a.Payments.Forget(ctx)
		a.registerWithFake(ctx, section)
	}
	httpc, err := wechat.Client(cfg.WeChatBaseURL)
	if err != nil {
		a.Close()
		return nil, err
	}
	// silenceper/wechat reads one package-level client; setting it here gives
	// every WeChat call a timeout and, with the fake, its address.
	wxutil.DefaultHTTPClient = httpc
	a.WxApp = wxapp.New(a.Settings)
	if cfg.Component != nil {
		a.Component = thirdparty.New(thirdparty.Service{Cfg: *cfg.Component, T: a.T, R: rdb, Prefix: cfg.RedisPrefix, Settings: a.Settings,
			Audit: a.Audit, CallbackURL: strings.TrimRight(orString(cfg.PublicURL, cfg.BaseURL), "/") + "/api/wechat/component/authorized",
			LoginPageBase: cfg.WeChatBaseURL})
		a.WxApp.Component = a.Component
	}
	a.Members = &member.Service{T: a.T, R: rdb, Near: a.Near, Prefix: cfg.RedisPrefix, WeChat: a.WxApp, Entity: a.Stores, TTL: orDefault(cfg.ShopSessionTTL, 7*24*time.Hour)}
	// Coupons that ran out are marked like sold-out SKUs (the ids never collide).
	a.Marketing = &marketing.Service{T: a.T, Audit: a.Audit, Gone: soldOut{a: a, ttl: couponGoneTTL}}
	a.Orders = &order.Service{T: a.T, Members: a.Members, PayTimeout: orDefault(cfg.PayTimeout, 30*time.Minute), OnChange: a.Catalog.OnChange,
		Marketing: a.Marketing}
	a.Payments = &payment.Service{Settings: a.Settings, Orders: a.Orders, HTTP: httpc, NotifyBase: orString(cfg.PublicURL, cfg.BaseURL), Platform: cfg.Platform,
		Version: func(ctx context.Context) (string, error) {
			tid, _ := tenant.FromContext(ctx)
			v, err := a.Near.Get(ctx, payKey(tid))
			s, _ := v.(string)
			return s, err
		}}
	if a.Cfg.AutoCompleteAfter == 0 {
		a.Cfg.AutoCompleteAfter = 7 * 24 * time.Hour
	}
	if a.Cfg.PayTimeout == 0 {
		a.Cfg.PayTimeout = a.Orders.PayTimeout
	}
	a.wireCommerce()
	a.wireBilling()
	a.wireMarketing()
	a.Builds = &miniapp.Builds{T: a.T, Settings: a.Settings, Files: a.Files, Audit: a.Audit, Queue: buildQueue{a}, Template: templates.Storefront(),
		APIBase: orString(cfg.PublicURL, cfg.BaseURL), StoreName: func(ctx context.Context) (string, error) {
			t, err := a.Stores.Get(ctx)
			return t.Name, err
		}}
	a.Mux.Handle(TypeMiniAppBuild, func(ctx context.Context, raw json.RawMessage) error {
		var t struct {
			BuildID string `json:"build_id"`
		}
		if err := json.Unmarshal(raw, &t); err != nil {
			return err
		}
		return a.Builds.Run(ctx, t.BuildID)
	})
	if a.Component != nil {
		a.wirePublish()
	}
	a.Mux.Handle(TypeCatalogImport, func(ctx context.Context, raw json.RawMessage) error {
		var t struct {
			JobID string `json:"job_id"`
		}
		if err := json.Unmarshal(raw, &t); err != nil {
			return err
		}
		return a.Catalog.RunImport(ctx, a.Files, t.JobID)
	})
	a.Registry = prometheus.NewRegistry()
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.API = api.New(api.Deps{Log: log, DB: a.DB, T: a.T, Redis: rdb, Near: a.Near, Auth: a.Auth, Stores: a.Stores, Agencies: a.Agencies,
		Platform: a.Platform, Enforcers: a.Enforcers, Audit: a.Audit, Files: a.Files, Catalog: a.Catalog, Settings: a.Settings,
		Registry: a.Registry, Console: cfg.Console, Version: cfg.Version, TrustedProxies: cfg.TrustedProxies,
		CatalogVersionKey: catalogKey, Members: a.Members, Orders: a.Orders, Marketing: a.Marketing, Pay: a.Payments, Builds: a.Builds, Codes: a.WxApp, Component: a.Component, ConsoleURL: cfg.BaseURL,
		Publish: a.Publish, Rollouts: a.Rollouts, Jobs: a.jobStats, EnqueueImport: a.enqueueImport, Billing: a.Billing})
	return a, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// StartWorker runs the asynq worker in this process.
func (a *App) StartWorker() error {
	n := a.Cfg.WorkerConcurrency
	if n <= 0 {
		n = 4
	}
	a.worker = jobs.NewWorker(a.Redis.Options, a.Cfg.Queue, n, a.Log)
	if err := a.worker.Start(a.Mux); err != nil {
		return err
	}
	sweepCtx, stop := context.WithCancel(context.Background())
	a.stopSweeps = stop
	go a.queueSweeps(sweepCtx)
	return nil
}

// Close stops the worker and closes connections.
func (a *App) Close() {
	if a.stopNear != nil {
		a.stopNear()
	}
	if a.stopSweeps != nil {
		a.stopSweeps()
	}
	if a.worker != nil {
		a.worker.Shutdown()
	}
	if a.inspector != nil {
		_ = a.inspector.Close()
	}
	if a.Queue != nil {
		a.Queue.Close()
	}
	if a.Redis != nil {
		a.Redis.Close()
	}
	if a.DB != nil {
		a.DB.Close()
	}
}
