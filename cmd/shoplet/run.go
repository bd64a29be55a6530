package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only on SHOPLET_PPROF_ADDR
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/shoplet/shoplet/pkg/mail"
	"github.com/shoplet/shoplet/pkg/secretbox"
	"github.com/shoplet/shoplet/pkg/wechatfake"
	"github.com/shoplet/shoplet/templates"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/app"
	"github.com/shoplet/shoplet/tenant/billing"
	"github.com/shoplet/shoplet/tenant/payment"
	"github.com/shoplet/shoplet/tenant/settings"
	"github.com/shoplet/shoplet/tenant/thirdparty"
	webadmin "github.com/shoplet/shoplet/web-admin"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Config is read from SHOPLET_* environment variables. Every field has a
// default that runs the embedded setup (SQLite, in-process Redis).
type Config struct {
	Env                string        `env:"ENV" envDefault:"development"` // development | production
	Addr               string        `env:"ADDR" envDefault:"127.0.0.1:8080"`
	BaseURL            string        `env:"BASE_URL"` // public console URL; default http://<addr>
	DataDir            string        `env:"DATA_DIR" envDefault:"./data"`
	DatabaseURL        string        `env:"DATABASE_URL"`         // default: SQLite in DATA_DIR
	MigrateDatabaseURL string        `env:"MIGRATE_DATABASE_URL"` // schema owner; default DATABASE_URL
	MigrateOnStart     bool          `env:"MIGRATE_ON_START" envDefault:"true"`
	AllowRLSBypass     bool          `env:"ALLOW_RLS_BYPASS" envDefault:"false"`
	RedisURL           string        `env:"REDIS_URL"` // empty: in-process Redis
	RedisPrefix        string        `env:"REDIS_PREFIX" envDefault:"shoplet:"`
	Queue              string        `env:"QUEUE" envDefault:"shoplet"`
	MasterKey          string        `env:"MASTER_KEY"` // base64 32 bytes; development generates one in DATA_DIR
	MasterKeyID        string        `env:"MASTER_KEY_ID" envDefault:"k1"`
	AccessTTL          time.Duration `env:"ACCESS_TTL" envDefault:"15m"`
	RefreshTTL         time.Duration `env:"REFRESH_TTL" envDefault:"720h"`
	LoginMaxFailures   int           `env:"LOGIN_MAX_FAILURES" envDefault:"5"`
	LoginLockFor       time.Duration `env:"LOGIN_LOCK_FOR" envDefault:"15m"`
	LoginMaxPerIP      int           `env:"LOGIN_MAX_PER_IP" envDefault:"30"`
	EnforcerCacheSize  int           `env:"ENFORCER_CACHE_SIZE" envDefault:"10000"`
	DBMaxConns         int           `env:"DB_MAX_CONNS" envDefault:"0"` // 0: 4 per CPU, at least 8 (db.DefaultMaxConns)
	Worker             string        `env:"WORKER" envDefault:"auto"`    // auto | inline | off
	WorkerConcurrency  int           `env:"WORKER_CONCURRENCY" envDefault:"8"`
	TrustedProxies     []string      `env:"TRUSTED_PROXIES"`
	LogLevel           string        `env:"LOG_LEVEL" envDefault:"info"`
	PprofAddr          string        `env:"PPROF_ADDR"` // e.g. 127.0.0.1:6060; off when empty
	PublicURL          string        `env:"PUBLIC_URL"` // where WeChat Pay reaches this server; default BASE_URL
	PayTimeout         time.Duration `env:"PAY_TIMEOUT" envDefault:"30m"`
	AutoComplete       time.Duration `env:"AUTO_COMPLETE_AFTER" envDefault:"168h"`
	// WeChatFake runs the project's fake WeChat and WeChat Pay in-process and
	// sends every WeChat call to it: for the demo on a laptop, never production.
	WeChatFake bool `env:"WECHAT_FAKE" envDefault:"false"`
	// The platform's WeChat Pay service-provider account, for partner mode.
	SpMchID         string `env:"WECHATPAY_SP_MCHID"`
	SpAppID         string `env:"WECHATPAY_SP_APPID"`
	SpSerial        string `env:"WECHATPAY_SP_SERIAL"`
	SpPrivateKey    string `env:"WECHATPAY_SP_PRIVATE_KEY_FILE"`
	SpAPIv3Key      string `env:"WECHATPAY_SP_APIV3_KEY"`
	SpPublicKeyID   string `env:"WECHATPAY_SP_PUBLIC_KEY_ID"`
	SpPublicKeyFile string `env:"WECHATPAY_SP_PUBLIC_KEY_FILE"`
	// The platform's own WeChat Pay merchant account, which brands pay their
	// plans to with Native QR codes; without it, plans are paid by transfer.
	BillMchID         string `env:"BILLING_WECHATPAY_MCHID"`
	BillAppID         string `env:"BILLING_WECHATPAY_APPID"`
	BillSerial        string `env:"BILLING_WECHATPAY_SERIAL"`
	BillPrivateKey    string `env:"BILLING_WECHATPAY_PRIVATE_KEY_FILE"`
	BillAPIv3Key      string `env:"BILLING_WECHATPAY_APIV3_KEY"`
	BillPublicKeyID   string `env:"BILLING_WECHATPAY_PUBLIC_KEY_ID"`
	BillPublicKeyFile string `env:"BILLING_WECHATPAY_PUBLIC_KEY_FILE"`
	// Mail: an SMTP submission server. Without one, mail is written to the
	// log (development only: it carries sign-in links).
	SMTPHost     string `env:"SMTP_HOST"`
	SMTPPort     int    `env:"SMTP_PORT"`                           // 0: 587 (starttls), 465 (tls), 25 (none)
	SMTPSecurity string `env:"SMTP_SECURITY" envDefault:"starttls"` // starttls | tls | none
	SMTPUsername string `env:"SMTP_USERNAME"`
	SMTPPassword string `env:"SMTP_PASSWORD"`
	MailFrom     string `env:"MAIL_FROM"` // e.g. "Shoplet <no-reply@shop.example.com>"
	// The platform's WeChat third-party platform (第三方平台) registration.
	ComponentAppID  string `env:"COMPONENT_APPID"`
	ComponentSecret string `env:"COMPONENT_SECRET"`
	ComponentToken  string `env:"COMPONENT_TOKEN"`   // message verification token
	ComponentAESKey string `env:"COMPONENT_AES_KEY"` // EncodingAESKey, 43 characters
}

// String prints the configuration with secrets masked.
func (c Config) String() string {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "[set]"
	}
	return fmt.Sprintf("env=%s addr=%s base_url=%s public_url=%s data_dir=%s database=%s redis=%s master_key=%s worker=%s wechat_fake=%v sp_apiv3_key=%s billing_apiv3_key=%s component=%s component_secret=%s smtp=%s smtp_user=%s smtp_password=%s",
		c.Env, c.Addr, c.BaseURL, c.PublicURL, c.DataDir, redactURL(c.DatabaseURL), redactURL(c.RedisURL), mask(c.MasterKey), c.Worker, c.WeChatFake, mask(c.SpAPIv3Key), mask(c.BillAPIv3Key),
		c.ComponentAppID, mask(c.ComponentSecret), c.SMTPHost, c.SMTPUsername, mask(c.SMTPPassword))
}

func redactURL(s string) string {
	if i := strings.Index(s, "@"); i > 0 {
		if j := strings.Index(s, "://"); j > 0 && j < i {
			return s[:j+3] + "***" + s[i:]
		}
	}
	return s
}

const usage = `shoplet — multi-tenant WeChat mini-program storefront builder

Usage:
  shoplet serve [--addr HOST:PORT]
                           run the API (and the worker in-process when SHOPLET_WORKER=inline, or auto with embedded Redis)
  shoplet worker           run background jobs only
  shoplet migrate up       apply database migrations
  shoplet admin create --email E --password P [--name N]
                           create a platform operator account
  shoplet miniapp generate --out DIR --app-id wx… --name N --store ID --api URL [--primary #RRGGBB] [--background #RRGGBB] [--tabs home,cart,user] [--cart=true]
                           write a brand's mini-program project (to upload with WeChat's own tools)
  shoplet health [--url URL] [--worker]
                           exit 0 when the server's /readyz answers ready (or, with --worker, when this host's worker is running)
  shoplet version

Every command takes --help. Configuration is read from SHOPLET_* environment variables; see README.md.
`

// usageError is a command line shoplet does not accept; main exits with 2 for it.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// errHelp reports that --help was asked for and answered: not a failure.
var errHelp = errors.New("help printed")

// command is a subcommand's flags; parse refuses unknown flags and any
// argument the command does not take.
type command struct {
	*flag.FlagSet
	synopsis string
	stdout   io.Writer
}

func newCommand(name, synopsis string, stdout io.Writer) command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned, help is printed by help()
	return command{FlagSet: fs, synopsis: synopsis, stdout: stdout}
}

func (c command) help() {
	fmt.Fprintf(c.stdout, "Usage: shoplet %s\n", c.synopsis)
	c.SetOutput(c.stdout)
	c.PrintDefaults()
	c.SetOutput(io.Discard)
}

func (c command) parse(args []string) error {
	if err := c.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.help()
			return errHelp
		}
		return usageError{fmt.Sprintf("%s: %v\nusage: shoplet %s", c.Name(), err, c.synopsis)}
	}
	if c.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q\nusage: shoplet %s", c.Name(), c.Arg(0), c.synopsis)}
	}
	return nil
}

// sub checks that args start with the one word a command group takes
// ("migrate up", "admin create"); --help on the group prints its usage.
func sub(group, word, synopsis string, args []string, stdout io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprintf(stdout, "Usage: shoplet %s\n", synopsis)
		return errHelp
	}
	if len(args) == 0 || args[0] != word {
		return usageError{fmt.Sprintf("usage: shoplet %s", synopsis)}
	}
	return nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	err := dispatch(ctx, args, getenv, stdout)
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

func dispatch(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return nil
	}
	// config parses the environment only for commands that use it, so
	// --help and version work whatever the environment holds.
	config := func() (Config, *slog.Logger, func(), error) {
		var cfg Config
		if err := env.ParseWithOptions(&cfg, env.Options{Prefix: "SHOPLET_", Environment: environ(getenv)}); err != nil {
			return cfg, nil, nil, err
		}
		out := newBufferedLog(stdout)
		return cfg, newLogger(cfg.LogLevel, out), func() { out.Close() }, nil
	}
	switch args[0] {
	case "version":
		if err := newCommand("version", "version", stdout).parse(args[1:]); err != nil {
			return err
		}
		fmt.Fprintln(stdout, version)
		return nil
	case "migrate":
		if err := sub("migrate", "up", "migrate up", args[1:], stdout); err != nil {
			return err
		}
		if err := newCommand("migrate up", "migrate up", stdout).parse(args[2:]); err != nil {
			return err
		}
		cfg, log, done, err := config()
		if err != nil {
			return err
		}
		defer done()
		ac, err := appConfig(cfg, log)
		if err != nil {
			return err
		}
		return app.Migrate(ctx, ac, log)
	case "serve":
		c := newCommand("serve", "serve [--addr HOST:PORT]", stdout)
		addr := c.String("addr", "", "listen address (default SHOPLET_ADDR, 127.0.0.1:8080)")
		if err := c.parse(args[1:]); err != nil {
			return err
		}
		cfg, log, done, err := config()
		if err != nil {
			return err
		}
		defer done()
		if *addr != "" {
			cfg.Addr = *addr
		}
		return serve(ctx, cfg, log, stdout)
	case "worker":
		if err := newCommand("worker", "worker", stdout).parse(args[1:]); err != nil {
			return err
		}
		cfg, log, done, err := config()
		if err != nil {
			return err
		}
		defer done()
		return worker(ctx, cfg, log)
	case "health":
		c := newCommand("health", "health [--url URL] [--worker]", stdout)
		u := c.String("url", "", "readiness URL (default http://127.0.0.1:<port of SHOPLET_ADDR>/readyz)")
		w := c.Bool("worker", false, "check that a worker runs on this host instead (asynq heartbeat in SHOPLET_REDIS_URL)")
		if err := c.parse(args[1:]); err != nil {
			return err
		}
		var cfg Config
		if err := env.ParseWithOptions(&cfg, env.Options{Prefix: "SHOPLET_", Environment: environ(getenv)}); err != nil {
			return err
		}
		if *w {
			return workerHealth(ctx, cfg)
		}
		return health(ctx, cfg, *u, stdout)
	case "admin":
		if err := sub("admin", "create", adminSynopsis, args[1:], stdout); err != nil {
			return err
		}
		return admin(ctx, args[2:], stdout, config)
	case "miniapp":
		if err := sub("miniapp", "generate", miniappSynopsis, args[1:], stdout); err != nil {
			return err
		}
		return miniappCmd(args[2:], stdout)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q\n\n%s", args[0], usage)}
}

// environ turns getenv into the map caarlos0/env reads, for SHOPLET_* only.
func environ(getenv func(string) string) map[string]string {
	m := map[string]string{}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "SHOPLET_") {
			m[k] = getenv(k)
		}
	}
	return m
}

func newLogger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(tenant.LogHandler{Handler: slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})})
}

func appConfig(cfg Config, log *slog.Logger) (app.Config, error) {
	if cfg.DatabaseURL == "" {
		cfg.DatabaseURL = "file:" + filepath.Join(cfg.DataDir, "shoplet.db")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + loopback(cfg.Addr)
	}
	key, err := masterKey(cfg, log)
	if err != nil {
		return app.Config{}, err
	}
	if cfg.Env == "production" && cfg.RedisURL == "" {
		return app.Config{}, errors.New("SHOPLET_REDIS_URL is required in production (the embedded Redis keeps nothing across restarts)")
	}
	sp, err := platformAccount(cfg)
	if err != nil {
		return app.Config{}, err
	}
	bill, err := billingAccount(cfg)
	if err != nil {
		return app.Config{}, err
	}
	var out mail.Sender
	if cfg.SMTPHost != "" {
		s := mail.SMTP{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Security: cfg.SMTPSecurity, Username: cfg.SMTPUsername,
			Password: cfg.SMTPPassword, From: cfg.MailFrom}
		if err := s.Validate(); err != nil {
			return app.Config{}, fmt.Errorf("SHOPLET_SMTP_* / SHOPLET_MAIL_FROM: %w", err)
		}
		out = s
	}
	return app.Config{
		Mail:        out,
		DatabaseURL: cfg.DatabaseURL, MigrateDatabaseURL: cfg.MigrateDatabaseURL, MigrateOnStart: cfg.MigrateOnStart,
		AllowRLSBypass: cfg.AllowRLSBypass || cfg.Env != "production", RedisURL: cfg.RedisURL, RedisPrefix: cfg.RedisPrefix,
		Queue: cfg.Queue, DataDir: cfg.DataDir, MasterKeyID: cfg.MasterKeyID, MasterKey: key, AccessTTL: cfg.AccessTTL,
		RefreshTTL: cfg.RefreshTTL, LoginMaxFailures: cfg.LoginMaxFailures, LoginLockFor: cfg.LoginLockFor, LoginMaxPerIP: cfg.LoginMaxPerIP,
		EnforcerCacheSize: cfg.EnforcerCacheSize, DBMaxConns: cfg.DBMaxConns, BaseURL: cfg.BaseURL, WorkerConcurrency: cfg.WorkerConcurrency,
		TrustedProxies: cfg.TrustedProxies, Version: version, Console: webadmin.FS(), Log: log,
		PayTimeout: cfg.PayTimeout, AutoCompleteAfter: cfg.AutoComplete, PublicURL: cfg.PublicURL, Platform: sp,
		Component: component(cfg), BillingPay: bill,
	}, nil
}

// checkProduction refuses, in production, to put a listen address in mail
// links and WeChat Pay's notify URL (a brand's staff and WeChat Pay must
// reach them from outside; WeChat Pay only posts to https), and to write
// mail with sign-in links to the log instead of sending it.
func checkProduction(cfg Config) error {
	if cfg.Env != "production" {
		return nil
	}
	if cfg.SMTPHost == "" {
		return errors.New("SHOPLET_SMTP_HOST (and SHOPLET_MAIL_FROM) are required in production: invitations and password resets are mailed")
	}
	check := func(name, v string, https bool) error {
		if v == "" {
			return fmt.Errorf("%s is required in production: the public URL people and WeChat reach this server at (e.g. https://shop.example.com)", name)
		}
		u, err := url.Parse(v)
		if err != nil || u.Host == "" || (u.Scheme != "https" && (https || u.Scheme != "http")) {
			want := "an http(s) URL with a host"
			if https {
				want = "an https URL with a host (WeChat Pay posts notifications only to https)"
			}
			return fmt.Errorf("%s=%q: want %s", name, v, want)
		}
		h := u.Hostname()
		if ip := net.ParseIP(h); h == "localhost" || strings.HasSuffix(h, ".localhost") || (ip != nil && (ip.IsLoopback() || ip.IsUnspecified())) {
			return fmt.Errorf("%s=%q is not reachable from outside this machine", name, v)
		}
		return nil
	}
	if err := check("SHOPLET_BASE_URL", cfg.BaseURL, false); err != nil {
		return err
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = cfg.BaseURL
	}
	return check("SHOPLET_PUBLIC_URL (default SHOPLET_BASE_URL)", cfg.PublicURL, true)
}

func component(cfg Config) *thirdparty.Config {
	if cfg.ComponentAppID == "" {
		return nil
	}
	return &thirdparty.Config{AppID: cfg.ComponentAppID, Secret: cfg.ComponentSecret, MsgToken: cfg.ComponentToken, AESKey: cfg.ComponentAESKey}
}

// platformAccount loads the platform's service-provider account, if configured.
func platformAccount(cfg Config) (*payment.Platform, error) {
	if cfg.SpMchID == "" {
		return nil, nil
	}
	pk, err := os.ReadFile(cfg.SpPrivateKey)
	if err != nil {
		return nil, fmt.Errorf("SHOPLET_WECHATPAY_SP_PRIVATE_KEY_FILE: %w", err)
	}
	priv, err := settings.ParsePrivateKey(string(pk))
	if err != nil {
		return nil, fmt.Errorf("SHOPLET_WECHATPAY_SP_PRIVATE_KEY_FILE: %w", err)
	}
	pubPEM, err := os.ReadFile(cfg.SpPublicKeyFile)
	if err != nil {
		return nil, fmt.Errorf("SHOPLET_WECHATPAY_SP_PUBLIC_KEY_FILE: %w", err)
	}
	pub, err := settings.ParsePublicKey(string(pubPEM))
	if err != nil {
		return nil, fmt.Errorf("SHOPLET_WECHATPAY_SP_PUBLIC_KEY_FILE: %w", err)
	}
	if len(cfg.SpAPIv3Key) != 32 || cfg.SpAppID == "" || cfg.SpSerial == "" || cfg.SpPublicKeyID == "" {
		return nil, errors.New("the service-provider account needs SHOPLET_WECHATPAY_SP_APPID, _SERIAL, _APIV3_KEY (32 characters) and _PUBLIC_KEY_ID")
	}
	return &payment.Platform{SpMchID: cfg.SpMchID, SpAppID: cfg.SpAppID, Serial: cfg.SpSerial, PrivateKey: priv, APIv3Key: cfg.SpAPIv3Key,
		PublicKeyID: cfg.SpPublicKeyID, PublicKey: pub}, nil
}

// billingAccount loads the platform's own merchant account for plan payments, if configured.
func billingAccount(cfg Config) (*billing.Pay, error) {
	if cfg.BillMchID == "" {
		return nil, nil
	}
	pk, err := os.ReadFile(cfg.BillPrivateKey)
	if err != nil {
		return nil, fmt.Errorf("SHOPLET_BILLING_WECHATPAY_PRIVATE_KEY_FILE: %w", err)
	}
	priv, err := settings.ParsePrivateKey(string(pk))
	if err != nil {
		return nil, fmt.Errorf("SHOPLET_BILLING_WECHATPAY_PRIVATE_KEY_FILE: %w", err)
	}
	pubPEM, err := os.ReadFile(cfg.BillPublicKeyFile)
	if err != nil {
		return nil, fmt.Errorf("SHOPLET_BILLING_WECHATPAY_PUBLIC_KEY_FILE: %w", err)
	}
	pub, err := settings.ParsePublicKey(string(pubPEM))
	if err != nil {
		return nil, fmt.Errorf("SHOPLET_BILLING_WECHATPAY_PUBLIC_KEY_FILE: %w", err)
	}
	if len(cfg.BillAPIv3Key) != 32 || cfg.BillAppID == "" || cfg.BillSerial == "" || cfg.BillPublicKeyID == "" {
		return nil, errors.New("the billing merchant account needs SHOPLET_BILLING_WECHATPAY_APPID, _SERIAL, _APIV3_KEY (32 characters) and _PUBLIC_KEY_ID")
	}
	return &billing.Pay{MchID: cfg.BillMchID, AppID: cfg.BillAppID, Serial: cfg.BillSerial, PrivateKey: priv, APIv3Key: cfg.BillAPIv3Key,
		PublicKeyID: cfg.BillPublicKeyID, PublicKey: pub}, nil
}

// masterKey returns the configured key, or in development a key generated
// once and kept in DATA_DIR/master.key.
func masterKey(cfg Config, log *slog.Logger) ([]byte, error) {
	if cfg.MasterKey != "" {
		return secretbox.ParseKey(cfg.MasterKey)
	}
	if cfg.Env == "production" {
		return nil, errors.New("SHOPLET_MASTER_KEY is required in production (32 random bytes, base64): it seals every store's WeChat and WeChat Pay secrets")
	}
	path := filepath.Join(cfg.DataDir, "master.key")
	if b, err := os.ReadFile(path); err == nil {
		log.Warn("!!! DEVELOPMENT MASTER KEY in use (" + path + "); set SHOPLET_MASTER_KEY before storing real secrets")
		return secretbox.ParseKey(strings.TrimSpace(string(b)))
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, err
	}
	log.Warn("!!! GENERATED A DEVELOPMENT MASTER KEY at " + path + ": secrets sealed with it are only as safe as that file; set SHOPLET_MASTER_KEY in production")
	return key, nil
}

// tuneGC trades memory for latency: the live heap of a server is small, so
// the default GOGC=100 collects very often under load (measured: p99 of the
// console product list 28–44 ms at GOGC=100, 22 ms at 400). A soft memory
// limit keeps the larger target from growing without bound. GOGC and
// GOMEMLIMIT in the environment win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(2 << 30)
	}
}

func serve(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	if err := checkProduction(cfg); err != nil {
		return err
	}
	tuneGC()
	ac, err := appConfig(cfg, log)
	if err != nil {
		return err
	}
	fakeURL := ""
	if cfg.WeChatFake {
		if cfg.Env == "production" {
			return errors.New("SHOPLET_WECHAT_FAKE is for development only")
		}
		f, err := wechatfake.New()
		if err != nil {
			return err
		}
		fl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		go func() { _ = http.Serve(fl, f.Handler()) }()
		fakeURL = "http://" + fl.Addr().String()
		ac.Fake, ac.WeChatBaseURL = f, fakeURL
		log.Warn("!!! FAKE WECHAT: every WeChat and WeChat Pay call goes to the in-process fake at " + fakeURL + " (development only)")
		if ac.Component == nil {
			// A demo third-party platform that the fake knows, as WeChat would.
			key := make([]byte, 32)
			_, _ = rand.Read(key)
			ac.Component = &thirdparty.Config{AppID: "wx0000000000000c01", Secret: "demo-component-secret", MsgToken: "demo-token",
				AESKey: strings.TrimRight(base64.StdEncoding.EncodeToString(key), "=")}
		}
		c := ac.Component
		f.RegisterComponent(wechatfake.ComponentPlatform{AppID: c.AppID, Secret: c.Secret, MsgToken: c.MsgToken, AESKey: c.AESKey})
		go pushTickets(ctx, f, c.AppID, "http://"+cfg.Addr+"/api/wechat/component/events", log)
		// WeChat's side of publishing: review results go to the platform's
		// message URL, the library holds the storefront template, and the
		// demo's reviewers pass every version after a few seconds.
		f.SetMessageURL(c.AppID, "http://"+cfg.Addr+"/api/wechat/component/messages/$APPID$")
		f.AddTemplate(c.AppID, "1.0.0", "Shoplet storefront", storefrontPages()...)
		f.SetAutoAudit(5 * time.Second)
	}
	a, err := app.New(ctx, ac)
	if err != nil {
		return err
	}
	defer a.Close()
	inline := cfg.Worker == "inline" || (cfg.Worker == "auto" && a.Redis.Embedded())
	if inline {
		if err := a.StartWorker(); err != nil {
			return err
		}
	}
	if cfg.PprofAddr != "" {
		// Profiling stays on its own (loopback) listener, never on the public one.
		go func() {
			log.Info("pprof listening", "addr", cfg.PprofAddr)
			_ = http.ListenAndServe(cfg.PprofAddr, http.DefaultServeMux)
		}()
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.API.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	log.Info("shoplet is running", "url", "http://"+ln.Addr().String(), "openapi", "http://"+ln.Addr().String()+"/openapi.json",
		"worker_inline", inline, "config", cfg.String())
	fmt.Fprintf(stdout, "\n  Shoplet is running at http://%s  (API docs: /openapi.json)\n", ln.Addr().String())
	if fakeURL != "" {
		fmt.Fprintf(stdout, "  Fake WeChat and WeChat Pay at %s  (see README: a purchase with curl)\n", fakeURL)
	}
	fmt.Fprintln(stdout)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

func worker(ctx context.Context, cfg Config, log *slog.Logger) error {
	if err := checkProduction(cfg); err != nil {
		return err
	}
	ac, err := appConfig(cfg, log)
	if err != nil {
		return err
	}
	if cfg.RedisURL == "" {
		return errors.New("the worker needs SHOPLET_REDIS_URL: with the embedded Redis, run the worker inside serve")
	}
	tuneGC()
	a, err := app.New(ctx, ac)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.StartWorker(); err != nil {
		return err
	}
	log.Info("worker running", "queue", cfg.Queue)
	<-ctx.Done()
	return nil
}

const adminSynopsis = "admin create --email E --password P [--name N]"

func admin(ctx context.Context, args []string, stdout io.Writer, config func() (Config, *slog.Logger, func(), error)) error {
	c := newCommand("admin create", adminSynopsis, stdout)
	email := c.String("email", "", "operator email")
	password := c.String("password", "", "operator password (at least 10 characters)")
	name := c.String("name", "Platform operator", "display name")
	if err := c.parse(args); err != nil {
		return err
	}
	if *email == "" || len(*password) < 10 {
		return usageError{"--email and a --password of at least 10 characters are required"}
	}
	cfg, log, done, err := config()
	if err != nil {
		return err
	}
	defer done()
	ac, err := appConfig(cfg, log)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, ac)
	if err != nil {
		return err
	}
	defer a.Close()
	acc, err := a.Auth.CreateAccount(ctx, strings.ToLower(*email), *password, *name, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "operator %s created (id %s)\n", acc.Email, acc.ID)
	return nil
}

// storefrontPages lists the template's main-package pages (what WeChat knows
// of a template it holds).
func storefrontPages() []string {
	var app struct {
		Pages []string `json:"pages"`
	}
	raw, err := fs.ReadFile(templates.Storefront(), "app.json")
	if err == nil {
		_ = json.Unmarshal(raw, &app)
	}
	return app.Pages
}

// pushTickets plays WeChat's part in the demo: a component_verify_ticket now
// and every ten minutes.
func pushTickets(ctx context.Context, f *wechatfake.Server, appID, target string, log *slog.Logger) {
	for {
		time.Sleep(time.Second) // let the listener start
		if _, err := f.PushTicket(target, appID); err != nil {
			log.Warn("fake WeChat: ticket push failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(10 * time.Minute):
		}
	}
}
