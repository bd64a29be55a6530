package api_test

import (
	"strings"
	"testing"

	"github.com/shoplet/shoplet/tenant/apptest"
)

// TestPaidAfterRebind: a store connected directly (appid X) authorises a
// mini-program to the platform (appid Y). Each instance drops its cached
// payment configuration at once: a checkout right after the re-binding, on
// the other instance, asks WeChat Pay for appid Y, and its payment is applied.
// An order prepaid under X before the re-binding and paid after it brings a
// genuine notification naming X: it is not dropped; the order is flagged,
// WeChat Pay is asked, and the order ends paid.
func TestPaidAfterRebind(t *testing.T) {
	e1, _ := platformEnv(t, "wxc00000000000rb01")
	e2 := apptest.New(t, apptest.Options{Shared: e1})
	e2.App.Payments.NotifyBase = e2.Server.URL
	cs := newCommerceStore(t, e1, "rebind", "mainland")
	addr := ""
	shopper := e1.Shopper(cs.conn.StoreID, "rebinder")
	on2 := *shopper
	on2.E = e2
	addr = addAddress(t, shopper, cs.shop)
	checkout := func(c *apptest.Client, key string) (orderID, prepay string) {
		out := c.Must(201, "POST", cs.shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": cs.skuA, "quantity": 1}},
			"address_id": addr, "idempotency_key": key}).Map(t)
		return out["order"].(map[string]any)["id"].(string), strings.TrimPrefix(out["payment"].(map[string]any)["package"].(string), "prepay_id=")
	}
	status := func(id string) map[string]any {
		return cs.owner.Must(200, "GET", cs.base+"/orders/"+id, nil).Map(t)
	}
	// Both instances have the direct configuration (appid X) cached.
	o1, p1 := checkout(shopper, "before-1")
	_, p0 := checkout(&on2, "before-2")
	if app, _ := e1.Fake.Pay.PrepayApp(p0); app != cs.conn.AppID {
		t.Fatalf("prepay before re-binding for %q, want %q", app, cs.conn.AppID)
	}

	// The link names the store's mini-program, so WeChat offers to authorise that one.
	link := cs.owner.Must(200, "GET", cs.base+"/settings/miniprogram/authorize-url", nil).Map(t)["url"].(string)
	if !strings.Contains(link, "biz_appid="+cs.conn.AppID) {
		t.Errorf("the authorisation link does not name the store's appid %s: %s", cs.conn.AppID, link)
	}
	// The brand's admin confirms with another mini-program (a re-binding).
	y := authorise(t, cs.owner, cs.conn.StoreID)
	mp := cs.owner.Must(200, "GET", cs.base+"/settings/miniprogram", nil).Map(t)
	if mp["app_id"] != y || mp["mode"] != "component" || mp["app_secret_in_use"] != false {
		t.Fatalf("settings after authorising: %v", mp)
	}

	// At once, on the instance that did not handle the authorisation.
	o2, p2 := checkout(&on2, "after-1")
	if app, _ := e1.Fake.Pay.PrepayApp(p2); app != y {
		t.Fatalf("checkout right after re-binding asked WeChat Pay for app %q, want the new %q", app, y)
	}
	if err := e1.Fake.Pay.Succeed(p2); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "order after re-binding paid", func() bool { return status(o2)["status"] == "paid" })

	// The order prepaid under X is paid now: its notification names X.
	if err := e1.Fake.Pay.Succeed(p1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "order prepaid before re-binding paid", func() bool { return status(o1)["status"] == "paid" })
	got := status(o1)
	if got["flag"] != "" {
		t.Errorf("flag after reconciliation: %v", got["flag"])
	}
	events := ""
	for _, ev := range got["events"].([]any) {
		events += ev.(map[string]any)["note"].(string) + "\n"
	}
	if !strings.Contains(events, "another app or merchant") || !strings.Contains(events, cs.conn.AppID) {
		t.Errorf("the unmatched notification is not on the order's timeline:\n%s", events)
	}
	if strings.Contains(e1.Logs.String()+e2.Logs.String(), "notification refused") {
		t.Error("a genuine notification was refused")
	}
}
