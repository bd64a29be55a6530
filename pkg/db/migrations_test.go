package db_test

import (
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/shoplet/shoplet/migrations"
)

var (
	tableRE = regexp.MustCompile(`(?s)CREATE TABLE (\w+) \((.*?)\n\);`)
	colRE   = regexp.MustCompile(`(?m)^\s+(\w+) `)
)

func shape(t *testing.T, dialect string) map[string]string {
	t.Helper()
	out := map[string]string{}
	files, _ := fs.Glob(migrations.FS, dialect+"/*.sql")
	for _, f := range files {
		b, _ := fs.ReadFile(migrations.FS, f)
		for _, m := range tableRE.FindAllStringSubmatch(string(b), -1) {
			var cols []string
			for _, c := range colRE.FindAllStringSubmatch(m[2], -1) {
				if c[1] != "PRIMARY" && c[1] != "FOREIGN" {
					cols = append(cols, c[1])
				}
			}
			sort.Strings(cols)
			out[m[1]] = strings.Join(cols, ",")
		}
	}
	return out
}

// TestDialectsMatch: both dialects define the same tables and columns, and
// every PostgreSQL table with a tenant_id is either under RLS or a documented
// platform directory table.
func TestDialectsMatch(t *testing.T) {
	pg, lite := shape(t, "postgres"), shape(t, "sqlite")
	if len(pg) == 0 || len(pg) != len(lite) {
		t.Fatalf("tables: postgres %d, sqlite %d", len(pg), len(lite))
	}
	for tbl, cols := range pg {
		if lite[tbl] != cols {
			t.Errorf("%s differs:\n postgres: %s\n sqlite:   %s", tbl, cols, lite[tbl])
		}
	}
	var all []byte
	files, _ := fs.Glob(migrations.FS, "postgres/*.sql")
	for _, f := range files {
		x, _ := fs.ReadFile(migrations.FS, f)
		all = append(all, x...)
	}
	b := all
	directory := map[string]bool{"memberships": true, "agency_grants": true, "review_queue": true, "authorizers": true, "rollout_items": true, "subscriptions": true}
	for tbl, cols := range pg {
		if strings.Contains(","+cols+",", ",tenant_id,") && !directory[tbl] {
			if !strings.Contains(string(b), "ALTER TABLE "+tbl+" FORCE ROW LEVEL SECURITY") {
				t.Errorf("%s has tenant_id but no forced row-level security", tbl)
			}
		}
	}
}
