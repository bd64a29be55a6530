// Package miniapp generates a brand's WeChat mini-program from the storefront
// template: project.config.json with the brand's appid, app.json with its
// pages and tab bar, the brand's binding (store, API, theme, features) either
// in ext.json (platform mode) or baked into utils/config.js (own upload),
// theme colours as WXSS variables, and a deterministic zip, refused when a
// package exceeds WeChat's size limits.
package miniapp

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/shoplet/shoplet/pkg/errs"
)

// WeChat's package limits (bytes). A service provider's mini-program may hold
// 20 MB in all; each package, the main one included, at most 2 MB. The main
// package aims lower, because it loads before the first screen.
const (
	MaxPackage     = 2 << 20
	MaxTotal       = 20 << 20
	MainPackageAim = 1536 << 10
)

// Pages of the template that the server names (subscribe messages, codes,
// review submission). TestEveryNamedPageExists checks every page path named
// in the module and the template against the generated app.json.
const (
	PageHome        = "pages/home/index"
	PageCart        = "pages/cart/index"
	PageUser        = "pages/user/index"
	PageEntry       = "pages/entry/index" // resolves a mini-program code's scene
	PageOrderDetail = "pkg-order/detail/index"
	PageMyCoupons   = "pkg-order/my-coupons/index" // 我的优惠券: where a coupon expiry reminder opens
)

// Modes: who uploads the package decides where its configuration lives.
const (
	// ModePlatform: the platform commits its code template with ext.json
	// (/wxa/commit); the template reads the brand from wx.getExtConfigSync.
	ModePlatform = "platform"
	// ModeOwn: the brand uploads the package with WeChat's own tools; ext.json
	// is ignored there, so the binding is baked into utils/config.js.
	ModeOwn = "own"
)

// Theme is a brand's colours.
type Theme struct {
	Primary    string `json:"primary"`    // buttons, prices, selected tab
	Background string `json:"background"` // page background
	NavBar     string `json:"nav_bar"`    // navigation bar background
	NavText    string `json:"nav_text"`   // "black" or "white"
}

// Brand is everything a brand's mini-program is generated from.
type Brand struct {
	AppID         string   `json:"app_id"`
	Name          string   `json:"name"`
	StoreID       string   `json:"store_id"`
	APIBase       string   `json:"api_base"`
	PolicyVersion string   `json:"policy_version"`
	Theme         Theme    `json:"theme"`
	Tabs          []string `json:"tabs"` // from "home", "cart", "user", in order
	Cart          bool     `json:"cart"` // the cart feature (tab and add-to-cart)
	Mode          string   `json:"mode"` // ModePlatform (default) or ModeOwn
	// SubscribeTemplates are the store's subscribe-message template ids
	// (paid, shipped) the shopper is asked to accept at payment.
	SubscribeTemplates []string `json:"subscribe_templates"`
}

// Package is one code package and its size.
type Package struct {
	Root  string `json:"root"` // "" for the main package
	Name  string `json:"name"`
	Bytes int64  `json:"bytes"`
}

// Result is a generated mini-program.
type Result struct {
	Files    map[string][]byte `json:"-"`
	Zip      []byte            `json:"-"`
	SHA256   string            `json:"sha256"`
	Packages []Package         `json:"packages"`
	AppJSON  json.RawMessage   `json:"app_json"`
	ExtJSON  json.RawMessage   `json:"ext_json"`
	Mode     string            `json:"mode"`
}

var (
	appIDRE = regexp.MustCompile(`^wx[0-9a-f]{16}$`)
	colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	// A store id goes into URL paths as it is: letters, digits, - and _ only.
	storeIDRE    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	templateIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	tabs         = map[string]struct{ page, text string }{
		"home": {PageHome, "首页"}, "cart": {PageCart, "购物车"}, "user": {PageUser, "我的"},
	}
	// Template files that are not part of a mini-program.
	skip = []string{"test/", "package.json", "package-lock.json", "jest.config.js", "README.md"}
)

// epoch is the fixed modification time in the zip: same input, same bytes.
var epoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func (b *Brand) validate() error {
	var f errs.Fields
	if !appIDRE.MatchString(b.AppID) {
		f.Add("app_id", "invalid_format", "connect the store's mini-program first (wx + 16 hex digits)")
	}
	if f.Required("name", strings.TrimSpace(b.Name)) && f.MaxLen("name", b.Name, 30) {
		if strings.IndexFunc(b.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			f.Add("name", "invalid_format", "must be one line of text")
		}
	}
	if f.Required("store_id", b.StoreID) && !storeIDRE.MatchString(b.StoreID) {
		f.Add("store_id", "invalid_format", "must be the store's id: letters, digits, - and _")
	}
	if msg := checkAPIBase(b.APIBase); msg != "" {
		f.Add("api_base", "invalid_url", msg)
	}
	if b.PolicyVersion == "" {
		b.PolicyVersion = "1"
	}
	for _, c := range []struct {
		name string
		v    *string
	}{{"theme.primary", &b.Theme.Primary}, {"theme.background", &b.Theme.Background}, {"theme.nav_bar", &b.Theme.NavBar}} {
		if *c.v != "" && !colorRE.MatchString(*c.v) {
			f.Add(c.name, "invalid_color", "must be a colour like #FA4126")
		}
	}
	if b.Theme.Primary == "" {
		b.Theme.Primary = "#FA4126"
	}
	if b.Theme.Background == "" {
		b.Theme.Background = "#F5F5F5"
	}
	if b.Theme.NavBar == "" {
		b.Theme.NavBar = "#FFFFFF"
	}
	if b.Theme.NavText == "" {
		b.Theme.NavText = "black"
	}
	if b.Theme.NavText != "black" && b.Theme.NavText != "white" {
		f.Add("theme.nav_text", "invalid_choice", "must be black or white")
	}
	if len(b.Tabs) == 0 {
		b.Tabs = []string{"home", "cart", "user"}
		if !b.Cart {
			b.Tabs = []string{"home", "user"}
		}
	}
	seen := map[string]bool{}
	tabsOK := true
	for i, t := range b.Tabs {
		if _, ok := tabs[t]; !ok || seen[t] || (t == "cart" && !b.Cart) {
			f.Add(fmt.Sprintf("tabs[%d]", i), "invalid_choice", "must be home, user, or cart (when the cart is on), each once")
			tabsOK = false
		}
		seen[t] = true
	}
	switch {
	case len(b.Tabs) < 2 || len(b.Tabs) > 5:
		f.Add("tabs", "out_of_range", "a tab bar holds 2 to 5 items")
	case tabsOK && !seen["home"]:
		// Every "back to the shop" link switches to the home tab.
		f.Add("tabs", "required", "must include home")
	case tabsOK && b.Cart && !seen["cart"]:
		// The cart page is reached only through its tab.
		f.Add("tabs", "required", "must include cart while the cart is on (or turn the cart off)")
	}
	switch b.Mode {
	case "":
		b.Mode = ModePlatform
	case ModePlatform, ModeOwn:
	default:
		f.Add("mode", "invalid_choice", "must be platform or own")
	}
	for i, id := range b.SubscribeTemplates {
		if !templateIDRE.MatchString(id) {
			f.Add(fmt.Sprintf("subscribe_templates[%d]", i), "invalid_format", "must be a subscribe-message template id")
		}
	}
	if err := f.Err(); err != nil {
		// Name every field in the message too: the CLI and a failed build or
		// publication show only the message.
		e := err.(*errs.Error)
		parts := make([]string, len(e.Fields))
		for i, fe := range e.Fields {
			parts[i] = fe.Field + ": " + fe.Message
		}
		e.Code, e.Message = "invalid_brand", "the mini-program cannot be generated: "+strings.Join(parts, "; ")
		return e
	}
	return nil
}

// checkAPIBase says what is wrong with the shop API's base URL, or "". WeChat
// calls only https domains; plain http is accepted only for names that never
// reach a shopper's phone: this machine (development with the developer
// tools' domain check off) and the reserved .test names of test servers
// (RFC 6761).
func checkAPIBase(s string) string {
	const want = "must be the shop API's https URL, like https://shop.example.com"
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" ||
		strings.Trim(u.Path, "/") != "" || strings.ContainsAny(s, " '\"\\") {
		return want
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		if h := u.Hostname(); h == "localhost" || strings.HasSuffix(h, ".test") || net.ParseIP(h).IsLoopback() {
			return ""
		}
		return want + " (WeChat does not call http)"
	}
	return want
}

// Generate builds b's mini-program from the template in tpl.
func Generate(tpl fs.FS, b Brand) (Result, error) {
	if err := b.validate(); err != nil {
		return Result{}, err
	}
	files := map[string][]byte{}
	err := fs.WalkDir(tpl, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for _, s := range skip {
			if strings.HasPrefix(p, s) || p == s {
				return nil
			}
		}
		data, err := fs.ReadFile(tpl, p)
		files[p] = data
		return err
	})
	if err != nil {
		return Result{}, errs.Wrap(err, "read template")
	}
	var app map[string]any
	if err := json.Unmarshal(files["app.json"], &app); err != nil {
		return Result{}, errs.Wrap(err, "template app.json")
	}
	// Pages: drop the cart page when the brand has no cart.
	var pages []any
	for _, p := range app["pages"].([]any) {
		if p == PageCart && !b.Cart {
			delete(files, "pages/cart/index.js")
			delete(files, "pages/cart/index.json")
			delete(files, "pages/cart/index.wxml")
			delete(files, "pages/cart/index.wxss")
			continue
		}
		pages = append(pages, p)
	}
	app["pages"] = pages
	tabList := []any{}
	for _, t := range b.Tabs {
		tabList = append(tabList, map[string]any{"pagePath": tabs[t].page, "text": tabs[t].text})
	}
	window := map[string]any{"navigationBarTitleText": b.Name, "navigationBarBackgroundColor": b.Theme.NavBar,
		"navigationBarTextStyle": b.Theme.NavText, "backgroundColor": b.Theme.Background}
	tabBar := map[string]any{"color": "#666666", "selectedColor": b.Theme.Primary, "backgroundColor": "#ffffff", "borderStyle": "black", "list": tabList}
	app["window"], app["tabBar"] = window, tabBar
	appJSON, _ := json.MarshalIndent(app, "", "  ")
	files["app.json"] = appJSON

	onPrimary := "#ffffff"
	// The binding the template reads (utils/ext.js). The theme travels in it
	// because a platform commit uploads only ext_json over the shared code
	// template: the template's own theme.wxss is the same for every brand, so
	// the page applies these colours as CSS variables at run time.
	binding := map[string]any{"storeId": b.StoreID, "apiBase": strings.TrimSuffix(b.APIBase, "/"), "name": b.Name, "policyVersion": b.PolicyVersion,
		"features": map[string]any{"cart": b.Cart}, "mode": b.Mode,
		"theme":     map[string]any{"primary": b.Theme.Primary, "onPrimary": onPrimary, "background": b.Theme.Background},
		"subscribe": nonNil(b.SubscribeTemplates)}
	ext := map[string]any{"extEnable": true, "extAppid": b.AppID, "directCommit": false, "ext": binding,
		"window": window, "tabBar": tabBar, "requiredPrivateInfos": app["requiredPrivateInfos"], "networkTimeout": map[string]any{"request": 10000}}
	extJSON, _ := json.MarshalIndent(ext, "", "  ")
	desc := "Shoplet storefront, platform mode: ext.json carries the brand; commit it through the third-party platform"
	if b.Mode == ModeOwn {
		// ext.json is honoured only for a platform's development mini-program:
		// a brand's own upload carries its binding in the code.
		cfg, _ := json.MarshalIndent(binding, "", "  ")
		files["utils/config.js"] = []byte("// Generated for this brand's own upload (mode \"own\"): the binding ext.json would carry.\nmodule.exports = " + string(cfg) + "\n")
		desc = "Shoplet storefront, own-upload mode: the brand's binding is in utils/config.js; upload with WeChat's developer tools"
	} else {
		files["ext.json"] = extJSON
	}
	urlCheck := strings.HasPrefix(b.APIBase, "https://")
	project := map[string]any{"appid": b.AppID, "projectname": b.Name, "description": desc, "compileType": "miniprogram", "libVersion": "3.3.4",
		"setting": map[string]any{"es6": true, "enhance": true, "postcss": true, "minified": true, "urlCheck": urlCheck, "ignoreUploadUnusedFiles": true}}
	files["project.config.json"], _ = json.MarshalIndent(project, "", "  ")
	// Colours only (validated): no brand text in WXSS, where a name could
	// close a comment.
	files["styles/theme.wxss"] = []byte(fmt.Sprintf("/* Generated: the brand's colours. */\npage { --primary: %s; --on-primary: %s; --bg: %s; }\n",
		b.Theme.Primary, onPrimary, b.Theme.Background))

	pkgs, err := sizes(app, files)
	if err != nil {
		return Result{}, err
	}
	z, err := zipFiles(files)
	if err != nil {
		return Result{}, err
	}
	sum := sha256.Sum256(z)
	return Result{Files: files, Zip: z, SHA256: hex.EncodeToString(sum[:]), Packages: pkgs, AppJSON: appJSON, ExtJSON: extJSON, Mode: b.Mode}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// sizes sums each package's files and refuses one over WeChat's limits.
func sizes(app map[string]any, files map[string][]byte) ([]Package, error) {
	type sub struct{ root, name string }
	var subs []sub
	if sp, ok := app["subpackages"].([]any); ok {
		for _, x := range sp {
			m := x.(map[string]any)
			name, _ := m["name"].(string)
			subs = append(subs, sub{strings.TrimSuffix(m["root"].(string), "/") + "/", name})
		}
	}
	byRoot := map[string]int64{}
	var total int64
	for p, data := range files {
		root := ""
		for _, s := range subs {
			if strings.HasPrefix(p, s.root) {
				root = s.root
			}
		}
		byRoot[root] += int64(len(data))
		total += int64(len(data))
	}
	pkgs := []Package{{Root: "", Name: "main", Bytes: byRoot[""]}}
	for _, s := range subs {
		pkgs = append(pkgs, Package{Root: strings.TrimSuffix(s.root, "/"), Name: s.name, Bytes: byRoot[s.root]})
	}
	for _, p := range pkgs {
		if p.Bytes > MaxPackage {
			return pkgs, &errs.Error{Kind: errs.TooLarge, Code: "package_too_large",
				Message: fmt.Sprintf("the %s package is %.2f MB; WeChat allows at most 2 MB per package", p.Name, float64(p.Bytes)/(1<<20))}
		}
	}
	if total > MaxTotal {
		return pkgs, &errs.Error{Kind: errs.TooLarge, Code: "app_too_large",
			Message: fmt.Sprintf("the mini-program is %.2f MB in all; WeChat allows at most 20 MB for a service provider's mini-program", float64(total)/(1<<20))}
	}
	return pkgs, nil
}

// zipFiles writes files in name order with a fixed time: same input, same bytes.
func zipFiles(files map[string][]byte) ([]byte, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, n := range names {
		h := &zip.FileHeader{Name: path.Clean(n), Method: zip.Deflate, Modified: epoch}
		h.SetMode(0o644)
		fw, err := w.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := fw.Write(files[n]); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
