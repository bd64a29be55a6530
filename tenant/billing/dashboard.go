package billing

import (
	"context"
	"sort"
	"time"

	"github.com/shoplet/shoplet/tenant"
)

// PlanStores counts the stores on one plan by subscription status.
type PlanStores struct {
	PlanID   string `json:"plan_id"`
	PlanName string `json:"plan_name"`
	Trial    int64  `json:"trial"`
	Active   int64  `json:"active"` // paying
	Grace    int64  `json:"grace"`
	Closed   int64  `json:"closed"`
	Total    int64  `json:"total"`
}

func (p *PlanStores) add(status string, n int64) {
	switch status {
	case Trial:
		p.Trial += n
	case Active:
		p.Active += n
	case Grace:
		p.Grace += n
	case Closed:
		p.Closed += n
	}
	p.Total += n
}

// MonthRevenue is what brands paid in one calendar month (UTC, by paid_at).
type MonthRevenue struct {
	Month    string `json:"month"`  // 2026-12
	Amount   int64  `json:"amount"` // fen
	Payments int64  `json:"payments"`
}

// Renewal is a paying store whose period ends soon.
type Renewal struct {
	StoreID   string    `json:"store_id"`
	StoreName string    `json:"store_name"`
	PlanID    string    `json:"plan_id"`
	PlanName  string    `json:"plan_name"`
	PeriodEnd time.Time `json:"period_end"`
}

// Dashboard is the operator's view of the business.
type Dashboard struct {
	// Plans: stores per plan by status (plans without stores left out).
	Plans []PlanStores `json:"plans"`
	// Totals over every plan (plan_id and plan_name empty).
	Totals PlanStores `json:"totals"`
	// Revenue by month, oldest first, and in all.
	Revenue      []MonthRevenue `json:"revenue"`
	RevenueTotal int64          `json:"revenue_total"`
	// TrialsConverted is how many stores, all of which start on a trial,
	// have paid at least once.
	TrialsConverted int64 `json:"trials_converted"`
	// RenewalsDue: paying stores whose period ends within RenewalDays, soonest first.
	RenewalsDue []Renewal `json:"renewals_due"`
}

// RenewalDays is how far ahead the dashboard lists renewals due.
const RenewalDays = 30

// StorePayment is a payment with the store it came from (operator lists).
type StorePayment struct {
	StoreID   string `json:"store_id"`
	StoreName string `json:"store_name"`
	Payment
}

// AllPayments lists every store's plan payments, newest first; status
// (pending or paid) filters when set. Payments are each store's own rows
// under row-level security, so they are read store by store, each in its
// own tenant transaction: an operator screen, never a shopper's path.
func (s *Service) AllPayments(ctx context.Context, status string) ([]StorePayment, error) {
	var stores []struct{ ID, Name string }
	if err := s.T.P(ctx).Table("subscriptions s").Select("t.id, t.name").Joins("JOIN tenants t ON t.id = s.tenant_id").
		Order("t.id").Scan(&stores).Error; err != nil {
		return nil, err
	}
	out := []StorePayment{}
	for _, st := range stores {
		var ps []Payment
		err := s.T.Tx(tenant.WithTenant(ctx, st.ID), func(ctx context.Context) error {
			q := s.T.Q(ctx)
			if status != "" {
				q = q.Where("status = ?", status)
			}
			return q.Find(&ps).Error
		})
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			out = append(out, StorePayment{StoreID: st.ID, StoreName: st.Name, Payment: p})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].ID > out[j].ID
	})
	return out, nil
}

// Dashboard sums up stores, revenue, conversions and renewals as of now.
func (s *Service) Dashboard(ctx context.Context, now time.Time) (Dashboard, error) {
	now = now.UTC()
	out := Dashboard{Plans: []PlanStores{}, Revenue: []MonthRevenue{}, RenewalsDue: []Renewal{}}
	var counts []struct {
		PlanID, PlanName, Status string
		N                        int64
	}
	if err := s.T.P(ctx).Table("subscriptions s").Select("s.plan_id, p.name AS plan_name, s.status, COUNT(*) AS n").
		Joins("JOIN plans p ON p.id = s.plan_id").Group("s.plan_id, p.name, s.status").Order("p.name, s.plan_id").Scan(&counts).Error; err != nil {
		return out, err
	}
	for _, c := range counts {
		if n := len(out.Plans); n == 0 || out.Plans[n-1].PlanID != c.PlanID {
			out.Plans = append(out.Plans, PlanStores{PlanID: c.PlanID, PlanName: c.PlanName})
		}
		out.Plans[len(out.Plans)-1].add(c.Status, c.N)
		out.Totals.add(c.Status, c.N)
	}
	if err := s.T.P(ctx).Table("subscriptions s").Select("s.tenant_id AS store_id, t.name AS store_name, s.plan_id, p.name AS plan_name, s.period_end").
		Joins("JOIN tenants t ON t.id = s.tenant_id").Joins("JOIN plans p ON p.id = s.plan_id").
		Where("s.status = ? AND s.period_end > ? AND s.period_end <= ?", Active, now, now.Add(RenewalDays*24*time.Hour)).
		Order("s.period_end, s.tenant_id").Scan(&out.RenewalsDue).Error; err != nil {
		return out, err
	}
	for i := range out.RenewalsDue {
		out.RenewalsDue[i].PeriodEnd = out.RenewalsDue[i].PeriodEnd.UTC()
	}
	paid, err := s.AllPayments(ctx, Paid)
	if err != nil {
		return out, err
	}
	months := map[string]*MonthRevenue{}
	converted := map[string]bool{}
	for _, p := range paid {
		at := p.CreatedAt
		if p.PaidAt != nil {
			at = *p.PaidAt
		}
		m := at.UTC().Format("2006-01")
		if months[m] == nil {
			months[m] = &MonthRevenue{Month: m}
		}
		months[m].Amount += p.Amount
		months[m].Payments++
		out.RevenueTotal += p.Amount
		converted[p.StoreID] = true
	}
	for _, m := range months {
		out.Revenue = append(out.Revenue, *m)
	}
	sort.Slice(out.Revenue, func(i, j int) bool { return out.Revenue[i].Month < out.Revenue[j].Month })
	out.TrialsConverted = int64(len(converted))
	return out, nil
}
