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
	cases := map[string]func(*Brand){
		"app_id":        func(b *Brand) { b.AppID = "wx123" },
		"theme.primary": func(b *Brand) { b.Theme.Primary = "red" },
		"tabs[1]":       func(b *Brand) { b.Cart = false; b.Tabs = []string{"home", "cart"} },
		"tabs":          func(b *Brand) { b.Tabs = []string{"home"} },
		"name":          func(b *Brand) { b.Name = "" },
	}
	for field, mutate := range cases {
		b := brandA()
		mutate(&b)
		_, err := Generate(templates.Storefront(), b)
		var e *errs.Error
		if !errorsAs(err, &e) || !hasField(e, field) {
			t.Errorf("%s: err = %v", field, err)
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
