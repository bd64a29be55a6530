package api_test

import (
	"fmt"
	"net/url"
	"sort"
	"testing"

	"github.com/shoplet/shoplet/tenant/apptest"
)

func TestCatalog(t *testing.T) {
	e := apptest.New(t)
	owner := e.SignUp("owner@cat.example")
	sid := owner.CreateStore("catalog", "mainland", "apparel", "beauty")
	base := "/api/v1/stores/" + sid

	// Category tree, 3 levels at most, sibling names unique.
	root := owner.Must(201, "POST", base+"/categories", map[string]any{"name": "Women"}).Map(t)["id"].(string)
	mid := owner.Must(201, "POST", base+"/categories", map[string]any{"name": "Tops", "parent_id": root}).Map(t)["id"].(string)
	leaf := owner.Must(201, "POST", base+"/categories", map[string]any{"name": "T-shirts", "parent_id": mid}).Map(t)["id"].(string)
	if r := owner.Do("POST", base+"/categories", map[string]any{"name": "Too deep", "parent_id": leaf}); r.Status != 400 {
		t.Fatalf("4th level: %d", r.Status)
	}
	if r := owner.Do("POST", base+"/categories", map[string]any{"name": "Tops", "parent_id": root}); r.Status != 409 {
		t.Fatalf("duplicate sibling: %d", r.Status)
	}
	tree := owner.Must(200, "GET", base+"/categories", nil).Map(t)["items"].([]any)
	if len(tree) != 1 || len(tree[0].(map[string]any)["children"].([]any)) != 1 {
		t.Fatalf("tree: %v", tree)
	}
	if r := owner.Do("DELETE", base+"/categories/"+mid, nil); r.Status != 409 {
		t.Fatalf("delete with children: %d", r.Status)
	}

	// 25 products with varied prices; page through every sort order.
	var made []string
	for i := 0; i < 25; i++ {
		bc := "apparel"
		if i%5 == 0 {
			bc = "beauty"
		}
		p := owner.Must(201, "POST", base+"/products", map[string]any{"title": fmt.Sprintf("Item %02d", i), "business_category": bc, "category_id": leaf,
			"skus": []map[string]any{{"spec": map[string]string{}, "price": int64(1000 + (i%7)*100), "stock": int64(i % 3)}}}).Map(t)
		made = append(made, p["id"].(string))
	}
	for _, sortBy := range []string{"newest", "oldest", "price_asc", "price_desc"} {
		seen := map[string]bool{}
		var prices []float64
		cursor := ""
		pages := 0
		for {
			q := url.Values{"sort": {sortBy}, "limit": {"7"}}
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			m := owner.Must(200, "GET", base+"/products?"+q.Encode(), nil).Map(t)
			for _, it := range m["items"].([]any) {
				it := it.(map[string]any)
				if seen[it["id"].(string)] {
					t.Fatalf("%s: %s twice", sortBy, it["id"])
				}
				seen[it["id"].(string)] = true
				prices = append(prices, it["min_price"].(float64))
			}
			pages++
			if cursor = m["next_cursor"].(string); cursor == "" {
				break
			}
		}
		if len(seen) != 25 || pages != 4 {
			t.Fatalf("%s: %d products in %d pages", sortBy, len(seen), pages)
		}
		if sortBy == "price_asc" && !sort.Float64sAreSorted(prices) {
			t.Fatalf("price_asc not sorted: %v", prices)
		}
		if sortBy == "price_desc" && !sort.SliceIsSorted(prices, func(i, j int) bool { return prices[i] > prices[j] }) {
			t.Fatalf("price_desc not sorted: %v", prices)
		}
	}
	count := func(q string) int {
		return len(owner.Must(200, "GET", base+"/products?limit=100&"+q, nil).Map(t)["items"].([]any))
	}
	if n := count("q=item%200"); n != 10 {
		t.Fatalf("keyword: %d", n)
	}
	if n := count("business_category=beauty"); n != 5 {
		t.Fatalf("business category: %d", n)
	}
	if n := count("in_stock=false"); n != 9 {
		t.Fatalf("sold out: %d", n)
	}
	if n := count("min_price=1500&max_price=1600"); n != 6 {
		t.Fatalf("price range: %d", n)
	}
	if n := count("q=%25"); n != 0 {
		t.Fatalf("a %% in the keyword matched %d", n)
	}

	// Bulk on-shelf reports per product; unknown ids are reported, not fatal.
	res := owner.Must(200, "POST", base+"/products/bulk-status", map[string]any{"ids": append(made[:3:3], "01a20000-0000-7000-8000-00000000dead"), "status": "on_shelf"}).Map(t)["results"].([]any)
	if res[0].(map[string]any)["ok"] != true || res[3].(map[string]any)["ok"] != false || res[3].(map[string]any)["code"] != "not_found" {
		t.Fatalf("bulk results: %v", res)
	}
	if n := count("status=on_shelf"); n != 3 {
		t.Fatalf("on shelf: %d", n)
	}

	// The last unit: stock written as 0 stays 0 (GORM skips zero values in Updates(struct)).
	p := owner.Must(201, "POST", base+"/products", map[string]any{"title": "Last one", "business_category": "apparel",
		"specs": []map[string]any{{"name": "size", "values": []string{"S", "M"}}},
		"skus":  []map[string]any{{"spec": map[string]string{"size": "S"}, "price": 500, "stock": 1}, {"spec": map[string]string{"size": "M"}, "price": 600, "stock": 4}}}).Map(t)
	pid := p["id"].(string)
	skuS := p["skus"].([]any)[0].(map[string]any)["id"].(string)
	owner.Must(200, "PATCH", base+"/skus/"+skuS, map[string]any{"stock": 0, "price": 0})
	got := owner.Must(200, "GET", base+"/products/"+pid, nil).Map(t)
	s0 := got["skus"].([]any)[0].(map[string]any)
	if s0["stock"].(float64) != 0 || s0["price"].(float64) != 0 || got["total_stock"].(float64) != 4 || got["min_price"].(float64) != 0 {
		t.Fatalf("zero not written: %v", got)
	}
	// Replacing the matrix keeps SKU ids of surviving combinations and writes zeros.
	upd := owner.Must(200, "PUT", base+"/products/"+pid, map[string]any{"title": "Last one", "business_category": "apparel",
		"specs": []map[string]any{{"name": "size", "values": []string{"S", "L"}}},
		"skus":  []map[string]any{{"spec": map[string]string{"size": "S"}, "price": 700, "stock": 0}, {"spec": map[string]string{"size": "L"}, "price": 800, "stock": 0}}}).Map(t)
	skus := upd["skus"].([]any)
	if skus[0].(map[string]any)["id"] != skuS || len(skus) != 2 || upd["total_stock"].(float64) != 0 {
		t.Fatalf("matrix replace: %v", upd)
	}
	got = owner.Must(200, "GET", base+"/products/"+pid, nil).Map(t)
	if len(got["skus"].([]any)) != 2 || got["total_stock"].(float64) != 0 {
		t.Fatalf("after replace: %v", got)
	}
	owner.Must(204, "DELETE", base+"/products/"+pid, nil)
	if r := owner.Do("GET", base+"/products/"+pid, nil); r.Status != 404 {
		t.Fatalf("deleted product: %d", r.Status)
	}
	if r := owner.Do("GET", base+"/products/not-a-uuid", nil); r.Status != 404 {
		t.Fatalf("malformed id: %d", r.Status)
	}
}
