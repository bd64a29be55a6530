package api_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/apptest"
)

// channelCoupon is couponBody with a channel and extra fields.
func channelCoupon(amount, total, perMember int64, extra map[string]any) map[string]any {
	b := couponBody(amount, total, perMember)
	for k, v := range extra {
		b[k] = v
	}
	return b
}

// TestPromoCodes: a shared code is claimed by typing it, with the coupon's
// total and per-member limits; unique codes are random, never more than the
// total, used once each (also under a crowd), and exported as CSV; a code
// coupon is not in the centre nor claimable by id; codes are per store.
func TestPromoCodes(t *testing.T) {
	e := apptest.New(t)
	a := newCommerceStore(t, e, "codes-a", "mainland")
	b := newCommerceStore(t, e, "codes-b", "mainland")
	shared := a.owner.Must(201, "POST", a.base+"/coupons", channelCoupon(500, 2, 1, map[string]any{"channel": "code", "code": "spring25"})).Map(t)["id"].(string)
	if r := a.owner.Do("POST", a.base+"/coupons", channelCoupon(500, 2, 1, map[string]any{"channel": "code", "code": "SPRING25"})); r.Status != 409 || r.FieldErrors()["code"] != "code_taken" {
		t.Fatalf("duplicate shared code: %d %s", r.Status, r.Body)
	}
	if r := a.owner.Do("POST", a.base+"/coupons", channelCoupon(500, 2, 1, map[string]any{"code": "SUMMER"})); r.Status != 400 || r.FieldErrors()["code"] != "invalid" {
		t.Fatalf("shared code on a centre coupon: %d %s", r.Status, r.Body)
	}
	b.owner.Must(201, "POST", b.base+"/coupons", channelCoupon(500, 2, 1, map[string]any{"channel": "code", "code": "ONLYB"}))
	s := make([]*apptest.Client, 12)
	for i := range s {
		s[i] = e.Shopper(a.conn.StoreID, fmt.Sprintf("coder%d", i))
	}
	redeem := func(c *apptest.Client, code string) apptest.Resp {
		return c.Do("POST", a.shop+"/coupon-codes/redeem", map[string]any{"code": code})
	}
	if items := s[0].Must(200, "GET", a.shop+"/coupons", nil).Map(t)["items"].([]any); len(items) != 0 {
		t.Fatalf("a code coupon is in the centre: %v", items)
	}
	if r := s[0].Do("POST", a.shop+"/coupons/"+shared+"/claim", nil); r.Status != 404 {
		t.Fatalf("code coupon claimed by id: %d %s", r.Status, r.Body)
	}
	if r := redeem(s[0], " spring25 "); r.Status != 201 || r.Map(t)["source"] != "code" || r.Map(t)["coupon_id"] != shared {
		t.Fatalf("shared code: %d %s", r.Status, r.Body)
	}
	if r := redeem(s[0], "SPRING25"); r.Status != 409 || r.ErrorCode() != "limit_reached" {
		t.Fatalf("shared code twice: %d %s", r.Status, r.Body)
	}
	redeem(s[1], "SPRING25")
	if r := redeem(s[2], "SPRING25"); r.Status != 409 || r.ErrorCode() != "coupon_gone" {
		t.Fatalf("shared code past the total: %d %s", r.Status, r.Body)
	}
	for _, code := range []string{"ONLYB", "NOSUCHCODE", "x"} {
		if r := redeem(s[3], code); r.Status != 400 || r.FieldErrors()["code"] != "unknown_code" {
			t.Fatalf("code %q: %d %s", code, r.Status, r.Body)
		}
	}

	centre := a.owner.Must(201, "POST", a.base+"/coupons", couponBody(100, 5, 1)).Map(t)["id"].(string)
	if r := a.owner.Do("POST", a.base+"/coupons/"+centre+"/codes", map[string]any{"count": 2}); r.Status != 409 || r.ErrorCode() != "not_a_code_coupon" {
		t.Fatalf("codes for a centre coupon: %d %s", r.Status, r.Body)
	}
	uniq := a.owner.Must(201, "POST", a.base+"/coupons", channelCoupon(300, 3, 2, map[string]any{"channel": "code"})).Map(t)["id"].(string)
	items := a.owner.Must(201, "POST", a.base+"/coupons/"+uniq+"/codes", map[string]any{"count": 2}).Map(t)["items"].([]any)
	var codes []string
	shape := regexp.MustCompile(`^[2-9A-HJKMNP-Z]{12}$`)
	for _, it := range items {
		c := it.(map[string]any)["code"].(string)
		if !shape.MatchString(c) {
			t.Fatalf("code %q is not 12 letters of the alphabet", c)
		}
		codes = append(codes, c)
	}
	if len(codes) != 2 || codes[0] == codes[1] {
		t.Fatalf("codes: %v", codes)
	}
	if r := a.owner.Do("POST", a.base+"/coupons/"+uniq+"/codes", map[string]any{"count": 2}); r.Status != 400 || r.FieldErrors()["count"] != "above_total" {
		t.Fatalf("codes beyond the total: %d %s", r.Status, r.Body)
	}
	if r := b.owner.Do("POST", b.base+"/coupons/"+uniq+"/codes", map[string]any{"count": 1}); r.Status != 404 {
		t.Fatalf("codes for another store's coupon: %d %s", r.Status, r.Body)
	}
	// A crowd on one unique code: exactly one redemption.
	var ok atomic.Int64
	var mu sync.Mutex
	refusals := map[string]int{}
	var wg sync.WaitGroup
	for i := 4; i < 12; i++ {
		wg.Add(1)
		go func(c *apptest.Client) {
			defer wg.Done()
			r := redeem(c, codes[0])
			if r.Status == 201 {
				ok.Add(1)
				return
			}
			mu.Lock()
			refusals[fmt.Sprint(r.Status, " ", r.ErrorCode())]++
			mu.Unlock()
		}(s[i])
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d redemptions of one unique code; refusals %v", ok.Load(), refusals)
	}
	for k := range refusals {
		if k != "409 code_used" {
			t.Fatalf("refusals: %v", refusals)
		}
	}
	if r := redeem(s[0], strings.ToLower(codes[1])); r.Status != 201 {
		t.Fatalf("second unique code: %d %s", r.Status, r.Body)
	}
	if issued, rows, _ := couponCounts(t, e, a.conn.StoreID, uniq); issued != 2 || rows != 2 {
		t.Fatalf("unique-code coupon: issued %d, rows %d", issued, rows)
	}
	r := a.owner.Do("GET", a.base+"/coupons/"+uniq+"/codes", nil)
	rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if r.Status != 200 || err != nil || len(rows) != 3 || strings.Join(rows[0], ",") != "code,shared,redeemed_at" {
		t.Fatalf("CSV: %d %v %q", r.Status, err, r.Body)
	}
	for _, row := range rows[1:] {
		if (row[0] != codes[0] && row[0] != codes[1]) || row[1] != "false" || row[2] == "" {
			t.Fatalf("CSV row %v", row)
		}
	}
	if r := b.owner.Do("GET", b.base+"/coupons/"+uniq+"/codes", nil); r.Status != 404 {
		t.Fatalf("another store's codes: %d", r.Status)
	}
}

// TestCouponChannels: a product page lists the centre coupons that cover it;
// staff send a gift coupon to chosen members (idempotent by key, unknown
// members reported, audited); gift coupons are given on a first login and
// after payment, once each; the expiry job marks expired coupons and
// reminds holders once.
func TestCouponChannels(t *testing.T) {
	e := apptest.New(t)
	cs := newCommerceStore(t, e, "channels", "mainland")
	other := cs.owner.Must(201, "POST", cs.base+"/products", map[string]any{"title": "Other", "business_category": "apparel",
		"skus": []map[string]any{{"price": 100, "stock": 1}}}).Map(t)["id"].(string)
	store := cs.owner.Must(201, "POST", cs.base+"/coupons", couponBody(100, 5, 1)).Map(t)["id"].(string)
	forProd := cs.owner.Must(201, "POST", cs.base+"/coupons", channelCoupon(200, 5, 1, map[string]any{"scope": map[string]any{"kind": "products", "ids": []string{cs.prod}}})).Map(t)["id"].(string)
	cs.owner.Must(201, "POST", cs.base+"/coupons", channelCoupon(300, 5, 1, map[string]any{"scope": map[string]any{"kind": "products", "ids": []string{other}}}))
	cs.owner.Must(201, "POST", cs.base+"/coupons", channelCoupon(400, 5, 1, map[string]any{"scope": map[string]any{"kind": "store", "exclude": []string{cs.prod}}}))
	gift := cs.owner.Must(201, "POST", cs.base+"/coupons", channelCoupon(500, 3, 1, map[string]any{"channel": "gift"})).Map(t)["id"].(string)
	anon := e.Anon()
	got := map[string]bool{}
	for _, it := range anon.Must(200, "GET", cs.shop+"/products/"+cs.prod+"/coupons", nil).Map(t)["items"].([]any) {
		got[it.(map[string]any)["id"].(string)] = true
	}
	if len(got) != 2 || !got[store] || !got[forProd] {
		t.Fatalf("product page coupons: %v, want %s and %s", got, store, forProd)
	}
	if r := anon.Do("GET", cs.shop+"/products/"+other+"/coupons", nil); r.Status != 404 {
		t.Fatalf("coupons of a product not on shelf: %d", r.Status)
	}

	s1, s2 := e.Shopper(cs.conn.StoreID, "ch1"), e.Shopper(cs.conn.StoreID, "ch2")
	if r := s1.Do("POST", cs.shop+"/coupons/"+gift+"/claim", nil); r.Status != 404 {
		t.Fatalf("gift coupon claimed by id: %d", r.Status)
	}
	stranger := "01a20000-0000-7000-8000-0000000000ff"
	send := map[string]any{"member_ids": []string{s1.ID, s2.ID, stranger, s1.ID}, "key": "vip-1"}
	results := func(r map[string]any) map[string]string {
		out := map[string]string{}
		for _, it := range r["items"].([]any) {
			m := it.(map[string]any)
			out[m["member_id"].(string)] = m["result"].(string)
		}
		return out
	}
	if res := results(cs.owner.Must(200, "POST", cs.base+"/coupons/"+gift+"/send", send).Map(t)); len(res) != 3 || res[s1.ID] != "sent" || res[s2.ID] != "sent" || res[stranger] != "unknown_member" {
		t.Fatalf("send: %v", res)
	}
	if res := results(cs.owner.Must(200, "POST", cs.base+"/coupons/"+gift+"/send", send).Map(t)); res[s1.ID] != "already_sent" || res[s2.ID] != "already_sent" {
		t.Fatalf("send again with the same key: %v", res)
	}
	if res := results(cs.owner.Must(200, "POST", cs.base+"/coupons/"+gift+"/send", map[string]any{"member_ids": []string{s1.ID}, "key": "vip-2"}).Map(t)); res[s1.ID] != "limit_reached" {
		t.Fatalf("send past the member's limit: %v", res)
	}
	// An over-long id in an id list is refused at the edge, naming the item.
	long := cs.owner.Do("POST", cs.base+"/coupons/"+gift+"/send", map[string]any{"member_ids": []string{strings.Repeat("9", 65)}, "key": "vip-3"})
	if long.Status != 400 || !strings.Contains(string(long.Body), `"member_ids[0]"`) {
		t.Fatalf("an over-long member id: %d %s", long.Status, long.Body)
	}
	if issued, rows, _ := couponCounts(t, e, cs.conn.StoreID, gift); issued != 2 || rows != 2 {
		t.Fatalf("gift coupon: issued %d, rows %d", issued, rows)
	}
	var audits int64
	if err := e.App.T.Tx(tenant.WithTenant(context.Background(), cs.conn.StoreID), func(ctx context.Context) error {
		return e.App.T.Q(ctx).Table("audit_logs").Where("action = ?", "marketing.coupon_sent").Count(&audits).Error
	}); err != nil || audits != 3 {
		t.Fatalf("%d audit entries for 3 sends", audits)
	}

	// Gifts on a first login and after payment.
	welcome := cs.owner.Must(201, "POST", cs.base+"/coupons", channelCoupon(600, 10, 5, map[string]any{"channel": "gift", "gift_on": "new_member"})).Map(t)["id"].(string)
	thanks := cs.owner.Must(201, "POST", cs.base+"/coupons", channelCoupon(700, 10, 5, map[string]any{"channel": "gift", "gift_on": "paid"})).Map(t)["id"].(string)
	newbie := e.Shopper(cs.conn.StoreID, "newbie")
	holds := func(c *apptest.Client, coupon, source string) int {
		n := 0
		for _, it := range c.Must(200, "GET", cs.shop+"/me/coupons", nil).Map(t)["items"].([]any) {
			m := it.(map[string]any)
			if m["coupon_id"] == coupon && m["source"] == source {
				n++
			}
		}
		return n
	}
	waitFor(t, "new-member gift", func() bool { return holds(newbie, welcome, "new_member") == 1 })
	e.Shopper(cs.conn.StoreID, "newbie") // a second login of the same member gives nothing more
	addr := addAddress(t, newbie, cs.shop)
	out := newbie.Must(201, "POST", cs.shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": cs.skuA, "quantity": 1}},
		"address_id": addr, "idempotency_key": "gift-1"}).Map(t)
	if err := e.Fake.Pay.Succeed(strings.TrimPrefix(out["payment"].(map[string]any)["package"].(string), "prepay_id=")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "after-payment gift", func() bool { return holds(newbie, thanks, "paid") == 1 })
	time.Sleep(100 * time.Millisecond)
	if n := holds(newbie, welcome, "new_member"); n != 1 {
		t.Fatalf("new-member gift given %d times", n)
	}

	// Expiry: one coupon ends within the reminder window, one has ended.
	cs.owner.Must(200, "PUT", cs.base+"/settings/messages", map[string]any{"paid_template_id": "", "shipped_template_id": "", "coupon_expiry_template_id": "TPL-EXPIRY"})
	soon := cs.owner.Must(201, "POST", cs.base+"/coupons", channelCoupon(100, 5, 1, map[string]any{"valid_days": 2, "name": "Ends soon"})).Map(t)["id"].(string)
	s2.Must(201, "POST", cs.shop+"/coupons/"+soon+"/claim", nil)
	ctx := tenant.WithTenant(context.Background(), cs.conn.StoreID)
	reminders := func() (all, soon int) {
		for _, m := range e.Fake.SentMessages() {
			if m.TemplateID == "TPL-EXPIRY" && m.AppID == cs.conn.AppID {
				all++
				if strings.Contains(toJSON(m.Data), "Ends soon") {
					soon++
				}
			}
		}
		return
	}
	if err := e.App.CouponExpiry(ctx); err != nil {
		t.Fatal(err)
	}
	first, soonSent := reminders()
	if err := e.App.CouponExpiry(ctx); err != nil { // idempotent: a second run sends nothing more
		t.Fatal(err)
	}
	if again, _ := reminders(); soonSent != 1 || again != first {
		t.Fatalf("reminders of the 2-day coupon: %d; all reminders %d, after a second run %d", soonSent, first, again)
	}
	e.App.Marketing.Now = func() time.Time { return time.Now().Add(4 * 24 * time.Hour) }
	defer func() { e.App.Marketing.Now = nil }()
	if err := e.App.CouponExpiry(ctx); err != nil {
		t.Fatal(err)
	}
	var expired int64
	if err := e.App.T.Tx(ctx, func(ctx context.Context) error {
		return e.App.T.Q(ctx).Table("member_coupons").Where("expired_at IS NOT NULL").Count(&expired).Error
	}); err != nil || expired == 0 {
		t.Fatal("no held coupon marked expired after its validity")
	}
	if items := s2.Must(200, "GET", cs.shop+"/me/coupons?status=expired", nil).Map(t)["items"].([]any); len(items) == 0 {
		t.Fatal("expired coupons not listed as expired")
	}
}
