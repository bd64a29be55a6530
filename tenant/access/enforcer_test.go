package access

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"testing"
	"time"
)

// tenantRules is what a provisioned tenant stores: owner, 4 staff, one agency,
// plus custom policies so each tenant has 20 of its own "p" rules.
func tenantRules(tid string) []Rule {
	rs := []Rule{
		{Ptype: "g", V0: UserSubject("owner-" + tid), V1: Owner, V2: tid},
		{Ptype: "g", V0: UserSubject("admin-" + tid), V1: Admin, V2: tid},
		{Ptype: "g", V0: UserSubject("cat-" + tid), V1: CatalogManager, V2: tid},
		{Ptype: "g", V0: UserSubject("clerk-" + tid), V1: OrderClerk, V2: tid},
		{Ptype: "g", V0: UserSubject("view-" + tid), V1: Viewer, V2: tid},
		{Ptype: "g", V0: AgencySubject("ag-" + tid), V1: CatalogManager, V2: tid},
	}
	for i := 0; i < 20; i++ {
		rs = append(rs, Rule{Ptype: "p", V0: fmt.Sprintf("custom%d", i%4), V1: tid, V2: fmt.Sprintf("report%d", i), V3: Read})
	}
	for i := range rs {
		rs[i].TenantID = tid
	}
	return rs
}

// TestFilteredLoadKeepsRoleLinks guards the trap of the stock adapters, where
// a filter on the policy's domain column loads no "g" rules (their domain sits
// in another column) and every check silently fails.
func TestFilteredLoadKeepsRoleLinks(t *testing.T) {
	x, err := NewEnforcers(nil, nil, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	e, err := newEnforcer(x.base, tenantRules("t1"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		sub, dom, obj, act string
		want               bool
	}{
		{UserSubject("owner-t1"), "t1", ObjSecret, Write, true},
		{UserSubject("admin-t1"), "t1", ObjSecret, Write, false},
		{UserSubject("admin-t1"), "t1", ObjCatalog, Write, true},
		{UserSubject("view-t1"), "t1", ObjCatalog, Write, false},
		{UserSubject("view-t1"), "t1", ObjCatalog, Read, true},
		{AgencySubject("ag-t1"), "t1", ObjCatalog, Write, true},
		{AgencySubject("ag-t1"), "t1", ObjStaff, Read, false},
		{UserSubject("owner-t1"), "t2", ObjCatalog, Read, false}, // the role holds in t1 only
		{UserSubject("stranger"), "t1", ObjCatalog, Read, false},
	}
	for _, c := range cases {
		if got, _ := e.Enforce(c.sub, c.dom, c.obj, c.act); got != c.want {
			t.Errorf("Enforce(%s, %s, %s, %s) = %v, want %v", c.sub, c.dom, c.obj, c.act, got, c.want)
		}
	}
	if roles := e.GetRolesForUserInDomain(UserSubject("cat-t1"), "t1"); len(roles) != 1 || roles[0] != CatalogManager {
		t.Fatalf("roles = %v", roles)
	}
}

func fill(b *testing.B, tenants int) (*Enforcers, []string, float64) {
	x, err := NewEnforcers(nil, nil, "", tenants)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	ids := make([]string, tenants)
	for i := range ids {
		ids[i] = fmt.Sprintf("%08d-tenant", i)
		e, err := newEnforcer(x.base, tenantRules(ids[i]))
		if err != nil {
			b.Fatal(err)
		}
		x.cache.Add(ids[i], &entry{e: e, status: "active", loaded: time.Now()})
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	return x, ids, float64(m1.HeapAlloc-m0.HeapAlloc) / float64(tenants)
}

var (
	benchSubs = []string{"owner-", "admin-", "cat-", "clerk-", "view-"}
	benchObjs = []string{ObjCatalog, ObjOrder, ObjSecret, ObjStaff}
)

func report(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkEnforce10kTenants fills the cache with 10,000 tenants' enforcers
// (each with its role links and 20 custom policies), lets every (subject,
// object, action) a tenant's staff use be decided once, then measures checks
// through the cache on random tenants: the steady state of a running server.
// It reports p50/p99 latency and memory per cached tenant, decisions included.
//
//	go test ./tenant/access -run '^$' -bench Enforce -benchtime 200000x
func BenchmarkEnforce10kTenants(b *testing.B) {
	const tenants = 10000
	x, ids, base := fill(b, tenants)
	ctx := context.Background()
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	for _, tid := range ids {
		for _, s := range benchSubs {
			for _, o := range benchObjs {
				for _, a := range []string{Read, Write} {
					if _, err := x.Enforce(ctx, tid, 0, UserSubject(s+tid), o, a); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	perTenant := base + float64(m1.HeapAlloc-m0.HeapAlloc)/tenants
	lat := make([]time.Duration, 0, b.N)
	rng := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tid := ids[rng.IntN(tenants)]
		sub := UserSubject(benchSubs[rng.IntN(len(benchSubs))] + tid)
		obj := benchObjs[rng.IntN(len(benchObjs))]
		t0 := time.Now()
		if _, err := x.Enforce(ctx, tid, 0, sub, obj, Write); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	report(b, lat)
	b.ReportMetric(perTenant/1024, "KiB/tenant")
}

// BenchmarkEnforceFirstCheck measures the first check of a key on a freshly
// loaded enforcer (nothing memoized): the cost right after a policy change.
func BenchmarkEnforceFirstCheck(b *testing.B) {
	const tenants = 10000
	x, ids, _ := fill(b, tenants)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tid := ids[i%tenants]
		k := i / tenants
		sub := UserSubject(benchSubs[k%len(benchSubs)] + tid)
		obj := benchObjs[(k/len(benchSubs))%len(benchObjs)]
		t0 := time.Now()
		if _, err := x.Enforce(ctx, tid, 0, sub, obj, Write); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	report(b, lat)
}
