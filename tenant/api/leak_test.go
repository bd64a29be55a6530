package api_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shoplet/shoplet/pkg/db"
	"github.com/shoplet/shoplet/tenant/api"
	"github.com/shoplet/shoplet/tenant/apptest"
)

// TestNoLeakWithoutRowLevelSecurity: the application's tenant scoping alone
// keeps brands apart. On PostgreSQL the application connects as a superuser,
// which row-level security does not filter (FORCE RLS binds the table owner,
// not a superuser); on SQLite there is no RLS at all. Two stores are
// populated (products, a category, images, paid / shipped / refunded orders,
// members and addresses, staff, invitations, documents, jobs, audit), then
// every GET route of the console and the shop API is called as store B's
// owner, B's staff and B's shopper on store B, with B's own objects in the
// path: no response contains any of store A's markers (ids, titles, names,
// amounts, order numbers).
func TestNoLeakWithoutRowLevelSecurity(t *testing.T) {
	e := apptest.New(t, apptest.Options{BypassRLS: true})
	if bypass, err := db.CanBypassRLS(context.Background(), e.App.DB); err != nil {
		t.Fatal(err)
	} else if e.Dialect == "postgres" && !bypass {
		t.Fatal("the application's role is filtered by row-level security: this test would not see the application lock alone")
	}
	w := newWorld(t, e)
	a, shopA := "/api/v1/stores/"+w.A, "/api/shop/v1/stores/"+w.A
	b, shopB := "/api/v1/stores/"+w.B, "/api/shop/v1/stores/"+w.B

	// Store A trades with amounts found nowhere else: a paid, shipped order
	// and a paid, refunded one, besides the fixture's order with a refund request.
	const priceA = 73919
	pa := w.ownerA.Must(201, "POST", a+"/products", map[string]any{"title": "Marker-A Alpaca Coat", "business_category": "apparel",
		"skus": []map[string]any{{"spec": map[string]string{}, "price": priceA, "stock": 50}}}).Map(t)
	prodA, skuA := pa["id"].(string), pa["skus"].([]any)[0].(map[string]any)["id"].(string)
	w.ownerA.Must(200, "PUT", a+"/products/"+prodA+"/status", map[string]string{"status": "on_shelf"})
	buyerA := e.Shopper(w.A, "marker-a-buyer")
	addrA := buyerA.Must(201, "POST", shopA+"/addresses", map[string]any{"name": "欧阳锋", "phone": "13911112222", "province": "浙江省",
		"city": "杭州市", "district": "西湖区", "detail": "白堤 7 号"}).Map(t)["id"].(string)
	buy := func(c *apptest.Client, shop, sku, addr, key string) map[string]any {
		out := c.Must(201, "POST", shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": sku, "quantity": 1}},
			"address_id": addr, "idempotency_key": key}).Map(t)
		o := out["order"].(map[string]any)
		if err := e.Fake.Pay.Succeed(strings.TrimPrefix(out["payment"].(map[string]any)["package"].(string), "prepay_id=")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "order paid", func() bool {
			return c.Must(200, "GET", shop+"/orders/"+o["id"].(string), nil).Map(t)["status"] == "paid"
		})
		return c.Must(200, "GET", shop+"/orders/"+o["id"].(string), nil).Map(t)
	}
	shipped := buy(buyerA, shopA, skuA, addrA, "marker-a-1")
	w.ownerA.Must(200, "POST", a+"/orders/"+shipped["id"].(string)+"/ship", map[string]any{"carrier": "SF", "tracking_no": "SFMARKERA0001"})
	refunded := buy(buyerA, shopA, skuA, addrA, "marker-a-2")
	rf := buyerA.Must(201, "POST", shopA+"/orders/"+refunded["id"].(string)+"/refunds", map[string]any{"reason": "marker-a refund reason"}).Map(t)
	w.ownerA.Must(200, "POST", a+"/refunds/"+rf["id"].(string)+"/review", map[string]any{"approve": true})
	fixtureOrder := w.ownerA.Must(200, "GET", a+"/orders/"+w.objs["order"], nil).Map(t)
	storeA := w.ownerA.Must(200, "GET", a, nil).Map(t)["store"].(map[string]any)

	// Store B: its own catalog, staff, shopper and a paid order, so its pages
	// are full (an empty page would prove little).
	objsB := map[string]string{}
	pb := w.ownerB.Must(201, "POST", b+"/products", map[string]any{"title": "Store-B Cotton Tee", "business_category": "apparel",
		"skus": []map[string]any{{"spec": map[string]string{}, "price": 4200, "stock": 20}}}).Map(t)
	objsB["product"], objsB["sku"] = pb["id"].(string), pb["skus"].([]any)[0].(map[string]any)["id"].(string)
	w.ownerB.Must(200, "PUT", b+"/products/"+objsB["product"]+"/status", map[string]string{"status": "on_shelf"})
	objsB["category"] = w.ownerB.Must(201, "POST", b+"/categories", map[string]any{"name": "Tees-B"}).Map(t)["id"].(string)
	w.ownerB.Must(201, "POST", b+"/invitations", map[string]string{"email": "staff@b.example", "role": "viewer"})
	staffB := e.SignUp("staff@b.example")
	staffB.Must(200, "POST", "/api/v1/invitations/accept", map[string]string{"token": inviteToken(t, e, "staff@b.example", 1)})
	objsB["account"] = staffB.ID
	objsB["invitation"] = w.ownerB.Must(201, "POST", b+"/invitations", map[string]string{"email": "later@b.example", "role": "viewer"}).Map(t)["id"].(string)
	img := w.ownerB.Upload(b+"/images", nil, "b.png", pngBytes())
	objsB["file"] = img.Map(t)["id"].(string)
	objsB["address"] = w.shopperB.Must(201, "POST", shopB+"/addresses", map[string]any{"name": "张三丰", "phone": "13722223333",
		"province": "湖北省", "city": "十堰市", "detail": "武当山 1 号"}).Map(t)["id"].(string)
	orderB := buy(w.shopperB, shopB, objsB["sku"], objsB["address"], "store-b-1")
	objsB["order"] = orderB["id"].(string)
	objsB["refund"] = w.shopperB.Must(201, "POST", shopB+"/orders/"+objsB["order"]+"/refunds", map[string]any{"reason": "store-b reason"}).Map(t)["id"].(string)
	objsB["member"] = w.shopperB.ID
	objsB["template"] = w.ownerB.Must(201, "POST", b+"/shipping-templates", sampleTemplate()).Map(t)["id"].(string)
	objsB["coupon"] = w.ownerB.Must(201, "POST", b+"/coupons", sampleCoupon()).Map(t)["id"].(string)
	w.shopperB.Must(201, "POST", shopB+"/coupons/"+objsB["coupon"]+"/claim", nil)
	objsB["promotion"] = w.ownerB.Must(201, "POST", b+"/promotions", samplePromotion()).Map(t)["id"].(string)
	objsB["build"] = w.ownerB.Must(202, "POST", b+"/miniapp/builds", nil).Map(t)["id"].(string)
	objsB["job"] = objsB["build"]
	waitBuild(t, w.ownerB, b, objsB["build"])

	// A's markers: every id and every distinctive text or amount of store A.
	markers := map[string]string{
		"store id": w.A, "store name": storeA["name"].(string), "store slug": "store-a",
		"marker product": prodA, "marker sku": skuA, "marker title": "Marker-A Alpaca Coat", "fixture title": "Logo T-shirt",
		"buyer": buyerA.ID, "buyer address": addrA, "address name": "欧阳锋", "address street": "白堤", "fixture address name": "韩梅梅",
		"shipped order": shipped["id"].(string), "shipped order no": shipped["order_no"].(string), "tracking no": "SFMARKERA0001",
		"refunded order": refunded["id"].(string), "refunded order no": refunded["order_no"].(string), "refund": rf["id"].(string),
		"refund reason": "marker-a refund reason", "fixture order no": fixtureOrder["order_no"].(string), "staff email": "staff@a.example",
		"invitee email": "later@a.example", "category name": "Tops", "agency": "Agency X",
	}
	for k, v := range w.objs {
		markers["fixture "+k] = v
	}
	// Amounts are matched as JSON numbers or yuan, not as digits inside ids.
	amounts := map[string]*regexp.Regexp{}
	for _, n := range []int64{priceA, 2 * priceA, 3 * priceA, priceA + 9900, 2*priceA + 9900} {
		s := strconv.FormatInt(n, 10)
		amounts[s] = regexp.MustCompile(`(^|[^0-9a-f.-])(` + s + `|` + s[:len(s)-2] + `\.` + s[len(s)-2:] + `)([^0-9a-f]|$)`)
	}

	registered := map[string]bool{}
	for _, r := range e.App.API.Engine().Routes() {
		registered[r.Method+" "+r.Path] = true
	}
	type identity struct {
		name string
		c    *apptest.Client
	}
	calls, found, routes := 0, 0, 0
	for _, r := range e.App.API.Routes() {
		if r.Method != "GET" || !registered[r.Method+" "+r.Path] {
			continue
		}
		var who []identity
		switch r.Auth {
		case api.Store, api.User:
			who = []identity{{"owner of B", w.ownerB}, {"staff of B", staffB}}
		case api.Shopper, api.ShopPublic:
			who = []identity{{"shopper of B", w.shopperB}}
		case api.Public:
			who = []identity{{"anyone", e.Anon()}}
		default:
			continue // operator routes see every store by design; agency routes need an agency
		}
		path := paramRE.ReplaceAllStringFunc(r.Path, func(m string) string {
			if m == ":store" {
				return w.B
			}
			if id, ok := objsB[m[1:]]; ok {
				return id
			}
			return "01a20000-0000-7000-8000-00000000beef" // B has none: an id that exists nowhere
		})
		routes++
		for _, id := range who {
			res := id.c.Do("GET", path, nil)
			calls++
			if res.Status >= 500 {
				t.Errorf("GET %s as %s: %d %s", path, id.name, res.Status, res.Body)
			}
			body := string(res.Body)
			for what, m := range markers {
				if m != "" && strings.Contains(body, m) {
					found++
					t.Errorf("GET %s as %s shows store A's %s (%q)", r.Path, id.name, what, m)
				}
			}
			for s, re := range amounts {
				if re.MatchString(body) {
					found++
					t.Errorf("GET %s as %s shows store A's amount %s", r.Path, id.name, s)
				}
			}
		}
	}
	// The check can fail: A's own dashboard and order list show A's markers.
	if body := string(w.ownerA.Must(200, "GET", a+"/dashboard?days=30", nil).Body); !amounts[strconv.Itoa(2*priceA+9900)].MatchString(body) {
		t.Fatalf("store A's dashboard does not show its own GMV %d: %s", 2*priceA+9900, body)
	}
	if body := string(w.ownerA.Must(200, "GET", a+"/orders", nil).Body); !strings.Contains(body, shipped["order_no"].(string)) {
		t.Fatal("store A's order list does not show its own order")
	}
	if routes < 40 {
		t.Fatalf("only %d GET routes called: the route table looks wrong", routes)
	}
	t.Logf("%s: %d GET routes, %d calls as B's owner, staff and shopper, %d of store A's markers found (%d markers, %d amounts)",
		e.Dialect, routes, calls, found, len(markers), len(amounts))
}
