package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/marketing"
	"github.com/shoplet/shoplet/tenant/member"
	"github.com/shoplet/shoplet/tenant/miniapp"
	"github.com/shoplet/shoplet/tenant/order"
)

// Marketing task types.
const (
	// TypeCouponGift gives a member the running gift coupons of a trigger
	// (a first login, a paid order).
	TypeCouponGift = "marketing:gift"
	// TypeCouponExpiry marks a store's expired coupons, reminds holders of
	// coupons about to expire, and schedules its next run.
	TypeCouponExpiry = "marketing:coupon_expiry"
)

// How often the expiry job runs per store, and how long before a held
// coupon expires its holder is reminded.
const (
	couponExpiryEvery  = time.Hour
	couponRemindBefore = 3 * 24 * time.Hour
)

type giftTask struct {
	Trigger  string `json:"trigger"`
	MemberID string `json:"member_id"`
	Ref      string `json:"ref"`
}

// expiryTaskID names a store's expiry run of the hour at: enqueuing it twice
// (from two coupon creations, or a retried run) schedules it once.
func expiryTaskID(tid string, at time.Time) string {
	return "coupon-expiry-" + tid + "-" + at.UTC().Truncate(couponExpiryEvery).Format("2006010215")
}

// wireMarketing connects coupon gifts to logins and payments, and runs the
// expiry job.
func (a *App) wireMarketing() {
	m := a.Marketing
	enqueue := func(ctx context.Context, typ string, p any, opts ...asynq.Option) {
		if _, err := a.Queue.Enqueue(ctx, typ, p, opts...); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
			a.Log.ErrorContext(ctx, "enqueue", "type", typ, "err", err)
		}
	}
	a.Members.OnNew = func(ctx context.Context, mem member.Member) {
		if ok, err := m.Gifting(ctx, marketing.GiftNewMember); err != nil || !ok {
			if err != nil {
				a.Log.WarnContext(ctx, "new-member gifts", "err", err)
			}
			return
		}
		enqueue(ctx, TypeCouponGift, giftTask{Trigger: marketing.GiftNewMember, MemberID: mem.ID, Ref: "first-login"}, asynq.TaskID("gift-new-"+mem.ID))
	}
	// After-payment gifts ride on the paid message's job (one per paid order
	// already), so a payment costs no extra enqueue.
	a.paidGifts = func(ctx context.Context, ord order.Order) error {
		_, err := m.GiftOn(ctx, marketing.GiftPaid, ord.MemberID, ord.ID)
		return err
	}
	m.OnCoupon = func(ctx context.Context) {
		tid, _ := tenant.FromContext(ctx)
		next := time.Now().Add(couponExpiryEvery)
		enqueue(ctx, TypeCouponExpiry, struct{}{}, asynq.ProcessAt(next.Truncate(couponExpiryEvery)), asynq.TaskID(expiryTaskID(tid, next)))
	}
	a.Mux.Handle(TypeCouponGift, func(ctx context.Context, raw json.RawMessage) error {
		var t giftTask
		if err := json.Unmarshal(raw, &t); err != nil {
			return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
		}
		_, err := m.GiftOn(ctx, t.Trigger, t.MemberID, t.Ref)
		return err
	})
	a.Mux.Handle(TypeCouponExpiry, func(ctx context.Context, _ json.RawMessage) error {
		// The next run is queued whatever this one did: a failure (retried
		// by asynq) must not end the store's hourly chain.
		m.OnCoupon(ctx)
		return a.CouponExpiry(ctx)
	})
}

// CouponExpiry runs the expiry job of the store in ctx once: held coupons
// past their validity are marked expired, and holders of coupons ending
// within three days get one subscribe message each (when the store set a
// template for it).
func (a *App) CouponExpiry(ctx context.Context) error {
	tpl, err := a.Settings.Messages(ctx)
	if err != nil {
		return err
	}
	var remind func(ctx context.Context, r marketing.Reminder) error
	if tpl.CouponExpiryTemplateID != "" {
		remind = func(ctx context.Context, r marketing.Reminder) error {
			openid, err := a.memberOpenID(ctx, r.MemberID)
			if err != nil {
				return skipIfNotFound(err)
			}
			err = a.WxApp.Subscribe(ctx, openid, tpl.CouponExpiryTemplateID, miniapp.PageMyCoupons,
				map[string]string{"thing1": r.CouponName, "time2": r.ValidTo.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")})
			if errs.KindOf(err) == errs.Conflict { // the shopper did not subscribe
				return nil
			}
			return err
		}
	}
	_, _, err = a.Marketing.Expire(ctx, couponRemindBefore, remind)
	return err
}
