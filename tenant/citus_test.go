package tenant_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/apptest"
	"gorm.io/gorm"
)

// TestSchemaFollowsCitusRules reads the migrated PostgreSQL catalog and fails
// on anything that would stop the schema being distributed by tenant_id with
// Citus (docker/citus): tenant tables become distributed tables, every other
// table a reference table.
//
//   - A distributed table has a primary key, and it and every unique
//     constraint or index include tenant_id (Citus can only enforce
//     uniqueness within a shard).
//   - A foreign key between distributed tables joins tenant_id to tenant_id
//     (both rows on the same shard); one to a reference table is fine.
//   - No reference table has a foreign key to a distributed table.
//   - Row-level-security policies use no subqueries (Citus pushes them down to
//     the shards as they are).
//   - The tenant setting is set with SET LOCAL, which Citus propagates to the
//     workers under citus.propagate_set_commands = 'local' (set_config() is a
//     function call it would not propagate): checked in the application's
//     own transaction below.
func TestSchemaFollowsCitusRules(t *testing.T) {
	if apptest.Dialect() != "postgres" {
		t.Skip("Citus is PostgreSQL; the CI PostgreSQL run executes this test")
	}
	e := apptest.New(t, apptest.Options{NoWorker: true})
	db, err := sql.Open("pgx", e.AdminDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	problems, counts := citusProblems(t, db)
	// The check can fail: inside a transaction that is rolled back, a tenant
	// table breaking each rule is added.
	probe, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, ddl := range []string{
		`CREATE TABLE citus_probe (tenant_id uuid NOT NULL, id uuid NOT NULL, code text, product_id uuid, PRIMARY KEY (id))`,
		`CREATE UNIQUE INDEX citus_probe_code ON citus_probe (code)`,
		`ALTER TABLE citus_probe ADD CONSTRAINT citus_probe_product FOREIGN KEY (tenant_id, product_id) REFERENCES products (id, tenant_id)`,
		`ALTER TABLE tenants ADD COLUMN probe_id uuid, ADD COLUMN probe_tenant uuid`,
		`ALTER TABLE tenants ADD CONSTRAINT tenants_probe FOREIGN KEY (probe_tenant, probe_id) REFERENCES products (tenant_id, id)`,
		`CREATE POLICY probe ON citus_probe USING (tenant_id IN (SELECT id FROM tenants))`,
	} {
		if _, err := probe.ExecContext(ctx, ddl); err != nil {
			t.Fatalf("%s: %v", ddl, err)
		}
	}
	caught, _ := citusProblems(t, probe)
	probe.Rollback()
	want := []string{"citus_probe_pkey", "citus_probe_code", "citus_probe_product", "tenants_probe", "policy probe"}
	for _, w := range want {
		if !slices.ContainsFunc(caught, func(p string) bool { return strings.Contains(p, w) }) {
			t.Errorf("the check missed a broken rule (%s); it found %q", w, caught)
		}
	}

	// The application's transaction sets the tenant with SET LOCAL (visible
	// to current_setting inside, gone after).
	A := e.SignUp("a@citus.example").CreateStore("citus-a", "mainland", "apparel")
	var mu sync.Mutex
	var executed []string
	if err := e.App.DB.Gorm.Callback().Raw().After("gorm:raw").Register("test:capture", func(g *gorm.DB) {
		mu.Lock()
		executed = append(executed, g.Statement.SQL.String())
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	var inside string
	err = e.App.T.Tx(tenant.WithTenant(ctx, A), func(ctx context.Context) error {
		return e.App.T.Q(ctx).Raw("SELECT current_setting('app.tenant_id', true)").Scan(&inside).Error
	})
	if err != nil || inside != A {
		t.Fatalf("app.tenant_id inside a tenant transaction = %q, %v; want %s", inside, err, A)
	}
	mu.Lock()
	setLocal := slices.ContainsFunc(executed, func(q string) bool { return strings.HasPrefix(q, "SET LOCAL app.tenant_id = '"+A+"'") })
	mu.Unlock()
	if !setLocal {
		problems = append(problems, fmt.Sprintf("the tenant transaction did not SET LOCAL app.tenant_id; it ran %q", executed))
	}
	for _, p := range problems {
		t.Error(p)
	}
	if counts.distributed < 15 || counts.reference < 5 || counts.fks < 20 {
		t.Fatalf("catalog looks wrong: %+v", counts)
	}
	t.Logf("Citus rules: %d distributed tables, %d reference tables (%s), %d foreign keys checked, %d problems; the rolled-back probe broke %d rules, all caught",
		counts.distributed, counts.reference, counts.referenceNames, counts.fks, len(problems), len(want))
}

type citusCounts struct {
	distributed, reference, fks int
	referenceNames              string
}

type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// citusProblems lists what would stop the schema seen through q being
// distributed by tenant_id: tables with a tenant_id column (but the directory
// tables) are distributed, every other table is a reference table.
func citusProblems(t *testing.T, db queryer) ([]string, citusCounts) {
	ctx := context.Background()
	rows := func(q string, args ...any) [][]string {
		t.Helper()
		r, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		cols, _ := r.Columns()
		var out [][]string
		for r.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			row := make([]string, len(cols))
			for i, v := range vals {
				row[i] = v.String
			}
			out = append(out, row)
		}
		return out
	}
	var problems []string
	var reference []string
	distributed := map[string]bool{}
	for _, r := range rows(`SELECT c.relname, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'goose_db_version' ORDER BY 1`) {
		if r[1] == "true" && !tenant.DirectoryTables[r[0]] {
			distributed[r[0]] = true
		} else {
			reference = append(reference, r[0])
		}
	}

	// Primary keys and unique indexes of distributed tables include tenant_id.
	pk := map[string]bool{}
	for _, r := range rows(`SELECT c.relname, i.relname, x.indisprimary,
			EXISTS (SELECT 1 FROM unnest(x.indkey) k JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k WHERE a.attname = 'tenant_id')
		FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND (x.indisunique OR x.indisprimary)`) {
		table, index, primary, hasTenant := r[0], r[1], r[2] == "true", r[3] == "true"
		if !distributed[table] {
			continue
		}
		if primary {
			pk[table] = true
		}
		if !hasTenant {
			problems = append(problems, fmt.Sprintf("%s: unique index %s does not include tenant_id", table, index))
		}
	}
	for table := range distributed {
		if !pk[table] {
			problems = append(problems, table+": no primary key")
		}
	}

	// Foreign keys.
	fks := 0
	for _, r := range rows(`SELECT c.conname, src.relname, dst.relname,
			(SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n),
			(SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(c.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n)
		FROM pg_constraint c JOIN pg_class src ON src.oid = c.conrelid JOIN pg_class dst ON dst.oid = c.confrelid
		JOIN pg_namespace n ON n.oid = src.relnamespace WHERE n.nspname = 'public' AND c.contype = 'f'`) {
		name, src, dst := r[0], r[1], r[2]
		from, to := strings.Split(r[3], ","), strings.Split(r[4], ",")
		fks++
		switch {
		case !distributed[src] && distributed[dst]:
			problems = append(problems, fmt.Sprintf("%s: reference table %s has a foreign key to distributed table %s", name, src, dst))
		case distributed[src] && distributed[dst]:
			i := slices.Index(from, "tenant_id")
			if i < 0 || to[i] != "tenant_id" {
				problems = append(problems, fmt.Sprintf("%s: %s(%s) → %s(%s) does not join tenant_id to tenant_id", name, src, r[3], dst, r[4]))
			}
		}
	}

	// Row-level-security policies without subqueries.
	for _, r := range rows(`SELECT c.relname, p.polname, coalesce(pg_get_expr(p.polqual, p.polrelid), ''), coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')
		FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid`) {
		for _, expr := range r[2:] {
			if strings.Contains(strings.ToUpper(expr), "SELECT") {
				problems = append(problems, fmt.Sprintf("%s: policy %s has a subquery: %s", r[0], r[1], expr))
			}
		}
	}

	return problems, citusCounts{distributed: len(distributed), reference: len(reference), fks: fks, referenceNames: strings.Join(reference, " ")}
}
