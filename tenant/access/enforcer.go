package access

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/redis/go-redis/v9"
	"github.com/shoplet/shoplet/pkg/kv"
	"github.com/shoplet/shoplet/tenant"
)

// The model checks built-in role policies (domain "*") and the tenant's own.
// The domain comparison comes before the role lookup so custom policies of
// other domains are rejected cheaply.
const modelText = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = (p.dom == "*" || r.dom == p.dom) && (p.obj == "*" || r.obj == p.obj) && (p.act == "*" || r.act == p.act) && g(r.sub, p.sub, r.dom)
`

// Rule is one stored Casbin rule of a tenant. The tenant is its own column (and
// part of the key), so loading a tenant's rules is "WHERE tenant_id = ?" for p
// and g rules alike: the filter trap of the stock adapters, where g keeps the
// domain in v2 and p in v1, cannot happen here.
type Rule struct {
	tenant.Base
	Ptype string `gorm:"primaryKey"`
	V0    string `gorm:"primaryKey"`
	V1    string `gorm:"primaryKey"`
	V2    string `gorm:"primaryKey"`
	V3    string `gorm:"primaryKey"`
}

// TableName is the rules table.
func (Rule) TableName() string { return "casbin_rules" }

// Enforcers keeps one Casbin enforcer per tenant, loaded on demand with only
// that tenant's rules, in a bounded LRU. Each entry remembers the tenant's
// policy version; a request that sees a newer version in Redis reloads, so a
// revoke takes effect on every instance at the next request.
type Enforcers struct {
	store  *tenant.Store
	rdb    redis.UniversalClient
	prefix string
	base   model.Model
	cache  *lru.Cache[string, *entry]
	maxAge time.Duration
	mu     sync.Mutex // serialises loads of one tenant (see load)
	// Near, when set, holds other instances' copies of the version; Changed
	// returns only when they have dropped them.
	Near  *kv.Near
	loads map[string]*sync.Mutex
}

type entry struct {
	e       *casbin.SyncedCachedEnforcer
	status  string // the store's status ("" when there is no such store)
	version int64
	loaded  time.Time
}

// NewEnforcers builds the cache. size bounds the number of cached tenants.
func NewEnforcers(store *tenant.Store, rdb redis.UniversalClient, prefix string, size int) (*Enforcers, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		size = 10000
	}
	c, err := lru.New[string, *entry](size)
	if err != nil {
		return nil, err
	}
	return &Enforcers{store: store, rdb: rdb, prefix: prefix, base: m, cache: c,
		maxAge: 5 * time.Minute, loads: map[string]*sync.Mutex{}}, nil
}

// VersionKey is the Redis key holding a tenant's policy version.
func (x *Enforcers) VersionKey(tenantID string) string { return x.prefix + "pv:{" + tenantID + "}" }

// Version reads the tenant's policy version (0 when never changed).
func (x *Enforcers) Version(ctx context.Context, tenantID string) (int64, error) {
	v, err := x.rdb.Get(ctx, x.VersionKey(tenantID)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return v, err
}

// VersionOf reads a version from an MGET value (nil when never changed).
func VersionOf(v any) (int64, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case string:
		return strconv.ParseInt(x, 10, 64)
	}
	return 0, fmt.Errorf("access: unexpected version value %T", v)
}

// Changed must be called after a transaction that changed a tenant's rules
// has committed: it bumps the version every instance compares against. The
// local entry is dropped too, so this instance does not wait for the bump.
func (x *Enforcers) Changed(ctx context.Context, tenantID string) error {
	x.cache.Remove(tenantID)
	if err := x.rdb.Incr(ctx, x.VersionKey(tenantID)).Err(); err != nil {
		return err
	}
	if x.Near != nil {
		return x.Near.Invalidate(ctx, x.VersionKey(tenantID))
	}
	return nil
}

// Enforce reports whether sub may act on obj in tenantID, given the tenant's
// current policy version (read by the caller, usually pipelined with the
// session lookup).
func (x *Enforcers) Enforce(ctx context.Context, tenantID string, version int64, sub, obj, act string) (bool, error) {
	en, err := x.get(ctx, tenantID, version)
	if err != nil {
		return false, err
	}
	return en.e.Enforce(sub, tenantID, obj, act)
}

// Status returns the store's status ("" when there is no such store), from
// the same versioned cache as its policies.
func (x *Enforcers) Status(ctx context.Context, tenantID string, version int64) (string, error) {
	en, err := x.get(ctx, tenantID, version)
	if err != nil {
		return "", err
	}
	return en.status, nil
}

// Principal is who acts in a tenant and with which role.
type Principal struct {
	Subject  string // "u:<account>" or "a:<agency>"
	Role     string
	AgencyID string // set when the role comes from an agency grant
	Status   string // the store's status
}

// Resolve finds the role of an account in a tenant: its own membership first,
// else the first of its agencies (asked for lazily, since brand staff never
// need them) that holds a grant. ok is false when the account has no role in
// the tenant or the tenant does not exist: callers answer 404 for both.
func (x *Enforcers) Resolve(ctx context.Context, tenantID string, version int64, accountID string, agencies func() ([]string, error)) (p Principal, ok bool, err error) {
	en, err := x.get(ctx, tenantID, version)
	if err != nil {
		return p, false, err
	}
	if en.status == "" {
		return p, false, nil
	}
	p.Status = en.status
	sub := UserSubject(accountID)
	if roles := en.e.GetRolesForUserInDomain(sub, tenantID); len(roles) > 0 {
		p.Subject, p.Role = sub, roles[0]
		return p, true, nil
	}
	if agencies == nil {
		return p, false, nil
	}
	ags, err := agencies()
	if err != nil {
		return p, false, err
	}
	for _, a := range ags {
		sub := AgencySubject(a)
		if roles := en.e.GetRolesForUserInDomain(sub, tenantID); len(roles) > 0 {
			p.Subject, p.Role, p.AgencyID = sub, roles[0], a
			return p, true, nil
		}
	}
	return p, false, nil
}

func (x *Enforcers) get(ctx context.Context, tenantID string, version int64) (*entry, error) {
	if en, ok := x.cache.Get(tenantID); ok && en.version >= version && time.Since(en.loaded) < x.maxAge {
		return en, nil
	}
	// One load per tenant at a time: a burst of first requests for a cold
	// tenant does one query, not one each.
	x.mu.Lock()
	l, ok := x.loads[tenantID]
	if !ok {
		l = &sync.Mutex{}
		x.loads[tenantID] = l
	}
	x.mu.Unlock()
	l.Lock()
	defer func() {
		l.Unlock()
		x.mu.Lock()
		delete(x.loads, tenantID)
		x.mu.Unlock()
	}()
	if en, ok := x.cache.Get(tenantID); ok && en.version >= version && time.Since(en.loaded) < x.maxAge {
		return en, nil
	}
	en, err := x.load(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	en.version, en.loaded = version, time.Now()
	x.cache.Add(tenantID, en)
	return en, nil
}

// load reads the tenant's status and rules in one tenant transaction. The
// status rides along so a suspension (which bumps the version) reaches every
// instance the same way a revoke does.
func (x *Enforcers) load(ctx context.Context, tenantID string) (*entry, error) {
	var rules []Rule
	var status []string
	ctx = tenant.WithTenant(ctx, tenantID)
	err := x.store.Tx(ctx, func(ctx context.Context) error {
		if err := x.store.Q(ctx).Table("tenants").Where("id = ?", tenantID).Pluck("status", &status).Error; err != nil {
			return err
		}
		if len(status) == 0 {
			return nil
		}
		return x.store.Q(ctx).Find(&rules).Error
	})
	if err != nil {
		return nil, fmt.Errorf("load policies of tenant %s: %w", tenantID, err)
	}
	e, err := newEnforcer(x.base, rules)
	if err != nil {
		return nil, err
	}
	en := &entry{e: e}
	if len(status) > 0 {
		en.status = status[0]
	}
	return en, nil
}

// newEnforcer builds a tenant's enforcer. Casbin's check scans every policy
// (about 1.5 µs each through govaluate), so decisions are memoized by the
// cached enforcer: an enforcer is never mutated, a policy change replaces it
// (see Changed), so a memoized decision can never be stale.
func newEnforcer(base model.Model, rules []Rule) (*casbin.SyncedCachedEnforcer, error) {
	e, err := casbin.NewSyncedCachedEnforcer(base.Copy(), &loader{rules: rules})
	if err != nil {
		return nil, err
	}
	e.EnableAutoSave(false)
	e.EnableLog(false)
	e.EnableCache(true)
	return e, nil
}

// loader feeds the built-in role table and one tenant's rules to Casbin. It is
// read-only: rules change through Store in the same transaction as the
// membership or grant they describe, then Changed invalidates the caches.
type loader struct{ rules []Rule }

var errReadOnly = errors.New("access: enforcers are read-only caches; change rules through access.Store")

func (l *loader) LoadPolicy(m model.Model) error {
	for role, perms := range rolePerms {
		for _, p := range perms {
			if err := persist.LoadPolicyArray([]string{"p", role, "*", p[0], p[1]}, m); err != nil {
				return err
			}
		}
	}
	for _, r := range l.rules {
		rule := []string{r.Ptype, r.V0, r.V1, r.V2}
		if r.V3 != "" {
			rule = append(rule, r.V3)
		}
		if err := persist.LoadPolicyArray(rule, m); err != nil {
			return err
		}
	}
	return nil
}
func (l *loader) SavePolicy(model.Model) error                              { return errReadOnly }
func (l *loader) AddPolicy(string, string, []string) error                  { return errReadOnly }
func (l *loader) RemovePolicy(string, string, []string) error               { return errReadOnly }
func (l *loader) RemoveFilteredPolicy(string, string, int, ...string) error { return errReadOnly }
