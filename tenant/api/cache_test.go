package api_test

import (
	"testing"
	"time"

	"github.com/shoplet/shoplet/tenant/apptest"
)

// TestListCacheSeesWrites: cached lists show a committed change at the next
// request on every instance, and one store's cached list never answers another's.
func TestListCacheSeesWrites(t *testing.T) {
	e1 := apptest.New(t)
	e2 := apptest.New(t, apptest.Options{Shared: e1})
	owner := e1.SignUp("owner@cache.example")
	sid := owner.CreateStore("cache", "mainland", "apparel")
	other := e1.SignUp("other@cache.example")
	otherID := other.CreateStore("cache-other", "mainland", "apparel")
	on2 := &apptest.Client{E: e2, Token: owner.Token}
	base := "/api/v1/stores/" + sid
	p := owner.Must(201, "POST", base+"/products", sampleProduct("", "")).Map(t)
	sku := p["skus"].([]any)[0].(map[string]any)["id"].(string)
	first := func(c *apptest.Client, path string) map[string]any {
		items := c.Must(200, "GET", path, nil).Map(t)["items"].([]any)
		if len(items) == 0 {
			return nil
		}
		return items[0].(map[string]any)
	}
	for i := 0; i < 2; i++ { // fill both instances' caches
		first(owner, base+"/products")
		first(on2, base+"/products")
	}
	if first(other, "/api/v1/stores/"+otherID+"/products") != nil {
		t.Fatal("another store's list shows this store's product")
	}
	owner.Must(200, "PATCH", base+"/skus/"+sku, map[string]any{"price": 100})
	for i, c := range []*apptest.Client{owner, on2} {
		if got := first(c, base+"/products")["min_price"].(float64); got != 100 {
			t.Errorf("instance %d shows min_price %v after the change", i+1, got)
		}
	}
	owner.Must(201, "POST", base+"/categories", map[string]any{"name": "New"})
	if n := len(on2.Must(200, "GET", base+"/categories", nil).Map(t)["items"].([]any)); n != 1 {
		t.Fatalf("category list on instance 2 has %d items after a create", n)
	}
	// The role check still runs on a cached list.
	intruder := e1.SignUp("intruder@cache.example")
	if r := intruder.Do("GET", base+"/products", nil); r.Status != 404 {
		t.Fatalf("cached list served to a stranger: %d", r.Status)
	}
}

// TestShopSeesChangesWithinASecond: public shop reads may be served from
// cache, but a price change or an off-shelf reaches shoppers within a second.
func TestShopSeesChangesWithinASecond(t *testing.T) {
	e := apptest.New(t)
	cs := newCommerceStore(t, e, "fresh", "mainland")
	anon := e.Anon()
	price := func() float64 {
		items := anon.Must(200, "GET", cs.shop+"/products", nil).Map(t)["items"].([]any)
		if len(items) == 0 {
			return -1
		}
		return items[0].(map[string]any)["min_price"].(float64)
	}
	price()
	price() // served from cache now
	cs.owner.Must(200, "PATCH", cs.base+"/skus/"+cs.skuA, map[string]any{"price": 100})
	start := time.Now()
	for price() != 100 {
		if time.Since(start) > time.Second {
			t.Fatal("a price change took more than a second to reach the shop")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cs.owner.Must(200, "PUT", cs.base+"/products/"+cs.prod+"/status", map[string]string{"status": "off_shelf"})
	start = time.Now()
	for price() != -1 {
		if time.Since(start) > time.Second {
			t.Fatal("an off-shelf product was still listed after a second")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := anon.Do("GET", cs.shop+"/products/"+cs.prod, nil); r.Status != 404 {
		t.Fatalf("off-shelf product detail: %d", r.Status)
	}
}
