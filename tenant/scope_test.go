package tenant_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/apptest"
	"gorm.io/gorm"
)

// schemaOwned lists the tables with a tenant_id column straight from the
// schema (not through the code under test), less the directory tables.
func schemaOwned(t *testing.T, e *apptest.Env) []string {
	t.Helper()
	var q string
	if e.Dialect == "postgres" {
		q = `SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
			JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'`
	} else {
		q = `SELECT m.name FROM sqlite_schema m, pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'tenant_id'`
	}
	rows, err := e.App.DB.SQL.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		if !tenant.DirectoryTables[n] {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// TestScopeCoversEveryTenantTable: for every tenant-owned table of the schema,
// however a statement names it (.Table, an alias, an inner join, a subquery,
// raw SQL, an outer join, DELETE/UPDATE), the statement is either scoped to
// the context's tenant, returning only that tenant's rows, or refused.
func TestScopeCoversEveryTenantTable(t *testing.T) {
	e := apptest.New(t, apptest.Options{NoWorker: true})
	st := e.App.T
	owned := schemaOwned(t, e)
	if got := st.OwnedTables(); !slices.Equal(got, owned) {
		t.Fatalf("the scope knows %v\nthe schema has %v", got, owned)
	}
	if len(owned) < 15 {
		t.Fatalf("only %d tenant tables: %v", len(owned), owned)
	}
	ownerA, ownerB := e.SignUp("a@cover.example"), e.SignUp("b@cover.example")
	A := ownerA.CreateStore("cover-a", "mainland", "apparel")
	B := ownerB.CreateStore("cover-b", "mainland", "apparel")
	ctxA := tenant.WithTenant(context.Background(), A)
	// Rows in both stores: catalog, a connected mini-program, a shopper with an address and a cart.
	for _, s := range []struct {
		c   *apptest.Client
		sid string
	}{{ownerA, A}, {ownerB, B}} {
		base := "/api/v1/stores/" + s.sid
		cat := s.c.Must(201, "POST", base+"/categories", map[string]any{"name": "Tops"}).Map(t)["id"].(string)
		p := s.c.Must(201, "POST", base+"/products", map[string]any{"title": "P", "business_category": "apparel", "category_id": cat,
			"skus": []map[string]any{{"spec": map[string]string{}, "price": 100, "stock": 5}}}).Map(t)
		s.c.Must(200, "PUT", base+"/products/"+p["id"].(string)+"/status", map[string]string{"status": "on_shelf"})
		s.c.ConnectWeChat(s.sid)
		shop := "/api/shop/v1/stores/" + s.sid
		shopper := e.Shopper(s.sid, "cover")
		shopper.Must(201, "POST", shop+"/addresses", map[string]any{"name": "李雷", "phone": "13800138000", "province": "上海市",
			"city": "上海市", "district": "静安区", "detail": "南京西路 1 号"})
		shopper.Must(204, "PUT", shop+"/cart/"+p["skus"].([]any)[0].(map[string]any)["id"].(string), map[string]any{"quantity": 1})
	}

	// Rows of each table per tenant, read underneath the application.
	under := func(table, tid string) int64 {
		var n int64
		var err error
		if e.Dialect == "postgres" {
			// As the owner: FORCE RLS filters it too, so set the tenant.
			admin, oerr := sql.Open("pgx", e.AdminDSN)
			if oerr != nil {
				t.Fatal(oerr)
			}
			defer admin.Close()
			tx, _ := admin.Begin()
			defer tx.Rollback()
			tx.Exec(`SELECT set_config('app.tenant_id', $1, true)`, tid)
			err = tx.QueryRow(`SELECT count(*) FROM `+table+` WHERE tenant_id = $1`, tid).Scan(&n)
		} else {
			err = e.App.DB.SQL.QueryRow(`SELECT count(*) FROM `+table+` WHERE tenant_id = ?`, tid).Scan(&n)
		}
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	populated := 0
	for _, table := range owned {
		wantA := under(table, A)
		if wantA > 0 && under(table, B) > 0 {
			populated++
		}
		err := st.Tx(ctxA, func(ctx context.Context) error {
			q := func() *gorm.DB { return st.Q(ctx) }
			var n int64
			// Scoped: the table by name, with an alias, joined.
			if err := q().Table(table).Count(&n).Error; err != nil || n != wantA {
				t.Errorf("%s: Table().Count = %d, %v; want %d", table, n, err, wantA)
			}
			if err := q().Table(table + " x").Where("x.tenant_id IS NOT NULL").Count(&n).Error; err != nil || n != wantA {
				t.Errorf("%s: Table(alias).Count = %d, %v; want %d", table, n, err, wantA)
			}
			if err := q().Table("tenants tt").Joins("JOIN " + table + " j ON j.tenant_id = tt.id").Count(&n).Error; err != nil || n != wantA {
				t.Errorf("%s: inner join count = %d, %v; want %d", table, n, err, wantA)
			}
			var ids []string
			if err := q().Table(table).Distinct("tenant_id").Pluck("tenant_id", &ids).Error; err != nil {
				t.Errorf("%s: pluck: %v", table, err)
			}
			for _, id := range ids {
				if id != A {
					t.Errorf("%s: tenant A read a row of %s", table, id)
				}
			}
			// Refused: raw SQL, a raw subquery, an outer join, writes, all without a tenant condition.
			refused := map[string]error{
				"raw select":    q().Raw("SELECT count(*) FROM " + table).Scan(&n).Error,
				"raw subquery":  q().Table("tenants").Where("id IN (SELECT tenant_id FROM " + table + ")").Count(&n).Error,
				"left join":     q().Table("tenants tt").Joins("LEFT JOIN " + table + " j ON j.tenant_id = tt.id").Count(&n).Error,
				"raw delete":    q().Exec("DELETE FROM " + table).Error,
				"raw update":    q().Exec("UPDATE " + table + " SET tenant_id = tenant_id").Error,
				"comma join":    q().Raw("SELECT count(*) FROM tenants tt, " + table + " j WHERE j.tenant_id = tt.id").Scan(&n).Error,
				"quoted schema": q().Raw(`SELECT count(*) FROM "` + table + `" WHERE id = 'x'`).Scan(&n).Error,
				// A condition elsewhere does not scope a reference: another
				// UNION branch, an OR alternative, the select list, a
				// subquery's own reference of the same name.
				"union branch":   q().Raw("SELECT tenant_id FROM "+table+" WHERE "+table+".tenant_id = ? UNION ALL SELECT tenant_id FROM "+table, A).Scan(&ids).Error,
				"or":             q().Raw("SELECT count(*) FROM "+table+" x WHERE x.tenant_id IS NULL OR x.tenant_id = ?", A).Scan(&n).Error,
				"select list":    q().Raw("SELECT x.tenant_id = ? FROM "+table+" x", A).Scan(&ids).Error,
				"outer by inner": q().Raw("SELECT count(*) FROM "+table+" x WHERE EXISTS (SELECT 1 FROM "+table+" x WHERE x.tenant_id = ?)", A).Scan(&n).Error,
				// Quoting cannot hide text from the guard, nor ONLY or USING a table.
				"quoted comment": q().Raw(`SELECT tenant_id AS "a--b" FROM ` + table).Scan(&ids).Error,
				"only":           q().Raw("SELECT count(*) FROM ONLY " + table).Scan(&n).Error,
				"delete using":   q().Exec("DELETE FROM tenants USING "+table+" x WHERE tenants.id = ? AND x.tenant_id = tenants.id", B).Error,
			}
			for what, err := range refused {
				if !errors.Is(err, tenant.ErrUnscoped) {
					t.Errorf("%s: %s: err = %v, want ErrUnscoped", table, what, err)
				}
			}
			// A correlated subquery tied to a scoped outer reference is allowed.
			if err := q().Raw("SELECT count(*) FROM "+table+" x WHERE x.tenant_id = ? AND EXISTS (SELECT 1 FROM "+table+" y WHERE y.tenant_id = x.tenant_id)", A).Scan(&n).Error; err != nil || n != wantA {
				t.Errorf("%s: correlated subquery = %d, %v; want %d", table, n, err, wantA)
			}
			// Raw SQL with its own tenant condition is allowed.
			if err := q().Raw("SELECT count(*) FROM "+table+" WHERE tenant_id = ?", A).Scan(&n).Error; err != nil || n != wantA {
				t.Errorf("%s: raw select with tenant_id = %d, %v; want %d", table, n, err, wantA)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// Without a tenant: refused, never an unscoped read.
		err = st.PlatformTx(context.Background(), func(ctx context.Context) error {
			var n int64
			return st.Q(ctx).Table(table).Count(&n).Error
		})
		if !errors.Is(err, tenant.ErrNoTenant) {
			t.Errorf("%s: Table().Count in a platform transaction: err = %v, want ErrNoTenant", table, err)
		}
	}
	if populated < 5 {
		t.Fatalf("only %d tables hold rows of both tenants; the test would prove little", populated)
	}
	t.Logf("%d tenant tables (%s), %d with rows in both stores: scoped or refused in every form", len(owned), strings.Join(owned, " "), populated)
}
