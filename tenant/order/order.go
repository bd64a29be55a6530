// Package order holds carts, checkout, the order state machine, shipping,
// refunds and the payment ledger of a brand. Stock and money change only in
// transactions; a payment is applied once however often it is reported.
package order

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/jsonb"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/catalog"
	"github.com/shoplet/shoplet/tenant/member"
	"github.com/shoplet/shoplet/tenant/pricing"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Order statuses.
const (
	PendingPayment = "pending_payment"
	Paid           = "paid"
	Shipped        = "shipped"
	Completed      = "completed"
	Closed         = "closed"
	Refunded       = "refunded"
)

// Order is a shopper's order.
type Order struct {
	tenant.Base
	ID            string `gorm:"primaryKey" json:"id"`
	OrderNo       string `json:"order_no"`
	MemberID      string `json:"member_id"`
	Status        string `json:"status"`
	ItemTotal     int64  `json:"item_total"` // at list prices
	DiscountTotal int64  `json:"discount_total"`
	ShippingFee   int64  `json:"shipping_fee"`
	Total         int64  `json:"total"` // item_total - discount_total + shipping_fee: what is charged
	// CouponID is the member's coupon the order used (returned if it closes unpaid).
	CouponID *string `json:"coupon_id"`
	// Adjustments sums what each promotion or coupon took off.
	Adjustments    jsonb.JSON[[]pricing.Adjustment] `json:"adjustments"`
	Currency       string                           `json:"currency"`
	IdempotencyKey string                           `json:"-"`
	Address        jsonb.JSON[map[string]string]    `json:"address"`
	Remark         string                           `json:"remark"`
	EntryScene     string                           `json:"entry_scene"`
	PayMode        string                           `json:"pay_mode"`
	PrepayID       string                           `json:"-"`
	TransactionID  string                           `json:"transaction_id"`
	PaidTotal      int64                            `json:"paid_total"`
	RefundedTotal  int64                            `json:"refunded_total"`
	Carrier        string                           `json:"carrier"`
	TrackingNo     string                           `json:"tracking_no"`
	ExpiresAt      time.Time                        `json:"expires_at"`
	PaidAt         *time.Time                       `json:"paid_at"`
	ShippedAt      *time.Time                       `json:"shipped_at"`
	CompletedAt    *time.Time                       `json:"completed_at"`
	ClosedAt       *time.Time                       `json:"closed_at"`
	CloseReason    string                           `json:"close_reason"`
	Flag           string                           `json:"flag"` // needs staff attention, e.g. paid_after_close
	CreatedAt      time.Time                        `json:"created_at"`
	UpdatedAt      time.Time                        `json:"updated_at"`
	Lines          []Line                           `gorm:"-" json:"lines,omitempty"`
	// RefundPending: a refund is requested or in progress (set by the staff's list).
	RefundPending bool    `gorm:"-" json:"refund_pending,omitempty"`
	Events        []Event `gorm:"-" json:"events,omitempty"`
}

// Line is one SKU of an order, priced at checkout.
type Line struct {
	tenant.Base
	ID               string                        `gorm:"primaryKey" json:"id"`
	OrderID          string                        `json:"-"`
	ProductID        string                        `json:"product_id"`
	SKUID            string                        `gorm:"column:sku_id" json:"sku_id"`
	Title            string                        `json:"title"`
	Spec             jsonb.JSON[map[string]string] `json:"spec"`
	Price            int64                         `json:"price"` // list unit price
	Quantity         int64                         `json:"quantity"`
	RefundedQuantity int64                         `json:"refunded_quantity"`
	// Discount is what promotions and the coupon took off this line, each
	// recorded in Adjustments; PaidAmount = price × quantity − discount is
	// what a refund of the whole line gives back.
	Discount    int64                            `json:"discount"`
	Adjustments jsonb.JSON[[]pricing.Adjustment] `json:"adjustments"`
	PaidAmount  int64                            `gorm:"-" json:"paid_amount"`
	Image       string                           `gorm:"-" json:"image,omitempty"` // the product's first image (file id), in the staff's order list
}

// AfterFind derives the paid amount of a line read from the database.
func (l *Line) AfterFind(*gorm.DB) error {
	l.PaidAmount = l.Price*l.Quantity - l.Discount
	return nil
}

// paidFor is what units [from, to) of the line were paid: the line's paid
// amount spread over its units, the last unit taking the remainder, so
// refunding every unit, in any steps, gives back exactly the paid amount.
func (l Line) paidFor(from, to int64) int64 {
	paid := l.Price*l.Quantity - l.Discount
	return paid*to/l.Quantity - paid*from/l.Quantity
}

// Event records a state change: who, when, from what to what.
type Event struct {
	tenant.Base
	ID         string    `gorm:"primaryKey" json:"id"`
	OrderID    string    `json:"-"`
	FromStatus string    `json:"from"`
	ToStatus   string    `json:"to"`
	Actor      string    `json:"actor"`
	Note       string    `json:"note"`
	CreatedAt  time.Time `json:"at"`
}

// LedgerEntry is money that moved, keyed by WeChat Pay's id: the unique key
// makes a repeated notification a no-op.
type LedgerEntry struct {
	tenant.Base
	ID         string `gorm:"primaryKey"`
	OrderID    string
	Kind       string // payment | refund
	ExternalID string
	Amount     int64
	Currency   string
	CreatedAt  time.Time
}

// CartItem is a SKU in a member's cart.
type CartItem struct {
	tenant.Base
	MemberID  string    `gorm:"primaryKey" json:"-"`
	SKUID     string    `gorm:"primaryKey;column:sku_id" json:"sku_id"`
	Quantity  int64     `json:"quantity"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (Line) TableName() string        { return "order_lines" }
func (Event) TableName() string       { return "order_events" }
func (LedgerEntry) TableName() string { return "payment_ledger" }

// Service is the orders of the tenant in ctx.
type Service struct {
	T          *tenant.Store
	Members    *member.Service
	PayTimeout time.Duration
	// AfterCheckout runs after a new order commits (schedule its close, prepay). May be nil.
	AfterCheckout func(ctx context.Context, o Order) error
	// OnPaid runs after an order becomes paid (messages). May be nil.
	OnPaid func(ctx context.Context, o Order)
	// OnChange runs after stock changed for these products (cache versions). May be nil.
	OnChange func(ctx context.Context, productIDs ...string)
	// OnShipped runs after an order ships (shipping upload, messages). May be nil.
	OnShipped func(ctx context.Context, o Order)
	// RefundRemote sends an approved refund to WeChat Pay. May be nil.
	RefundRemote func(ctx context.Context, o Order, r Refund) error
	// SoldOut short-cuts checkouts of SKUs that just ran out. May be nil.
	SoldOut SoldOutMarks
	// Marketing supplies promotions, shipping templates and coupons. May be
	// nil: list prices, free shipping, no coupons.
	Marketing Marketing
	// MemberPrice is the member-price step of pricing (the loyalty work fills
	// it). May be nil.
	MemberPrice pricing.MemberPricer
}

// Marketing is what pricing needs besides the catalog (tenant/marketing
// implements it). Every method runs in the transaction in ctx.
type Marketing interface {
	// Offers returns the promotions running now and the shipping templates the lines name.
	Offers(ctx context.Context, lines []pricing.Line) ([]pricing.Promotion, map[string]pricing.ShippingTemplate, error)
	// UsableCoupons returns the member's coupons usable now.
	UsableCoupons(ctx context.Context, memberID string) ([]pricing.Coupon, error)
	// UsableCoupon returns one of them, or an invalid error on coupon_id.
	UsableCoupon(ctx context.Context, memberID, id string) (pricing.Coupon, error)
	// UseCoupon marks the coupon used by the order; a conflict if another order has it.
	UseCoupon(ctx context.Context, memberID, id, orderID string) error
	// ReleaseCoupon makes the coupon the order used available again.
	ReleaseCoupon(ctx context.Context, orderID string) error
	// DealsUsed returns the units the member holds of limited deals (pricing.DealKey).
	DealsUsed(ctx context.Context, memberID string) (map[string]int64, error)
	// UseDeal records units of a deal taken by the order; a conflict past the limit.
	UseDeal(ctx context.Context, memberID, orderID, promotionID, skuID string, units, limit int64) error
	// ReleaseDeals gives back what the order took of limited deals.
	ReleaseDeals(ctx context.Context, orderID string) error
}

// SoldOutMarks remembers, briefly, which SKUs of the tenant in ctx just ran
// out, so a flash crowd's failed attempts cost no database work. A mark can
// only refuse early; the conditional stock decrement stays the only way in,
// so a stale mark can never oversell (at worst it refuses for its short TTL).
// A double tap is answered before the marks are consulted (the shop API keeps
// each session's last checkout), so the last unit's buyer gets their order.
type SoldOutMarks interface {
	// Marked returns the index of the first marked SKU, or -1.
	Marked(ctx context.Context, skuIDs []string) (int, error)
	Mark(ctx context.Context, skuID string)
	Clear(ctx context.Context, skuIDs []string)
}

func actor(ctx context.Context) string {
	a := tenant.ActorFrom(ctx)
	switch {
	case a.AccountID != "":
		return "staff:" + a.AccountID
	case a.RequestID != "" && strings.HasPrefix(a.RequestID, "job-"):
		return "system"
	}
	return "shopper"
}

func (s *Service) event(ctx context.Context, orderID, from, to, note string) error {
	return s.T.Q(ctx).Create(&Event{ID: ids.New(), OrderID: orderID, FromStatus: from, ToStatus: to, Actor: actor(ctx), Note: note,
		CreatedAt: time.Now().UTC()}).Error
}

// --- cart ---

// CartLine is a cart item with what the shopper sees.
type CartLine struct {
	SKUID     string            `json:"sku_id"`
	ProductID string            `json:"product_id"`
	Title     string            `json:"title"`
	Spec      map[string]string `json:"spec"`
	Price     int64             `json:"price"`
	Quantity  int64             `json:"quantity"`
	Available bool              `json:"available"` // on shelf and in stock for this quantity
}

// Cart returns a member's cart priced now.
func (s *Service) Cart(ctx context.Context, memberID string) ([]CartLine, error) {
	out := []CartLine{}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		var items []CartItem
		if err := s.T.Q(ctx).Where("member_id = ?", memberID).Order("created_at").Find(&items).Error; err != nil {
			return err
		}
		for _, it := range items {
			sku, p, err := s.skuOf(ctx, it.SKUID)
			if err != nil {
				return err
			}
			out = append(out, CartLine{SKUID: it.SKUID, ProductID: p.ID, Title: p.Title, Spec: sku.SpecValues.V, Price: sku.Price,
				Quantity: it.Quantity, Available: p.Status == catalog.OnShelf && sku.Stock >= it.Quantity})
		}
		return nil
	})
	return out, err
}

func (s *Service) skuOf(ctx context.Context, skuID string) (catalog.SKU, catalog.Product, error) {
	var sku catalog.SKU
	var p catalog.Product
	if !ids.Valid(skuID) {
		return sku, p, errs.NotFoundf("sku")
	}
	if err := s.T.Q(ctx).Where("id = ?", skuID).Take(&sku).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return sku, p, errs.NotFoundf("sku")
		}
		return sku, p, err
	}
	err := s.T.Q(ctx).Select("id", "tenant_id", "title", "status", "category_id", "shipping_template_id").Where("id = ?", sku.ProductID).Take(&p).Error
	return sku, p, err
}

// MaxQuantity is the most of one SKU in one cart or order.
const MaxQuantity = 999

// SetCartItem sets the quantity of a SKU in the cart (0 removes it).
func (s *Service) SetCartItem(ctx context.Context, memberID, skuID string, qty int64) error {
	if qty < 0 || qty > MaxQuantity {
		return errs.Field("quantity", "out_of_range", fmt.Sprintf("must be between 0 and %d", MaxQuantity))
	}
	return s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx)
		if qty == 0 {
			return q.Where("member_id = ? AND sku_id = ?", memberID, skuID).Delete(&CartItem{}).Error
		}
		_, p, err := s.skuOf(ctx, skuID)
		if err != nil {
			return err
		}
		if p.Status != catalog.OnShelf {
			return errs.NotFoundf("sku")
		}
		var n int64
		if err := q.Model(&CartItem{}).Where("member_id = ?", memberID).Count(&n).Error; err != nil {
			return err
		}
		now := time.Now().UTC()
		res := q.Model(&CartItem{}).Where("member_id = ? AND sku_id = ?", memberID, skuID).Updates(map[string]any{"quantity": qty, "updated_at": now})
		if res.Error != nil || res.RowsAffected > 0 {
			return res.Error
		}
		if n >= 100 {
			return errs.E(errs.Conflict, "cart_full", "a cart holds at most 100 different items")
		}
		return q.Create(&CartItem{MemberID: memberID, SKUID: skuID, Quantity: qty, CreatedAt: now, UpdatedAt: now}).Error
	})
}

// --- checkout ---

// Item is a SKU and quantity to buy.
type Item struct {
	SKUID    string `json:"sku_id" binding:"required"`
	Quantity int64  `json:"quantity" binding:"required"`
}

// CheckoutInput buys items (or the whole cart when Items is empty).
type CheckoutInput struct {
	Items          []Item `json:"items"`
	AddressID      string `json:"address_id" binding:"required"`
	IdempotencyKey string `json:"idempotency_key" binding:"required"`
	Remark         string `json:"remark"`
	Scene          string `json:"scene"`
	// CouponID is one of the shopper's coupons (the preview's coupon_id); "" for none.
	CouponID string `json:"coupon_id"`
}

// reserve takes qty units of a SKU and its product's total stock, in the
// transaction in ctx, if the SKU has them. The conditional decrement is the
// reservation: it cannot take stock below zero, whatever runs beside it.
func (s *Service) reserve(ctx context.Context, skuID, productID string, qty int64, now time.Time) (bool, error) {
	q := s.T.Q(ctx)
	res := q.Model(&catalog.SKU{}).Where("id = ? AND stock >= ?", skuID, qty).
		Updates(map[string]any{"stock": gorm.Expr("stock - ?", qty), "updated_at": now})
	if res.Error != nil || res.RowsAffected != 1 {
		return false, res.Error
	}
	return true, q.Model(&catalog.Product{}).Where("id = ?", productID).
		Update("total_stock", gorm.Expr("total_stock - ?", qty)).Error
}

// ErrSoldOut is returned when stock does not cover a line.
func errSoldOut(i int, title string) error {
	return &errs.Error{Kind: errs.Conflict, Code: "sold_out", Message: title + " does not have enough stock",
		Fields: []errs.FieldError{{Field: fmt.Sprintf("items[%d].quantity", i), Code: "sold_out", Message: "not enough stock"}}}
}

// orderNo is human-friendly and unique in the tenant: the date and 10 random
// digits (no hot counter row under a flash crowd; a collision retries).
func orderNo(now time.Time) string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1e10))
	return now.In(cst).Format("060102") + fmt.Sprintf("%010d", n.Int64())
}

var cst = time.FixedZone("CST", 8*3600)

// Checkout prices every line on the server, reserves stock atomically and
// creates the order. The same idempotency key from the same member returns the
// first order instead of creating another.
func (s *Service) Checkout(ctx context.Context, memberID string, in CheckoutInput) (Order, bool, error) {
	var f errs.Fields
	if f.Required("idempotency_key", in.IdempotencyKey) {
		f.MaxLen("idempotency_key", in.IdempotencyKey, 64)
	}
	f.MaxLen("remark", in.Remark, 200)
	f.MaxLen("scene", in.Scene, 32)
	if len(in.Items) > 50 {
		f.Add("items", "too_many", "at most 50 lines per order")
	}
	for i, it := range in.Items {
		if it.Quantity < 1 || it.Quantity > MaxQuantity {
			f.Add(fmt.Sprintf("items[%d].quantity", i), "out_of_range", fmt.Sprintf("must be between 1 and %d", MaxQuantity))
		}
	}
	if err := f.Err(); err != nil {
		return Order{}, false, err
	}
	if s.SoldOut != nil && len(in.Items) > 0 {
		skus := make([]string, len(in.Items))
		for i, it := range in.Items {
			skus[i] = it.SKUID
		}
		if i, err := s.SoldOut.Marked(ctx, skus); err == nil && i >= 0 {
			return Order{}, false, errSoldOut(i, "this item")
		}
	}
	now := time.Now().UTC()
	o := Order{ID: ids.New(), OrderNo: orderNo(now), MemberID: memberID, Status: PendingPayment, Currency: "CNY",
		IdempotencyKey: in.IdempotencyKey, Remark: in.Remark, EntryScene: in.Scene, ExpiresAt: now.Add(s.PayTimeout), CreatedAt: now, UpdatedAt: now}
	var products []string
	var existing *Order
	// emptied is a SKU found with no stock at all; it is marked after the
	// transaction (marking waits for every instance to drop its copy).
	var emptied string
	// One transaction from the idempotency look-up to the reservation: the
	// checkout's statements share one BEGIN and one COMMIT.
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		if prev, err := s.byKey(ctx, memberID, in.IdempotencyKey); err == nil {
			existing = &prev
			return nil
		}
		addr, err := s.Members.Address(ctx, memberID, in.AddressID)
		if err != nil {
			if errs.KindOf(err) == errs.NotFound {
				return errs.Field("address_id", "not_found", "choose one of the shopper's addresses")
			}
			return err
		}
		o.Address = jsonb.Of(map[string]string{"name": addr.Name, "phone": addr.Phone, "province": addr.Province, "city": addr.City,
			"district": addr.District, "detail": addr.Detail, "postal_code": addr.PostalCode})
		q := s.T.Q(ctx)
		items := in.Items
		fromCart := len(items) == 0
		if fromCart {
			var cart []CartItem
			if err := q.Where("member_id = ?", memberID).Order("created_at").Find(&cart).Error; err != nil {
				return err
			}
			for _, c := range cart {
				items = append(items, Item{SKUID: c.SKUID, Quantity: c.Quantity})
			}
			if len(items) == 0 {
				return errs.Field("items", "required", "the cart is empty")
			}
		}
		merged, order := mergeItems(items)
		// Prices come from the catalog, never from the client. The order and
		// its lines are written before any stock is reserved: the reservation
		// locks the SKU and product rows every buyer of a hot item needs, so
		// it comes last and holds them only for its two updates and the commit.
		prods := map[string]catalog.Product{}
		var pl []pricing.Line
		for idx, skuID := range order {
			sku, p, err := s.skuOf(ctx, skuID)
			if err != nil || p.Status != catalog.OnShelf {
				return errs.Field(fmt.Sprintf("items[%d].sku_id", idx), "not_available", "this item is not for sale")
			}
			if sku.Stock < merged[skuID] {
				// Already short in the last committed state: refuse before
				// writing anything (the reservation below stays the guard).
				// Only an empty SKU is marked: one asking for more than is
				// left must not stop others buying what is left.
				if sku.Stock <= 0 {
					emptied = skuID
				}
				return errSoldOut(idx, p.Title)
			}
			prods[skuID] = p
			l := Line{ID: ids.New(), OrderID: o.ID, ProductID: p.ID, SKUID: skuID, Title: p.Title, Spec: sku.SpecValues,
				Price: sku.Price, Quantity: merged[skuID]}
			o.Lines = append(o.Lines, l)
			pl = append(pl, pricingLine(sku, p, l.Quantity))
		}
		// The one calculator, as the preview ran it: what was shown is charged.
		r, _, err := s.calculate(ctx, memberID, pl, addr.Province, in.CouponID, false, false)
		if err != nil {
			return err
		}
		for i := range o.Lines {
			lr := r.Lines[i]
			o.Lines[i].Discount, o.Lines[i].PaidAmount, o.Lines[i].Adjustments = lr.Discount, lr.Paid, jsonb.Of(lr.Adjustments)
		}
		o.ItemTotal, o.DiscountTotal, o.ShippingFee, o.Total, o.Adjustments = r.ItemTotal, r.Discount, r.Shipping, r.Total, jsonb.Of(r.Adjustments)
		if r.CouponID != "" {
			o.CouponID = &r.CouponID
		}
		// Full gifts: free lines, while their stock lasts (a gift short of
		// stock is left out, not a reason to refuse the order).
		var gifted []string
		for _, g := range r.Gifts {
			sku, p, err := s.skuOf(ctx, g.SKUID)
			if err != nil || p.Status != catalog.OnShelf || sku.Stock-merged[g.SKUID] < g.Quantity {
				continue
			}
			value := sku.Price * g.Quantity
			adj := pricing.Adjustment{PromotionID: g.PromotionID, Kind: pricing.KindFullGift, Amount: value}
			o.Lines = append(o.Lines, Line{ID: ids.New(), OrderID: o.ID, ProductID: p.ID, SKUID: g.SKUID, Title: p.Title, Spec: sku.SpecValues,
				Price: sku.Price, Quantity: g.Quantity, Discount: value, Adjustments: jsonb.Of([]pricing.Adjustment{adj})})
			o.ItemTotal += value
			o.DiscountTotal += value
			o.Adjustments.V = append(o.Adjustments.V, adj)
			if _, bought := merged[g.SKUID]; !bought {
				gifted = append(gifted, g.SKUID)
			}
			merged[g.SKUID] += g.Quantity
			prods[g.SKUID] = p
		}
		if o.Total <= 0 {
			return errs.E(errs.Invalid, "nothing_to_pay", "the order total must be above zero")
		}
		if err := q.Create(&o).Error; err != nil {
			return err
		}
		if err := q.Create(&o.Lines).Error; err != nil {
			return err
		}
		if fromCart {
			if err := q.Where("member_id = ?", memberID).Delete(&CartItem{}).Error; err != nil {
				return err
			}
		} else if err := q.Where("member_id = ? AND sku_id IN ?", memberID, order).Delete(&CartItem{}).Error; err != nil {
			return err
		}
		if err := s.event(ctx, o.ID, "", PendingPayment, "order placed"); err != nil {
			return err
		}
		if o.CouponID != nil {
			// One conditional update: of concurrent checkouts with this
			// coupon, exactly one takes it.
			if err := s.Marketing.UseCoupon(ctx, memberID, *o.CouponID, o.ID); err != nil {
				return err
			}
		}
		for _, l := range r.Lines {
			if l.DealUnits > 0 {
				if err := s.Marketing.UseDeal(ctx, memberID, o.ID, l.DealPromotion, l.SKUID, l.DealUnits, l.DealLimit); err != nil {
					return err
				}
			}
		}
		// Reserve in SKU id order so two checkouts never wait on each other in
		// a cycle.
		locking := append(append([]string(nil), order...), gifted...)
		sort.Strings(locking)
		for _, skuID := range locking {
			qty, p := merged[skuID], prods[skuID]
			ok, err := s.reserve(ctx, skuID, p.ID, qty, now)
			if err != nil {
				return err
			}
			if !ok && indexOf(order, skuID) < 0 {
				return errs.E(errs.Conflict, "gift_sold_out", "the gift of this order just ran out; check out again to order without it")
			}
			if !ok {
				if qty == 1 { // not even one unit left
					emptied = skuID
				}
				return errSoldOut(indexOf(order, skuID), p.Title)
			}
			products = append(products, p.ID)
		}
		return nil
	})
	if emptied != "" && s.SoldOut != nil {
		s.SoldOut.Mark(ctx, emptied)
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		// A double tap: the other request created the order with this key (its
		// stock reservation stands; ours rolled back).
		if existing, kerr := s.byKey(ctx, memberID, in.IdempotencyKey); kerr == nil {
			return existing, false, nil
		}
		return s.Checkout(ctx, memberID, in) // an order-number collision: try again
	}
	if err != nil {
		return Order{}, false, err
	}
	if existing != nil {
		return *existing, false, nil
	}
	s.changed(ctx, products...)
	if s.AfterCheckout != nil {
		if err := s.AfterCheckout(ctx, o); err != nil {
			return o, true, err
		}
	}
	return o, true, nil
}

func indexOf(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}

func (s *Service) changed(ctx context.Context, ids ...string) {
	if s.OnChange != nil && len(ids) > 0 {
		s.OnChange(ctx, ids...)
	}
}

func (s *Service) byKey(ctx context.Context, memberID, key string) (Order, error) {
	var o Order
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Where("member_id = ? AND idempotency_key = ?", memberID, key).Take(&o).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return o, errs.NotFoundf("order")
	}
	return o, err
}

// Get returns an order with lines and events. memberID "" is staff access.
func (s *Service) Get(ctx context.Context, memberID, id string) (Order, error) {
	var o Order
	if !ids.Valid(id) {
		return o, errs.NotFoundf("order")
	}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx).Where("id = ?", id)
		if memberID != "" {
			q = q.Where("member_id = ?", memberID)
		}
		if err := q.Take(&o).Error; err != nil {
			return err
		}
		if err := s.T.Q(ctx).Where("order_id = ?", id).Order("id").Find(&o.Lines).Error; err != nil {
			return err
		}
		return s.T.Q(ctx).Where("order_id = ?", id).Order("id").Find(&o.Events).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return o, errs.NotFoundf("order")
	}
	return o, err
}

// ByNo finds an order by its number (out_trade_no at WeChat Pay).
func (s *Service) ByNo(ctx context.Context, no string) (Order, error) {
	var o Order
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Where("order_no = ?", no).Take(&o).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return o, errs.NotFoundf("order")
	}
	return o, err
}

// SetPrepay records the prepay id and mode after prepay.
func (s *Service) SetPrepay(ctx context.Context, id, mode, prepayID string) error {
	return s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Model(&Order{}).Where("id = ?", id).Updates(map[string]any{"pay_mode": mode, "prepay_id": prepayID}).Error
	})
}

// Payment is a payment WeChat Pay reported.
type Payment struct {
	OutTradeNo    string
	TransactionID string
	Amount        int64
	Currency      string
}

// ErrMismatch is returned when a reported payment does not match the order.
var ErrMismatch = errors.New("order: payment does not match the order")

// ApplyPayment marks the order paid exactly once. A repeated report is a
// no-op (the ledger's unique key); a report for a closed order is recorded and
// flagged for staff, never lost; an amount that differs changes nothing.
// It returns whether this call changed the order.
func (s *Service) ApplyPayment(ctx context.Context, p Payment) (bool, error) {
	var o Order
	applied := false
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx)
		if err := q.Clauses(clause.Locking{Strength: "UPDATE"}).Where("order_no = ?", p.OutTradeNo).Take(&o).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("%w: no order %s", ErrMismatch, p.OutTradeNo)
			}
			return err
		}
		if p.Amount != o.Total || (p.Currency != "" && p.Currency != o.Currency) {
			return fmt.Errorf("%w: amount %d %s, order %d %s", ErrMismatch, p.Amount, p.Currency, o.Total, o.Currency)
		}
		var seen int64
		if err := q.Model(&LedgerEntry{}).Where("kind = 'payment' AND external_id = ?", p.TransactionID).Count(&seen).Error; err != nil {
			return err
		}
		if seen > 0 {
			return nil
		}
		now := time.Now().UTC()
		if err := q.Create(&LedgerEntry{ID: ids.New(), OrderID: o.ID, Kind: "payment", ExternalID: p.TransactionID, Amount: p.Amount,
			Currency: o.Currency, CreatedAt: now}).Error; err != nil {
			return err
		}
		upd := map[string]any{"transaction_id": p.TransactionID, "paid_total": p.Amount, "paid_at": now, "updated_at": now}
		if o.Flag == FlagUnmatched {
			upd["flag"] = "" // settled: the payment is applied
		}
		to, note := Paid, "WeChat Pay "+p.TransactionID
		if o.Status != PendingPayment {
			// Paid after it was closed (timeout or cancel raced the payment):
			// keep the money on record and ask staff to refund or ship.
			upd["flag"] = "paid_after_close"
			to, note = o.Status, "payment arrived after close: "+p.TransactionID
		} else {
			upd["status"] = Paid
		}
		if err := q.Model(&Order{}).Where("id = ?", o.ID).Updates(upd).Error; err != nil {
			return err
		}
		applied = true
		o.Status, o.TransactionID = to, p.TransactionID
		return s.event(ctx, o.ID, PendingPayment, to, note)
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return false, nil // the same payment applied concurrently
	}
	if err == nil && applied && o.Status == Paid && s.OnPaid != nil {
		s.OnPaid(ctx, o)
	}
	return applied, err
}

// FlagUnmatched marks an order whose genuine payment notification named
// another app or merchant than the store's; reconciliation settles it.
const FlagUnmatched = "payment_unmatched"

// FlagPayment flags the order with out_trade_no outTradeNo for staff and
// records why on its timeline. ErrMismatch when there is no such order.
func (s *Service) FlagPayment(ctx context.Context, outTradeNo, flag, note string) (Order, error) {
	var o Order
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx)
		if err := q.Clauses(clause.Locking{Strength: "UPDATE"}).Where("order_no = ?", outTradeNo).Take(&o).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("%w: no order %s", ErrMismatch, outTradeNo)
			}
			return err
		}
		if o.Flag == "" {
			if err := q.Model(&Order{}).Where("id = ?", o.ID).Updates(map[string]any{"flag": flag, "updated_at": time.Now().UTC()}).Error; err != nil {
				return err
			}
			o.Flag = flag
		}
		return s.event(ctx, o.ID, o.Status, o.Status, note)
	})
	return o, err
}

// Close ends an unpaid order and returns its stock. reason is "timeout" or
// "cancelled". A paid or already closed order is left alone (false).
func (s *Service) Close(ctx context.Context, id, reason string) (bool, error) {
	closed := false
	var products, restocked []string
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx)
		var o Order
		if err := q.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&o).Error; err != nil {
			return err
		}
		if o.Status != PendingPayment {
			return nil
		}
		now := time.Now().UTC()
		if err := q.Model(&Order{}).Where("id = ?", id).Updates(map[string]any{"status": Closed, "closed_at": now, "close_reason": reason, "updated_at": now}).Error; err != nil {
			return err
		}
		var lines []Line
		if err := q.Where("order_id = ?", id).Find(&lines).Error; err != nil {
			return err
		}
		if err := s.restock(ctx, lines, func(l Line) int64 { return l.Quantity }); err != nil {
			return err
		}
		if o.CouponID != nil && s.Marketing != nil {
			if err := s.Marketing.ReleaseCoupon(ctx, id); err != nil {
				return err
			}
		}
		if s.Marketing != nil {
			if err := s.Marketing.ReleaseDeals(ctx, id); err != nil {
				return err
			}
		}
		for _, l := range lines {
			products = append(products, l.ProductID)
			restocked = append(restocked, l.SKUID)
		}
		closed = true
		return s.event(ctx, id, PendingPayment, Closed, reason)
	})
	if closed {
		s.changed(ctx, products...)
		if s.SoldOut != nil {
			s.SoldOut.Clear(ctx, restocked)
		}
	}
	return closed, err
}

func (s *Service) restock(ctx context.Context, lines []Line, qty func(Line) int64) error {
	q := s.T.Q(ctx)
	now := time.Now().UTC()
	for _, l := range lines {
		n := qty(l)
		if n <= 0 {
			continue
		}
		if err := q.Model(&catalog.SKU{}).Where("id = ?", l.SKUID).Updates(map[string]any{"stock": gorm.Expr("stock + ?", n), "updated_at": now}).Error; err != nil {
			return err
		}
		if err := q.Model(&catalog.Product{}).Where("id = ?", l.ProductID).Update("total_stock", gorm.Expr("total_stock + ?", n)).Error; err != nil {
			return err
		}
	}
	return nil
}
