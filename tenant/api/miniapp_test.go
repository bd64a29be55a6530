package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/shoplet/shoplet/tenant/api"
	"github.com/shoplet/shoplet/tenant/apptest"
)

func waitBuild(t testing.TB, c *apptest.Client, base, id string) map[string]any {
	var b map[string]any
	defer func() {
		if t.Failed() {
			t.Logf("last state of build %s: %v", id, b)
		}
	}()
	waitFor(t, "build "+id, func() bool {
		b = c.Must(200, "GET", base+"/miniapp/builds/"+id, nil).Map(t)
		return b["status"] == "succeeded" || b["status"] == "failed"
	})
	return b
}

// TestMiniAppBuild: a brand chooses its theme and features, builds its
// mini-program as a background job, sees app.json, ext.json and package
// sizes, previews the theme, and downloads the zip; other stores cannot.
func TestMiniAppBuild(t *testing.T) {
	e := apptest.New(t)
	owner := e.SignUp("owner@build.example")
	sid := owner.CreateStore("build-shop", "mainland", "apparel")
	base := "/api/v1/stores/" + sid
	// Without a connected mini-program the build fails with a reason a brand understands.
	b := owner.Must(202, "POST", base+"/miniapp/builds", nil).Map(t)
	failed := waitBuild(t, owner, base, b["id"].(string))
	if failed["status"] != "failed" || !strings.Contains(failed["error"].(string), "connect the store's mini-program") {
		t.Fatalf("build without appid: %v", failed)
	}
	conn := owner.ConnectWeChat(sid)
	if r := owner.Do("PUT", base+"/miniapp/config", map[string]any{"theme": map[string]string{"primary": "red"}, "cart": true}); r.Status != 400 || r.FieldErrors()["theme.primary"] == "" {
		t.Fatalf("bad colour: %d %s", r.Status, r.Body)
	}
	owner.Must(200, "PUT", base+"/miniapp/config", map[string]any{"theme": map[string]string{"primary": "#0A7D5A", "background": "#F7FAF9"},
		"tabs": []string{"home", "user"}, "cart": false})
	b = owner.Must(202, "POST", base+"/miniapp/builds", nil).Map(t)
	done := waitBuild(t, owner, base, b["id"].(string))
	if done["status"] != "succeeded" || done["done"].(float64) != 4 {
		t.Fatalf("build: %v", done)
	}
	res := done["result"].(map[string]any)
	ext, _ := json.Marshal(res["ext_json"])
	if !strings.Contains(string(ext), conn.AppID) || !strings.Contains(string(ext), sid) || !strings.Contains(string(ext), `"cart":false`) {
		t.Fatalf("ext.json: %s", ext)
	}
	if pk := res["packages"].([]any); len(pk) != 3 || pk[0].(map[string]any)["bytes"].(float64) <= 0 {
		t.Fatalf("packages: %v", pk)
	}
	prev := owner.Must(200, "GET", base+"/miniapp/builds/"+b["id"].(string)+"/preview", nil)
	if !strings.Contains(string(prev.Body), "#0A7D5A") || !strings.Contains(string(prev.Body), "Store build-shop") {
		t.Fatalf("preview: %s", prev.Body)
	}
	dl := owner.Must(200, "GET", base+"/miniapp/builds/"+b["id"].(string)+"/download", nil)
	zr, err := zip.NewReader(bytes.NewReader(dl.Body), int64(len(dl.Body)))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	for _, want := range []string{"app.json", "utils/config.js", "project.config.json", "styles/theme.wxss", "pkg-order/confirm/index.js"} {
		if !names[want] {
			t.Errorf("zip lacks %s", want)
		}
	}
	// A downloaded build is for the brand's own upload, where ext.json is
	// ignored: the binding is baked into the code instead.
	if names["ext.json"] || res["mode"] != "own" {
		t.Errorf("downloaded build: ext.json %v, mode %v", names["ext.json"], res["mode"])
	}
	for _, f := range zr.File {
		if f.Name == "utils/config.js" {
			rc, _ := f.Open()
			cfg, _ := io.ReadAll(rc)
			rc.Close()
			if !strings.Contains(string(cfg), sid) || !strings.Contains(string(cfg), "#0A7D5A") {
				t.Errorf("utils/config.js: %s", cfg)
			}
		}
	}
	if names["pages/cart/index.js"] || names["test/helpers.js"] {
		t.Error("zip holds the cart page (cart off) or template tests")
	}
	hist := owner.Must(200, "GET", base+"/miniapp/builds", nil).Map(t)["items"].([]any)
	if len(hist) != 2 {
		t.Fatalf("history: %d builds", len(hist))
	}
	// A build of one store is not another store's.
	other := e.SignUp("other@build.example")
	otherID := other.CreateStore("build-other", "mainland", "apparel")
	if r := other.Do("GET", "/api/v1/stores/"+otherID+"/miniapp/builds/"+b["id"].(string)+"/download", nil); r.Status != 404 {
		t.Fatalf("another store downloaded the build: %d", r.Status)
	}
}

// TestProductCode: a brand downloads a mini-program code for a product; the
// scene in it names that product and opens the template's entry page.
func TestProductCode(t *testing.T) {
	e := apptest.New(t)
	cs := newCommerceStore(t, e, "codes", "mainland")
	r := cs.owner.Must(200, "GET", cs.base+"/products/"+cs.prod+"/code", nil)
	if r.Header.Get("Content-Type") != "image/jpeg" || len(r.Body) < 100 || r.Body[0] != 0xFF || r.Body[1] != 0xD8 {
		t.Fatalf("not a JPEG: %s %d bytes", r.Header.Get("Content-Type"), len(r.Body))
	}
	scene, err := api.ProductScene(cs.prod)
	if err != nil || len(scene) > 32 || !strings.HasPrefix(scene, "p=") {
		t.Fatalf("scene %q: %v", scene, err)
	}
	other := newCommerceStore(t, e, "codes-other", "mainland")
	if r := other.owner.Do("GET", other.base+"/products/"+cs.prod+"/code", nil); r.Status != 404 {
		t.Fatalf("another store's product code: %d", r.Status)
	}
}

func TestStoreCode(t *testing.T) {
	e := apptest.New(t)
	cs := newCommerceStore(t, e, "store-codes", "mainland")
	r := cs.owner.Must(200, "GET", cs.base+"/miniapp/code?label=shanghai-window", nil)
	if r.Header.Get("Content-Type") != "image/jpeg" || r.Body[0] != 0xFF {
		t.Fatalf("not a JPEG: %s", r.Header.Get("Content-Type"))
	}
	other := cs.owner.Must(200, "GET", cs.base+"/miniapp/code?label=beijing-counter", nil)
	if bytes.Equal(other.Body, r.Body) {
		t.Fatal("two labels gave the same code")
	}
	if r := cs.owner.Do("GET", cs.base+"/miniapp/code?label=bad%20label", nil); r.Status != 400 || r.FieldErrors()["label"] == "" {
		t.Fatalf("bad label: %d %s", r.Status, r.Body)
	}
}
