package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shoplet/shoplet/tenant/apptest"
)

// commerceStore is a connected store with an on-shelf product of two SKUs.
type commerceStore struct {
	owner *apptest.Client
	conn  apptest.Connected
	base  string
	shop  string
	prod  string
	skuA  string // stock 5, 9900 fen
	skuB  string // stock 3, 12900 fen
}

func newCommerceStore(t testing.TB, e *apptest.Env, slug, entity string) commerceStore {
	owner := e.SignUp("owner@" + slug + ".example")
	sid := owner.CreateStore(slug, entity, "apparel")
	cs := commerceStore{owner: owner, conn: owner.ConnectWeChat(sid), base: "/api/v1/stores/" + sid, shop: "/api/shop/v1/stores/" + sid}
	p := owner.Must(201, "POST", cs.base+"/products", map[string]any{"title": "Linen shirt", "business_category": "apparel",
		"specs": []map[string]any{{"name": "size", "values": []string{"M", "L"}}},
		"skus":  []map[string]any{{"spec": map[string]string{"size": "M"}, "price": 9900, "stock": 5}, {"spec": map[string]string{"size": "L"}, "price": 12900, "stock": 3}}}).Map(t)
	cs.prod = p["id"].(string)
	cs.skuA = p["skus"].([]any)[0].(map[string]any)["id"].(string)
	cs.skuB = p["skus"].([]any)[1].(map[string]any)["id"].(string)
	owner.Must(200, "PUT", cs.base+"/products/"+cs.prod+"/status", map[string]string{"status": "on_shelf"})
	return cs
}

func addAddress(t testing.TB, shopper *apptest.Client, shop string) string {
	return shopper.Must(201, "POST", shop+"/addresses", map[string]any{"name": "李雷", "phone": "13800138000", "province": "上海市",
		"city": "上海市", "district": "静安区", "detail": "南京西路 1 号"}).Map(t)["id"].(string)
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestShopperJourney: login → browse → cart → checkout → pay (fake) → notify →
// ship → complete → refund, all through HTTP against the fake WeChat.
func TestShopperJourney(t *testing.T) {
	e := apptest.New(t)
	cs := newCommerceStore(t, e, "journey", "mainland")
	cs.owner.Must(200, "PUT", cs.base+"/settings/messages", map[string]string{"paid_template_id": "TPL-J-PAID", "shipped_template_id": "TPL-J-SHIP"})
	shopper := e.Shopper(cs.conn.StoreID, "alice")

	// Browse: only on-shelf products of this brand.
	list := e.Anon().Must(200, "GET", cs.shop+"/products", nil).Map(t)["items"].([]any)
	if len(list) != 1 {
		t.Fatalf("shop list: %v", list)
	}
	detail := e.Anon().Must(200, "GET", cs.shop+"/products/"+cs.prod, nil).Map(t)
	if len(detail["skus"].([]any)) != 2 {
		t.Fatalf("detail: %v", detail)
	}

	addr := addAddress(t, shopper, cs.shop)
	shopper.Must(204, "PUT", cs.shop+"/cart/"+cs.skuA, map[string]any{"quantity": 2})
	shopper.Must(204, "PUT", cs.shop+"/cart/"+cs.skuB, map[string]any{"quantity": 1})
	cart := shopper.Must(200, "GET", cs.shop+"/cart", nil).Map(t)["items"].([]any)
	if len(cart) != 2 {
		t.Fatalf("cart: %v", cart)
	}
	out := shopper.Must(201, "POST", cs.shop+"/checkout", map[string]any{"address_id": addr, "idempotency_key": "tap-1", "scene": "1007"}).Map(t)
	o := out["order"].(map[string]any)
	if o["total"].(float64) != 2*9900+12900 || o["status"] != "pending_payment" {
		t.Fatalf("order: %v", o)
	}
	pay := out["payment"].(map[string]any)
	if pay["signType"] != "RSA" || !strings.HasPrefix(pay["package"].(string), "prepay_id=") || pay["paySign"] == "" || pay["appId"] != cs.conn.AppID {
		t.Fatalf("payment params: %v", out)
	}
	// A double tap returns the same order.
	again := shopper.Must(200, "POST", cs.shop+"/checkout", map[string]any{"address_id": addr, "idempotency_key": "tap-1"}).Map(t)
	if again["order"].(map[string]any)["id"] != o["id"] {
		t.Fatal("the same idempotency key created a second order")
	}
	stock := func(sku string) float64 {
		p := cs.owner.Must(200, "GET", cs.base+"/products/"+cs.prod, nil).Map(t)
		for _, s := range p["skus"].([]any) {
			if s.(map[string]any)["id"] == sku {
				return s.(map[string]any)["stock"].(float64)
			}
		}
		return -1
	}
	if stock(cs.skuA) != 3 || stock(cs.skuB) != 2 {
		t.Fatalf("stock after checkout: %v %v", stock(cs.skuA), stock(cs.skuB))
	}

	// The phone pays; WeChat Pay notifies; the order is paid.
	if err := e.Fake.Pay.Succeed(strings.TrimPrefix(pay["package"].(string), "prepay_id=")); err != nil {
		t.Fatal(err)
	}
	oid := o["id"].(string)
	waitFor(t, "paid", func() bool {
		return shopper.Must(200, "GET", cs.shop+"/orders/"+oid, nil).Map(t)["status"] == "paid"
	})

	// Staff ship; the shipping information reaches WeChat.
	shipped := cs.owner.Must(200, "POST", cs.base+"/orders/"+oid+"/ship", map[string]string{"carrier": "SF", "tracking_no": "SF1234567890"}).Map(t)
	if shipped["status"] != "shipped" {
		t.Fatalf("ship: %v", shipped)
	}
	waitFor(t, "shipping upload", func() bool {
		for _, u := range e.Fake.ShippingUploads() {
			if strings.Contains(toJSON(u), "SF1234567890") {
				return true
			}
		}
		return false
	})
	// Subscribe messages went to the shopper on payment and on shipment.
	waitFor(t, "subscribe messages", func() bool {
		got := map[string]bool{}
		for _, m := range e.Fake.SentMessages() {
			if m.AppID == cs.conn.AppID && strings.Contains(toJSON(m.Data), o["order_no"].(string)) {
				got[m.TemplateID] = true
			}
		}
		return got["TPL-J-PAID"] && got["TPL-J-SHIP"]
	})
	shopper.Must(200, "POST", cs.shop+"/orders/"+oid+"/receipt", nil)

	// Refund one shirt of size M; staff approve; WeChat Pay's REFUND notification completes it.
	full := shopper.Must(200, "GET", cs.shop+"/orders/"+oid, nil).Map(t)
	var lineA string
	for _, l := range full["lines"].([]any) {
		if l.(map[string]any)["sku_id"] == cs.skuA {
			lineA = l.(map[string]any)["id"].(string)
		}
	}
	rf := shopper.Must(201, "POST", cs.shop+"/orders/"+oid+"/refunds", map[string]any{"lines": []map[string]any{{"line_id": lineA, "quantity": 1}}, "reason": "too small"}).Map(t)
	if rf["amount"].(float64) != 9900 {
		t.Fatalf("refund: %v", rf)
	}
	cs.owner.Must(200, "POST", cs.base+"/refunds/"+rf["id"].(string)+"/review", map[string]any{"approve": true, "restock": true})
	waitFor(t, "refund applied", func() bool {
		got := cs.owner.Must(200, "GET", cs.base+"/orders/"+oid, nil).Map(t)
		return got["refunded_total"].(float64) == 9900
	})
	if stock(cs.skuA) != 4 {
		t.Fatalf("stock after restocked refund: %v", stock(cs.skuA))
	}
	final := cs.owner.Must(200, "GET", cs.base+"/orders/"+oid, nil).Map(t)
	if len(final["events"].([]any)) < 6 {
		t.Fatalf("order history too short: %v", final["events"])
	}
	csv := cs.owner.Must(200, "GET", cs.base+"/orders/export", nil)
	if !strings.Contains(string(csv.Body), final["order_no"].(string)) || !strings.Contains(string(csv.Body), "327.00") {
		t.Fatalf("csv export: %s", csv.Body)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
