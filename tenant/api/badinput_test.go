package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/shoplet/shoplet/tenant/api"
	"github.com/shoplet/shoplet/tenant/apptest"
	"github.com/shoplet/shoplet/tenant/billing"
)

// sweepBodies are valid sample bodies of the write routes that are not
// tenant-scoped (bodies holds those); values naming world objects are
// filled in by the sweep.
func samplePlan() map[string]any {
	return map[string]any{"name": "Swept plan", "price_year": 100, "price_month": 10, "trial_days": 7, "max_products": 5, "max_staff": 2,
		"max_stores": 1, "modules": []string{"decoration"}, "status": "published", "trial_default": false}
}

func sweepBodies(w *world) map[string]any {
	rollout := map[string]any{"template_id": 1, "version": "1.0.0", "description": "d", "auto_release": true, "stores": []string{w.A}, "concurrency": 1}
	return map[string]any{
		"POST /api/v1/auth/signup":                                          map[string]any{"email": "new@sweep.example", "password": "long-enough-pw", "name": "New"},
		"POST /api/v1/auth/login":                                           map[string]any{"email": "owner@a.example", "password": "correct-horse-battery"},
		"POST /api/v1/auth/refresh":                                         map[string]any{"refresh_token": "x"},
		"POST /api/v1/auth/password-reset":                                  map[string]any{"email": "owner@a.example"},
		"POST /api/v1/auth/password-reset/confirm":                          map[string]any{"token": "x", "password": "long-enough-pw"},
		"POST /api/v1/stores":                                               map[string]any{"name": "Swept", "slug": "swept-store", "entity_type": "mainland", "categories": []string{"toys"}},
		"POST /api/v1/invitations/accept":                                   map[string]any{"token": "x"},
		"POST /api/v1/agencies":                                             map[string]any{"name": "Agency S"},
		"POST /api/v1/agencies/:agency/members":                             map[string]any{"email": "x@sweep.example", "role": "operator"},
		"POST /api/v1/platform/tenants/:tenant/categories/:category/reject": map[string]any{"reason": "x"},
		"POST /api/v1/platform/plans":                                       samplePlan(),
		"PUT /api/v1/platform/plans/:plan":                                  samplePlan(),
		"POST /api/v1/platform/tenants/:tenant/suspend":                     map[string]any{"reason": "x"},
		"POST /api/v1/platform/miniapp/templates":                           map[string]any{"draft_id": 1},
		"POST /api/v1/platform/miniapp/rollouts":                            rollout,
		"POST /api/v1/agencies/:agency/rollouts":                            rollout,
	}
}

// sweepCase is one malformed request and what its answer must name.
type sweepCase struct {
	name   string
	body   []byte
	status int    // exact status; 0: any 4xx
	field  string // a fields[].field the answer must name ("" names none)
	code   string // and its code ("" any)
	fields []string
}

// TestBadInputSweep sends, to every write route of the route table, bad
// input built from a valid sample body: a NUL in each string, an oversized
// body, a wrong type for each field, huge and negative numbers, {} when
// fields are required, an unknown field. Each answer must be a 4xx in the
// one error shape naming the field, and the store must be unchanged. The
// WeChat callbacks (their protocol dictates the answer) must never 500.
func TestBadInputSweep(t *testing.T) {
	e, _ := platformEnv(t, "wxc00000000000bi01")
	w := newWorld(t, e)
	op := e.Operator("ops@sweep.example")
	samples := sweepBodies(w)
	for k, v := range bodies {
		samples[k] = v
	}
	samples["POST /api/v1/stores/:store/agency-grants"] = map[string]any{"agency_id": w.agencyR, "role": "admin"}
	samples["POST /api/v1/stores/:store/products/bulk-status"] = map[string]any{"ids": []string{w.objs["product"]}, "status": "on_shelf"}
	samples["POST /api/v1/stores/:store/miniapp/publishes"] = map[string]any{"template_id": 1, "version": "2.0.0", "description": "d", "auto_release": true}
	samples["PATCH /api/v1/stores/:store/skus/:sku"] = map[string]any{"price": 1, "market_price": 2, "stock": 0, "barcode": "690"}
	samples["POST /api/shop/v1/stores/:store/checkout"] = map[string]any{"idempotency_key": "x", "address_id": w.objs["address"],
		"items": []map[string]any{{"sku_id": w.objs["sku"], "quantity": 1}}, "remark": "r", "scene": "1001"}
	samples["POST /api/shop/v1/stores/:store/orders/:order/refunds"] = map[string]any{"reason": "x",
		"lines": []map[string]any{{"line_id": "01a20000-0000-7000-8000-000000000001", "quantity": 1}}}
	params := map[string]string{"store": w.A, "tenant": w.A}
	for k, v := range w.objs {
		params[k] = v
	}
	params["agency"] = w.agencyX
	params["plan"] = billing.StandardPlanID

	var requests, named, fiveXX int
	check := func(key string, c sweepCase, res apptest.Resp) {
		t.Helper()
		requests++
		if res.Status >= 500 {
			fiveXX++
		}
		if res.Status < 400 || res.Status >= 500 || (c.status != 0 && res.Status != c.status) {
			t.Errorf("%s, %s: status %d: %.300s", key, c.name, res.Status, res.Body)
			return
		}
		var eb api.ErrorBody
		if err := json.Unmarshal(res.Body, &eb); err != nil || eb.Error.Kind == "" || eb.Error.Code == "" || eb.Error.Message == "" || eb.Error.RequestID == "" {
			t.Errorf("%s, %s: not the error shape: %.300s", key, c.name, res.Body)
			return
		}
		got := res.FieldErrors()
		want := c.fields
		if c.field != "" {
			want = []string{c.field}
		}
		for _, f := range want {
			code, ok := got[f]
			if !ok || (c.code != "" && code != c.code) {
				t.Errorf("%s, %s: want field %q (%s): %.300s", key, c.name, f, c.code, res.Body)
				return
			}
		}
		named++
	}

	before := snapshot(t, e, w.A)
	platform := platformRows(t, e)
	covered := 0
	for _, r := range e.App.API.Routes() {
		if r.In == nil || r.Method == http.MethodGet || r.Auth == api.PayNotify {
			continue
		}
		key := r.Method + " " + r.Path
		sample, ok := samples[key]
		if !ok {
			t.Errorf("%s takes a body but has no sample: add one to bodies or sweepBodies", key)
			continue
		}
		var cl *apptest.Client
		switch r.Auth {
		case api.Public:
			cl = e.Anon()
		case api.User:
			cl = w.ownerA
			if strings.Contains(r.Path, ":agency") {
				cl = w.agencyUser
			}
		case api.Operator:
			cl = op
		case api.Store:
			cl = w.ownerA
		case api.Shopper, api.ShopPublic:
			cl = w.shopperA
		default:
			t.Fatalf("%s: auth %q not in the sweep", key, r.Auth)
		}
		path := paramRE.ReplaceAllStringFunc(r.Path, func(m string) string {
			v, ok := params[m[1:]]
			if !ok {
				t.Fatalf("%s: no value for path parameter %s", key, m)
			}
			return v
		})
		for _, c := range sweepCases(t, reflect.TypeOf(r.In), sample) {
			check(key, c, cl.Do(r.Method, path, c.body))
		}
		covered++
	}
	if after := snapshot(t, e, w.A); after != before {
		t.Error("store A's rows changed during the sweep")
	}
	if after := platformRows(t, e); after != platform {
		t.Errorf("platform rows changed during the sweep: %s, then %s", platform, after)
	}

	// WeChat's callbacks answer in their own protocol, but never 500.
	callbacks := []string{"/api/pay/v1/stores/" + w.A + "/notify", "/api/wechat/component/events", "/api/wechat/component/messages/wx0000000000000000"}
	for _, p := range callbacks {
		for _, c := range sweepCases(t, reflect.TypeOf(struct {
			Resource string `json:"resource"`
			N        int    `json:"n"`
		}{}), map[string]any{"resource": "x", "n": 1}) {
			res := e.Anon().Do("POST", p, c.body)
			requests++
			if res.Status >= 500 {
				fiveXX++
				t.Errorf("POST %s, %s: %d", p, c.name, res.Status)
			}
		}
	}
	if covered < 40 {
		t.Fatalf("only %d write routes swept; the route table looks wrong", covered)
	}
	t.Logf("%d write routes: %d requests, %d 4xx naming the field, %d 5xx", covered, requests, named, fiveXX)
}

// platformRows counts the platform's own rows a rejected request could add.
func platformRows(t *testing.T, e *apptest.Env) string {
	t.Helper()
	var out []string
	err := e.App.T.PlatformTx(context.Background(), func(ctx context.Context) error {
		for _, tbl := range []string{"accounts", "tenants", "agencies", "agency_members", "memberships", "agency_grants", "rollouts"} {
			var n int64
			if err := e.App.T.P(ctx).Table(tbl).Count(&n).Error; err != nil {
				return err
			}
			out = append(out, fmt.Sprintf("%s=%d", tbl, n))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, " ")
}

// sweepCases builds the malformed variants of a valid sample body of type in.
func sweepCases(t *testing.T, in reflect.Type, sample any) []sweepCase {
	t.Helper()
	var base map[string]any
	raw, _ := json.Marshal(sample)
	if err := json.Unmarshal(raw, &base); err != nil {
		t.Fatalf("sample %s: %v", raw, err)
	}
	enc := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var cases []sweepCase
	for _, l := range leaves(base, nil) {
		p := render(l.path)
		switch l.value.(type) {
		case string:
			cases = append(cases, sweepCase{name: "NUL in " + p, body: enc(setAt(base, l.path, "nul\u0000byte")), status: 400, field: p, code: "invalid_character"})
			cases = append(cases, sweepCase{name: "number for " + p, body: enc(setAt(base, l.path, 12)), status: 400, field: p, code: "wrong_type"})
		case float64:
			cases = append(cases, sweepCase{name: "huge " + p, body: enc(setAt(base, l.path, json.RawMessage("1e30"))), status: 400, field: p, code: "wrong_type"})
			cases = append(cases, sweepCase{name: "negative " + p, body: enc(setAt(base, l.path, -1)), field: p})
			cases = append(cases, sweepCase{name: "string for " + p, body: enc(setAt(base, l.path, "12")), status: 400, field: p, code: "wrong_type"})
		case bool:
			cases = append(cases, sweepCase{name: "string for " + p, body: enc(setAt(base, l.path, "true")), status: 400, field: p, code: "wrong_type"})
		}
	}
	// Top-level fields of the type the sample leaves out are tried one at a time.
	for name, k := range topFields(in) {
		if _, ok := base[name]; ok {
			continue
		}
		with := func(v any) []byte { return enc(setAt(base, []any{name}, v)) }
		switch k {
		case reflect.String:
			cases = append(cases, sweepCase{name: "NUL in absent " + name, body: with("nul\u0000byte"), status: 400, field: name, code: "invalid_character"})
		case reflect.Int, reflect.Int64, reflect.Int32:
			cases = append(cases, sweepCase{name: "huge absent " + name, body: with(json.RawMessage("1e30")), status: 400, field: name, code: "wrong_type"})
			cases = append(cases, sweepCase{name: "negative absent " + name, body: with(-1), field: name})
		}
		var wrong any = []int{1}
		if k == reflect.Slice {
			wrong = "x"
		}
		cases = append(cases, sweepCase{name: "wrong type for absent " + name, body: with(wrong), status: 400, field: name, code: "wrong_type"})
	}
	for name, v := range base {
		var wrong any = []int{1}
		if _, ok := v.([]any); ok {
			wrong = "x"
		}
		cases = append(cases, sweepCase{name: "wrong type for " + name, body: enc(setAt(base, []any{name}, wrong)), status: 400, field: name, code: "wrong_type"})
	}
	if required := requiredFields(in); len(required) > 0 {
		cases = append(cases, sweepCase{name: "{}", body: []byte(`{}`), status: 400, fields: required, code: "required"})
	}
	cases = append(cases, sweepCase{name: "null", body: []byte(`null`), status: 400, field: "body", code: "required"})
	withUnknown := setAt(base, []any{"zz_unknown"}, 1)
	cases = append(cases, sweepCase{name: "unknown field", body: enc(withUnknown), status: 400, field: "zz_unknown", code: "unknown_field"})
	big := setAt(base, []any{"zz_padding"}, strings.Repeat("x", 1<<20))
	cases = append(cases, sweepCase{name: "oversized", body: enc(big), status: 413, field: "body", code: "too_large"})
	return cases
}

func topFields(t reflect.Type) map[string]reflect.Kind {
	out := map[string]reflect.Kind{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			for k, v := range topFields(f.Type) {
				out[k] = v
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		out[name] = ft.Kind()
	}
	return out
}

func requiredFields(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, requiredFields(f.Type)...)
			continue
		}
		if strings.Contains(f.Tag.Get("binding"), "required") {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			out = append(out, name)
		}
	}
	return out
}

type leaf struct {
	path  []any // string keys and int indexes
	value any
}

func leaves(v any, path []any) []leaf {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var out []leaf
		for _, k := range keys {
			out = append(out, leaves(x[k], append(append([]any{}, path...), k))...)
		}
		return out
	case []any:
		var out []leaf
		for i, el := range x {
			out = append(out, leaves(el, append(append([]any{}, path...), i))...)
		}
		return out
	}
	return []leaf{{path, v}}
}

func render(path []any) string {
	var b strings.Builder
	for _, s := range path {
		switch s := s.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		case int:
			fmt.Fprintf(&b, "[%d]", s)
		}
	}
	return b.String()
}

// setAt returns a deep copy of v with the value at path replaced.
func setAt(v any, path []any, val any) any {
	if len(path) == 0 {
		return val
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x)+1)
		for k, e := range x {
			out[k] = e
		}
		k := path[0].(string)
		out[k] = setAt(x[k], path[1:], val)
		return out
	case []any:
		out := append([]any{}, x...)
		i := path[0].(int)
		out[i] = setAt(x[i], path[1:], val)
		return out
	}
	return val
}
