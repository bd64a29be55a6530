package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoplet/shoplet/pkg/wechatfake"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/app"
	"github.com/shoplet/shoplet/tenant/apptest"
)

// TestNoOversell: 500 shoppers check out one SKU with stock 50 at the same
// moment: exactly 50 orders, stock 0, never below, the last unit sold.
func TestNoOversell(t *testing.T) {
	e := apptest.New(t)
	cs := newCommerceStore(t, e, "oversell", "mainland")
	cs.owner.Must(200, "PATCH", cs.base+"/skus/"+cs.skuA, map[string]any{"stock": 50})
	const buyers = 500
	shoppers := make([]*apptest.Client, buyers)
	addrs := make([]string, buyers)
	for i := range shoppers {
		shoppers[i] = e.Shopper(cs.conn.StoreID, fmt.Sprintf("buyer%d", i))
		addrs[i] = addAddress(t, shoppers[i], cs.shop)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	start := make(chan struct{})
	for i := range shoppers {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			r := shoppers[i].Do("POST", cs.shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": cs.skuA, "quantity": 1}},
				"address_id": addrs[i], "idempotency_key": "k"})
			mu.Lock()
			counts[r.Status]++
			mu.Unlock()
			if r.Status != 201 && r.ErrorCode() != "sold_out" {
				t.Errorf("checkout %d: %d %s", i, r.Status, r.Body)
			}
		}(i)
	}
	close(start)
	wg.Wait()
	if counts[201] != 50 || counts[409] != buyers-50 {
		t.Fatalf("statuses: %v, want 50 × 201 and %d × 409", counts, buyers-50)
	}
	p := cs.owner.Must(200, "GET", cs.base+"/products/"+cs.prod, nil).Map(t)
	if got := p["skus"].([]any)[0].(map[string]any)["stock"].(float64); got != 0 {
		t.Fatalf("stock = %v, want 0", got)
	}
	orders := cs.owner.Must(200, "GET", cs.base+"/orders?status=pending_payment&limit=100", nil).Map(t)["items"].([]any)
	if len(orders) != 50 {
		t.Fatalf("orders = %d, want 50", len(orders))
	}
}

// The last unit's buyer taps twice: the second tap comes after another
// shopper's attempt marked the SKU sold out, and still gets the order. A new
// key is refused; a cancellation returns the unit and clears the mark at once.
// A request for more units than are left does not mark the SKU.
func TestSoldOutMarkAndDoubleTap(t *testing.T) {
	e := apptest.New(t)
	cs := newCommerceStore(t, e, "lastunit", "mainland")
	cs.owner.Must(200, "PATCH", cs.base+"/skus/"+cs.skuA, map[string]any{"stock": 1})
	a, b := e.Shopper(cs.conn.StoreID, "first"), e.Shopper(cs.conn.StoreID, "second")
	addrA, addrB := addAddress(t, a, cs.shop), addAddress(t, b, cs.shop)
	buy := func(c *apptest.Client, addr, key string) apptest.Resp {
		return c.Do("POST", cs.shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": cs.skuA, "quantity": 1}},
			"address_id": addr, "idempotency_key": key})
	}
	// Asking for more than is left is refused without marking the SKU.
	if r := b.Do("POST", cs.shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": cs.skuA, "quantity": 2}},
		"address_id": addrB, "idempotency_key": "two"}); r.ErrorCode() != "sold_out" {
		t.Fatalf("two of one: %d %s, want sold_out", r.Status, r.Body)
	}
	first := buy(a, addrA, "tap")
	if first.Status != 201 {
		t.Fatalf("first checkout: %d %s", first.Status, first.Body)
	}
	id := first.Map(t)["order"].(map[string]any)["id"].(string)
	if r := buy(b, addrB, "k"); r.ErrorCode() != "sold_out" {
		t.Fatalf("second shopper: %d %s, want sold_out", r.Status, r.Body)
	}
	if r := buy(b, addrB, "k2"); r.ErrorCode() != "sold_out" || r.FieldErrors()["items[0].quantity"] != "sold_out" {
		t.Fatalf("second shopper again (marked): %d %s, want sold_out naming the field", r.Status, r.Body)
	}
	again := buy(a, addrA, "tap")
	if again.Status != 200 || again.Map(t)["order"].(map[string]any)["id"] != id || again.Map(t)["payment"] == nil {
		t.Fatalf("double tap after sold out: %d %s, want 200 with order %s and its payment", again.Status, again.Body, id)
	}
	if r := buy(a, addrA, "another"); r.ErrorCode() != "sold_out" {
		t.Fatalf("a new key from the buyer: %d %s, want sold_out", r.Status, r.Body)
	}
	a.Must(200, "POST", cs.shop+"/orders/"+id+"/cancel", nil)
	if r := buy(b, addrB, "k3"); r.Status != 201 {
		t.Fatalf("after the unit came back: %d %s, want 201", r.Status, r.Body)
	}
}

// txResource is the decrypted TRANSACTION.SUCCESS resource of a direct merchant.
func txResource(c apptest.Connected, orderNo, txID string, total int64) map[string]any {
	return map[string]any{"appid": c.AppID, "mchid": c.MchID, "out_trade_no": orderNo, "transaction_id": txID, "trade_type": "JSAPI",
		"trade_state": "SUCCESS", "success_time": time.Now().Format(time.RFC3339), "amount": map[string]any{"total": total, "currency": "CNY"},
		"payer": map[string]any{"openid": "o-payer"}}
}

func post(t *testing.T, url string, body []byte, h http.Header) int {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header = h
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func ledger(t *testing.T, e *apptest.Env, storeID, orderID string) (payments, events int) {
	ctx := tenant.WithTenant(context.Background(), storeID)
	err := e.App.T.Tx(ctx, func(ctx context.Context) error {
		var n1, n2 int64
		if err := e.App.T.Q(ctx).Table("payment_ledger").Where("tenant_id = ? AND order_id = ? AND kind = 'payment'", storeID, orderID).Count(&n1).Error; err != nil {
			return err
		}
		if err := e.App.T.Q(ctx).Table("order_events").Where("tenant_id = ? AND order_id = ? AND to_status = 'paid'", storeID, orderID).Count(&n2).Error; err != nil {
			return err
		}
		payments, events = int(n1), int(n2)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return
}

// TestPaymentNotifications: bad notifications change nothing; the good one,
// delivered 10 times at once, makes one transition and one ledger entry.
func TestPaymentNotifications(t *testing.T) {
	e := apptest.New(t)
	cs := newCommerceStore(t, e, "notify", "mainland")
	shopper := e.Shopper(cs.conn.StoreID, "payer")
	addr := addAddress(t, shopper, cs.shop)
	o := shopper.Must(201, "POST", cs.shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": cs.skuA, "quantity": 1}},
		"address_id": addr, "idempotency_key": "n1"}).Map(t)["order"].(map[string]any)
	no, oid := o["order_no"].(string), o["id"].(string)
	url := e.Server.URL + "/api/pay/v1/stores/" + cs.conn.StoreID + "/notify"
	good := txResource(cs.conn, no, "4200000000000000000000000001", 9900)
	impostor, _ := wechatfake.NewPay()

	bad := []struct {
		name string
		make func() ([]byte, http.Header, error)
	}{
		{"forged signature", func() ([]byte, http.Header, error) {
			return impostor.Notification("TRANSACTION.SUCCESS", "transaction", cs.conn.APIv3Key, good, time.Now())
		}},
		{"wrong amount", func() ([]byte, http.Header, error) {
			return e.Fake.Pay.Notification("TRANSACTION.SUCCESS", "transaction", cs.conn.APIv3Key,
				txResource(cs.conn, no, "4200000000000000000000000003", 1), time.Now())
		}},
		{"stale timestamp", func() ([]byte, http.Header, error) {
			return e.Fake.Pay.Notification("TRANSACTION.SUCCESS", "transaction", cs.conn.APIv3Key, good, time.Now().Add(-10*time.Minute))
		}},
		{"wrong key", func() ([]byte, http.Header, error) {
			return e.Fake.Pay.Notification("TRANSACTION.SUCCESS", "transaction", strings.Repeat("x", 32), good, time.Now())
		}},
		{"tampered body", func() ([]byte, http.Header, error) {
			b, h, err := e.Fake.Pay.Notification("TRANSACTION.SUCCESS", "transaction", cs.conn.APIv3Key, good, time.Now())
			return bytes.Replace(b, []byte(`"summary"`), []byte(`"Summary"`), 1), h, err
		}},
	}
	for _, c := range bad {
		b, h, err := c.make()
		if err != nil {
			t.Fatal(err)
		}
		if st := post(t, url, b, h); st/100 == 2 {
			t.Errorf("%s: accepted with %d", c.name, st)
		}
	}
	if st := shopper.Must(200, "GET", cs.shop+"/orders/"+oid, nil).Map(t)["status"]; st != "pending_payment" {
		t.Fatalf("after bad notifications the order is %v", st)
	}
	if n, _ := ledger(t, e, cs.conn.StoreID, oid); n != 0 {
		t.Fatalf("ledger has %d entries after bad notifications", n)
	}
	if !strings.Contains(e.Logs.String(), "payment notification refused") {
		t.Fatal("refused notifications are not logged")
	}

	// A genuine notification (WeChat Pay's signature, this store's key) for
	// another merchant is not dropped: received, the order flagged with what
	// arrived, and left to reconciliation, which asks WeChat Pay (here: not
	// paid, so nothing is applied).
	r := txResource(cs.conn, no, "4200000000000000000000000002", 9900)
	r["mchid"] = "1900000999"
	b, h, err := e.Fake.Pay.Notification("TRANSACTION.SUCCESS", "transaction", cs.conn.APIv3Key, r, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if st := post(t, url, b, h); st != 204 {
		t.Fatalf("genuine notification for another merchant: %d", st)
	}
	flagged := cs.owner.Must(200, "GET", cs.base+"/orders/"+oid, nil).Map(t)
	if flagged["status"] != "pending_payment" || flagged["flag"] != "payment_unmatched" {
		t.Fatalf("after a notification for another merchant: status %v, flag %v", flagged["status"], flagged["flag"])
	}
	if n, _ := ledger(t, e, cs.conn.StoreID, oid); n != 0 {
		t.Fatalf("a notification for another merchant made %d ledger entries", n)
	}

	var wg sync.WaitGroup
	statuses := make([]int, 10)
	for i := 0; i < 10; i++ {
		b, h, _ := e.Fake.Pay.Notification("TRANSACTION.SUCCESS", "transaction", cs.conn.APIv3Key, good, time.Now())
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			statuses[i] = post(t, url, b, h)
		}(i)
	}
	wg.Wait()
	for i, st := range statuses {
		if st != 204 {
			t.Errorf("delivery %d: %d", i, st)
		}
	}
	payments, events := ledger(t, e, cs.conn.StoreID, oid)
	if payments != 1 || events != 1 {
		t.Fatalf("10 deliveries made %d ledger entries and %d paid transitions, want 1 and 1", payments, events)
	}
	if f := cs.owner.Must(200, "GET", cs.base+"/orders/"+oid, nil).Map(t)["flag"]; f != "" {
		t.Fatalf("flag after the payment was applied: %v", f)
	}
}

// TestUnpaidOrderCloses: an unpaid order closes when its time is up, at WeChat
// Pay and locally, and its stock returns; a payment reported after that is
// kept and flagged for staff; a payment whose notification never came is
// found by the close job's query and applied instead of closing.
func TestUnpaidOrderCloses(t *testing.T) {
	e := apptest.New(t, apptest.Options{Configure: func(c *app.Config) { c.PayTimeout = 500 * time.Millisecond }})
	cs := newCommerceStore(t, e, "timeout", "mainland")
	shopper := e.Shopper(cs.conn.StoreID, "slow")
	addr := addAddress(t, shopper, cs.shop)
	stock := func() float64 {
		p := cs.owner.Must(200, "GET", cs.base+"/products/"+cs.prod, nil).Map(t)
		return p["skus"].([]any)[0].(map[string]any)["stock"].(float64)
	}
	checkout := func(key string) (map[string]any, string) {
		out := shopper.Must(201, "POST", cs.shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": cs.skuA, "quantity": 2}},
			"address_id": addr, "idempotency_key": key}).Map(t)
		return out["order"].(map[string]any), strings.TrimPrefix(out["payment"].(map[string]any)["package"].(string), "prepay_id=")
	}
	o, prepay := checkout("t1")
	if stock() != 3 {
		t.Fatalf("stock after checkout = %v", stock())
	}
	oid := o["id"].(string)
	waitFor(t, "timeout close", func() bool {
		return shopper.Must(200, "GET", cs.shop+"/orders/"+oid, nil).Map(t)["status"] == "closed"
	})
	if stock() != 5 {
		t.Fatalf("stock after close = %v, want 5", stock())
	}
	if err := e.Fake.Pay.Succeed(prepay); err == nil {
		t.Fatal("the order can still be paid at WeChat Pay after closing")
	}
	// A payment notification arriving after the close (a race WeChat allows).
	b, h, _ := e.Fake.Pay.Notification("TRANSACTION.SUCCESS", "transaction", cs.conn.APIv3Key,
		txResource(cs.conn, o["order_no"].(string), "4200000000000000000000000099", 19800), time.Now())
	if st := post(t, e.Server.URL+"/api/pay/v1/stores/"+cs.conn.StoreID+"/notify", b, h); st != 204 {
		t.Fatalf("late notification: %d", st)
	}
	late := cs.owner.Must(200, "GET", cs.base+"/orders/"+oid, nil).Map(t)
	if late["status"] != "closed" || late["flag"] != "paid_after_close" || late["transaction_id"] != "4200000000000000000000000099" {
		t.Fatalf("late payment not kept and flagged: %v", late)
	}

	// The notification never arrives (the callback URL is unreachable), but
	// the shopper paid: the close job asks WeChat Pay and marks it paid.
	e.App.Payments.NotifyBase = "http://127.0.0.1:1"
	o2, prepay2 := checkout("t2")
	if err := e.Fake.Pay.Succeed(prepay2); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "reconciled", func() bool {
		return shopper.Must(200, "GET", cs.shop+"/orders/"+o2["id"].(string), nil).Map(t)["status"] == "paid"
	})
	if stock() != 3 {
		t.Fatalf("stock after the reconciled order = %v, want 3", stock())
	}

	// The shopper cancels an unpaid order: closed at WeChat Pay, stock back.
	e.App.Payments.NotifyBase = e.Server.URL
	o3, prepay3 := checkout("t3")
	shopper.Must(200, "POST", cs.shop+"/orders/"+o3["id"].(string)+"/cancel", nil)
	if stock() != 3 {
		t.Fatalf("stock after cancel = %v, want 3", stock())
	}
	if err := e.Fake.Pay.Succeed(prepay3); err == nil {
		t.Fatal("a cancelled order can still be paid")
	}
}
