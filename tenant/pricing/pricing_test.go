package pricing

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/shoplet/shoplet/pkg/errs"
)

func TestAllocate(t *testing.T) {
	cases := []struct {
		name    string
		amount  int64
		weights []int64
		want    []int64
	}{
		{"proportional, remainder to the largest", 1000, []int64{3000, 2000, 1000}, []int64{501, 333, 166}},
		{"remainder to the largest, not the first", 7, []int64{10, 10, 20}, []int64{1, 1, 5}},
		{"three equal thirds", 100, []int64{300, 300, 300}, []int64{34, 33, 33}},
		{"out of scope gets nothing", 100, []int64{999, 0, 1}, []int64{100, 0, 0}},
		{"capped by the total", 50, []int64{10, 20}, []int64{10, 20}},
		{"tiny lines: remainder overflows to the next largest", 2, []int64{1, 1, 1}, []int64{1, 1, 0}},
		{"nothing", 0, []int64{5, 5}, []int64{0, 0}},
		{"huge amounts do not overflow", 9_000_000_000_000, []int64{9_990_000_000_000, 10}, []int64{8_999_999_999_991, 9}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Allocate(c.amount, c.weights); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("Allocate(%d, %v) = %v, want %v", c.amount, c.weights, got, c.want)
			}
		})
	}
}

func lines() []Line {
	return []Line{
		{SKUID: "s1", ProductID: "p1", CategoryID: "c1", Price: 10000, Quantity: 2, Weight: 500, ShippingTemplateID: "t1"},
		{SKUID: "s2", ProductID: "p2", CategoryID: "c2", Price: 3333, Quantity: 3, Weight: 200, ShippingTemplateID: "t1"},
		{SKUID: "s3", ProductID: "p3", CategoryID: "c1", Price: 999, Quantity: 1, Weight: 100},
	}
}

func TestCalculate(t *testing.T) {
	tpl := map[string]ShippingTemplate{"t1": {ID: "t1", Mode: ByPiece, Default: Rate{First: 1, FirstFee: 800, Additional: 2, AdditionalFee: 300},
		Regions:       []RegionRate{{Provinces: []string{"新疆"}, Rate: Rate{First: 1, FirstFee: 2000, Additional: 1, AdditionalFee: 1000}}},
		Undeliverable: []string{"西藏"}}}
	full := Promotion{ID: "fr", Kind: KindFullReduction, Scope: Scope{Kind: ScopeStore},
		Tiers: []Tier{{Threshold: 20000, Off: 2000}, {Threshold: 30000, Off: 5000}}}
	ltd := Promotion{ID: "ltd", Kind: KindLimitedDiscount, Scope: Scope{Kind: ScopeStore}, Deals: map[string]Deal{"s1": {PercentOff: 20}, "s3": {Price: 500}}}
	cases := []struct {
		name      string
		in        Input
		total     int64
		discount  int64
		shipping  int64
		lineDisc  []int64
		errField  string
		errCode   string
		couponAdj int64
	}{
		{name: "list prices and piece shipping", in: Input{Lines: lines(), Templates: tpl, Province: "北京"},
			total: 20000 + 9999 + 999 + 800 + 2*300, shipping: 1400, lineDisc: []int64{0, 0, 0}},
		{name: "region override", in: Input{Lines: lines(), Templates: tpl, Province: "新疆"},
			total: 30998 + 2000 + 4*1000, shipping: 6000, lineDisc: []int64{0, 0, 0}},
		{name: "undeliverable", in: Input{Lines: lines(), Templates: tpl, Province: "西藏"}, errField: "address_id", errCode: "undeliverable"},
		{name: "full reduction: highest tier reached, spread by amount", in: Input{Lines: lines(), Promotions: []Promotion{full}},
			total: 30998 - 5000, discount: 5000, lineDisc: []int64{3227, 1612, 161}},
		{name: "limited discount then full reduction on what is left", in: Input{Lines: lines(), Promotions: []Promotion{full, ltd}},
			// s1: 16000 (-4000), s2 9999, s3 500 (-499): 26499 ≥ 20000 → 2000 off
			total: 26499 - 2000, discount: 4000 + 499 + 2000, lineDisc: []int64{4000 + 1209, 754, 499 + 37}},
		{name: "discount coupon on what is left, capped", in: Input{Lines: lines(), Promotions: []Promotion{ltd},
			Coupon: &Coupon{ID: "mc", Kind: CouponDiscount, PercentOff: 50, Cap: 3000, Scope: Scope{Kind: ScopeCategories, IDs: []string{"c1"}}}},
			total: 26499 - 3000, discount: 4499 + 3000, lineDisc: []int64{4000 + 2910, 0, 499 + 90}, couponAdj: 3000},
		{name: "coupon below threshold", in: Input{Lines: lines(), Coupon: &Coupon{ID: "mc", Kind: CouponFullReduction, Threshold: 40000, Amount: 100, Scope: Scope{Kind: ScopeStore}}},
			errField: "coupon_id", errCode: "below_threshold"},
		{name: "coupon scope excludes every line", in: Input{Lines: lines(), Coupon: &Coupon{ID: "mc", Kind: CouponNoThreshold, Amount: 100, Scope: Scope{Kind: ScopeProducts, IDs: []string{"p9"}}}},
			errField: "coupon_id", errCode: "not_applicable"},
		{name: "exclusion", in: Input{Lines: lines(), Coupon: &Coupon{ID: "mc", Kind: CouponNoThreshold, Amount: 1000, Scope: Scope{Kind: ScopeStore, Exclude: []string{"p1"}}}},
			total: 30998 - 1000, discount: 1000, lineDisc: []int64{0, 910, 90}, couponAdj: 1000},
		{name: "no-threshold coupon larger than the order takes it to zero, not below", in: Input{Lines: lines()[2:], Coupon: &Coupon{ID: "mc", Kind: CouponNoThreshold, Amount: 5000, Scope: Scope{Kind: ScopeStore}}},
			total: 0, discount: 999, lineDisc: []int64{999}, couponAdj: 999},
		{name: "limited discount with no coupon", in: Input{Lines: lines(), Promotions: []Promotion{{ID: "ltd", Kind: KindLimitedDiscount, Scope: Scope{Kind: ScopeStore},
			Deals: map[string]Deal{"s1": {PercentOff: 10}}, NoCoupon: true}}, Coupon: &Coupon{ID: "mc", Kind: CouponNoThreshold, Amount: 1100, Scope: Scope{Kind: ScopeStore}}},
			total: 30998 - 2000 - 1100, discount: 3100, lineDisc: []int64{2000, 1001, 99}, couponAdj: 1100},
		{name: "member price beats a smaller limited discount, never both", in: Input{Lines: lines(), Promotions: []Promotion{ltd},
			MemberPrice: func(m Member, l Line) (int64, bool) { return 7000, l.SKUID == "s1" }},
			total: 14000 + 9999 + 500, discount: 6000 + 499, lineDisc: []int64{6000, 0, 499}},
		{name: "free shipping tier", in: Input{Lines: lines(), Templates: tpl, Province: "北京", Promotions: []Promotion{{ID: "fs", Kind: KindFullReduction,
			Scope: Scope{Kind: ScopeStore}, Tiers: []Tier{{MinCount: 5, FreeShipping: true}}}}}, total: 30998, lineDisc: []int64{0, 0, 0}},
		{name: "free over amount counts what is paid", in: Input{Lines: lines(), Templates: map[string]ShippingTemplate{"t1": {ID: "t1", Mode: ByWeight,
			Default: Rate{First: 1000, FirstFee: 1000, Additional: 500, AdditionalFee: 200}, FreeOverAmount: 29999}}, Promotions: []Promotion{full}},
			// 2×500 + 3×200 = 1600 g: 1000 + ceil(600/500)×200; 25998 paid is under 29999
			total: 25998 + 1400, discount: 5000, shipping: 1400, lineDisc: []int64{3227, 1612, 161}},
		{name: "flat overseas fee", in: Input{Lines: lines(), Templates: map[string]ShippingTemplate{"t1": {ID: "t1", Mode: Flat, Default: Rate{FirstFee: 3500}}}},
			total: 30998 + 3500, shipping: 3500, lineDisc: []int64{0, 0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Calculate(c.in)
			if c.errField != "" {
				var e *errs.Error
				if err == nil || !errorsAs(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != c.errField || e.Fields[0].Code != c.errCode {
					t.Fatalf("err = %v, want %s %s", err, c.errField, c.errCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Total != c.total || r.Discount != c.discount || r.Shipping != c.shipping {
				t.Fatalf("total %d discount %d shipping %d, want %d %d %d (%+v)", r.Total, r.Discount, r.Shipping, c.total, c.discount, c.shipping, r)
			}
			for i, d := range c.lineDisc {
				if r.Lines[i].Discount != d {
					t.Errorf("line %d discount %d, want %d (%+v)", i, r.Lines[i].Discount, d, r.Lines[i])
				}
			}
			var coupon int64
			for _, a := range r.Adjustments {
				if a.Kind == KindCoupon {
					coupon += a.Amount
				}
			}
			if coupon != c.couponAdj {
				t.Errorf("coupon adjustment %d, want %d", coupon, c.couponAdj)
			}
		})
	}
}

func errorsAs(err error, e **errs.Error) bool {
	x, ok := err.(*errs.Error)
	*e = x
	return ok
}

func TestBestCoupon(t *testing.T) {
	in := Input{Lines: lines()}
	cands := []Coupon{
		{ID: "a", Kind: CouponFullReduction, Threshold: 40000, Amount: 9000, Scope: Scope{Kind: ScopeStore}}, // below threshold
		{ID: "b", Kind: CouponNoThreshold, Amount: 1500, Scope: Scope{Kind: ScopeStore}},
		{ID: "c", Kind: CouponDiscount, PercentOff: 10, Cap: 2500, Scope: Scope{Kind: ScopeStore}}, // 3099 → 2500
		{ID: "d", Kind: CouponNoThreshold, Amount: 2500, Scope: Scope{Kind: ScopeProducts, IDs: []string{"p9"}}},
	}
	opts := CouponOptions(in, cands)
	if i := BestCoupon(opts); i != 2 {
		t.Fatalf("best = %d, want 2 (%+v)", i, opts)
	}
	if opts[0].Reason != "below_threshold" || opts[3].Reason != "not_applicable" || opts[1].Saving != 1500 || opts[2].Total != 30998-2500 {
		t.Fatalf("options %+v", opts)
	}
}

// TestPriceProperties prices random carts with random promotions and
// coupons: line discounts sum to the order discount, no line is paid below
// zero, every allocation follows the remainder rule, the totals add up, and
// the same input always gives the same result.
func TestPriceProperties(t *testing.T) {
	seed := uint64(20260501)
	rng := rand.New(rand.NewPCG(seed, 7))
	cats := []string{"c1", "c2", "c3"}
	for n := 0; n < 5000; n++ {
		in := Input{Province: []string{"", "北京", "新疆"}[rng.IntN(3)], Templates: map[string]ShippingTemplate{
			"t1": {ID: "t1", Mode: ByPiece, Default: Rate{First: 1, FirstFee: rng.Int64N(2000), Additional: 1, AdditionalFee: rng.Int64N(500)}, FreeOverAmount: rng.Int64N(50000)},
			"t2": {ID: "t2", Mode: ByWeight, Default: Rate{First: 1000, FirstFee: 1000, Additional: 500, AdditionalFee: 300},
				Regions: []RegionRate{{Provinces: []string{"新疆"}, Rate: Rate{First: 500, FirstFee: 3000, Additional: 500, AdditionalFee: 800}}}},
		}}
		for i := 0; i < 1+rng.IntN(8); i++ {
			in.Lines = append(in.Lines, Line{SKUID: fmt.Sprintf("s%d", i), ProductID: fmt.Sprintf("p%d", rng.IntN(5)), CategoryID: cats[rng.IntN(3)],
				Price: rng.Int64N(100000), Quantity: 1 + rng.Int64N(5), Weight: rng.Int64N(2000), ShippingTemplateID: []string{"", "t1", "t2"}[rng.IntN(3)]})
		}
		scope := func() Scope {
			switch rng.IntN(3) {
			case 0:
				return Scope{Kind: ScopeProducts, IDs: []string{fmt.Sprintf("p%d", rng.IntN(5)), fmt.Sprintf("p%d", rng.IntN(5))}}
			case 1:
				return Scope{Kind: ScopeCategories, IDs: []string{cats[rng.IntN(3)]}, Exclude: []string{fmt.Sprintf("p%d", rng.IntN(5))}}
			}
			return Scope{Kind: ScopeStore}
		}
		if rng.IntN(2) == 0 {
			deals := map[string]Deal{}
			for _, l := range in.Lines {
				if rng.IntN(2) == 0 {
					deals[l.SKUID] = Deal{PercentOff: rng.Int64N(100), Price: rng.Int64N(2) * rng.Int64N(100000)}
				}
			}
			in.Promotions = append(in.Promotions, Promotion{ID: "ltd", Kind: KindLimitedDiscount, Scope: scope(), Deals: deals,
				NoCoupon: rng.IntN(3) == 0, NoFullReduction: rng.IntN(3) == 0})
		}
		for k := 0; k < rng.IntN(3); k++ {
			var tiers []Tier
			for j := 0; j < 1+rng.IntN(3); j++ {
				tiers = append(tiers, Tier{Threshold: rng.Int64N(200000), MinCount: rng.Int64N(4), Off: rng.Int64N(50000), FreeShipping: rng.IntN(4) == 0})
			}
			in.Promotions = append(in.Promotions, Promotion{ID: fmt.Sprintf("fr%d", k), Kind: KindFullReduction, Scope: scope(), Tiers: tiers, NoCoupon: rng.IntN(4) == 0})
		}
		if rng.IntN(3) > 0 {
			c := Coupon{ID: "mc", Kind: []string{CouponFullReduction, CouponDiscount, CouponNoThreshold}[rng.IntN(3)], Threshold: rng.Int64N(100000),
				Amount: rng.Int64N(30000), PercentOff: 1 + rng.Int64N(99), Cap: rng.Int64N(2) * rng.Int64N(20000), Scope: scope()}
			in.Coupon = &c
		}
		if rng.IntN(4) == 0 {
			in.MemberPrice = func(m Member, l Line) (int64, bool) { return l.Price * 9 / 10, l.Quantity > 2 }
		}
		r, err := Calculate(in)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid {
				t.Fatalf("case %d: %v", n, err)
			}
			continue
		}
		again, _ := Calculate(in)
		if !reflect.DeepEqual(r, again) {
			t.Fatalf("case %d: not deterministic", n)
		}
		var sum, paid int64
		for i, l := range r.Lines {
			var adj int64
			for _, a := range l.Adjustments {
				if a.Amount <= 0 {
					t.Fatalf("case %d: adjustment %+v", n, a)
				}
				adj += a.Amount
			}
			if adj != l.Discount || l.Paid != l.ListAmount-l.Discount || l.Paid < 0 || l.ListAmount != in.Lines[i].Price*in.Lines[i].Quantity {
				t.Fatalf("case %d: line %d %+v", n, i, l)
			}
			sum += l.Discount
			paid += l.Paid
		}
		var adjSum int64
		for _, a := range r.Adjustments {
			adjSum += a.Amount
		}
		if sum != r.Discount || adjSum != r.Discount || r.Total != r.ItemTotal-r.Discount+r.Shipping || r.Total != paid+r.Shipping || r.Shipping < 0 {
			t.Fatalf("case %d: totals %+v", n, r)
		}
	}
	// The remainder rule over random weights.
	for n := 0; n < 20000; n++ {
		w := make([]int64, 1+rng.IntN(10))
		var total int64
		for i := range w {
			if rng.IntN(4) > 0 {
				w[i] = rng.Int64N(1 + rng.Int64N(100000))
			}
			total += w[i]
		}
		amount := rng.Int64N(total + 1)
		got := Allocate(amount, w)
		var sum int64
		largest := -1
		for i := range w {
			if w[i] > 0 && (largest < 0 || w[i] > w[largest]) {
				largest = i
			}
		}
		for i, g := range got {
			sum += g
			if g < 0 || g > w[i] {
				t.Fatalf("Allocate(%d, %v) = %v: line %d out of bounds", amount, w, got, i)
			}
			floor := amount * w[i] / max(total, 1)
			if i != largest && g != floor && got[largest] != w[largest] {
				t.Fatalf("Allocate(%d, %v) = %v: line %d got %d, not its floor %d, while the largest had room", amount, w, got, i, g, floor)
			}
		}
		if sum != amount {
			t.Fatalf("Allocate(%d, %v) = %v sums to %d", amount, w, got, sum)
		}
	}
}

// TestDealLimit: a deal with a per-member limit covers only the units the
// member has left of it, across lines and orders; the rest are at the list
// price, and the units covered are reported for checkout to record.
func TestDealLimit(t *testing.T) {
	deal := Promotion{ID: "ltd", Kind: KindLimitedDiscount, Scope: Scope{Kind: ScopeStore}, Deals: map[string]Deal{"s1": {PercentOff: 20, Limit: 2}}}
	cases := []struct {
		name     string
		qty      int64
		used     int64
		discount int64
		units    int64
	}{
		{"within the limit", 2, 0, 4000, 2},
		{"beyond it: two units at the deal price", 3, 0, 4000, 2},
		{"one left after an earlier order", 3, 1, 2000, 1},
		{"none left", 1, 2, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := Input{Lines: []Line{{SKUID: "s1", ProductID: "p1", Price: 10000, Quantity: c.qty}}, Promotions: []Promotion{deal},
				DealsUsed: map[string]int64{DealKey("ltd", "s1"): c.used}}
			r, err := Calculate(in)
			if err != nil {
				t.Fatal(err)
			}
			if r.Discount != c.discount || r.Lines[0].DealUnits != c.units || (c.units > 0 && r.Lines[0].DealPromotion != "ltd") {
				t.Fatalf("discount %d, deal units %d (%q); want %d, %d", r.Discount, r.Lines[0].DealUnits, r.Lines[0].DealPromotion, c.discount, c.units)
			}
		})
	}
}
