package api_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/shoplet/shoplet/pkg/wechatfake"
	"github.com/shoplet/shoplet/tenant/app"
	"github.com/shoplet/shoplet/tenant/apptest"
	"github.com/shoplet/shoplet/tenant/thirdparty"
)

// TestThirdPartyPlatform: WeChat pushes the ticket (encrypted, signed); a
// brand authorises its mini-program through the platform's link; shoppers then
// sign in through sns/component/jscode2session; withdrawing the authorisation
// at WeChat unbinds the store.
func TestThirdPartyPlatform(t *testing.T) {
	comp := thirdparty.Config{AppID: "wxc0000000000000a1", Secret: "component-secret", MsgToken: "msg-token",
		AESKey: strings.TrimRight(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)), "=")}
	e := apptest.New(t, apptest.Options{Configure: func(c *app.Config) { c.Component = &comp }})
	e.Fake.RegisterComponent(wechatfake.ComponentPlatform{AppID: comp.AppID, Secret: comp.Secret, MsgToken: comp.MsgToken, AESKey: comp.AESKey})
	events := e.Server.URL + "/api/wechat/component/events"
	owner := e.SignUp("owner@component.example")
	sid := owner.CreateStore("component-shop", "mainland", "apparel")
	base := "/api/v1/stores/" + sid
	if r := owner.Do("GET", base+"/settings/miniprogram/authorize-url", nil); r.Status != 409 || r.ErrorCode() != "platform_not_ready" {
		t.Fatalf("before any ticket: %d %s", r.Status, r.Body)
	}
	// A forged event is refused.
	res, err := http.Post(events+"?timestamp=1&nonce=2&msg_signature=bad", "text/xml", strings.NewReader("<xml><AppId>x</AppId><Encrypt>abc</Encrypt></xml>"))
	if err != nil || res.StatusCode != 400 {
		t.Fatalf("forged event: %v %v", res.StatusCode, err)
	}
	if st, err := e.Fake.PushTicket(events, comp.AppID); err != nil || st != 200 {
		t.Fatalf("ticket push: %d %v", st, err)
	}
	link := owner.Must(200, "GET", base+"/settings/miniprogram/authorize-url", nil).Map(t)["url"].(string)
	if !strings.Contains(link, "/cgi-bin/componentloginpage?component_appid="+comp.AppID) {
		t.Fatalf("link: %s", link)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r1, err := noRedirect.Get(link) // the brand's admin confirms on WeChat's page
	if err != nil || r1.StatusCode != 302 {
		t.Fatalf("login page: %v %v", r1, err)
	}
	r2, err := noRedirect.Get(r1.Header.Get("Location")) // WeChat sends the browser back to us
	if err != nil || r2.StatusCode != 302 || !strings.Contains(r2.Header.Get("Location"), "/stores/"+sid+"/settings?authorized=1") {
		t.Fatalf("callback: %v %v", r2, err)
	}
	mp := owner.Must(200, "GET", base+"/settings/miniprogram", nil).Map(t)
	if mp["mode"] != "component" || !strings.HasPrefix(mp["app_id"].(string), "wx") {
		t.Fatalf("binding: %v", mp)
	}
	// The state is single-use.
	if r3, _ := noRedirect.Get(r1.Header.Get("Location")); r3.StatusCode != 400 {
		t.Fatalf("replayed callback: %d", r3.StatusCode)
	}
	shopper := e.Shopper(sid, "component-buyer")
	if shopper.Token == "" {
		t.Fatal("no shop token in component mode")
	}
	if st, err := e.Fake.PushUnauthorized(events, comp.AppID, mp["app_id"].(string)); err != nil || st != 200 {
		t.Fatalf("unauthorized push: %d %v", st, err)
	}
	if r := e.Anon().Do("POST", "/api/shop/v1/stores/"+sid+"/login", map[string]string{"code": app.DemoCode("late")}); r.Status != 409 {
		t.Fatalf("login after the authorisation was withdrawn: %d %s", r.Status, r.Body)
	}
	log := owner.Must(200, "GET", base+"/audit-logs", nil)
	for _, a := range []string{"miniprogram.authorized", "miniprogram.unauthorized"} {
		if !strings.Contains(string(log.Body), a) {
			t.Errorf("audit lacks %s", a)
		}
	}
	if strings.Contains(e.Logs.String(), "refreshtoken@@@") {
		t.Fatal("the authoriser refresh token reached the log")
	}
}
