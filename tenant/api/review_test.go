package api_test

import (
	"strings"
	"testing"

	"github.com/shoplet/shoplet/tenant/apptest"
)

// TestDocumentReview: a conditional category stays pending until every listed
// document is uploaded and an operator approves; a rejection carries a reason
// and the brand can try again. Products of a pending category stay off shelf.
func TestDocumentReview(t *testing.T) {
	e := apptest.New(t)
	op := e.Operator("ops@platform.example")
	owner := e.SignUp("owner@review.example")
	sid := owner.CreateStore("review", "overseas", "apparel", "food", "infant_formula")
	base := "/api/v1/stores/" + sid
	status := func() map[string]string {
		st := owner.Must(200, "GET", base, nil).Map(t)
		out := map[string]string{}
		for _, c := range st["categories"].([]any) {
			m := c.(map[string]any)
			out[m["category"].(string)] = m["status"].(string)
		}
		return out
	}
	if s := status(); s["apparel"] != "active" || s["food"] != "pending_documents" || s["infant_formula"] != "pending_documents" {
		t.Fatalf("initial statuses: %v", s)
	}
	p := owner.Must(201, "POST", base+"/products", map[string]any{"title": "Cookies", "business_category": "food",
		"skus": []map[string]any{{"spec": map[string]string{}, "price": 1999, "stock": 10}}}).Map(t)
	if r := owner.Do("PUT", base+"/products/"+p["id"].(string)+"/status", map[string]string{"status": "on_shelf"}); r.Status != 409 || r.ErrorCode() != "category_not_active" {
		t.Fatalf("on shelf in a pending category: %d %s", r.Status, r.Body)
	}
	up := func(cat, doc string) apptest.Resp {
		return owner.Upload(base+"/documents", map[string]string{"category": cat, "doc_type": doc}, doc+".pdf", pdfBytes())
	}
	if r := up("food", "entrustment_letter"); r.Status != 400 || r.FieldErrors()["doc_type"] == "" {
		t.Fatalf("document not listed for the category: %d %s", r.Status, r.Body)
	}
	if r := up("apparel", "trademark_certificate"); r.Status != 400 {
		t.Fatalf("document for a category that needs none: %d %s", r.Status, r.Body)
	}
	if r := owner.Upload(base+"/documents", map[string]string{"category": "food", "doc_type": "commitment_letter"}, "x.exe", []byte("MZ\x90\x00binary")); r.Status != 400 {
		t.Fatalf("executable accepted as a document: %d %s", r.Status, r.Body)
	}
	for _, d := range []string{"trademark_certificate", "authorisation_letter"} {
		if r := up("food", d); r.Status != 201 {
			t.Fatalf("upload %s: %d %s", d, r.Status, r.Body)
		}
	}
	if s := status(); s["food"] != "pending_documents" {
		t.Fatalf("food with 2 of 3 documents: %s", s["food"])
	}
	up("food", "commitment_letter")
	if s := status(); s["food"] != "pending_review" {
		t.Fatalf("food with all documents: %s", s["food"])
	}
	queue := op.Must(200, "GET", "/api/v1/platform/reviews", nil).Map(t)["items"].([]any)
	if len(queue) != 1 || queue[0].(map[string]any)["category"] != "food" || !strings.HasPrefix(queue[0].(map[string]any)["store_name"].(string), "Store ") {
		t.Fatalf("review queue: %v", queue)
	}
	detail := op.Must(200, "GET", "/api/v1/platform/tenants/"+sid, nil).Map(t)
	docs := detail["documents"].([]any)
	if len(docs) != 3 {
		t.Fatalf("operator sees %d documents", len(docs))
	}
	op.Must(200, "GET", "/api/v1/platform/tenants/"+sid+"/files/"+docs[0].(map[string]any)["file_id"].(string), nil)
	if r := owner.Do("POST", "/api/v1/platform/tenants/"+sid+"/categories/food/approve", nil); r.Status != 404 {
		t.Fatalf("a brand approved its own category: %d", r.Status)
	}
	if r := op.Do("POST", "/api/v1/platform/tenants/"+sid+"/categories/food/reject", map[string]string{"reason": ""}); r.Status != 400 {
		t.Fatalf("reject without reason: %d", r.Status)
	}
	op.Must(204, "POST", "/api/v1/platform/tenants/"+sid+"/categories/food/reject", map[string]string{"reason": "authorisation letter lacks a Chinese translation"})
	st := owner.Must(200, "GET", base, nil).Map(t)
	for _, c := range st["categories"].([]any) {
		if m := c.(map[string]any); m["category"] == "food" && (m["status"] != "rejected" || m["reason"] != "authorisation letter lacks a Chinese translation") {
			t.Fatalf("after reject: %v", m)
		}
	}
	up("food", "authorisation_letter")
	if s := status(); s["food"] != "pending_review" {
		t.Fatalf("after re-upload: %s", s["food"])
	}
	op.Must(204, "POST", "/api/v1/platform/tenants/"+sid+"/categories/food/approve", nil)
	if r := op.Do("POST", "/api/v1/platform/tenants/"+sid+"/categories/food/approve", nil); r.Status != 409 {
		t.Fatalf("approving twice: %d", r.Status)
	}
	if s := status(); s["food"] != "active" || s["infant_formula"] != "pending_documents" {
		t.Fatalf("after approve: %v", s)
	}
	owner.Must(200, "PUT", base+"/products/"+p["id"].(string)+"/status", map[string]string{"status": "on_shelf"})
	if q := op.Must(200, "GET", "/api/v1/platform/reviews", nil).Map(t)["items"].([]any); len(q) != 0 {
		t.Fatalf("queue not emptied: %v", q)
	}
	log := owner.Must(200, "GET", base+"/audit-logs?action=category.approved", nil).Map(t)["items"].([]any)
	if len(log) != 1 || log[0].(map[string]any)["detail"].(map[string]any)["by_platform_operator"] != true {
		t.Fatalf("approval not audited as the operator: %v", log)
	}
	// Adding a category later follows the same rules.
	if r := owner.Do("POST", base+"/business-categories", map[string]any{"categories": []string{"otc_medicine"}}); r.Status != 400 {
		t.Fatalf("overseas store added medicine: %d", r.Status)
	}
	owner.Must(200, "POST", base+"/business-categories", map[string]any{"categories": []string{"toys", "alcohol"}})
	if s := status(); s["toys"] != "active" || s["alcohol"] != "pending_documents" {
		t.Fatalf("added categories: %v", s)
	}
}
