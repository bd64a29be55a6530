package api_test

import (
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"

	"github.com/shoplet/shoplet/pkg/wechatfake"
	"github.com/shoplet/shoplet/tenant/app"
	"github.com/shoplet/shoplet/tenant/apptest"
	"github.com/shoplet/shoplet/tenant/payment"
)

// buyAndPay checks one shirt out and pays it on the fake phone.
func buyAndPay(t *testing.T, e *apptest.Env, cs commerceStore, name string) (string, map[string]any) {
	shopper := e.Shopper(cs.conn.StoreID, name)
	addr := addAddress(t, shopper, cs.shop)
	out := shopper.Must(201, "POST", cs.shop+"/checkout", map[string]any{"items": []map[string]any{{"sku_id": cs.skuA, "quantity": 1}},
		"address_id": addr, "idempotency_key": "m"}).Map(t)
	if out["payment"] == nil {
		t.Fatalf("no payment parameters: %v", out)
	}
	pay := out["payment"].(map[string]any)
	if err := e.Fake.Pay.Succeed(strings.TrimPrefix(pay["package"].(string), "prepay_id=")); err != nil {
		t.Fatal(err)
	}
	oid := out["order"].(map[string]any)["id"].(string)
	waitFor(t, "paid", func() bool {
		return shopper.Must(200, "GET", cs.shop+"/orders/"+oid, nil).Map(t)["status"] == "paid"
	})
	return oid, pay
}

// TestCrossBorderPurchase: an overseas store pays through the /v3/global
// endpoints (wechatpay-go's signed client, the SDK has no global service),
// refunds too, and subscribe messages reach the shopper.
func TestCrossBorderPurchase(t *testing.T) {
	e := apptest.New(t)
	cs := newCommerceStore(t, e, "overseas-shop", "overseas")
	cs.owner.Must(200, "PUT", cs.base+"/settings/messages", map[string]string{"paid_template_id": "TPL-PAID-1", "shipped_template_id": "TPL-SHIP-1"})
	oid, _ := buyAndPay(t, e, cs, "hk-buyer")
	o := cs.owner.Must(200, "GET", cs.base+"/orders/"+oid, nil).Map(t)
	if o["pay_mode"] != "global" {
		t.Fatalf("pay mode = %v", o["pay_mode"])
	}
	waitFor(t, "paid message", func() bool {
		for _, m := range e.Fake.SentMessages() {
			if m.AppID == cs.conn.AppID && m.TemplateID == "TPL-PAID-1" && strings.Contains(toJSON(m.Data), o["order_no"].(string)) {
				return true
			}
		}
		return false
	})
	// The buyer (signing in again: the same member) asks for a refund; staff
	// approve; it completes through /v3/global/refunds and its notification.
	buyer := e.Shopper(cs.conn.StoreID, "hk-buyer")
	req := buyer.Must(201, "POST", cs.shop+"/orders/"+oid+"/refunds", map[string]any{"reason": "damaged"}).Map(t)
	cs.owner.Must(200, "POST", cs.base+"/refunds/"+req["id"].(string)+"/review", map[string]any{"approve": true})
	waitFor(t, "global refund", func() bool {
		return cs.owner.Must(200, "GET", cs.base+"/orders/"+oid, nil).Map(t)["status"] == "refunded"
	})
}

// TestPartnerModePurchase: the platform is the service provider; the brand is
// its sub-merchant and holds no key of its own.
func TestPartnerModePurchase(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	sp := &payment.Platform{SpMchID: "1900009999", SpAppID: "wxsp000000000001", Serial: "SPSERIAL01", PrivateKey: key,
		APIv3Key: "sp-apiv3-key-0123456789abcdefghi"}
	e := apptest.New(t, apptest.Options{Configure: func(c *app.Config) {
		sp.PublicKeyID, sp.PublicKey = wechatfake.PublicKeyID, c.Fake.Pay.PlatformPublicKey()
		c.Platform = sp
	}})
	e.Fake.Pay.AddMerchant(wechatfake.Merchant{MchID: sp.SpMchID, Serial: sp.Serial, PublicKey: &key.PublicKey, APIv3Key: sp.APIv3Key})
	owner := e.SignUp("owner@partner.example")
	sid := owner.CreateStore("partner-shop", "mainland", "apparel")
	conn := owner.ConnectWeChat(sid)
	owner.Must(200, "PUT", "/api/v1/stores/"+sid+"/settings/payment", map[string]any{"mode": "partner", "sub_mch_id": "1600000001"})
	cs := commerceStore{owner: owner, conn: conn, base: "/api/v1/stores/" + sid, shop: "/api/shop/v1/stores/" + sid}
	p := owner.Must(201, "POST", cs.base+"/products", sampleProduct("", "")).Map(t)
	cs.prod, cs.skuA = p["id"].(string), p["skus"].([]any)[0].(map[string]any)["id"].(string)
	owner.Must(200, "PUT", cs.base+"/products/"+cs.prod+"/status", map[string]string{"status": "on_shelf"})
	oid, pay := buyAndPay(t, e, cs, "partner-buyer")
	if pay["appId"] != conn.AppID {
		t.Fatalf("requestPayment appId = %v, want the brand's mini-program", pay["appId"])
	}
	if o := owner.Must(200, "GET", cs.base+"/orders/"+oid, nil).Map(t); o["pay_mode"] != "partner" {
		t.Fatalf("pay mode = %v", o["pay_mode"])
	}
}
