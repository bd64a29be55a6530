package api_test

import (
	"testing"

	"github.com/shoplet/shoplet/tenant/apptest"
)

// TestBrandJourney walks a brand from sign-up to an on-shelf product.
func TestBrandJourney(t *testing.T) {
	e := apptest.New(t)
	owner := e.SignUp("owner@brand-a.example")
	sid := owner.CreateStore("brand-a", "mainland", "apparel", "beauty")
	base := "/api/v1/stores/" + sid

	r := owner.Must(200, "GET", base, nil)
	st := r.Map(t)
	if st["role"] != "owner" {
		t.Fatalf("role = %v", st["role"])
	}
	cat := owner.Must(201, "POST", base+"/categories", map[string]any{"name": "Tops"}).Map(t)
	img := owner.Upload(base+"/images", nil, "tee.png", pngBytes())
	if img.Status != 201 {
		t.Fatalf("upload: %d %s", img.Status, img.Body)
	}
	imgID := img.Map(t)["id"].(string)
	p := owner.Must(201, "POST", base+"/products", map[string]any{
		"title": "Logo T-shirt", "business_category": "apparel", "category_id": cat["id"], "images": []string{imgID},
		"specs": []map[string]any{{"name": "colour", "values": []string{"red", "blue"}}, {"name": "size", "values": []string{"S", "M"}}},
		"skus": []map[string]any{
			{"spec": map[string]string{"colour": "red", "size": "S"}, "price": 9900, "market_price": 12900, "stock": 5, "barcode": "690000000001"},
			{"spec": map[string]string{"colour": "red", "size": "M"}, "price": 9900, "stock": 0},
			{"spec": map[string]string{"colour": "blue", "size": "S"}, "price": 10900, "stock": 2},
			{"spec": map[string]string{"colour": "blue", "size": "M"}, "price": 10900, "stock": 1},
		},
	}).Map(t)
	if p["status"] != "draft" || p["min_price"].(float64) != 9900 || p["max_price"].(float64) != 10900 || p["total_stock"].(float64) != 8 {
		t.Fatalf("product summary wrong: %v", p)
	}
	pid := p["id"].(string)
	owner.Must(200, "PUT", base+"/products/"+pid+"/status", map[string]string{"status": "on_shelf"})
	list := owner.Must(200, "GET", base+"/products?status=on_shelf&q=logo", nil).Map(t)
	if items := list["items"].([]any); len(items) != 1 || items[0].(map[string]any)["cover"] != imgID {
		t.Fatalf("list = %v", list)
	}
	owner.Must(200, "GET", base+"/files/"+imgID, nil)
	audit := owner.Must(200, "GET", base+"/audit-logs", nil).Map(t)
	if n := len(audit["items"].([]any)); n < 4 {
		t.Fatalf("audit entries = %d, want >= 4", n)
	}
}

// pngBytes is a 1×1 PNG.
func pngBytes() []byte {
	return []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
}
