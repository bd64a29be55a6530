package api_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shoplet/shoplet/tenant/apptest"
)

// TestConsoleLists: the staff's order list carries its lines with the
// products' images and the tabs' counts; the product list flags low stock and
// counts its tabs. Each store sees only its own.
func TestConsoleLists(t *testing.T) {
	e := apptest.New(t)
	type store struct {
		owner *apptest.Client
		sid   string
		img   string
		skus  []string
	}
	mk := func(name string) store {
		o := e.SignUp(name + "@lists.example")
		sid := o.CreateStore(name, "mainland", "apparel")
		o.ConnectWeChat(sid)
		base := "/api/v1/stores/" + sid
		img := o.Upload(base+"/images", nil, "a.png", pngBytes()).Map(t)["id"].(string)
		s := store{owner: o, sid: sid, img: img}
		for i, p := range []map[string]any{
			{"title": name + " 衬衫", "images": []string{img}, "stock": 3},
			{"title": name + " 帽子", "images": []string{}, "stock": 50},
			{"title": name + " 袜子", "images": []string{}, "stock": 0}, // stays a draft
		} {
			out := o.Must(201, "POST", base+"/products", map[string]any{"title": p["title"], "business_category": "apparel", "images": p["images"],
				"skus": []map[string]any{{"spec": map[string]string{}, "price": 12900 + i, "stock": p["stock"]}}}).Map(t)
			if i < 2 {
				o.Must(200, "PUT", base+"/products/"+out["id"].(string)+"/status", map[string]string{"status": "on_shelf"})
			}
			s.skus = append(s.skus, out["skus"].([]any)[0].(map[string]any)["id"].(string))
		}
		return s
	}
	a, b := mk("lista"), mk("listb")
	buy := func(s store, who, sku string, pay bool, buyer, phone string) string {
		sh := e.Shopper(s.sid, who)
		shop := "/api/shop/v1/stores/" + s.sid
		addr := sh.Must(201, "POST", shop+"/addresses", map[string]any{"name": buyer, "phone": phone, "province": "上海市", "city": "上海市", "detail": "1 号"}).Map(t)["id"].(string)
		out := sh.Must(201, "POST", shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": sku, "quantity": 1}}, "address_id": addr,
			"idempotency_key": who, "scene": "1007"}).Map(t)
		id := out["order"].(map[string]any)["id"].(string)
		if pay {
			if err := e.Fake.Pay.Succeed(strings.TrimPrefix(out["payment"].(map[string]any)["package"].(string), "prepay_id=")); err != nil {
				t.Fatal(err)
			}
			for range 200 {
				if sh.Must(200, "GET", shop+"/orders/"+id, nil).Map(t)["status"] == "paid" {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			sh.Must(201, "POST", shop+"/orders/"+id+"/refunds", map[string]any{"reason": "尺码不合适"})
		}
		return id
	}
	refunding := buy(a, "la-1", a.skus[0], true, "王小明", "13800138000")
	unpaid := buy(a, "la-2", a.skus[1], false, "李雷", "13900139001")
	buy(b, "lb-1", b.skus[1], false, "王小明", "13800138000")

	base := "/api/v1/stores/" + a.sid
	items := a.owner.Must(200, "GET", base+"/orders", nil).Map(t)["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("store A lists %d orders", len(items))
	}
	images := map[string]string{}
	for _, it := range items {
		lines := it.(map[string]any)["lines"].([]any)
		if len(lines) != 1 {
			t.Fatalf("order without its lines: %v", it)
		}
		l := lines[0].(map[string]any)
		img, _ := l["image"].(string)
		images[l["title"].(string)] = img
	}
	if images["lista 衬衫"] != a.img || images["lista 帽子"] != "" {
		t.Fatalf("line images: %v (want %s on the shirt only)", images, a.img)
	}
	c := a.owner.Must(200, "GET", base+"/orders/counts", nil).Map(t)
	want := map[string]float64{"all": 2, "pending_payment": 1, "paid": 1, "shipped": 0, "after_sale": 1, "refunds_waiting": 1}
	for k, v := range want {
		if c[k] != v {
			t.Fatalf("order counts %s = %v, want %v (%v)", k, c[k], v, c)
		}
	}
	if cb := b.owner.Must(200, "GET", "/api/v1/stores/"+b.sid+"/orders/counts", nil).Map(t); cb["all"] != float64(1) || cb["after_sale"] != float64(0) {
		t.Fatalf("store B's counts: %v", cb)
	}
	after := a.owner.Must(200, "GET", base+"/orders?status=after_sale", nil).Map(t)["items"].([]any)
	if len(after) != 1 || after[0].(map[string]any)["id"] != refunding {
		t.Fatalf("after-sale tab: %v", after)
	}
	pending := map[string]bool{}
	for _, it := range items {
		o := it.(map[string]any)
		pending[o["id"].(string)], _ = o["refund_pending"].(bool)
	}
	if !pending[refunding] || pending[unpaid] {
		t.Fatalf("refund-pending flags: %v (want only %s)", pending, refunding)
	}
	// Search by a part of the buyer's name, the phone's last digits or the
	// order number's prefix; store B's 王小明 is not store A's.
	search := func(q string) []string {
		var got []string
		for _, it := range a.owner.Must(200, "GET", base+"/orders?q="+url.QueryEscape(q), nil).Map(t)["items"].([]any) {
			got = append(got, it.(map[string]any)["id"].(string))
		}
		return got
	}
	// The refund list says which order, who and what.
	refunds := a.owner.Must(200, "GET", base+"/refunds?status=requested", nil).Map(t)["items"].([]any)
	if len(refunds) != 1 {
		t.Fatalf("refunds: %v", refunds)
	}
	ro, _ := refunds[0].(map[string]any)["order"].(map[string]any)
	refundingNo := a.owner.Must(200, "GET", base+"/orders/"+refunding, nil).Map(t)["order_no"].(string)
	if ro == nil || ro["order_no"] != refundingNo || ro["buyer"] != "王小明" || ro["phone"] != "13800138000" ||
		len(ro["items"].([]any)) != 1 || ro["items"].([]any)[0].(map[string]any)["title"] != "lista 衬衫" || ro["items"].([]any)[0].(map[string]any)["quantity"] != float64(1) {
		t.Fatalf("refund's order: %v", refunds[0])
	}
	if rb := b.owner.Must(200, "GET", "/api/v1/stores/"+b.sid+"/refunds", nil).Map(t)["items"].([]any); len(rb) != 0 {
		t.Fatalf("store B sees refunds: %v", rb)
	}
	unpaidNo := a.owner.Must(200, "GET", base+"/orders/"+unpaid, nil).Map(t)["order_no"].(string)
	for _, c := range []struct {
		q    string
		want []string
	}{{"小明", []string{refunding}}, {"李雷", []string{unpaid}}, {"9001", []string{unpaid}}, {"138001", []string{refunding}},
		{unpaidNo, []string{unpaid}}, {"张三", nil}, {"%", []string{unpaid, refunding}}} {
		if got := search(c.q); strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Fatalf("search %q: %v, want %v", c.q, got, c.want)
		}
	}
	if r := a.owner.Do("GET", base+"/orders?status=lost", nil); r.Status != 400 || !strings.Contains(string(r.Body), "after_sale") {
		t.Fatalf("unknown status: %d %s", r.Status, r.Body)
	}

	pc := a.owner.Must(200, "GET", base+"/products/counts", nil).Map(t)
	for k, v := range map[string]float64{"all": 3, "draft": 1, "on_shelf": 2, "off_shelf": 0, "sold_out": 1, "low_stock": 1} {
		if pc[k] != v {
			t.Fatalf("product counts %s = %v, want %v (%v)", k, pc[k], v, pc)
		}
	}
	for _, it := range a.owner.Must(200, "GET", base+"/products", nil).Map(t)["items"].([]any) {
		p := it.(map[string]any)
		if low := !strings.HasSuffix(p["title"].(string), "帽子"); p["low_stock"] != low { // 3 and 0 left are low; 50 is not
			t.Fatalf("low_stock of %v: %v", p["title"], p["low_stock"])
		}
	}
	// Another store's counts are not this store's to read.
	if r := a.owner.Do("GET", "/api/v1/stores/"+b.sid+"/products/counts", nil); r.Status != 404 {
		t.Fatalf("store A reads store B's counts: %d", r.Status)
	}
}
