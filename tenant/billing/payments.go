package billing

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/tenant"
	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/native"
	"gorm.io/gorm"
)

// Payment methods and statuses.
const (
	MethodNative   = "wechat_native"
	MethodTransfer = "bank_transfer"
	Pending        = "pending"
	Paid           = "paid"
)

// Payment is a brand's payment for a plan, with the invoice details it asked
// for. Tenant-owned: a brand sees its own payments only.
type Payment struct {
	tenant.Base
	ID            string     `gorm:"primaryKey" json:"id"`
	PlanID        string     `json:"plan_id"`
	Period        string     `json:"period"` // year or month
	Amount        int64      `json:"amount"` // fen
	Method        string     `json:"method"`
	Status        string     `json:"status"`
	OutTradeNo    string     `json:"out_trade_no"`
	CodeURL       string     `json:"code_url,omitempty"` // the Native QR code's content
	TransactionID string     `json:"transaction_id,omitempty"`
	InvoiceTitle  string     `json:"invoice_title"`  // 发票抬头
	InvoiceTaxID  string     `json:"invoice_tax_id"` // 纳税人识别号
	PeriodEnd     *time.Time `json:"period_end,omitempty"`
	CreatedBy     string     `json:"created_by"`
	ConfirmedBy   string     `json:"confirmed_by,omitempty"` // the operator who confirmed a transfer
	PaidAt        *time.Time `json:"paid_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

func (Payment) TableName() string { return "subscription_payments" }

// Pay is the platform's own WeChat Pay merchant account, which brands pay
// for their plans with Native (QR code) orders.
type Pay struct {
	MchID, AppID, Serial string
	PrivateKey           *rsa.PrivateKey
	APIv3Key             string
	PublicKeyID          string
	PublicKey            *rsa.PublicKey
	HTTP                 *http.Client
	// NotifyBase is the public base URL WeChat Pay posts notifications to.
	NotifyBase string
	once       sync.Once
	client     *core.Client
	err        error
}

func (p *Pay) core(ctx context.Context) (*core.Client, error) {
	p.once.Do(func() {
		opts := []core.ClientOption{option.WithWechatPayPublicKeyAuthCipher(p.MchID, p.Serial, p.PrivateKey, p.PublicKeyID, p.PublicKey)}
		if p.HTTP != nil {
			opts = append(opts, option.WithHTTPClient(p.HTTP))
		}
		p.client, p.err = core.NewClient(ctx, opts...)
	})
	return p.client, p.err
}

// NotifyPath is where WeChat Pay posts a store's plan-payment notifications.
func NotifyPath(storeID string) string { return "/api/pay/v1/billing/" + storeID + "/notify" }

// PayInput asks to pay for a plan.
type PayInput struct {
	PlanID string `json:"plan_id" binding:"required"`
	// Period is year or month.
	Period string `json:"period" binding:"required"`
	// Method is wechat_native (default: answers a QR code to scan) or
	// bank_transfer (the operator marks it paid when the money arrives).
	Method       string `json:"method"`
	InvoiceTitle string `json:"invoice_title"`
	InvoiceTaxID string `json:"invoice_tax_id"`
}

// ErrPayUnavailable answers a Native payment when the platform has no merchant account.
var ErrPayUnavailable = errs.E(errs.Conflict, "platform_pay_unavailable", "the platform takes no WeChat Pay yet; pay by bank transfer")

// CreatePayment records a payment for a plan and, for WeChat Pay, places the
// Native order on the platform's merchant account and returns its code_url.
func (s *Service) CreatePayment(ctx context.Context, in PayInput) (Payment, error) {
	var f errs.Fields
	if in.Period != "year" && in.Period != "month" {
		f.Add("period", "invalid_choice", "must be year or month")
	}
	if in.Method == "" {
		in.Method = MethodNative
	}
	if in.Method != MethodNative && in.Method != MethodTransfer {
		f.Add("method", "invalid_choice", "must be wechat_native or bank_transfer")
	}
	in.InvoiceTitle, in.InvoiceTaxID = strings.TrimSpace(in.InvoiceTitle), strings.ToUpper(strings.TrimSpace(in.InvoiceTaxID))
	f.MaxLen("invoice_title", in.InvoiceTitle, 100)
	if in.InvoiceTaxID != "" && !taxIDOK(in.InvoiceTaxID) {
		f.Add("invoice_tax_id", "invalid", "a taxpayer id is 15, 18 or 20 letters and digits")
	}
	if in.InvoiceTaxID != "" && in.InvoiceTitle == "" {
		f.Add("invoice_title", "required", "an invoice with a tax id needs a title")
	}
	plan, err := s.PlanByID(ctx, in.PlanID)
	if errs.Is(err, errs.NotFound) {
		f.Add("plan_id", "not_found", "no plan has this id")
	} else if err != nil {
		return Payment{}, err
	} else if plan.Status != Published {
		f.Add("plan_id", "retired", "this plan is no longer sold")
	}
	if err := f.Err(); err != nil {
		return Payment{}, err
	}
	amount := plan.PriceYear
	if in.Period == "month" {
		amount = plan.PriceMonth
	}
	if amount <= 0 {
		return Payment{}, errs.Field("period", "not_sold", "this plan is not sold by the "+in.Period)
	}
	if in.Method == MethodNative && s.Pay == nil {
		return Payment{}, ErrPayUnavailable
	}
	now := s.now()
	id := ids.New()
	p := Payment{ID: id, PlanID: plan.ID, Period: in.Period, Amount: amount, Method: in.Method, Status: Pending,
		OutTradeNo: "S" + strings.ReplaceAll(id, "-", "")[1:], InvoiceTitle: in.InvoiceTitle, InvoiceTaxID: in.InvoiceTaxID,
		CreatedBy: tenant.ActorFrom(ctx).AccountID, CreatedAt: now, UpdatedAt: now}
	if in.Method == MethodNative {
		tid, _ := tenant.FromContext(ctx)
		c, err := s.Pay.core(ctx)
		if err != nil {
			return Payment{}, errs.Wrap(err, "wechat pay client")
		}
		exp := now.Add(2 * time.Hour)
		resp, _, err := (&native.NativeApiService{Client: c}).Prepay(ctx, native.PrepayRequest{Appid: core.String(s.Pay.AppID),
			Mchid: core.String(s.Pay.MchID), Description: core.String(truncate("Shoplet "+plan.Name+" ("+in.Period+")", 100)),
			OutTradeNo: core.String(p.OutTradeNo), TimeExpire: &exp, NotifyUrl: core.String(strings.TrimRight(s.Pay.NotifyBase, "/") + NotifyPath(tid)),
			Amount: &native.Amount{Total: core.Int64(amount), Currency: core.String("CNY")}})
		if err != nil {
			return Payment{}, errs.Wrap(err, "call WeChat Pay")
		}
		if resp.CodeUrl == nil {
			return Payment{}, errs.Wrap(errors.New("no code_url"), "call WeChat Pay")
		}
		p.CodeURL = *resp.CodeUrl
	}
	err = s.T.Tx(ctx, func(ctx context.Context) error {
		if err := s.T.Q(ctx).Create(&p).Error; err != nil {
			return err
		}
		return s.Audit.Record(ctx, "billing.payment_created", "subscription_payment", p.ID,
			map[string]any{"plan": plan.Name, "period": in.Period, "amount": amount, "method": in.Method})
	})
	return p, err
}

func taxIDOK(s string) bool {
	if n := len(s); n != 15 && n != 18 && n != 20 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// Payments lists the store's payments, newest first.
func (s *Service) Payments(ctx context.Context) ([]Payment, error) {
	out := []Payment{}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Order("created_at DESC, id DESC").Limit(200).Find(&out).Error
	})
	return out, err
}

// ErrRefused is wrapped by every notification that changed nothing.
var ErrRefused = errors.New("billing: notification refused")

// HandleNotify verifies and decrypts a WeChat Pay notification for a plan
// payment of the store in ctx, and applies it. Repeats (however many, however
// concurrent) extend the period once.
func (s *Service) HandleNotify(ctx context.Context, r *http.Request) error {
	if s.Pay == nil || s.Pay.PublicKey == nil {
		return fmt.Errorf("%w: no platform merchant account", ErrRefused)
	}
	h := notify.NewNotifyHandler(s.Pay.APIv3Key, verifiers.NewSHA256WithRSAPubkeyVerifier(s.Pay.PublicKeyID, *s.Pay.PublicKey))
	var tx payments.Transaction
	req, err := h.ParseNotifyRequest(ctx, r, &tx)
	if err != nil {
		msg := err.Error()
		if i := strings.Index(msg, ", request:"); i > 0 {
			msg = msg[:i]
		}
		return fmt.Errorf("%w: %s", ErrRefused, msg)
	}
	if req.EventType != "TRANSACTION.SUCCESS" {
		return nil // nothing to do for other events; acknowledged
	}
	if str(tx.Mchid) != s.Pay.MchID || str(tx.Appid) != s.Pay.AppID || str(tx.TradeState) != "SUCCESS" || tx.Amount == nil || tx.Amount.Total == nil {
		return fmt.Errorf("%w: not a successful payment to the platform's account", ErrRefused)
	}
	_, err = s.settle(ctx, str(tx.OutTradeNo), str(tx.TransactionId), *tx.Amount.Total, "")
	return err
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// MarkPaid records that a bank transfer for a payment arrived (operator, with
// the store in ctx).
func (s *Service) MarkPaid(ctx context.Context, paymentID string) (Payment, error) {
	if !ids.Valid(paymentID) {
		return Payment{}, errs.NotFoundf("payment")
	}
	var p Payment
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Where("id = ?", paymentID).Take(&p).Error
	})
	if err != nil {
		return Payment{}, notFound(err, "payment")
	}
	if p.Method != MethodTransfer {
		return Payment{}, errs.E(errs.Conflict, "not_a_transfer", "WeChat Pay payments are confirmed by WeChat Pay")
	}
	return s.settle(ctx, p.OutTradeNo, "", p.Amount, tenant.ActorFrom(ctx).AccountID)
}

func notFound(err error, what string) error {
	if errors.Is(err, errGormNotFound) {
		return errs.NotFoundf(what)
	}
	return err
}

// settle marks a pending payment paid and extends the store's subscription
// by its period from the later of now and the current end; the store is
// active (reopened) at once. The first statement is a conditional UPDATE of
// the payment row: of any number of concurrent calls exactly one finds it
// pending, the others wait for it and then find it paid, and return it.
func (s *Service) settle(ctx context.Context, outTradeNo, transactionID string, amount int64, confirmedBy string) (Payment, error) {
	tid, _ := tenant.FromContext(ctx)
	now := s.now()
	var p Payment
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		db := s.T.Q(ctx)
		r := db.Model(&Payment{}).Where("out_trade_no = ? AND status = ? AND amount = ?", outTradeNo, Pending, amount).
			Updates(map[string]any{"status": Paid, "paid_at": now, "transaction_id": transactionID, "confirmed_by": confirmedBy, "updated_at": now})
		if r.Error != nil {
			return r.Error
		}
		if err := db.Where("out_trade_no = ?", outTradeNo).Take(&p).Error; err != nil {
			if errors.Is(err, errGormNotFound) {
				return fmt.Errorf("%w: no payment %s in this store", ErrRefused, outTradeNo)
			}
			return err
		}
		if r.RowsAffected == 0 {
			if p.Status == Paid {
				return nil // a repeat: already applied
			}
			return fmt.Errorf("%w: amount %d does not match the payment's %d", ErrRefused, amount, p.Amount)
		}
		sub, _, err := s.lockSub(ctx, tid)
		if err != nil {
			return err
		}
		from := now
		if sub.PeriodEnd.After(now) && sub.PlanID == p.PlanID {
			// A renewal of the same plan adds to what is left. A change of
			// plan starts now: time left on a cheaper plan never becomes
			// time on a dearer one.
			from = sub.PeriodEnd
		}
		end := from.AddDate(1, 0, 0)
		if p.Period == "month" {
			end = from.AddDate(0, 1, 0)
		}
		if err := db.Model(&Subscription{}).Where("tenant_id = ?", tid).Updates(map[string]any{"plan_id": p.PlanID, "status": Active,
			"period_end": end, "grace_end": end.Add(s.grace()), "reminded_before": 0, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := db.Model(&Payment{}).Where("id = ?", p.ID).Update("period_end", end).Error; err != nil {
			return err
		}
		p.PeriodEnd = &end
		return s.Audit.Record(ctx, "billing.payment_paid", "subscription_payment", p.ID,
			map[string]any{"amount": p.Amount, "method": p.Method, "period_end": end, "previous_status": sub.Status})
	})
	return p, err
}

var errGormNotFound = gorm.ErrRecordNotFound
