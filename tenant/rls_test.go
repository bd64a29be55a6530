package tenant_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/apptest"
)

// directory tables carry a tenant_id but are platform tables (see README).
var directory = tenant.DirectoryTables

// TestRowLevelSecurity bypasses the application: raw SQL as the application
// role. Only PostgreSQL has row-level security; on SQLite the application
// scoping (TestIsolationMatrix) is the only lock, so this test does not apply.
func TestRowLevelSecurity(t *testing.T) {
	if apptest.Dialect() != "postgres" {
		t.Skip("row-level security exists only on PostgreSQL; the CI PostgreSQL run executes this test")
	}
	e := apptest.New(t)
	ownerA, ownerB := e.SignUp("a@rls.example"), e.SignUp("b@rls.example")
	A := ownerA.CreateStore("rls-a", "mainland", "apparel")
	B := ownerB.CreateStore("rls-b", "mainland", "apparel")
	for _, s := range []struct {
		c  *apptest.Client
		id string
	}{{ownerA, A}, {ownerB, B}} {
		s.c.Must(201, "POST", "/api/v1/stores/"+s.id+"/products", map[string]any{
			"title": "P", "business_category": "apparel", "skus": []map[string]any{{"spec": map[string]string{}, "price": 1, "stock": 1}}})
	}

	db, err := sql.Open("pgx", e.AppDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var super, bypass bool
	if err := db.QueryRowContext(ctx, `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`).Scan(&super, &bypass); err != nil {
		t.Fatal(err)
	}
	if super || bypass {
		t.Fatal("the test connects as a role that bypasses RLS; the test would prove nothing")
	}

	// Every table with a tenant_id column is under forced RLS, except the directory tables.
	rows, err := db.QueryContext(ctx, `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'`)
	if err != nil {
		t.Fatal(err)
	}
	var owned []string
	for rows.Next() {
		var name string
		var rls, force bool
		if err := rows.Scan(&name, &rls, &force); err != nil {
			t.Fatal(err)
		}
		if directory[name] {
			continue
		}
		if !rls || !force {
			t.Errorf("table %s has tenant_id but row-level security is not enabled and forced", name)
		}
		owned = append(owned, name)
	}
	rows.Close()
	if len(owned) < 10 {
		t.Fatalf("only %d tenant tables found: %v", len(owned), owned)
	}

	count := func(tid, table, where string, args ...any) int {
		t.Helper()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if tid != "" {
			if _, err := tx.ExecContext(ctx, `SELECT set_config('app.tenant_id', $1, true)`, tid); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table+" "+where, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, table := range owned {
		if n := count(B, table, "WHERE tenant_id = $1", A); n != 0 {
			t.Errorf("%s: tenant B sees %d rows of tenant A", table, n)
		}
		if n := count("", table, ""); n != 0 {
			t.Errorf("%s: with no tenant set, %d rows are visible", table, n)
		}
	}
	if n := count(A, "products", ""); n != 1 {
		t.Fatalf("tenant A sees %d of its own products, want 1 (the policy must not hide everything)", n)
	}
	if n := count(A, "casbin_rules", "WHERE tenant_id = $1", A); n == 0 {
		t.Fatal("tenant A sees none of its own rules")
	}

	// Writes for another tenant are refused by the policy's WITH CHECK.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT set_config('app.tenant_id', $1, true)`, B); err != nil {
		t.Fatal(err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO catalog_categories (tenant_id, id, name, sort, created_at, updated_at) VALUES ($1, $2, 'x', 0, now(), now())`, A, ids.New())
	if err == nil || !strings.Contains(err.Error(), "row-level security") {
		t.Fatalf("insert for tenant A as tenant B: err = %v, want a row-level security violation", err)
	}
	tx.Rollback()
	// Updates and deletes of A's rows as B touch nothing.
	tx2, _ := db.BeginTx(ctx, nil)
	defer tx2.Rollback()
	tx2.ExecContext(ctx, `SELECT set_config('app.tenant_id', $1, true)`, B)
	res, err := tx2.ExecContext(ctx, `UPDATE products SET title = 'pwned' WHERE tenant_id = $1`, A)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 0 {
		t.Fatalf("tenant B updated %d of A's products", n)
	}
	res, _ = tx2.ExecContext(ctx, `DELETE FROM skus WHERE tenant_id = $1`, A)
	if n, _ := res.RowsAffected(); n != 0 {
		t.Fatalf("tenant B deleted %d of A's skus", n)
	}
}
