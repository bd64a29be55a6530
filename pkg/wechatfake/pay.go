package wechatfake

import (
	"bytes"
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// PublicKeyID names the fake's platform public key (WeChat Pay's "public key
// mode"); responses and notifications are signed with its private half.
const PublicKeyID = "PUB_KEY_ID_0100000000000000000000000000000001"

// Merchant is a WeChat Pay merchant account the fake knows.
type Merchant struct {
	MchID     string
	Serial    string         // serial of the merchant certificate that signs requests
	PublicKey *rsa.PublicKey // verifies the merchant's request signatures
	APIv3Key  string         // encrypts notifications to this merchant
}

// RetrySchedule is WeChat Pay's documented notification retry schedule.
var RetrySchedule = []time.Duration{15 * time.Second, 15 * time.Second, 30 * time.Second, 3 * time.Minute, 10 * time.Minute,
	20 * time.Minute, 30 * time.Minute, 30 * time.Minute, 30 * time.Minute, time.Hour, 3 * time.Hour, 3 * time.Hour, 3 * time.Hour,
	6 * time.Hour, 6 * time.Hour}

// Pay fakes WeChat Pay API v3.
type Pay struct {
	mu        sync.Mutex
	key       *rsa.PrivateKey
	merchants map[string]Merchant
	orders    map[string]*payOrder // by prepay id
	byTrade   map[string]*payOrder // by merchant key + out_trade_no
	refunds   map[string]*payRefund
	// RetryScale multiplies the retry schedule (1 in the demo; tests use a
	// small fraction so 15 retries take milliseconds).
	RetryScale float64
	// Deliveries counts notification POSTs by out_trade_no (or out_refund_no).
	Deliveries map[string]int
	client     *http.Client
	seq        int64
	dropCloses int // closes to apply and then hang up on (see DropNextClose)
	holdClose  *hold
}

type hold struct {
	reached chan struct{}
	release chan struct{}
}

// HoldNextClose makes the next close request take effect and then wait,
// unanswered, until release is called (then the connection is cut): the
// caller is caught in the middle of its job. reached is closed when the
// request has arrived.
func (p *Pay) HoldNextClose() (reached <-chan struct{}, release func()) {
	h := &hold{reached: make(chan struct{}), release: make(chan struct{})}
	p.mu.Lock()
	p.holdClose = h
	p.mu.Unlock()
	var once sync.Once
	return h.reached, func() { once.Do(func() { close(h.release) }) }
}

// DropNextClose makes the next close request take effect and then lose its
// answer (the connection is cut), as when the caller dies after WeChat Pay acted.
func (p *Pay) DropNextClose() {
	p.mu.Lock()
	p.dropCloses++
	p.mu.Unlock()
}

type payOrder struct {
	Mode                     string // direct, partner, global
	MchID, SpMchID, SubMchID string
	AppID, SpAppID, SubAppID string
	OutTradeNo, Description  string
	NotifyURL, Attach        string
	Total                    int64
	Currency                 string
	OpenID                   string
	TradeType                string // JSAPI or NATIVE
	CodeURL                  string // NATIVE: what the QR code holds
	PrepayID, TransactionID  string
	State                    string
	SuccessTime              string
	Refunded                 int64
}

type payRefund struct {
	order                   *payOrder
	OutRefundNo, RefundID   string
	Amount                  int64
	Status                  string
	NotifyURL               string
	CreateTime, SuccessTime string
}

// NewPay makes a WeChat Pay fake with a fresh platform key.
func NewPay() (*Pay, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &Pay{key: k, merchants: map[string]Merchant{}, orders: map[string]*payOrder{}, byTrade: map[string]*payOrder{},
		refunds: map[string]*payRefund{}, RetryScale: 1, Deliveries: map[string]int{}, client: &http.Client{Timeout: 5 * time.Second,
			// Notifications go out concurrently, as WeChat Pay sends them; the
			// default two idle connections per host would open one per POST.
			Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}}, nil
}

// PlatformPublicKey is what merchants configure to verify WeChat Pay.
func (p *Pay) PlatformPublicKey() *rsa.PublicKey { return &p.key.PublicKey }

// PlatformPublicKeyPEM is the platform public key in PEM.
func (p *Pay) PlatformPublicKeyPEM() string {
	der, _ := x509.MarshalPKIXPublicKey(&p.key.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// AddMerchant registers a merchant (a brand's own, or the platform's service-provider account).
func (p *Pay) AddMerchant(m Merchant) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.merchants[m.MchID] = m
}

func (p *Pay) routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v3/pay/transactions/jsapi", p.prepay("direct"))
	// Native (a QR code the payer scans) is a direct merchant's order like
	// JSAPI's: the same query, close and notification, with no payer.
	mux.HandleFunc("POST /v3/pay/transactions/native", p.prepay("native"))
	mux.HandleFunc("POST /v3/pay/partner/transactions/jsapi", p.prepay("partner"))
	mux.HandleFunc("POST /v3/global/transactions/jsapi", p.prepay("global"))
	mux.HandleFunc("GET /v3/pay/transactions/out-trade-no/{no}", p.query("direct"))
	mux.HandleFunc("GET /v3/pay/partner/transactions/out-trade-no/{no}", p.query("partner"))
	mux.HandleFunc("GET /v3/global/transactions/out-trade-no/{no}", p.query("global"))
	mux.HandleFunc("POST /v3/pay/transactions/out-trade-no/{no}/close", p.close("direct"))
	mux.HandleFunc("POST /v3/pay/partner/transactions/out-trade-no/{no}/close", p.close("partner"))
	mux.HandleFunc("POST /v3/global/transactions/out-trade-no/{no}/close", p.close("global"))
	mux.HandleFunc("POST /v3/refund/domestic/refunds", p.refund)
	mux.HandleFunc("POST /v3/global/refunds", p.refund)
	mux.HandleFunc("GET /v3/refund/domestic/refunds/{no}", p.queryRefund)
	mux.HandleFunc("POST /fake/pay/succeed", p.succeedHTTP)
}

// payErr answers like WeChat Pay: a status and {code, message}, signed.
func (p *Pay) payErr(w http.ResponseWriter, status int, code, msg string) {
	p.respond(w, status, map[string]any{"code": code, "message": msg})
}

func (p *Pay) respond(w http.ResponseWriter, status int, v any) {
	var body []byte
	if v != nil {
		body, _ = json.Marshal(v)
	}
	ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), randHex(16)
	w.Header().Set("Wechatpay-Timestamp", ts)
	w.Header().Set("Wechatpay-Nonce", nonce)
	w.Header().Set("Wechatpay-Serial", PublicKeyID)
	w.Header().Set("Wechatpay-Signature", p.sign(ts+"\n"+nonce+"\n"+string(body)+"\n"))
	w.Header().Set("Request-Id", "fake-"+randHex(8))
	if body != nil {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (p *Pay) sign(msg string) string {
	h := sha256.Sum256([]byte(msg))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, p.key, crypto.SHA256, h[:])
	return base64.StdEncoding.EncodeToString(sig)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%X", b)
}

// authenticate checks the WECHATPAY2-SHA256-RSA2048 Authorization header
// against the registered merchant's key and returns the merchant and body.
func (p *Pay) authenticate(w http.ResponseWriter, r *http.Request) (Merchant, []byte, bool) {
	body, _ := io.ReadAll(r.Body)
	h := r.Header.Get("Authorization")
	const scheme = "WECHATPAY2-SHA256-RSA2048 "
	if !strings.HasPrefix(h, scheme) {
		p.payErr(w, 401, "SIGN_ERROR", "Authorization header missing or wrong scheme")
		return Merchant{}, nil, false
	}
	f := map[string]string{}
	for _, kv := range strings.Split(h[len(scheme):], ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		f[k] = strings.Trim(v, `"`)
	}
	p.mu.Lock()
	m, ok := p.merchants[f["mchid"]]
	p.mu.Unlock()
	if !ok {
		p.payErr(w, 401, "SIGN_ERROR", "merchant not found")
		return Merchant{}, nil, false
	}
	if f["serial_no"] != m.Serial {
		p.payErr(w, 401, "SIGN_ERROR", "certificate serial number does not match")
		return Merchant{}, nil, false
	}
	ts, err := strconv.ParseInt(f["timestamp"], 10, 64)
	if err != nil || absDur(time.Since(time.Unix(ts, 0))) > 5*time.Minute {
		p.payErr(w, 401, "SIGN_ERROR", "timestamp expired")
		return Merchant{}, nil, false
	}
	msg := r.Method + "\n" + r.URL.RequestURI() + "\n" + f["timestamp"] + "\n" + f["nonce_str"] + "\n" + string(body) + "\n"
	sig, err := base64.StdEncoding.DecodeString(f["signature"])
	sum := sha256.Sum256([]byte(msg))
	if err != nil || rsa.VerifyPKCS1v15(m.PublicKey, crypto.SHA256, sum[:], sig) != nil {
		p.payErr(w, 401, "SIGN_ERROR", "signature verification failed")
		return Merchant{}, nil, false
	}
	return m, body, true
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

type prepayIn struct {
	AppID, MchID, SpAppID, SpMchID, SubAppID, SubMchID string
	Description, OutTradeNo, NotifyURL, Attach         string
	Amount                                             struct {
		Total    int64  `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
	Payer struct {
		OpenID    string `json:"openid"`
		SpOpenID  string `json:"sp_openid"`
		SubOpenID string `json:"sub_openid"`
	} `json:"payer"`
}

func (in *prepayIn) UnmarshalJSON(b []byte) error {
	type raw struct {
		AppID      string `json:"appid"`
		MchID      string `json:"mchid"`
		SpAppID    string `json:"sp_appid"`
		SpMchID    string `json:"sp_mchid"`
		SubAppID   string `json:"sub_appid"`
		SubMchID   string `json:"sub_mchid"`
		Desc       string `json:"description"`
		OutTradeNo string `json:"out_trade_no"`
		NotifyURL  string `json:"notify_url"`
		Attach     string `json:"attach"`
	}
	var r raw
	if err := json.Unmarshal(b, &r); err != nil {
		return err
	}
	var rest struct {
		Amount json.RawMessage `json:"amount"`
		Payer  json.RawMessage `json:"payer"`
	}
	_ = json.Unmarshal(b, &rest)
	in.AppID, in.MchID, in.SpAppID, in.SpMchID, in.SubAppID, in.SubMchID = r.AppID, r.MchID, r.SpAppID, r.SpMchID, r.SubAppID, r.SubMchID
	in.Description, in.OutTradeNo, in.NotifyURL, in.Attach = r.Desc, r.OutTradeNo, r.NotifyURL, r.Attach
	if len(rest.Amount) > 0 {
		_ = json.Unmarshal(rest.Amount, &in.Amount)
	}
	if len(rest.Payer) > 0 {
		_ = json.Unmarshal(rest.Payer, &in.Payer)
	}
	return nil
}

func tradeKey(mode, mch, sub, no string) string { return mode + "|" + mch + "|" + sub + "|" + no }

func (p *Pay) prepay(mode string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, body, ok := p.authenticate(w, r)
		if !ok {
			return
		}
		var in prepayIn
		if err := json.Unmarshal(body, &in); err != nil {
			p.payErr(w, 400, "PARAM_ERROR", "body is not valid JSON")
			return
		}
		tradeType := "JSAPI"
		if mode == "native" {
			mode, tradeType = "direct", "NATIVE"
		}
		o := &payOrder{Mode: mode, TradeType: tradeType, AppID: in.AppID, MchID: in.MchID, SpAppID: in.SpAppID, SpMchID: in.SpMchID, SubAppID: in.SubAppID,
			SubMchID: in.SubMchID, OutTradeNo: in.OutTradeNo, Description: in.Description, NotifyURL: in.NotifyURL, Attach: in.Attach,
			Total: in.Amount.Total, Currency: in.Amount.Currency, State: "NOTPAY"}
		if o.Currency == "" {
			o.Currency = "CNY"
		}
		var mch, sub string
		switch mode {
		case "partner":
			mch, sub, o.OpenID = in.SpMchID, in.SubMchID, in.Payer.SubOpenID
			if in.SpAppID == "" || in.SubMchID == "" || in.SubAppID == "" || in.Payer.SubOpenID == "" {
				p.payErr(w, 400, "PARAM_ERROR", "sp_appid, sub_mchid, sub_appid and payer.sub_openid are required")
				return
			}
		default:
			mch, o.OpenID = in.MchID, in.Payer.OpenID
			if tradeType == "NATIVE" && in.AppID == "" {
				p.payErr(w, 400, "PARAM_ERROR", "appid is required")
				return
			}
			if tradeType == "JSAPI" && (in.AppID == "" || o.OpenID == "") {
				p.payErr(w, 400, "PARAM_ERROR", "appid and payer.openid are required")
				return
			}
		}
		if mch != m.MchID {
			p.payErr(w, 400, "APPID_MCHID_NOT_MATCH", "the merchant in the body is not the one that signed the request")
			return
		}
		if in.OutTradeNo == "" || len(in.OutTradeNo) > 32 || in.Description == "" || in.NotifyURL == "" {
			p.payErr(w, 400, "PARAM_ERROR", "out_trade_no (6-32 chars), description and notify_url are required")
			return
		}
		if o.Total <= 0 {
			p.payErr(w, 400, "PARAM_ERROR", "amount.total must be positive")
			return
		}
		if mode != "global" && o.Currency != "CNY" {
			p.payErr(w, 400, "PARAM_ERROR", "currency must be CNY")
			return
		}
		k := tradeKey(mode, mch, sub, in.OutTradeNo)
		p.mu.Lock()
		defer p.mu.Unlock()
		if old, ok := p.byTrade[k]; ok {
			switch {
			case old.State == "SUCCESS" || old.State == "REFUND":
				p.payErr(w, 400, "ORDERPAID", "order is paid")
			case old.State == "CLOSED":
				p.payErr(w, 400, "ORDER_CLOSED", "order is closed")
			case old.Total != o.Total || old.TradeType != o.TradeType:
				p.payErr(w, 400, "INVALID_REQUEST", "out_trade_no was used with other parameters")
			case old.TradeType == "NATIVE":
				p.respond(w, 200, map[string]any{"code_url": old.CodeURL})
			default:
				p.respond(w, 200, map[string]any{"prepay_id": old.PrepayID})
			}
			return
		}
		p.seq++
		o.PrepayID = fmt.Sprintf("wx%s%010d", time.Now().UTC().Format("20060102150405"), p.seq)
		p.orders[o.PrepayID] = o
		p.byTrade[k] = o
		if o.TradeType == "NATIVE" {
			o.CodeURL = nativePrefix + o.PrepayID
			p.respond(w, 200, map[string]any{"code_url": o.CodeURL})
			return
		}
		p.respond(w, 200, map[string]any{"prepay_id": o.PrepayID})
	}
}

func (p *Pay) find(mode string, r *http.Request) *payOrder {
	q := r.URL.Query()
	mch, sub := q.Get("mchid"), ""
	if mode == "partner" {
		mch, sub = q.Get("sp_mchid"), q.Get("sub_mchid")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.byTrade[tradeKey(mode, mch, sub, r.PathValue("no"))]
}

func (o *payOrder) transaction() map[string]any {
	tradeType := o.TradeType
	if tradeType == "" {
		tradeType = "JSAPI"
	}
	t := map[string]any{"out_trade_no": o.OutTradeNo, "trade_type": tradeType, "trade_state": o.State,
		"trade_state_desc": map[string]string{"NOTPAY": "未支付", "SUCCESS": "支付成功", "CLOSED": "已关闭", "REFUND": "转入退款"}[o.State],
		"attach":           o.Attach, "amount": map[string]any{"total": o.Total, "currency": o.Currency}}
	if o.Mode == "partner" {
		t["sp_appid"], t["sp_mchid"], t["sub_appid"], t["sub_mchid"] = o.SpAppID, o.SpMchID, o.SubAppID, o.SubMchID
		t["payer"] = map[string]any{"sub_openid": o.OpenID}
	} else {
		t["appid"], t["mchid"] = o.AppID, o.MchID
		t["payer"] = map[string]any{"openid": o.OpenID}
		if o.TradeType == "NATIVE" {
			t["payer"] = map[string]any{"openid": "o-native-payer"} // whoever scanned the code
		}
	}
	if o.TransactionID != "" {
		t["transaction_id"], t["success_time"], t["bank_type"] = o.TransactionID, o.SuccessTime, "OTHERS"
		t["amount"] = map[string]any{"total": o.Total, "payer_total": o.Total, "currency": o.Currency, "payer_currency": o.Currency}
	}
	return t
}

func (p *Pay) query(mode string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := p.authenticate(w, r); !ok {
			return
		}
		o := p.find(mode, r)
		if o == nil {
			p.payErr(w, 404, "ORDER_NOT_EXIST", "order does not exist")
			return
		}
		p.mu.Lock()
		t := o.transaction()
		p.mu.Unlock()
		p.respond(w, 200, t)
	}
}

func (p *Pay) close(mode string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, body, ok := p.authenticate(w, r)
		if !ok {
			return
		}
		// The close request names the merchant in its body, not the query.
		var in struct {
			MchID    string `json:"mchid"`
			SpMchID  string `json:"sp_mchid"`
			SubMchID string `json:"sub_mchid"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			p.payErr(w, 400, "PARAM_ERROR", "body is not valid JSON")
			return
		}
		mch, sub := in.MchID, ""
		if mode == "partner" {
			mch, sub = in.SpMchID, in.SubMchID
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		o := p.byTrade[tradeKey(mode, mch, sub, r.PathValue("no"))]
		if o == nil {
			p.payErr(w, 404, "ORDER_NOT_EXIST", "order does not exist")
			return
		}
		if o.State == "SUCCESS" || o.State == "REFUND" {
			p.payErr(w, 400, "ORDERPAID", "order is paid")
			return
		}
		o.State = "CLOSED"
		if h := p.holdClose; h != nil {
			p.holdClose = nil
			p.mu.Unlock()
			close(h.reached)
			<-h.release
			p.mu.Lock() // for the deferred unlock
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
		}
		if p.dropCloses > 0 {
			p.dropCloses--
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
		}
		p.respond(w, 204, nil)
	}
}

// Succeed completes the payment of prepayID, as the shopper's phone would,
// and starts delivering its TRANSACTION.SUCCESS notification.
func (p *Pay) Succeed(prepayID string) error {
	p.mu.Lock()
	o, ok := p.orders[prepayID]
	if !ok {
		p.mu.Unlock()
		return errors.New("no such prepay id")
	}
	if o.State != "NOTPAY" {
		p.mu.Unlock()
		return fmt.Errorf("order is %s", o.State)
	}
	p.seq++
	o.State, o.TransactionID = "SUCCESS", fmt.Sprintf("4200%s%010d", time.Now().UTC().Format("20060102"), p.seq)
	o.SuccessTime = time.Now().In(cst).Format(time.RFC3339)
	p.mu.Unlock()
	go p.deliver(o.OutTradeNo, o.NotifyURL, "TRANSACTION.SUCCESS", "transaction", p.apiKeyFor(o), func() map[string]any {
		p.mu.Lock()
		defer p.mu.Unlock()
		return o.transaction()
	}())
	return nil
}

var cst = time.FixedZone("CST", 8*3600)

// nativePrefix starts every Native code_url the fake hands out; what follows
// is the order's internal prepay id.
const nativePrefix = "weixin://wxpay/bizpayurl?pr="

// Scan pays a Native order by its code_url, as a payer scanning the QR code
// with WeChat would, and starts delivering its notification.
func (p *Pay) Scan(codeURL string) error {
	id, ok := strings.CutPrefix(codeURL, nativePrefix)
	if !ok {
		return errors.New("not a code_url of this fake")
	}
	return p.Succeed(id)
}

// PrepayApp returns the mini-program a prepay was made for (sub_appid in
// partner mode), as WeChat Pay would put it in the payment notification.
func (p *Pay) PrepayApp(prepayID string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	o, ok := p.orders[prepayID]
	if !ok {
		return "", false
	}
	if o.SubAppID != "" {
		return o.SubAppID, true
	}
	return o.AppID, true
}

func (p *Pay) apiKeyFor(o *payOrder) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if o.Mode == "partner" {
		return p.merchants[o.SpMchID].APIv3Key
	}
	return p.merchants[o.MchID].APIv3Key
}

func (p *Pay) succeedHTTP(w http.ResponseWriter, r *http.Request) {
	var in struct {
		PrepayID string `json:"prepay_id"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	if err := p.Succeed(in.PrepayID); err != nil {
		p.payErr(w, 400, "INVALID_REQUEST", err.Error())
		return
	}
	p.respond(w, 200, map[string]any{"ok": true})
}

// Notification builds a signed, encrypted notification body and headers, as
// WeChat Pay sends them. Tests use it to forge and replay.
func (p *Pay) Notification(eventType, originalType, apiV3Key string, resource map[string]any, at time.Time) ([]byte, http.Header, error) {
	plain, _ := json.Marshal(resource)
	nonce := randHex(6)
	block, err := aes.NewCipher([]byte(apiV3Key))
	if err != nil {
		return nil, nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, nil, err
	}
	ct := gcm.Seal(nil, []byte(nonce), plain, []byte(originalType))
	summary := map[string]string{"TRANSACTION.SUCCESS": "支付成功", "REFUND.SUCCESS": "退款成功"}[eventType]
	body, _ := json.Marshal(map[string]any{"id": "EV-" + randHex(10), "create_time": at.In(cst).Format(time.RFC3339),
		"resource_type": "encrypt-resource", "event_type": eventType, "summary": summary,
		"resource": map[string]any{"original_type": originalType, "algorithm": "AEAD_AES_256_GCM",
			"ciphertext": base64.StdEncoding.EncodeToString(ct), "associated_data": originalType, "nonce": nonce}})
	ts, n := strconv.FormatInt(at.Unix(), 10), randHex(16)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Wechatpay-Timestamp", ts)
	h.Set("Wechatpay-Nonce", n)
	h.Set("Wechatpay-Serial", PublicKeyID)
	h.Set("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
	h.Set("Wechatpay-Signature", p.sign(ts+"\n"+n+"\n"+string(body)+"\n"))
	return body, h, nil
}

// deliver POSTs a notification until the receiver answers 2xx, following the
// retry schedule (scaled by RetryScale).
func (p *Pay) deliver(key, url, eventType, originalType, apiV3Key string, resource map[string]any) {
	for attempt := 0; attempt <= len(RetrySchedule); attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(float64(RetrySchedule[attempt-1]) * p.RetryScale))
		}
		body, h, err := p.Notification(eventType, originalType, apiV3Key, resource, time.Now())
		if err != nil {
			return
		}
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(body))
		req.Header = h
		p.mu.Lock()
		p.Deliveries[key]++
		p.mu.Unlock()
		res, err := p.client.Do(req)
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode/100 == 2 {
				return
			}
		}
	}
}

// DeliveryCount reports how many times a notification for key was POSTed.
func (p *Pay) DeliveryCount(key string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.Deliveries[key]
}

// Resend delivers the current TRANSACTION.SUCCESS notification of an order again
// (WeChat Pay may send one several times). It returns the receiver's status.
func (p *Pay) Resend(outTradeNo string) (int, error) {
	p.mu.Lock()
	var o *payOrder
	for _, x := range p.byTrade {
		if x.OutTradeNo == outTradeNo {
			o = x
		}
	}
	if o == nil || o.TransactionID == "" {
		p.mu.Unlock()
		return 0, errors.New("no paid order with this out_trade_no")
	}
	t, url := o.transaction(), o.NotifyURL
	p.mu.Unlock()
	body, h, err := p.Notification("TRANSACTION.SUCCESS", "transaction", p.apiKeyFor(o), t, time.Now())
	if err != nil {
		return 0, err
	}
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header = h
	res, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}

func (p *Pay) refund(w http.ResponseWriter, r *http.Request) {
	m, body, ok := p.authenticate(w, r)
	if !ok {
		return
	}
	var in struct {
		SubMchID      string `json:"sub_mchid"`
		TransactionID string `json:"transaction_id"`
		OutTradeNo    string `json:"out_trade_no"`
		OutRefundNo   string `json:"out_refund_no"`
		NotifyURL     string `json:"notify_url"`
		Amount        struct {
			Refund   int64  `json:"refund"`
			Total    int64  `json:"total"`
			Currency string `json:"currency"`
		} `json:"amount"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.OutRefundNo == "" {
		p.payErr(w, 400, "PARAM_ERROR", "out_refund_no and amount are required")
		return
	}
	p.mu.Lock()
	var o *payOrder
	for _, x := range p.byTrade {
		mch := x.MchID
		if x.Mode == "partner" {
			mch = x.SpMchID
		}
		if mch == m.MchID && (x.Mode != "partner" || x.SubMchID == in.SubMchID) &&
			((in.OutTradeNo != "" && x.OutTradeNo == in.OutTradeNo) || (in.TransactionID != "" && x.TransactionID == in.TransactionID)) {
			o = x
		}
	}
	if o == nil {
		p.mu.Unlock()
		p.payErr(w, 404, "RESOURCE_NOT_EXISTS", "order does not exist")
		return
	}
	if old, ok := p.refunds[in.OutRefundNo]; ok {
		resp := old.view()
		p.mu.Unlock()
		p.respond(w, 200, resp)
		return
	}
	switch {
	case o.State != "SUCCESS" && o.State != "REFUND":
		p.mu.Unlock()
		p.payErr(w, 403, "NOT_ENOUGH", "order is not paid")
		return
	case in.Amount.Total != o.Total || in.Amount.Refund <= 0 || in.Amount.Refund > o.Total-o.Refunded:
		p.mu.Unlock()
		p.payErr(w, 400, "PARAM_ERROR", "refund amount exceeds what is refundable, or total does not match")
		return
	}
	p.seq++
	rf := &payRefund{order: o, OutRefundNo: in.OutRefundNo, RefundID: fmt.Sprintf("5030%010d", p.seq), Amount: in.Amount.Refund,
		Status: "PROCESSING", NotifyURL: in.NotifyURL, CreateTime: time.Now().In(cst).Format(time.RFC3339)}
	o.Refunded += rf.Amount
	o.State = "REFUND"
	p.refunds[in.OutRefundNo] = rf
	resp := rf.view()
	p.mu.Unlock()
	p.respond(w, 200, resp)
	if rf.NotifyURL != "" {
		key := p.apiKeyFor(o)
		go func() {
			time.Sleep(time.Duration(float64(time.Second) * p.RetryScale))
			p.mu.Lock()
			rf.Status, rf.SuccessTime = "SUCCESS", time.Now().In(cst).Format(time.RFC3339)
			res := rf.resource()
			p.mu.Unlock()
			p.deliver(rf.OutRefundNo, rf.NotifyURL, "REFUND.SUCCESS", "refund", key, res)
		}()
	}
}

func (rf *payRefund) view() map[string]any {
	o := rf.order
	v := map[string]any{"refund_id": rf.RefundID, "out_refund_no": rf.OutRefundNo, "transaction_id": o.TransactionID,
		"out_trade_no": o.OutTradeNo, "channel": "ORIGINAL", "user_received_account": "支付用户零钱", "create_time": rf.CreateTime,
		"status": rf.Status, "funds_account": "AVAILABLE",
		"amount": map[string]any{"total": o.Total, "refund": rf.Amount, "payer_total": o.Total, "payer_refund": rf.Amount,
			"settlement_total": o.Total, "settlement_refund": rf.Amount, "discount_refund": 0, "currency": o.Currency}}
	if rf.SuccessTime != "" {
		v["success_time"] = rf.SuccessTime
	}
	return v
}

func (rf *payRefund) resource() map[string]any {
	o := rf.order
	r := map[string]any{"out_trade_no": o.OutTradeNo, "transaction_id": o.TransactionID, "out_refund_no": rf.OutRefundNo,
		"refund_id": rf.RefundID, "refund_status": rf.Status, "success_time": rf.SuccessTime, "user_received_account": "支付用户零钱",
		"amount": map[string]any{"total": o.Total, "refund": rf.Amount, "payer_total": o.Total, "payer_refund": rf.Amount}}
	if o.Mode == "partner" {
		r["sp_mchid"], r["sub_mchid"] = o.SpMchID, o.SubMchID
	} else {
		r["mchid"] = o.MchID
	}
	return r
}

func (p *Pay) queryRefund(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := p.authenticate(w, r); !ok {
		return
	}
	p.mu.Lock()
	rf, ok := p.refunds[r.PathValue("no")]
	var v map[string]any
	if ok {
		v = rf.view()
	}
	p.mu.Unlock()
	if !ok {
		p.payErr(w, 404, "RESOURCE_NOT_EXISTS", "refund does not exist")
		return
	}
	p.respond(w, 200, v)
}
