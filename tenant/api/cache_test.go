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

// TestShopProductDetailAnswersTheIDAskedFor: the shop's product page is cached
// per product, not per route. Three on-shelf products and a draft in one
// store, one product in another: each id answers with its own product (twice,
// so the second read comes from the cache), the draft and the other store's
// product are 404, and the console's product page follows the same rule.
func TestShopProductDetailAnswersTheIDAskedFor(t *testing.T) {
	e := apptest.New(t)
	owner := e.SignUp("owner@detail.example")
	sid := owner.CreateStore("detail", "mainland", "apparel")
	otherOwner := e.SignUp("owner@detail-other.example")
	otherID := otherOwner.CreateStore("detail-other", "mainland", "apparel")
	create := func(c *apptest.Client, store, title string, shelf bool) string {
		p := c.Must(201, "POST", "/api/v1/stores/"+store+"/products", map[string]any{"title": title, "business_category": "apparel",
			"skus": []map[string]any{{"spec": map[string]string{}, "price": 100, "stock": 1}}}).Map(t)
		id := p["id"].(string)
		if shelf {
			c.Must(200, "PUT", "/api/v1/stores/"+store+"/products/"+id+"/status", map[string]string{"status": "on_shelf"})
		}
		return id
	}
	titles := map[string]string{}
	for _, title := range []string{"Linen shirt", "Wool scarf", "Silk tie"} {
		titles[create(owner, sid, title, true)] = title
	}
	draft := create(owner, sid, "Draft coat", false)
	foreign := create(otherOwner, otherID, "Other brand's shirt", true)

	shop := "/api/shop/v1/stores/" + sid + "/products/"
	for round := 0; round < 2; round++ {
		for id, title := range titles {
			got := e.Anon().Must(200, "GET", shop+id, nil).Map(t)
			if got["id"] != id || got["title"] != title {
				t.Errorf("round %d: GET %s answered %v %q, want %s %q", round, id, got["id"], got["title"], id, title)
			}
			got = owner.Must(200, "GET", "/api/v1/stores/"+sid+"/products/"+id, nil).Map(t)
			if got["id"] != id || got["title"] != title {
				t.Errorf("round %d: console GET %s answered %v %q", round, id, got["id"], got["title"])
			}
		}
		if r := e.Anon().Do("GET", shop+draft, nil); r.Status != 404 {
			t.Errorf("round %d: a draft answered %d: %s", round, r.Status, r.Body)
		}
		if r := e.Anon().Do("GET", shop+foreign, nil); r.Status != 404 {
			t.Errorf("round %d: another store's product answered %d: %s", round, r.Status, r.Body)
		}
	}
	got := e.Anon().Must(200, "GET", "/api/shop/v1/stores/"+otherID+"/products/"+foreign, nil).Map(t)
	if got["id"] != foreign || got["title"] != "Other brand's shirt" {
		t.Errorf("the other store's product answered %v %q", got["id"], got["title"])
	}
}
