package api_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoplet/shoplet/tenant/apptest"
)

// shoppersWithAddress signs n shoppers in, each with an address.
func shoppersWithAddress(b *testing.B, e *apptest.Env, cs commerceStore, n int) ([]*apptest.Client, []string) {
	shoppers := make([]*apptest.Client, n)
	addrs := make([]string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range shoppers {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			shoppers[i] = e.Shopper(cs.conn.StoreID, fmt.Sprintf("crowd%d", i))
			addrs[i] = shoppers[i].Must(201, "POST", cs.shop+"/addresses", sampleAddress()).Map(b)["id"].(string)
		}(i)
	}
	wg.Wait()
	return shoppers, addrs
}

// BenchmarkFlashCrowd: 10,000 buyers, 64 at a time, on a SKU with stock 100.
// Reports attempts per second; fails unless exactly 100 orders were taken,
// stock ends at 0 and every other answer is sold_out.
//
//	SHOPLET_TEST_DB=postgres ... go test ./tenant/api -run '^$' -bench FlashCrowd -benchtime 1x
func BenchmarkFlashCrowd(b *testing.B) {
	e := apptest.New(b)
	cs := newCommerceStore(b, e, "flash", "mainland")
	cs.owner.Must(200, "PATCH", cs.base+"/skus/"+cs.skuA, map[string]any{"stock": 100})
	const buyers = 10000
	shoppers, addrs := shoppersWithAddress(b, e, cs, buyers)
	b.ResetTimer()
	var next, ok, soldOut, other atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= buyers {
					return
				}
				r := shoppers[i].Do("POST", cs.shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": cs.skuA, "quantity": 1}},
					"address_id": addrs[i], "idempotency_key": "flash"})
				switch {
				case r.Status == 201:
					ok.Add(1)
				case r.ErrorCode() == "sold_out":
					soldOut.Add(1)
				default:
					other.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	p := cs.owner.Must(200, "GET", cs.base+"/products/"+cs.prod, nil).Map(b)
	stock := p["skus"].([]any)[0].(map[string]any)["stock"].(float64)
	if ok.Load() != 100 || stock != 0 || other.Load() != 0 {
		b.Fatalf("orders %d, stock %v, sold out %d, other errors %d", ok.Load(), stock, soldOut.Load(), other.Load())
	}
	b.ReportMetric(float64(buyers)/elapsed.Seconds(), "attempts/s")
	b.ReportMetric(float64(ok.Load()), "orders")
}

// BenchmarkPaidOrders: orders from checkout through WeChat Pay's signed,
// encrypted notification to "paid", 32 shoppers at a time, against the fake.
//
//	go test ./tenant/api -run '^$' -bench PaidOrders -benchtime 1x
func BenchmarkPaidOrders(b *testing.B) {
	e := apptest.New(b)
	cs := newCommerceStore(b, e, "paid-bench", "mainland")
	const n = 2000
	cs.owner.Must(200, "PATCH", cs.base+"/skus/"+cs.skuA, map[string]any{"stock": n})
	shoppers, addrs := shoppersWithAddress(b, e, cs, n)
	b.ResetTimer()
	var next atomic.Int64
	var wg sync.WaitGroup
	orders := make([]string, n)
	start := time.Now()
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				out := shoppers[i].Must(201, "POST", cs.shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": cs.skuA, "quantity": 1}},
					"address_id": addrs[i], "idempotency_key": "p"}).Map(b)
				orders[i] = out["order"].(map[string]any)["id"].(string)
				if err := e.Fake.Pay.Succeed(strings.TrimPrefix(out["payment"].(map[string]any)["package"].(string), "prepay_id=")); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	for {
		paid := len(cs.owner.Must(200, "GET", cs.base+"/orders?status=paid&limit=100", nil).Map(b)["items"].([]any))
		pending := len(cs.owner.Must(200, "GET", cs.base+"/orders?status=pending_payment&limit=1", nil).Map(b)["items"].([]any))
		if pending == 0 && paid > 0 {
			break
		}
		if time.Since(start) > 5*time.Minute {
			b.Fatal("orders not all paid after 5 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(n)/elapsed.Seconds(), "paid-orders/s")
}
