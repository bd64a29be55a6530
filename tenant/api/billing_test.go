package api_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoplet/shoplet/pkg/wechatfake"
	"github.com/shoplet/shoplet/tenant/app"
	"github.com/shoplet/shoplet/tenant/apptest"
	"github.com/shoplet/shoplet/tenant/billing"
)

// billingEnv starts Shoplet with the platform's own merchant account (plan
// payments) registered with the fake WeChat Pay.
func billingEnv(t *testing.T) *apptest.Env {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	bp := &billing.Pay{MchID: "1900007777", AppID: "wxplatform0000001", Serial: "PLATSERIAL1", PrivateKey: key,
		APIv3Key: "platform-apiv3-key-0123456789abc"}
	e := apptest.New(t, apptest.Options{Configure: func(c *app.Config) {
		bp.PublicKeyID, bp.PublicKey = wechatfake.PublicKeyID, c.Fake.Pay.PlatformPublicKey()
		c.BillingPay = bp
	}})
	e.Fake.Pay.AddMerchant(wechatfake.Merchant{MchID: bp.MchID, Serial: bp.Serial, PublicKey: &key.PublicKey, APIv3Key: bp.APIv3Key})
	bp.NotifyBase = e.Server.URL
	return e
}

// tinyPlans makes Tiny (2 products, 2 seats, 1 store) the trial plan and
// Pro (more of everything) a plan on sale; it returns their ids.
func tinyPlans(t *testing.T, e *apptest.Env) (op *apptest.Client, tiny, pro string) {
	op = e.Operator("ops@billing.example")
	pro = op.Must(201, "POST", "/api/v1/platform/plans", map[string]any{"name": "Pro", "price_year": 598000, "price_month": 59800,
		"trial_days": 0, "max_products": 100, "max_staff": 10, "max_stores": 3, "modules": []string{"marketing_1", "marketing_2"}}).Map(t)["id"].(string)
	tiny = op.Must(201, "POST", "/api/v1/platform/plans", map[string]any{"name": "Tiny", "price_year": 9800, "price_month": 1000,
		"trial_days": 10, "max_products": 2, "max_staff": 2, "max_stores": 1, "trial_default": true}).Map(t)["id"].(string)
	return op, tiny, pro
}

func usage(t *testing.T, ov map[string]any, limit string) (used, max float64) {
	for _, u := range ov["usage"].([]any) {
		m := u.(map[string]any)
		if m["limit"] == limit {
			return m["used"].(float64), m["max"].(float64)
		}
	}
	t.Fatalf("no usage for %s in %v", limit, ov["usage"])
	return 0, 0
}

// TestPlanTrialAndLimits: a new store tries the operator's chosen plan; the
// console shows plan, days left and usage; products, seats and stores beyond
// the plan answer plan_limit naming the limit and a plan that has more.
func TestPlanTrialAndLimits(t *testing.T) {
	e := apptest.New(t)
	// The seeded Standard plan is the trial plan until the operator picks another.
	first := e.SignUp("first@billing.example")
	fs := first.CreateStore("first-billing", "mainland", "apparel")
	if ov := first.Must(200, "GET", "/api/v1/stores/"+fs+"/billing", nil).Map(t); ov["plan"].(map[string]any)["id"] != billing.StandardPlanID || ov["days_left"] != 15.0 {
		t.Fatalf("seeded trial: %v", ov)
	}
	op, tiny, pro := tinyPlans(t, e)
	owner := e.SignUp("owner@billing.example")
	sid := owner.CreateStore("tiny-shop", "mainland", "apparel")
	base := "/api/v1/stores/" + sid
	ov := owner.Must(200, "GET", base+"/billing", nil).Map(t)
	if ov["plan"].(map[string]any)["id"] != tiny || ov["status"] != "trial" || ov["days_left"] != 10.0 {
		t.Fatalf("overview: %v", ov)
	}
	if u, m := usage(t, ov, "staff_seats"); u != 1 || m != 2 {
		t.Fatalf("seats %v/%v, want 1/2 (the owner)", u, m)
	}
	// The first store still has Standard: another plan change does not move it.
	if ov := first.Must(200, "GET", "/api/v1/stores/"+fs+"/billing", nil).Map(t); ov["plan"].(map[string]any)["id"] != billing.StandardPlanID {
		t.Fatalf("first store's plan changed: %v", ov["plan"])
	}

	owner.Must(201, "POST", base+"/products", sampleProduct("", ""))
	owner.Must(201, "POST", base+"/products", sampleProduct("", ""))
	r := owner.Do("POST", base+"/products", sampleProduct("", ""))
	if r.Status != 403 || r.ErrorCode() != "plan_limit" || r.FieldErrors()["products"] != "plan_limit" || !strings.Contains(string(r.Body), "Pro") {
		t.Fatalf("third product: %d %s", r.Status, r.Body)
	}
	if !strings.Contains(string(r.Body), pro) {
		t.Fatalf("plan_limit does not name the upgrade plan id: %s", r.Body)
	}
	owner.Must(201, "POST", base+"/invitations", map[string]any{"email": "a@billing.example", "role": "viewer"})
	r = owner.Do("POST", base+"/invitations", map[string]any{"email": "b@billing.example", "role": "viewer"})
	if r.Status != 403 || r.ErrorCode() != "plan_limit" || r.FieldErrors()["staff_seats"] != "plan_limit" {
		t.Fatalf("third seat: %d %s", r.Status, r.Body)
	}
	r = owner.Do("POST", "/api/v1/stores", map[string]any{"name": "Second", "slug": "tiny-second", "entity_type": "mainland", "categories": []string{"apparel"}})
	if r.Status != 403 || r.ErrorCode() != "plan_limit" || r.FieldErrors()["stores"] != "plan_limit" {
		t.Fatalf("second store: %d %s", r.Status, r.Body)
	}
	ov = owner.Must(200, "GET", base+"/billing", nil).Map(t)
	if u, _ := usage(t, ov, "products"); u != 2 {
		t.Fatalf("products used %v, want 2", u)
	}
	if u, _ := usage(t, ov, "staff_seats"); u != 2 {
		t.Fatalf("seats used %v, want 2", u)
	}
	// Bad plans are refused field by field; retired plans are not on sale.
	r = op.Do("POST", "/api/v1/platform/plans", map[string]any{"name": "Bad", "price_year": -1, "modules": []string{"teleport"}})
	if f := r.FieldErrors(); r.Status != 400 || f["price_year"] == "" || f["modules[0]"] == "" {
		t.Fatalf("bad plan: %d %s", r.Status, r.Body)
	}
	op.Must(200, "PUT", "/api/v1/platform/plans/"+pro, map[string]any{"name": "Pro", "price_year": 598000, "status": "retired"})
	for _, p := range owner.Must(200, "GET", base+"/billing/plans", nil).Map(t)["items"].([]any) {
		if p.(map[string]any)["id"] == pro {
			t.Fatal("a retired plan is on sale")
		}
	}
	if all := op.Must(200, "GET", "/api/v1/platform/plans", nil).Map(t)["items"].([]any); len(all) != 3 {
		t.Fatalf("operator sees %d plans, want 3", len(all))
	}
}

// TestPlanLimitRace: requests racing for the last product or the last seat
// get exactly one success between them.
func TestPlanLimitRace(t *testing.T) {
	e := apptest.New(t)
	_, _, _ = tinyPlans(t, e)
	owner := e.SignUp("racer@billing.example")
	sid := owner.CreateStore("race-shop", "mainland", "apparel")
	base := "/api/v1/stores/" + sid
	owner.Must(201, "POST", base+"/products", sampleProduct("", "")) // one of two left
	race := func(n int, do func(i int) apptest.Resp) (ok, limited int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r := do(i)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case r.Status == 201:
					ok++
				case r.Status == 403 && r.ErrorCode() == "plan_limit":
					limited++
				default:
					t.Errorf("racer %d: %d %s", i, r.Status, r.Body)
				}
			}(i)
		}
		wg.Wait()
		return ok, limited
	}
	if ok, lim := race(8, func(int) apptest.Resp { return owner.Do("POST", base+"/products", sampleProduct("", "")) }); ok != 1 || lim != 7 {
		t.Fatalf("products: %d created, %d refused; want 1 and 7", ok, lim)
	}
	if ok, lim := race(8, func(i int) apptest.Resp {
		return owner.Do("POST", base+"/invitations", map[string]any{"email": fmt.Sprintf("r%d@billing.example", i), "role": "viewer"})
	}); ok != 1 || lim != 7 {
		t.Fatalf("seats: %d invited, %d refused; want 1 and 7", ok, lim)
	}
	if n := len(owner.Must(200, "GET", base+"/invitations", nil).Map(t)["items"].([]any)); n != 1 {
		t.Fatalf("%d open invitations, want 1", n)
	}
	ov := owner.Must(200, "GET", base+"/billing", nil).Map(t)
	if u, _ := usage(t, ov, "products"); u != 2 {
		t.Fatalf("products %v, want 2", u)
	}
}

// TestPlanPaymentNative: the brand pays with a Native QR code on the
// platform's merchant account; the notification, repeated concurrently,
// extends the period once; invoice details are kept; another brand sees none.
func TestPlanPaymentNative(t *testing.T) {
	e := billingEnv(t)
	op, _, pro := tinyPlans(t, e)
	owner := e.SignUp("payer@billing.example")
	sid := owner.CreateStore("paying-shop", "mainland", "apparel")
	base := "/api/v1/stores/" + sid
	r := owner.Do("POST", base+"/billing/payments", map[string]any{"plan_id": pro, "period": "fortnight", "invoice_tax_id": "short"})
	if f := r.FieldErrors(); r.Status != 400 || f["period"] == "" || f["invoice_tax_id"] == "" || f["invoice_title"] == "" {
		t.Fatalf("bad payment: %d %s", r.Status, r.Body)
	}
	before := time.Now().UTC()
	p := owner.Must(201, "POST", base+"/billing/payments", map[string]any{"plan_id": pro, "period": "year",
		"invoice_title": "杭州示例科技有限公司", "invoice_tax_id": "91330100MA2XXXXX1A"}).Map(t)
	code, _ := p["code_url"].(string)
	if !strings.HasPrefix(code, "weixin://wxpay/bizpayurl?pr=") || p["amount"] != 598000.0 || p["status"] != "pending" {
		t.Fatalf("payment: %v", p)
	}
	if err := e.Fake.Pay.Scan(code); err != nil {
		t.Fatal(err)
	}
	// WeChat Pay sends the same notification again, ten times at once.
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if st, err := e.Fake.Pay.Resend(p["out_trade_no"].(string)); err != nil || st != 204 {
				t.Errorf("resend: %d %v", st, err)
			}
		}()
	}
	wg.Wait()
	waitFor(t, "subscription active", func() bool {
		return owner.Must(200, "GET", base+"/billing", nil).Map(t)["status"] == "active"
	})
	after := time.Now().UTC()
	ov := owner.Must(200, "GET", base+"/billing", nil).Map(t)
	end, _ := time.Parse(time.RFC3339Nano, ov["period_end"].(string))
	if ov["plan"].(map[string]any)["id"] != pro || end.Before(before.AddDate(1, 0, 0)) || end.After(after.AddDate(1, 0, 0)) {
		t.Fatalf("after paying a year: plan %v, period end %v (paid between %v and %v)", ov["plan"].(map[string]any)["name"], end, before, after)
	}
	pays := owner.Must(200, "GET", base+"/billing/payments", nil).Map(t)["items"].([]any)
	got := pays[0].(map[string]any)
	if len(pays) != 1 || got["status"] != "paid" || got["invoice_title"] != "杭州示例科技有限公司" || got["invoice_tax_id"] != "91330100MA2XXXXX1A" || got["transaction_id"] == "" {
		t.Fatalf("payments: %v", pays)
	}
	// One extension in the audit log too.
	if n := len(owner.Must(200, "GET", base+"/audit-logs?action=billing.payment_paid", nil).Map(t)["items"].([]any)); n != 1 {
		t.Fatalf("%d payment_paid entries, want 1", n)
	}
	// Another brand sees none of it; the operator sees it.
	other := e.SignUp("other@billing.example")
	oid := other.CreateStore("other-shop", "mainland", "apparel")
	if n := len(other.Must(200, "GET", "/api/v1/stores/"+oid+"/billing/payments", nil).Map(t)["items"].([]any)); n != 0 {
		t.Fatalf("other brand sees %d payments", n)
	}
	other.Must(404, "GET", base+"/billing/payments", nil)
	if n := len(op.Must(200, "GET", "/api/v1/platform/tenants/"+sid+"/billing/payments", nil).Map(t)["items"].([]any)); n != 1 {
		t.Fatalf("operator sees %d payments, want 1", n)
	}
}

// TestExpiryGraceCloseReopen: the sweep moves a lapsed store to grace, then
// closed (re-runs change nothing); a closed store refuses checkout with
// store_closed while the console reads; a confirmed transfer reopens it.
func TestExpiryGraceCloseReopen(t *testing.T) {
	e := apptest.New(t)
	op, tiny, pro := tinyPlans(t, e)
	cs := newCommerceStore(t, e, "lapsing-shop", "mainland")
	other := newCommerceStore(t, e, "paid-up-shop", "mainland")
	sid := cs.conn.StoreID
	ov := cs.owner.Must(200, "GET", cs.base+"/billing", nil).Map(t)
	end, _ := time.Parse(time.RFC3339Nano, ov["period_end"].(string))
	grace, _ := time.Parse(time.RFC3339Nano, ov["grace_end"].(string))
	ctx := context.Background()
	// Push the other store's period out so only this one lapses.
	pay := other.owner.Must(201, "POST", other.base+"/billing/payments", map[string]any{"plan_id": pro, "period": "year", "method": "bank_transfer"}).Map(t)
	op.Must(200, "POST", "/api/v1/platform/tenants/"+other.conn.StoreID+"/billing/payments/"+pay["id"].(string)+"/paid", nil)

	status := func(c commerceStore) string {
		return c.owner.Must(200, "GET", c.base+"/billing", nil).Map(t)["status"].(string)
	}
	sweep := func(at time.Time, want billing.Swept) {
		t.Helper()
		got, err := e.App.Billing.Sweep(ctx, at)
		if err != nil || got != want {
			t.Fatalf("sweep at %v: %+v %v, want %+v", at, got, err, want)
		}
	}
	// Reminders 7 and 1 days before, each once.
	mailbox := "owner@lapsing-shop.example"
	had := len(e.Outbox.To(mailbox))
	sweep(end.Add(-8*24*time.Hour), billing.Swept{})
	sweep(end.Add(-6*24*time.Hour), billing.Swept{Reminded: 1})
	sweep(end.Add(-5*24*time.Hour), billing.Swept{})
	if m := e.WaitMail(mailbox, had+1); !strings.Contains(m.Subject, "7 day") || !strings.Contains(m.Body, sid) {
		t.Fatalf("7-day reminder: %+v", m)
	}
	sweep(end.Add(-12*time.Hour), billing.Swept{Reminded: 1})
	sweep(end.Add(-time.Minute), billing.Swept{})
	if m := e.WaitMail(mailbox, had+2); !strings.Contains(m.Subject, "1 day") {
		t.Fatalf("1-day reminder: %+v", m)
	}
	if n := len(e.Outbox.To("owner@paid-up-shop.example")); n != 0 {
		t.Fatalf("the paid-up store's owner got %d reminders", n)
	}
	sweep(end.Add(time.Minute), billing.Swept{Grace: 1})
	sweep(end.Add(time.Minute), billing.Swept{}) // again: nothing more
	if status(cs) != "grace" || status(other) != "active" {
		t.Fatalf("after expiry: %s, other %s", status(cs), status(other))
	}
	// In grace the store still sells.
	shopper := e.Shopper(sid, "grace-buyer")
	addr := addAddress(t, shopper, cs.shop)
	checkout := map[string]any{"items": []map[string]any{{"sku_id": cs.skuA, "quantity": 1}}, "address_id": addr}
	checkout["idempotency_key"] = "g1"
	shopper.Must(201, "POST", cs.shop+"/checkout", checkout)
	// The mini-program reads whether the store is open, with its service phone.
	shopStatus := func(c commerceStore) map[string]any {
		return e.Anon().Must(200, "GET", c.shop+"/status", nil).Map(t)
	}
	cs.owner.Must(200, "PUT", cs.base+"/settings/contact", map[string]any{"service_phone": "400-820-8820"})
	if r := cs.owner.Do("PUT", cs.base+"/settings/contact", map[string]any{"service_phone": "call us"}); r.FieldErrors()["service_phone"] != "invalid_phone" {
		t.Fatalf("bad service phone: %d %s", r.Status, r.Body)
	}
	if st := shopStatus(cs); st["status"] != "open" || st["service_phone"] != "400-820-8820" {
		t.Fatalf("shop status in grace: %v", st)
	}
	sweep(grace.Add(time.Minute), billing.Swept{Closed: 1})
	sweep(grace.Add(time.Minute), billing.Swept{})
	if status(cs) != "closed" {
		t.Fatalf("after grace: %s", status(cs))
	}
	if st := shopStatus(cs); st["status"] != "closed" || st["service_phone"] != "400-820-8820" {
		t.Fatalf("shop status when closed: %v", st)
	}
	if st := shopStatus(other); st["status"] != "open" || st["service_phone"] != nil {
		t.Fatalf("the other store's shop status: %v", st)
	}
	checkout["idempotency_key"] = "c1"
	r := shopper.Do("POST", cs.shop+"/checkout", checkout)
	if r.Status != 403 || r.ErrorCode() != "store_closed" {
		t.Fatalf("checkout in a closed store: %d %s", r.Status, r.Body)
	}
	cs.owner.Must(200, "GET", cs.base+"/products", nil)
	cs.owner.Must(200, "GET", cs.base+"/orders", nil)
	if n := len(cs.owner.Must(200, "GET", cs.base+"/orders", nil).Map(t)["items"].([]any)); n != 1 {
		t.Fatalf("%d orders readable, want 1", n)
	}
	// Paying by transfer reopens at once.
	pay = cs.owner.Must(201, "POST", cs.base+"/billing/payments", map[string]any{"plan_id": pro, "period": "month", "method": "bank_transfer",
		"invoice_title": "示例品牌"}).Map(t)
	op.Must(404, "POST", "/api/v1/platform/tenants/"+other.conn.StoreID+"/billing/payments/"+pay["id"].(string)+"/paid", nil)
	got := op.Must(200, "POST", "/api/v1/platform/tenants/"+sid+"/billing/payments/"+pay["id"].(string)+"/paid", nil).Map(t)
	if got["status"] != "paid" || got["confirmed_by"] == "" {
		t.Fatalf("marked paid: %v", got)
	}
	op.Must(200, "POST", "/api/v1/platform/tenants/"+sid+"/billing/payments/"+pay["id"].(string)+"/paid", nil) // again: no second month
	if status(cs) != "active" {
		t.Fatalf("after paying: %s", status(cs))
	}
	ov = cs.owner.Must(200, "GET", cs.base+"/billing", nil).Map(t)
	newEnd, _ := time.Parse(time.RFC3339Nano, ov["period_end"].(string))
	if d := time.Until(newEnd); d < 27*24*time.Hour || d > 32*24*time.Hour {
		t.Fatalf("a month paid runs to %v", newEnd)
	}
	checkout["idempotency_key"] = "c2"
	shopper.Must(201, "POST", cs.shop+"/checkout", checkout)
	if st := shopStatus(cs); st["status"] != "open" {
		t.Fatalf("shop status after paying: %v", st)
	}
	// A change of plan starts now: the year left on Pro does not become a
	// year of the plan paid for one month.
	pay = other.owner.Must(201, "POST", other.base+"/billing/payments", map[string]any{"plan_id": tiny, "period": "month", "method": "bank_transfer"}).Map(t)
	op.Must(200, "POST", "/api/v1/platform/tenants/"+other.conn.StoreID+"/billing/payments/"+pay["id"].(string)+"/paid", nil)
	ov = other.owner.Must(200, "GET", other.base+"/billing", nil).Map(t)
	switched, _ := time.Parse(time.RFC3339Nano, ov["period_end"].(string))
	if d := time.Until(switched); d < 27*24*time.Hour || d > 32*24*time.Hour || ov["plan"].(map[string]any)["id"] != tiny {
		t.Fatalf("a month of another plan paid with a year left runs to %v on %v", switched, ov["plan"])
	}
}

// TestPlanModuleGates: creating coupons and promotions needs the plan's
// marketing module (plan_limit names the module and a plan that has it);
// when a store's plan loses the module its shoppers are no longer offered
// coupons or promotions, while the order placed before finishes with its
// discounts and staff still read what they made.
func TestPlanModuleGates(t *testing.T) {
	e := apptest.New(t)
	std := newCommerceStore(t, e, "std-marketing", "mainland") // the seeded Standard plan: marketing_1
	op, _, pro := tinyPlans(t, e)
	tiny := newCommerceStore(t, e, "tiny-marketing", "mainland") // Tiny: no modules
	now := time.Now()
	promo := map[string]any{"name": "50 save 9", "kind": "full_reduction", "tiers": []map[string]any{{"threshold": 5000, "off": 900}},
		"starts_at": rfc(now.Add(-time.Hour)), "ends_at": rfc(now.Add(time.Hour))}
	// refused: plan_limit naming the module and the cheapest plan that has it.
	refused := func(c commerceStore, path string, body any, upID, upName string) {
		t.Helper()
		r := c.owner.Do("POST", c.base+path, body)
		if r.Status != 403 || r.ErrorCode() != "plan_limit" || r.FieldErrors()["marketing_1"] != "plan_limit" ||
			r.FieldErrors()["upgrade_plan_id"] != upID || !strings.Contains(string(r.Body), "the "+upName+" plan does") {
			t.Fatalf("POST %s without the module: %d %s", path, r.Status, r.Body)
		}
	}
	refused(tiny, "/coupons", couponBody(500, 10, 1), billing.StandardPlanID, "Standard")
	refused(tiny, "/promotions", promo, billing.StandardPlanID, "Standard")
	if n := len(tiny.owner.Must(200, "GET", tiny.base+"/coupons", nil).Map(t)["items"].([]any)); n != 0 {
		t.Fatalf("a refused coupon was created: %d", n)
	}
	tiny.owner.Must(201, "POST", tiny.base+"/shipping-templates", sampleTemplate())

	// Standard includes marketing: the shop offers it.
	coupon := std.owner.Must(201, "POST", std.base+"/coupons", couponBody(500, 10, 2)).Map(t)["id"].(string)
	std.owner.Must(201, "POST", std.base+"/promotions", promo)
	shopper := e.Shopper(std.conn.StoreID, "gate-buyer")
	addr := addAddress(t, shopper, std.shop)
	if n := len(shopper.Must(200, "GET", std.shop+"/coupons", nil).Map(t)["items"].([]any)); n != 1 {
		t.Fatalf("coupon centre: %d, want 1", n)
	}
	mc := shopper.Must(201, "POST", std.shop+"/coupons/"+coupon+"/claim", nil).Map(t)["id"].(string)
	items := []map[string]any{{"sku_id": std.skuA, "quantity": 1}}
	pv := shopper.Must(200, "POST", std.shop+"/checkout/preview", map[string]any{"items": items, "address_id": addr}).Map(t)
	if pv["coupon_id"] != mc || pv["discount_total"] != 1400.0 {
		t.Fatalf("preview with marketing: %v", pv)
	}
	out := shopper.Must(201, "POST", std.shop+"/checkout", map[string]any{"items": items, "address_id": addr, "idempotency_key": "gate-1", "coupon_id": mc}).Map(t)
	running := out["order"].(map[string]any)
	if running["discount_total"] != 1400.0 || running["total"] != 8500.0 {
		t.Fatalf("order with marketing: %v", running)
	}

	// The operator takes marketing out of Standard.
	op.Must(200, "PUT", "/api/v1/platform/plans/"+billing.StandardPlanID, map[string]any{"name": "Standard", "price_year": 298000,
		"price_month": 29800, "trial_days": 15, "modules": []string{"decoration"}})
	if n := len(shopper.Must(200, "GET", std.shop+"/coupons", nil).Map(t)["items"].([]any)); n != 0 {
		t.Fatalf("coupon centre after the plan lost marketing: %d, want 0", n)
	}
	shopper.Must(404, "POST", std.shop+"/coupons/"+coupon+"/claim", nil)
	pv = shopper.Must(200, "POST", std.shop+"/checkout/preview", map[string]any{"items": items, "address_id": addr}).Map(t)
	if pv["coupon_id"] != "" || pv["discount_total"] != 0.0 || pv["total"] != 9900.0 || len(pv["coupons"].([]any)) != 0 {
		t.Fatalf("preview without marketing: %v", pv)
	}
	o2 := shopper.Must(201, "POST", std.shop+"/checkout", map[string]any{"items": items, "address_id": addr, "idempotency_key": "gate-2"}).Map(t)["order"].(map[string]any)
	if o2["discount_total"] != 0.0 || o2["total"] != 9900.0 {
		t.Fatalf("order without marketing: %v", o2)
	}
	// The order placed before finishes at its price.
	if err := e.Fake.Pay.Succeed(strings.TrimPrefix(out["payment"].(map[string]any)["package"].(string), "prepay_id=")); err != nil {
		t.Fatal(err)
	}
	oid := running["id"].(string)
	waitFor(t, "running order paid", func() bool { return shopper.Must(200, "GET", std.shop+"/orders/"+oid, nil).Map(t)["status"] == "paid" })
	if d := std.owner.Must(200, "GET", std.base+"/orders/"+oid, nil).Map(t); d["total"] != 8500.0 || d["discount_total"] != 1400.0 {
		t.Fatalf("running order after the plan change: %v", d)
	}
	// Staff read and stop what they made, and cannot make more.
	if n := len(std.owner.Must(200, "GET", std.base+"/coupons", nil).Map(t)["items"].([]any)); n != 1 {
		t.Fatalf("staff see %d coupons, want 1", n)
	}
	std.owner.Must(200, "POST", std.base+"/coupons/"+coupon+"/stop", nil)
	refused(std, "/coupons", couponBody(300, 10, 1), pro, "Pro")
}

// TestOperatorDashboard: with two stores, one paid for a year and one for a
// month (which then lapses), the operator's dashboard counts stores by plan
// and status, revenue by month, trials converted and renewals due; the
// payments list and its CSV export span both stores; brands see none of it.
func TestOperatorDashboard(t *testing.T) {
	e := apptest.New(t)
	op, tiny, pro := tinyPlans(t, e)
	ownerA, ownerB := e.SignUp("a@dash.example"), e.SignUp("b@dash.example")
	a, b := ownerA.CreateStore("dash-a", "mainland", "apparel"), ownerB.CreateStore("dash-b", "mainland", "apparel")
	dash := func() map[string]any { return op.Must(200, "GET", "/api/v1/platform/billing/dashboard", nil).Map(t) }
	d := dash()
	if tot := d["totals"].(map[string]any); tot["trial"] != 2.0 || tot["total"] != 2.0 || d["trials_converted"] != 0.0 || d["revenue_total"] != 0.0 {
		t.Fatalf("two trials: %v", d)
	}
	pay := func(owner *apptest.Client, sid, period, title string) string {
		return owner.Must(201, "POST", "/api/v1/stores/"+sid+"/billing/payments", map[string]any{"plan_id": pro, "period": period,
			"method": "bank_transfer", "invoice_title": title}).Map(t)["id"].(string)
	}
	op.Must(200, "POST", "/api/v1/platform/tenants/"+a+"/billing/payments/"+pay(ownerA, a, "year", "=A 公司")+"/paid", nil)
	op.Must(200, "POST", "/api/v1/platform/tenants/"+b+"/billing/payments/"+pay(ownerB, b, "month", "B 公司")+"/paid", nil)
	pay(ownerB, b, "year", "B 公司") // pending: no revenue
	ctx := context.Background()
	// B's month ends in 28–31 days; seen from five days on it is due for renewal, A's year is not.
	later, err := e.App.Billing.Dashboard(ctx, time.Now().Add(5*24*time.Hour))
	if err != nil || len(later.RenewalsDue) != 1 || later.RenewalsDue[0].StoreID != b || later.RenewalsDue[0].PlanName != "Pro" {
		t.Fatalf("renewals due: %+v %v", later.RenewalsDue, err)
	}
	ovB := ownerB.Must(200, "GET", "/api/v1/stores/"+b+"/billing", nil).Map(t)
	endB, _ := time.Parse(time.RFC3339Nano, ovB["period_end"].(string))
	if _, err := e.App.Billing.Sweep(ctx, endB.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	d = dash()
	plans := map[string]map[string]any{}
	for _, p := range d["plans"].([]any) {
		plans[p.(map[string]any)["plan_id"].(string)] = p.(map[string]any)
	}
	if p := plans[pro]; len(plans) != 1 || p["active"] != 1.0 || p["grace"] != 1.0 || p["trial"] != 0.0 || p["total"] != 2.0 || p["plan_name"] != "Pro" {
		t.Fatalf("stores by plan: %v", d["plans"])
	}
	if _, ok := plans[tiny]; ok {
		t.Fatalf("Tiny has no stores left: %v", d["plans"])
	}
	month := time.Now().UTC().Format("2006-01")
	rev := d["revenue"].([]any)
	if len(rev) != 1 || rev[0].(map[string]any)["month"] != month || rev[0].(map[string]any)["amount"] != 657800.0 ||
		rev[0].(map[string]any)["payments"] != 2.0 || d["revenue_total"] != 657800.0 || d["trials_converted"] != 2.0 {
		t.Fatalf("revenue: %v total %v converted %v", rev, d["revenue_total"], d["trials_converted"])
	}
	if n := len(d["renewals_due"].([]any)); n != 0 {
		t.Fatalf("renewals due now: %v", d["renewals_due"])
	}

	all := op.Must(200, "GET", "/api/v1/platform/billing/payments", nil).Map(t)["items"].([]any)
	byStore := map[string]int{}
	for _, p := range all {
		byStore[p.(map[string]any)["store_name"].(string)]++
	}
	if len(all) != 3 || byStore["Store dash-a"] != 1 || byStore["Store dash-b"] != 2 {
		t.Fatalf("all payments: %v", all)
	}
	if paid := op.Must(200, "GET", "/api/v1/platform/billing/payments?status=paid", nil).Map(t)["items"].([]any); len(paid) != 2 {
		t.Fatalf("paid payments: %d, want 2", len(paid))
	}
	if r := op.Do("GET", "/api/v1/platform/billing/payments?status=refunded", nil); r.Status != 400 || r.FieldErrors()["status"] != "invalid_choice" {
		t.Fatalf("bad status filter: %d %s", r.Status, r.Body)
	}
	r := op.Do("GET", "/api/v1/platform/billing/payments/export?status=paid", nil)
	rows := strings.Split(strings.TrimSpace(strings.TrimPrefix(string(r.Body), "\xEF\xBB\xBF")), "\n")
	if r.Status != 200 || len(rows) != 3 || !strings.HasPrefix(rows[0], "store_id,store_name,") {
		t.Fatalf("export: %d %s", r.Status, r.Body)
	}
	csvText := strings.Join(rows[1:], "\n")
	if !strings.Contains(csvText, a+",Store dash-a,") || !strings.Contains(csvText, "5980.00") || !strings.Contains(csvText, b+",Store dash-b,") ||
		!strings.Contains(csvText, "598.00") || !strings.Contains(csvText, "'=A 公司") {
		t.Fatalf("export rows: %s", csvText)
	}
	// Brands: the operator's routes do not exist for them.
	for _, path := range []string{"/api/v1/platform/billing/dashboard", "/api/v1/platform/billing/payments", "/api/v1/platform/billing/payments/export"} {
		ownerA.Must(404, "GET", path, nil)
	}
}

// TestSweepKilledAndRerun: an expiry sweep cancelled in its most awkward
// place (a reminder queued but not yet recorded), then two sweeps at once,
// then another, leave the stores where one clean run does: one store in
// grace, one closed, one reminded once (one mail), one untouched, and
// between them exactly one of each change.
func TestSweepKilledAndRerun(t *testing.T) {
	e := apptest.New(t)
	_, _, _ = tinyPlans(t, e)
	ctx := context.Background()
	// Far from the real clock, so the worker's own hourly sweep changes nothing here.
	at := time.Now().UTC().Add(100 * 24 * time.Hour).Truncate(time.Second)
	stores := map[string]string{}
	set := func(name string, fields map[string]any) {
		owner := e.SignUp(name + "@sweep-kill.example")
		stores[name] = owner.CreateStore("sweep-"+name, "mainland", "apparel")
		if err := e.App.Billing.T.P(ctx).Model(&billing.Subscription{}).Where("tenant_id = ?", stores[name]).Updates(fields).Error; err != nil {
			t.Fatal(err)
		}
	}
	set("lapsing", map[string]any{"period_end": at.Add(-time.Hour), "grace_end": at.Add(6 * 24 * time.Hour)})
	set("closing", map[string]any{"status": billing.Grace, "period_end": at.Add(-8 * 24 * time.Hour), "grace_end": at.Add(-time.Hour)})
	set("reminded", map[string]any{"period_end": at.Add(3 * 24 * time.Hour), "grace_end": at.Add(10 * 24 * time.Hour)})
	set("untouched", map[string]any{"period_end": at.Add(20 * 24 * time.Hour), "grace_end": at.Add(27 * 24 * time.Hour)})

	var total billing.Swept
	addUp := func(n billing.Swept) {
		total.Reminded += n.Reminded
		total.Grace += n.Grace
		total.Closed += n.Closed
	}
	// Killed: the context ends right after the first reminder is queued.
	// (A copy of the service, so the app's own is never written while its worker may read it.)
	killedSvc := *e.App.Billing
	killed, cancel := context.WithCancel(ctx)
	killedSvc.Remind = func(ctx context.Context, r billing.Reminder) error {
		err := e.App.Billing.Remind(ctx, r)
		cancel()
		return err
	}
	n, err := killedSvc.Sweep(killed, at)
	if err == nil {
		t.Fatalf("the cancelled sweep finished: %+v", n)
	}
	addUp(n)
	// Re-run twice at once, then once more.
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := e.App.Billing.Sweep(ctx, at)
			if err != nil {
				t.Errorf("concurrent sweep: %v", err)
			}
			mu.Lock()
			addUp(n)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if n, err := e.App.Billing.Sweep(ctx, at); err != nil || n != (billing.Swept{}) {
		t.Fatalf("the sweep after: %+v %v, want nothing left", n, err)
	}
	if want := (billing.Swept{Reminded: 1, Grace: 1, Closed: 1}); total != want {
		t.Fatalf("changes over all runs: %+v, want one clean run's %+v", total, want)
	}
	want := map[string]struct {
		status   string
		reminded int
	}{"lapsing": {billing.Grace, 0}, "closing": {billing.Closed, 0}, "reminded": {billing.Trial, 7}, "untouched": {billing.Trial, 0}}
	for name, w := range want {
		var sub billing.Subscription
		if err := e.App.Billing.T.P(ctx).Where("tenant_id = ?", stores[name]).Take(&sub).Error; err != nil {
			t.Fatal(err)
		}
		if sub.Status != w.status || sub.RemindedBefore != w.reminded {
			t.Errorf("%s: status %s reminded %d, want %s %d", name, sub.Status, sub.RemindedBefore, w.status, w.reminded)
		}
	}
	if m := e.WaitMail("reminded@sweep-kill.example", 1); !strings.Contains(m.Subject, "7 day") {
		t.Fatalf("reminder: %+v", m)
	}
	time.Sleep(300 * time.Millisecond) // a duplicate would have been delivered by now
	for name := range want {
		got, wantN := 0, 0
		for _, m := range e.Outbox.To(name + "@sweep-kill.example") {
			if strings.Contains(m.Subject, "plan ends") {
				got++
			}
		}
		if name == "reminded" {
			wantN = 1
		}
		if got != wantN {
			t.Errorf("%s's owner got %d reminders, want %d", name, got, wantN)
		}
	}
}
