package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/tenant/api"
	"github.com/shoplet/shoplet/tenant/apptest"
)

// TestOpenAPIMatchesRouter: the served document is valid OpenAPI 3, lists
// exactly the API routes the router serves, and every JSON body has a schema.
func TestOpenAPIMatchesRouter(t *testing.T) {
	e, _ := platformEnv(t, "wxc00000000000oa01") // every optional part on
	r := e.Anon().Must(200, "GET", "/openapi.json", nil)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("invalid OpenAPI document: %v", err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, rt := range e.App.API.Engine().Routes() {
		if !strings.HasPrefix(rt.Path, "/api/") {
			continue
		}
		key := rt.Method + " " + api.OpenAPIPath(rt.Path)
		served[key] = true
		if !documented[key] {
			t.Errorf("%s is served but not documented", key)
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("%s is documented but not served", k)
		}
	}
	// Request schemas carry the real fields.
	op := doc.Paths.Find("/api/v1/stores/{store}/products").Post
	schema := op.RequestBody.Value.Content["application/json"].Schema.Value
	for _, f := range []string{"title", "skus", "specs", "business_category"} {
		if schema.Properties[f] == nil {
			t.Errorf("ProductInput schema lacks %s", f)
		}
	}
	sku := schema.Properties["skus"].Value.Items.Value
	if sku.Properties["price"] == nil || sku.Properties["price"].Value.Type.Is("integer") == false {
		t.Errorf("SKU price is not an integer in the schema")
	}
	// Fields tagged binding:"required" are required in the schema.
	login := doc.Paths.Find("/api/v1/auth/login").Post.RequestBody.Value.Content["application/json"].Schema.Value
	if !slices.Equal(login.Required, []string{"email", "password"}) {
		t.Errorf("login input requires %v, want email and password", login.Required)
	}
	if len(documented) < 50 {
		t.Fatalf("only %d operations documented", len(documented))
	}
	// The console's typed client is generated from a copy of this document;
	// the copy must be the document (SHOPLET_UPDATE_OPENAPI=1 rewrites it).
	var pretty bytes.Buffer
	_ = json.Indent(&pretty, r.Body, "", "  ")
	pretty.WriteByte('\n')
	const copyPath = "../../web-admin/src/api/openapi.json"
	if os.Getenv("SHOPLET_UPDATE_OPENAPI") == "1" {
		if err := os.WriteFile(copyPath, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if have, err := os.ReadFile(copyPath); err != nil || !bytes.Equal(have, pretty.Bytes()) {
		t.Fatalf("%s is not the served document: run SHOPLET_UPDATE_OPENAPI=1 go test ./tenant/api -run TestOpenAPIMatchesRouter, then npm run gen:api in web-admin", copyPath)
	}
}

func TestHealthMetricsAndLogs(t *testing.T) {
	e := apptest.New(t, apptest.Options{NoWorker: true})
	anon := e.Anon()
	anon.Must(200, "GET", "/healthz", nil)
	ready := anon.Must(200, "GET", "/readyz", nil).Map(t)
	if ready["ready"] != true {
		t.Fatalf("readyz: %v", ready)
	}
	owner := e.SignUp("owner@obs.example")
	sid := owner.CreateStore("obs", "mainland", "apparel")
	r := owner.Must(200, "GET", "/api/v1/stores/"+sid+"/products", nil)
	rid := r.Header.Get("X-Request-Id")
	if rid == "" {
		t.Fatal("no X-Request-Id")
	}
	m := anon.Must(200, "GET", "/metrics", nil)
	if !strings.Contains(string(m.Body), `shoplet_http_requests_total{method="GET",route="/api/v1/stores/:store/products",status="2xx"}`) {
		t.Fatal("metrics lack the product list route")
	}
	// The access log line of a store request names the tenant and the request.
	found := false
	for _, line := range strings.Split(e.Logs.String(), "\n") {
		if strings.Contains(line, rid) {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("log line is not JSON: %s", line)
			}
			if rec["tenant_id"] != sid || rec["route"] != "/api/v1/stores/:store/products" {
				t.Fatalf("log line lacks tenant or route: %s", line)
			}
			found = true
		}
	}
	if !found {
		t.Fatal("no log line with the request id")
	}
	if r := anon.Do("GET", "/api/v1/nope", nil); r.Status != 404 || r.ErrorCode() != "no_route" {
		t.Fatalf("unknown API route: %d %s", r.Status, r.Body)
	}
	// Console routes are the client's: any non-API path gets the console's index.html.
	for _, p := range []string{"/", "/stores/x/settings"} {
		r := anon.Do("GET", p, nil)
		if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.Body), "Shoplet") {
			t.Fatalf("console at %s: %d %s", p, r.Status, r.Header.Get("Content-Type"))
		}
	}
}

// TestOpenAPISecurityMatchesMiddleware calls every route of the route table
// without a token: a route the document declares secured must answer 401 in
// the JSON error shape, and a route it declares public must not answer 401
// (it may refuse the empty request otherwise). A secured route is also called
// with the other scheme's token, which it must refuse: the console's and the
// shop's tokens are not interchangeable.
func TestOpenAPISecurityMatchesMiddleware(t *testing.T) {
	e, _ := platformEnv(t, "wxc00000000000oa02") // every optional part on
	cs := newCommerceStore(t, e, "openapi-sec", "mainland")
	shopper := e.Shopper(cs.conn.StoreID, "sec")
	doc, err := openapi3.NewLoader().LoadFromData(e.Anon().Must(200, "GET", "/openapi.json", nil).Body)
	if err != nil {
		t.Fatal(err)
	}
	// Real objects where the route needs them to get past the store check;
	// anything else is a well-formed id of nothing.
	values := map[string]string{"store": cs.conn.StoreID, "product": cs.prod, "sku": cs.skuA, "appid": "wx0000000000000000"}
	param := regexp.MustCompile(`:([a-z_]+)`)
	tokens := map[string]*apptest.Client{
		"consoleToken": cs.owner,
		"shopToken":    shopper,
	}
	var secured, public int
	for _, rt := range e.App.API.Routes() {
		name := rt.Method + " " + rt.Path
		op := doc.Paths.Find(api.OpenAPIPath(rt.Path)).GetOperation(rt.Method)
		if op == nil {
			t.Errorf("%s: not documented", name)
			continue
		}
		if op.Security == nil {
			t.Errorf("%s: declares no security (public routes declare security: [])", name)
			continue
		}
		schemes := map[string]bool{}
		for _, req := range *op.Security {
			for s := range req {
				schemes[s] = true
			}
		}
		path := param.ReplaceAllStringFunc(rt.Path, func(m string) string {
			if v, ok := values[m[1:]]; ok {
				return v
			}
			return ids.New()
		})
		r := e.Anon().Do(rt.Method, path, nil)
		if len(schemes) == 0 {
			public++
			if r.Status == 401 {
				t.Errorf("%s is documented as public but answers 401 without a token: %s", name, r.Body)
			}
			continue
		}
		secured++
		if _, ok := op.Responses.Map()["401"]; !ok {
			t.Errorf("%s: secured but documents no 401", name)
		}
		checkUnauthenticated(t, name+" without a token", r)
		for scheme, c := range tokens {
			if !schemes[scheme] {
				checkUnauthenticated(t, name+" with a "+scheme, c.Do(rt.Method, path, nil))
			}
		}
	}
	t.Logf("%d secured routes answer 401 without a token and refuse the other token; %d public routes do not answer 401", secured, public)
	if secured == 0 || public == 0 {
		t.Fatalf("secured %d, public %d: the route table was not read", secured, public)
	}
}

// checkUnauthenticated: r is a 401 in the one JSON error shape.
func checkUnauthenticated(t *testing.T, what string, r apptest.Resp) {
	t.Helper()
	var b api.ErrorBody
	if r.Status != 401 || json.Unmarshal(r.Body, &b) != nil || b.Error.Kind != "unauthenticated" || b.Error.Code == "" ||
		b.Error.RequestID == "" || b.Error.RequestID != r.Header.Get("X-Request-Id") {
		t.Errorf("%s: want 401 in the error shape, got %d %s", what, r.Status, r.Body)
	}
}
