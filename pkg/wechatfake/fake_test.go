package wechatfake_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoplet/shoplet/pkg/wechat"
	"github.com/shoplet/shoplet/pkg/wechatfake"
	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/miniprogram"
	mpconfig "github.com/silenceper/wechat/v2/miniprogram/config"
	"github.com/silenceper/wechat/v2/util"
	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"
)

func start(t *testing.T) (*wechatfake.Server, *httptest.Server, *http.Client) {
	f, err := wechatfake.New()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f.Handler())
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return f, srv, &http.Client{Transport: wechat.Rewrite(u, nil), Timeout: 5 * time.Second}
}

// TestMiniProgramThroughSDK: silenceper/wechat's own client, pointed at the
// fake through its HTTP transport, logs in and gets WeChat's error codes.
func TestMiniProgramThroughSDK(t *testing.T) {
	f, _, hc := start(t)
	util.DefaultHTTPClient = hc
	f.AddApp("wx00000000000000a1", "secret-a")
	mp := miniprogram.NewMiniProgram(&mpconfig.Config{AppID: "wx00000000000000a1", AppSecret: "secret-a", Cache: cache.NewMemory()})
	res, err := mp.GetAuth().Code2SessionContext(context.Background(), "user:alice:1")
	if err != nil || res.OpenID != wechatfake.OpenID("wx00000000000000a1", "alice") || res.UnionID == "" {
		t.Fatalf("code2session: %+v %v", res, err)
	}
	for code, want := range map[string]string{"user:alice:1": "40163", "invalid": "40029", "ratelimited": "45011", "risky": "40226"} {
		if _, err := mp.GetAuth().Code2SessionContext(context.Background(), code); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("code %q: err = %v, want errcode %s", code, err, want)
		}
	}
	bad := miniprogram.NewMiniProgram(&mpconfig.Config{AppID: "wx00000000000000a1", AppSecret: "wrong", Cache: cache.NewMemory()})
	if _, err := bad.GetAuth().Code2SessionContext(context.Background(), "user:bob:1"); err == nil || !strings.Contains(err.Error(), "40125") {
		t.Fatalf("wrong secret: %v", err)
	}
}

// TestPayThroughSDK: wechatpay-go signs, the fake verifies and signs back, the
// SDK verifies the fake's signature; the notification decrypts with the SDK's
// handler; a tampered one does not.
func TestPayThroughSDK(t *testing.T) {
	f, _, hc := start(t)
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	f.Pay.AddMerchant(wechatfake.Merchant{MchID: "1900000109", Serial: "SERIAL01", PublicKey: &key.PublicKey, APIv3Key: "0123456789abcdef0123456789abcdef"})
	ctx := context.Background()
	client, err := core.NewClient(ctx, option.WithWechatPayPublicKeyAuthCipher("1900000109", "SERIAL01", key, wechatfake.PublicKeyID, f.Pay.PlatformPublicKey()),
		option.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	var got atomic.Value
	notified := make(chan struct{}, 4)
	handler := notify.NewNotifyHandler("0123456789abcdef0123456789abcdef", verifiers.NewSHA256WithRSAPubkeyVerifier(wechatfake.PublicKeyID, *f.Pay.PlatformPublicKey()))
	fails := int32(2)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if atomic.AddInt32(&fails, -1) >= 0 { // the first two deliveries fail: WeChat Pay must retry
			w.WriteHeader(500)
			return
		}
		var tx payments.Transaction
		if _, err := handler.ParseNotifyRequest(r.Context(), r, &tx); err != nil {
			w.WriteHeader(401)
			return
		}
		got.Store(tx)
		notified <- struct{}{}
	}))
	defer recv.Close()
	f.Pay.RetryScale = 0.001

	svc := jsapi.JsapiApiService{Client: client}
	resp, _, err := svc.PrepayWithRequestPayment(ctx, jsapi.PrepayRequest{Appid: core.String("wx00000000000000a1"), Mchid: core.String("1900000109"),
		Description: core.String("T-shirt"), OutTradeNo: core.String("SO0001"), NotifyUrl: core.String(recv.URL + "/notify"),
		Amount: &jsapi.Amount{Total: core.Int64(9900)}, Payer: &jsapi.Payer{Openid: core.String("oUSER")}})
	if err != nil || resp.PrepayId == nil || *resp.SignType != "RSA" || *resp.PaySign == "" {
		t.Fatalf("prepay: %+v %v", resp, err)
	}
	if err := f.Pay.Succeed(*resp.PrepayId); err != nil {
		t.Fatal(err)
	}
	select {
	case <-notified:
	case <-time.After(5 * time.Second):
		t.Fatal("no notification delivered")
	}
	tx := got.Load().(payments.Transaction)
	if *tx.OutTradeNo != "SO0001" || *tx.TradeState != "SUCCESS" || *tx.Amount.Total != 9900 || *tx.Payer.Openid != "oUSER" {
		t.Fatalf("notified transaction: %+v", tx)
	}
	if n := f.Pay.DeliveryCount("SO0001"); n != 3 {
		t.Fatalf("deliveries = %d, want 3 (two failures, one success)", n)
	}
	q, _, err := svc.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String("SO0001"), Mchid: core.String("1900000109")})
	if err != nil || *q.TradeState != "SUCCESS" || *q.TransactionId == "" {
		t.Fatalf("query: %+v %v", q, err)
	}
	if _, err := svc.CloseOrder(ctx, jsapi.CloseOrderRequest{OutTradeNo: core.String("SO0001"), Mchid: core.String("1900000109")}); err == nil {
		t.Fatal("closing a paid order succeeded")
	}
	rs := refunddomestic.RefundsApiService{Client: client}
	rf, _, err := rs.Create(ctx, refunddomestic.CreateRequest{OutTradeNo: core.String("SO0001"), OutRefundNo: core.String("RF0001"),
		Amount: &refunddomestic.AmountReq{Refund: core.Int64(9900), Total: core.Int64(9900), Currency: core.String("CNY")}})
	if err != nil || *rf.Status != refunddomestic.STATUS_PROCESSING {
		t.Fatalf("refund: %+v %v", rf, err)
	}
	if _, _, err := rs.Create(ctx, refunddomestic.CreateRequest{OutTradeNo: core.String("SO0001"), OutRefundNo: core.String("RF0002"),
		Amount: &refunddomestic.AmountReq{Refund: core.Int64(1), Total: core.Int64(9900), Currency: core.String("CNY")}}); err == nil {
		t.Fatal("refunded more than was paid")
	}

	// A signature from another key is refused by the fake...
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	forger, _ := core.NewClient(ctx, option.WithWechatPayPublicKeyAuthCipher("1900000109", "SERIAL01", other, wechatfake.PublicKeyID, f.Pay.PlatformPublicKey()),
		option.WithHTTPClient(hc))
	if _, _, err := (&jsapi.JsapiApiService{Client: forger}).Prepay(ctx, jsapi.PrepayRequest{Appid: core.String("wx1"), Mchid: core.String("1900000109"),
		Description: core.String("x"), OutTradeNo: core.String("SO0002"), NotifyUrl: core.String("http://x"), Amount: &jsapi.Amount{Total: core.Int64(1)},
		Payer: &jsapi.Payer{Openid: core.String("o")}}); err == nil || !strings.Contains(err.Error(), "SIGN_ERROR") {
		t.Fatalf("forged request: %v", err)
	}
	// ...and a tampered notification is refused by the SDK's handler.
	body, h, _ := f.Pay.Notification("TRANSACTION.SUCCESS", "transaction", "0123456789abcdef0123456789abcdef", map[string]any{"out_trade_no": "X"}, time.Now())
	tampered := strings.Replace(string(body), "encrypt-resource", "encrypt-resourcE", 1)
	req, _ := http.NewRequest("POST", "http://x", io.NopCloser(strings.NewReader(tampered)))
	req.Header = h
	if _, err := handler.ParseNotifyRequest(ctx, req, &payments.Transaction{}); err == nil {
		t.Fatal("tampered notification accepted")
	}
}
