// Package payment connects a brand's orders to WeChat Pay API v3 through
// wechatpay-go: JSAPI prepay in three merchant modes (the brand's own merchant
// account, the platform as service provider with the brand as sub-merchant,
// and cross-border WeChat Pay for overseas brands), verified and decrypted
// notifications, close, query and refunds. Credentials are the brand's sealed
// settings, read for the tenant in the context only.
package payment

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/order"
	"github.com/shoplet/shoplet/tenant/settings"
	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/partnerpayments"
	pjsapi "github.com/wechatpay-apiv3/wechatpay-go/services/partnerpayments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"
)

// Platform is the platform's own WeChat Pay service-provider account, used
// for brands in partner mode (the platform holds one key, not every brand's).
type Platform struct {
	SpMchID, SpAppID, Serial string
	PrivateKey               *rsa.PrivateKey
	APIv3Key                 string
	PublicKeyID              string
	PublicKey                *rsa.PublicKey
}

// Service is the payments of the tenant in ctx.
type Service struct {
	Settings *settings.Service
	Orders   *order.Service
	HTTP     *http.Client
	// NotifyBase is the public base URL WeChat Pay posts notifications to.
	NotifyBase string
	Platform   *Platform // nil: partner mode unavailable
	// Version returns the tenant's payment-configuration version, which every
	// change of its WeChat or pay settings bumps on all instances (see
	// app.New). A resolved configuration is reused only under the version it
	// was resolved at; nil reuses it for merchantTTL.
	Version func(ctx context.Context) (string, error)
	// OnUnmatched runs after a genuine notification that does not match the
	// store's current app or merchant was recorded on its order; the app
	// queues a reconciliation that asks WeChat Pay.
	OnUnmatched func(ctx context.Context, o order.Order)
	mu          sync.Mutex
	clients     map[string]*core.Client
	merchants   map[string]cachedMerchant // by tenant
}

type cachedMerchant struct {
	m       merchant
	version string
	at      time.Time
}

// merchantTTL bounds how long a resolved configuration is reused: resolving
// costs several queries, two unsealings and an RSA key parse. Changes do not
// wait for it: they bump the version, which every instance reads coherently.
const merchantTTL = 5 * time.Minute

// Forget drops the tenant's cached configuration (after its settings change).
func (s *Service) Forget(ctx context.Context) {
	tid, _ := tenant.FromContext(ctx)
	s.mu.Lock()
	delete(s.merchants, tid)
	s.mu.Unlock()
}

// merchant is one tenant's resolved WeChat Pay configuration.
type merchant struct {
	mode, mchID, subMchID, appID, currency string
	serial, apiV3Key, publicKeyID          string
	privateKey                             *rsa.PrivateKey
	publicKey                              *rsa.PublicKey
	cacheKey                               string
}

// ErrNotConfigured means the store has not set up WeChat Pay.
var ErrNotConfigured = errs.E(errs.Conflict, "payment_not_configured", "this store has not set up WeChat Pay yet")

func (s *Service) merchant(ctx context.Context) (merchant, error) {
	tid, _ := tenant.FromContext(ctx)
	version, cacheable := "", true
	if s.Version != nil {
		v, err := s.Version(ctx)
		if err != nil {
			cacheable = false // version unknown: read the settings themselves
		}
		version = v
	}
	s.mu.Lock()
	c, ok := s.merchants[tid]
	s.mu.Unlock()
	if cacheable && ok && c.version == version && time.Since(c.at) < merchantTTL {
		return c.m, nil
	}
	m, err := s.resolve(ctx)
	if err != nil || !cacheable {
		return m, err
	}
	s.mu.Lock()
	if s.merchants == nil {
		s.merchants = map[string]cachedMerchant{}
	}
	s.merchants[tid] = cachedMerchant{m: m, version: version, at: time.Now()}
	s.mu.Unlock()
	return m, nil
}

func (s *Service) resolve(ctx context.Context) (merchant, error) {
	pv, err := s.Settings.GetPayment(ctx)
	if err != nil {
		return merchant{}, err
	}
	mv, err := s.Settings.GetMiniProgram(ctx)
	if err != nil {
		return merchant{}, err
	}
	if pv.Mode == "" || mv.AppID == "" {
		return merchant{}, ErrNotConfigured
	}
	m := merchant{mode: pv.Mode, appID: mv.AppID, currency: pv.Currency}
	if pv.Mode == settings.ModePartner {
		if s.Platform == nil {
			return merchant{}, errs.E(errs.Conflict, "partner_mode_unavailable", "the platform has no service-provider account configured")
		}
		p := s.Platform
		m.mchID, m.subMchID, m.serial, m.apiV3Key, m.privateKey = p.SpMchID, pv.SubMchID, p.Serial, p.APIv3Key, p.PrivateKey
		m.publicKeyID, m.publicKey = p.PublicKeyID, p.PublicKey
		m.cacheKey = "sp|" + p.SpMchID
		return m, nil
	}
	m.mchID, m.serial, m.publicKeyID = pv.MchID, pv.CertSerial, pv.PlatformPublicKeyID
	if m.publicKey, err = settings.ParsePublicKey(pv.PlatformPublicKey); err != nil {
		return merchant{}, ErrNotConfigured
	}
	v3, err := s.Settings.Reveal(ctx, settings.SecretAPIv3Key)
	if err != nil {
		return merchant{}, ErrNotConfigured
	}
	pk, err := s.Settings.Reveal(ctx, settings.SecretPrivateKey)
	if err != nil {
		return merchant{}, ErrNotConfigured
	}
	m.apiV3Key = v3.Reveal()
	if m.privateKey, err = settings.ParsePrivateKey(pk.Reveal()); err != nil {
		return merchant{}, ErrNotConfigured
	}
	tid, _ := tenant.FromContext(ctx)
	m.cacheKey = strings.Join([]string{tid, pv.MchID, pv.CertSerial, pv.PrivateKey.Fingerprint, pv.PlatformPublicKeyID}, "|")
	return m, nil
}

func (s *Service) client(ctx context.Context, m merchant) (*core.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clients == nil {
		s.clients = map[string]*core.Client{}
	}
	if c, ok := s.clients[m.cacheKey]; ok {
		return c, nil
	}
	opts := []core.ClientOption{option.WithWechatPayPublicKeyAuthCipher(m.mchID, m.serial, m.privateKey, m.publicKeyID, m.publicKey)}
	if s.HTTP != nil {
		opts = append(opts, option.WithHTTPClient(s.HTTP))
	}
	c, err := core.NewClient(ctx, opts...)
	if err != nil {
		return nil, errs.Wrap(err, "wechat pay client")
	}
	s.clients[m.cacheKey] = c
	return c, nil
}

func (s *Service) notifyURL(ctx context.Context) string {
	tid, _ := tenant.FromContext(ctx)
	return strings.TrimRight(s.NotifyBase, "/") + "/api/pay/v1/stores/" + tid + "/notify"
}

// Params are what wx.requestPayment needs.
type Params struct {
	AppID     string `json:"appId"`
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"`
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

const globalHost = "https://apihk.mch.weixin.qq.com"

func payErr(err error) error {
	var apiErr *core.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.Code {
		case "ORDERPAID":
			return errs.E(errs.Conflict, "already_paid", "this order is already paid")
		case "ORDER_CLOSED":
			return errs.E(errs.Conflict, "order_closed", "this order was closed")
		case "APPID_MCHID_NOT_MATCH", "SIGN_ERROR", "MCH_NOT_EXISTS":
			return errs.E(errs.Conflict, "payment_config_invalid", "WeChat Pay refused the store's merchant settings ("+apiErr.Code+")")
		}
	}
	return errs.Wrap(err, "call WeChat Pay")
}

// Prepare places (or re-fetches: WeChat Pay answers the same prepay id for the
// same out_trade_no) the JSAPI prepay for an order and returns the signed
// wx.requestPayment parameters.
func (s *Service) Prepare(ctx context.Context, o order.Order, openid string) (any, error) {
	m, err := s.merchant(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.client(ctx, m)
	if err != nil {
		return nil, err
	}
	desc := "Order " + o.OrderNo
	if len(o.Lines) > 0 {
		desc = truncate(o.Lines[0].Title, 100)
	}
	expire := o.ExpiresAt
	var prepayID string
	switch m.mode {
	case settings.ModeDirect:
		svc := jsapi.JsapiApiService{Client: c}
		resp, _, err := svc.Prepay(ctx, jsapi.PrepayRequest{Appid: core.String(m.appID), Mchid: core.String(m.mchID), Description: core.String(desc),
			OutTradeNo: core.String(o.OrderNo), TimeExpire: &expire, NotifyUrl: core.String(s.notifyURL(ctx)),
			Amount: &jsapi.Amount{Total: core.Int64(o.Total), Currency: core.String("CNY")}, Payer: &jsapi.Payer{Openid: core.String(openid)}})
		if err != nil {
			return nil, payErr(err)
		}
		prepayID = *resp.PrepayId
	case settings.ModePartner:
		svc := pjsapi.JsapiApiService{Client: c}
		resp, _, err := svc.Prepay(ctx, pjsapi.PrepayRequest{SpAppid: core.String(s.Platform.SpAppID), SpMchid: core.String(m.mchID),
			SubAppid: core.String(m.appID), SubMchid: core.String(m.subMchID), Description: core.String(desc), OutTradeNo: core.String(o.OrderNo),
			TimeExpire: &expire, NotifyUrl: core.String(s.notifyURL(ctx)), Amount: &pjsapi.Amount{Total: core.Int64(o.Total), Currency: core.String("CNY")},
			Payer: &pjsapi.Payer{SubOpenid: core.String(openid)}})
		if err != nil {
			return nil, payErr(err)
		}
		prepayID = *resp.PrepayId
	case settings.ModeGlobal:
		// wechatpay-go has no cross-border service; its signed client posts the
		// documented body to the apihk host (maintainers' advice, issue #170).
		body := map[string]any{"appid": m.appID, "mchid": m.mchID, "description": desc, "out_trade_no": o.OrderNo,
			"notify_url": s.notifyURL(ctx), "trade_type": "JSAPI", "merchant_category_code": "5399",
			// Prices are CNY fen; the merchant's settlement currency is WeChat's concern.
			"amount": map[string]any{"total": o.Total, "currency": o.Currency}, "payer": map[string]any{"openid": openid}}
		res, err := c.Post(ctx, globalHost+"/v3/global/transactions/jsapi", body)
		if err != nil {
			return nil, payErr(err)
		}
		var out struct {
			PrepayID string `json:"prepay_id"`
		}
		if err := json.NewDecoder(res.Response.Body).Decode(&out); err != nil || out.PrepayID == "" {
			return nil, errs.Wrap(fmt.Errorf("global prepay answer: %v", err), "call WeChat Pay")
		}
		prepayID = out.PrepayID
	default:
		return nil, ErrNotConfigured
	}
	if err := s.Orders.SetPrepay(ctx, o.ID, m.mode, prepayID); err != nil {
		return nil, err
	}
	// paySign = SHA256withRSA(appId\ntimeStamp\nnonceStr\npackage\n), signed with
	// the key of the merchant that placed the prepay.
	p := Params{AppID: m.appID, TimeStamp: strconv.FormatInt(time.Now().Unix(), 10), NonceStr: ids.Token(16),
		Package: "prepay_id=" + prepayID, SignType: "RSA"}
	sig, err := c.Sign(ctx, p.AppID+"\n"+p.TimeStamp+"\n"+p.NonceStr+"\n"+p.Package+"\n")
	if err != nil {
		return nil, errs.Wrap(err, "sign payment")
	}
	p.PaySign = sig.Signature
	return p, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// ErrRefused is wrapped by every notification that changed nothing.
var ErrRefused = errors.New("payment: notification refused")

// HandleNotify verifies (signature, ±5 minutes), decrypts and applies a WeChat
// Pay notification for the tenant in ctx. A repeated one changes nothing and
// succeeds; a forged, tampered, late or mismatched one changes nothing and fails.
func (s *Service) HandleNotify(ctx context.Context, r *http.Request) error {
	m, err := s.merchant(ctx)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrRefused, err)
	}
	h := notify.NewNotifyHandler(m.apiV3Key, verifiers.NewSHA256WithRSAPubkeyVerifier(m.publicKeyID, *m.publicKey))
	var content map[string]any
	req, err := h.ParseNotifyRequest(ctx, r, &content)
	if err != nil {
		msg := err.Error()
		if i := strings.Index(msg, ", request:"); i > 0 {
			msg = msg[:i] // the SDK appends the whole request; the cause is enough
		}
		return fmt.Errorf("%w: %s", ErrRefused, msg)
	}
	raw, _ := json.Marshal(content)
	switch {
	case req.EventType == "TRANSACTION.SUCCESS":
		return s.applyTransaction(ctx, m, raw)
	case strings.HasPrefix(req.EventType, "REFUND."):
		return s.applyRefund(ctx, m, req.EventType, raw)
	}
	return fmt.Errorf("%w: unknown event %s", ErrRefused, req.EventType)
}

func (s *Service) applyTransaction(ctx context.Context, m merchant, raw []byte) error {
	var p order.Payment
	switch m.mode {
	case settings.ModePartner:
		var tx partnerpayments.Transaction
		if err := json.Unmarshal(raw, &tx); err != nil {
			return fmt.Errorf("%w: %v", ErrRefused, err)
		}
		if str(tx.SpMchid) != m.mchID || str(tx.SubMchid) != m.subMchID || str(tx.SubAppid) != m.appID {
			return s.unmatched(ctx, str(tx.OutTradeNo), fmt.Sprintf("merchant %s/%s, app %s; the store now has %s/%s, app %s",
				str(tx.SpMchid), str(tx.SubMchid), str(tx.SubAppid), m.mchID, m.subMchID, m.appID))
		}
		if str(tx.TradeState) != "SUCCESS" || tx.Amount == nil {
			return fmt.Errorf("%w: trade state %s", ErrRefused, str(tx.TradeState))
		}
		p = order.Payment{OutTradeNo: str(tx.OutTradeNo), TransactionID: str(tx.TransactionId), Amount: i64(tx.Amount.Total), Currency: str(tx.Amount.Currency)}
	default:
		var tx payments.Transaction
		if err := json.Unmarshal(raw, &tx); err != nil {
			return fmt.Errorf("%w: %v", ErrRefused, err)
		}
		if str(tx.Mchid) != m.mchID || str(tx.Appid) != m.appID {
			return s.unmatched(ctx, str(tx.OutTradeNo), fmt.Sprintf("merchant %s, app %s; the store now has merchant %s, app %s",
				str(tx.Mchid), str(tx.Appid), m.mchID, m.appID))
		}
		if str(tx.TradeState) != "SUCCESS" || tx.Amount == nil {
			return fmt.Errorf("%w: trade state %s", ErrRefused, str(tx.TradeState))
		}
		p = order.Payment{OutTradeNo: str(tx.OutTradeNo), TransactionID: str(tx.TransactionId), Amount: i64(tx.Amount.Total), Currency: str(tx.Amount.Currency)}
	}
	if _, err := s.Orders.ApplyPayment(ctx, p); err != nil {
		if errors.Is(err, order.ErrMismatch) {
			return fmt.Errorf("%w: %v", ErrRefused, err)
		}
		return err
	}
	return nil
}

// unmatched keeps a genuine payment notification (signed by WeChat Pay and
// encrypted under this store's key) whose app or merchant is not the store's
// current one: the mini-program was re-bound, or the merchant changed, after
// the shopper was asked to pay. The money is real, so it is never dropped:
// the order is flagged for staff with what arrived, and a reconciliation asks
// WeChat Pay and applies the payment. WeChat is told it was received.
func (s *Service) unmatched(ctx context.Context, outTradeNo, note string) error {
	o, err := s.Orders.FlagPayment(ctx, outTradeNo, order.FlagUnmatched, "payment notification for another app or merchant: "+note)
	if err != nil {
		if errors.Is(err, order.ErrMismatch) {
			return fmt.Errorf("%w: %v", ErrRefused, err)
		}
		return err
	}
	if s.OnUnmatched != nil {
		s.OnUnmatched(ctx, o)
	}
	return nil
}

func (s *Service) applyRefund(ctx context.Context, m merchant, event string, raw []byte) error {
	var rf struct {
		MchID       string `json:"mchid"`
		SpMchID     string `json:"sp_mchid"`
		SubMchID    string `json:"sub_mchid"`
		OutRefundNo string `json:"out_refund_no"`
		RefundID    string `json:"refund_id"`
		Status      string `json:"refund_status"`
		Amount      struct {
			Refund int64 `json:"refund"`
		} `json:"amount"`
	}
	if err := json.Unmarshal(raw, &rf); err != nil {
		return fmt.Errorf("%w: %v", ErrRefused, err)
	}
	if (m.mode == settings.ModePartner && (rf.SpMchID != m.mchID || rf.SubMchID != m.subMchID)) || (m.mode != settings.ModePartner && rf.MchID != m.mchID) {
		return fmt.Errorf("%w: refund for another merchant", ErrRefused)
	}
	_, err := s.Orders.ApplyRefund(ctx, order.RefundDone{OutRefundNo: rf.OutRefundNo, RefundID: rf.RefundID, Amount: rf.Amount.Refund,
		Succeeded: event == "REFUND.SUCCESS" && rf.Status == "SUCCESS"})
	if errors.Is(err, order.ErrMismatch) {
		return fmt.Errorf("%w: %v", ErrRefused, err)
	}
	return err
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func i64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// Status is what WeChat Pay says about an order.
type Status struct {
	State         string
	TransactionID string
	Amount        int64
	Currency      string
}

// Query asks WeChat Pay about an order (reconciliation).
func (s *Service) Query(ctx context.Context, o order.Order) (Status, error) {
	m, err := s.merchant(ctx)
	if err != nil {
		return Status{}, err
	}
	c, err := s.client(ctx, m)
	if err != nil {
		return Status{}, err
	}
	switch m.mode {
	case settings.ModePartner:
		tx, _, err := (&pjsapi.JsapiApiService{Client: c}).QueryOrderByOutTradeNo(ctx, pjsapi.QueryOrderByOutTradeNoRequest{
			OutTradeNo: core.String(o.OrderNo), SpMchid: core.String(m.mchID), SubMchid: core.String(m.subMchID)})
		if err != nil {
			return Status{}, payErr(err)
		}
		st := Status{State: str(tx.TradeState), TransactionID: str(tx.TransactionId)}
		if tx.Amount != nil {
			st.Amount, st.Currency = i64(tx.Amount.Total), str(tx.Amount.Currency)
		}
		return st, nil
	case settings.ModeGlobal:
		res, err := c.Get(ctx, globalHost+"/v3/global/transactions/out-trade-no/"+o.OrderNo+"?mchid="+m.mchID)
		if err != nil {
			return Status{}, payErr(err)
		}
		var tx payments.Transaction
		if err := json.NewDecoder(res.Response.Body).Decode(&tx); err != nil {
			return Status{}, errs.Wrap(err, "decode query")
		}
		st := Status{State: str(tx.TradeState), TransactionID: str(tx.TransactionId)}
		if tx.Amount != nil {
			st.Amount, st.Currency = i64(tx.Amount.Total), str(tx.Amount.Currency)
		}
		return st, nil
	}
	tx, _, err := (&jsapi.JsapiApiService{Client: c}).QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{
		OutTradeNo: core.String(o.OrderNo), Mchid: core.String(m.mchID)})
	if err != nil {
		return Status{}, payErr(err)
	}
	st := Status{State: str(tx.TradeState), TransactionID: str(tx.TransactionId)}
	if tx.Amount != nil {
		st.Amount, st.Currency = i64(tx.Amount.Total), str(tx.Amount.Currency)
	}
	return st, nil
}

// Reconcile asks WeChat Pay about an unpaid order and applies a payment whose
// notification never came. It reports whether the order is paid.
func (s *Service) Reconcile(ctx context.Context, o order.Order) (bool, error) {
	st, err := s.Query(ctx, o)
	if err != nil {
		return false, err
	}
	if st.State != "SUCCESS" && st.State != "REFUND" {
		return false, nil
	}
	_, err = s.Orders.ApplyPayment(ctx, order.Payment{OutTradeNo: o.OrderNo, TransactionID: st.TransactionID, Amount: st.Amount, Currency: st.Currency})
	return err == nil, err
}

// CloseRemote closes the order at WeChat Pay so it can no longer be paid. If
// it was paid meanwhile, the payment is applied and already_paid returned.
func (s *Service) CloseRemote(ctx context.Context, o order.Order) error {
	m, err := s.merchant(ctx)
	if err != nil {
		return err
	}
	c, err := s.client(ctx, m)
	if err != nil {
		return err
	}
	switch m.mode {
	case settings.ModePartner:
		_, err = (&pjsapi.JsapiApiService{Client: c}).CloseOrder(ctx, pjsapi.CloseOrderRequest{OutTradeNo: core.String(o.OrderNo),
			SpMchid: core.String(m.mchID), SubMchid: core.String(m.subMchID)})
	case settings.ModeGlobal:
		_, err = c.Post(ctx, globalHost+"/v3/global/transactions/out-trade-no/"+o.OrderNo+"/close", map[string]any{"mchid": m.mchID})
	default:
		_, err = (&jsapi.JsapiApiService{Client: c}).CloseOrder(ctx, jsapi.CloseOrderRequest{OutTradeNo: core.String(o.OrderNo), Mchid: core.String(m.mchID)})
	}
	if err == nil {
		return nil
	}
	if core.IsAPIError(err, "ORDERPAID") {
		if _, rerr := s.Reconcile(ctx, o); rerr != nil {
			return rerr
		}
		return errs.E(errs.Conflict, "already_paid", "this order was paid meanwhile")
	}
	if core.IsAPIError(err, "ORDER_NOT_EXIST") || core.IsAPIError(err, "ORDER_CLOSED") {
		return nil
	}
	return payErr(err)
}

// Refund sends an approved refund to WeChat Pay; the REFUND notification completes it.
func (s *Service) Refund(ctx context.Context, o order.Order, r order.Refund) error {
	m, err := s.merchant(ctx)
	if err != nil {
		return err
	}
	c, err := s.client(ctx, m)
	if err != nil {
		return err
	}
	if m.mode == settings.ModeGlobal {
		_, err = c.Post(ctx, globalHost+"/v3/global/refunds", map[string]any{"mchid": m.mchID, "out_trade_no": o.OrderNo,
			"out_refund_no": r.OutRefundNo, "notify_url": s.notifyURL(ctx), "reason": truncate(r.Reason, 80),
			"amount": map[string]any{"refund": r.Amount, "total": o.PaidTotal, "currency": o.Currency}})
		if err != nil {
			return payErr(err)
		}
		return nil
	}
	req := refunddomestic.CreateRequest{OutTradeNo: core.String(o.OrderNo), OutRefundNo: core.String(r.OutRefundNo),
		Reason: core.String(truncate(r.Reason, 80)), NotifyUrl: core.String(s.notifyURL(ctx)),
		Amount: &refunddomestic.AmountReq{Refund: core.Int64(r.Amount), Total: core.Int64(o.PaidTotal), Currency: core.String("CNY")}}
	if m.mode == settings.ModePartner {
		req.SubMchid = core.String(m.subMchID)
	}
	if _, _, err := (&refunddomestic.RefundsApiService{Client: c}).Create(ctx, req); err != nil {
		return payErr(err)
	}
	return nil
}
