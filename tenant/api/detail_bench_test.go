package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/apptest"
	"github.com/shoplet/shoplet/tenant/catalog"
	"github.com/shoplet/shoplet/tenant/onboard"
)

// BenchmarkShopProductDetail: the shop's product page over 500 distinct
// on-shelf products, 64 keep-alive connections, each request for a product
// picked in turn, and every response checked: status 200 and the id and
// title of the product asked for (a wrong answer fails the benchmark). In the
// same run, "bare-gin" serves the same 500 bodies from a bare gin handler
// (a map lookup by the path's id) through the same client: the ceiling.
// Reports requests/s and p50/p99 latency for each.
//
//	SHOPLET_TEST_DB=postgres ... go test ./tenant/api -run '^$' -bench ShopProductDetail -benchtime 100000x
func BenchmarkShopProductDetail(b *testing.B) {
	e := apptest.New(b, apptest.Options{NoWorker: true})
	owner := e.SignUp("owner@detail-bench.example")
	sid := owner.CreateStore("detail-bench", "mainland", "apparel")
	ctx := tenant.WithTenant(tenant.WithActor(context.Background(), tenant.Actor{AccountID: owner.ID}), sid)
	const n = 500
	ids := make([]string, n)
	titles := map[string]string{}
	for i := range ids {
		p, err := e.App.Catalog.Create(ctx, catalog.ProductInput{Title: fmt.Sprintf("Product %03d", i), Subtitle: "Cotton, regular fit",
			BusinessCategory: onboard.CatApparel, Specs: []catalog.Spec{{Name: "size", Values: []string{"S", "M", "L"}}},
			SKUs: []catalog.SKUInput{{Spec: map[string]string{"size": "S"}, Price: int64(9900 + i), Stock: 10},
				{Spec: map[string]string{"size": "M"}, Price: int64(9900 + i), Stock: 10}, {Spec: map[string]string{"size": "L"}, Price: int64(10900 + i), Stock: 0}}})
		if err != nil {
			b.Fatal(err)
		}
		ids[i], titles[p.ID] = p.ID, p.Title
	}
	for i := 0; i < n; i += catalog.MaxBulk {
		if _, err := e.App.Catalog.BulkStatus(ctx, ids[i:min(i+catalog.MaxBulk, n)], catalog.OnShelf); err != nil {
			b.Fatal(err)
		}
	}
	// The bare handler serves the same bodies the shop serves.
	shop := e.Server.URL + "/api/shop/v1/stores/" + sid + "/products/"
	bodies := map[string][]byte{}
	for _, id := range ids {
		bodies[id] = e.Anon().Must(200, "GET", "/api/shop/v1/stores/"+sid+"/products/"+id, nil).Body
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/p/:id", func(c *gin.Context) {
		body, ok := bodies[c.Param("id")]
		if !ok {
			c.Status(http.StatusNotFound)
			return
		}
		c.Data(http.StatusOK, "application/json; charset=utf-8", body)
	})
	bare := httptest.NewServer(r)
	defer bare.Close()

	for _, target := range []struct{ name, base string }{{"shoplet", shop}, {"bare-gin", bare.URL + "/p/"}} {
		b.Run(target.name, func(b *testing.B) {
			lat, wrong := load(b, 64, b.N, func(i int) string { return ids[i%n] }, target.base, titles)
			if wrong != "" {
				b.Fatal(wrong)
			}
			report(b, lat)
		})
	}
}

// load sends total GETs of base+id(i) over conns keep-alive connections and
// checks each answer: 200 with the id and title asked for. It returns the
// latencies and the first wrong answer, if any.
func load(b *testing.B, conns, total int, id func(i int) string, base string, titles map[string]string) ([]time.Duration, string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, IdleConnTimeout: time.Minute}}
	var next atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	wrong := atomic.Pointer[string]{}
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, total/conns+1)
			buf := bytes.Buffer{}
			for i := int(next.Add(1)) - 1; i < total; i = int(next.Add(1)) - 1 {
				want := id(i)
				t0 := time.Now()
				res, err := client.Get(base + want)
				if err != nil {
					msg := err.Error()
					wrong.CompareAndSwap(nil, &msg)
					return
				}
				buf.Reset()
				_, err = io.Copy(&buf, res.Body)
				res.Body.Close()
				lat = append(lat, time.Since(t0))
				body := buf.Bytes()
				if err != nil || res.StatusCode != 200 || !bytes.Contains(body, []byte(`"id":"`+want+`"`)) ||
					!bytes.Contains(body, []byte(`"title":"`+titles[want]+`"`)) {
					msg := fmt.Sprintf("GET %s%s: %d, not the product asked for: %.200s", base, want, res.StatusCode, body)
					wrong.CompareAndSwap(nil, &msg)
					return
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	b.StopTimer()
	if p := wrong.Load(); p != nil {
		return all, *p
	}
	return all, ""
}

func report(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
