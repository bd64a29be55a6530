package app

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/wechatfake"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/member"
	"github.com/shoplet/shoplet/tenant/miniapp"
	"github.com/shoplet/shoplet/tenant/order"
	"github.com/shoplet/shoplet/tenant/settings"
	"github.com/shoplet/shoplet/tenant/wxapp"
)

// Order task types.
const (
	TypeOrderClose    = "order:close"
	TypeOrderComplete = "order:complete"
	TypeShipping      = "order:shipping"
	TypeMessage       = "order:message"
	TypeReconcile     = "order:reconcile"
)

type orderTask struct {
	OrderID string `json:"order_id"`
	Kind    string `json:"kind,omitempty"`
}

// wireCommerce connects orders to payments, WeChat and background jobs.
func (a *App) wireCommerce() {
	o := a.Orders
	enqueue := func(ctx context.Context, typ string, p orderTask, opts ...asynq.Option) {
		if _, err := a.Queue.Enqueue(ctx, typ, p, opts...); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
			a.Log.ErrorContext(ctx, "enqueue", "type", typ, "order_id", p.OrderID, "err", err)
		}
	}
	o.AfterCheckout = func(ctx context.Context, ord order.Order) error {
		enqueue(ctx, TypeOrderClose, orderTask{OrderID: ord.ID}, asynq.ProcessIn(a.Cfg.PayTimeout), asynq.TaskID("close-"+ord.ID))
		return nil
	}
	o.OnPaid = func(ctx context.Context, ord order.Order) {
		enqueue(ctx, TypeMessage, orderTask{OrderID: ord.ID, Kind: "paid"}, asynq.TaskID("msg-paid-"+ord.ID))
	}
	o.OnShipped = func(ctx context.Context, ord order.Order) {
		enqueue(ctx, TypeShipping, orderTask{OrderID: ord.ID}, asynq.TaskID("ship-"+ord.ID))
		enqueue(ctx, TypeMessage, orderTask{OrderID: ord.ID, Kind: "shipped"}, asynq.TaskID("msg-shipped-"+ord.ID))
		enqueue(ctx, TypeOrderComplete, orderTask{OrderID: ord.ID}, asynq.ProcessIn(a.Cfg.AutoCompleteAfter), asynq.TaskID("complete-"+ord.ID))
	}
	if a.Payments != nil {
		o.RefundRemote = a.Payments.Refund
		a.Payments.OnUnmatched = func(ctx context.Context, ord order.Order) {
			enqueue(ctx, TypeReconcile, orderTask{OrderID: ord.ID}, asynq.TaskID("reconcile-"+ord.ID+"-"+ord.UpdatedAt.Format("20060102150405.000000")))
		}
	}
	o.SoldOut = soldOut{a: a}
	a.Members.Exporter = o.MemberOrders
	a.Members.Anonymiser = o.Anonymise

	handle := func(typ string, fn func(ctx context.Context, t orderTask) error) {
		a.Mux.Handle(typ, func(ctx context.Context, raw json.RawMessage) error {
			var t orderTask
			if err := json.Unmarshal(raw, &t); err != nil {
				return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
			}
			return fn(ctx, t)
		})
	}
	// Close an unpaid order when its time is up. WeChat Pay is asked first, so
	// a payment whose notification never came is applied, not lost; then the
	// order is closed at WeChat Pay (so it can no longer be paid) and locally,
	// which returns its stock.
	handle(TypeOrderClose, func(ctx context.Context, t orderTask) error {
		ord, err := o.Get(ctx, "", t.OrderID)
		if err != nil {
			return skipIfNotFound(err)
		}
		if ord.Status != order.PendingPayment {
			return nil
		}
		if a.Payments != nil && ord.PrepayID != "" {
			if paid, err := a.Payments.Reconcile(ctx, ord); err != nil || paid {
				return err
			}
			if err := a.Payments.CloseRemote(ctx, ord); err != nil {
				if errs.KindOf(err) == errs.Conflict { // paid meanwhile: applied by CloseRemote
					return nil
				}
				return err
			}
		}
		_, err = o.Close(ctx, ord.ID, "timeout")
		return err
	})
	// A genuine payment notification that named another app or merchant
	// (the store re-bound meanwhile): WeChat Pay is asked under the store's
	// current configuration, and a payment it confirms is applied.
	handle(TypeReconcile, func(ctx context.Context, t orderTask) error {
		ord, err := o.Get(ctx, "", t.OrderID)
		if err != nil {
			return skipIfNotFound(err)
		}
		if a.Payments == nil || ord.Flag != order.FlagUnmatched || ord.PaidAt != nil {
			return nil
		}
		paid, err := a.Payments.Reconcile(ctx, ord)
		if err == nil && !paid {
			return errors.New("WeChat Pay does not report the order paid yet") // retried with backoff
		}
		return err
	})
	handle(TypeOrderComplete, func(ctx context.Context, t orderTask) error {
		if _, err := o.Complete(ctx, "", t.OrderID); err != nil && errs.KindOf(err) != errs.Conflict {
			return skipIfNotFound(err)
		}
		return nil
	})
	// Without shipping information WeChat keeps the merchant's funds frozen.
	handle(TypeShipping, func(ctx context.Context, t orderTask) error {
		ord, err := o.Get(ctx, "", t.OrderID)
		if err != nil {
			return skipIfNotFound(err)
		}
		openid, err := a.memberOpenID(ctx, ord.MemberID)
		if err != nil {
			return err
		}
		desc := ""
		if len(ord.Lines) > 0 {
			desc = ord.Lines[0].Title
		}
		return a.WxApp.UploadShipping(ctx, wxShipment(ord, openid, desc))
	})
	handle(TypeMessage, func(ctx context.Context, t orderTask) error {
		if t.Kind == "paid" && a.paidGifts != nil {
			ord, err := o.Get(ctx, "", t.OrderID)
			if err != nil {
				return skipIfNotFound(err)
			}
			if err := a.paidGifts(ctx, ord); err != nil {
				return err
			}
		}
		tpl, err := a.Settings.Messages(ctx)
		if err != nil {
			return err
		}
		id := tpl.PaidTemplateID
		if t.Kind == "shipped" {
			id = tpl.ShippedTemplateID
		}
		if id == "" {
			return nil // the brand sends no such message
		}
		ord, err := o.Get(ctx, "", t.OrderID)
		if err != nil {
			return skipIfNotFound(err)
		}
		openid, err := a.memberOpenID(ctx, ord.MemberID)
		if err != nil {
			return err
		}
		data := map[string]string{"character_string1": ord.OrderNo, "amount2": fmt.Sprintf("%d.%02d", ord.Total/100, ord.Total%100)}
		if t.Kind == "shipped" {
			data = map[string]string{"character_string1": ord.OrderNo, "thing2": ord.Carrier, "character_string3": ord.TrackingNo}
		}
		err = a.WxApp.Subscribe(ctx, openid, id, miniapp.PageOrderDetail+"?id="+ord.ID, data)
		if errs.KindOf(err) == errs.Conflict { // the shopper did not subscribe: nothing to retry
			return nil
		}
		return err
	})
}

func skipIfNotFound(err error) error {
	if errs.KindOf(err) == errs.NotFound {
		return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
	}
	return err
}

func (a *App) memberOpenID(ctx context.Context, memberID string) (string, error) {
	var m member.Member
	err := a.T.Tx(ctx, func(ctx context.Context) error {
		return a.T.Q(ctx).Select("tenant_id", "id", "openid").Where("id = ?", memberID).Take(&m).Error
	})
	return m.OpenID, err
}

// registerWithFake tells the fake WeChat about a store's app and merchant, as
// WeChat itself knows them after the brand registered with it.
func (a *App) registerWithFake(ctx context.Context, section string) {
	f := a.Cfg.Fake
	if f == nil {
		return
	}
	switch section {
	case "miniprogram":
		v, err := a.Settings.GetMiniProgram(ctx)
		if err != nil || v.AppID == "" {
			return
		}
		sec, err := a.Settings.Reveal(ctx, settings.SecretAppSecret)
		if err != nil {
			return
		}
		f.AddApp(v.AppID, sec.Reveal())
	case "payment":
		v, err := a.Settings.GetPayment(ctx)
		if err != nil || v.Mode == settings.ModePartner || v.MchID == "" {
			return
		}
		v3, err1 := a.Settings.Reveal(ctx, settings.SecretAPIv3Key)
		pk, err2 := a.Settings.Reveal(ctx, settings.SecretPrivateKey)
		if err1 != nil || err2 != nil {
			return
		}
		key, err := settings.ParsePrivateKey(pk.Reveal())
		if err != nil {
			return
		}
		f.Pay.AddMerchant(wechatfake.Merchant{MchID: v.MchID, Serial: v.CertSerial, PublicKey: &key.PublicKey, APIv3Key: v3.Reveal()})
	}
}

// DemoCode returns a wx.login code the fake accepts for a shopper name.
func DemoCode(name string) string {
	h := sha256.Sum256([]byte(fmt.Sprint(name, time.Now().UnixNano())))
	return "user:" + strings.ReplaceAll(name, ":", "_") + ":" + hex.EncodeToString(h[:6])
}

func wxShipment(o order.Order, openid, desc string) wxapp.Shipment {
	return wxapp.Shipment{TransactionID: o.TransactionID, OpenID: openid, Carrier: o.Carrier, TrackingNo: o.TrackingNo, ItemDesc: desc}
}

// soldOut keeps the sold-out marks in Redis, keyed by tenant and SKU (or
// coupon); a mark lasts ttl (soldOutTTL when zero).
type soldOut struct {
	a   *App
	ttl time.Duration
}

// soldOutTTL: a SKU's stock comes back when an order is cancelled, so its
// mark is short. couponGoneTTL: a coupon's issued count never goes down, so
// its mark can last: the crowd after the last unit never reaches the
// database again (Near still re-reads the mark from Redis every second).
const (
	soldOutTTL    = time.Second
	couponGoneTTL = 10 * time.Minute
)

func (m soldOut) key(ctx context.Context, sku string) string {
	tid, _ := tenant.FromContext(ctx)
	return m.a.Cfg.RedisPrefix + "soldout:{" + tid + "}:" + sku
}

// Marked reads the marks through Near: a flash crowd's thousands of refused
// attempts read one hot key, so they are answered from this instance's copy.
// Mark and Clear invalidate the copies everywhere.
func (m soldOut) Marked(ctx context.Context, skus []string) (int, error) {
	keys := make([]string, len(skus))
	for i, s := range skus {
		keys[i] = m.key(ctx, s)
	}
	vals, err := m.a.Near.MGet(ctx, keys...)
	if err != nil {
		return -1, err
	}
	for i, v := range vals {
		if v != nil {
			return i, nil
		}
	}
	return -1, nil
}

func (m soldOut) Mark(ctx context.Context, sku string) {
	k := m.key(ctx, sku)
	// Only the attempt that sets the mark tells the other instances.
	if set, err := m.a.Redis.Client.SetNX(ctx, k, 1, cmp.Or(m.ttl, soldOutTTL)).Result(); err == nil && set {
		if err := m.a.Near.Invalidate(ctx, k); err != nil {
			m.a.Log.WarnContext(ctx, "invalidate sold-out mark", "err", err)
		}
	}
}

func (m soldOut) Clear(ctx context.Context, skus []string) {
	if len(skus) == 0 {
		return
	}
	keys := make([]string, len(skus))
	for i, s := range skus {
		keys[i] = m.key(ctx, s)
	}
	// One DEL is fine on a cluster: the keys share the tenant's hash tag.
	m.a.Redis.Client.Del(ctx, keys...)
	if err := m.a.Near.Invalidate(ctx, keys...); err != nil {
		m.a.Log.WarnContext(ctx, "invalidate sold-out marks", "err", err)
	}
}

// TypeMiniAppBuild generates a brand's mini-program.
const TypeMiniAppBuild = "miniapp:build"

type buildQueue struct{ a *App }

func (q buildQueue) EnqueueBuild(ctx context.Context, buildID string) error {
	_, err := q.a.Queue.Enqueue(ctx, TypeMiniAppBuild, map[string]string{"build_id": buildID}, asynq.TaskID("build-"+buildID))
	return err
}
