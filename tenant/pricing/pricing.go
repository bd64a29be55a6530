// Package pricing computes the price of an order in one place, in the fixed
// order of MARKETING.md: activity price, limited-time discount or member
// price, full reduction, coupon, (points,) shipping. It is a pure function of
// its input: no database, no clock, no randomness; the cart preview, the
// confirm page and checkout all call Calculate, so the shopper is charged
// what was shown. Every step records what it took off and why, on the order
// and on each line, and every amount is int64 fen.
package pricing

import (
	"errors"
	"math/bits"
	"sort"

	"github.com/shoplet/shoplet/pkg/errs"
)

// Adjustment kinds, in calculation order.
const (
	KindMemberPrice     = "member_price"
	KindLimitedDiscount = "limited_discount"
	KindFullReduction   = "full_reduction"
	KindCoupon          = "coupon"
)

// Line is one SKU of a cart or order.
type Line struct {
	SKUID              string
	ProductID          string
	CategoryID         string
	Price              int64 // list unit price, fen
	Quantity           int64
	Weight             int64 // grams per unit
	ShippingTemplateID string
}

// Member is the shopper being priced for; the member-price step reads it.
type Member struct {
	ID    string
	Level string
}

// MemberPricer is the member-price hook (filled by the loyalty work): a
// member's unit price for a line, if they have one. nil: no member prices.
type MemberPricer func(m Member, l Line) (unit int64, ok bool)

// Scope says which lines a promotion or coupon applies to.
type Scope struct {
	Kind    string   `json:"kind"`    // store | products | categories
	IDs     []string `json:"ids"`     // product or category ids
	Exclude []string `json:"exclude"` // product ids never covered
}

// Scope kinds.
const (
	ScopeStore      = "store"
	ScopeProducts   = "products"
	ScopeCategories = "categories"
)

// Covers reports whether the scope applies to l.
func (s Scope) Covers(l Line) bool {
	for _, x := range s.Exclude {
		if x == l.ProductID {
			return false
		}
	}
	switch s.Kind {
	case ScopeProducts:
		return contains(s.IDs, l.ProductID)
	case ScopeCategories:
		return l.CategoryID != "" && contains(s.IDs, l.CategoryID)
	}
	return true
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Deal is a limited-time discount on one SKU: a percentage off or a fixed
// unit price (Price > 0 wins).
type Deal struct {
	PercentOff int64 `json:"percent_off"` // 1–99
	Price      int64 `json:"price"`       // fen
	// Limit is how many units one member may buy at this price (0: no
	// limit); units beyond it are at the list price.
	Limit int64 `json:"limit"`
}

// HasLimit reports whether a running deal on one of the lines has a
// per-member limit (checkout then reads what the member used).
func HasLimit(promos []Promotion, lines []Line) bool {
	for _, p := range promos {
		for _, l := range lines {
			if d, ok := p.Deals[l.SKUID]; ok && d.Limit > 0 {
				return true
			}
		}
	}
	return false
}

// DealKey names a member's use of one SKU's deal in one promotion.
func DealKey(promotionID, skuID string) string { return promotionID + "/" + skuID }

// Tier is one step of a full reduction: spend Threshold fen (or buy
// MinCount items) in scope, get Off fen off and/or free shipping.
type Tier struct {
	Threshold    int64 `json:"threshold"`
	MinCount     int64 `json:"min_count"`
	Off          int64 `json:"off"`
	FreeShipping bool  `json:"free_shipping"`
	// GiftSKUID, when set, adds GiftQuantity of that SKU free (满赠), while
	// its stock lasts.
	GiftSKUID    string `json:"gift_sku_id"`
	GiftQuantity int64  `json:"gift_quantity"`
}

// Gift is a free item a full gift tier adds to the order.
type Gift struct {
	PromotionID string `json:"promotion_id"`
	SKUID       string `json:"sku_id"`
	Quantity    int64  `json:"quantity"`
}

// KindFullGift marks the adjustment of a gift line (its whole list amount).
const KindFullGift = "full_gift"

// Promotion is a running activity.
type Promotion struct {
	ID    string
	Kind  string // KindLimitedDiscount | KindFullReduction
	Scope Scope
	// Limited-time discount: the SKUs on sale.
	Deals map[string]Deal
	// Full reduction: the tiers; the highest one reached applies.
	Tiers []Tier
	// Stacking (defaults as MARKETING.md: everything combines but member
	// price with a limited-time discount). NoCoupon: lines this promotion
	// touched take no coupon. NoFullReduction (limited discount): its lines
	// are left out of full reductions.
	NoCoupon        bool
	NoFullReduction bool
}

// Coupon kinds.
const (
	CouponFullReduction = "full_reduction" // spend ≥ Threshold, Amount off
	CouponDiscount      = "discount"       // PercentOff % off, at most Cap
	CouponNoThreshold   = "no_threshold"   // Amount off (random coupons carry the amount drawn at claim)
)

// Coupon is a coupon a member holds.
type Coupon struct {
	ID         string // the member's coupon
	CouponID   string // the coupon definition
	Kind       string
	Threshold  int64
	Amount     int64
	PercentOff int64
	Cap        int64
	Scope      Scope
}

// Shipping template modes.
const (
	ByPiece  = "piece"
	ByWeight = "weight" // units are grams
	Flat     = "flat"   // one fee per order (cross-border)
)

// Rate is a first-unit / additional-unit tariff.
type Rate struct {
	First         int64 `json:"first"` // pieces or grams
	FirstFee      int64 `json:"first_fee"`
	Additional    int64 `json:"additional"`
	AdditionalFee int64 `json:"additional_fee"`
}

// RegionRate overrides the default rate for some provinces.
type RegionRate struct {
	Provinces []string `json:"provinces" binding:"required"`
	Rate
}

// ShippingTemplate is a store's 运费模板.
type ShippingTemplate struct {
	ID             string
	Mode           string
	Default        Rate
	Regions        []RegionRate
	Undeliverable  []string // provinces
	FreeOverAmount int64    // paid amount of its lines, fen; 0: never
	FreeOverCount  int64    // items; 0: never
}

// Input is everything a price depends on.
type Input struct {
	Lines       []Line
	Member      Member
	MemberPrice MemberPricer
	Promotions  []Promotion
	Coupon      *Coupon // the coupon chosen, or nil
	Templates   map[string]ShippingTemplate
	Province    string // "" when no address is known yet (no undeliverable check)
	// DealsUsed: units the member already holds of limited deals, by
	// DealKey (in open and paid orders).
	DealsUsed map[string]int64
}

// Adjustment is what one step took off: the promotion (or coupon) and kind.
type Adjustment struct {
	PromotionID string `json:"promotion_id"`
	Kind        string `json:"kind"`
	Amount      int64  `json:"amount"`
}

// LineResult is one line priced.
type LineResult struct {
	SKUID       string       `json:"sku_id"`
	ListAmount  int64        `json:"list_amount"`
	Adjustments []Adjustment `json:"adjustments"`
	Discount    int64        `json:"discount"`
	Paid        int64        `json:"paid"`
	// DealUnits of the line were priced by the limited deal DealPromotion
	// with a per-member limit (checkout records them against the limit).
	DealUnits     int64  `json:"-"`
	DealPromotion string `json:"-"`
	DealLimit     int64  `json:"-"`
}

// Result is an order priced.
type Result struct {
	Lines        []LineResult `json:"lines"`
	ItemTotal    int64        `json:"item_total"` // list prices
	Discount     int64        `json:"discount"`
	Shipping     int64        `json:"shipping"`
	Total        int64        `json:"total"`
	Adjustments  []Adjustment `json:"adjustments"` // per promotion, summed over lines
	CouponID     string       `json:"coupon_id"`   // the coupon applied, "" if none
	FreeShipping bool         `json:"free_shipping"`
	Gifts        []Gift       `json:"gifts"` // free items of full gift tiers reached
}

// state is the running calculation.
type state struct {
	in       Input
	amount   []int64 // current line amounts
	res      Result
	noCoupon []bool
	noFull   []bool
}

func (st *state) take(i int, promo, kind string, amt int64) {
	if amt <= 0 {
		return
	}
	st.amount[i] -= amt
	l := &st.res.Lines[i]
	l.Adjustments = append(l.Adjustments, Adjustment{PromotionID: promo, Kind: kind, Amount: amt})
	l.Discount += amt
}

// spread allocates off over the lines with eligible weights and records it.
func (st *state) spread(promo, kind string, off int64, eligible func(i int) bool) {
	w := make([]int64, len(st.amount))
	for i := range w {
		if eligible(i) {
			w[i] = st.amount[i]
		}
	}
	for i, a := range Allocate(off, w) {
		st.take(i, promo, kind, a)
	}
}

// Calculate prices in. It returns an invalid error naming coupon_id when the
// chosen coupon does not apply, and address_id when a line cannot be
// delivered to the province.
func Calculate(in Input) (Result, error) {
	n := len(in.Lines)
	st := &state{in: in, amount: make([]int64, n), noCoupon: make([]bool, n), noFull: make([]bool, n)}
	st.res.Lines = make([]LineResult, n)
	for i, l := range in.Lines {
		st.amount[i] = l.Price * l.Quantity
		st.res.Lines[i] = LineResult{SKUID: l.SKUID, ListAmount: st.amount[i], Adjustments: []Adjustment{}}
		st.res.ItemTotal += st.amount[i]
	}
	promos := append([]Promotion(nil), in.Promotions...)
	sort.SliceStable(promos, func(a, b int) bool { return promos[a].ID < promos[b].ID })

	// 1. Activity price (flash sale, group buy, bargain): none exist yet.

	// 2. Limited-time discount or member price, whichever takes more off the
	// line; never both. A deal with a per-member limit covers only the units
	// the member has left of it (its other units are at the list price).
	taken := map[string]int64{}
	for i, l := range in.Lines {
		best, bestOff, bestKind, bestUnits, bestLimit := "", int64(0), "", int64(0), int64(0)
		var bestPromo *Promotion
		for p := range promos {
			pr := &promos[p]
			if pr.Kind != KindLimitedDiscount || !pr.Scope.Covers(l) {
				continue
			}
			d, ok := pr.Deals[l.SKUID]
			if !ok {
				continue
			}
			units := l.Quantity
			if d.Limit > 0 {
				k := DealKey(pr.ID, l.SKUID)
				units = max(0, min(units, d.Limit-in.DealsUsed[k]-taken[k]))
			}
			if off := (l.Price - d.unit(l.Price)) * units; off > bestOff {
				best, bestOff, bestKind, bestPromo, bestUnits, bestLimit = pr.ID, off, KindLimitedDiscount, pr, 0, d.Limit
				if d.Limit > 0 {
					bestUnits = units
				}
			}
		}
		if in.MemberPrice != nil {
			if u, ok := in.MemberPrice(in.Member, l); ok && u >= 0 && u < l.Price && (l.Price-u)*l.Quantity > bestOff {
				best, bestOff, bestKind, bestPromo, bestUnits = "", (l.Price-u)*l.Quantity, KindMemberPrice, nil, 0
			}
		}
		if bestKind != "" {
			st.take(i, best, bestKind, bestOff)
			if bestPromo != nil {
				st.noCoupon[i] = bestPromo.NoCoupon
				st.noFull[i] = bestPromo.NoFullReduction
			}
			if bestUnits > 0 {
				taken[DealKey(best, l.SKUID)] += bestUnits
				st.res.Lines[i].DealUnits, st.res.Lines[i].DealPromotion, st.res.Lines[i].DealLimit = bestUnits, best, bestLimit
			}
		}
	}

	// 3. Full reduction / free shipping over X: the highest tier reached.
	for _, pr := range promos {
		if pr.Kind != KindFullReduction {
			continue
		}
		in := func(i int) bool { return !st.noFull[i] && pr.Scope.Covers(st.in.Lines[i]) && st.amount[i] > 0 }
		var base, count int64
		for i := range st.amount {
			if in(i) {
				base += st.amount[i]
				count += st.in.Lines[i].Quantity
			}
		}
		var tier *Tier
		for t := range pr.Tiers {
			tr := &pr.Tiers[t]
			if base == 0 || base < tr.Threshold || count < tr.MinCount {
				continue
			}
			// The highest tier: the most off, then free shipping, then the higher threshold (a bigger gift).
			if tier == nil || tr.Off > tier.Off || (tr.Off == tier.Off && tr.FreeShipping && !tier.FreeShipping) ||
				(tr.Off == tier.Off && tr.FreeShipping == tier.FreeShipping && (tr.Threshold > tier.Threshold || tr.MinCount > tier.MinCount)) {
				tier = tr
			}
		}
		if tier == nil {
			continue
		}
		st.spread(pr.ID, KindFullReduction, min(tier.Off, base), in)
		if tier.GiftSKUID != "" && tier.GiftQuantity > 0 {
			st.res.Gifts = append(st.res.Gifts, Gift{PromotionID: pr.ID, SKUID: tier.GiftSKUID, Quantity: tier.GiftQuantity})
		}
		if tier.FreeShipping {
			st.res.FreeShipping = true
		}
		if pr.NoCoupon {
			for i := range st.noCoupon {
				if in(i) {
					st.noCoupon[i] = true
				}
			}
		}
	}

	// 4. Coupon: one per order, on what is left after the steps above (a
	// percentage of the undiscounted total would give more than is left).
	if c := in.Coupon; c != nil {
		in := func(i int) bool { return !st.noCoupon[i] && c.Scope.Covers(st.in.Lines[i]) && st.amount[i] > 0 }
		var base int64
		for i := range st.amount {
			if in(i) {
				base += st.amount[i]
			}
		}
		if base == 0 {
			return Result{}, errs.Field("coupon_id", "not_applicable", "this coupon applies to none of these items")
		}
		var off int64
		switch c.Kind {
		case CouponFullReduction:
			if base < c.Threshold {
				return Result{}, errs.Field("coupon_id", "below_threshold", "spend more on the items this coupon covers to use it")
			}
			off = c.Amount
		case CouponDiscount:
			off = base * c.PercentOff / 100
			if c.Cap > 0 {
				off = min(off, c.Cap)
			}
		default:
			off = c.Amount
		}
		st.spread(c.ID, KindCoupon, min(max(off, 0), base), in)
		st.res.CouponID = c.ID
	}

	// 5. Points deduction: not yet.

	// 6. Shipping, per template, on what is paid for its lines.
	for i := range st.res.Lines {
		l := &st.res.Lines[i]
		l.Paid = st.amount[i]
		st.res.Discount += l.Discount
	}
	ship, err := st.shipping()
	if err != nil {
		return Result{}, err
	}
	st.res.Shipping = ship
	st.res.Total = st.res.ItemTotal - st.res.Discount + st.res.Shipping
	st.res.Adjustments = sumAdjustments(st.res.Lines)
	return st.res, nil
}

// unit is the deal's unit price for a list price (rounded to the fen, half up).
func (d Deal) unit(price int64) int64 {
	if d.Price > 0 {
		return min(d.Price, price)
	}
	if d.PercentOff <= 0 || d.PercentOff >= 100 {
		return price
	}
	return (price*(100-d.PercentOff) + 50) / 100
}

func (st *state) shipping() (int64, error) {
	groups := map[string][]int{}
	var keys []string
	for i, l := range st.in.Lines {
		t := l.ShippingTemplateID
		if t == "" {
			continue // no template: shipped free
		}
		if _, ok := groups[t]; !ok {
			keys = append(keys, t)
		}
		groups[t] = append(groups[t], i)
	}
	sort.Strings(keys)
	var total int64
	for _, k := range keys {
		t, ok := st.in.Templates[k]
		if !ok {
			continue
		}
		if st.in.Province != "" && contains(t.Undeliverable, st.in.Province) {
			return 0, errs.Field("address_id", "undeliverable", "some items are not delivered to "+st.in.Province)
		}
		var count, weight, paid int64
		for _, i := range groups[k] {
			l := st.in.Lines[i]
			count += l.Quantity
			weight += l.Weight * l.Quantity
			paid += st.amount[i]
		}
		if st.res.FreeShipping || (t.FreeOverAmount > 0 && paid >= t.FreeOverAmount) || (t.FreeOverCount > 0 && count >= t.FreeOverCount) {
			continue
		}
		rate := t.Default
		for _, r := range t.Regions {
			if st.in.Province != "" && contains(r.Provinces, st.in.Province) {
				rate = r.Rate
				break
			}
		}
		units := count
		switch t.Mode {
		case Flat:
			total += rate.FirstFee
			continue
		case ByWeight:
			units = weight
		}
		fee := rate.FirstFee
		if extra := units - rate.First; extra > 0 && rate.Additional > 0 {
			fee += (extra + rate.Additional - 1) / rate.Additional * rate.AdditionalFee
		}
		total += fee
	}
	return total, nil
}

func sumAdjustments(lines []LineResult) []Adjustment {
	out := []Adjustment{}
	idx := map[[2]string]int{}
	for _, l := range lines {
		for _, a := range l.Adjustments {
			k := [2]string{a.Kind, a.PromotionID}
			if j, ok := idx[k]; ok {
				out[j].Amount += a.Amount
				continue
			}
			idx[k] = len(out)
			out = append(out, a)
		}
	}
	return out
}

// Allocate splits amount (0 ≤ amount ≤ the sum of weights) over the lines in
// proportion to their weights (their amounts; 0 for a line out of scope), in
// integer fen: each line gets the floor of its share, and the remainder goes
// to the largest line (the first of equals). A line never gets more than its
// own weight: if the largest cannot take the whole remainder (tiny lines),
// the rest goes to the next largest, and so on; a line out of scope gets
// nothing.
func Allocate(amount int64, weights []int64) []int64 {
	out := make([]int64, len(weights))
	var total int64
	for _, w := range weights {
		if w > 0 {
			total += w
		}
	}
	if amount <= 0 || total == 0 {
		return out
	}
	amount = min(amount, total)
	rest := amount
	for i, w := range weights {
		if w <= 0 {
			continue
		}
		hi, lo := bits.Mul64(uint64(amount), uint64(w))
		q, _ := bits.Div64(hi, lo, uint64(total))
		out[i] = int64(q)
		rest -= out[i]
	}
	order := make([]int, 0, len(weights))
	for i, w := range weights {
		if w > 0 {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return weights[order[a]] > weights[order[b]] })
	for _, i := range order {
		if rest == 0 {
			break
		}
		give := min(rest, weights[i]-out[i])
		out[i] += give
		rest -= give
	}
	return out
}

// CouponOption is one of a member's coupons for this cart: what it would
// take off, or why it does not apply.
type CouponOption struct {
	ID     string `json:"id"`
	Saving int64  `json:"saving"`
	Total  int64  `json:"total"`            // the order total with this coupon
	Reason string `json:"reason,omitempty"` // not_applicable | below_threshold
}

// CouponOptions prices in with each candidate coupon.
func CouponOptions(in Input, candidates []Coupon) []CouponOption {
	out := make([]CouponOption, len(candidates))
	for i := range candidates {
		in.Coupon = &candidates[i]
		out[i].ID = candidates[i].ID
		r, err := Calculate(in)
		if err != nil {
			var e *errs.Error
			if errors.As(err, &e) && len(e.Fields) == 1 && e.Fields[0].Field == "coupon_id" {
				out[i].Reason = e.Fields[0].Code
			} else {
				out[i].Reason = "not_applicable"
			}
			continue
		}
		out[i].Total = r.Total
		for _, a := range r.Adjustments {
			if a.Kind == KindCoupon {
				out[i].Saving += a.Amount
			}
		}
		if out[i].Saving == 0 {
			out[i].Reason = "not_applicable"
		}
	}
	return out
}

// BestCoupon returns the index of the option that leaves the lowest total
// (shipping included: a coupon can bring an order under free shipping), the
// first of equals, or -1 if none applies.
func BestCoupon(opts []CouponOption) int {
	best := -1
	for i, o := range opts {
		if o.Reason == "" && o.Saving > 0 && (best < 0 || o.Total < opts[best].Total) {
			best = i
		}
	}
	return best
}
