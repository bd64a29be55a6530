package tenant

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/shoplet/shoplet/pkg/db"
	"gorm.io/gorm"
	"gorm.io/gorm/callbacks"
	"gorm.io/gorm/clause"
)

// How a tenant-owned table is kept in its tenant, however a statement names it.
//
// Two locks, one inside the other:
//
//  1. Scoping. A statement on a tenant-owned table gets "tenant_id = <ctx
//     tenant>" added, whether the table comes from a model, from .Table("t"),
//     from .Table("t alias"), or from an inner .Joins("JOIN t alias ON ...").
//     Without a tenant in the context such a statement fails with ErrNoTenant.
//  2. The guard. Just before a statement reaches the database its final SQL is
//     read: every tenant-owned table it names (FROM, JOIN, UPDATE, INTO,
//     DELETE FROM, subqueries, raw SQL) must be qualified by a tenant_id
//     equality, or the statement fails with ErrUnscoped. Raw SQL, outer joins
//     and subqueries are not rewritten: the guard refuses them unless they
//     carry their own tenant condition, so nothing new can forget the tenant.
//
// Tenant-owned tables are enumerated from the schema: every table with a
// tenant_id column, except the directory tables below. A new table is covered
// the moment its migration adds the column.

// DirectoryTables carry a tenant_id but are platform tables: who may reach
// which store (memberships, agency grants), the operator's review queue, the
// third-party platform's authoriser directory, rollout items and each store's
// plan subscription (billing: the expiry job reads it across stores). They are read
// across tenants by the platform and are not under row-level security.
var DirectoryTables = map[string]bool{"memberships": true, "agency_grants": true, "review_queue": true, "authorizers": true, "rollout_items": true, "subscriptions": true}

// ErrUnscoped is returned when a statement names a tenant-owned table without
// a tenant condition for it.
var ErrUnscoped = errors.New("tenant: statement touches a tenant-owned table without a tenant condition")

// tables is the set of tenant-owned table names (lower case).
type tables struct {
	set     atomic.Pointer[map[string]bool]
	mu      sync.Mutex
	verdict sync.Map // SQL text -> error (nil when it passes); SQL with placeholders repeats
	nv      atomic.Int64
}

func (t *tables) owned(name string) bool {
	m := t.set.Load()
	return m != nil && (*m)[strings.ToLower(name)]
}

func (t *tables) add(names ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	next := map[string]bool{}
	if m := t.set.Load(); m != nil {
		for k := range *m {
			next[k] = true
		}
	}
	changed := false
	for _, n := range names {
		n = strings.ToLower(n)
		if !DirectoryTables[n] && !next[n] {
			next[n] = true
			changed = true
		}
	}
	if changed || t.set.Load() == nil {
		t.set.Store(&next)
		t.verdict.Clear()
		t.nv.Store(0)
	}
}

// list returns the owned tables, sorted.
func (t *tables) list() []string {
	var out []string
	if m := t.set.Load(); m != nil {
		for k := range *m {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// OwnedTables lists the tenant-owned tables the scope knows (from the schema
// and the models seen), for tests and diagnostics.
func (s *Store) OwnedTables() []string { return s.tables.list() }

// loadOwned reads the tables with a tenant_id column from the schema.
func loadOwned(ctx context.Context, d *db.DB) ([]string, error) {
	var q string
	switch d.Dialect {
	case db.Postgres:
		q = `SELECT c.relname FROM pg_class c
			JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
			JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm')`
	default:
		q = `SELECT m.name FROM sqlite_schema m, pragma_table_info(m.name) p
			WHERE m.type IN ('table', 'view') AND p.name = 'tenant_id'`
	}
	rows, err := d.SQL.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("tenant: list tenant-owned tables: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func (t *tables) register(g *gorm.DB) error {
	cb := g.Callback()
	query := func(g *gorm.DB) { t.scope(g); t.checkBuilt(g) }
	write := func(g *gorm.DB) { t.scope(g); t.guardPool(g) }
	create := func(g *gorm.DB) { stamp(g); t.guardPool(g) }
	raw := func(g *gorm.DB) { t.checkSQL(g, g.Statement.SQL.String()) }
	for _, err := range []error{
		cb.Query().Before("gorm:query").Register("tenant:scope", query),
		cb.Row().Before("gorm:row").Register("tenant:scope", query),
		cb.Update().Before("gorm:update").Register("tenant:scope", write),
		cb.Delete().Before("gorm:delete").Register("tenant:scope", write),
		cb.Create().Before("gorm:create").Register("tenant:stamp", create),
		cb.Raw().Before("gorm:raw").Register("tenant:scope", raw),
		cb.Update().After("gorm:update").Register("tenant:unguard", unguard),
		cb.Delete().After("gorm:delete").Register("tenant:unguard", unguard),
		cb.Create().After("gorm:create").Register("tenant:unguard", unguard),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

var tableExprRE = regexp.MustCompile(`(?i)^\s*["` + "`" + `]?([a-z_][a-z0-9_]*)["` + "`" + `]?(?:\s+(?:as\s+)?([a-z_][a-z0-9_]*))?\s*$`)

// joinRE reads a raw join: its kind, table and alias.
var joinRE = regexp.MustCompile(`(?is)^\s*((?:inner\s+|cross\s+|(?:left|right|full)(?:\s+outer)?\s+)?)join\s+["` + "`" + `]?([a-z_][a-z0-9_]*)["` + "`" + `]?(?:\s+(?:as\s+)?([a-z_][a-z0-9_]*))?\s+on\s`)

// scope adds the tenant condition for the statement's table and its inner joins.
func (t *tables) scope(g *gorm.DB) {
	st := g.Statement
	if st.SQL.Len() > 0 {
		return // raw SQL: checked as it is (checkBuilt)
	}
	var conds []clause.Column
	name, alias := "", ""
	switch {
	case st.TableExpr != nil:
		m := tableExprRE.FindStringSubmatch(st.TableExpr.SQL)
		if m == nil {
			// A table expression we cannot read (a subquery, a list): the
			// guard decides on the SQL it produces.
			break
		}
		name, alias = m[1], m[2]
	case st.Table != "":
		name = st.Table
	case st.Schema != nil:
		name = st.Schema.Table
	}
	if st.Schema != nil && isOwned(st.Schema.ModelType) {
		t.add(st.Schema.Table)
	}
	if name != "" && (t.owned(name) || (st.Schema != nil && name == st.Schema.Table && isOwned(st.Schema.ModelType))) {
		col := clause.Column{Table: clause.CurrentTable, Name: "tenant_id"}
		if alias != "" {
			col.Table = alias
		}
		conds = append(conds, col)
	}
	for _, j := range st.Joins {
		m := joinRE.FindStringSubmatch(j.Name)
		if m == nil || !t.owned(m[2]) {
			continue // an association join or a platform table: the guard reads the SQL
		}
		if strings.TrimSpace(m[1]) != "" && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(m[1])), "inner") {
			continue // outer joins must carry their own tenant condition in ON (the guard checks)
		}
		ref := m[3]
		if ref == "" {
			ref = m[2]
		}
		conds = append(conds, clause.Column{Table: ref, Name: "tenant_id"})
	}
	if len(conds) == 0 {
		return
	}
	tid, ok := FromContext(st.Context)
	if !ok {
		_ = g.AddError(ErrNoTenant)
		return
	}
	exprs := make([]clause.Expression, len(conds))
	for i, c := range conds {
		exprs[i] = clause.Eq{Column: c, Value: tid}
	}
	st.AddClause(clause.Where{Exprs: exprs})
}

// checkBuilt builds a query's SQL (gorm:query and gorm:row then use it as it
// is) and checks it before it runs.
func (t *tables) checkBuilt(g *gorm.DB) {
	if g.Error != nil {
		return
	}
	callbacks.BuildQuerySQL(g)
	if g.Error == nil {
		t.checkSQL(g, g.Statement.SQL.String())
	}
}

func (t *tables) checkSQL(g *gorm.DB, q string) {
	if err := t.check(q); err != nil {
		_ = g.AddError(err)
	}
}

// guardPool checks statements whose SQL GORM builds inside its own callback
// (create, update, delete) as they reach the connection.
func (t *tables) guardPool(g *gorm.DB) {
	if g.Error != nil {
		return
	}
	if _, ok := g.Statement.ConnPool.(*guarded); ok {
		return
	}
	g.Statement.ConnPool = &guarded{ConnPool: g.Statement.ConnPool, t: t}
}

func unguard(g *gorm.DB) {
	if p, ok := g.Statement.ConnPool.(*guarded); ok {
		g.Statement.ConnPool = p.ConnPool
	}
}

type guarded struct {
	gorm.ConnPool
	t *tables
}

func (p *guarded) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	if err := p.t.check(q); err != nil {
		return nil, err
	}
	return p.ConnPool.PrepareContext(ctx, q)
}

func (p *guarded) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := p.t.check(q); err != nil {
		return nil, err
	}
	return p.ConnPool.ExecContext(ctx, q, args...)
}

func (p *guarded) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := p.t.check(q); err != nil {
		return nil, err
	}
	return p.ConnPool.QueryContext(ctx, q, args...)
}

// check reads q and fails when it names a tenant-owned table without a
// tenant_id equality for it. Verdicts are kept per SQL text (GORM's SQL has
// placeholders, so a process sees a few hundred distinct texts).
func (t *tables) check(q string) error {
	if v, ok := t.verdict.Load(q); ok {
		if v == nil {
			return nil
		}
		return v.(error)
	}
	err := t.read(q)
	if t.nv.Add(1) < 20000 {
		if err == nil {
			t.verdict.Store(q, nil)
		} else {
			t.verdict.Store(q, err)
		}
	}
	return err
}

var sqlKeywords = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`where on join inner left right full outer cross natural using group order limit offset having
		set values select returning union intersect except window as and or not for default on conflict do nothing update delete insert into from
		of skip locked nowait share lateral only`) {
		sqlKeywords[k] = true
	}
}

func (t *tables) read(q string) error {
	toks := tokenize(q)
	type ref struct{ table, alias, kw string }
	var refs []ref
	allRefs := 0
	for i := 0; i < len(toks); i++ {
		kw := toks[i]
		if kw != "from" && kw != "join" && kw != "update" && kw != "into" {
			continue
		}
		for j := i + 1; j < len(toks); {
			name := toks[j]
			if name == "(" || sqlKeywords[name] {
				break // a subquery, or a keyword such as FROM in DELETE ... FROM
			}
			if k := strings.LastIndexByte(name, '.'); k >= 0 {
				name = name[k+1:] // schema-qualified
			}
			allRefs++
			r := ref{table: name, kw: kw}
			j++
			if j < len(toks) && toks[j] == "as" {
				j++
			}
			if j < len(toks) && isIdent(toks[j]) && !sqlKeywords[toks[j]] {
				r.alias = toks[j]
				j++
			}
			if t.owned(name) {
				refs = append(refs, r)
			}
			if kw != "from" || j >= len(toks) || toks[j] != "," {
				break
			}
			j++ // FROM a, b
		}
	}
	// A reference is scoped when its tenant_id equals a value (a placeholder
	// or a literal), or equals the tenant_id of a reference that is scoped.
	keyOf := func(col string) (string, bool) {
		if col == "tenant_id" {
			if allRefs == 1 && len(refs) == 1 {
				return refKey(refs[0].table, refs[0].alias), true
			}
			return "", false
		}
		k, ok := strings.CutSuffix(col, ".tenant_id")
		if !ok {
			return "", false
		}
		if i := strings.LastIndexByte(k, '.'); i >= 0 {
			k = k[i+1:]
		}
		return k, true
	}
	scoped := map[string]bool{}
	var links [][2]string
	start := len(toks)
	for i, tk := range toks {
		if tk == "where" || tk == "on" {
			start = i
			break
		}
	}
	for i := start + 1; i+1 < len(toks); i++ {
		if toks[i] != "=" {
			continue
		}
		l, r := toks[i-1], toks[i+1]
		lk, lok := keyOf(l)
		rk, rok := keyOf(r)
		switch {
		case lok && rok:
			links = append(links, [2]string{lk, rk})
		case lok && isValue(r):
			scoped[lk] = true
		case rok && isValue(l):
			scoped[rk] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, l := range links {
			if scoped[l[0]] != scoped[l[1]] {
				scoped[l[0]], scoped[l[1]] = true, true
				changed = true
			}
		}
	}
	for _, r := range refs {
		if r.kw == "into" {
			if !contains(toks, "tenant_id") {
				return fmt.Errorf("%w: INSERT INTO %s without tenant_id", ErrUnscoped, r.table)
			}
			continue
		}
		if !scoped[refKey(r.table, r.alias)] {
			return fmt.Errorf("%w: %s", ErrUnscoped, r.table)
		}
	}
	return nil
}

func refKey(table, alias string) string {
	if alias != "" {
		return alias
	}
	return table
}

// isValue reports whether a token is a bound value: a placeholder (?, $1) or
// a string literal.
func isValue(tok string) bool {
	return tok == "?" || tok == "''" || (len(tok) > 1 && tok[0] == '$')
}

func contains(toks []string, s string) bool {
	for _, t := range toks {
		if t == s {
			return true
		}
	}
	return false
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	return c == '_' || (c >= 'a' && c <= 'z')
}

// tokenize lower-cases q, drops string literals and comments, unquotes
// identifiers ("t"."c" and `t`.`c` become t.c) and splits it into words
// (dotted names stay whole) and single punctuation characters.
func tokenize(q string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			flush()
			for i++; i < len(q); i++ {
				if q[i] == '\'' {
					if i+1 < len(q) && q[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
			out = append(out, "''")
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			flush()
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			flush()
			if k := strings.Index(q[i+2:], "*/"); k >= 0 {
				i += k + 3
			} else {
				i = len(q)
			}
		case c == '"' || c == '`':
			// quoted identifier: keep its text, drop the quotes
		case c == '_' || c == '$' || c == '.' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'):
			cur.WriteByte(c)
		case c >= 'A' && c <= 'Z':
			cur.WriteByte(c + 'a' - 'A')
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			flush()
		default:
			flush()
			out = append(out, string(c))
		}
	}
	flush()
	return out
}
