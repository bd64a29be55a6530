package api_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"

	"github.com/gin-gonic/gin"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/apptest"
)

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// couponBody is a no-threshold coupon of amount fen, claimable now.
func couponBody(amount, total, perMember int64) map[string]any {
	now := time.Now()
	return map[string]any{"name": fmt.Sprintf("%d off", amount), "kind": "no_threshold", "amount": amount, "total": total, "per_member": perMember,
		"starts_at": rfc(now.Add(-time.Hour)), "ends_at": rfc(now.Add(time.Hour)), "valid_days": 3}
}

// TestMarketingCheckout: a limited-time discount, a full reduction, a coupon
// and a shipping template on one order. The preview pre-selects the coupon and
// shows per-line discounts; checkout charges the preview's total and records
// each line's adjustments and paid amount; a refund of one line gives back
// that line's paid amount; a cancelled order returns its coupon.
func TestMarketingCheckout(t *testing.T) {
	e := apptest.New(t)
	owner := e.SignUp("owner@mk.example")
	sid := owner.CreateStore("mk-store", "mainland", "apparel")
	owner.ConnectWeChat(sid)
	base, shop := "/api/v1/stores/"+sid, "/api/shop/v1/stores/"+sid
	tpl := owner.Must(201, "POST", base+"/shipping-templates", sampleTemplate()).Map(t)["id"].(string)
	p := owner.Must(201, "POST", base+"/products", map[string]any{"title": "Wool coat", "business_category": "apparel", "shipping_template_id": tpl,
		"specs": []map[string]any{{"name": "size", "values": []string{"M", "L"}}},
		"skus":  []map[string]any{{"spec": map[string]string{"size": "M"}, "price": 10000, "stock": 50}, {"spec": map[string]string{"size": "L"}, "price": 5000, "stock": 50}}}).Map(t)
	prod := p["id"].(string)
	skuA, skuB := p["skus"].([]any)[0].(map[string]any)["id"].(string), p["skus"].([]any)[1].(map[string]any)["id"].(string)
	owner.Must(200, "PUT", base+"/products/"+prod+"/status", map[string]string{"status": "on_shelf"})
	now := time.Now()
	owner.Must(201, "POST", base+"/promotions", map[string]any{"name": "10% off M", "kind": "limited_discount", "deals": map[string]any{skuA: map[string]any{"percent_off": 10}},
		"starts_at": rfc(now.Add(-time.Hour)), "ends_at": rfc(now.Add(time.Hour))})
	owner.Must(201, "POST", base+"/promotions", map[string]any{"name": "200 save 30", "kind": "full_reduction", "tiers": []map[string]any{{"threshold": 20000, "off": 3000}},
		"starts_at": rfc(now.Add(-time.Hour)), "ends_at": rfc(now.Add(time.Hour))})
	small := owner.Must(201, "POST", base+"/coupons", couponBody(500, 10, 1)).Map(t)["id"].(string)
	big := owner.Must(201, "POST", base+"/coupons", couponBody(1000, 10, 1)).Map(t)["id"].(string)

	shopper := e.Shopper(sid, "mk-shopper")
	addr := addAddress(t, shopper, shop)
	if centre := shopper.Must(200, "GET", shop+"/coupons", nil).Map(t)["items"].([]any); len(centre) != 2 {
		t.Fatalf("coupon centre shows %d coupons, want 2", len(centre))
	}
	mcSmall := shopper.Must(201, "POST", shop+"/coupons/"+small+"/claim", nil).Map(t)["id"].(string)
	mcBig := shopper.Must(201, "POST", shop+"/coupons/"+big+"/claim", nil).Map(t)["id"].(string)
	if r := shopper.Do("POST", shop+"/coupons/"+big+"/claim", nil); r.Status != 409 || r.ErrorCode() != "limit_reached" {
		t.Fatalf("second claim: %d %s", r.Status, r.Body)
	}

	items := []map[string]any{{"sku_id": skuA, "quantity": 2}, {"sku_id": skuB, "quantity": 1}}
	pv := shopper.Must(200, "POST", shop+"/checkout/preview", map[string]any{"items": items, "address_id": addr}).Map(t)
	// A: 2 × 9000 (−2000), B: 5000; 23000 ≥ 20000 → 3000 off (A 2348, B 652);
	// the best coupon, 1000 (A 783, B 217); shipping 800 + 2 × 300.
	if pv["coupon_id"] != mcBig || pv["total"].(float64) != 20400 || pv["discount_total"].(float64) != 6000 || pv["shipping_fee"].(float64) != 1400 {
		t.Fatalf("preview: %v", pv)
	}
	lines := pv["lines"].([]any)
	if l := lines[0].(map[string]any); l["discount"].(float64) != 5131 || l["paid_amount"].(float64) != 14869 || len(l["adjustments"].([]any)) != 3 {
		t.Fatalf("preview line A: %v", l)
	}
	if len(pv["coupons"].([]any)) != 2 {
		t.Fatalf("preview coupons: %v", pv["coupons"])
	}
	if r := shopper.Do("POST", shop+"/checkout/preview", map[string]any{"items": items, "address_id": addAddressIn(t, shopper, shop, "西藏")}); r.FieldErrors()["address_id"] != "undeliverable" {
		t.Fatalf("undeliverable preview: %d %s", r.Status, r.Body)
	}

	out := shopper.Must(201, "POST", shop+"/checkout", map[string]any{"items": items, "address_id": addr, "idempotency_key": "mk-1", "coupon_id": mcBig}).Map(t)
	o := out["order"].(map[string]any)
	if o["total"].(float64) != 20400 || o["coupon_id"] != mcBig || o["discount_total"].(float64) != 6000 {
		t.Fatalf("order: %v", o)
	}
	if r := shopper.Do("POST", shop+"/checkout", map[string]any{"items": items, "address_id": addr, "idempotency_key": "mk-2", "coupon_id": mcBig}); r.Status != 400 || r.FieldErrors()["coupon_id"] != "not_available" {
		t.Fatalf("coupon reused: %d %s", r.Status, r.Body)
	}
	if err := e.Fake.Pay.Succeed(strings.TrimPrefix(out["payment"].(map[string]any)["package"].(string), "prepay_id=")); err != nil {
		t.Fatal(err)
	}
	oid := o["id"].(string)
	waitFor(t, "order paid", func() bool { return shopper.Must(200, "GET", shop+"/orders/"+oid, nil).Map(t)["status"] == "paid" })
	detail := owner.Must(200, "GET", base+"/orders/"+oid, nil).Map(t)
	var lineB map[string]any
	var paidSum float64
	for _, l := range detail["lines"].([]any) {
		lm := l.(map[string]any)
		paidSum += lm["paid_amount"].(float64)
		if lm["sku_id"] == skuB {
			lineB = lm
		}
	}
	if paidSum != 19000 || lineB["paid_amount"].(float64) != 4131 || lineB["discount"].(float64) != 869 {
		t.Fatalf("order lines: %v", detail["lines"])
	}
	rf := shopper.Must(201, "POST", shop+"/orders/"+oid+"/refunds", map[string]any{"reason": "too small",
		"lines": []map[string]any{{"line_id": lineB["id"], "quantity": 1}}}).Map(t)
	if rf["amount"].(float64) != 4131 {
		t.Fatalf("refund of line B: %v, want its paid amount 4131", rf["amount"])
	}
	if used := shopper.Must(200, "GET", shop+"/me/coupons?status=used", nil).Map(t)["items"].([]any); len(used) != 1 || used[0].(map[string]any)["id"] != mcBig {
		t.Fatalf("used coupons: %v", used)
	}

	// Cancel returns the coupon.
	out2 := shopper.Must(201, "POST", shop+"/checkout", map[string]any{"items": items, "address_id": addr, "idempotency_key": "mk-3", "coupon_id": mcSmall}).Map(t)
	o2 := out2["order"].(map[string]any)
	if o2["total"].(float64) != 20900 {
		t.Fatalf("order with the small coupon: %v", o2["total"])
	}
	if avail := shopper.Must(200, "GET", shop+"/me/coupons?status=available", nil).Map(t)["items"].([]any); len(avail) != 0 {
		t.Fatalf("available coupons while the order is open: %v", avail)
	}
	shopper.Must(200, "POST", shop+"/orders/"+o2["id"].(string)+"/cancel", nil)
	avail := shopper.Must(200, "GET", shop+"/me/coupons?status=available", nil).Map(t)["items"].([]any)
	if len(avail) != 1 || avail[0].(map[string]any)["id"] != mcSmall {
		t.Fatalf("after cancel, available coupons: %v", avail)
	}
	shopper.Must(201, "POST", shop+"/checkout", map[string]any{"items": items, "address_id": addr, "idempotency_key": "mk-4", "coupon_id": mcSmall})
	if st := owner.Must(200, "GET", base+"/coupons/"+small, nil).Map(t); st["issued"].(float64) != 1 || st["used"].(float64) != 1 {
		t.Fatalf("coupon stats: %v", st)
	}
}

func addAddressIn(t testing.TB, shopper *apptest.Client, shop, province string) string {
	return shopper.Must(201, "POST", shop+"/addresses", map[string]any{"name": "卓玛", "phone": "13800138001", "province": province,
		"city": "拉萨市", "detail": "北京中路 1 号"}).Map(t)["id"].(string)
}

// couponCounts reads, for a coupon, its issued counter, the claimed rows and
// the distinct members among them.
func couponCounts(t testing.TB, e *apptest.Env, tid, coupon string) (issued, rows, members int64) {
	t.Helper()
	err := e.App.T.Tx(tenant.WithTenant(context.Background(), tid), func(ctx context.Context) error {
		q := e.App.T.Q(ctx)
		if err := q.Table("coupons").Where("id = ?", coupon).Select("issued").Scan(&issued).Error; err != nil {
			return err
		}
		if err := q.Table("member_coupons").Where("coupon_id = ?", coupon).Count(&rows).Error; err != nil {
			return err
		}
		return q.Table("member_coupons").Where("coupon_id = ?", coupon).Distinct("member_id").Count(&members).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	return
}

// claimCrowd has every shopper claim the coupon twice at once, 64 requests
// in flight; it returns the claims that succeeded and the other answers by code.
func claimCrowd(shoppers []*apptest.Client, shop, coupon string) (int64, map[string]int64) {
	var ok atomic.Int64
	var mu sync.Mutex
	codes := map[string]int64{}
	crowd(2*len(shoppers), func(i int) {
		r := shoppers[i/2].Do("POST", shop+"/coupons/"+coupon+"/claim", nil)
		if r.Status == 201 {
			ok.Add(1)
			return
		}
		mu.Lock()
		codes[fmt.Sprintf("%d %s", r.Status, r.ErrorCode())]++
		mu.Unlock()
	})
	return ok.Load(), codes
}

// TestCouponClaimRace: 150 shoppers each claim a coupon of 60 units, one
// per member, twice at once: exactly 60 are issued, nobody twice, the
// counter equals the rows, and every refusal is coupon_gone or limit_reached.
func TestCouponClaimRace(t *testing.T) {
	e := apptest.New(t)
	cs := newCommerceStore(t, e, "claim-race", "mainland")
	coupon := cs.owner.Must(201, "POST", cs.base+"/coupons", couponBody(300, 60, 1)).Map(t)["id"].(string)
	shoppers := make([]*apptest.Client, 150)
	for i := range shoppers {
		shoppers[i] = e.Shopper(cs.conn.StoreID, fmt.Sprintf("claimer%d", i))
	}
	ok, codes := claimCrowd(shoppers, cs.shop, coupon)
	issued, rows, members := couponCounts(t, e, cs.conn.StoreID, coupon)
	if ok != 60 || issued != 60 || rows != 60 || members != 60 {
		t.Fatalf("claims %d, issued %d, rows %d, members %d; refusals %v", ok, issued, rows, members, codes)
	}
	for c := range codes {
		if c != "409 coupon_gone" && c != "409 limit_reached" {
			t.Fatalf("unexpected answers: %v", codes)
		}
	}
	// Once gone, the crowd is answered from the sold-out mark before the
	// session is read; a request without a token is still 401, and the
	// same coupon id under another store is still not found there.
	anon := &apptest.Client{E: e}
	if r := anon.Do("POST", cs.shop+"/coupons/"+coupon+"/claim", nil); r.Status != 401 {
		t.Fatalf("claim without a token: %d %s", r.Status, r.Body)
	}
	other := newCommerceStore(t, e, "claim-race-b", "mainland")
	if r := e.Shopper(other.conn.StoreID, "b-claimer").Do("POST", other.shop+"/coupons/"+coupon+"/claim", nil); r.Status != 404 {
		t.Fatalf("another store's gone coupon: %d %s", r.Status, r.Body)
	}
	// The centre no longer shows it; a stopped coupon cannot be claimed.
	if items := shoppers[0].Must(200, "GET", cs.shop+"/coupons", nil).Map(t)["items"].([]any); len(items) != 0 {
		t.Fatalf("centre shows a coupon that is gone: %v", items)
	}
	stopped := cs.owner.Must(201, "POST", cs.base+"/coupons", couponBody(300, 60, 2)).Map(t)["id"].(string)
	cs.owner.Must(200, "POST", cs.base+"/coupons/"+stopped+"/stop", nil)
	if r := shoppers[0].Do("POST", cs.shop+"/coupons/"+stopped+"/claim", nil); r.Status != 404 {
		t.Fatalf("claim of a stopped coupon: %d %s", r.Status, r.Body)
	}
}

// TestOneCouponManyCheckouts: one coupon in 20 concurrent checkouts (each
// its own idempotency key): exactly one order uses it; the others are
// refused naming coupon_id, and no stock is taken by them.
func TestOneCouponManyCheckouts(t *testing.T) {
	e := apptest.New(t)
	cs := newCommerceStore(t, e, "coupon-race", "mainland")
	cs.owner.Must(200, "PATCH", cs.base+"/skus/"+cs.skuA, map[string]any{"stock": 100})
	coupon := cs.owner.Must(201, "POST", cs.base+"/coupons", couponBody(700, 10, 1)).Map(t)["id"].(string)
	shopper := e.Shopper(cs.conn.StoreID, "racer")
	addr := addAddress(t, shopper, cs.shop)
	mc := shopper.Must(201, "POST", cs.shop+"/coupons/"+coupon+"/claim", nil).Map(t)["id"].(string)
	var ok atomic.Int64
	var mu sync.Mutex
	codes := map[string]int{}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := shopper.Do("POST", cs.shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": cs.skuA, "quantity": 1}},
				"address_id": addr, "idempotency_key": fmt.Sprintf("race-%d", i), "coupon_id": mc})
			if r.Status == 201 {
				if r.Map(t)["order"].(map[string]any)["total"].(float64) != 9900-700 {
					t.Errorf("order total: %s", r.Body)
				}
				ok.Add(1)
				return
			}
			mu.Lock()
			codes[fmt.Sprintf("%d %s", r.Status, r.FieldErrors()["coupon_id"])]++
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d orders used the coupon; refusals %v", ok.Load(), codes)
	}
	for c := range codes {
		if c != "409 coupon_unavailable" && c != "400 not_available" {
			t.Fatalf("unexpected refusals: %v", codes)
		}
	}
	p := cs.owner.Must(200, "GET", cs.base+"/products/"+cs.prod, nil).Map(t)
	if stock := p["skus"].([]any)[0].(map[string]any)["stock"].(float64); stock != 99 {
		t.Fatalf("stock %v, want 99: refused checkouts took stock", stock)
	}
	var orders int64
	_ = e.App.T.Tx(tenant.WithTenant(context.Background(), cs.conn.StoreID), func(ctx context.Context) error {
		return e.App.T.Q(ctx).Table("orders").Where("coupon_id = ?", mc).Count(&orders).Error
	})
	if orders != 1 {
		t.Fatalf("%d orders carry the coupon", orders)
	}
}

// BenchmarkCouponClaims: 10,000 shoppers, 64 at a time, claim a coupon of
// 1,000 units (one per member). Fails unless exactly 1,000 are issued to
// 1,000 different members and the counter equals the rows; reports claim
// attempts per second, beside a bare gin handler driven by the same client
// in the same run. SHOPLET_BENCH_CPUPROFILE=file profiles the timed crowd
// alone (-cpuprofile would include signing in the 10,000 shoppers).
//
//	SHOPLET_TEST_DB=postgres ... go test ./tenant/api -run '^$' -bench CouponClaims -benchtime 1x
func BenchmarkCouponClaims(b *testing.B) {
	e := apptest.New(b)
	cs := newCommerceStore(b, e, "claim-bench", "mainland")
	coupon := cs.owner.Must(201, "POST", cs.base+"/coupons", couponBody(300, 1000, 1)).Map(b)["id"].(string)
	const n = 10000
	shoppers := make([]*apptest.Client, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range shoppers {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			shoppers[i] = e.Shopper(cs.conn.StoreID, fmt.Sprintf("bench-claimer%d", i))
		}(i)
	}
	wg.Wait()
	bare := bareClaims(b, e, shoppers, cs.shop, coupon)
	b.ResetTimer()
	var ok, other, last atomic.Int64
	if f := os.Getenv("SHOPLET_BENCH_CPUPROFILE"); f != "" {
		out, err := os.Create(f)
		if err != nil {
			b.Fatal(err)
		}
		_ = pprof.StartCPUProfile(out)
		defer func() { pprof.StopCPUProfile(); out.Close() }()
	}
	start := time.Now()
	crowd(n, func(i int) {
		r := shoppers[i].Do("POST", cs.shop+"/coupons/"+coupon+"/claim", nil)
		switch {
		case r.Status == 201:
			ok.Add(1)
			last.Store(int64(time.Since(start)))
		case r.ErrorCode() == "coupon_gone":
		default:
			other.Add(1)
		}
	})
	elapsed := time.Since(start)
	bareElapsed := bare(n)
	b.StopTimer()
	issued, rows, members := couponCounts(b, e, cs.conn.StoreID, coupon)
	if ok.Load() != 1000 || issued != 1000 || rows != 1000 || members != 1000 || other.Load() != 0 {
		b.Fatalf("claims %d, issued %d, rows %d, members %d, other answers %d", ok.Load(), issued, rows, members, other.Load())
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "claims/s")
	b.ReportMetric(time.Duration(last.Load()).Seconds(), "s-to-last-claim")
	b.ReportMetric(float64(n)/bareElapsed.Seconds(), "bare-gin-req/s")
	b.ReportMetric(bareElapsed.Seconds()/elapsed.Seconds()*100, "%-of-bare")
}

// bareClaims returns a run of n claims, made by the same clients over the
// same transport, against a bare gin handler that answers each with a fixed
// claim body (the first 1,000 with 201, the rest with coupon_gone).
func bareClaims(b *testing.B, e *apptest.Env, shoppers []*apptest.Client, shop, coupon string) func(n int) time.Duration {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	var served atomic.Int64
	ok := []byte(`{"id":"01a20000-0000-7000-8000-000000000001","coupon_id":"` + coupon + `","amount":0,"status":"available"}`)
	gone := []byte(`{"error":{"kind":"conflict","code":"coupon_gone","message":"all of this coupon have been claimed"}}`)
	r.POST("/api/shop/v1/stores/:store/coupons/:coupon/claim", func(c *gin.Context) {
		if c.GetHeader("Authorization") == "" {
			c.Status(http.StatusUnauthorized)
			return
		}
		if served.Add(1) <= 1000 {
			c.Data(http.StatusCreated, "application/json; charset=utf-8", ok)
			return
		}
		c.Data(http.StatusConflict, "application/json; charset=utf-8", gone)
	})
	srv := httptest.NewServer(r)
	b.Cleanup(srv.Close)
	env := &apptest.Env{T: e.T, Server: srv}
	return func(n int) time.Duration {
		start := time.Now()
		crowd(n, func(i int) {
			c := &apptest.Client{E: env, Token: shoppers[i].Token}
			if res := c.Do("POST", shop+"/coupons/"+coupon+"/claim", nil); res.Status != 201 && res.ErrorCode() != "coupon_gone" {
				b.Errorf("bare handler: %d", res.Status)
			}
		})
		return time.Since(start)
	}
}

// TestCouponClaimRules: what one claim gives and refuses, by coupon. Random
// amounts fall within their bounds, fixed validity is the coupon's, N-days
// validity starts at the claim; per-member and per-day limits answer their
// own codes; a coupon not yet claimable, or another store's, does not exist.
func TestCouponClaimRules(t *testing.T) {
	e := apptest.New(t)
	a := newCommerceStore(t, e, "claim-rules-a", "mainland")
	b := newCommerceStore(t, e, "claim-rules-b", "mainland")
	now := time.Now().UTC().Truncate(time.Second)
	from, to := now.Add(-time.Hour), now.Add(30*24*time.Hour)
	random := a.owner.Must(201, "POST", a.base+"/coupons", map[string]any{"name": "lucky", "kind": "random", "amount": 100, "amount_max": 200,
		"total": 50, "per_member": 3, "per_day": 1, "starts_at": rfc(now.Add(-time.Hour)), "ends_at": rfc(now.Add(time.Hour)),
		"valid_from": rfc(from), "valid_to": rfc(to)}).Map(t)["id"].(string)
	twice := a.owner.Must(201, "POST", a.base+"/coupons", couponBody(300, 50, 2)).Map(t)["id"].(string)
	later := couponBody(300, 50, 1)
	later["starts_at"], later["ends_at"] = rfc(now.Add(time.Hour)), rfc(now.Add(2*time.Hour))
	notYet := a.owner.Must(201, "POST", a.base+"/coupons", later).Map(t)["id"].(string)
	otherStore := b.owner.Must(201, "POST", b.base+"/coupons", couponBody(300, 50, 1)).Map(t)["id"].(string)

	shopper := e.Shopper(a.conn.StoreID, "rules")
	claim := func(coupon string) apptest.Resp { return shopper.Do("POST", a.shop+"/coupons/"+coupon+"/claim", nil) }
	r := claim(random)
	if r.Status != 201 {
		t.Fatalf("random claim: %d %s", r.Status, r.Body)
	}
	mc := r.Map(t)
	if amt := mc["amount"].(float64); amt < 100 || amt > 200 {
		t.Fatalf("random amount %v outside 100..200", amt)
	}
	if mc["valid_from"] != rfc(from) || mc["valid_to"] != rfc(to) {
		t.Fatalf("fixed validity: %v..%v, want %s..%s", mc["valid_from"], mc["valid_to"], rfc(from), rfc(to))
	}
	if c := mc["coupon"].(map[string]any); c["issued"].(float64) != 1 || c["id"] != random {
		t.Fatalf("claim's coupon: %v", c)
	}
	if r := claim(random); r.Status != 409 || r.ErrorCode() != "daily_limit_reached" {
		t.Fatalf("second claim today: %d %s", r.Status, r.Body)
	}
	for i := 0; i < 2; i++ {
		r := claim(twice)
		if r.Status != 201 {
			t.Fatalf("claim %d of a two-per-member coupon: %d %s", i+1, r.Status, r.Body)
		}
		m := r.Map(t)
		vf, _ := time.Parse(time.RFC3339, m["valid_from"].(string))
		vt, _ := time.Parse(time.RFC3339, m["valid_to"].(string))
		if vt.Sub(vf) != 72*time.Hour || vf.Before(now.Add(-time.Minute)) {
			t.Fatalf("3-day validity: %v..%v", vf, vt)
		}
	}
	if r := claim(twice); r.Status != 409 || r.ErrorCode() != "limit_reached" {
		t.Fatalf("third claim of a two-per-member coupon: %d %s", r.Status, r.Body)
	}
	for name, id := range map[string]string{"not yet claimable": notYet, "another store's": otherStore, "malformed": "nope"} {
		if r := claim(id); r.Status != 404 {
			t.Fatalf("%s coupon: %d %s", name, r.Status, r.Body)
		}
	}
	for coupon, want := range map[string]int64{random: 1, twice: 2, notYet: 0} {
		if issued, rows, _ := couponCounts(t, e, a.conn.StoreID, coupon); issued != want || rows != want {
			t.Fatalf("coupon %s: issued %d, rows %d, want %d", coupon, issued, rows, want)
		}
	}
	if issued, rows, _ := couponCounts(t, e, b.conn.StoreID, otherStore); issued != 0 || rows != 0 {
		t.Fatalf("other store's coupon: issued %d, rows %d", issued, rows)
	}
}

// TestDealPerMemberLimit: a limited-time deal of 2 units per member covers 2
// of an order of 3, none of a later order, and comes back when the first
// order is cancelled; a unit recorded past the limit is refused.
func TestDealPerMemberLimit(t *testing.T) {
	e := apptest.New(t)
	cs := newCommerceStore(t, e, "deal-limit", "mainland")
	cs.owner.Must(200, "PATCH", cs.base+"/skus/"+cs.skuA, map[string]any{"stock": 100})
	now := time.Now()
	if r := cs.owner.Do("POST", cs.base+"/promotions", map[string]any{"name": "bad", "kind": "limited_discount",
		"deals": map[string]any{cs.skuA: map[string]any{"percent_off": 10, "limit": -1}}, "starts_at": rfc(now.Add(-time.Hour)), "ends_at": rfc(now.Add(time.Hour))}); r.Status != 400 {
		t.Fatalf("negative limit: %d %s", r.Status, r.Body)
	}
	promo := cs.owner.Must(201, "POST", cs.base+"/promotions", map[string]any{"name": "2 each at 10% off", "kind": "limited_discount",
		"deals": map[string]any{cs.skuA: map[string]any{"percent_off": 10, "limit": 2}}, "starts_at": rfc(now.Add(-time.Hour)), "ends_at": rfc(now.Add(time.Hour))}).Map(t)["id"].(string)
	shopper := e.Shopper(cs.conn.StoreID, "deal-shopper")
	addr := addAddress(t, shopper, cs.shop)
	buy := func(key string, qty int) apptest.Resp {
		return shopper.Do("POST", cs.shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": cs.skuA, "quantity": qty}},
			"address_id": addr, "idempotency_key": key})
	}
	discount := func(r apptest.Resp) float64 { return r.Map(t)["order"].(map[string]any)["discount_total"].(float64) }
	pv := shopper.Must(200, "POST", cs.shop+"/checkout/preview", map[string]any{"items": []map[string]any{{"sku_id": cs.skuA, "quantity": 3}}, "address_id": addr}).Map(t)
	first := buy("d-1", 3)
	if first.Status != 201 || discount(first) != 1980 || pv["discount_total"].(float64) != 1980 {
		t.Fatalf("3 units, 2 at the deal price (2 × 990 off): preview %v, order %d %s", pv["discount_total"], first.Status, first.Body)
	}
	if r := buy("d-2", 1); r.Status != 201 || discount(r) != 0 {
		t.Fatalf("past the limit: %d %s", r.Status, r.Body)
	}
	shopper.Must(200, "POST", cs.shop+"/orders/"+first.Map(t)["order"].(map[string]any)["id"].(string)+"/cancel", nil)
	if r := buy("d-3", 2); r.Status != 201 || discount(r) != 1980 {
		t.Fatalf("after the cancel the deal is back: %d %s", r.Status, r.Body)
	}

	// Two checkouts priced before either recorded its units: the one that
	// records second is refused, not given units past the limit.
	ctx := tenant.WithTenant(context.Background(), cs.conn.StoreID)
	err := e.App.T.Tx(ctx, func(ctx context.Context) error {
		return e.App.Marketing.UseDeal(ctx, shopper.ID, "01a20000-0000-7000-8000-0000000000aa", promo, cs.skuA, 1, 2)
	})
	var ee *errs.Error
	if !errors.As(err, &ee) || ee.Code != "deal_limit_reached" {
		t.Fatalf("a third unit past the limit of 2 was recorded: %v", err)
	}
}

// TestFullGift: spending over the threshold adds the gift SKU as a free
// line (its list amount recorded as a full_gift adjustment, the total
// unchanged) and takes its stock; a gift out of stock is left out.
func TestFullGift(t *testing.T) {
	e := apptest.New(t)
	cs := newCommerceStore(t, e, "full-gift", "mainland")
	cs.owner.Must(200, "PATCH", cs.base+"/skus/"+cs.skuA, map[string]any{"stock": 20})
	cs.owner.Must(200, "PATCH", cs.base+"/skus/"+cs.skuB, map[string]any{"stock": 1})
	now := time.Now()
	if r := cs.owner.Do("POST", cs.base+"/promotions", map[string]any{"name": "bad gift", "kind": "full_reduction",
		"tiers": []map[string]any{{"threshold": 15000, "gift_sku_id": cs.skuB, "gift_quantity": 0}}, "starts_at": rfc(now.Add(-time.Hour)), "ends_at": rfc(now.Add(time.Hour))}); r.Status != 400 {
		t.Fatalf("gift of 0 units: %d %s", r.Status, r.Body)
	}
	promo := cs.owner.Must(201, "POST", cs.base+"/promotions", map[string]any{"name": "150 gets a gift", "kind": "full_reduction",
		"tiers": []map[string]any{{"threshold": 15000, "gift_sku_id": cs.skuB, "gift_quantity": 1}}, "starts_at": rfc(now.Add(-time.Hour)), "ends_at": rfc(now.Add(time.Hour))}).Map(t)["id"].(string)
	shopper := e.Shopper(cs.conn.StoreID, "gifted")
	addr := addAddress(t, shopper, cs.shop)
	items := []map[string]any{{"sku_id": cs.skuA, "quantity": 2}}
	pv := shopper.Must(200, "POST", cs.shop+"/checkout/preview", map[string]any{"items": items, "address_id": addr}).Map(t)
	if g := pv["gifts"].([]any); len(g) != 1 || g[0].(map[string]any)["sku_id"] != cs.skuB || g[0].(map[string]any)["promotion_id"] != promo {
		t.Fatalf("preview gifts: %v", pv["gifts"])
	}
	o := shopper.Must(201, "POST", cs.shop+"/checkout", map[string]any{"items": items, "address_id": addr, "idempotency_key": "g-1"}).Map(t)["order"].(map[string]any)
	if o["total"] != pv["total"] || o["item_total"].(float64) != 19800+12900 || o["discount_total"].(float64) != 12900 {
		t.Fatalf("order with a gift: %v (preview total %v)", o, pv["total"])
	}
	var gift map[string]any
	for _, l := range o["lines"].([]any) {
		if lm := l.(map[string]any); lm["sku_id"] == cs.skuB {
			gift = lm
		}
	}
	if gift == nil || gift["quantity"].(float64) != 1 || gift["paid_amount"].(float64) != 0 ||
		gift["adjustments"].([]any)[0].(map[string]any)["kind"] != "full_gift" {
		t.Fatalf("gift line: %v", o["lines"])
	}
	stockB := func() float64 {
		p := cs.owner.Must(200, "GET", cs.base+"/products/"+cs.prod, nil).Map(t)
		return p["skus"].([]any)[1].(map[string]any)["stock"].(float64)
	}
	if s := stockB(); s != 0 {
		t.Fatalf("gift stock %v, want 0", s)
	}
	o2 := shopper.Must(201, "POST", cs.shop+"/checkout", map[string]any{"items": items, "address_id": addr, "idempotency_key": "g-2"}).Map(t)["order"].(map[string]any)
	if len(o2["lines"].([]any)) != 1 || o2["discount_total"].(float64) != 0 {
		t.Fatalf("order after the gift ran out: %v", o2)
	}
}
