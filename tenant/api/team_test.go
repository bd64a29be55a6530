package api_test

import (
	"testing"

	"github.com/shoplet/shoplet/tenant/apptest"
)

// TestGrantAgencyByEmail: a brand grants an agency by the email of a person in
// it (404 agency_not_found for anyone else), changes the role by granting
// again, and tells two agencies of the same name apart by their contact email.
// Another store sees none of it.
func TestGrantAgencyByEmail(t *testing.T) {
	e := apptest.New(t)
	a1 := e.SignUp("a1@team.example")
	ag1 := a1.Must(201, "POST", "/api/v1/agencies", map[string]string{"name": "同名服务商"}).Map(t)["id"].(string)
	a2 := e.SignUp("a2@team.example")
	ag2 := a2.Must(201, "POST", "/api/v1/agencies", map[string]string{"name": "同名服务商"}).Map(t)["id"].(string)
	e.SignUp("worker@team.example")
	a1.Must(201, "POST", "/api/v1/agencies/"+ag1+"/members", map[string]string{"email": "worker@team.example", "role": "member"})
	e.SignUp("nobody@team.example")

	owner := e.SignUp("owner@team.example")
	sid := owner.CreateStore("team-a", "mainland", "apparel")
	base := "/api/v1/stores/" + sid
	other := e.SignUp("other@team.example")
	sidB := other.CreateStore("team-b", "mainland", "apparel")

	for _, c := range []struct {
		name, email, role string
		want              string
	}{
		{"an agency member's email", "worker@team.example", "viewer", ag1},
		{"the other agency's admin, spelt loosely", "  A2@Team.Example ", "order_clerk", ag2},
	} {
		g := owner.Must(201, "POST", base+"/agency-grants", map[string]string{"email": c.email, "role": c.role}).Map(t)
		if g["agency_id"] != c.want || g["role"] != c.role {
			t.Fatalf("%s: granted %v, want agency %s", c.name, g, c.want)
		}
	}
	for _, c := range []struct {
		name  string
		body  map[string]string
		code  int
		field string
		ecode string
	}{
		{"an account in no agency", map[string]string{"email": "nobody@team.example", "role": "viewer"}, 404, "", "agency_not_found"},
		{"no account at all", map[string]string{"email": "ghost@team.example", "role": "viewer"}, 404, "", "agency_not_found"},
		{"neither id nor email", map[string]string{"role": "viewer"}, 400, "agency_id", ""},
		{"not an email", map[string]string{"email": "x", "role": "viewer"}, 400, "email", ""},
	} {
		r := owner.Do("POST", base+"/agency-grants", c.body)
		if r.Status != c.code || (c.ecode != "" && r.ErrorCode() != c.ecode) || (c.field != "" && r.FieldErrors()[c.field] == "") {
			t.Fatalf("%s: %d %s", c.name, r.Status, r.Body)
		}
	}
	// Changing a granted agency's role is granting it again.
	owner.Must(201, "POST", base+"/agency-grants", map[string]string{"agency_id": ag1, "role": "catalog_manager"})

	list := owner.Must(200, "GET", base+"/agency-grants", nil).Map(t)["items"].([]any)
	got := map[string][2]string{}
	for _, it := range list {
		g := it.(map[string]any)
		if g["agency_name"] != "同名服务商" {
			t.Fatalf("grant: %v", g)
		}
		got[g["agency_id"].(string)] = [2]string{g["contact_email"].(string), g["role"].(string)}
	}
	want := map[string][2]string{ag1: {"a1@team.example", "catalog_manager"}, ag2: {"a2@team.example", "order_clerk"}}
	if len(got) != 2 || got[ag1] != want[ag1] || got[ag2] != want[ag2] {
		t.Fatalf("grants %v, want %v", got, want)
	}
	if lb := other.Must(200, "GET", "/api/v1/stores/"+sidB+"/agency-grants", nil).Map(t)["items"].([]any); len(lb) != 0 {
		t.Fatalf("store B lists store A's grants: %v", lb)
	}
	// The worker's agency now operates store A with the new role.
	stores := a1.Must(200, "GET", "/api/v1/agencies/"+ag1+"/stores", nil).Map(t)["items"].([]any)
	if len(stores) != 1 || stores[0].(map[string]any)["role"] != "catalog_manager" {
		t.Fatalf("agency 1's stores: %v", stores)
	}
}
