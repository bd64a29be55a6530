package miniapp

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shoplet/shoplet/templates"
)

// generatedPages returns the pages of a generated app.json and its tab pages.
func generatedPages(t *testing.T, r Result) (pages, tabPages map[string]bool) {
	t.Helper()
	var app struct {
		Pages       []string
		Subpackages []struct {
			Root  string
			Pages []string
		}
		TabBar struct {
			List []struct{ PagePath string }
		}
	}
	if err := json.Unmarshal(r.AppJSON, &app); err != nil {
		t.Fatal(err)
	}
	pages, tabPages = map[string]bool{}, map[string]bool{}
	for _, p := range app.Pages {
		pages[p] = true
	}
	for _, s := range app.Subpackages {
		for _, p := range s.Pages {
			pages[strings.TrimSuffix(s.Root, "/")+"/"+p] = true
		}
	}
	for _, tab := range app.TabBar.List {
		tabPages[tab.PagePath] = true
	}
	return pages, tabPages
}

// A page path as the server or the template writes it: optional leading
// slash, a main-package page or a subpackage root, and an optional query.
var pagePathRE = regexp.MustCompile(`^/?((?:pages|pkg-[a-z0-9-]+)/[A-Za-z0-9_/-]*[A-Za-z0-9_])(?:\?.*)?$`)

// serverPagePaths returns every string literal in the module's Go code that
// looks like a page path (subscribe messages, codes, review submission...).
func serverPagePaths(t *testing.T) map[string]string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "web-admin" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					if m := pagePathRE.FindStringSubmatch(s); m != nil {
						rel, _ := filepath.Rel(root, p)
						found[m[1]] = rel
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// templateNav is one page path the template names, and how it goes there.
type templateNav struct{ file, call, page string }

var (
	// wx.navigateTo({ url: '/pkg-...' }) and the like, url a literal.
	navCallRE = regexp.MustCompile(`wx\.(navigateTo|redirectTo|switchTab|reLaunch)\(\{\s*url:\s*'([^']*)'`)
	// Any other quoted page path: share paths, targets kept in variables.
	quotedPathRE = regexp.MustCompile(`['"](/(?:pages|pkg-[a-z0-9-]+)/[A-Za-z0-9_/-]*[A-Za-z0-9_])(?:\?[^'"]*)?['"]`)
)

func templatePagePaths(t *testing.T) []templateNav {
	t.Helper()
	var out []templateNav
	tpl := templates.Storefront()
	err := fs.WalkDir(tpl, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(p, "test/") || p == "app.json" {
			return err
		}
		if !strings.HasSuffix(p, ".js") && !strings.HasSuffix(p, ".wxml") {
			return nil
		}
		b, err := fs.ReadFile(tpl, p)
		if err != nil {
			return err
		}
		for _, m := range navCallRE.FindAllStringSubmatch(string(b), -1) {
			if pm := pagePathRE.FindStringSubmatch(m[2]); pm != nil {
				out = append(out, templateNav{p, m[1], pm[1]})
			} else {
				out = append(out, templateNav{p, m[1], m[2]}) // not a page path at all: reported below
			}
		}
		for _, m := range quotedPathRE.FindAllStringSubmatch(string(b), -1) {
			out = append(out, templateNav{p, "", strings.TrimPrefix(m[1], "/")})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEveryNamedPageExists checks every page path the server names (subscribe
// messages, mini-program codes, the trial QR code, review submission) and
// every one the template names (navigateTo, redirectTo, switchTab, share
// paths) against the app.json generated for two brands: a page must exist, a
// switchTab target must be a tab, and navigateTo/redirectTo must not be one.
func TestEveryNamedPageExists(t *testing.T) {
	server := serverPagePaths(t)
	for _, want := range []string{PageOrderDetail, PageEntry, PageHome} {
		if server[want] == "" {
			t.Errorf("the scan did not find %s in the Go code", want)
		}
	}
	nav := templatePagePaths(t)
	if len(nav) < 10 {
		t.Fatalf("the scan found only %d page paths in the template", len(nav))
	}
	for _, b := range []Brand{brandA(), brandB()} {
		r, err := Generate(templates.Storefront(), b)
		if err != nil {
			t.Fatal(err)
		}
		pages, tabPages := generatedPages(t, r)
		for p, file := range server {
			if !pages[p] && (p != PageCart || b.Cart) {
				t.Errorf("%s: %s names page %s, which is not in app.json", b.Name, file, p)
			}
		}
		for _, n := range nav {
			if n.page == PageCart && !b.Cart {
				continue // reached only through the cart tab, which a brand without a cart lacks
			}
			switch {
			case !pages[n.page]:
				t.Errorf("%s: %s names page %q, which is not in app.json", b.Name, n.file, n.page)
			case n.call == "switchTab" && !tabPages[n.page]:
				t.Errorf("%s: %s switches to %s, which is not a tab", b.Name, n.file, n.page)
			case (n.call == "navigateTo" || n.call == "redirectTo") && tabPages[n.page]:
				t.Errorf("%s: %s opens tab page %s with %s (only switchTab reaches a tab)", b.Name, n.file, n.page, n.call)
			}
		}
	}
}

// The scan must be able to fail: the path the server used to name for
// subscribe messages is not a page.
func TestPagePathScanCatchesAMissingPage(t *testing.T) {
	r, err := Generate(templates.Storefront(), brandA())
	if err != nil {
		t.Fatal(err)
	}
	pages, _ := generatedPages(t, r)
	m := pagePathRE.FindStringSubmatch("pages/order/detail?id=1")
	if m == nil || pages[m[1]] {
		t.Fatalf("pages/order/detail passed the check: %v", m)
	}
	src := `wx.navigateTo({ url: '/pages/nowhere/index?id=' + id })`
	if got := navCallRE.FindStringSubmatch(src); got == nil || pagePathRE.FindStringSubmatch(got[2])[1] != "pages/nowhere/index" {
		t.Fatalf("navigateTo not recognised: %v", got)
	}
	if _, err := os.Stat("../app/commerce.go"); err != nil {
		t.Fatal("the module root is not where the scan looks")
	}
}
