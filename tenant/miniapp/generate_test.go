package miniapp

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/templates"
)

func brandA() Brand {
	return Brand{AppID: "wx0123456789abcdef", Name: "Brand A", StoreID: "store-a", APIBase: "https://shop.example.com",
		Theme: Theme{Primary: "#E4002B", Background: "#FFF8F0"}, Cart: true, Tabs: []string{"home", "cart", "user"}}
}

func brandB() Brand {
	return Brand{AppID: "wxfedcba9876543210", Name: "Brand B", StoreID: "store-b", APIBase: "https://shop.example.com",
		Theme: Theme{Primary: "#1677FF", Background: "#101010", NavBar: "#000000", NavText: "white"}, Cart: false}
}

func TestGenerateIsDeterministic(t *testing.T) {
	r1, err := Generate(templates.Storefront(), brandA())
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := Generate(templates.Storefront(), brandA())
	if r1.SHA256 != r2.SHA256 || !bytes.Equal(r1.Zip, r2.Zip) {
		t.Fatal("the same brand generated different bytes")
	}
	r3, _ := Generate(templates.Storefront(), brandB())
	if r3.SHA256 == r1.SHA256 {
		t.Fatal("two brands generated the same bytes")
	}
}

func TestGenerateTwoBrands(t *testing.T) {
	for _, b := range []Brand{brandA(), brandB()} {
		t.Run(b.Name, func(t *testing.T) {
			r, err := Generate(templates.Storefront(), b)
			if err != nil {
				t.Fatal(err)
			}
			var app struct {
				Pages       []string
				Subpackages []struct {
					Root  string
					Pages []string
				}
				TabBar struct {
					SelectedColor string
					List          []struct{ PagePath string }
				}
				Window map[string]string
			}
			if err := json.Unmarshal(r.AppJSON, &app); err != nil {
				t.Fatal(err)
			}
			all := append([]string{}, app.Pages...)
			for _, s := range app.Subpackages {
				for _, p := range s.Pages {
					all = append(all, s.Root+"/"+p)
				}
			}
			for _, p := range all {
				for _, ext := range []string{".js", ".json", ".wxml", ".wxss"} {
					if _, ok := r.Files[p+ext]; !ok {
						t.Errorf("page %s lacks %s", p, ext)
					}
				}
			}
			main := map[string]bool{}
			for _, p := range app.Pages {
				main[p] = true
			}
			for _, tab := range app.TabBar.List {
				if !main[tab.PagePath] {
					t.Errorf("tab %s is not a main-package page", tab.PagePath)
				}
			}
			if app.TabBar.SelectedColor != b.Theme.Primary || app.Window["navigationBarTitleText"] != b.Name {
				t.Errorf("theme or name not applied: %s", r.AppJSON)
			}
			var ext struct {
				ExtAppid string `json:"extAppid"`
				Ext      struct {
					StoreID  string          `json:"storeId"`
					Features map[string]bool `json:"features"`
				} `json:"ext"`
			}
			if err := json.Unmarshal(r.ExtJSON, &ext); err != nil {
				t.Fatal(err)
			}
			if ext.ExtAppid != b.AppID || ext.Ext.StoreID != b.StoreID || ext.Ext.Features["cart"] != b.Cart {
				t.Errorf("ext.json: %s", r.ExtJSON)
			}
			if !strings.Contains(string(r.Files["styles/theme.wxss"]), b.Theme.Primary) {
				t.Error("theme colours not in theme.wxss")
			}
			if !strings.Contains(string(r.Files["project.config.json"]), b.AppID) {
				t.Error("project.config.json lacks the appid")
			}
			if _, ok := r.Files["pages/cart/index.js"]; ok != b.Cart {
				t.Errorf("cart page present = %v, cart feature = %v", ok, b.Cart)
			}
			for p := range r.Files {
				if strings.HasPrefix(p, "test/") {
					t.Errorf("test file %s shipped in the mini-program", p)
				}
			}
			if r.Packages[0].Name != "main" || r.Packages[0].Bytes > MainPackageAim || len(r.Packages) != 3 {
				t.Errorf("packages: %+v", r.Packages)
			}
			t.Logf("%s: %d files, packages %+v, zip %d bytes", b.Name, len(r.Files), r.Packages, len(r.Zip))
		})
	}
}

func withFile(t *testing.T, name string, size int) fs.FS {
	m := fstest.MapFS{}
	err := fs.WalkDir(templates.Storefront(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templates.Storefront(), p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	m[name] = &fstest.MapFile{Data: bytes.Repeat([]byte("x"), size)}
	return m
}

func TestPackageSizeLimits(t *testing.T) {
	cases := []struct{ file, pkg string }{
		{"images/banner.png", "main package"},
		{"pkg-order/images/big.png", "order package"},
	}
	for _, c := range cases {
		_, err := Generate(withFile(t, c.file, MaxPackage+1), brandA())
		if errs.KindOf(err) != errs.TooLarge || !strings.Contains(err.Error(), c.pkg) || !strings.Contains(err.Error(), "at most 2 MB per package") {
			t.Errorf("%s: err = %v, want too large naming the %s", c.file, err, c.pkg)
		}
	}
	if _, err := Generate(withFile(t, "pkg-goods/images/ok.png", 100<<10), brandA()); err != nil {
		t.Fatalf("a small file was refused: %v", err)
	}
}

func TestBrandValidation(t *testing.T) {
	cases := []struct {
		name, field string
		mutate      func(*Brand)
	}{
		{"short appid", "app_id", func(b *Brand) { b.AppID = "wx123" }},
		{"colour name", "theme.primary", func(b *Brand) { b.Theme.Primary = "red" }},
		{"cart tab without cart", "tabs[1]", func(b *Brand) { b.Cart = false; b.Tabs = []string{"home", "cart"} }},
		{"one tab", "tabs", func(b *Brand) { b.Tabs = []string{"home"} }},
		{"no home tab", "tabs", func(b *Brand) { b.Tabs = []string{"user", "cart"} }},
		{"cart on, no cart tab", "tabs", func(b *Brand) { b.Tabs = []string{"home", "user"} }},
		{"empty name", "name", func(b *Brand) { b.Name = "" }},
		{"name on two lines", "name", func(b *Brand) { b.Name = "A\nB" }},
		{"plain http", "api_base", func(b *Brand) { b.APIBase = "http://shop.example.com" }},
		{"bare https", "api_base", func(b *Brand) { b.APIBase = "https://" }},
		{"https with a path", "api_base", func(b *Brand) { b.APIBase = "https://shop.example.com/x?y=1" }},
		{"not a URL", "api_base", func(b *Brand) { b.APIBase = "shop.example.com" }},
		{"store id with a path", "store_id", func(b *Brand) { b.StoreID = "../../x" }},
		{"store id with a query", "store_id", func(b *Brand) { b.StoreID = "a?b=c" }},
		{"unknown mode", "mode", func(b *Brand) { b.Mode = "dev" }},
		{"template id", "subscribe_templates[0]", func(b *Brand) { b.SubscribeTemplates = []string{"a b"} }},
	}
	for _, c := range cases {
		b := brandA()
		c.mutate(&b)
		_, err := Generate(templates.Storefront(), b)
		var e *errs.Error
		if !errorsAs(err, &e) || !hasField(e, c.field) {
			t.Errorf("%s: err = %v, want a %s field error", c.name, err, c.field)
			continue
		}
		// The message alone (what the CLI and a failed build show) names the field.
		if !strings.Contains(e.Message, c.field+": ") {
			t.Errorf("%s: message %q does not name %s", c.name, e.Message, c.field)
		}
	}
	// Development against this machine is allowed over http.
	for _, base := range []string{"http://127.0.0.1:8080", "http://localhost:8080/", "https://shop.example.com/"} {
		b := brandA()
		b.APIBase = base
		if _, err := Generate(templates.Storefront(), b); err != nil {
			t.Errorf("%s refused: %v", base, err)
		}
	}
}

// A brand's name never reaches WXSS, where it could close a comment.
func TestNameCannotBreakOutOfWXSS(t *testing.T) {
	b := brandA()
	b.Name = "A*/page{--primary:#000000}/*"
	r, err := Generate(templates.Storefront(), b)
	if err != nil {
		t.Fatal(err)
	}
	css := string(r.Files["styles/theme.wxss"])
	if strings.Contains(css, "#000000") || strings.Count(css, "*/") != 1 || !strings.Contains(css, "--primary: #E4002B;") {
		t.Fatalf("theme.wxss: %s", css)
	}
}

// TestThemeTravelsInExt: a platform commit uploads ext_json only, over a code
// template whose theme.wxss is the template's own; the brand's colours must
// be in ext for the template to apply them at run time.
func TestThemeTravelsInExt(t *testing.T) {
	for _, b := range []Brand{brandA(), brandB()} {
		r, err := Generate(templates.Storefront(), b)
		if err != nil {
			t.Fatal(err)
		}
		var ext struct {
			Ext struct {
				Theme     map[string]string `json:"theme"`
				Subscribe []string          `json:"subscribe"`
			} `json:"ext"`
		}
		if err := json.Unmarshal(r.ExtJSON, &ext); err != nil {
			t.Fatal(err)
		}
		if ext.Ext.Theme["primary"] != b.Theme.Primary || ext.Ext.Theme["background"] != b.Theme.Background || ext.Ext.Theme["onPrimary"] == "" {
			t.Errorf("%s: theme in ext = %v", b.Name, ext.Ext.Theme)
		}
		if ext.Ext.Subscribe == nil {
			t.Errorf("%s: no subscribe list in ext", b.Name)
		}
	}
	b := brandA()
	b.SubscribeTemplates = []string{"tpl-paid", "tpl-shipped"}
	r, _ := Generate(templates.Storefront(), b)
	if !strings.Contains(string(r.ExtJSON), `"tpl-paid"`) {
		t.Errorf("subscribe templates not in ext: %s", r.ExtJSON)
	}
}

// TestModes: a platform package carries ext.json; a package for the brand's
// own upload (where ext.json is ignored) carries its binding in the code, and
// each says which it is.
func TestModes(t *testing.T) {
	plat, err := Generate(templates.Storefront(), brandA())
	if err != nil {
		t.Fatal(err)
	}
	if plat.Mode != ModePlatform || plat.Files["ext.json"] == nil || !strings.Contains(string(plat.Files["project.config.json"]), "platform mode") {
		t.Errorf("platform package: mode %q, ext.json %v", plat.Mode, plat.Files["ext.json"] != nil)
	}
	if !strings.Contains(string(plat.Files["utils/config.js"]), "module.exports = null") {
		t.Errorf("platform package has a baked binding: %s", plat.Files["utils/config.js"])
	}
	b := brandB()
	b.Mode = ModeOwn
	own, err := Generate(templates.Storefront(), b)
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(own.Files["utils/config.js"])
	if own.Mode != ModeOwn || own.Files["ext.json"] != nil || !strings.Contains(string(own.Files["project.config.json"]), "own-upload mode") {
		t.Errorf("own package: mode %q, ext.json %v", own.Mode, own.Files["ext.json"] != nil)
	}
	for _, want := range []string{`"storeId": "store-b"`, `"apiBase": "https://shop.example.com"`, `"primary": "#1677FF"`, `"mode": "own"`} {
		if !strings.Contains(cfg, want) {
			t.Errorf("utils/config.js lacks %s: %s", want, cfg)
		}
	}
}

func hasField(e *errs.Error, f string) bool {
	for _, x := range e.Fields {
		if x.Field == f {
			return true
		}
	}
	return false
}

// BenchmarkGenerate: one brand's mini-program, template read to zip.
//
//	go test ./tenant/miniapp -run '^$' -bench Generate -benchtime 1000x
func BenchmarkGenerate(b *testing.B) {
	tpl := templates.Storefront()
	br := brandA()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Generate(tpl, br); err != nil {
			b.Fatal(err)
		}
	}
}
