package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/apptest"
)

// world is two stores with one of everything in A, an agency that still has
// a grant on A, and one whose grant was revoked.
type world struct {
	e                *apptest.Env
	ownerA, ownerB   *apptest.Client
	staffA           *apptest.Client // catalog manager of A
	agencyUser       *apptest.Client // member of agency X (granted admin on A)
	revokedUser      *apptest.Client // member of agency R (grant on A revoked)
	A, B             string
	objs             map[string]string // path param -> one of A's objects
	agencyX, agencyR string
	shopperA         *apptest.Client // member of A with an address and a paid order
	shopperB         *apptest.Client // member of B
	connA            apptest.Connected
}

func newWorld(t *testing.T, e *apptest.Env) *world {
	w := &world{e: e, objs: map[string]string{}}
	w.ownerA = e.SignUp("owner@a.example")
	w.ownerB = e.SignUp("owner@b.example")
	w.A = w.ownerA.CreateStore("store-a", "overseas", "apparel", "food")
	w.B = w.ownerB.CreateStore("store-b", "mainland", "apparel")
	a := "/api/v1/stores/" + w.A

	// staff via invitation
	w.ownerA.Must(201, "POST", a+"/invitations", map[string]string{"email": "staff@a.example", "role": "catalog_manager"})
	w.staffA = e.SignUp("staff@a.example")
	tok := inviteToken(t, e, "staff@a.example", 1)
	w.staffA.Must(200, "POST", "/api/v1/invitations/accept", map[string]string{"token": tok})
	w.objs["account"] = w.staffA.ID
	inv := w.ownerA.Must(201, "POST", a+"/invitations", map[string]string{"email": "later@a.example", "role": "viewer"}).Map(t)
	w.objs["invitation"] = inv["id"].(string)

	// agencies
	w.agencyUser = e.SignUp("ops@agency-x.example")
	w.agencyX = w.agencyUser.Must(201, "POST", "/api/v1/agencies", map[string]string{"name": "Agency X"}).Map(t)["id"].(string)
	w.ownerA.Must(201, "POST", a+"/agency-grants", map[string]string{"agency_id": w.agencyX, "role": "admin"})
	w.objs["agency"] = w.agencyX
	w.revokedUser = e.SignUp("ops@agency-r.example")
	w.agencyR = w.revokedUser.Must(201, "POST", "/api/v1/agencies", map[string]string{"name": "Agency R"}).Map(t)["id"].(string)
	w.ownerA.Must(201, "POST", a+"/agency-grants", map[string]string{"agency_id": w.agencyR, "role": "admin"})
	w.revokedUser.Must(200, "GET", a, nil)
	w.ownerA.Must(204, "DELETE", a+"/agency-grants/"+w.agencyR, nil)

	// catalog
	cat := w.ownerA.Must(201, "POST", a+"/categories", map[string]any{"name": "Tops"}).Map(t)
	w.objs["category"] = cat["id"].(string)
	img := w.ownerA.Upload(a+"/images", nil, "a.png", pngBytes())
	if img.Status != 201 {
		t.Fatalf("upload: %s", img.Body)
	}
	w.objs["file"] = img.Map(t)["id"].(string)
	p := w.ownerA.Must(201, "POST", a+"/products", sampleProduct(w.objs["category"], w.objs["file"])).Map(t)
	w.objs["product"] = p["id"].(string)
	w.objs["sku"] = p["skus"].([]any)[0].(map[string]any)["id"].(string)
	doc := w.ownerA.Upload(a+"/documents", map[string]string{"category": "food", "doc_type": "trademark_certificate"}, "tm.pdf", pdfBytes())
	if doc.Status != 201 {
		t.Fatalf("document: %s", doc.Body)
	}
	// commerce: a shopper of A with an address, a paid order and a refund request
	w.connA = w.ownerA.ConnectWeChat(w.A)
	w.ownerB.ConnectWeChat(w.B)
	w.ownerA.Must(200, "PUT", a+"/products/"+w.objs["product"]+"/status", map[string]string{"status": "on_shelf"})
	shop := "/api/shop/v1/stores/" + w.A
	w.shopperA = e.Shopper(w.A, "shopper-a")
	w.shopperB = e.Shopper(w.B, "shopper-b")
	w.objs["address"] = w.shopperA.Must(201, "POST", shop+"/addresses", sampleAddress()).Map(t)["id"].(string)
	out := w.shopperA.Must(201, "POST", shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": w.objs["sku"], "quantity": 1}},
		"address_id": w.objs["address"], "idempotency_key": "fixture"}).Map(t)
	w.objs["order"] = out["order"].(map[string]any)["id"].(string)
	prepay := strings.TrimPrefix(out["payment"].(map[string]any)["package"].(string), "prepay_id=")
	if err := e.Fake.Pay.Succeed(prepay); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "fixture order paid", func() bool {
		return w.shopperA.Must(200, "GET", shop+"/orders/"+w.objs["order"], nil).Map(t)["status"] == "paid"
	})
	rf := w.shopperA.Must(201, "POST", shop+"/orders/"+w.objs["order"]+"/refunds", map[string]any{"reason": "changed my mind"}).Map(t)
	w.objs["refund"] = rf["id"].(string)
	b := w.ownerA.Must(202, "POST", a+"/miniapp/builds", nil).Map(t)
	w.objs["build"] = b["id"].(string)
	w.objs["job"] = w.objs["build"] // builds are rows of the jobs table
	w.objs["member"] = w.shopperA.ID
	// marketing: a shipping template, a coupon the shopper claimed, a promotion
	w.objs["template"] = w.ownerA.Must(201, "POST", a+"/shipping-templates", sampleTemplate()).Map(t)["id"].(string)
	w.objs["coupon"] = w.ownerA.Must(201, "POST", a+"/coupons", sampleCoupon()).Map(t)["id"].(string)
	w.shopperA.Must(201, "POST", shop+"/coupons/"+w.objs["coupon"]+"/claim", nil)
	w.objs["promotion"] = w.ownerA.Must(201, "POST", a+"/promotions", samplePromotion()).Map(t)["id"].(string)
	waitBuild(t, w.ownerA, a, w.objs["build"])
	return w
}

func sampleTemplate() map[string]any {
	return map[string]any{"name": "Mainland", "mode": "piece", "default_rate": map[string]any{"first": 1, "first_fee": 800, "additional": 1, "additional_fee": 300},
		"regions":       []map[string]any{{"provinces": []string{"新疆"}, "first": 1, "first_fee": 2000, "additional": 1, "additional_fee": 1000}},
		"undeliverable": []string{"西藏"}, "free_over_count": 10}
}

func sampleCoupon() map[string]any {
	now := time.Now().UTC()
	return map[string]any{"name": "10 off", "kind": "no_threshold", "amount": 1000, "total": 100, "per_member": 1,
		"starts_at": now.Add(-time.Hour).Format(time.RFC3339), "ends_at": now.Add(24 * time.Hour).Format(time.RFC3339), "valid_days": 7}
}

func samplePromotion() map[string]any {
	now := time.Now().UTC()
	// A threshold no test order reaches: the fixture's promotion changes no other test's prices.
	return map[string]any{"name": "Spend 90000 save 30", "kind": "full_reduction", "tiers": []map[string]any{{"threshold": 9_000_000, "off": 3000}},
		"starts_at": now.Add(-time.Hour).Format(time.RFC3339), "ends_at": now.Add(24 * time.Hour).Format(time.RFC3339)}
}

func sampleAddress() map[string]any {
	return map[string]any{"name": "韩梅梅", "phone": "13900139000", "province": "北京市", "city": "北京市", "detail": "长安街 1 号"}
}

func sampleProduct(categoryID, imageID string) map[string]any {
	p := map[string]any{
		"title": "Logo T-shirt", "business_category": "apparel",
		"specs": []map[string]any{{"name": "size", "values": []string{"S", "M"}}},
		"skus": []map[string]any{
			{"spec": map[string]string{"size": "S"}, "price": 9900, "stock": 5},
			{"spec": map[string]string{"size": "M"}, "price": 9900, "stock": 1},
		},
	}
	if categoryID != "" {
		p["category_id"] = categoryID
	}
	if imageID != "" {
		p["images"] = []string{imageID}
	}
	return p
}

func inviteToken(t *testing.T, e *apptest.Env, email string, n int) string {
	m := e.WaitMail(email, n)
	for _, line := range strings.Split(m.Body, "\n") {
		if tok, ok := strings.CutPrefix(line, "Invitation token: "); ok {
			return strings.TrimSpace(tok)
		}
	}
	t.Fatalf("no token in mail: %s", m.Body)
	return ""
}

func pdfBytes() []byte { return []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n") }

// directoryTables are platform tables that carry a tenant_id.
var directoryTables = []string{"memberships", "agency_grants", "review_queue"}

// snapshot hashes every row of tenant tid (tenant tables, directory rows and
// the tenant row itself), read inside a tenant transaction.
func snapshot(t *testing.T, e *apptest.Env, tid string) string {
	t.Helper()
	h := sha256.New()
	ctx := tenant.WithTenant(context.Background(), tid)
	err := e.App.T.Tx(ctx, func(ctx context.Context) error {
		tx := e.App.T.Q(ctx)
		// Every tenant-owned table of the schema: a new table is covered at once.
		tables := append(e.App.T.OwnedTables(), directoryTables...)
		for _, tbl := range append(tables, "tenants") {
			col := "tenant_id"
			if tbl == "tenants" {
				col = "id"
			}
			rows, err := tx.Raw(fmt.Sprintf("SELECT * FROM %s WHERE %s = ?", tbl, col), tid).Rows()
			if err != nil {
				return err
			}
			cols, _ := rows.Columns()
			var lines []string
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				lines = append(lines, fmt.Sprint(vals...))
			}
			rows.Close()
			sort.Strings(lines)
			fmt.Fprintf(h, "%s:%d:%s\n", tbl, len(lines), strings.Join(lines, "\n"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}
