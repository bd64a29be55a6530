package order

import (
	"context"
	"sort"
	"time"

	"github.com/shoplet/shoplet/pkg/errs"
)

// Stats is a store's trading over a period, for the dashboard.
type Stats struct {
	From          time.Time `json:"from"`
	To            time.Time `json:"to"`
	GMV           int64     `json:"gmv"` // fen paid, before refunds
	Refunded      int64     `json:"refunded"`
	Orders        int64     `json:"orders"`      // orders placed
	PaidOrders    int64     `json:"paid_orders"` // orders paid in the period
	PayingMembers int64     `json:"paying_members"`
	NewMembers    int64     `json:"new_members"`
	// Conversion is paid orders over orders placed (下单-支付转化率).
	Conversion  float64       `json:"conversion"`
	Series      []StatDay     `json:"series"`
	TopProducts []StatProduct `json:"top_products"`
	BySource    []StatSource  `json:"by_source"`
	// Previous is the same stretch of time one period earlier (the last 7
	// days up to now against the 7 days before, up to the same hour), for
	// the dashboard's comparison.
	Previous PeriodTotals `json:"previous"`
}

// PeriodTotals is a period's headline figures.
type PeriodTotals struct {
	From          time.Time `json:"from"`
	To            time.Time `json:"to"`
	GMV           int64     `json:"gmv"`
	Refunded      int64     `json:"refunded"`
	Orders        int64     `json:"orders"`
	PaidOrders    int64     `json:"paid_orders"`
	PayingMembers int64     `json:"paying_members"`
	NewMembers    int64     `json:"new_members"`
	Conversion    float64   `json:"conversion"`
}

// totals sums the headline figures of [from, to] in the open transaction.
func (s *Service) totals(ctx context.Context, from, to time.Time) (PeriodTotals, error) {
	p := PeriodTotals{From: from, To: to}
	q := s.T.Q(ctx)
	if err := q.Table("orders").Where("created_at >= ? AND created_at <= ?", from, to).Count(&p.Orders).Error; err != nil {
		return p, err
	}
	var sums struct {
		GMV, Refunded, PaidOrders, PayingMembers int64
	}
	if err := q.Table("orders").Select("COALESCE(SUM(paid_total), 0) AS gmv, COALESCE(SUM(refunded_total), 0) AS refunded, "+
		"COUNT(*) AS paid_orders, COUNT(DISTINCT member_id) AS paying_members").
		Where("paid_at IS NOT NULL AND paid_at >= ? AND paid_at <= ?", from, to).Scan(&sums).Error; err != nil {
		return p, err
	}
	p.GMV, p.Refunded, p.PaidOrders, p.PayingMembers = sums.GMV, sums.Refunded, sums.PaidOrders, sums.PayingMembers
	if p.Orders > 0 {
		p.Conversion = float64(p.PaidOrders) / float64(p.Orders)
	}
	return p, q.Table("members").Where("created_at >= ? AND created_at <= ?", from, to).Count(&p.NewMembers).Error
}

// StatDay is one UTC day.
type StatDay struct {
	Date   string `json:"date"`
	GMV    int64  `json:"gmv"`
	Orders int64  `json:"orders"`
}

// StatProduct is a best seller.
type StatProduct struct {
	ProductID string `json:"product_id"`
	Title     string `json:"title"`
	Quantity  int64  `json:"quantity"`
	GMV       int64  `json:"gmv"`
}

// StatSource is paid orders by entry scene (how shoppers came in: a QR code, a share, search...).
type StatSource struct {
	Scene  string `json:"scene"`
	Orders int64  `json:"orders"`
	GMV    int64  `json:"gmv"`
}

// Stats sums the store's trading in the last days (1, 7 or 30) up to now.
func (s *Service) Stats(ctx context.Context, days int, now time.Time) (Stats, error) {
	if days != 1 && days != 7 && days != 30 {
		return Stats{}, errs.Field("days", "invalid_choice", "must be 1, 7 or 30")
	}
	now = now.UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	st := Stats{From: today.AddDate(0, 0, 1-days), To: now}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx)
		if err := q.Table("orders").Where("created_at >= ? AND created_at <= ?", st.From, st.To).Count(&st.Orders).Error; err != nil {
			return err
		}
		var paid []struct {
			PaidAt        time.Time
			PaidTotal     int64
			RefundedTotal int64
			MemberID      string
			EntryScene    string
		}
		if err := q.Table("orders").Select("paid_at, paid_total, refunded_total, member_id, entry_scene").
			Where("paid_at IS NOT NULL AND paid_at >= ? AND paid_at <= ?", st.From, st.To).Scan(&paid).Error; err != nil {
			return err
		}
		byDay := map[string]*StatDay{}
		var dates []string
		for d := st.From; !d.After(today); d = d.AddDate(0, 0, 1) {
			dates = append(dates, d.Format("2006-01-02"))
			byDay[dates[len(dates)-1]] = &StatDay{Date: dates[len(dates)-1]}
		}
		members := map[string]bool{}
		sources := map[string]*StatSource{}
		for _, p := range paid {
			st.GMV += p.PaidTotal
			st.Refunded += p.RefundedTotal
			st.PaidOrders++
			members[p.MemberID] = true
			if d := byDay[p.PaidAt.UTC().Format("2006-01-02")]; d != nil {
				d.GMV += p.PaidTotal
				d.Orders++
			}
			src := sources[p.EntryScene]
			if src == nil {
				src = &StatSource{Scene: p.EntryScene}
				sources[p.EntryScene] = src
			}
			src.Orders++
			src.GMV += p.PaidTotal
		}
		for _, d := range dates {
			st.Series = append(st.Series, *byDay[d])
		}
		st.PayingMembers = int64(len(members))
		for _, src := range sources {
			st.BySource = append(st.BySource, *src)
		}
		sort.Slice(st.BySource, func(i, j int) bool {
			if st.BySource[i].Orders != st.BySource[j].Orders {
				return st.BySource[i].Orders > st.BySource[j].Orders
			}
			return st.BySource[i].Scene < st.BySource[j].Scene
		})
		st.TopProducts = []StatProduct{}
		if err := q.Table("order_lines l").Select("l.product_id, MAX(l.title) AS title, SUM(l.quantity) AS quantity, SUM(l.quantity * l.price) AS gmv").
			Joins("JOIN orders o ON o.tenant_id = l.tenant_id AND o.id = l.order_id").
			Where("o.paid_at IS NOT NULL AND o.paid_at >= ? AND o.paid_at <= ?", st.From, st.To).
			Group("l.product_id").Order("quantity DESC, gmv DESC").Limit(10).Scan(&st.TopProducts).Error; err != nil {
			return err
		}
		if err := q.Table("members").Where("created_at >= ? AND created_at <= ?", st.From, st.To).Count(&st.NewMembers).Error; err != nil {
			return err
		}
		var err error
		st.Previous, err = s.totals(ctx, st.From.AddDate(0, 0, -days), st.To.AddDate(0, 0, -days))
		return err
	})
	if st.Orders > 0 {
		st.Conversion = float64(st.PaidOrders) / float64(st.Orders)
	}
	if st.BySource == nil {
		st.BySource = []StatSource{}
	}
	return st, err
}
