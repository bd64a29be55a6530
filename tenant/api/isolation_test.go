package api_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/shoplet/shoplet/tenant/api"
	"github.com/shoplet/shoplet/tenant/apptest"
)

// bodies holds a valid request body for every tenant-scoped route that takes
// one, so a handler that ignored the tenant would act, not fail validation.
// A new route without an entry here fails TestIsolationMatrix.
var bodies = map[string]any{
	"PATCH /api/v1/stores/:store":                        map[string]any{"name": "Hijacked"},
	"POST /api/v1/stores/:store/business-categories":     map[string]any{"categories": []string{"toys"}},
	"PATCH /api/v1/stores/:store/staff/:account":         map[string]any{"role": "viewer"},
	"POST /api/v1/stores/:store/invitations":             map[string]any{"email": "intruder@b.example", "role": "admin"},
	"POST /api/v1/stores/:store/agency-grants":           nil, // filled per world: the intruder's own agency
	"PUT /api/v1/stores/:store/settings/miniprogram":     map[string]any{"app_id": "wxffffffffffffffff", "app_secret": strings.Repeat("cd", 16)},
	"PUT /api/v1/stores/:store/settings/payment":         map[string]any{"mode": "global", "mch_id": "1900000109", "cert_serial": "ABCDEF12", "api_v3_key": strings.Repeat("k", 32), "private_key": "x"},
	"POST /api/v1/stores/:store/categories":              map[string]any{"name": "Intruder"},
	"PATCH /api/v1/stores/:store/categories/:category":   map[string]any{"name": "Renamed"},
	"POST /api/v1/stores/:store/products":                sampleProduct("", ""),
	"POST /api/v1/stores/:store/products/bulk-status":    nil, // filled per world: A's product id
	"PUT /api/v1/stores/:store/products/:product":        sampleProduct("", ""),
	"PUT /api/v1/stores/:store/products/:product/status": map[string]any{"status": "on_shelf"},
	"PATCH /api/v1/stores/:store/skus/:sku":              map[string]any{"stock": 0},
}

var paramRE = regexp.MustCompile(`:([a-z_]+)`)

// TestIsolationMatrix runs every tenant-scoped route of the router against
// store A's objects, as the owner of store B, as an agency whose grant on A
// was revoked, and as B's owner through B's own store with A's object ids.
// Each must answer 404, and A's rows must be byte-for-byte unchanged.
func TestIsolationMatrix(t *testing.T) {
	e := apptest.New(t)
	w := newWorld(t, e)
	bodies["POST /api/v1/stores/:store/agency-grants"] = map[string]any{"agency_id": w.agencyR, "role": "admin"}
	bodies["POST /api/v1/stores/:store/products/bulk-status"] = map[string]any{"ids": []string{w.objs["product"]}, "status": "on_shelf"}

	routes := e.App.API.Routes()
	registered := map[string]bool{}
	for _, r := range e.App.API.Engine().Routes() {
		registered[r.Method+" "+r.Path] = true
	}
	before := snapshot(t, e, w.A)
	covered := 0
	for _, r := range routes {
		if r.Auth != api.Store {
			if strings.Contains(r.Path, ":store") {
				t.Errorf("%s %s has :store but is not a store route", r.Method, r.Path)
			}
			continue
		}
		key := r.Method + " " + r.Path
		if !registered[key] {
			t.Errorf("%s is in the route table but not registered", key)
		}
		body, hasBody := bodies[key]
		if r.In != nil && !hasBody {
			t.Errorf("%s takes a body but has no sample in bodies: add one", key)
			continue
		}
		pathFor := func(store string) string {
			return paramRE.ReplaceAllStringFunc(r.Path, func(m string) string {
				name := m[1:]
				if name == "store" {
					return store
				}
				id, ok := w.objs[name]
				if !ok {
					t.Fatalf("%s: no object of store A for path parameter %q; add one to newWorld", key, name)
				}
				return id
			})
		}
		callers := []struct {
			name  string
			c     *apptest.Client
			store string
		}{
			{"owner of B on A", w.ownerB, w.A},
			{"revoked agency on A", w.revokedUser, w.A},
		}
		if strings.Count(r.Path, ":") > 1 {
			callers = append(callers, struct {
				name  string
				c     *apptest.Client
				store string
			}{"owner of B with A's ids", w.ownerB, w.B})
		}
		for _, cl := range callers {
			var res apptest.Resp
			if len(r.Multipart) > 0 {
				res = cl.c.Upload(pathFor(cl.store), map[string]string{"category": "food", "doc_type": "commitment_letter"}, "x.png", pngBytes())
			} else {
				res = cl.c.Do(r.Method, pathFor(cl.store), body)
			}
			if res.Status != 404 {
				t.Errorf("%s as %s: status %d, want 404: %s", key, cl.name, res.Status, res.Body)
			}
		}
		covered++
	}
	if covered < 30 {
		t.Fatalf("only %d tenant routes covered; the route table looks wrong", covered)
	}
	if after := snapshot(t, e, w.A); after != before {
		t.Fatal("store A's rows changed during the cross-tenant attempts")
	}
	// The agency with a live grant still works, and the staff member too.
	w.agencyUser.Must(200, "GET", "/api/v1/stores/"+w.A+"/products", nil)
	w.staffA.Must(200, "GET", "/api/v1/stores/"+w.A+"/products", nil)
	t.Logf("%d tenant-scoped routes × up to 3 intruders: all 404, store A unchanged", covered)
}
