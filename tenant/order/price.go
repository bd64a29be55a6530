package order

import (
	"context"
	"fmt"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/tenant/catalog"
	"github.com/shoplet/shoplet/tenant/pricing"
)

// pricingLine is what pricing needs of a SKU bought.
func pricingLine(sku catalog.SKU, p catalog.Product, qty int64) pricing.Line {
	l := pricing.Line{SKUID: sku.ID, ProductID: p.ID, Price: sku.Price, Quantity: qty, Weight: sku.Weight}
	if p.CategoryID != nil {
		l.CategoryID = *p.CategoryID
	}
	if p.ShippingTemplateID != nil {
		l.ShippingTemplateID = *p.ShippingTemplateID
	}
	return l
}

var errNoCoupon = errs.Field("coupon_id", "not_available", "this coupon is not one the shopper can use now")

// calculate prices lines for the member in the transaction in ctx, with the
// coupon couponID ("" for none). With options, every coupon the member holds
// is priced too, and when auto is set and couponID is "" the one that leaves
// the lowest total is applied (the preview pre-selects it).
func (s *Service) calculate(ctx context.Context, memberID string, pl []pricing.Line, province, couponID string, options, auto bool) (pricing.Result, []pricing.CouponOption, error) {
	in := pricing.Input{Lines: pl, Member: pricing.Member{ID: memberID}, MemberPrice: s.MemberPrice, Province: province}
	opts := []pricing.CouponOption{}
	if s.Marketing == nil {
		if couponID != "" {
			return pricing.Result{}, nil, errNoCoupon
		}
		r, err := pricing.Calculate(in)
		return r, opts, err
	}
	var err error
	if in.Promotions, in.Templates, err = s.Marketing.Offers(ctx, pl); err != nil {
		return pricing.Result{}, nil, err
	}
	if pricing.HasLimit(in.Promotions, pl) {
		if in.DealsUsed, err = s.Marketing.DealsUsed(ctx, memberID); err != nil {
			return pricing.Result{}, nil, err
		}
	}
	if options {
		cands, err := s.Marketing.UsableCoupons(ctx, memberID)
		if err != nil {
			return pricing.Result{}, nil, err
		}
		opts = pricing.CouponOptions(in, cands)
		if couponID == "" && auto {
			if i := pricing.BestCoupon(opts); i >= 0 {
				couponID = cands[i].ID
			}
		}
		for i := range cands {
			if cands[i].ID == couponID {
				in.Coupon = &cands[i]
			}
		}
		if couponID != "" && in.Coupon == nil {
			return pricing.Result{}, nil, errNoCoupon
		}
	} else if couponID != "" {
		c, err := s.Marketing.UsableCoupon(ctx, memberID, couponID)
		if err != nil {
			return pricing.Result{}, nil, err
		}
		in.Coupon = &c
	}
	r, err := pricing.Calculate(in)
	return r, opts, err
}

// PreviewInput prices items (or the whole cart when Items is empty) as
// checkout would.
type PreviewInput struct {
	Items []Item `json:"items"`
	// AddressID, when given, prices shipping to it (and refuses an
	// undeliverable address as checkout would).
	AddressID string `json:"address_id"`
	// CouponID applies this coupon; "" pre-selects the best one unless NoCoupon.
	CouponID string `json:"coupon_id"`
	NoCoupon bool   `json:"no_coupon"`
}

// PreviewLine is a line of the preview.
type PreviewLine struct {
	SKUID       string               `json:"sku_id"`
	ProductID   string               `json:"product_id"`
	Title       string               `json:"title"`
	Spec        map[string]string    `json:"spec"`
	Price       int64                `json:"price"`
	Quantity    int64                `json:"quantity"`
	Available   bool                 `json:"available"` // unavailable lines are not priced (checkout refuses them)
	ListAmount  int64                `json:"list_amount"`
	Discount    int64                `json:"discount"`
	PaidAmount  int64                `json:"paid_amount"`
	Adjustments []pricing.Adjustment `json:"adjustments"`
}

// Preview is the price breakdown the confirm page shows: checkout with the
// same items, address and coupon_id charges exactly Total.
type Preview struct {
	Lines         []PreviewLine        `json:"lines"`
	ItemTotal     int64                `json:"item_total"`
	DiscountTotal int64                `json:"discount_total"`
	ShippingFee   int64                `json:"shipping_fee"`
	Total         int64                `json:"total"`
	Adjustments   []pricing.Adjustment `json:"adjustments"`
	FreeShipping  bool                 `json:"free_shipping"`
	// Gifts of full gift tiers reached: checkout adds them as free lines
	// while their stock lasts.
	Gifts    []pricing.Gift         `json:"gifts"`
	CouponID string                 `json:"coupon_id"` // the coupon applied ("" for none): send it to checkout
	Coupons  []pricing.CouponOption `json:"coupons"`   // every coupon the shopper holds, with its saving or why it does not apply
}

// Preview prices a cart or a set of items for the confirm page.
func (s *Service) Preview(ctx context.Context, memberID string, in PreviewInput) (Preview, error) {
	out := Preview{Lines: []PreviewLine{}, Gifts: []pricing.Gift{}}
	if len(in.Items) > 50 {
		return out, errs.Field("items", "too_many", "at most 50 lines per order")
	}
	for i, it := range in.Items {
		if it.Quantity < 1 || it.Quantity > MaxQuantity {
			return out, errs.Field(fmt.Sprintf("items[%d].quantity", i), "out_of_range", fmt.Sprintf("must be between 1 and %d", MaxQuantity))
		}
	}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		province := ""
		if in.AddressID != "" {
			addr, err := s.Members.Address(ctx, memberID, in.AddressID)
			if err != nil {
				if errs.KindOf(err) == errs.NotFound {
					return errs.Field("address_id", "not_found", "choose one of the shopper's addresses")
				}
				return err
			}
			province = addr.Province
		}
		items := in.Items
		if len(items) == 0 {
			var cart []CartItem
			if err := s.T.Q(ctx).Where("member_id = ?", memberID).Order("created_at").Find(&cart).Error; err != nil {
				return err
			}
			for _, c := range cart {
				items = append(items, Item{SKUID: c.SKUID, Quantity: c.Quantity})
			}
		}
		merged, order := mergeItems(items)
		var pl []pricing.Line
		var priced []int
		for idx, skuID := range order {
			sku, p, err := s.skuOf(ctx, skuID)
			if err != nil {
				if errs.KindOf(err) == errs.NotFound {
					return errs.Field(fmt.Sprintf("items[%d].sku_id", idx), "not_available", "this item is not for sale")
				}
				return err
			}
			qty := merged[skuID]
			l := PreviewLine{SKUID: skuID, ProductID: p.ID, Title: p.Title, Spec: sku.SpecValues.V, Price: sku.Price, Quantity: qty,
				Available: p.Status == catalog.OnShelf && sku.Stock >= qty, ListAmount: sku.Price * qty, Adjustments: []pricing.Adjustment{}}
			if l.Available {
				pl = append(pl, pricingLine(sku, p, qty))
				priced = append(priced, len(out.Lines))
			}
			out.Lines = append(out.Lines, l)
		}
		couponID := in.CouponID
		if in.NoCoupon {
			couponID = ""
		}
		r, opts, err := s.calculate(ctx, memberID, pl, province, couponID, true, !in.NoCoupon)
		if err != nil {
			return err
		}
		for k, i := range priced {
			lr := r.Lines[k]
			out.Lines[i].Discount, out.Lines[i].PaidAmount, out.Lines[i].Adjustments = lr.Discount, lr.Paid, lr.Adjustments
		}
		out.ItemTotal, out.DiscountTotal, out.ShippingFee, out.Total = r.ItemTotal, r.Discount, r.Shipping, r.Total
		out.Adjustments, out.FreeShipping, out.CouponID, out.Coupons = r.Adjustments, r.FreeShipping, r.CouponID, opts
		if r.Gifts != nil {
			out.Gifts = r.Gifts
		}
		return nil
	})
	return out, err
}

func mergeItems(items []Item) (map[string]int64, []string) {
	merged := map[string]int64{}
	order := []string{}
	for _, it := range items {
		if _, ok := merged[it.SKUID]; !ok {
			order = append(order, it.SKUID)
		}
		merged[it.SKUID] += it.Quantity
	}
	return merged, order
}
