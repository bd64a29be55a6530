package marketing

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/pricing"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Channels: how a coupon reaches shoppers.
const (
	ChannelCentre = "centre" // the coupon centre and product pages
	ChannelCode   = "code"   // a promo code typed in the shop
	ChannelGift   = "gift"   // only given: by staff, or on GiftOn
)

// Automatic gifts (Coupon.GiftOn), and the other sources of a held coupon.
const (
	GiftNewMember = "new_member"
	GiftPaid      = "paid"
	SourceStaff   = "staff"
)

// CouponCode is a promo code: the one shared code of a coupon, or one of a
// batch of unique one-use codes (then MemberID says who redeemed it).
type CouponCode struct {
	tenant.Base
	Code       string     `gorm:"primaryKey" json:"code"`
	CouponID   string     `json:"coupon_id"`
	Shared     bool       `json:"shared"`
	MemberID   *string    `json:"-"`
	RedeemedAt *time.Time `json:"redeemed_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

var codeShape = regexp.MustCompile(`^[A-Z0-9]{4,20}$`)

func normCode(c string) string { return strings.ToUpper(strings.TrimSpace(c)) }

// codeAlphabet has no 0/O or 1/I/L, so a code read aloud or typed is not
// mistaken; 12 of its 31 letters make 59 random bits, not guessable.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

func newCode() string {
	b := make([]byte, 12)
	var buf [32]byte
	for i := 0; i < len(b); {
		_, _ = rand.Read(buf[:])
		for _, x := range buf {
			// Rejection keeps every letter equally likely: 248 = 8 × 31.
			if int(x) < 8*len(codeAlphabet) && i < len(b) {
				b[i] = codeAlphabet[int(x)%len(codeAlphabet)]
				i++
			}
		}
	}
	return string(b)
}

// MaxCodesPerBatch bounds one generation request.
const MaxCodesPerBatch = 10_000

// CodesInput generates unique one-use codes for a code coupon.
type CodesInput struct {
	Count int64 `json:"count" binding:"required"`
}

// GenerateCodes adds count unique one-use codes to a code coupon without a
// shared code; the codes of a coupon never outnumber its total. Returns the
// new codes.
func (s *Service) GenerateCodes(ctx context.Context, couponID string, in CodesInput) ([]CouponCode, error) {
	if !ids.Valid(couponID) {
		return nil, errs.NotFoundf("coupon")
	}
	if in.Count < 1 || in.Count > MaxCodesPerBatch {
		return nil, errs.Field("count", "out_of_range", fmt.Sprintf("must be between 1 and %d", MaxCodesPerBatch))
	}
	out := make([]CouponCode, 0, in.Count)
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx)
		var c Coupon
		// Locked, so two batches at once cannot together pass the total.
		if err := q.Where("id = ?", couponID).Clauses(clause.Locking{Strength: "UPDATE"}).Take(&c).Error; err != nil {
			return notFound(err, "coupon")
		}
		var have, shared int64
		if err := q.Model(&CouponCode{}).Where("coupon_id = ?", couponID).Count(&have).Error; err != nil {
			return err
		}
		if err := q.Model(&CouponCode{}).Where("coupon_id = ? AND shared = ?", couponID, true).Count(&shared).Error; err != nil {
			return err
		}
		switch {
		case c.Channel != ChannelCode:
			return errs.E(errs.Conflict, "not_a_code_coupon", "only a coupon of the code channel has promo codes")
		case shared > 0:
			return errs.E(errs.Conflict, "shared_code", "this coupon has one shared code")
		case have+in.Count > c.Total:
			return errs.Field("count", "above_total", fmt.Sprintf("the coupon has %d codes and %d units; at most %d more", have, c.Total, c.Total-have))
		}
		now := s.now()
		for i := int64(0); i < in.Count; i++ {
			out = append(out, CouponCode{Code: newCode(), CouponID: couponID, CreatedAt: now})
		}
		if err := q.CreateInBatches(&out, 500).Error; err != nil {
			return err
		}
		return s.Audit.Record(ctx, "marketing.codes_generated", "coupon", couponID, map[string]any{"count": in.Count})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Codes lists a coupon's promo codes in the order they were made (for the
// CSV export). Returns not_found for a coupon not in this store.
func (s *Service) Codes(ctx context.Context, couponID string) ([]CouponCode, error) {
	if !ids.Valid(couponID) {
		return nil, errs.NotFoundf("coupon")
	}
	out := []CouponCode{}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		var n int64
		if err := s.T.Q(ctx).Model(&Coupon{}).Where("id = ?", couponID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return errs.NotFoundf("coupon")
		}
		return s.T.Q(ctx).Where("coupon_id = ?", couponID).Order("created_at, code").Limit(100_000).Find(&out).Error
	})
	return out, err
}

// RedeemInput is a promo code typed in the shop.
type RedeemInput struct {
	Code string `json:"code" binding:"required" text:"code"`
}

// Redeem claims the coupon of a promo code for the member, with the
// coupon's limits (total, per member, per day). A unique code is used once:
// it is marked redeemed in the claim's transaction, by a conditional update.
// Returns an invalid error on code when no such code exists (or its coupon
// is not claimable now), code_used when a unique code was redeemed already.
func (s *Service) Redeem(ctx context.Context, memberID string, in RedeemInput) (MemberCoupon, error) {
	code := normCode(in.Code)
	unknown := errs.Field("code", "unknown_code", "no promo code of this store is claimable with this code")
	if !codeShape.MatchString(code) {
		return MemberCoupon{}, unknown
	}
	var cc CouponCode
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Where("code = ?", code).Take(&cc).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return MemberCoupon{}, unknown
	}
	if err != nil {
		return MemberCoupon{}, err
	}
	used := &errs.Error{Kind: errs.Conflict, Code: "code_used", Message: "this promo code has been used",
		Fields: []errs.FieldError{{Field: "code", Code: "code_used", Message: "each of these codes can be used once"}}}
	if !cc.Shared && cc.MemberID != nil {
		return MemberCoupon{}, used
	}
	h := how{channel: ChannelCode, source: ChannelCode}
	var after func(ctx context.Context, mc MemberCoupon) error
	if !cc.Shared {
		h.ref = code
		after = func(ctx context.Context, mc MemberCoupon) error {
			res := s.T.Q(ctx).Model(&CouponCode{}).Where("code = ? AND member_id IS NULL", code).
				Updates(map[string]any{"member_id": memberID, "redeemed_at": mc.ClaimedAt})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return used
			}
			return nil
		}
	}
	mc, err := s.claim(ctx, memberID, cc.CouponID, h, after)
	if errs.KindOf(err) == errs.NotFound {
		return MemberCoupon{}, unknown
	}
	return mc, err
}

// ProductCoupons lists the centre coupons claimable now whose scope covers
// the product (for its page).
func (s *Service) ProductCoupons(ctx context.Context, productID, categoryID string) ([]Coupon, error) {
	all, err := s.Centre(ctx)
	if err != nil {
		return nil, err
	}
	out := []Coupon{}
	l := pricing.Line{ProductID: productID, CategoryID: categoryID}
	for _, c := range all {
		if c.Scope.V.Covers(l) {
			out = append(out, c)
		}
	}
	return out, nil
}

// SendInput sends a coupon to chosen members.
type SendInput struct {
	MemberIDs []string `json:"member_ids" binding:"required"`
	// Key makes a retried send idempotent: a member already sent this
	// coupon under the same key is not sent it again.
	Key string `json:"key" binding:"required"`
}

// SendResult is what a send did for one member: sent, already_sent,
// limit_reached, coupon_gone or unknown_member.
type SendResult struct {
	MemberID string `json:"member_id"`
	Result   string `json:"result"`
	// MemberCouponID is the coupon the member now holds (sent or already_sent).
	MemberCouponID string `json:"member_coupon_id,omitempty"`
}

// Send gives the coupon (any channel; with its total and per-member limits)
// to each member, one claim each, and records one audit entry. A coupon
// stopped or outside its window is not_found.
func (s *Service) Send(ctx context.Context, couponID string, in SendInput) ([]SendResult, error) {
	var f errs.Fields
	if len(in.MemberIDs) == 0 || len(in.MemberIDs) > 1000 {
		f.Add("member_ids", "out_of_range", "name 1 to 1000 members")
	}
	for i, id := range in.MemberIDs {
		if !ids.Valid(id) {
			f.Add(fmt.Sprintf("member_ids[%d]", i), "invalid", "must be a member id")
			break
		}
	}
	in.Key = strings.TrimSpace(in.Key)
	if f.Required("key", in.Key) {
		f.MaxLen("key", in.Key, 64)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if !ids.Valid(couponID) {
		return nil, errs.NotFoundf("coupon")
	}
	var c Coupon
	if err := s.T.Tx(ctx, func(ctx context.Context) error {
		return notFound(s.T.Q(ctx).Where("id = ?", couponID).Take(&c).Error, "coupon")
	}); err != nil {
		return nil, err
	}
	out := make([]SendResult, 0, len(in.MemberIDs))
	seen := map[string]bool{}
	sent := 0
	for _, m := range in.MemberIDs {
		if seen[m] {
			continue
		}
		seen[m] = true
		r := s.gift(ctx, m, c, how{channel: c.Channel, source: SourceStaff, ref: "send:" + in.Key})
		if r.err != nil {
			return nil, r.err
		}
		if r.Result == "sent" {
			sent++
		}
		out = append(out, r.SendResult)
	}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.Audit.Record(ctx, "marketing.coupon_sent", "coupon", couponID, map[string]any{"key": in.Key, "members": len(out), "sent": sent})
	})
	return out, err
}

type giftResult struct {
	SendResult
	err error // not a refusal: the send stops
}

// gift gives one coupon to one member, idempotently by h.ref.
func (s *Service) gift(ctx context.Context, memberID string, c Coupon, h how) giftResult {
	r := giftResult{SendResult: SendResult{MemberID: memberID}}
	var held MemberCoupon
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Where("coupon_id = ? AND member_id = ? AND source = ? AND source_ref = ?", c.ID, memberID, h.source, h.ref).Take(&held).Error
	})
	if err == nil {
		r.Result, r.MemberCouponID = "already_sent", held.ID
		return r
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		r.err = err
		return r
	}
	mc, err := s.claim(ctx, memberID, c.ID, h, nil)
	switch code := codeOf(err); {
	case err == nil:
		r.Result, r.MemberCouponID = "sent", mc.ID
	case code == "limit_reached" || code == "daily_limit_reached" || code == "coupon_gone":
		r.Result = code
	case code == "not_found":
		r.err = err
	case isForeignKey(err):
		r.Result = "unknown_member"
	default:
		r.err = err
	}
	return r
}

func isForeignKey(err error) bool {
	return errors.Is(err, gorm.ErrForeignKeyViolated) || (err != nil && strings.Contains(err.Error(), "FOREIGN KEY"))
}

// Gifting reports whether the store has a running gift coupon of the trigger
// (so a first login enqueues no job where there is nothing to give).
func (s *Service) Gifting(ctx context.Context, trigger string) (bool, error) {
	var n int64
	now := s.now()
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Model(&Coupon{}).Where("gift_on = ? AND status = ? AND channel = ? AND starts_at <= ? AND ends_at > ?",
			trigger, Active, ChannelGift, now, now).Limit(1).Count(&n).Error
	})
	return n > 0, err
}

// GiftOn gives the member every running gift coupon of the trigger
// (GiftNewMember after the first login, GiftPaid after a paid order, whose
// id is ref), each once per ref: a job may run twice. Refusals (none left,
// the member's limit) are skipped.
func (s *Service) GiftOn(ctx context.Context, trigger, memberID, ref string) (int, error) {
	var cs []Coupon
	now := s.now()
	if err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Where("status = ? AND channel = ? AND gift_on = ? AND starts_at <= ? AND ends_at > ? AND issued < total",
			Active, ChannelGift, trigger, now, now).Order("id").Limit(20).Find(&cs).Error
	}); err != nil {
		return 0, err
	}
	n := 0
	for _, c := range cs {
		r := s.gift(ctx, memberID, c, how{channel: ChannelGift, source: trigger, ref: trigger + ":" + ref})
		if r.err != nil && errs.KindOf(r.err) != errs.NotFound {
			return n, r.err
		}
		if r.Result == "sent" {
			n++
		}
	}
	return n, nil
}

// Reminder is a held coupon about to expire, for a subscribe message.
type Reminder struct {
	MemberCouponID string
	MemberID       string
	CouponName     string
	ValidTo        time.Time
}

// Expire marks the store's held coupons whose validity has ended (expired_at)
// and reminds, once each, the holders of coupons ending within remindWithin
// by calling remind (nil: no reminders): a coupon is marked reminded in the
// transaction that sends, so a job run twice sends once, and a failed send
// is retried by the next run. Returns how many were marked and reminded.
func (s *Service) Expire(ctx context.Context, remindWithin time.Duration, remind func(ctx context.Context, r Reminder) error) (expired, reminded int, err error) {
	now := s.now()
	err = s.T.Tx(ctx, func(ctx context.Context) error {
		res := s.T.Q(ctx).Model(&MemberCoupon{}).Where("status = ? AND valid_to <= ? AND expired_at IS NULL", Available, now).Update("expired_at", now)
		expired = int(res.RowsAffected)
		return res.Error
	})
	if err != nil || remind == nil || remindWithin <= 0 {
		return expired, 0, err
	}
	var due []MemberCoupon
	if err := s.T.Tx(ctx, func(ctx context.Context) error {
		if err := s.T.Q(ctx).Where("status = ? AND valid_to > ? AND valid_to <= ? AND reminded_at IS NULL", Available, now, now.Add(remindWithin)).
			Order("valid_to, id").Limit(1000).Find(&due).Error; err != nil {
			return err
		}
		return s.attach(ctx, due)
	}); err != nil {
		return expired, 0, err
	}
	for _, m := range due {
		if m.Coupon == nil {
			continue
		}
		err := s.T.Tx(ctx, func(ctx context.Context) error {
			res := s.T.Q(ctx).Model(&MemberCoupon{}).Where("id = ? AND reminded_at IS NULL", m.ID).Update("reminded_at", now)
			if res.Error != nil || res.RowsAffected != 1 {
				return res.Error // another run reminds this one
			}
			reminded++
			return remind(ctx, Reminder{MemberCouponID: m.ID, MemberID: m.MemberID, CouponName: m.Coupon.Name, ValidTo: m.ValidTo})
		})
		if err != nil {
			return expired, reminded - 1, err
		}
	}
	return expired, reminded, nil
}

// codeOf is an error's stable code ("" for none).
func codeOf(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
