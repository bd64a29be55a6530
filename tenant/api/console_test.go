package api_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/apptest"
)

// TestPasswordReset: the link is mailed once per minute, works once, ends the
// old sessions, and the answer does not tell who has an account.
func TestPasswordReset(t *testing.T) {
	e := apptest.New(t)
	owner := e.SignUp("reset@console.example")
	anon := e.Anon()
	anon.Must(202, "POST", "/api/v1/auth/password-reset", map[string]string{"email": "nobody@console.example"})
	if r := anon.Do("POST", "/api/v1/auth/password-reset", map[string]string{"email": "not-an-email"}); r.Status != 400 || r.FieldErrors()["email"] == "" {
		t.Fatalf("bad email: %d %s", r.Status, r.Body)
	}
	anon.Must(202, "POST", "/api/v1/auth/password-reset", map[string]string{"email": "Reset@console.example"})
	anon.Must(202, "POST", "/api/v1/auth/password-reset", map[string]string{"email": "reset@console.example"}) // within the minute: no second mail
	e.WaitMail("reset@console.example", 1)                                                                     // queued as platform mail, sent by the worker
	time.Sleep(500 * time.Millisecond)                                                                         // a second mail, if one had been queued, would be out by now
	msgs := e.Outbox.To("reset@console.example")
	if len(msgs) != 1 || len(e.Outbox.To("nobody@console.example")) != 0 {
		t.Fatalf("mails: %d", len(msgs))
	}
	token := regexp.MustCompile(`token=([A-Za-z0-9_-]+)`).FindStringSubmatch(msgs[0].Body)
	if token == nil {
		t.Fatalf("no link in %q", msgs[0].Body)
	}
	if r := anon.Do("POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": token[1], "password": "short"}); r.Status != 400 || r.FieldErrors()["password"] == "" {
		t.Fatalf("short password: %d %s", r.Status, r.Body)
	}
	anon.Must(204, "POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": token[1], "password": "a-brand-new-password"})
	if r := anon.Do("POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": token[1], "password": "another-new-password"}); r.Status != 400 {
		t.Fatalf("token reused: %d", r.Status)
	}
	if r := owner.Do("GET", "/api/v1/me", nil); r.Status != 401 {
		t.Fatalf("old session still works: %d", r.Status)
	}
	if r := anon.Do("POST", "/api/v1/auth/login", map[string]string{"email": "reset@console.example", "password": "correct-horse-battery"}); r.Status != 401 {
		t.Fatalf("old password: %d", r.Status)
	}
	anon.Must(200, "POST", "/api/v1/auth/login", map[string]string{"email": "reset@console.example", "password": "a-brand-new-password"})
}

// TestDashboard: paid orders count towards GMV, paying members, sources and
// best sellers; unpaid ones only towards orders placed.
func TestDashboard(t *testing.T) {
	e := apptest.New(t)
	owner := e.SignUp("dash@console.example")
	sid := owner.CreateStore("dash", "mainland", "apparel")
	owner.ConnectWeChat(sid)
	base := "/api/v1/stores/" + sid
	p := owner.Must(201, "POST", base+"/products", map[string]any{"title": "Dash tee", "business_category": "apparel",
		"skus": []map[string]any{{"spec": map[string]string{}, "price": 5000, "stock": 10}}}).Map(t)
	owner.Must(200, "PUT", base+"/products/"+p["id"].(string)+"/status", map[string]string{"status": "on_shelf"})
	sku := p["skus"].([]any)[0].(map[string]any)["id"].(string)
	empty := owner.Must(200, "GET", base+"/dashboard?days=7", nil).Map(t)
	if empty["gmv"] != float64(0) || len(empty["series"].([]any)) != 7 {
		t.Fatalf("empty dashboard: %v", empty)
	}
	buy := func(name string, pay bool) {
		sh := e.Shopper(sid, name)
		addr := sh.Must(201, "POST", "/api/shop/v1/stores/"+sid+"/addresses", map[string]any{"name": "A", "phone": "13800138000",
			"province": "上海市", "city": "上海市", "detail": "1 号"}).Map(t)["id"].(string)
		out := sh.Must(201, "POST", "/api/shop/v1/stores/"+sid+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": sku, "quantity": 2}},
			"address_id": addr, "idempotency_key": name, "scene": "1047"}).Map(t)
		if pay {
			prepay := strings.TrimPrefix(out["payment"].(map[string]any)["package"].(string), "prepay_id=")
			if err := e.Fake.Pay.Succeed(prepay); err != nil {
				t.Fatal(err)
			}
		}
	}
	buy("dash-a", true)
	buy("dash-b", true)
	buy("dash-c", false)
	var st map[string]any
	for range 200 {
		st = owner.Must(200, "GET", base+"/dashboard?days=1", nil).Map(t)
		if st["paid_orders"] == float64(2) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st["gmv"] != float64(20000) || st["orders"] != float64(3) || st["paying_members"] != float64(2) || st["conversion"].(float64) < 0.66 {
		t.Fatalf("dashboard: %v", st)
	}
	top := st["top_products"].([]any)
	if len(top) != 1 || top[0].(map[string]any)["quantity"] != float64(4) {
		t.Fatalf("top products: %v", top)
	}
	if src := st["by_source"].([]any); len(src) != 1 || src[0].(map[string]any)["scene"] != "1047" {
		t.Fatalf("sources: %v", src)
	}
	if prev := st["previous"].(map[string]any); prev["gmv"] != float64(0) || prev["orders"] != float64(0) {
		t.Fatalf("previous day before any trading: %v", prev)
	}
	// One paid order moved a day back: today has one left, the previous day
	// (up to the same hour) has it; the week's figures hold both.
	ctx := tenant.WithTenant(context.Background(), sid)
	if err := e.App.T.Tx(ctx, func(ctx context.Context) error {
		var o struct {
			ID                string
			CreatedAt, PaidAt time.Time
		}
		if err := e.App.T.Q(ctx).Table("orders").Select("id, created_at, paid_at").Where("paid_at IS NOT NULL").Order("id").Limit(1).Scan(&o).Error; err != nil {
			return err
		}
		return e.App.T.Q(ctx).Table("orders").Where("id = ?", o.ID).
			Updates(map[string]any{"created_at": o.CreatedAt.Add(-24 * time.Hour), "paid_at": o.PaidAt.Add(-24 * time.Hour)}).Error
	}); err != nil {
		t.Fatal(err)
	}
	day := owner.Must(200, "GET", base+"/dashboard?days=1", nil).Map(t)
	prev := day["previous"].(map[string]any)
	if day["gmv"] != float64(10000) || prev["gmv"] != float64(10000) || prev["paid_orders"] != float64(1) || prev["orders"] != float64(1) ||
		prev["paying_members"] != float64(1) || prev["conversion"] != float64(1) {
		t.Fatalf("today %v against the previous day %v", day["gmv"], prev)
	}
	week := owner.Must(200, "GET", base+"/dashboard?days=7", nil).Map(t)
	if week["gmv"] != float64(20000) || week["previous"].(map[string]any)["gmv"] != float64(0) {
		t.Fatalf("week: %v, previous %v", week["gmv"], week["previous"])
	}
	other := e.SignUp("dash-b@console.example")
	sidB := other.CreateStore("dash-b", "mainland", "apparel")
	if pb := other.Must(200, "GET", "/api/v1/stores/"+sidB+"/dashboard?days=1", nil).Map(t)["previous"].(map[string]any); pb["gmv"] != float64(0) {
		t.Fatalf("store B's previous day: %v", pb)
	}
	if r := owner.Do("GET", base+"/dashboard?days=5", nil); r.Status != 400 || !strings.Contains(string(r.Body), "days") {
		t.Fatalf("days=5: %d %s", r.Status, r.Body)
	}
	op := e.Operator("ops@console.example")
	q := op.Must(200, "GET", "/api/v1/platform/jobs", nil).Map(t)
	if q["queue"] == "" || q["queue"] == nil {
		t.Fatalf("jobs: %v", q)
	}
	if r := owner.Do("GET", "/api/v1/platform/jobs", nil); r.Status != 403 && r.Status != 404 {
		t.Fatalf("a brand reads the job queue: %d", r.Status)
	}
}

// TestCatalogCSV: an import runs as a job, creates what is valid (as drafts),
// reports each bad row by line and field; the export reads back in.
func TestCatalogCSV(t *testing.T) {
	e := apptest.New(t)
	owner := e.SignUp("csv@console.example")
	sid := owner.CreateStore("csv", "mainland", "apparel")
	base := "/api/v1/stores/" + sid
	csv := "product_ref,title,subtitle,business_category,spec,price,market_price,stock,barcode\n" +
		"tee,Logo tee,,apparel,颜色=红;尺码=S,99,129,10,690000000001\n" +
		"tee,Logo tee,,apparel,颜色=红;尺码=M,99.5,,5,\n" +
		"mug,Mug,,apparel,,abc,,3,\n" + // bad price: line 4
		"hat,Hat,,food,,20,,1,\n" + // category the store does not sell: line 5
		"cap,Cap,,apparel,,30,,-1,\n" // bad stock: line 6
	r := owner.Upload(base+"/products/import", nil, "catalog.csv", []byte(csv))
	if r.Status != 202 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	job := r.Map(t)["id"].(string)
	var j map[string]any
	for range 300 {
		j = owner.Must(200, "GET", base+"/jobs/"+job, nil).Map(t)
		if j["status"] == "succeeded" || j["status"] == "failed" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	res := j["result"].(map[string]any)
	if j["status"] != "succeeded" || res["products"] != float64(1) || res["failed"] != float64(1) || res["rows"] != float64(5) || res["bad_rows"] != float64(3) {
		t.Fatalf("import job: %v", j)
	}
	rows := map[float64]string{}
	for _, e := range res["errors"].([]any) {
		m := e.(map[string]any)
		rows[m["row"].(float64)] = m["field"].(string)
	}
	if rows[4] != "price" || rows[6] != "stock" || rows[5] == "" && len(rows) != 3 {
		t.Fatalf("row errors: %v", res["errors"])
	}
	list := owner.Must(200, "GET", base+"/products?q=Logo", nil).Map(t)["items"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["min_price"] != float64(9900) || list[0].(map[string]any)["max_price"] != float64(9950) {
		t.Fatalf("imported product: %v", list)
	}
	out := owner.Must(200, "GET", base+"/products/export", nil)
	body := string(out.Body)
	if !strings.Contains(body, "Logo tee") || !strings.Contains(body, "颜色=红;尺码=M,99.50,,5") || !strings.HasPrefix(body, "\xef\xbb\xbfproduct_ref,") {
		t.Fatalf("export: %q", body)
	}
	// Another store's job is not found.
	other := e.SignUp("csv-other@console.example")
	osid := other.CreateStore("csv-other", "mainland", "apparel")
	if r := other.Do("GET", "/api/v1/stores/"+osid+"/jobs/"+job, nil); r.Status != 404 {
		t.Fatalf("other store reads the job: %d", r.Status)
	}
}

// TestStaffMemberRequests: a shopper's request to the store for a copy of
// their data, or for erasure, is handled by the store's admins and audited.
func TestStaffMemberRequests(t *testing.T) {
	e := apptest.New(t)
	owner := e.SignUp("members@console.example")
	sid := owner.CreateStore("members", "mainland", "apparel")
	owner.ConnectWeChat(sid)
	base := "/api/v1/stores/" + sid
	sh := e.Shopper(sid, "member-req")
	sh.Must(201, "POST", "/api/shop/v1/stores/"+sid+"/addresses", map[string]any{"name": "Li", "phone": "13800138000", "province": "上海市", "city": "上海市", "detail": "1 号"})
	viewer := e.SignUp("viewer@console.example")
	inv := owner.Must(201, "POST", base+"/invitations", map[string]string{"email": viewer.Email, "role": "viewer"}).Map(t)
	_ = inv
	token := regexp.MustCompile(`Invitation token: (\S+)`).FindStringSubmatch(e.WaitMail(viewer.Email, 1).Body)[1]
	viewer.Must(200, "POST", "/api/v1/invitations/accept", map[string]string{"token": token})
	viewer.Must(200, "GET", base+"/members/"+sh.ID, nil)
	if r := viewer.Do("GET", base+"/members/"+sh.ID+"/export", nil); r.Status != 403 {
		t.Fatalf("a viewer exports a member's data: %d", r.Status)
	}
	if r := owner.Do("GET", base+"/members/not-an-id", nil); r.Status != 404 {
		t.Fatalf("malformed member id: %d", r.Status)
	}
	exp := owner.Must(200, "GET", base+"/members/"+sh.ID+"/export", nil).Map(t)
	if len(exp["addresses"].([]any)) != 1 {
		t.Fatalf("export: %v", exp)
	}
	owner.Must(204, "DELETE", base+"/members/"+sh.ID, nil)
	if r := owner.Do("GET", base+"/members/"+sh.ID, nil); r.Status != 404 {
		t.Fatalf("erased member still readable: %d", r.Status)
	}
	if r := sh.Do("GET", "/api/shop/v1/stores/"+sid+"/me", nil); r.Status != 401 {
		t.Fatalf("erased member's session still works: %d", r.Status)
	}
	logs := string(owner.Must(200, "GET", base+"/audit-logs", nil).Body)
	if !strings.Contains(logs, "member.exported") || !strings.Contains(logs, "member.deleted") {
		t.Fatal("member requests not audited")
	}
}

// TestShopImages: product images are public to the brand's mini-program
// (immutable, cacheable); onboarding documents never are.
func TestShopImages(t *testing.T) {
	e := apptest.New(t)
	owner := e.SignUp("images@console.example")
	sid := owner.CreateStore("images", "mainland", "apparel", "food")
	img := owner.Upload("/api/v1/stores/"+sid+"/images", nil, "a.png", pngBytes()).Map(t)["id"].(string)
	r := e.Anon().Do("GET", "/api/shop/v1/stores/"+sid+"/images/"+img, nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "image/png" || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("image: %d %v", r.Status, r.Header)
	}
	doc := owner.Upload("/api/v1/stores/"+sid+"/documents", map[string]string{"category": "food", "doc_type": "food_business_licence"}, "d.png", pngBytes())
	if doc.Status != 201 {
		t.Fatalf("document: %d %s", doc.Status, doc.Body)
	}
	fileID := doc.Map(t)["file_id"].(string)
	if r := e.Anon().Do("GET", "/api/shop/v1/stores/"+sid+"/images/"+fileID, nil); r.Status != 404 {
		t.Fatalf("a document served as a shop image: %d", r.Status)
	}
	// The description keeps rich text and the store's images, and drops script.
	p := owner.Must(201, "POST", "/api/v1/stores/"+sid+"/products", map[string]any{"title": "Rich", "business_category": "apparel",
		"description": `<p>Soft <strong>linen</strong></p><img src="/api/shop/v1/stores/` + sid + `/images/` + img + `"><script>alert(1)</script>`,
		"skus":        []map[string]any{{"spec": map[string]string{}, "price": 100, "stock": 1}}}).Map(t)
	if d := p["description"].(string); !strings.Contains(d, "<strong>linen</strong>") || !strings.Contains(d, "/images/"+img) || strings.Contains(d, "script") {
		t.Fatalf("description: %q", d)
	}
}
