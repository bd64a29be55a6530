package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shoplet/shoplet/tenant/apptest"
)

// probe is one action a role may or may not take.
type probe struct {
	name   string
	method string
	path   string // relative to the store
	body   func(i int) any
	upload bool
}

var probes = []probe{
	{name: "store:read", method: "GET", path: ""},
	{name: "store:write", method: "PATCH", path: "", body: func(int) any { return map[string]any{"name": "Renamed"} }},
	{name: "staff:read", method: "GET", path: "/staff"},
	{name: "staff:write", method: "POST", path: "/invitations", body: func(i int) any {
		return map[string]any{"email": fmt.Sprintf("x%d@roles.example", i), "role": "viewer"}
	}},
	{name: "agency:read", method: "GET", path: "/agency-grants"},
	{name: "audit:read", method: "GET", path: "/audit-logs"},
	{name: "secret:read", method: "GET", path: "/settings/payment"},
	{name: "secret:write", method: "PUT", path: "/settings/miniprogram", body: func(int) any {
		return map[string]any{"app_id": "wx0123456789abcdef", "app_secret": strings.Repeat("ef", 16)}
	}},
	{name: "document:read", method: "GET", path: "/documents"},
	{name: "document:write", method: "POST", path: "/documents", upload: true},
	{name: "catalog:read", method: "GET", path: "/products"},
	{name: "catalog:write", method: "POST", path: "/categories", body: func(i int) any { return map[string]any{"name": fmt.Sprintf("C%d", i)} }},
}

// allowed is the expected role table, written out independently of the code's.
var allowed = map[string][]string{
	"owner":           {"store:read", "store:write", "staff:read", "staff:write", "agency:read", "audit:read", "secret:read", "secret:write", "document:read", "document:write", "catalog:read", "catalog:write"},
	"admin":           {"store:read", "store:write", "staff:read", "staff:write", "agency:read", "audit:read", "secret:read", "document:read", "document:write", "catalog:read", "catalog:write"},
	"catalog_manager": {"store:read", "catalog:read", "catalog:write"},
	"order_clerk":     {"store:read", "catalog:read"},
	"viewer":          {"store:read", "catalog:read"},
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func TestRolesAllowAndDeny(t *testing.T) {
	e := apptest.New(t)
	owner := e.SignUp("owner@roles.example")
	sid := owner.CreateStore("roles", "overseas", "apparel", "food")
	base := "/api/v1/stores/" + sid
	clients := map[string]*apptest.Client{"owner": owner}
	for _, role := range []string{"admin", "catalog_manager", "order_clerk", "viewer"} {
		email := role + "@roles.example"
		owner.Must(201, "POST", base+"/invitations", map[string]string{"email": email, "role": role})
		c := e.SignUp(email)
		c.Must(200, "POST", "/api/v1/invitations/accept", map[string]string{"token": inviteToken(t, e, email, 1)})
		clients[role] = c
	}
	i := 0
	for role, c := range clients {
		for _, p := range probes {
			i++
			var r apptest.Resp
			switch {
			case p.upload:
				r = c.Upload(base+p.path, map[string]string{"category": "food", "doc_type": "trademark_certificate"}, "tm.pdf", pdfBytes())
			case p.body != nil:
				r = c.Do(p.method, base+p.path, p.body(i))
			default:
				r = c.Do(p.method, base+p.path, nil)
			}
			want := contains(allowed[role], p.name)
			if want && (r.Status == 403 || r.Status == 404 || r.Status >= 500) {
				t.Errorf("%s should %s: status %d %s", role, p.name, r.Status, r.Body)
			}
			if !want && (r.Status != 403 || r.ErrorCode() != "permission_denied") {
				t.Errorf("%s should not %s: status %d %s", role, p.name, r.Status, r.Body)
			}
		}
	}
	// An admin cannot hand out more than admin, nor touch the owner.
	admin := clients["admin"]
	if r := admin.Do("PATCH", base+"/staff/"+owner.ID, map[string]string{"role": "viewer"}); r.Status != 409 {
		t.Errorf("admin demoting owner: %d %s", r.Status, r.Body)
	}
	if r := admin.Do("POST", base+"/invitations", map[string]string{"email": "o2@roles.example", "role": "owner"}); r.Status != 403 {
		t.Errorf("invite as owner: %d %s", r.Status, r.Body)
	}
	// A demoted member loses rights at the next request.
	owner.Must(204, "PATCH", base+"/staff/"+clients["catalog_manager"].ID, map[string]string{"role": "viewer"})
	if r := clients["catalog_manager"].Do("POST", base+"/categories", map[string]any{"name": "late"}); r.Status != 403 {
		t.Errorf("demoted catalog manager still writes: %d", r.Status)
	}
	owner.Must(204, "DELETE", base+"/staff/"+clients["viewer"].ID, nil)
	if r := clients["viewer"].Do("GET", base, nil); r.Status != 404 {
		t.Errorf("removed viewer still sees the store: %d", r.Status)
	}
}

// TestAgencyGrantAndRevoke: the agency sees the store beside its others, acts
// within the granted role, and loses access at its next request on every
// instance after the brand revokes, with every step in the brand's audit log.
func TestAgencyGrantAndRevoke(t *testing.T) {
	e1 := apptest.New(t)
	e2 := apptest.New(t, apptest.Options{Shared: e1}) // a second instance on the same database and Redis
	brand := e1.SignUp("owner@brand.example")
	sid := brand.CreateStore("brand", "mainland", "apparel")
	other := e1.SignUp("owner@other.example")
	otherID := other.CreateStore("other", "mainland", "beauty")
	base := "/api/v1/stores/" + sid

	lead := e1.SignUp("lead@agency.example")
	agency := lead.Must(201, "POST", "/api/v1/agencies", map[string]string{"name": "Best Agency"}).Map(t)["id"].(string)
	e1.SignUp("op@agency.example")
	lead.Must(201, "POST", "/api/v1/agencies/"+agency+"/members", map[string]string{"email": "op@agency.example", "role": "member"})
	op1 := e1.Anon()
	tok := op1.Must(200, "POST", "/api/v1/auth/login", map[string]string{"email": "op@agency.example", "password": "correct-horse-battery"}).Map(t)
	op1.Token = tok["access_token"].(string)
	op2 := &apptest.Client{E: e2, Token: op1.Token}

	if r := op1.Do("GET", base, nil); r.Status != 404 {
		t.Fatalf("before grant: %d", r.Status)
	}
	brand.Must(201, "POST", base+"/agency-grants", map[string]string{"agency_id": agency, "role": "viewer"})
	other.Must(201, "POST", "/api/v1/stores/"+otherID+"/agency-grants", map[string]string{"agency_id": agency, "role": "catalog_manager"})
	me := op1.Must(200, "GET", "/api/v1/me", nil).Map(t)
	if n := len(me["stores"].([]any)); n != 2 {
		t.Fatalf("agency member sees %d stores, want 2: %v", n, me)
	}
	op1.Must(200, "GET", base+"/products", nil)
	op2.Must(200, "GET", base+"/products", nil) // warms instance 2's enforcer cache
	if r := op1.Do("POST", base+"/categories", map[string]any{"name": "x"}); r.Status != 403 {
		t.Fatalf("viewer grant allowed a write: %d", r.Status)
	}
	brand.Must(201, "POST", base+"/agency-grants", map[string]string{"agency_id": agency, "role": "catalog_manager"})
	op2.Must(201, "POST", base+"/categories", map[string]any{"name": "by agency"}) // instance 2 sees the upgrade at once

	brand.Must(204, "DELETE", base+"/agency-grants/"+agency, nil)
	for i, c := range []*apptest.Client{op1, op2} {
		if r := c.Do("GET", base+"/products", nil); r.Status != 404 {
			t.Errorf("instance %d after revoke: status %d, want 404", i+1, r.Status)
		}
	}
	op1.Must(200, "GET", "/api/v1/stores/"+otherID+"/products", nil) // the other brand's grant stands

	log := brand.Must(200, "GET", base+"/audit-logs", nil).Map(t)
	actions := map[string]map[string]any{}
	for _, it := range log["items"].([]any) {
		m := it.(map[string]any)
		actions[m["action"].(string)] = m
	}
	for _, a := range []string{"agency.granted", "agency.revoked", "catalog.category_created", "store.created"} {
		if actions[a] == nil {
			t.Errorf("audit log lacks %s", a)
		}
	}
	if c := actions["catalog.category_created"]; c != nil && c["actor_agency_id"] != agency {
		t.Errorf("agency action not attributed to the agency: %v", c)
	}
}

func TestSuspendAndRestore(t *testing.T) {
	e := apptest.New(t)
	op := e.Operator("ops@platform.example")
	owner := e.SignUp("owner@susp.example")
	sid := owner.CreateStore("susp", "mainland", "apparel")
	base := "/api/v1/stores/" + sid
	owner.Must(200, "GET", base, nil)
	if r := owner.Do("POST", "/api/v1/platform/tenants/"+sid+"/suspend", map[string]string{"reason": "x"}); r.Status != 404 {
		t.Fatalf("a brand reached an operator route: %d", r.Status)
	}
	if r := op.Do("POST", "/api/v1/platform/tenants/"+sid+"/suspend", map[string]string{"reason": ""}); r.Status != 400 || r.FieldErrors()["reason"] == "" {
		t.Fatalf("suspend without reason: %d %s", r.Status, r.Body)
	}
	op.Must(200, "POST", "/api/v1/platform/tenants/"+sid+"/suspend", map[string]string{"reason": "counterfeit goods reported"})
	if r := owner.Do("POST", base+"/categories", map[string]any{"name": "x"}); r.Status != 403 || r.ErrorCode() != "store_suspended" {
		t.Fatalf("write while suspended: %d %s", r.Status, r.Body)
	}
	st := owner.Must(200, "GET", base, nil).Map(t)["store"].(map[string]any)
	if st["status"] != "suspended" || st["status_reason"] != "counterfeit goods reported" {
		t.Fatalf("store = %v", st)
	}
	op.Must(200, "POST", "/api/v1/platform/tenants/"+sid+"/restore", nil)
	owner.Must(201, "POST", base+"/categories", map[string]any{"name": "x"})
	list := op.Must(200, "GET", "/api/v1/platform/tenants?q=susp", nil).Map(t)
	if len(list["items"].([]any)) != 1 {
		t.Fatalf("operator list: %v", list)
	}
}
