// Package db opens Shoplet's database (PostgreSQL in production, pure-Go SQLite
// for the embedded default), applies migrations, and carries transactions in
// the context so that a store function uses the transaction it is given.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ncruces/go-sqlite3/gormlite"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the database family.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// DB is an open database.
type DB struct {
	Gorm    *gorm.DB
	SQL     *sql.DB
	Dialect Dialect
}

// Options tune the pool.
type Options struct {
	MaxOpenConns int // PostgreSQL pool size; 0 takes DefaultMaxConns
	LogSQL       bool
}

// DialectOf tells the dialect from a DSN: postgres:// or postgresql:// URLs
// are PostgreSQL; anything else ("file:...", a path) is SQLite.
func DialectOf(dsn string) Dialect {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return Postgres
	}
	return SQLite
}

// Open connects. For SQLite the parent directory is created and WAL, a busy
// timeout, foreign keys and IMMEDIATE transactions are set, so concurrent
// writers queue instead of failing with "database is locked".
func Open(dsn string, o Options) (*DB, error) {
	d := DialectOf(dsn)
	cfg := &gorm.Config{
		// Transactions are opened explicitly (they also carry the tenant);
		// GORM's implicit per-statement transactions would only add round trips.
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		Logger:                 logger.Discard,
		TranslateError:         true,
	}
	if o.LogSQL {
		cfg.Logger = logger.Default.LogMode(logger.Info)
	}
	var dial gorm.Dialector
	switch d {
	case Postgres:
		dial = postgres.Open(dsn)
	default:
		path, err := sqliteDSN(dsn)
		if err != nil {
			return nil, err
		}
		dial = gormlite.Open(path)
	}
	g, err := gorm.Open(dial, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", d, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	switch d {
	case Postgres:
		n := o.MaxOpenConns
		if n <= 0 {
			n = DefaultMaxConns()
		}
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	case SQLite:
		// One writer at a time is SQLite's model; a small pool lets readers
		// run beside it under WAL.
		sqlDB.SetMaxOpenConns(4)
		sqlDB.SetMaxIdleConns(4)
	}
	return &DB{Gorm: g, SQL: sqlDB, Dialect: d}, nil
}

// DefaultMaxConns sizes the PostgreSQL pool from the CPUs: four connections
// per core, at least 8. PostgreSQL does best with a few busy backends per
// core; more only add context switches under load, and after a start each
// new backend prepares every statement and loads its catalog caches again.
// On 2 cores a flash crowd hitting a freshly started server went from
// 4,700 attempts/s with 32 connections to 6,700 with 8.
func DefaultMaxConns() int {
	return max(8, 4*runtime.GOMAXPROCS(0))
}

func sqliteDSN(dsn string) (string, error) {
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "file:")
	query := ""
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query = path[:i], path[i+1:]
	}
	if path != ":memory:" && path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return "", err
		}
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", err
	}
	if !q.Has("_pragma") {
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(wal)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(normal)")
	}
	if !q.Has("_txlock") {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode(), nil
}

// Close closes the pool.
func (d *DB) Close() error { return d.SQL.Close() }

// Ping checks the connection (for /readyz).
func (d *DB) Ping(ctx context.Context) error { return d.SQL.PingContext(ctx) }

// Migrate applies every pending migration from fsys/<dialect>. On PostgreSQL a
// session advisory lock makes concurrent starts apply them one at a time.
func Migrate(ctx context.Context, d *DB, fsys fs.FS) ([]string, error) {
	sub, err := fs.Sub(fsys, string(d.Dialect))
	if err != nil {
		return nil, err
	}
	var opts []goose.ProviderOption
	gd := goose.DialectSQLite3
	if d.Dialect == Postgres {
		gd = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gd, d.SQL, sub, opts...)
	if err != nil {
		return nil, err
	}
	res, err := p.Up(ctx)
	var applied []string
	for _, r := range res {
		applied = append(applied, r.Source.Path)
	}
	return applied, err
}

// GrantApp gives role the data privileges the application needs and nothing
// more: it cannot own tables, alter them, or bypass row-level security.
func GrantApp(ctx context.Context, d *DB, role string) error {
	if d.Dialect != Postgres || role == "" {
		return nil
	}
	q := quoteIdent(role)
	for _, s := range []string{
		"GRANT USAGE ON SCHEMA public TO " + q,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + q,
		"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO " + q,
	} {
		if _, err := d.SQL.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// CanBypassRLS reports whether the connected role ignores row-level security
// (a superuser, a BYPASSRLS role). The server refuses to start as such a role
// outside development.
func CanBypassRLS(ctx context.Context, d *DB) (bool, error) {
	if d.Dialect != Postgres {
		return false, nil
	}
	var bypass bool
	err := d.SQL.QueryRowContext(ctx, `SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user`).Scan(&bypass)
	return bypass, err
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// txKey carries the open transaction and its scope in a context.
type txKey struct{}

type txVal struct {
	tx    *gorm.DB
	scope string
}

// ErrScope is returned when a transaction for one scope is reused for another.
var ErrScope = errors.New("db: transaction opened for another scope")

// InTx runs fn in a transaction. scope names whose data the transaction may
// touch (a tenant id, or "" for platform tables). An open transaction in ctx
// with the same scope is reused; one with another scope is an error, so a
// tenant's transaction can never be borrowed for a second tenant. begin runs
// first inside a new transaction (e.g. to set the PostgreSQL tenant setting).
func (d *DB) InTx(ctx context.Context, scope string, begin func(tx *gorm.DB) error, fn func(ctx context.Context) error) error {
	if v, ok := ctx.Value(txKey{}).(txVal); ok {
		if v.scope != scope {
			return ErrScope
		}
		return fn(ctx)
	}
	return d.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if begin != nil {
			if err := begin(tx); err != nil {
				return err
			}
		}
		return fn(context.WithValue(ctx, txKey{}, txVal{tx: tx, scope: scope}))
	})
}

// TxFrom returns the transaction in ctx and its scope.
func TxFrom(ctx context.Context) (*gorm.DB, string, bool) {
	v, ok := ctx.Value(txKey{}).(txVal)
	if !ok {
		return nil, "", false
	}
	return v.tx.WithContext(ctx), v.scope, true
}

// WithTx returns ctx carrying tx for scope. Used when a platform transaction
// enters one tenant's scope (provisioning writes both in one transaction).
func WithTx(ctx context.Context, tx *gorm.DB, scope string) context.Context {
	return context.WithValue(ctx, txKey{}, txVal{tx: tx, scope: scope})
}

// EscapeLike escapes LIKE wildcards in user input; use with ESCAPE '\\'.
func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Page trims rows fetched with LIMIT limit+1 to limit and returns the cursor
// of the next page (the last row's key), or "" when this was the last page.
func Page[T any](rows []T, limit int, key func(T) string) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, key(rows[len(rows)-1])
}
