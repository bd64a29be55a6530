package order

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shoplet/shoplet/pkg/db"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/jsonb"
	"github.com/shoplet/shoplet/tenant"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ListFilter narrows an order list.
type ListFilter struct {
	MemberID string
	Status   string
	Query    string // order number prefix, or part of the recipient's name or phone
	From, To *time.Time
	Cursor   string
	Limit    int
}

var statuses = []string{PendingPayment, Paid, Shipped, Completed, Closed, Refunded}

// List returns orders newest first with a keyset cursor.
func (s *Service) List(ctx context.Context, f ListFilter) ([]Order, string, error) {
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 20
	}
	if f.Status != "" && f.Status != AfterSale && indexOf(statuses, f.Status) < 0 {
		return nil, "", errs.Field("status", "invalid_choice", "must be one of "+strings.Join(statuses, ", ")+" or "+AfterSale)
	}
	if f.Cursor != "" && !ids.Valid(f.Cursor) {
		return nil, "", errs.Field("cursor", "invalid", "is not a cursor from this list")
	}
	if f.MemberID != "" && !ids.Valid(f.MemberID) {
		return nil, "", errs.Field("member_id", "invalid", "must be a member id")
	}
	var out []Order
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx).Order("id DESC").Limit(f.Limit + 1)
		if f.MemberID != "" {
			q = q.Where("member_id = ?", f.MemberID)
		}
		switch f.Status {
		case "":
		case AfterSale:
			q = q.Where("id IN (?)", s.T.Q(ctx).Model(&Refund{}).Select("order_id").Where("status IN ?", []string{RefundRequested, RefundProcessing}))
		default:
			q = q.Where("status = ?", f.Status)
		}
		if f.Query != "" {
			kw := strings.NewReplacer("%", "", "_", "", "\\", "").Replace(f.Query)
			name, phone := "address->>'name'", "address->>'phone'"
			if s.T.DB.Dialect != db.Postgres {
				name, phone = "json_extract(address, '$.name')", "json_extract(address, '$.phone')"
			}
			// Operators look a buyer up by a part of the name or the phone's last digits.
			q = q.Where("(order_no LIKE ? OR "+name+" LIKE ? OR "+phone+" LIKE ?)", kw+"%", "%"+kw+"%", "%"+kw+"%")
		}
		if f.From != nil {
			q = q.Where("created_at >= ?", f.From.UTC())
		}
		if f.To != nil {
			q = q.Where("created_at < ?", f.To.UTC())
		}
		if f.Cursor != "" {
			q = q.Where("id < ?", f.Cursor)
		}
		if err := q.Find(&out).Error; err != nil {
			return err
		}
		page := out[:min(len(out), f.Limit)]
		if err := s.attachLines(ctx, page); err != nil {
			return err
		}
		return s.markRefundPending(ctx, page)
	})
	if err != nil {
		return nil, "", err
	}
	out, next := db.Page(out, f.Limit, func(o Order) string { return o.ID })
	return out, next, nil
}

// markRefundPending flags the orders of a page with a refund requested or in
// progress, in one query.
func (s *Service) markRefundPending(ctx context.Context, orders []Order) error {
	if len(orders) == 0 {
		return nil
	}
	idList := make([]string, len(orders))
	for i, o := range orders {
		idList[i] = o.ID
	}
	var pending []string
	if err := s.T.Q(ctx).Model(&Refund{}).Distinct("order_id").Where("order_id IN ? AND status IN ?", idList,
		[]string{RefundRequested, RefundProcessing}).Pluck("order_id", &pending).Error; err != nil {
		return err
	}
	for i := range orders {
		orders[i].RefundPending = indexOf(pending, orders[i].ID) >= 0
	}
	return nil
}

// attachLines loads the lines of a page of orders in one query.
func (s *Service) attachLines(ctx context.Context, orders []Order) error {
	if len(orders) == 0 {
		return nil
	}
	byID := make(map[string]int, len(orders))
	idList := make([]string, len(orders))
	for i, o := range orders {
		byID[o.ID], idList[i] = i, o.ID
	}
	var lines []Line
	if err := s.T.Q(ctx).Where("order_id IN ?", idList).Order("id").Find(&lines).Error; err != nil {
		return err
	}
	for _, l := range lines {
		o := &orders[byID[l.OrderID]]
		o.Lines = append(o.Lines, l)
	}
	return nil
}

// AfterSale filters the list to orders with a refund requested or in progress.
const AfterSale = "after_sale"

// Counts is how many orders each tab of the staff's list holds.
type Counts struct {
	All            int64 `json:"all"`
	PendingPayment int64 `json:"pending_payment"`
	Paid           int64 `json:"paid"` // to ship
	Shipped        int64 `json:"shipped"`
	Completed      int64 `json:"completed"`
	Closed         int64 `json:"closed"`
	Refunded       int64 `json:"refunded"`
	AfterSale      int64 `json:"after_sale"`      // orders with a refund requested or in progress
	RefundsWaiting int64 `json:"refunds_waiting"` // refund requests staff have not answered
}

// Counts counts the orders by status and those in after-sale.
func (s *Service) Counts(ctx context.Context) (Counts, error) {
	var c Counts
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		var rows []struct {
			Status string
			N      int64
		}
		if err := s.T.Q(ctx).Model(&Order{}).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			c.All += r.N
			switch r.Status {
			case PendingPayment:
				c.PendingPayment = r.N
			case Paid:
				c.Paid = r.N
			case Shipped:
				c.Shipped = r.N
			case Completed:
				c.Completed = r.N
			case Closed:
				c.Closed = r.N
			case Refunded:
				c.Refunded = r.N
			}
		}
		open := []string{RefundRequested, RefundProcessing}
		if err := s.T.Q(ctx).Model(&Refund{}).Where("status IN ?", open).Distinct("order_id").Count(&c.AfterSale).Error; err != nil {
			return err
		}
		return s.T.Q(ctx).Model(&Refund{}).Where("status = ?", RefundRequested).Count(&c.RefundsWaiting).Error
	})
	return c, err
}

// transition moves an order from one status to another under a row lock.
func (s *Service) transition(ctx context.Context, memberID, id, from, to string, upd map[string]any, note string) (Order, error) {
	if !ids.Valid(id) {
		return Order{}, errs.NotFoundf("order")
	}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx)
		var o Order
		lq := q.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id)
		if memberID != "" {
			lq = lq.Where("member_id = ?", memberID)
		}
		if err := lq.Take(&o).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return errs.NotFoundf("order")
			}
			return err
		}
		if o.Status != from {
			return errs.E(errs.Conflict, "wrong_status", fmt.Sprintf("the order is %s, not %s", o.Status, from))
		}
		upd["status"], upd["updated_at"] = to, time.Now().UTC()
		if err := q.Model(&Order{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return err
		}
		return s.event(ctx, id, from, to, note)
	})
	if err != nil {
		return Order{}, err
	}
	return s.Get(ctx, memberID, id)
}

// Ship records the carrier and tracking number of a paid order.
func (s *Service) Ship(ctx context.Context, id, carrier, trackingNo string) (Order, error) {
	var f errs.Fields
	carrier, trackingNo = strings.TrimSpace(carrier), strings.TrimSpace(trackingNo)
	if f.Required("carrier", carrier) {
		f.MaxLen("carrier", carrier, 40)
	}
	if f.Required("tracking_no", trackingNo) {
		f.MaxLen("tracking_no", trackingNo, 64)
	}
	if err := f.Err(); err != nil {
		return Order{}, err
	}
	o, err := s.transition(ctx, "", id, Paid, Shipped, map[string]any{"carrier": carrier, "tracking_no": trackingNo, "shipped_at": time.Now().UTC()},
		carrier+" "+trackingNo)
	if err == nil && s.OnShipped != nil {
		s.OnShipped(ctx, o)
	}
	return o, err
}

// Complete marks a shipped order received (by the shopper, or the auto-complete job with memberID "").
func (s *Service) Complete(ctx context.Context, memberID, id string) (Order, error) {
	return s.transition(ctx, memberID, id, Shipped, Completed, map[string]any{"completed_at": time.Now().UTC()}, "received")
}

// Refund statuses.
const (
	RefundRequested  = "requested"
	RefundRejected   = "rejected"
	RefundProcessing = "processing"
	RefundSucceeded  = "succeeded"
	RefundFailed     = "failed"
)

// RefundLine asks back some quantity of one order line.
type RefundLine struct {
	LineID   string `json:"line_id" binding:"required"`
	Quantity int64  `json:"quantity" binding:"required"`
}

// Refund is a shopper's refund request and its outcome.
type Refund struct {
	tenant.Base
	ID          string                   `gorm:"primaryKey" json:"id"`
	OrderID     string                   `json:"order_id"`
	OutRefundNo string                   `json:"out_refund_no"`
	Amount      int64                    `json:"amount"`
	Reason      string                   `json:"reason"`
	Lines       jsonb.JSON[[]RefundLine] `json:"lines"`
	Status      string                   `json:"status"`
	Restock     bool                     `json:"restock"`
	ReviewNote  string                   `json:"review_note"`
	RefundID    string                   `json:"refund_id"`
	RequestedBy string                   `json:"requested_by"`
	CreatedAt   time.Time                `json:"created_at"`
	UpdatedAt   time.Time                `json:"updated_at"`
	// Order says what the refund is for, in the staff's list.
	Order *RefundOrder `gorm:"-" json:"order,omitempty"`
}

// RefundOrder is what the staff's refund list shows of the refund's order:
// its number, the recipient and the lines asked back.
type RefundOrder struct {
	OrderNo string       `json:"order_no"`
	Buyer   string       `json:"buyer"`
	Phone   string       `json:"phone"`
	Items   []RefundItem `json:"items"`
}

// RefundItem is one line asked back.
type RefundItem struct {
	Title    string            `json:"title"`
	Spec     map[string]string `json:"spec"`
	Quantity int64             `json:"quantity"`
}

// RequestRefund asks for some or all lines back (empty lines: everything not yet refunded).
func (s *Service) RequestRefund(ctx context.Context, memberID, orderID string, lines []RefundLine, reason string) (Refund, error) {
	reason = strings.TrimSpace(reason)
	var f errs.Fields
	if f.Required("reason", reason) {
		f.MaxLen("reason", reason, 200)
	}
	for i, rl := range lines {
		if rl.Quantity < 1 {
			f.Add(fmt.Sprintf("lines[%d].quantity", i), "out_of_range", "must be at least 1")
		}
	}
	if err := f.Err(); err != nil {
		return Refund{}, err
	}
	o, err := s.Get(ctx, memberID, orderID)
	if err != nil {
		return Refund{}, err
	}
	if o.Status != Paid && o.Status != Shipped && o.Status != Completed {
		return Refund{}, errs.E(errs.Conflict, "not_refundable", "only paid orders can be refunded (this one is "+o.Status+")")
	}
	var r Refund
	err = s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx)
		var open int64
		if err := q.Model(&Refund{}).Where("order_id = ? AND status IN ?", o.ID, []string{RefundRequested, RefundProcessing}).Count(&open).Error; err != nil {
			return err
		}
		if open > 0 {
			return errs.E(errs.Conflict, "refund_open", "this order already has a refund in progress")
		}
		var pending []Refund
		if err := q.Where("order_id = ? AND status = ?", o.ID, RefundSucceeded).Find(&pending).Error; err != nil {
			return err
		}
		byID := map[string]Line{}
		for _, l := range o.Lines {
			byID[l.ID] = l
		}
		if len(lines) == 0 {
			for _, l := range o.Lines {
				if left := l.Quantity - l.RefundedQuantity; left > 0 {
					lines = append(lines, RefundLine{LineID: l.ID, Quantity: left})
				}
			}
		}
		var amount int64
		left := map[string]int64{}
		for _, l := range o.Lines {
			left[l.ID] = l.Quantity - l.RefundedQuantity
		}
		for i, rl := range lines {
			l, ok := byID[rl.LineID]
			if !ok {
				return errs.Field(fmt.Sprintf("lines[%d].line_id", i), "not_found", "is not a line of this order")
			}
			if rl.Quantity < 1 || rl.Quantity > left[l.ID] {
				return errs.Field(fmt.Sprintf("lines[%d].quantity", i), "out_of_range", fmt.Sprintf("must be between 1 and %d", left[l.ID]))
			}
			// What the shopper paid for these units, after every discount
			// (a line named twice continues where the first mention ended).
			done := l.Quantity - left[l.ID]
			amount += l.paidFor(done, done+rl.Quantity)
			left[l.ID] -= rl.Quantity
		}
		all := true
		for _, n := range left {
			all = all && n == 0
		}
		if all {
			// Nothing left after this refund: it gives back everything still
			// paid, shipping included.
			amount = o.PaidTotal - o.RefundedTotal
		}
		if amount <= 0 || amount > o.PaidTotal-o.RefundedTotal {
			return errs.E(errs.Conflict, "nothing_to_refund", "nothing of this order is left to refund")
		}
		var n int64
		if err := q.Model(&Refund{}).Where("order_id = ?", o.ID).Count(&n).Error; err != nil {
			return err
		}
		now := time.Now().UTC()
		r = Refund{ID: ids.New(), OrderID: o.ID, OutRefundNo: fmt.Sprintf("R%s%02d", o.OrderNo, n+1), Amount: amount, Reason: reason,
			Lines: jsonb.Of(lines), Status: RefundRequested, RequestedBy: actor(ctx), CreatedAt: now, UpdatedAt: now}
		if err := q.Create(&r).Error; err != nil {
			return err
		}
		return s.event(ctx, o.ID, o.Status, o.Status, fmt.Sprintf("refund %s requested: %d fen, %s", r.OutRefundNo, amount, reason))
	})
	return r, err
}

// Refunds lists refund requests, newest first.
func (s *Service) Refunds(ctx context.Context, status string) ([]Refund, error) {
	var out []Refund
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx).Order("id DESC").Limit(200)
		if status != "" {
			q = q.Where("status = ?", status)
		}
		if err := q.Find(&out).Error; err != nil {
			return err
		}
		return s.describeRefunds(ctx, out)
	})
	return out, err
}

// describeRefunds attaches each refund's order number, recipient and lines
// (two queries for the page).
func (s *Service) describeRefunds(ctx context.Context, refunds []Refund) error {
	if len(refunds) == 0 {
		return nil
	}
	var orderIDs []string
	for _, r := range refunds {
		orderIDs = append(orderIDs, r.OrderID)
	}
	var orders []Order
	if err := s.T.Q(ctx).Select("id", "order_no", "address").Where("id IN ?", orderIDs).Find(&orders).Error; err != nil {
		return err
	}
	var lines []Line
	if err := s.T.Q(ctx).Select("id", "title", "spec").Where("order_id IN ?", orderIDs).Find(&lines).Error; err != nil {
		return err
	}
	byOrder := make(map[string]Order, len(orders))
	for _, o := range orders {
		byOrder[o.ID] = o
	}
	byLine := make(map[string]Line, len(lines))
	for _, l := range lines {
		byLine[l.ID] = l
	}
	for i := range refunds {
		r := &refunds[i]
		o, ok := byOrder[r.OrderID]
		if !ok {
			continue
		}
		d := &RefundOrder{OrderNo: o.OrderNo, Buyer: o.Address.V["name"], Phone: o.Address.V["phone"], Items: []RefundItem{}}
		for _, rl := range r.Lines.V {
			l := byLine[rl.LineID]
			d.Items = append(d.Items, RefundItem{Title: l.Title, Spec: l.Spec.V, Quantity: rl.Quantity})
		}
		r.Order = d
	}
	return nil
}

// ReviewRefund approves (the money goes back through WeChat Pay, and the
// REFUND notification completes it) or rejects a requested refund. restock
// returns the goods' stock when the refund completes (the goods came back).
func (s *Service) ReviewRefund(ctx context.Context, id string, approve bool, note string, restock bool) (Refund, error) {
	if !ids.Valid(id) {
		return Refund{}, errs.NotFoundf("refund")
	}
	if len(note) > 200 {
		return Refund{}, errs.Field("note", "too_long", "must be at most 200 characters")
	}
	var r Refund
	var o Order
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx)
		if err := q.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&r).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return errs.NotFoundf("refund")
			}
			return err
		}
		if r.Status != RefundRequested {
			return errs.E(errs.Conflict, "already_reviewed", "this refund is "+r.Status)
		}
		if err := q.Where("id = ?", r.OrderID).Take(&o).Error; err != nil {
			return err
		}
		status := RefundRejected
		if approve {
			status = RefundProcessing
		}
		if err := q.Model(&Refund{}).Where("id = ?", id).Updates(map[string]any{"status": status, "review_note": note, "restock": restock,
			"updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		r.Status, r.ReviewNote, r.Restock = status, note, restock
		return s.event(ctx, o.ID, o.Status, o.Status, fmt.Sprintf("refund %s %s %s", r.OutRefundNo, status, note))
	})
	if err != nil {
		return r, err
	}
	if approve && s.RefundRemote != nil {
		if err := s.RefundRemote(ctx, o, r); err != nil {
			return r, err
		}
	}
	return r, nil
}

// RefundDone is a refund WeChat Pay reported complete.
type RefundDone struct {
	OutRefundNo, RefundID string
	Amount                int64
	Succeeded             bool
}

// ApplyRefund completes a refund exactly once: ledger entry, order totals,
// line quantities, stock if the goods came back.
func (s *Service) ApplyRefund(ctx context.Context, d RefundDone) (bool, error) {
	applied := false
	var products []string
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx)
		var r Refund
		if err := q.Clauses(clause.Locking{Strength: "UPDATE"}).Where("out_refund_no = ?", d.OutRefundNo).Take(&r).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("%w: no refund %s", ErrMismatch, d.OutRefundNo)
			}
			return err
		}
		if r.Status != RefundProcessing {
			return nil // already applied, or never approved
		}
		now := time.Now().UTC()
		if !d.Succeeded {
			return q.Model(&Refund{}).Where("id = ?", r.ID).Updates(map[string]any{"status": RefundFailed, "updated_at": now}).Error
		}
		if d.Amount != r.Amount {
			return fmt.Errorf("%w: refund amount %d, requested %d", ErrMismatch, d.Amount, r.Amount)
		}
		var o Order
		if err := q.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", r.OrderID).Take(&o).Error; err != nil {
			return err
		}
		if err := q.Create(&LedgerEntry{ID: ids.New(), OrderID: o.ID, Kind: "refund", ExternalID: d.RefundID, Amount: -d.Amount,
			Currency: o.Currency, CreatedAt: now}).Error; err != nil {
			return err
		}
		if err := q.Model(&Refund{}).Where("id = ?", r.ID).Updates(map[string]any{"status": RefundSucceeded, "refund_id": d.RefundID, "updated_at": now}).Error; err != nil {
			return err
		}
		var lines []Line
		if err := q.Where("order_id = ?", o.ID).Find(&lines).Error; err != nil {
			return err
		}
		want := map[string]int64{}
		for _, rl := range r.Lines.V {
			want[rl.LineID] += rl.Quantity
		}
		for _, l := range lines {
			if n := want[l.ID]; n > 0 {
				if err := q.Model(&Line{}).Where("id = ?", l.ID).Update("refunded_quantity", gorm.Expr("refunded_quantity + ?", n)).Error; err != nil {
					return err
				}
				products = append(products, l.ProductID)
			}
		}
		if r.Restock {
			if err := s.restock(ctx, lines, func(l Line) int64 { return want[l.ID] }); err != nil {
				return err
			}
		}
		upd := map[string]any{"refunded_total": gorm.Expr("refunded_total + ?", d.Amount), "updated_at": now}
		to := o.Status
		if o.RefundedTotal+d.Amount >= o.PaidTotal {
			upd["status"], to = Refunded, Refunded
		}
		if err := q.Model(&Order{}).Where("id = ?", o.ID).Updates(upd).Error; err != nil {
			return err
		}
		applied = true
		return s.event(ctx, o.ID, o.Status, to, fmt.Sprintf("refund %s completed: %d fen", r.OutRefundNo, d.Amount))
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return false, nil
	}
	if applied && len(products) > 0 {
		s.changed(ctx, products...)
	}
	return applied, err
}

// MemberOrders is the export of a member's orders (PIPL copy).
func (s *Service) MemberOrders(ctx context.Context, memberID string) (any, error) {
	var out []Order
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		if err := s.T.Q(ctx).Where("member_id = ?", memberID).Order("id").Find(&out).Error; err != nil {
			return err
		}
		for i := range out {
			if err := s.T.Q(ctx).Where("order_id = ?", out[i].ID).Find(&out[i].Lines).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if out == nil {
		out = []Order{}
	}
	return out, err
}

// Anonymise removes the delivery address (name, phone, street) from a deleted
// member's orders; amounts and items stay for accounting.
func (s *Service) Anonymise(ctx context.Context, memberID string) error {
	return s.T.Q(ctx).Model(&Order{}).Where("member_id = ?", memberID).
		Updates(map[string]any{"address": jsonb.Of(map[string]string{"anonymised": "true"}), "remark": ""}).Error
}
