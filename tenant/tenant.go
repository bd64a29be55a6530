// Package tenant is the tenant core: the tenant travels in context.Context,
// every query on a tenant-owned model is scoped to it (and fails when it is
// missing), and on PostgreSQL each transaction sets the row-level-security
// setting so the database enforces the same rule underneath.
package tenant

import (
	"context"
	"errors"
	"reflect"
	"sync"

	"github.com/shoplet/shoplet/pkg/db"
	"github.com/shoplet/shoplet/pkg/ids"
	"gorm.io/gorm"
)

type ctxKey struct{}

// WithTenant returns ctx carrying tenant id.
func WithTenant(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the tenant in ctx.
func FromContext(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(ctxKey{}).(string)
	return id, ok && id != ""
}

// ErrNoTenant is returned by any tenant-owned query run without a tenant.
var ErrNoTenant = errors.New("tenant: no tenant in context")

// ErrNoTx is returned when tenant data is touched outside Store.Tx.
var ErrNoTx = errors.New("tenant: tenant data accessed outside a tenant transaction")

// Owned is implemented by models whose rows belong to one tenant. Their
// queries get "tenant_id = <ctx tenant>" added, and creating one stamps the
// tenant; without a tenant in the context the statement fails.
type Owned interface{ TenantOwned() }

// Base is embedded by tenant-owned models: the tenant is part of every primary key.
type Base struct {
	TenantID string `gorm:"primaryKey" json:"-"`
}

// TenantOwned marks the model as tenant-owned.
func (Base) TenantOwned() {}

// Actor is who acts in a request, for audit and attribution.
type Actor struct {
	AccountID string
	AgencyID  string // set when acting through an agency grant
	Operator  bool   // a platform operator acting on the tenant
	IP        string
	RequestID string
}

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx (zero if none).
func ActorFrom(ctx context.Context) Actor { a, _ := ctx.Value(actorKey{}).(Actor); return a }

// Store opens tenant-scoped and platform transactions.
type Store struct {
	DB     *db.DB
	tables *tables
}

// NewStore reads the tenant-owned tables from d's schema, registers the
// scoping callbacks and the guard on d (see scope.go) and returns a Store.
func NewStore(d *db.DB) (*Store, error) {
	names, err := loadOwned(context.Background(), d)
	if err != nil {
		return nil, err
	}
	t := &tables{}
	t.add(names...)
	if err := t.register(d.Gorm); err != nil {
		return nil, err
	}
	return &Store{DB: d, tables: t}, nil
}

// Tx runs fn in a transaction scoped to the tenant in ctx. It fails with
// ErrNoTenant when ctx has none. On PostgreSQL it sets app.tenant_id for the
// transaction only (set_config(..., true)), which the row-level-security
// policies read; a pooled connection never carries it over.
func (s *Store) Tx(ctx context.Context, fn func(ctx context.Context) error) error {
	tid, ok := FromContext(ctx)
	if !ok {
		return ErrNoTenant
	}
	// A platform transaction may enter one tenant's scope, so that
	// provisioning writes the tenant row and its first tenant rows atomically.
	if tx, scope, ok := db.TxFrom(ctx); ok && scope == "" {
		if err := s.setTenant(tx, tid); err != nil {
			return err
		}
		err := fn(db.WithTx(ctx, tx, tid))
		if rerr := s.setTenant(tx, ""); err == nil {
			err = rerr
		}
		return err
	}
	return s.DB.InTx(ctx, tid, func(tx *gorm.DB) error { return s.setTenant(tx, tid) }, fn)
}

// setTenant sets app.tenant_id for the rest of the transaction. It is SET
// LOCAL, not set_config(): Citus propagates SET LOCAL to the shards a
// transaction touches (citus.propagate_set_commands = 'local'), and a
// function call it would not. SET takes no bind parameter, so the value is a
// literal: only a well-formed id (or "" to leave the tenant) is accepted.
func (s *Store) setTenant(tx *gorm.DB, tid string) error {
	if s.DB.Dialect != db.Postgres {
		return nil
	}
	if tid != "" && !ids.Valid(tid) {
		return ErrNoTenant
	}
	return tx.Exec("SET LOCAL app.tenant_id = '" + tid + "'").Error
}

// PlatformTx runs fn in a transaction for platform tables (accounts, tenants,
// memberships). Tenant-owned rows are invisible inside it.
func (s *Store) PlatformTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return s.DB.InTx(ctx, "", nil, fn)
}

// Q returns the transaction in ctx. Touching tenant data outside Tx is a bug;
// Q makes it an error rather than an unscoped read.
func (s *Store) Q(ctx context.Context) *gorm.DB {
	tx, scope, ok := db.TxFrom(ctx)
	if !ok {
		g := s.DB.Gorm.WithContext(ctx)
		_ = g.AddError(ErrNoTx)
		return g
	}
	if tid, _ := FromContext(ctx); tid != scope && scope != "" {
		_ = tx.AddError(db.ErrScope)
	}
	return tx
}

// P returns a handle for platform tables: the transaction in ctx if any, else the pool.
func (s *Store) P(ctx context.Context) *gorm.DB {
	if tx, _, ok := db.TxFrom(ctx); ok {
		return tx
	}
	return s.DB.Gorm.WithContext(ctx)
}

var ownedCache sync.Map // reflect.Type -> bool

func isOwned(t reflect.Type) bool {
	if v, ok := ownedCache.Load(t); ok {
		return v.(bool)
	}
	_, owned := reflect.New(t).Interface().(Owned)
	ownedCache.Store(t, owned)
	return owned
}

// ErrTenantMismatch is returned when a model carries another tenant's id.
var ErrTenantMismatch = errors.New("tenant: model belongs to another tenant")

func stamp(g *gorm.DB) {
	st := g.Statement
	if st.Schema == nil || !isOwned(st.Schema.ModelType) {
		return
	}
	tid, ok := FromContext(st.Context)
	if !ok {
		_ = g.AddError(ErrNoTenant)
		return
	}
	f := st.Schema.LookUpField("TenantID")
	if f == nil {
		_ = g.AddError(errors.New("tenant: owned model without TenantID"))
		return
	}
	set := func(rv reflect.Value) {
		v, zero := f.ValueOf(st.Context, rv)
		if zero {
			_ = f.Set(st.Context, rv, tid)
		} else if v.(string) != tid {
			_ = g.AddError(ErrTenantMismatch)
		}
	}
	rv := reflect.Indirect(st.ReflectValue)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len(); i++ {
			set(reflect.Indirect(rv.Index(i)))
		}
	case reflect.Struct:
		set(rv)
	}
}
