package api_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shoplet/shoplet/tenant/api"
	"github.com/shoplet/shoplet/tenant/apptest"
	"github.com/shoplet/shoplet/tenant/billing"
)

// bodies holds a valid request body for every tenant-scoped route that takes
// one, so a handler that ignored the tenant would act, not fail validation.
// A new route without an entry here fails TestIsolationMatrix.
var bodies = map[string]any{
	"PATCH /api/v1/stores/:store":                            map[string]any{"name": "Hijacked"},
	"POST /api/v1/stores/:store/business-categories":         map[string]any{"categories": []string{"toys"}},
	"PATCH /api/v1/stores/:store/staff/:account":             map[string]any{"role": "viewer"},
	"POST /api/v1/stores/:store/invitations":                 map[string]any{"email": "intruder@b.example", "role": "admin"},
	"POST /api/v1/stores/:store/agency-grants":               nil, // filled per world: the intruder's own agency
	"PUT /api/v1/stores/:store/settings/miniprogram":         map[string]any{"app_id": "wxffffffffffffffff", "app_secret": strings.Repeat("cd", 16)},
	"PUT /api/v1/stores/:store/settings/payment":             map[string]any{"mode": "global", "mch_id": "1900000109", "cert_serial": "ABCDEF12", "api_v3_key": strings.Repeat("k", 32), "private_key": "x"},
	"POST /api/v1/stores/:store/categories":                  map[string]any{"name": "Intruder"},
	"PATCH /api/v1/stores/:store/categories/:category":       map[string]any{"name": "Renamed"},
	"POST /api/v1/stores/:store/products":                    sampleProduct("", ""),
	"POST /api/v1/stores/:store/products/bulk-status":        nil, // filled per world: A's product id
	"PUT /api/v1/stores/:store/products/:product":            sampleProduct("", ""),
	"PUT /api/v1/stores/:store/products/:product/status":     map[string]any{"status": "on_shelf"},
	"PATCH /api/v1/stores/:store/skus/:sku":                  map[string]any{"stock": 0},
	"POST /api/v1/stores/:store/orders/:order/ship":          map[string]any{"carrier": "SF", "tracking_no": "SF000"},
	"POST /api/v1/stores/:store/refunds/:refund/review":      map[string]any{"approve": true},
	"PUT /api/v1/stores/:store/settings/contact":             map[string]any{"service_phone": "400-000-0000"},
	"PUT /api/v1/stores/:store/settings/messages":            map[string]any{"paid_template_id": "TPL-hijack", "shipped_template_id": ""},
	"PUT /api/v1/stores/:store/miniapp/config":               map[string]any{"theme": map[string]string{"primary": "#000000"}, "cart": true},
	"POST /api/v1/stores/:store/coupons":                     sampleCoupon(),
	"POST /api/v1/stores/:store/promotions":                  samplePromotion(),
	"POST /api/v1/stores/:store/coupons/:coupon/codes":       map[string]any{"count": 3},
	"POST /api/v1/stores/:store/coupons/:coupon/send":        map[string]any{"member_ids": []string{"01a20000-0000-7000-8000-000000000001"}, "key": "intruder"},
	"POST /api/v1/stores/:store/shipping-templates":          sampleTemplate(),
	"PUT /api/v1/stores/:store/shipping-templates/:template": sampleTemplate(),
	"POST /api/v1/stores/:store/billing/payments":            map[string]any{"plan_id": billing.StandardPlanID, "period": "month", "method": "bank_transfer"},
	// shop API
	"POST /api/shop/v1/stores/:store/login":                 map[string]any{"code": "user:intruder:1"},
	"PATCH /api/shop/v1/stores/:store/me":                   map[string]any{"nickname": "hijacked"},
	"POST /api/shop/v1/stores/:store/me/consent":            map[string]any{"version": "v9"},
	"PUT /api/shop/v1/stores/:store/me/phone":               map[string]any{"phone": "13700000000"},
	"POST /api/shop/v1/stores/:store/addresses":             sampleAddress(),
	"PUT /api/shop/v1/stores/:store/addresses/:address":     sampleAddress(),
	"PUT /api/shop/v1/stores/:store/cart/:sku":              map[string]any{"quantity": 1},
	"POST /api/shop/v1/stores/:store/checkout":              map[string]any{"idempotency_key": "x", "address_id": "01a20000-0000-7000-8000-000000000001"},
	"POST /api/shop/v1/stores/:store/orders/:order/refunds": map[string]any{"reason": "x"},
	"POST /api/shop/v1/stores/:store/checkout/preview":      map[string]any{},
	"POST /api/shop/v1/stores/:store/coupon-codes/redeem":   map[string]any{"code": "SPRING25"},
}

var paramRE = regexp.MustCompile(`:([a-z_]+)`)

// TestIsolationMatrix runs every tenant-scoped route of the router against
// store A's objects, as the owner of store B, as an agency whose grant on A
// was revoked, and as B's owner through B's own store with A's object ids.
// Each must answer 404, and A's rows must be byte-for-byte unchanged.
func TestIsolationMatrix(t *testing.T) {
	// As a third-party platform, so the publishing routes are in the matrix.
	e, comp := platformEnv(t, "wxc00000000000is01")
	w := newWorld(t, e)
	tpl := e.Fake.AddTemplate(comp.AppID, "1.0.0", "isolation", storefrontPages...)
	authorise(t, w.ownerA, w.A)
	pub := w.ownerA.Must(202, "POST", "/api/v1/stores/"+w.A+"/miniapp/publishes", map[string]any{"template_id": tpl, "version": "1.0.0"}).Map(t)
	w.objs["publish"] = pub["id"].(string)
	waitPublish(t, w.ownerA, w.A, w.objs["publish"], "auditing")
	bodies["POST /api/v1/stores/:store/miniapp/publishes"] = map[string]any{"template_id": tpl, "version": "2.0.0"}
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
		if r.Auth != api.Store && r.Auth != api.Shopper && r.Auth != api.ShopPublic && r.Auth != api.PayNotify {
			if strings.Contains(r.Path, ":store") {
				t.Errorf("%s %s has :store but no store-scoped auth", r.Method, r.Path)
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
		type caller struct {
			name   string
			c      *apptest.Client
			store  string
			status int
		}
		var callers []caller
		objects := strings.Count(r.Path, ":") > 1
		switch r.Auth {
		case api.Store:
			callers = []caller{{"owner of B on A", w.ownerB, w.A, 404}, {"revoked agency on A", w.revokedUser, w.A, 404},
				{"shopper of A on the console", w.shopperA, w.A, 401}}
			if objects {
				callers = append(callers, caller{"owner of B with A's ids", w.ownerB, w.B, 404})
			}
		case api.Shopper:
			// A session of brand B is refused on brand A's shop; on its own
			// shop, A's objects do not exist.
			callers = []caller{{"shopper of B on A", w.shopperB, w.A, 401}}
			if objects {
				callers = append(callers, caller{"shopper of B with A's ids", w.shopperB, w.B, 404})
			}
		case api.ShopPublic:
			if !objects {
				covered++
				continue // public, store-wide: nothing of A to reach
			}
			callers = []caller{{"anyone on B with A's ids", w.shopperB, w.B, 404}}
		case api.PayNotify:
			// A's genuine notification (signed, under A's key) posted to B's callback.
			body, h, err := e.Fake.Pay.Notification("TRANSACTION.SUCCESS", "transaction", w.connA.APIv3Key,
				map[string]any{"out_trade_no": "x", "mchid": w.connA.MchID, "appid": w.connA.AppID, "trade_state": "SUCCESS"}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("POST", e.Server.URL+pathFor(w.B), bytes.NewReader(body))
			req.Header = h
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode/100 == 2 {
				t.Errorf("%s: store B accepted store A's notification (%d)", key, res.StatusCode)
			}
			covered++
			continue
		}
		for _, cl := range callers {
			var res apptest.Resp
			if len(r.Multipart) > 0 {
				res = cl.c.Upload(pathFor(cl.store), map[string]string{"category": "food", "doc_type": "commitment_letter"}, "x.png", pngBytes())
			} else {
				res = cl.c.Do(r.Method, pathFor(cl.store), body)
			}
			if res.Status != cl.status {
				t.Errorf("%s as %s: status %d, want %d: %s", key, cl.name, res.Status, cl.status, res.Body)
			}
		}
		covered++
	}
	if covered < 60 {
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
