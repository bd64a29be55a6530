package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoplet/shoplet/pkg/wechatfake"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/app"
	"github.com/shoplet/shoplet/tenant/apptest"
	"github.com/shoplet/shoplet/tenant/publish"
	"github.com/shoplet/shoplet/tenant/thirdparty"
)

var storefrontPages = []string{"pages/home/index", "pages/cart/index", "pages/user/index", "pages/entry/index"}

// platformEnv starts Shoplet as a third-party platform registered with the
// fake (its own component appid, so tests sharing the fake do not collide),
// with WeChat's ticket pushed.
func platformEnv(t testing.TB, componentAppID string) (*apptest.Env, thirdparty.Config) {
	comp := thirdparty.Config{AppID: componentAppID, Secret: "secret-" + componentAppID, MsgToken: "token-" + componentAppID,
		AESKey: strings.TrimRight(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32)), "=")}
	e := apptest.New(t, apptest.Options{Configure: func(c *app.Config) {
		c.Component = &comp
		c.PublicURL = "https://shop.example.com"
	}})
	e.Fake.RegisterComponent(wechatfake.ComponentPlatform{AppID: comp.AppID, Secret: comp.Secret, MsgToken: comp.MsgToken, AESKey: comp.AESKey})
	e.Fake.SetMessageURL(comp.AppID, e.Server.URL+"/api/wechat/component/messages/$APPID$")
	if st, err := e.Fake.PushTicket(e.Server.URL+"/api/wechat/component/events", comp.AppID); err != nil || st != 200 {
		t.Fatalf("ticket push: %d %v", st, err)
	}
	return e, comp
}

// authorise runs the brand's authorisation through WeChat's page and returns the appid.
func authorise(t testing.TB, owner *apptest.Client, sid string) string {
	t.Helper()
	base := "/api/v1/stores/" + sid
	link := owner.Must(200, "GET", base+"/settings/miniprogram/authorize-url", nil).Map(t)["url"].(string)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	appid := "wx" + strings.ToLower(fmt.Sprintf("%016x", time.Now().UnixNano()))[:16]
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("biz_appid", appid) // the mini-program the brand's admin confirms with
	u.RawQuery = q.Encode()
	r1, err := noRedirect.Get(u.String())
	if err != nil || r1.StatusCode != 302 {
		t.Fatalf("login page: %v %v", r1, err)
	}
	r2, err := noRedirect.Get(r1.Header.Get("Location"))
	if err != nil || r2.StatusCode != 302 {
		t.Fatalf("callback: %v %v", r2, err)
	}
	return appid
}

func waitPublish(t testing.TB, c *apptest.Client, sid, id string, want ...string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var p map[string]any
	for time.Now().Before(deadline) {
		p = c.Must(200, "GET", "/api/v1/stores/"+sid+"/miniapp/publishes/"+id, nil).Map(t)
		if slices.Contains(want, p["status"].(string)) {
			return p
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("publication %s: status %v, want %v; steps %v; error %v", id, p["status"], want, p["steps"], p["error"])
	return nil
}

// TestPublishPipeline: a brand publishes its mini-program through the
// platform; every step runs as a job against the fake WeChat; the review
// result arrives as an encrypted event (a repeat changes nothing); failed
// reviews, withdrawals, releases and rollbacks behave as at WeChat.
func TestPublishPipeline(t *testing.T) {
	e, comp := platformEnv(t, "wxc00000000000pb01")
	tpl := e.Fake.AddTemplate(comp.AppID, "2.3.0", "storefront 2.3", storefrontPages...)
	owner := e.SignUp("owner@publish.example")
	sid := owner.CreateStore("publish-shop", "mainland", "apparel")
	base := "/api/v1/stores/" + sid + "/miniapp/publishes"

	// Before authorising, publishing is refused with a reason.
	if r := owner.Do("POST", base, map[string]any{"template_id": tpl, "version": "1.0.0"}); r.Status != 409 || r.ErrorCode() != "miniprogram_not_authorized" {
		t.Fatalf("unauthorised store: %d %s", r.Status, r.Body)
	}
	appid := authorise(t, owner, sid)

	// The store sees the platform's template library.
	lib := owner.Must(200, "GET", "/api/v1/stores/"+sid+"/miniapp/templates", nil)
	if !strings.Contains(string(lib.Body), `"user_version":"2.3.0"`) {
		t.Fatalf("template library: %s", lib.Body)
	}
	// Bad input names its fields and starts nothing.
	r := owner.Do("POST", base, map[string]any{"template_id": 0, "version": strings.Repeat("9", 65)})
	if fe := r.FieldErrors(); r.Status != 400 || fe["template_id"] == "" || fe["version"] == "" {
		t.Fatalf("bad input: %d %s", r.Status, r.Body)
	}
	// A template that is not in the library fails at the commit step, in words.
	p0 := owner.Must(202, "POST", base, map[string]any{"template_id": 999999, "version": "0.9.0"}).Map(t)
	f := waitPublish(t, owner, sid, p0["id"].(string), publish.Failed)
	if !strings.Contains(f["error"].(string), "no longer exists in the platform's library") || !strings.Contains(f["error"].(string), "85014") {
		t.Fatalf("failed commit error: %v", f["error"])
	}

	// 1.0.0 without auto-release: runs to review.
	p1 := owner.Must(202, "POST", base, map[string]any{"template_id": tpl, "version": "1.0.0", "description": "first"}).Map(t)
	id1 := p1["id"].(string)
	got := waitPublish(t, owner, sid, id1, publish.Auditing)
	for _, st := range got["steps"].([]any)[:5] {
		if st.(map[string]any)["status"] != publish.StepDone {
			t.Fatalf("step not done before review: %v", st)
		}
	}
	if d := e.Fake.Domains(appid)["requestdomain"]; len(d) != 1 || d[0] != "https://shop.example.com" {
		t.Fatalf("request domains at WeChat: %v", d)
	}
	qr := owner.Must(200, "GET", base+"/"+id1+"/trial-qr", nil)
	if len(qr.Body) < 100 || qr.Body[0] != 0xFF || qr.Body[1] != 0xD8 {
		t.Fatalf("trial QR is not a JPEG: %d bytes", len(qr.Body))
	}
	// One publication at a time.
	if r := owner.Do("POST", base, map[string]any{"template_id": tpl, "version": "1.0.1"}); r.Status != 409 || r.ErrorCode() != "publish_in_progress" {
		t.Fatalf("second publication during review: %d %s", r.Status, r.Body)
	}
	// Another store's staff do not see it.
	other := e.SignUp("other@publish.example")
	osid := other.CreateStore("publish-other", "mainland", "apparel")
	if r := other.Do("GET", "/api/v1/stores/"+osid+"/miniapp/publishes/"+id1, nil); r.Status != 404 {
		t.Fatalf("other store reads the publication: %d", r.Status)
	}
	// A forged review event is refused and changes nothing.
	forged, _ := http.Post(e.Server.URL+"/api/wechat/component/messages/"+appid+"?timestamp=1&nonce=2&msg_signature=bad", "text/xml",
		strings.NewReader("<xml><ToUserName>gh_x</ToUserName><Encrypt>abc</Encrypt></xml>"))
	if forged.StatusCode != 400 {
		t.Fatalf("forged message: %d", forged.StatusCode)
	}
	// WeChat rejects it; the reason reaches the brand.
	if st, err := e.Fake.CompleteAudit(appid, "fail", "首页缺少商品价格"); err != nil || st != 200 {
		t.Fatalf("audit push: %d %v", st, err)
	}
	got = waitPublish(t, owner, sid, id1, publish.AuditFailed)
	if got["reason"] != "首页缺少商品价格" {
		t.Fatalf("reason: %v", got["reason"])
	}
	if r := owner.Do("POST", base+"/"+id1+"/release", nil); r.Status != 409 {
		t.Fatalf("release after a failed review: %d", r.Status)
	}

	// 1.0.1 with auto-release: passes review and goes live. The event is
	// delivered twice; the second changes nothing.
	id2 := owner.Must(202, "POST", base, map[string]any{"template_id": tpl, "version": "1.0.1", "auto_release": true}).Map(t)["id"].(string)
	waitPublish(t, owner, sid, id2, publish.Auditing)
	if st, err := e.Fake.CompleteAudit(appid, "success", ""); err != nil || st != 200 {
		t.Fatalf("audit push: %d %v", st, err)
	}
	got = waitPublish(t, owner, sid, id2, publish.Released)
	if st, err := e.Fake.ReplayLastPush(); err != nil || st != 200 {
		t.Fatalf("replayed push: %d %v", st, err)
	}
	if e.Fake.Live(appid) != "1.0.1" {
		t.Fatalf("live version at WeChat: %q", e.Fake.Live(appid))
	}
	time.Sleep(100 * time.Millisecond)
	if again := owner.Must(200, "GET", base+"/"+id2, nil).Map(t); again["status"] != publish.Released || again["released_at"] != got["released_at"] {
		t.Fatalf("replayed event changed the publication: %v", again)
	}

	// 1.0.2: withdrawn from review.
	id3 := owner.Must(202, "POST", base, map[string]any{"template_id": tpl, "version": "1.0.2", "auto_release": true}).Map(t)["id"].(string)
	waitPublish(t, owner, sid, id3, publish.Auditing)
	owner.Must(200, "POST", base+"/"+id3+"/withdraw", nil)
	if r := owner.Do("POST", base+"/"+id3+"/withdraw", nil); r.Status != 409 {
		t.Fatalf("second withdrawal: %d", r.Status)
	}

	// 1.0.3: review delayed, then passed (found by asking WeChat), released
	// by hand, then rolled back to 1.0.1.
	id4 := owner.Must(202, "POST", base, map[string]any{"template_id": tpl, "version": "1.0.3"}).Map(t)["id"].(string)
	waitPublish(t, owner, sid, id4, publish.Auditing)
	if _, err := e.Fake.CompleteAudit(appid, "delay", "审核排队中"); err != nil {
		t.Fatal(err)
	}
	waitPublish(t, owner, sid, id4, publish.Delayed)
	// The pass event is lost (the push goes nowhere); the brand asks WeChat.
	e.Fake.SetMessageURL(comp.AppID, "http://127.0.0.1:1/lost")
	_, _ = e.Fake.CompleteAudit(appid, "success", "")
	e.Fake.SetMessageURL(comp.AppID, e.Server.URL+"/api/wechat/component/messages/$APPID$")
	if p := owner.Must(200, "POST", base+"/"+id4+"/refresh", nil).Map(t); p["status"] != publish.Approved {
		t.Fatalf("after refresh: %v", p["status"])
	}
	// Two clicks on release: one release at WeChat, no "already released" failure.
	owner.Must(200, "POST", base+"/"+id4+"/release", nil)
	if r := owner.Do("POST", base+"/"+id4+"/release", nil); r.Status != 200 && r.Status != 409 {
		t.Fatalf("second release click: %d %s", r.Status, r.Body)
	}
	if p := waitPublish(t, owner, sid, id4, publish.Released); p["error"] != nil && p["error"] != "" {
		t.Fatalf("release error: %v", p["error"])
	}
	time.Sleep(200 * time.Millisecond)
	if p := owner.Must(200, "GET", base+"/"+id4, nil).Map(t); p["status"] != publish.Released {
		t.Fatalf("after a repeated release: %v %v", p["status"], p["error"])
	}
	if e.Fake.Live(appid) != "1.0.3" {
		t.Fatalf("live: %q", e.Fake.Live(appid))
	}
	owner.Must(200, "POST", base+"/"+id4+"/rollback", nil)
	if e.Fake.Live(appid) != "1.0.1" {
		t.Fatalf("live after rollback: %q", e.Fake.Live(appid))
	}
	list := owner.Must(200, "GET", base, nil)
	var out struct {
		Items []publish.Publish `json:"items"`
	}
	list.JSON(t, &out)
	statuses := []string{}
	for _, p := range out.Items {
		statuses = append(statuses, p.Version+":"+p.Status)
	}
	if want := "1.0.3:rolled_back 1.0.2:withdrawn 1.0.1:released 1.0.0:audit_failed 0.9.0:failed"; strings.Join(statuses, " ") != want {
		t.Fatalf("history: %v, want %s", statuses, want)
	}
	logs := string(owner.Must(200, "GET", "/api/v1/stores/"+sid+"/audit-logs", nil).Body)
	for _, a := range []string{"miniapp.publish_started", "miniapp.publish_failed", "miniapp.audit_failed", "miniapp.audit_passed",
		"miniapp.released", "miniapp.audit_withdrawn", "miniapp.audit_delayed", "miniapp.rolled_back"} {
		if !strings.Contains(logs, a) {
			t.Errorf("audit log lacks %s", a)
		}
	}
}

// TestRollout: the platform publishes a template version to many stores at
// most N at a time, with a result per store; an agency may roll out only to
// stores that granted it a role that may publish.
func TestRollout(t *testing.T) {
	e, comp := platformEnv(t, "wxc00000000000ro01")
	tpl := e.Fake.AddTemplate(comp.AppID, "3.0.0", "storefront 3", storefrontPages...)
	op := e.Operator("ops@rollout.example")
	var stores []string
	var apps []string
	for i := range 5 {
		owner := e.SignUp(fmt.Sprintf("owner%d@rollout.example", i))
		sid := owner.CreateStore(fmt.Sprintf("rollout-%d", i), "mainland", "apparel")
		stores = append(stores, sid)
		apps = append(apps, authorise(t, owner, sid))
	}
	lone := e.SignUp("lone@rollout.example")
	unauth := lone.CreateStore("rollout-unauthorised", "mainland", "apparel")

	if r := op.Do("POST", "/api/v1/platform/miniapp/rollouts", map[string]any{"template_id": tpl, "version": "3.0.0", "concurrency": 0,
		"stores": []string{"nope"}}); r.Status != 400 || r.FieldErrors()["stores[0]"] == "" {
		t.Fatalf("bad store id: %d %s", r.Status, r.Body)
	}
	ro := op.Must(202, "POST", "/api/v1/platform/miniapp/rollouts", map[string]any{"template_id": tpl, "version": "3.0.0",
		"concurrency": 2, "stores": append(slices.Clone(stores), unauth)}).Map(t)
	rid := ro["id"].(string)
	var final map[string]any
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		final = op.Must(200, "GET", "/api/v1/platform/miniapp/rollouts/"+rid, nil).Map(t)
		counts := final["counts"].(map[string]any)
		if counts["auditing"] == float64(5) && counts["failed"] == float64(1) {
			break
		}
		time.Sleep(30 * time.Millisecond)
	}
	counts := final["counts"].(map[string]any)
	if counts["auditing"] != float64(5) || counts["failed"] != float64(1) {
		t.Fatalf("rollout result: %v", final)
	}
	for _, it := range final["items"].([]any) {
		m := it.(map[string]any)
		if m["store_id"] == unauth && !strings.Contains(m["error"].(string), "authorise") {
			t.Fatalf("unauthorised store's result: %v", m)
		}
	}
	// Never more than two stores in the steps before review at once: the
	// pipelines' intervals (first step started → submitted) overlap at most 2 deep.
	type span struct{ from, to time.Time }
	var spans []span
	for _, sid := range stores {
		var p publish.Publish
		if err := e.App.T.Tx(tenant.WithTenant(context.Background(), sid), func(ctx context.Context) error {
			return e.App.T.Q(ctx).Where("rollout_id = ?", rid).Take(&p).Error
		}); err != nil {
			t.Fatal(err)
		}
		spans = append(spans, span{*p.Steps.V[0].StartedAt, *p.SubmittedAt})
	}
	for _, a := range spans {
		depth := 0
		for _, b := range spans {
			if !b.from.After(a.from) && b.to.After(a.from) {
				depth++
			}
		}
		if depth > 2 {
			t.Fatalf("%d pipelines ran at once (limit 2): %v", depth, spans)
		}
	}
	for _, a := range apps {
		if _, err := e.Fake.CompleteAudit(a, "success", ""); err != nil {
			t.Fatal(err)
		}
	}

	// Agencies: only stores that granted a role that may publish.
	agent := e.SignUp("agent@rollout.example")
	ag := agent.Must(201, "POST", "/api/v1/agencies", map[string]string{"name": "Rollout Agency"}).Map(t)["id"].(string)
	owner0 := e.SignUp("owner-agency@rollout.example")
	s1 := owner0.CreateStore("rollout-agency-1", "mainland", "apparel")
	s2 := owner0.CreateStore("rollout-agency-2", "mainland", "apparel")
	authorise(t, owner0, s1)
	authorise(t, owner0, s2)
	owner0.Must(201, "POST", "/api/v1/stores/"+s1+"/agency-grants", map[string]string{"agency_id": ag, "role": "admin"})
	owner0.Must(201, "POST", "/api/v1/stores/"+s2+"/agency-grants", map[string]string{"agency_id": ag, "role": "viewer"})
	if r := agent.Do("POST", "/api/v1/agencies/"+ag+"/rollouts", map[string]any{"template_id": tpl, "version": "3.0.1", "stores": []string{s1, s2}}); r.Status != 400 || r.FieldErrors()["stores"] == "" {
		t.Fatalf("agency rollout to a viewer grant: %d %s", r.Status, r.Body)
	}
	aro := agent.Must(202, "POST", "/api/v1/agencies/"+ag+"/rollouts", map[string]any{"template_id": tpl, "version": "3.0.1"}).Map(t)
	if aro["total"] != float64(1) {
		t.Fatalf("agency rollout covers %v stores, want 1 (the admin grant)", aro["total"])
	}
	if r := e.SignUp("stranger@rollout.example").Do("GET", "/api/v1/agencies/"+ag+"/rollouts/"+aro["id"].(string), nil); r.Status != 404 && r.Status != 403 {
		t.Fatalf("a stranger reads the agency's rollout: %d", r.Status)
	}
	if r := agent.Do("GET", "/api/v1/agencies/"+ag+"/rollouts/"+rid, nil); r.Status != 404 {
		t.Fatalf("the agency reads the platform's rollout: %d", r.Status)
	}
}

// BenchmarkPublishPipeline: one brand's publication end to end against the
// fake (domains → privacy → commit → trial QR → submit → review event →
// release), each step a job on the real queue; the review itself is instant.
func BenchmarkPublishPipeline(b *testing.B) {
	e, comp := platformEnv(b, "wxc00000000000bn01")
	tpl := e.Fake.AddTemplate(comp.AppID, "9.0.0", "bench", storefrontPages...)
	owner := e.SignUp("owner@publish-bench.example")
	sid := owner.CreateStore("publish-bench", "mainland", "apparel")
	appid := authorise(b, owner, sid)
	base := "/api/v1/stores/" + sid + "/miniapp/publishes"
	b.ResetTimer()
	for i := range b.N {
		id := owner.Must(202, "POST", base, map[string]any{"template_id": tpl, "version": fmt.Sprintf("9.0.%d", i), "auto_release": true}).Map(b)["id"].(string)
		waitPublish(b, owner, sid, id, publish.Auditing)
		if _, err := e.Fake.CompleteAudit(appid, "success", ""); err != nil {
			b.Fatal(err)
		}
		waitPublish(b, owner, sid, id, publish.Released)
	}
}
