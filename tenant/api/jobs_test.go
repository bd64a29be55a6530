package api_test

import (
	"context"
	"testing"

	"github.com/shoplet/shoplet/tenant/app"
	"github.com/shoplet/shoplet/tenant/apptest"
)

// TestCloseJobSurvivesAnInterruption: the close job dies after WeChat Pay
// closed the order but before it heard back (the fake cuts the connection).
// Run again, as asynq retries it, the result equals one clean run: the order
// closed once, its stock returned once.
func TestCloseJobSurvivesAnInterruption(t *testing.T) {
	e := apptest.New(t, apptest.Options{NoWorker: true})
	cs := newCommerceStore(t, e, "interrupted", "mainland")
	shopper := e.Shopper(cs.conn.StoreID, "patient")
	addr := addAddress(t, shopper, cs.shop)
	o := shopper.Must(201, "POST", cs.shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": cs.skuA, "quantity": 2}},
		"address_id": addr, "idempotency_key": "i1"}).Map(t)["order"].(map[string]any)
	oid := o["id"].(string)
	stock := func() float64 {
		p := cs.owner.Must(200, "GET", cs.base+"/products/"+cs.prod, nil).Map(t)
		return p["skus"].([]any)[0].(map[string]any)["stock"].(float64)
	}
	if stock() != 3 {
		t.Fatalf("stock after checkout = %v", stock())
	}
	e.Fake.Pay.DropNextClose()
	task := map[string]string{"order_id": oid}
	if err := e.App.Mux.Run(context.Background(), app.TypeOrderClose, cs.conn.StoreID, task); err == nil {
		t.Fatal("the interrupted run reported success")
	}
	if st := shopper.Must(200, "GET", cs.shop+"/orders/"+oid, nil).Map(t)["status"]; st != "pending_payment" || stock() != 3 {
		t.Fatalf("after the interruption: status %v, stock %v", st, stock())
	}
	for i := 0; i < 2; i++ { // the retry, and a duplicate delivery of the same task
		if err := e.App.Mux.Run(context.Background(), app.TypeOrderClose, cs.conn.StoreID, task); err != nil {
			t.Fatalf("retry %d: %v", i, err)
		}
	}
	got := shopper.Must(200, "GET", cs.shop+"/orders/"+oid, nil).Map(t)
	closes := 0
	for _, ev := range got["events"].([]any) {
		if ev.(map[string]any)["to"] == "closed" {
			closes++
		}
	}
	if got["status"] != "closed" || closes != 1 || stock() != 5 {
		t.Fatalf("after the retries: status %v, %d close events, stock %v; want closed, 1, 5", got["status"], closes, stock())
	}
}
