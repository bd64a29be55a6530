package api_test

import (
	"strings"
	"testing"

	"github.com/shoplet/shoplet/tenant/apptest"
)

// TestBadInput: each bad request names its field, uses the one error shape,
// and changes nothing.
func TestBadInput(t *testing.T) {
	e := apptest.New(t)
	owner := e.SignUp("owner@bad.example")
	sid := owner.CreateStore("bad-input", "overseas", "apparel")
	base := "/api/v1/stores/" + sid
	sku := func(price, stock any) map[string]any {
		return map[string]any{"title": "T", "business_category": "apparel", "skus": []map[string]any{{"spec": map[string]string{}, "price": price, "stock": stock}}}
	}
	cases := []struct {
		name, method, path string
		body               any
		status             int
		field, code        string
	}{
		{"malformed JSON", "POST", base + "/products", []byte(`{"title": "T",`), 400, "body", "malformed_json"},
		{"trailing data", "POST", base + "/products", []byte(`{"title":"T"} {}`), 400, "body", "malformed_json"},
		{"wrong type", "POST", base + "/products", []byte(`{"title": 12}`), 400, "title", "wrong_type"},
		{"wrong nested type", "POST", base + "/products", sku("12", 1), 400, "skus[0].price", "wrong_type"},
		{"huge number", "POST", base + "/products", []byte(`{"title":"T","business_category":"apparel","skus":[{"price":1e30,"stock":1}]}`), 400, "skus[0].price", "wrong_type"},
		{"nested unknown field", "POST", base + "/products", []byte(`{"title":"T","business_category":"apparel","skus":[{"price":1,"stock":1,"colour":"red"}]}`), 400, "skus[0].colour", "unknown_field"},
		{"missing required", "POST", base + "/products", []byte(`{"title":"T","business_category":"apparel"}`), 400, "skus", "required"},
		{"missing nested required", "POST", base + "/products", []byte(`{"title":"T","business_category":"apparel","skus":[{"price":1,"stock":1},{"price":0}]}`), 400, "skus[1].stock", "required"},
		{"null item", "POST", base + "/products", []byte(`{"title":"T","business_category":"apparel","skus":[null]}`), 400, "skus[0]", "required"},
		{"null is missing", "POST", base + "/products", []byte(`{"title":null,"business_category":"apparel","skus":[{"price":1,"stock":1}]}`), 400, "title", "required"},
		{"NUL", "POST", base + "/products", []byte(`{"title":"nul\u0000byte","business_category":"apparel","skus":[{"price":1,"stock":1}]}`), 400, "title", "invalid_character"},
		{"NUL in a map", "POST", base + "/products", []byte(`{"title":"T","business_category":"apparel","skus":[{"spec":{"size":"S\u0000"},"price":1,"stock":1}]}`), 400, "skus[0].spec.size", "invalid_character"},
		{"bidi override in a name", "POST", base + "/categories", map[string]any{"name": "gpj.\u202Eexe"}, 400, "name", "invalid_character"},
		{"control character in a store name", "PATCH", base, map[string]any{"name": "a\u0007b"}, 400, "name", "invalid_character"},
		{"over-long id", "POST", base + "/categories", map[string]any{"name": "C", "parent_id": strings.Repeat("9", 66<<10)}, 400, "parent_id", "too_long"},
		{"parent_id not an id", "POST", base + "/categories", map[string]any{"name": "C", "parent_id": "nope"}, 400, "parent_id", "invalid_id"},
		{"bulk id not an id", "POST", base + "/products/bulk-status", map[string]any{"ids": []string{"nope"}, "status": "on_shelf"}, 400, "ids[0]", "invalid_id"},
		{"sub_mch_id outside partner mode", "PUT", base + "/settings/payment", map[string]any{"mode": "global", "sub_mch_id": "1600000001"}, 400, "sub_mch_id", "not_for_mode"},
		{"store PATCH without a field", "PATCH", base, map[string]any{}, 400, "name", "required"},
		{"messages without templates", "PUT", base + "/settings/messages", map[string]any{}, 400, "shipped_template_id", "required"},
		{"oversized body", "POST", base + "/categories", []byte(`{"name":"` + strings.Repeat("x", 1<<20) + `"}`), 413, "body", "too_large"},
		{"unknown field", "POST", base + "/products", []byte(`{"title":"T","colour":"red"}`), 400, "colour", "unknown_field"},
		{"empty body", "POST", base + "/products", []byte(``), 400, "body", "required"},
		{"over-long title", "POST", base + "/products", map[string]any{"title": strings.Repeat("长", 101), "business_category": "apparel",
			"skus": []map[string]any{{"spec": map[string]string{}, "price": 1, "stock": 1}}}, 400, "title", "too_long"},
		{"negative price", "POST", base + "/products", sku(-1, 1), 400, "skus[0].price", "out_of_range"},
		{"negative stock", "POST", base + "/products", sku(1, -5), 400, "skus[0].stock", "out_of_range"},
		{"undeclared business category", "POST", base + "/products", map[string]any{"title": "T", "business_category": "toys",
			"skus": []map[string]any{{"spec": map[string]string{}, "price": 1, "stock": 1}}}, 400, "business_category", "not_declared"},
		{"incomplete SKU matrix", "POST", base + "/products", map[string]any{"title": "T", "business_category": "apparel",
			"specs": []map[string]any{{"name": "size", "values": []string{"S", "M"}}},
			"skus":  []map[string]any{{"spec": map[string]string{"size": "S"}, "price": 1, "stock": 1}}}, 400, "skus", "incomplete_matrix"},
		{"unknown spec value", "POST", base + "/products", map[string]any{"title": "T", "business_category": "apparel",
			"specs": []map[string]any{{"name": "size", "values": []string{"S"}}},
			"skus":  []map[string]any{{"spec": map[string]string{"size": "XL"}, "price": 1, "stock": 1}}}, 400, "skus[0].spec.size", "invalid_choice"},
		{"image of nobody", "POST", base + "/products", map[string]any{"title": "T", "business_category": "apparel", "images": []string{"01a20000-0000-7000-8000-000000000009"},
			"skus": []map[string]any{{"spec": map[string]string{}, "price": 1, "stock": 1}}}, 400, "images", "not_found"},
		{"negative stock patch", "PATCH", base + "/skus/01a20000-0000-7000-8000-000000000009", map[string]any{"stock": -1}, 400, "stock", "out_of_range"},
		{"unknown category", "POST", "/api/v1/stores", map[string]any{"name": "X", "slug": "xx-store", "entity_type": "mainland", "categories": []string{"weapons"}}, 400, "categories[0]", "unknown_category"},
		{"overseas medicine", "POST", "/api/v1/stores", map[string]any{"name": "X", "slug": "xx-store", "entity_type": "overseas", "categories": []string{"otc_medicine"}}, 400, "categories[0]", "category_not_allowed"},
		{"bad entity", "POST", "/api/v1/stores", map[string]any{"name": "X", "slug": "xx-store", "entity_type": "moon", "categories": []string{"toys"}}, 400, "entity_type", "invalid_choice"},
		{"bad slug", "POST", "/api/v1/stores", map[string]any{"name": "X", "slug": "Bad Slug!", "entity_type": "mainland", "categories": []string{"toys"}}, 400, "slug", "invalid_slug"},
		{"duplicate slug", "POST", "/api/v1/stores", map[string]any{"name": "X", "slug": "bad-input", "entity_type": "mainland", "categories": []string{"toys"}}, 409, "slug", "taken"},
		{"bad email", "POST", "/api/v1/auth/signup", map[string]any{"email": "not-an-email", "password": "long-enough-pw"}, 400, "email", "invalid_email"},
		{"short password", "POST", "/api/v1/auth/signup", map[string]any{"email": "x@y.example", "password": "short"}, 400, "password", "too_short"},
		{"bad limit", "GET", base + "/products?limit=500", nil, 400, "limit", "out_of_range"},
		{"bad sort", "GET", base + "/products?sort=random", nil, 400, "sort", "invalid_choice"},
		{"bad cursor", "GET", base + "/products?cursor=bm90LWpzb24", nil, 400, "cursor", "invalid"},
		{"NUL in a query parameter", "GET", base + "/products?q=a%00b", nil, 400, "q", "invalid_character"},
		{"NUL in a refund filter", "GET", base + "/refunds?status=a%00b", nil, 400, "status", "invalid_character"},
		{"NUL in a path parameter", "GET", base + "/products/a%00b", nil, 400, "product", "invalid_character"},
		{"non-integer price filter", "GET", base + "/products?min_price=abc", nil, 400, "min_price", "wrong_type"},
	}
	before := snapshot(t, e, sid)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := owner.Do(c.method, c.path, c.body)
			if r.Status != c.status {
				t.Fatalf("status %d, want %d: %s", r.Status, c.status, r.Body)
			}
			m := r.Map(t)["error"].(map[string]any)
			if m["request_id"] == "" || m["kind"] == "" || m["message"] == "" {
				t.Fatalf("error shape: %s", r.Body)
			}
			if got := r.FieldErrors()[c.field]; got != c.code {
				t.Fatalf("field %s: code %q, want %q: %s", c.field, got, c.code, r.Body)
			}
		})
	}
	if after := snapshot(t, e, sid); after != before {
		t.Fatal("a rejected request changed the store")
	}
	// No store was created by the rejected sign-ups and store creations.
	me := owner.Must(200, "GET", "/api/v1/me", nil).Map(t)
	if n := len(me["stores"].([]any)); n != 1 {
		t.Fatalf("owner has %d stores, want 1", n)
	}
	if r := e.Anon().Do("POST", "/api/v1/auth/login", map[string]string{"email": "x@y.example", "password": "short"}); r.Status != 401 {
		t.Fatalf("a rejected sign-up created an account: %d", r.Status)
	}
}
