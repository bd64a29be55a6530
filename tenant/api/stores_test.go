package api_test

import (
	"testing"

	"github.com/shoplet/shoplet/tenant/apptest"
)

// TestCreateAndListStores: the creation answer says which categories are
// active and which wait for documents; GET /stores lists exactly the
// caller's stores, each with the caller's role.
func TestCreateAndListStores(t *testing.T) {
	e := apptest.New(t)
	a := e.SignUp("owner-a@stores.example")
	b := e.SignUp("owner-b@stores.example")

	type category struct {
		Category string   `json:"category"`
		Status   string   `json:"status"`
		Missing  []string `json:"missing_documents"`
	}
	var created struct {
		ID         string     `json:"id"`
		Slug       string     `json:"slug"`
		Status     string     `json:"status"`
		Categories []category `json:"categories"`
	}
	a.Must(201, "POST", "/api/v1/stores", map[string]any{"name": "Brand A", "slug": "stores-brand-a", "entity_type": "overseas",
		"categories": []string{"apparel", "food"}}).JSON(t, &created)
	if created.ID == "" || created.Slug != "stores-brand-a" || created.Status != "active" {
		t.Fatalf("created %+v", created)
	}
	state := map[string]category{}
	for _, c := range created.Categories {
		state[c.Category] = c
	}
	if len(state) != 2 || state["apparel"].Status != "active" || len(state["apparel"].Missing) != 0 {
		t.Fatalf("apparel: %+v", created.Categories)
	}
	if state["food"].Status != "pending_documents" || len(state["food"].Missing) == 0 {
		t.Fatalf("food should wait for its documents: %+v", created.Categories)
	}
	a2 := a.CreateStore("stores-brand-a2", "mainland", "apparel")
	b1 := b.CreateStore("stores-brand-b", "mainland", "apparel")

	list := func(c *apptest.Client) map[string]string {
		var out struct {
			Items []struct {
				ID   string `json:"id"`
				Slug string `json:"slug"`
				Role string `json:"role"`
			} `json:"items"`
		}
		c.Must(200, "GET", "/api/v1/stores", nil).JSON(t, &out)
		m := map[string]string{}
		for _, s := range out.Items {
			m[s.ID] = s.Slug + ":" + s.Role
		}
		return m
	}
	if got := list(a); len(got) != 2 || got[created.ID] != "stores-brand-a:owner" || got[a2] != "stores-brand-a2:owner" {
		t.Fatalf("A's stores: %v", got)
	}
	if got := list(b); len(got) != 1 || got[b1] != "stores-brand-b:owner" {
		t.Fatalf("B's stores: %v", got)
	}
	c := e.SignUp("nobody@stores.example")
	if got := list(c); len(got) != 0 {
		t.Fatalf("an account without stores lists %v", got)
	}
	if r := e.Anon().Do("GET", "/api/v1/stores", nil); r.Status != 401 {
		t.Fatalf("anonymous list: %d", r.Status)
	}
}
