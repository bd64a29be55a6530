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

// crowd runs n attempts, 64 at a time: attempt(i) for i in [0, n).
func crowd(n int, attempt func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				attempt(i)
			}
		}()
	}
	wg.Wait()
}

// BenchmarkFlashCrowd: 10,000 buyers, 64 at a time, on a SKU with stock 100.
// Reports attempts per second and when the last order's answer came; fails
// unless exactly 100 orders were taken, stock ends at 0 and every other
// answer is sold_out.
//
// "trading" is a store that has taken orders before the sale opens: 256
// ordinary checkouts of another SKU run first (untimed), as in a shop that is
// open for business. "cold" is the sale as the first checkouts a freshly
// started server ever handles: its database connections then prepare every
// statement and load the catalog caches of the order tables during the sale.
//
//	SHOPLET_TEST_DB=postgres ... go test ./tenant/api -run '^$' -bench FlashCrowd -benchtime 1x
func BenchmarkFlashCrowd(b *testing.B) {
	for _, trading := range []bool{true, false} {
		name := "cold"
		if trading {
			name = "trading"
		}
		b.Run(name, func(b *testing.B) { flashCrowd(b, trading) })
	}
}

func flashCrowd(b *testing.B, trading bool) {
	e := apptest.New(b)
	cs := newCommerceStore(b, e, "flash", "mainland")
	cs.owner.Must(200, "PATCH", cs.base+"/skus/"+cs.skuA, map[string]any{"stock": 100})
	const buyers = 10000
	shoppers, addrs := shoppersWithAddress(b, e, cs, buyers)
	if trading {
		cs.owner.Must(200, "PATCH", cs.base+"/skus/"+cs.skuB, map[string]any{"stock": 1000})
		crowd(256, func(i int) {
			shoppers[buyers-1-i].Must(201, "POST", cs.shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": cs.skuB, "quantity": 1}},
				"address_id": addrs[buyers-1-i], "idempotency_key": "earlier"})
		})
	}
	b.ResetTimer()
	var ok, soldOut, other, lastOrder atomic.Int64
	start := time.Now()
	crowd(buyers, func(i int) {
		r := shoppers[i].Do("POST", cs.shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": cs.skuA, "quantity": 1}},
			"address_id": addrs[i], "idempotency_key": "flash"})
		switch {
		case r.Status == 201:
			if ok.Add(1) == 100 {
				lastOrder.Store(int64(time.Since(start)))
			}
		case r.ErrorCode() == "sold_out":
			soldOut.Add(1)
		default:
			other.Add(1)
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	p := cs.owner.Must(200, "GET", cs.base+"/products/"+cs.prod, nil).Map(b)
	stock := p["skus"].([]any)[0].(map[string]any)["stock"].(float64)
	if ok.Load() != 100 || stock != 0 || other.Load() != 0 {
		b.Fatalf("orders %d, stock %v, sold out %d, other errors %d", ok.Load(), stock, soldOut.Load(), other.Load())
	}
	b.ReportMetric(float64(buyers)/elapsed.Seconds(), "attempts/s")
	b.ReportMetric(float64(ok.Load()), "orders")
	b.ReportMetric(time.Duration(lastOrder.Load()).Seconds(), "s-to-last-order")
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

// BenchmarkMarketingCheckout: checkouts of a product with a limited-time
// discount, a full reduction and a coupon, beside checkouts of a product no
// promotion covers, by the same shoppers (each holds the coupon in both), 32
// at a time, in alternating rounds so both see the same machine. Reports both
// rates and the promoted one as a share of the plain one; fails unless every
// promoted order is charged the discounted total and uses its coupon.
//
//	SHOPLET_TEST_DB=postgres ... go test ./tenant/api -run '^$' -bench MarketingCheckout -benchtime 1x
func BenchmarkMarketingCheckout(b *testing.B) {
	e := apptest.New(b)
	cs := newCommerceStore(b, e, "promo-bench", "mainland")
	const n, rounds = 400, 2
	cs.owner.Must(200, "PATCH", cs.base+"/skus/"+cs.skuA, map[string]any{"stock": 100000})
	p := cs.owner.Must(201, "POST", cs.base+"/products", map[string]any{"title": "Promoted shirt", "business_category": "apparel",
		"skus": []map[string]any{{"price": 10000, "stock": 100000}}}).Map(b)
	prod, sku := p["id"].(string), p["skus"].([]any)[0].(map[string]any)["id"].(string)
	cs.owner.Must(200, "PUT", cs.base+"/products/"+prod+"/status", map[string]string{"status": "on_shelf"})
	now := time.Now()
	window := func(m map[string]any) map[string]any {
		m["starts_at"], m["ends_at"] = rfc(now.Add(-time.Hour)), rfc(now.Add(time.Hour))
		return m
	}
	only := map[string]any{"kind": "products", "ids": []string{prod}}
	cs.owner.Must(201, "POST", cs.base+"/promotions", window(map[string]any{"name": "10% off", "kind": "limited_discount",
		"deals": map[string]any{sku: map[string]any{"percent_off": 10}}}))
	cs.owner.Must(201, "POST", cs.base+"/promotions", window(map[string]any{"name": "80 save 10", "kind": "full_reduction", "scope": only,
		"tiers": []map[string]any{{"threshold": 8000, "off": 1000}}}))
	coupon := cs.owner.Must(201, "POST", cs.base+"/coupons", channelCoupon(500, n*rounds, rounds, map[string]any{"scope": only})).Map(b)["id"].(string)
	shoppers, addrs := shoppersWithAddress(b, e, cs, n)
	held := make([][]string, n) // a coupon is used once: one per shopper and round
	crowd(n, func(i int) {
		for r := 0; r < rounds; r++ {
			held[i] = append(held[i], shoppers[i].Must(201, "POST", cs.shop+"/coupons/"+coupon+"/claim", nil).Map(b)["id"].(string))
		}
	})
	checkout := func(round int, promoted bool) time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		var next atomic.Int64
		for w := 0; w < 32; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
					body := map[string]any{"items": []map[string]any{{"sku_id": cs.skuA, "quantity": 1}}, "address_id": addrs[i],
						"idempotency_key": fmt.Sprintf("plain-%d", round)}
					if promoted {
						body = map[string]any{"items": []map[string]any{{"sku_id": sku, "quantity": 1}}, "address_id": addrs[i],
							"idempotency_key": fmt.Sprintf("promo-%d", round), "coupon_id": held[i][round]}
					}
					o := shoppers[i].Must(201, "POST", cs.shop+"/checkout", body).Map(b)["order"].(map[string]any)
					// 10000 − 10% = 9000 ≥ 8000 → −1000; coupon −500.
					if promoted && (o["discount_total"].(float64) != 2500 || o["coupon_id"] != held[i][round]) {
						b.Errorf("promoted order: %v", o)
					}
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	b.ResetTimer()
	var plain, promo time.Duration
	for r := 0; r < rounds; r++ {
		plain += checkout(r, false)
		promo += checkout(r, true)
	}
	b.StopTimer()
	plainRate, promoRate := float64(n*rounds)/plain.Seconds(), float64(n*rounds)/promo.Seconds()
	b.ReportMetric(plainRate, "plain-checkouts/s")
	b.ReportMetric(promoRate, "promoted-checkouts/s")
	b.ReportMetric(promoRate/plainRate*100, "%-of-plain")
}
