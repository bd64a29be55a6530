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
		of skip locked nowait share lateral only table with recursive when then else end case is in exists between like`) {
		sqlKeywords[k] = true
	}
}

// opensBlock: a parenthesis followed by one of these opens a query block.
var opensBlock = map[string]bool{"select": true, "with": true, "insert": true, "update": true, "delete": true, "values": true}

// ref is one table named in a statement: where (its query block), how
// (its alias, or the table's name) and by which keyword.
type ref struct {
	table, key, kw string
	block          int
}

// read checks one statement. Tables are collected per query block (a
// SELECT, a parenthesised subquery, each branch of a UNION), and a
// condition "x.tenant_id = value" counts for the reference x resolves to
// from the condition's block outwards, only where it can restrict rows: right
// after WHERE, ON or AND, and not next to an OR. So one branch of a UNION,
// a subquery, an OR alternative or a select-list comparison cannot scope
// another reference of the same name.
func (t *tables) read(q string) error {
	toks := tokenize(q)
	// Blocks: 0 is the statement; "(" SELECT|WITH opens a child block;
	// UNION/INTERSECT/EXCEPT starts a sibling at the same level.
	block := make([]int, len(toks))
	parent := []int{-1}
	type frame struct{ block int }
	stack := []frame{{0}}
	cur := 0
	for i, tk := range toks {
		switch tk {
		case "(":
			if i+1 < len(toks) && opensBlock[toks[i+1]] {
				parent = append(parent, cur)
				cur = len(parent) - 1
			}
			stack = append(stack, frame{cur})
		case ")":
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			block[i] = cur
			cur = stack[len(stack)-1].block
			continue
		case "union", "intersect", "except":
			parent = append(parent, parent[cur])
			cur = len(parent) - 1
			stack[len(stack)-1] = frame{cur}
		}
		block[i] = cur
	}

	var refs []ref
	perBlock := map[int]int{}
	for i := 0; i < len(toks); i++ {
		kw := toks[i]
		if kw != "from" && kw != "join" && kw != "update" && kw != "into" && kw != "using" && kw != "table" {
			continue
		}
		for j := i + 1; j < len(toks); {
			for j < len(toks) && (toks[j] == "only" || (toks[j] == "(" && j+1 < len(toks) && !opensBlock[toks[j+1]])) {
				j++ // FROM ONLY t, FROM (t JOIN ...)
			}
			if j >= len(toks) {
				break
			}
			name := toks[j]
			if name == "(" || sqlKeywords[name] || isValue(name) && !strings.HasPrefix(name, "'") {
				break // a subquery, or a keyword such as FROM in DELETE ... FROM
			}
			name = strings.Trim(name, "'")
			if k := strings.LastIndexByte(name, '.'); k >= 0 {
				name = name[k+1:] // schema-qualified
			}
			r := ref{table: name, kw: kw, block: block[i]}
			j++
			if j < len(toks) && toks[j] == "as" {
				j++
			}
			alias := ""
			if j < len(toks) && isIdent(toks[j]) && !sqlKeywords[toks[j]] {
				alias = toks[j]
				j++
			}
			r.key = refKey(name, alias)
			perBlock[r.block]++
			if t.owned(name) {
				refs = append(refs, r)
			}
			if (kw != "from" && kw != "using") || j >= len(toks) || toks[j] != "," {
				break
			}
			j++ // FROM a, b
		}
	}
	if len(refs) == 0 {
		return nil
	}
	// resolve finds the reference a column's qualifier names, from block b outwards.
	resolve := func(col string, b int) (int, bool) {
		k, ok := strings.CutSuffix(col, ".tenant_id")
		if !ok {
			if col != "tenant_id" || perBlock[b] != 1 {
				return 0, false
			}
			for i, r := range refs {
				if r.block == b {
					return i, true
				}
			}
			return 0, false
		}
		if i := strings.LastIndexByte(k, '.'); i >= 0 {
			k = k[i+1:]
		}
		for ; b >= 0; b = parent[b] {
			for i, r := range refs {
				if r.block == b && r.key == k {
					return i, true
				}
			}
		}
		return 0, false
	}
	scoped := make([]bool, len(refs))
	var links [][2]int
	for i := 1; i+1 < len(toks); i++ {
		if toks[i] != "=" {
			continue
		}
		// The comparison must be a conjunct: after WHERE/ON/AND (and any
		// opening parentheses), and not followed by OR.
		p := i - 2
		for p >= 0 && toks[p] == "(" {
			p--
		}
		if p < 0 || (toks[p] != "where" && toks[p] != "on" && toks[p] != "and") {
			continue
		}
		if i+2 < len(toks) && toks[i+2] == "or" {
			continue
		}
		l, r := toks[i-1], toks[i+1]
		li, lok := resolve(l, block[i])
		ri, rok := resolve(r, block[i])
		switch {
		case lok && rok:
			links = append(links, [2]int{li, ri})
		case lok && isValue(r):
			scoped[li] = true
		case rok && isValue(l):
			scoped[ri] = true
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
	for i, r := range refs {
		if r.kw == "into" {
			if !contains(toks, "tenant_id") {
				return fmt.Errorf("%w: INSERT INTO %s without tenant_id", ErrUnscoped, r.table)
			}
			continue
		}
		if !scoped[i] {
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
	return tok == "?" || (len(tok) > 1 && (tok[0] == '$' || tok[0] == '\''))
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

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// tokenize lower-cases q, drops comments, keeps each string literal as one
// token ('text'), unquotes identifiers ("t"."c", `t`.`c` and [t].[c] become
// t.c) and splits it into words (dotted names stay whole) and single
// punctuation characters.
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
			// A string literal becomes one token, quotes kept ('text'), so it
			// is a value, and a table only where SQLite reads it as one.
			flush()
			var lit strings.Builder
			lit.WriteByte('\'')
			for i++; i < len(q); i++ {
				if q[i] == '\'' {
					if i+1 < len(q) && q[i+1] == '\'' {
						i++
						lit.WriteByte('\'')
						continue
					}
					break
				}
				lit.WriteByte(lower(q[i]))
			}
			lit.WriteByte('\'')
			out = append(out, lit.String())
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
		case c == '"' || c == '`' || c == '[':
			// A quoted identifier is read to its closing quote as part of the
			// current word ("t"."c" becomes t.c), whatever it contains: a
			// "--", "/*" or quote inside it starts no comment or string.
			end := c
			if c == '[' {
				end = ']'
			}
			for i++; i < len(q); i++ {
				if q[i] == end {
					if end != ']' && i+1 < len(q) && q[i+1] == end {
						i++
						cur.WriteByte(end)
						continue
					}
					break
				}
				cur.WriteByte(lower(q[i]))
			}
		case c == '_' || c == '$' || c == '.' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'):
			cur.WriteByte(c)
		case c >= 'A' && c <= 'Z':
			cur.WriteByte(lower(c))
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
