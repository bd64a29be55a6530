package api_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/shoplet/shoplet/tenant/app"
	"github.com/shoplet/shoplet/tenant/apptest"
)

func TestShopLoginAndMembers(t *testing.T) {
	e := apptest.New(t)
	a := newCommerceStore(t, e, "members-a", "mainland")
	b := newCommerceStore(t, e, "members-b", "overseas")
	anon := e.Anon()
	for code, want := range map[string]struct {
		status int
		code   string
	}{"invalid": {400, "invalid_input"}, "ratelimited": {429, "wechat_rate_limited"}, "risky": {403, "risky_user"}} {
		r := anon.Do("POST", a.shop+"/login", map[string]string{"code": code})
		if r.Status != want.status || r.ErrorCode() != want.code {
			t.Errorf("code %q: %d %s", code, r.Status, r.Body)
		}
	}
	// One WeChat user is a different member in each brand.
	code := app.DemoCode("carol")
	ma := anon.Must(200, "POST", a.shop+"/login", map[string]string{"code": code, "scene": "1036", "share_from": "m-123"}).Map(t)
	if r := anon.Do("POST", a.shop+"/login", map[string]string{"code": code}); r.Status != 400 {
		t.Fatalf("a used code was accepted again: %d", r.Status)
	}
	mb := anon.Must(200, "POST", b.shop+"/login", map[string]string{"code": app.DemoCode("carol")}).Map(t)
	if ma["member"].(map[string]any)["id"] == mb["member"].(map[string]any)["id"] {
		t.Fatal("the same member id in two brands")
	}
	if ma["member"].(map[string]any)["entry_scene"] != "1036" {
		t.Fatalf("entry scene not recorded: %v", ma["member"])
	}
	ca := &apptest.Client{E: e, Token: ma["token"].(string)}
	cb := &apptest.Client{E: e, Token: mb["token"].(string)}
	if r := ca.Do("GET", b.shop+"/me", nil); r.Status != 401 || r.ErrorCode() != "wrong_store" {
		t.Fatalf("brand A's session on brand B: %d %s", r.Status, r.Body)
	}

	// Consent and phone: mainland gets it from WeChat, overseas types it.
	ca.Must(200, "POST", a.shop+"/me/consent", map[string]string{"version": "2026-11"})
	e.Fake.AddPhoneCode("phone-code-1", "13912345678")
	me := ca.Must(200, "PUT", a.shop+"/me/phone", map[string]string{"code": "phone-code-1"}).Map(t)
	if me["phone"] != "13912345678" || me["phone_source"] != "wechat" || me["consent_version"] != "2026-11" || me["consent_at"] == nil {
		t.Fatalf("member after consent and phone: %v", me)
	}
	if r := cb.Do("PUT", b.shop+"/me/phone", map[string]string{"code": "phone-code-2"}); r.Status != 400 || r.FieldErrors()["code"] != "not_available" {
		t.Fatalf("overseas phone by code: %d %s", r.Status, r.Body)
	}
	if r := cb.Do("PUT", b.shop+"/me/phone", map[string]string{"phone": "+85291234567"}); r.Status != 200 || !strings.Contains(string(r.Body), `"phone_source":"typed"`) {
		t.Fatalf("overseas typed phone: %d %s", r.Status, r.Body)
	}

	// PIPL: a copy of the data, then deletion that keeps order amounts only.
	addr := addAddress(t, ca, a.shop)
	o := ca.Must(201, "POST", a.shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": a.skuA, "quantity": 1}},
		"address_id": addr, "idempotency_key": "pipl"}).Map(t)["order"].(map[string]any)
	exp := ca.Must(200, "GET", a.shop+"/me/export", nil)
	for _, want := range []string{"13912345678", "南京西路", o["order_no"].(string)} {
		if !strings.Contains(string(exp.Body), want) {
			t.Errorf("export lacks %q", want)
		}
	}
	ca.Must(204, "DELETE", a.shop+"/me", nil)
	if r := ca.Do("GET", a.shop+"/me", nil); r.Status != 401 {
		t.Fatalf("session survived deletion: %d", r.Status)
	}
	kept := a.owner.Must(200, "GET", a.base+"/orders/"+o["id"].(string), nil)
	if strings.Contains(string(kept.Body), "南京西路") || strings.Contains(string(kept.Body), "13800138000") || !strings.Contains(string(kept.Body), `"total":9900`) {
		t.Fatalf("order after deletion: %s", kept.Body)
	}
	members := a.owner.Must(200, "GET", a.base+"/members", nil).Map(t)["items"].([]any)
	if len(members) != 0 {
		t.Fatalf("deleted member still listed: %v", members)
	}
	// Coming back starts afresh as a new member.
	back := anon.Must(200, "POST", a.shop+"/login", map[string]string{"code": app.DemoCode("carol")}).Map(t)
	if back["new"] != true {
		t.Fatal("a deleted shopper was linked to the old member")
	}
}

// TestShopAvatarUpload: the avatar WeChat's picker gives is a file on the
// phone; the template uploads it and the member's avatar becomes an image
// the store serves. Not an image: refused, nothing changes. Another store's
// shopper cannot use this store's upload.
func TestShopAvatarUpload(t *testing.T) {
	e := apptest.New(t)
	a := newCommerceStore(t, e, "avatar-a", "mainland")
	b := newCommerceStore(t, e, "avatar-b", "mainland")
	alice := e.Shopper(a.conn.StoreID, "alice")
	bob := e.Shopper(b.conn.StoreID, "bob")
	m := alice.Upload(a.shop+"/me/avatar", nil, "tmp_avatar.png", pngBytes())
	if m.Status != 200 {
		t.Fatalf("upload: %d %s", m.Status, m.Body)
	}
	url, _ := m.Map(t)["avatar_url"].(string)
	if !strings.HasPrefix(url, a.shop+"/images/") {
		t.Fatalf("avatar_url = %q", url)
	}
	img := e.Anon().Must(200, "GET", url, nil)
	if !bytes.Equal(img.Body, pngBytes()) || img.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("avatar image: %s %d bytes", img.Header.Get("Content-Type"), len(img.Body))
	}
	if me := alice.Must(200, "GET", a.shop+"/me", nil).Map(t); me["avatar_url"] != url {
		t.Fatalf("me: %v", me)
	}
	if r := alice.Upload(a.shop+"/me/avatar", nil, "note.txt", []byte("not an image at all")); r.Status != 400 || r.FieldErrors()["file"] == "" {
		t.Fatalf("text upload: %d %s", r.Status, r.Body)
	}
	if me := alice.Must(200, "GET", a.shop+"/me", nil).Map(t); me["avatar_url"] != url {
		t.Fatalf("a refused upload changed the avatar: %v", me)
	}
	if r := bob.Upload(a.shop+"/me/avatar", nil, "x.png", pngBytes()); r.Status != 401 && r.Status != 403 && r.Status != 404 {
		t.Fatalf("another store's shopper uploaded here: %d %s", r.Status, r.Body)
	}
	// The other store's image path does not serve this store's avatar.
	id := url[strings.LastIndex(url, "/")+1:]
	if r := e.Anon().Do("GET", b.shop+"/images/"+id, nil); r.Status != 404 {
		t.Fatalf("avatar served by another store: %d", r.Status)
	}
}
