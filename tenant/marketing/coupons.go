package marketing

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/shoplet/shoplet/pkg/db"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/jsonb"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/pricing"
	"gorm.io/gorm"
)

// Statuses of coupons and promotions.
const (
	Active  = "active"
	Stopped = "stopped"
)

// Coupon kinds: pricing's three, and random (an amount between Amount and
// AmountMax drawn when claimed, then used as no-threshold).
const CouponRandom = "random"

// Member coupon statuses (expired is shown, not stored: it follows from valid_to).
const (
	Available = "available"
	Used      = "used"
	Expired   = "expired"
)

// Coupon is a coupon a brand issues.
type Coupon struct {
	tenant.Base
	ID         string                    `gorm:"primaryKey" json:"id"`
	Name       string                    `json:"name"`
	Kind       string                    `json:"kind"`
	Threshold  int64                     `json:"threshold"`
	Amount     int64                     `json:"amount"`
	AmountMax  int64                     `json:"amount_max"`
	PercentOff int64                     `json:"percent_off"`
	Cap        int64                     `json:"cap"`
	Scope      jsonb.JSON[pricing.Scope] `json:"scope"`
	StartsAt   time.Time                 `json:"starts_at"` // claimable from
	EndsAt     time.Time                 `json:"ends_at"`   // claimable until
	ValidFrom  *time.Time                `json:"valid_from"`
	ValidTo    *time.Time                `json:"valid_to"`
	ValidDays  int64                     `json:"valid_days"` // usable N days after claiming (instead of fixed dates)
	Total      int64                     `json:"total"`
	Issued     int64                     `json:"issued"`
	PerMember  int64                     `json:"per_member"`
	PerDay     int64                     `json:"per_day"` // claims per member per day, 0: no daily limit
	Channel    string                    `json:"channel"` // centre, code or gift
	GiftOn     string                    `json:"gift_on"` // gifts: "" (sent by staff), new_member or paid
	Status     string                    `json:"status"`
	CreatedAt  time.Time                 `json:"created_at"`
	UpdatedAt  time.Time                 `json:"updated_at"`
}

// CouponInput creates a coupon.
type CouponInput struct {
	Name string `json:"name" binding:"required" text:"name"`
	// Kind is full_reduction, discount, no_threshold or random.
	Kind       string        `json:"kind" binding:"required"`
	Threshold  int64         `json:"threshold"`
	Amount     int64         `json:"amount"`
	AmountMax  int64         `json:"amount_max"`
	PercentOff int64         `json:"percent_off"`
	Cap        int64         `json:"cap"`
	Scope      pricing.Scope `json:"scope"`
	StartsAt   string        `json:"starts_at" binding:"required"` // RFC 3339
	EndsAt     string        `json:"ends_at" binding:"required"`
	ValidFrom  string        `json:"valid_from"`
	ValidTo    string        `json:"valid_to"`
	ValidDays  int64         `json:"valid_days"`
	Total      int64         `json:"total" binding:"required"`
	PerMember  int64         `json:"per_member"`
	PerDay     int64         `json:"per_day"`
	// Channel is how shoppers get it: centre (default; the coupon centre and
	// product pages), code (typed in the shop: Code, or unique codes
	// generated later) or gift (only given: sent by staff, or automatically
	// on GiftOn).
	Channel string `json:"channel"`
	// Code is the one shared promo code of a code coupon (4 to 20 letters
	// and digits, case-insensitive); empty for a batch of unique codes.
	Code string `json:"code"`
	// GiftOn (gift coupons): new_member (on a member's first login), paid
	// (after each paid order) or "" (sent by staff only).
	GiftOn string `json:"gift_on"`
}

// MaxAmount bounds a coupon's amounts (100,000 yuan).
const MaxAmount = 10_000_000

func checkScope(f *errs.Fields, sc *pricing.Scope) {
	if sc.Kind == "" {
		sc.Kind = pricing.ScopeStore
	}
	switch sc.Kind {
	case pricing.ScopeStore:
	case pricing.ScopeProducts, pricing.ScopeCategories:
		if len(sc.IDs) == 0 {
			f.Add("scope.ids", "required", "name the products or categories")
		}
	default:
		f.Add("scope.kind", "invalid_choice", "must be one of store, products, categories")
	}
	if len(sc.IDs) > 500 || len(sc.Exclude) > 500 {
		f.Add("scope.ids", "too_many", "at most 500 ids")
	}
	for i, id := range append(append([]string{}, sc.IDs...), sc.Exclude...) {
		if !ids.Valid(id) {
			f.Add(fmt.Sprintf("scope.ids[%d]", i), "invalid", "must be an id")
			break
		}
	}
	if sc.IDs == nil {
		sc.IDs = []string{}
	}
	if sc.Exclude == nil {
		sc.Exclude = []string{}
	}
}

// window is a parsed time window.
type window struct{ starts, ends, validFrom, validTo *time.Time }

// parseTime reads an RFC 3339 time ("" is none).
func parseTime(f *errs.Fields, field, v string) *time.Time {
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		f.Add(field, "invalid_time", "must be an RFC 3339 time, e.g. 2026-11-11T00:00:00+08:00")
		return nil
	}
	t = t.UTC()
	return &t
}

// nonNegative refuses a negative number, naming its field.
func nonNegative(f *errs.Fields, fields map[string]int64) {
	for name, v := range fields {
		if v < 0 {
			f.Add(name, "out_of_range", "must not be negative")
		}
	}
}

func (in *CouponInput) validate() (window, error) {
	var f errs.Fields
	var w window
	in.Name = strings.TrimSpace(in.Name)
	if f.Required("name", in.Name) {
		f.MaxLen("name", in.Name, 40)
	}
	between := func(field string, v, lo, hi int64) {
		if v < lo || v > hi {
			f.Add(field, "out_of_range", fmt.Sprintf("must be between %d and %d", lo, hi))
		}
	}
	nonNegative(&f, map[string]int64{"threshold": in.Threshold, "amount": in.Amount, "amount_max": in.AmountMax, "percent_off": in.PercentOff,
		"cap": in.Cap, "valid_days": in.ValidDays, "total": in.Total, "per_member": in.PerMember, "per_day": in.PerDay})
	if !f.Empty() {
		return w, f.Err()
	}
	switch in.Kind {
	case pricing.CouponFullReduction:
		between("threshold", in.Threshold, 1, MaxAmount)
		between("amount", in.Amount, 1, MaxAmount)
		if in.Amount > in.Threshold {
			f.Add("amount", "above_threshold", "must not be more than the threshold")
		}
	case pricing.CouponDiscount:
		between("percent_off", in.PercentOff, 1, 99)
		between("cap", in.Cap, 0, MaxAmount)
		between("threshold", in.Threshold, 0, MaxAmount)
	case pricing.CouponNoThreshold:
		between("amount", in.Amount, 1, MaxAmount)
	case CouponRandom:
		between("amount", in.Amount, 1, MaxAmount)
		between("amount_max", in.AmountMax, in.Amount, MaxAmount)
	default:
		f.Add("kind", "invalid_choice", "must be one of full_reduction, discount, no_threshold, random")
	}
	checkScope(&f, &in.Scope)
	w.starts, w.ends = parseTime(&f, "starts_at", in.StartsAt), parseTime(&f, "ends_at", in.EndsAt)
	w.validFrom, w.validTo = parseTime(&f, "valid_from", in.ValidFrom), parseTime(&f, "valid_to", in.ValidTo)
	if !f.Empty() {
		return w, f.Err()
	}
	if w.starts == nil || w.ends == nil || !w.ends.After(*w.starts) {
		f.Add("ends_at", "before_start", "must be after starts_at")
	}
	switch {
	case in.ValidDays > 0:
		between("valid_days", in.ValidDays, 1, 3650)
		if w.validFrom != nil || w.validTo != nil {
			f.Add("valid_days", "conflict", "give either valid_days or valid_from and valid_to")
		}
	case w.validFrom == nil || w.validTo == nil:
		f.Add("valid_to", "required", "give valid_from and valid_to, or valid_days")
	case !w.validTo.After(*w.validFrom):
		f.Add("valid_to", "before_start", "must be after valid_from")
	}
	between("total", in.Total, 1, 10_000_000)
	if in.PerMember == 0 {
		in.PerMember = 1
	}
	between("per_member", in.PerMember, 1, 100)
	between("per_day", in.PerDay, 0, 100)
	if in.Channel == "" {
		in.Channel = ChannelCentre
	}
	in.Code = normCode(in.Code)
	switch in.Channel {
	case ChannelCentre, ChannelCode, ChannelGift:
	default:
		f.Add("channel", "invalid_choice", "must be one of centre, code, gift")
	}
	if in.Code != "" && (in.Channel != ChannelCode || !codeShape.MatchString(in.Code)) {
		f.Add("code", "invalid", "a code coupon's shared code: 4 to 20 letters and digits")
	}
	switch in.GiftOn {
	case "":
	case GiftNewMember, GiftPaid:
		if in.Channel != ChannelGift {
			f.Add("gift_on", "invalid", "only a gift coupon is given automatically")
		}
	default:
		f.Add("gift_on", "invalid_choice", "must be one of new_member, paid, or empty")
	}
	return w, f.Err()
}

// CreateCoupon adds an active coupon.
func (s *Service) CreateCoupon(ctx context.Context, in CouponInput) (Coupon, error) {
	w, err := in.validate()
	if err != nil {
		return Coupon{}, err
	}
	now := s.now()
	c := Coupon{ID: ids.New(), Name: in.Name, Kind: in.Kind, Threshold: in.Threshold, Amount: in.Amount, AmountMax: in.AmountMax,
		PercentOff: in.PercentOff, Cap: in.Cap, Scope: jsonb.Of(in.Scope), StartsAt: *w.starts, EndsAt: *w.ends,
		ValidFrom: w.validFrom, ValidTo: w.validTo, ValidDays: in.ValidDays, Total: in.Total, PerMember: in.PerMember, PerDay: in.PerDay,
		Channel: in.Channel, GiftOn: in.GiftOn, Status: Active, CreatedAt: now, UpdatedAt: now}
	err = s.T.Tx(ctx, func(ctx context.Context) error {
		if err := s.T.Q(ctx).Create(&c).Error; err != nil {
			return err
		}
		if in.Code != "" {
			if err := s.T.Q(ctx).Create(&CouponCode{Code: in.Code, CouponID: c.ID, Shared: true, CreatedAt: now}).Error; err != nil {
				if errors.Is(err, gorm.ErrDuplicatedKey) {
					return &errs.Error{Kind: errs.Conflict, Code: "code_taken", Message: "another coupon of this store has this code",
						Fields: []errs.FieldError{{Field: "code", Code: "code_taken", Message: "choose another code"}}}
				}
				return err
			}
		}
		return s.Audit.Record(ctx, "marketing.coupon_created", "coupon", c.ID, map[string]any{"name": c.Name, "kind": c.Kind, "total": c.Total})
	})
	if err == nil && s.OnCoupon != nil {
		s.OnCoupon(ctx)
	}
	return c, err
}

// Coupons lists the store's coupons, newest first (status "" for all).
func (s *Service) Coupons(ctx context.Context, status string) ([]Coupon, error) {
	out := []Coupon{}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx).Order("id DESC").Limit(200)
		if status != "" {
			q = q.Where("status = ?", status)
		}
		return q.Find(&out).Error
	})
	return out, err
}

// CouponStats is a coupon with its results.
type CouponStats struct {
	Coupon
	Used int64 `json:"used"` // claimed coupons used by an order
}

// GetCoupon returns a coupon and how many were used.
func (s *Service) GetCoupon(ctx context.Context, id string) (CouponStats, error) {
	var out CouponStats
	if !ids.Valid(id) {
		return out, errs.NotFoundf("coupon")
	}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		if err := s.T.Q(ctx).Where("id = ?", id).Take(&out.Coupon).Error; err != nil {
			return notFound(err, "coupon")
		}
		return s.T.Q(ctx).Model(&MemberCoupon{}).Where("coupon_id = ? AND status = ?", id, Used).Count(&out.Used).Error
	})
	return out, err
}

// StopCoupon ends claiming (coupons already claimed stay usable).
func (s *Service) StopCoupon(ctx context.Context, id string) (Coupon, error) {
	var c Coupon
	if !ids.Valid(id) {
		return c, errs.NotFoundf("coupon")
	}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx)
		if err := q.Where("id = ?", id).Take(&c).Error; err != nil {
			return notFound(err, "coupon")
		}
		if c.Status == Stopped {
			return nil
		}
		c.Status, c.UpdatedAt = Stopped, s.now()
		if err := q.Model(&Coupon{}).Where("id = ?", id).Updates(map[string]any{"status": Stopped, "updated_at": c.UpdatedAt}).Error; err != nil {
			return err
		}
		return s.Audit.Record(ctx, "marketing.coupon_stopped", "coupon", id, map[string]any{"name": c.Name})
	})
	return c, err
}

// Centre lists the coupons a shopper can claim now, with what is left.
func (s *Service) Centre(ctx context.Context) ([]Coupon, error) {
	out := []Coupon{}
	now := s.now()
	if on, err := s.offered(ctx); err != nil || !on {
		return out, err
	}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Where("status = ? AND channel = ? AND starts_at <= ? AND ends_at > ? AND issued < total", Active, ChannelCentre, now, now).
			Order("id DESC").Limit(100).Find(&out).Error
	})
	return out, err
}

// MemberCoupon is a coupon a member claimed.
type MemberCoupon struct {
	tenant.Base
	ID        string     `gorm:"primaryKey" json:"id"`
	CouponID  string     `json:"coupon_id"`
	MemberID  string     `json:"-"`
	Seq       int64      `json:"-"`
	ClaimDay  string     `json:"-"`
	DaySeq    int64      `json:"-"`
	Amount    int64      `json:"amount"` // a random coupon's amount drawn
	ValidFrom time.Time  `json:"valid_from"`
	ValidTo   time.Time  `json:"valid_to"`
	Status    string     `json:"status"`
	OrderID   *string    `json:"order_id"`
	UsedAt    *time.Time `json:"used_at"`
	ClaimedAt time.Time  `json:"claimed_at"`
	// Source is how the member got it: centre, code, staff, new_member or paid.
	Source     string     `json:"source"`
	SourceRef  string     `json:"-"`
	ExpiredAt  *time.Time `json:"-"`
	RemindedAt *time.Time `json:"-"`
	Coupon     *Coupon    `gorm:"-" json:"coupon,omitempty"`
}

func draw(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(hi-lo+1))
	return lo + n.Int64()
}

func errGone() error {
	return errs.E(errs.Conflict, "coupon_gone", "all of this coupon have been claimed")
}

// SoldOut answers coupon_gone if the coupon is marked as having run out, from
// the mark alone (a coupon never comes back, and that it is gone is no
// secret: the coupon centre shows it).
func (s *Service) SoldOut(ctx context.Context, couponID string) error {
	if s.Gone != nil && ids.Valid(couponID) {
		if i, err := s.Gone.Marked(ctx, []string{couponID}); err == nil && i >= 0 {
			return errGone()
		}
	}
	return nil
}

// Claim gives the member one of the coupon. Returns not_found for a coupon
// not claimable now (stopped, outside its window, another store's),
// coupon_gone when none are left, limit_reached / daily_limit_reached when
// the member has claimed as many as allowed. The member's limits are unique
// keys (their n-th claim), and the total is one conditional update of the
// issued count, so concurrent claims can neither overshoot the total nor
// give a member one too many.
func (s *Service) Claim(ctx context.Context, memberID, couponID string) (MemberCoupon, error) {
	return s.claim(ctx, memberID, couponID, how{channel: ChannelCentre, source: ChannelCentre}, nil)
}

// how a coupon is being claimed: through which channel, recorded as which
// source, with which idempotency reference ("" for none).
type how struct{ channel, source, ref string }

// claim claims in its own transaction (or the one in ctx); then, in the same
// transaction, runs after (a promo code's redemption).
func (s *Service) claim(ctx context.Context, memberID, couponID string, h how, after func(ctx context.Context, mc MemberCoupon) error) (MemberCoupon, error) {
	if !ids.Valid(couponID) {
		return MemberCoupon{}, errs.NotFoundf("coupon")
	}
	if on, err := s.offered(ctx); err != nil {
		return MemberCoupon{}, err
	} else if !on {
		return MemberCoupon{}, errs.NotFoundf("coupon")
	}
	if err := s.SoldOut(ctx, couponID); err != nil {
		return MemberCoupon{}, err
	}
	claim := s.claimSteps
	if s.T.DB.Dialect == db.Postgres {
		claim = s.claimStatement
	}
	var mc MemberCoupon
	var gone bool
	err := s.T.Tx(ctx, func(ctx context.Context) (err error) {
		mc, gone, err = claim(ctx, memberID, couponID, h)
		if err == nil && after != nil {
			err = after(ctx, mc)
		}
		return err
	})
	if gone && s.Gone != nil {
		s.Gone.Mark(ctx, couponID)
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		// The same member claiming twice at once: the other claim took the slot.
		return MemberCoupon{}, errs.E(errs.Conflict, "limit_reached", "this coupon was just claimed by this shopper")
	}
	if err != nil {
		return MemberCoupon{}, err
	}
	return mc, nil
}

// refusal says why a claim of c by a member holding n of it (d today) is
// refused; gone reports that none are left.
func (s *Service) refusal(c Coupon, h how, n, d int64, now time.Time) (gone bool, err error) {
	switch {
	case c.Status != Active || c.Channel != h.channel || now.Before(c.StartsAt) || !now.Before(c.EndsAt):
		return false, errs.NotFoundf("coupon")
	case c.Issued >= c.Total:
		return true, errGone()
	case n >= c.PerMember:
		return false, errs.E(errs.Conflict, "limit_reached", fmt.Sprintf("a shopper can claim this coupon %d times", c.PerMember))
	case c.PerDay > 0 && d >= c.PerDay:
		return false, errs.E(errs.Conflict, "daily_limit_reached", fmt.Sprintf("a shopper can claim this coupon %d times a day", c.PerDay))
	}
	return false, nil
}

// claimStatement is a claim in one PostgreSQL statement: it counts the
// member's claims (all and today's), inserts the claim with the member's
// next slot numbers if status, window and the member's limits allow, then
// takes one of the total with a conditional increment (none left: the claim
// returns coupon_gone and the transaction rolls the insert back). A claim is
// BEGIN, SET LOCAL (the tenant), this statement and COMMIT (it was seven
// round trips, the last two with the coupon row locked). The insert and its
// index entries come before the increment, so the coupon row every claimer
// updates is locked only from the increment to the commit. The commit waits
// for the disk as every other commit does: a claim the shopper was told
// about survives a database crash (nothing answered is lost). The unique
// slot keys still refuse a member's concurrent second claim.
func (s *Service) claimStatement(ctx context.Context, memberID, couponID string, h how) (MemberCoupon, bool, error) {
	q := s.T.Q(ctx)
	tid, _ := tenant.FromContext(ctx)
	now := s.now()
	day := now.In(cst).Format("2006-01-02")
	id := ids.New()
	var r struct {
		Coupon
		N, D          int64
		UpIssued      *int64
		MAmount       *int64
		MValidFrom    *time.Time
		MValidTo      *time.Time
		MSeq, MDaySeq *int64
	}
	err := q.Raw(claimSQL, tid, couponID, day, tid, couponID, memberID,
		tid, id, couponID, memberID, day, draw(0, 1<<53), now, now, now, h.source, h.ref, Active, h.channel, now, now,
		tid, couponID).Scan(&r).Error
	if err != nil {
		// A raw statement's errors are not translated by GORM (a member's
		// concurrent second claim fails on its slot: ErrDuplicatedKey).
		if t, ok := q.Dialector.(gorm.ErrorTranslator); ok {
			err = t.Translate(err)
		}
		return MemberCoupon{}, false, err
	}
	if r.ID == "" {
		return MemberCoupon{}, false, errs.NotFoundf("coupon")
	}
	if r.MValidTo == nil {
		gone, err := s.refusal(r.Coupon, h, r.N, r.D, now)
		if err == nil { // cannot happen: the insert saw what refusal saw
			gone, err = true, errGone()
		}
		return MemberCoupon{}, gone, err
	}
	if r.UpIssued == nil {
		// The snapshot had one left, but a concurrent claim took it: the
		// error rolls the inserted claim back.
		return MemberCoupon{}, true, errGone()
	}
	c := r.Coupon
	c.Issued = *r.UpIssued
	return MemberCoupon{ID: id, CouponID: couponID, MemberID: memberID, Seq: *r.MSeq, ClaimDay: day, DaySeq: *r.MDaySeq, Amount: *r.MAmount,
		ValidFrom: r.MValidFrom.UTC(), ValidTo: r.MValidTo.UTC(), Status: Available, ClaimedAt: now, Source: h.source, SourceRef: h.ref, Coupon: &c}, false, nil
}

// claimSQL: see claimStatement. Every table reference carries its own
// tenant condition (the tenant scope's guard reads raw SQL).
const claimSQL = `WITH c AS (
  SELECT * FROM coupons c WHERE c.tenant_id = ? AND c.id = ?
), n AS (
  SELECT count(*) AS n, count(*) FILTER (WHERE m.claim_day = ?) AS d
  FROM member_coupons m WHERE m.tenant_id = ? AND m.coupon_id = ? AND m.member_id = ?
), ins AS (
  INSERT INTO member_coupons (tenant_id, id, coupon_id, member_id, seq, claim_day, day_seq, amount, valid_from, valid_to, status, claimed_at,
    source, source_ref)
  SELECT ?, ?, ?, ?, n.n + 1, ?, CASE WHEN c.per_day > 0 THEN n.d + 1 ELSE n.n + 1 END,
    CASE WHEN c.kind = 'random' THEN c.amount + ?::bigint % (c.amount_max - c.amount + 1) ELSE 0 END,
    CASE WHEN c.valid_days > 0 THEN ?::timestamptz ELSE c.valid_from END,
    CASE WHEN c.valid_days > 0 THEN ?::timestamptz + c.valid_days * interval '1 day' ELSE c.valid_to END,
    'available', ?::timestamptz, ?, ?
  FROM c, n
  WHERE c.status = ? AND c.channel = ? AND c.starts_at <= ? AND c.ends_at > ? AND c.issued < c.total
    AND n.n < c.per_member AND (c.per_day = 0 OR n.d < c.per_day)
  RETURNING seq, day_seq, amount, valid_from, valid_to
), up AS (
  UPDATE coupons u SET issued = u.issued + 1
  WHERE u.tenant_id = ? AND u.id = ? AND u.issued < u.total AND EXISTS (SELECT 1 FROM ins)
  RETURNING u.issued
)
SELECT c.*, n.n, n.d, (SELECT issued FROM up) AS up_issued, ins.amount AS m_amount, ins.valid_from AS m_valid_from,
  ins.valid_to AS m_valid_to, ins.seq AS m_seq, ins.day_seq AS m_day_seq
FROM c CROSS JOIN n LEFT JOIN ins ON true`

// claimSteps is a claim as separate statements (SQLite, whose one writer at a
// time serialises claims anyway).
func (s *Service) claimSteps(ctx context.Context, memberID, couponID string, h how) (MemberCoupon, bool, error) {
	q := s.T.Q(ctx)
	now := s.now()
	var c Coupon
	if err := q.Where("id = ?", couponID).Take(&c).Error; err != nil {
		return MemberCoupon{}, false, notFound(err, "coupon")
	}
	day := now.In(cst).Format("2006-01-02")
	var n, d int64
	if err := q.Model(&MemberCoupon{}).Where("coupon_id = ? AND member_id = ?", couponID, memberID).Count(&n).Error; err != nil {
		return MemberCoupon{}, false, err
	}
	if c.PerDay > 0 {
		if err := q.Model(&MemberCoupon{}).Where("coupon_id = ? AND member_id = ? AND claim_day = ?", couponID, memberID, day).Count(&d).Error; err != nil {
			return MemberCoupon{}, false, err
		}
	}
	if gone, err := s.refusal(c, h, n, d, now); err != nil {
		return MemberCoupon{}, gone, err
	}
	daySeq := n + 1
	if c.PerDay > 0 {
		daySeq = d + 1
	}
	mc := MemberCoupon{ID: ids.New(), CouponID: couponID, MemberID: memberID, Seq: n + 1, ClaimDay: day, DaySeq: daySeq,
		Status: Available, ClaimedAt: now, Source: h.source, SourceRef: h.ref}
	if c.Kind == CouponRandom {
		mc.Amount = draw(c.Amount, c.AmountMax)
	}
	if c.ValidDays > 0 {
		mc.ValidFrom, mc.ValidTo = now, now.Add(time.Duration(c.ValidDays)*24*time.Hour)
	} else {
		mc.ValidFrom, mc.ValidTo = *c.ValidFrom, *c.ValidTo
	}
	if err := q.Create(&mc).Error; err != nil {
		return MemberCoupon{}, false, err
	}
	res := q.Model(&Coupon{}).Where("id = ? AND issued < total", couponID).Update("issued", gorm.Expr("issued + 1"))
	if res.Error != nil {
		return MemberCoupon{}, false, res.Error
	}
	if res.RowsAffected != 1 {
		return MemberCoupon{}, true, errGone()
	}
	c.Issued++
	mc.Coupon = &c
	return mc, false, nil
}

// MyCoupons lists a member's coupons with status available, used or expired
// ("" for all), each with its coupon.
func (s *Service) MyCoupons(ctx context.Context, memberID, status string) ([]MemberCoupon, error) {
	switch status {
	case "", Available, Used, Expired:
	default:
		return nil, errs.Field("status", "invalid_choice", "must be one of available, used, expired")
	}
	out := []MemberCoupon{}
	now := s.now()
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx).Where("member_id = ?", memberID).Order("id DESC").Limit(200)
		switch status {
		case Available:
			q = q.Where("status = ? AND valid_to > ?", Available, now)
		case Used:
			q = q.Where("status = ?", Used)
		case Expired:
			q = q.Where("status = ? AND valid_to <= ?", Available, now)
		}
		if err := q.Find(&out).Error; err != nil {
			return err
		}
		return s.attach(ctx, out)
	})
	for i := range out {
		if out[i].Status == Available && !now.Before(out[i].ValidTo) {
			out[i].Status = Expired
		}
	}
	return out, err
}

func (s *Service) attach(ctx context.Context, mcs []MemberCoupon) error {
	want := map[string]bool{}
	var list []string
	for _, m := range mcs {
		if !want[m.CouponID] {
			want[m.CouponID] = true
			list = append(list, m.CouponID)
		}
	}
	if len(list) == 0 {
		return nil
	}
	var cs []Coupon
	if err := s.T.Q(ctx).Where("id IN ?", list).Find(&cs).Error; err != nil {
		return err
	}
	by := map[string]*Coupon{}
	for i := range cs {
		by[cs[i].ID] = &cs[i]
	}
	for i := range mcs {
		mcs[i].Coupon = by[mcs[i].CouponID]
	}
	return nil
}

func (m MemberCoupon) pricing() pricing.Coupon {
	c := m.Coupon
	pc := pricing.Coupon{ID: m.ID, CouponID: m.CouponID, Kind: c.Kind, Threshold: c.Threshold, Amount: c.Amount, PercentOff: c.PercentOff,
		Cap: c.Cap, Scope: c.Scope.V}
	if c.Kind == CouponRandom {
		pc.Kind, pc.Amount = pricing.CouponNoThreshold, m.Amount
	}
	return pc
}

// UsableCoupons returns the member's coupons usable now, for pricing (in the
// transaction in ctx).
func (s *Service) UsableCoupons(ctx context.Context, memberID string) ([]pricing.Coupon, error) {
	if on, err := s.offered(ctx); err != nil || !on {
		return nil, err
	}
	now := s.now()
	var mcs []MemberCoupon
	if err := s.T.Q(ctx).Where("member_id = ? AND status = ? AND valid_from <= ? AND valid_to > ?", memberID, Available, now, now).
		Order("id").Limit(100).Find(&mcs).Error; err != nil {
		return nil, err
	}
	if err := s.attach(ctx, mcs); err != nil {
		return nil, err
	}
	out := make([]pricing.Coupon, 0, len(mcs))
	for _, m := range mcs {
		if m.Coupon != nil {
			out = append(out, m.pricing())
		}
	}
	return out, nil
}

// UsableCoupon returns one of the member's coupons if it is usable now;
// otherwise an invalid error on coupon_id.
func (s *Service) UsableCoupon(ctx context.Context, memberID, id string) (pricing.Coupon, error) {
	bad := errs.Field("coupon_id", "not_available", "this coupon is not one the shopper can use now")
	if !ids.Valid(id) {
		return pricing.Coupon{}, bad
	}
	if on, err := s.offered(ctx); err != nil {
		return pricing.Coupon{}, err
	} else if !on {
		return pricing.Coupon{}, bad
	}
	now := s.now()
	var m MemberCoupon
	err := s.T.Q(ctx).Where("id = ? AND member_id = ? AND status = ? AND valid_from <= ? AND valid_to > ?", id, memberID, Available, now, now).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return pricing.Coupon{}, bad
	}
	if err != nil {
		return pricing.Coupon{}, err
	}
	ms := []MemberCoupon{m}
	if err := s.attach(ctx, ms); err != nil || ms[0].Coupon == nil {
		return pricing.Coupon{}, errors.Join(err, bad)
	}
	return ms[0].pricing(), nil
}

// UseCoupon marks the member's coupon used by the order, in the transaction
// in ctx: one conditional update, so of concurrent checkouts with the same
// coupon exactly one gets it and the others are refused (coupon_unavailable).
func (s *Service) UseCoupon(ctx context.Context, memberID, id, orderID string) error {
	now := s.now()
	res := s.T.Q(ctx).Model(&MemberCoupon{}).Where("id = ? AND member_id = ? AND status = ? AND valid_to > ?", id, memberID, Available, now).
		Updates(map[string]any{"status": Used, "order_id": orderID, "used_at": now})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return &errs.Error{Kind: errs.Conflict, Code: "coupon_unavailable", Message: "this coupon was just used by another order",
			Fields: []errs.FieldError{{Field: "coupon_id", Code: "coupon_unavailable", Message: "choose another coupon or none"}}}
	}
	return nil
}

// ReleaseCoupon makes the coupon an order used available again (the order
// was cancelled or closed unpaid), in the transaction in ctx.
func (s *Service) ReleaseCoupon(ctx context.Context, orderID string) error {
	return s.T.Q(ctx).Model(&MemberCoupon{}).Where("order_id = ? AND status = ?", orderID, Used).
		Updates(map[string]any{"status": Available, "order_id": nil, "used_at": nil}).Error
}
