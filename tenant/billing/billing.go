// Package billing is the platform's own business with its brands: the plans an
// operator sells (prices, trial length, limits, modules), each store's
// subscription (trial, active, grace, closed), the limits a plan sets on
// products and staff seats, and the payments a brand makes for a plan (WeChat
// Pay Native on the platform's own merchant account, or a bank transfer the
// operator confirms).
package billing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/jsonb"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/audit"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Plan statuses: a retired plan is no longer sold; stores on it keep it.
const (
	Published = "published"
	Retired   = "retired"
)

// Subscription statuses, in the order time moves a store through them.
const (
	Trial  = "trial"
	Active = "active"
	Grace  = "grace"  // the period ended; the store still sells for GraceDays
	Closed = "closed" // closed to shoppers; staff still read everything
)

// Limits a plan sets, as named in plan_limit errors and usage.
const (
	LimitProducts = "products"
	LimitStaff    = "staff_seats"
	LimitStores   = "stores"
)

// StandardPlanID is the plan the migration seeds as the trial plan.
const StandardPlanID = "00000000-0000-7000-8000-00000000b111"

// ModuleMarketing is the basic marketing module (marketing I): coupons,
// full-reduction and limited-time promotions.
const ModuleMarketing = "marketing_1"

// Modules a plan can include.
var Modules = []string{"marketing_1", "marketing_2", "marketing_3", "decoration", "multi_store", "integrations"}

// Plan is what the platform sells. A limit of 0 is unlimited.
type Plan struct {
	ID           string               `gorm:"primaryKey" json:"id"`
	Name         string               `json:"name"`
	PriceYear    int64                `json:"price_year"`  // fen
	PriceMonth   int64                `json:"price_month"` // fen
	TrialDays    int64                `json:"trial_days"`
	MaxProducts  int64                `json:"max_products"`
	MaxStaff     int64                `json:"max_staff"`
	MaxStores    int64                `json:"max_stores"`
	Modules      jsonb.JSON[[]string] `json:"modules"`
	Status       string               `json:"status"`
	TrialDefault bool                 `json:"trial_default"`
	CreatedAt    time.Time            `json:"created_at"`
	UpdatedAt    time.Time            `json:"updated_at"`
}

// Subscription is a store's plan and how long it runs. A platform directory row.
type Subscription struct {
	TenantID  string    `gorm:"primaryKey" json:"store_id"`
	PlanID    string    `json:"plan_id"`
	Status    string    `json:"status"`
	PeriodEnd time.Time `json:"period_end"`
	GraceEnd  time.Time `json:"grace_end"`
	// RemindedBefore is the last expiry reminder sent for this period, in
	// days before its end (0: none yet).
	RemindedBefore int       `json:"-"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// ReminderDays are the days before a period ends that its owner is mailed.
var ReminderDays = []int{7, 1}

// Reminder tells a store's owner that its period ends soon.
type Reminder struct {
	StoreID, StoreName, OwnerEmail, PlanName string
	PeriodEnd                                time.Time
	DaysBefore                               int
}

// Service manages plans, subscriptions and payments.
type Service struct {
	T     *tenant.Store
	Audit *audit.Log
	// GraceDays a store keeps selling after its period ends (default 7).
	GraceDays int
	// Pay places Native orders on the platform's merchant account; nil: only
	// bank transfers.
	Pay *Pay
	// Remind queues an expiry reminder's mail. The sweep calls it before it
	// records the reminder as sent, so a run killed between the two sends it
	// again on the next run: Remind should drop a repeat of the same
	// (store, period end, days) itself. nil sends none.
	Remind func(ctx context.Context, r Reminder) error
}

func (s *Service) now() time.Time { return time.Now().UTC() }

func (s *Service) grace() time.Duration {
	if s.GraceDays <= 0 {
		return 7 * 24 * time.Hour
	}
	return time.Duration(s.GraceDays) * 24 * time.Hour
}

// PlanInput creates or replaces a plan.
type PlanInput struct {
	Name        string   `json:"name" binding:"required" text:"name"`
	PriceYear   int64    `json:"price_year"`
	PriceMonth  int64    `json:"price_month"`
	TrialDays   int64    `json:"trial_days"`
	MaxProducts int64    `json:"max_products"`
	MaxStaff    int64    `json:"max_staff"`
	MaxStores   int64    `json:"max_stores"`
	Modules     []string `json:"modules"`
	// Status is published (default) or retired.
	Status string `json:"status"`
	// TrialDefault makes this the plan new stores try (one plan at a time).
	TrialDefault bool `json:"trial_default"`
}

const maxPrice = 100_000_000_00 // fen

func (in *PlanInput) validate() error {
	var f errs.Fields
	in.Name = strings.TrimSpace(in.Name)
	if f.Required("name", in.Name) {
		f.MaxLen("name", in.Name, 40)
	}
	for _, p := range []struct {
		field string
		v     int64
		max   int64
	}{{"price_year", in.PriceYear, maxPrice}, {"price_month", in.PriceMonth, maxPrice}, {"trial_days", in.TrialDays, 366},
		{"max_products", in.MaxProducts, 10_000_000}, {"max_staff", in.MaxStaff, 100_000}, {"max_stores", in.MaxStores, 100_000}} {
		if p.v < 0 || p.v > p.max {
			f.Add(p.field, "out_of_range", fmt.Sprintf("must be between 0 and %d", p.max))
		}
	}
	if in.Status == "" {
		in.Status = Published
	}
	if in.Status != Published && in.Status != Retired {
		f.Add("status", "invalid_choice", "must be published or retired")
	}
	if in.TrialDefault && in.Status != Published {
		f.Add("trial_default", "retired", "a retired plan cannot be the trial plan")
	}
	mods := []string{}
	for i, m := range in.Modules {
		if !slices.Contains(Modules, m) {
			f.Add(fmt.Sprintf("modules[%d]", i), "invalid_choice", fmt.Sprintf("must be one of %v", Modules))
		} else if !slices.Contains(mods, m) {
			mods = append(mods, m)
		}
	}
	in.Modules = mods
	return f.Err()
}

// Plans lists plans, published first, cheapest first; all is false for brands
// (published plans only).
func (s *Service) Plans(ctx context.Context, all bool) ([]Plan, error) {
	var out []Plan
	q := s.T.P(ctx).Order("status, price_year, name")
	if !all {
		q = q.Where("status = ?", Published)
	}
	err := q.Find(&out).Error
	return out, err
}

// PlanByID returns a plan; not_found when there is none.
func (s *Service) PlanByID(ctx context.Context, id string) (Plan, error) {
	var p Plan
	if !ids.Valid(id) {
		return p, errs.NotFoundf("plan")
	}
	err := s.T.P(ctx).Where("id = ?", id).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return p, errs.NotFoundf("plan")
	}
	return p, err
}

// CreatePlan adds a plan (operator).
func (s *Service) CreatePlan(ctx context.Context, in PlanInput) (Plan, error) {
	return s.savePlan(ctx, "", in)
}

// UpdatePlan replaces a plan's terms (operator). Stores on it keep their
// data whatever the new limits; a lower limit only stops new additions.
func (s *Service) UpdatePlan(ctx context.Context, id string, in PlanInput) (Plan, error) {
	if _, err := s.PlanByID(ctx, id); err != nil {
		return Plan{}, err
	}
	return s.savePlan(ctx, id, in)
}

func (s *Service) savePlan(ctx context.Context, id string, in PlanInput) (Plan, error) {
	if err := in.validate(); err != nil {
		return Plan{}, err
	}
	now := s.now()
	p := Plan{ID: id, Name: in.Name, PriceYear: in.PriceYear, PriceMonth: in.PriceMonth, TrialDays: in.TrialDays,
		MaxProducts: in.MaxProducts, MaxStaff: in.MaxStaff, MaxStores: in.MaxStores, Modules: jsonb.Of(in.Modules),
		Status: in.Status, TrialDefault: in.TrialDefault, CreatedAt: now, UpdatedAt: now}
	err := s.T.PlatformTx(ctx, func(ctx context.Context) error {
		db := s.T.P(ctx)
		if in.TrialDefault {
			if err := db.Model(&Plan{}).Where("trial_default = ?", true).Updates(map[string]any{"trial_default": false, "updated_at": now}).Error; err != nil {
				return err
			}
		} else if id != "" {
			var cur Plan
			if err := db.Where("id = ?", id).Take(&cur).Error; err != nil {
				return err
			}
			if cur.TrialDefault {
				return errs.Field("trial_default", "required", "choose another trial plan first: new stores always start one")
			}
		}
		if id == "" {
			p.ID = ids.New()
			return db.Create(&p).Error
		}
		return db.Model(&Plan{}).Where("id = ?", id).Updates(map[string]any{"name": p.Name, "price_year": p.PriceYear,
			"price_month": p.PriceMonth, "trial_days": p.TrialDays, "max_products": p.MaxProducts, "max_staff": p.MaxStaff,
			"max_stores": p.MaxStores, "modules": p.Modules, "status": p.Status, "trial_default": p.TrialDefault, "updated_at": now}).Error
	})
	if err != nil {
		return Plan{}, err
	}
	return s.PlanByID(ctx, p.ID)
}

// StartTrial gives a new store the trial of the operator's chosen plan. It
// runs inside store provisioning (the platform transaction in ctx), after it
// checks that the owner may open another store: the owner's best plan among
// the stores they own sets how many they may own.
func (s *Service) StartTrial(ctx context.Context, storeID, ownerID string) error {
	db := s.T.P(ctx)
	var plan Plan
	if err := db.Where("trial_default = ?", true).Take(&plan).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return errs.E(errs.Conflict, "no_trial_plan", "the platform offers no trial plan; ask the operator")
		}
		return err
	}
	// Lock the owner's account row so two stores created at once count each other.
	var locked struct{ ID string }
	if err := db.Table("accounts").Clauses(clause.Locking{Strength: "UPDATE"}).Select("id").Where("id = ?", ownerID).Take(&locked).Error; err != nil {
		return err
	}
	var owned []struct {
		MaxStores int64
		Name      string
	}
	if err := db.Table("tenants t").Select("p.max_stores, p.name").Joins("JOIN subscriptions s ON s.tenant_id = t.id").
		Joins("JOIN plans p ON p.id = s.plan_id").Where("t.owner_account_id = ? AND t.id <> ?", ownerID, storeID).Scan(&owned).Error; err != nil {
		return err
	}
	if len(owned) > 0 {
		best, name := int64(-1), ""
		for _, o := range owned {
			if o.MaxStores == 0 {
				best = 0
				break
			}
			if o.MaxStores > best {
				best, name = o.MaxStores, o.Name
			}
		}
		if best > 0 && int64(len(owned)) >= best {
			return s.limitErr(ctx, LimitStores, name, best, func(p Plan) int64 { return p.MaxStores })
		}
	}
	now := s.now()
	end := now.Add(time.Duration(plan.TrialDays) * 24 * time.Hour)
	return db.Create(&Subscription{TenantID: storeID, PlanID: plan.ID, Status: Trial, PeriodEnd: end, GraceEnd: end.Add(s.grace()),
		CreatedAt: now, UpdatedAt: now}).Error
}

// limitErr is the one plan_limit error (403): the message names the limit,
// the store's plan and the published plan that allows more at the lowest
// step (cheapest on a tie); fields[0] names the limit, and fields[1], when
// such a plan exists, carries its id as code ("upgrade_plan_id") for the
// console's upgrade prompt.
func (s *Service) limitErr(ctx context.Context, limit, planName string, max int64, of func(Plan) int64) error {
	msg := fmt.Sprintf("the %s plan allows %d %s", planName, max, strings.ReplaceAll(limit, "_", " "))
	e := &errs.Error{Kind: errs.Forbidden, Code: "plan_limit"}
	// rank orders plans by how much of the limit they allow; unlimited last.
	rank := func(p Plan) int64 {
		if of(p) == 0 {
			return 1 << 62
		}
		return of(p)
	}
	var up *Plan
	if plans, err := s.Plans(ctx, false); err == nil {
		for i := range plans {
			p := &plans[i]
			if rank(*p) <= max {
				continue
			}
			if up == nil || rank(*p) < rank(*up) || (rank(*p) == rank(*up) && p.PriceYear < up.PriceYear) {
				up = p
			}
		}
	}
	if up != nil {
		n := "any number"
		if of(*up) > 0 {
			n = fmt.Sprint(of(*up))
		}
		msg += fmt.Sprintf("; the %s plan allows %s", up.Name, n)
	}
	e.Message = msg
	e.Fields = []errs.FieldError{{Field: limit, Code: "plan_limit", Message: msg}}
	if up != nil {
		e.Fields = append(e.Fields, errs.FieldError{Field: "upgrade_plan_id", Code: up.ID, Message: up.Name})
	}
	return e
}

// Reserve checks, inside the caller's tenant transaction, that the store may
// add one more of limit (products or staff seats), and holds the store's
// subscription row locked until that transaction ends, so two requests
// racing for the last one are decided one after the other. It returns a
// plan_limit error (403) when the plan is full.
func (s *Service) Reserve(ctx context.Context, limit string) error {
	tid, ok := tenant.FromContext(ctx)
	if !ok {
		return tenant.ErrNoTenant
	}
	_, plan, err := s.lockSub(ctx, tid)
	if err != nil {
		return err
	}
	var max int64
	var of func(Plan) int64
	switch limit {
	case LimitProducts:
		max, of = plan.MaxProducts, func(p Plan) int64 { return p.MaxProducts }
	case LimitStaff:
		max, of = plan.MaxStaff, func(p Plan) int64 { return p.MaxStaff }
	default:
		return fmt.Errorf("billing: unknown limit %q", limit)
	}
	if max == 0 {
		return nil
	}
	used, err := s.used(ctx, tid, limit)
	if err != nil {
		return err
	}
	if used >= max {
		return s.limitErr(ctx, limit, plan.Name, max, of)
	}
	return nil
}

// lockSub reads the store's subscription FOR UPDATE, with its plan.
func (s *Service) lockSub(ctx context.Context, tid string) (Subscription, Plan, error) {
	var sub Subscription
	db := s.T.Q(ctx)
	if err := db.Clauses(clause.Locking{Strength: "UPDATE"}).Where("tenant_id = ?", tid).Take(&sub).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return sub, Plan{}, errs.E(errs.Conflict, "no_subscription", "this store has no plan; ask the operator")
		}
		return sub, Plan{}, err
	}
	var plan Plan
	err := db.Where("id = ?", sub.PlanID).Take(&plan).Error
	return sub, plan, err
}

// used counts what the store in the transaction uses of limit.
func (s *Service) used(ctx context.Context, tid, limit string) (int64, error) {
	db := s.T.Q(ctx)
	var n int64
	switch limit {
	case LimitProducts:
		err := db.Table("products").Where("tenant_id = ?", tid).Count(&n).Error
		return n, err
	case LimitStaff:
		// A seat is a member or an open invitation.
		var m, i int64
		if err := db.Table("memberships").Where("tenant_id = ?", tid).Count(&m).Error; err != nil {
			return 0, err
		}
		err := db.Table("invitations").Where("tenant_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?", tid, s.now()).Count(&i).Error
		return m + i, err
	}
	return 0, fmt.Errorf("billing: unknown limit %q", limit)
}

// Usage is how much of one limit a store uses.
type Usage struct {
	Limit string `json:"limit"`
	Used  int64  `json:"used"`
	Max   int64  `json:"max"` // 0: unlimited
}

// Overview is what the console shows about the store's plan.
type Overview struct {
	Plan      Plan      `json:"plan"`
	Status    string    `json:"status"`
	PeriodEnd time.Time `json:"period_end"`
	GraceEnd  time.Time `json:"grace_end"`
	// DaysLeft until the period ends (0 once it has).
	DaysLeft int     `json:"days_left"`
	Usage    []Usage `json:"usage"`
}

// Overview returns the store's plan, status, days left and usage.
func (s *Service) Overview(ctx context.Context) (Overview, error) {
	tid, ok := tenant.FromContext(ctx)
	if !ok {
		return Overview{}, tenant.ErrNoTenant
	}
	var out Overview
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		var sub Subscription
		if err := s.T.Q(ctx).Where("tenant_id = ?", tid).Take(&sub).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return errs.NotFoundf("subscription")
			}
			return err
		}
		if err := s.T.Q(ctx).Where("id = ?", sub.PlanID).Take(&out.Plan).Error; err != nil {
			return err
		}
		out.Status, out.PeriodEnd, out.GraceEnd = sub.Status, sub.PeriodEnd.UTC(), sub.GraceEnd.UTC()
		if left := out.PeriodEnd.Sub(s.now()); left > 0 {
			out.DaysLeft = int((left + 24*time.Hour - time.Nanosecond) / (24 * time.Hour))
		}
		products, err := s.used(ctx, tid, LimitProducts)
		if err != nil {
			return err
		}
		seats, err := s.used(ctx, tid, LimitStaff)
		if err != nil {
			return err
		}
		var owner struct{ OwnerAccountID string }
		if err := s.T.Q(ctx).Table("tenants").Select("owner_account_id").Where("id = ?", tid).Take(&owner).Error; err != nil {
			return err
		}
		var stores int64
		if err := s.T.Q(ctx).Table("tenants").Where("owner_account_id = ?", owner.OwnerAccountID).Count(&stores).Error; err != nil {
			return err
		}
		out.Usage = []Usage{{LimitProducts, products, out.Plan.MaxProducts}, {LimitStaff, seats, out.Plan.MaxStaff}, {LimitStores, stores, out.Plan.MaxStores}}
		return nil
	})
	return out, err
}

// HasModule tells whether the plan of the store in ctx includes module. A
// store without a subscription (none is created outside provisioning) has
// every module, as before plans existed.
func (s *Service) HasModule(ctx context.Context, module string) (bool, error) {
	tid, ok := tenant.FromContext(ctx)
	if !ok {
		return false, tenant.ErrNoTenant
	}
	var row struct{ Modules jsonb.JSON[[]string] }
	err := s.T.P(ctx).Table("subscriptions s").Select("p.modules").Joins("JOIN plans p ON p.id = s.plan_id").
		Where("s.tenant_id = ?", tid).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return slices.Contains(row.Modules.V, module), nil
}

// RequireModule returns the plan_limit error (403) when the plan of the
// store in ctx lacks module: fields[0] names the module, fields[1] (when a
// published plan includes it) the cheapest such plan as upgrade_plan_id.
func (s *Service) RequireModule(ctx context.Context, module string) error {
	ok, err := s.HasModule(ctx, module)
	if err != nil || ok {
		return err
	}
	tid, _ := tenant.FromContext(ctx)
	var cur struct{ Name string }
	if err := s.T.P(ctx).Table("subscriptions s").Select("p.name").Joins("JOIN plans p ON p.id = s.plan_id").
		Where("s.tenant_id = ?", tid).Take(&cur).Error; err != nil {
		return err
	}
	msg := fmt.Sprintf("the %s plan does not include the %s module", cur.Name, module)
	var up *Plan
	plans, err := s.Plans(ctx, false)
	if err != nil {
		return err
	}
	for i := range plans {
		if p := &plans[i]; slices.Contains(p.Modules.V, module) && (up == nil || p.PriceYear < up.PriceYear) {
			up = p
		}
	}
	e := &errs.Error{Kind: errs.Forbidden, Code: "plan_limit"}
	if up != nil {
		msg += fmt.Sprintf("; the %s plan does", up.Name)
	}
	e.Message = msg
	e.Fields = []errs.FieldError{{Field: module, Code: "plan_limit", Message: msg}}
	if up != nil {
		e.Fields = append(e.Fields, errs.FieldError{Field: "upgrade_plan_id", Code: up.ID, Message: up.Name})
	}
	return e
}

// ErrClosed answers a closed store's shoppers.
var ErrClosed = errs.E(errs.Forbidden, "store_closed", "this store is closed: its plan has expired; the brand can reopen it by renewing")

// Open returns ErrClosed when the store in ctx is closed for lapsed payment.
func (s *Service) Open(ctx context.Context) error {
	tid, ok := tenant.FromContext(ctx)
	if !ok {
		return tenant.ErrNoTenant
	}
	var sub Subscription
	err := s.T.P(ctx).Select("tenant_id", "status").Where("tenant_id = ?", tid).Take(&sub).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if sub.Status == Closed {
		return ErrClosed
	}
	return nil
}

// Swept is what one expiry run changed.
type Swept struct {
	Reminded int64 `json:"reminded"`
	Grace    int64 `json:"grace"`
	Closed   int64 `json:"closed"`
}

// Sweep moves stores whose period ended into grace, and stores whose grace
// ended to closed, as of now, after mailing the owners of periods that end
// within ReminderDays. Each step is one conditional UPDATE, so a run
// repeated, or cut short and run again, ends where one clean run does.
func (s *Service) Sweep(ctx context.Context, now time.Time) (Swept, error) {
	now = now.UTC()
	var out Swept
	// A reminder that cannot be queued does not hold back the status
	// changes: they run, and the error is returned (the job retries; a
	// reminder already recorded is not sent twice).
	remindErr := s.remind(ctx, now, &out)
	err := s.T.PlatformTx(ctx, func(ctx context.Context) error {
		db := s.T.P(ctx)
		r := db.Model(&Subscription{}).Where("status IN ? AND period_end <= ?", []string{Trial, Active}, now).
			Updates(map[string]any{"status": Grace, "updated_at": now})
		if r.Error != nil {
			return r.Error
		}
		out.Grace = r.RowsAffected
		r = db.Model(&Subscription{}).Where("status = ? AND grace_end <= ?", Grace, now).Updates(map[string]any{"status": Closed, "updated_at": now})
		out.Closed = r.RowsAffected
		return r.Error
	})
	return out, errors.Join(err, remindErr)
}

// remind mails the owners of running periods that end within a reminder's
// days and have not had that reminder, then records it as sent.
func (s *Service) remind(ctx context.Context, now time.Time, out *Swept) error {
	if s.Remind == nil {
		return nil
	}
	for _, days := range ReminderDays {
		var due []struct {
			TenantID, Name, Email, PlanName string
			PeriodEnd                       time.Time
		}
		// Only the closest reminder not yet sent: a store that lapses unseen
		// for a week gets the 1-day mail, not both.
		next := 0
		for _, d := range ReminderDays {
			if d < days {
				next = d
			}
		}
		err := s.T.P(ctx).Table("subscriptions s").Select("s.tenant_id, t.name, a.email, p.name AS plan_name, s.period_end").
			Joins("JOIN tenants t ON t.id = s.tenant_id").Joins("JOIN accounts a ON a.id = t.owner_account_id").Joins("JOIN plans p ON p.id = s.plan_id").
			Where("s.status IN ? AND s.period_end > ? AND s.period_end <= ? AND s.period_end > ? AND (s.reminded_before = 0 OR s.reminded_before > ?)",
				[]string{Trial, Active}, now, now.Add(time.Duration(days)*24*time.Hour), now.Add(time.Duration(next)*24*time.Hour), days).
			Scan(&due).Error
		if err != nil {
			return err
		}
		for _, d := range due {
			if err := s.Remind(ctx, Reminder{StoreID: d.TenantID, StoreName: d.Name, OwnerEmail: d.Email, PlanName: d.PlanName,
				PeriodEnd: d.PeriodEnd.UTC(), DaysBefore: days}); err != nil {
				return err
			}
			// The window again: a payment meanwhile started a new period, whose reminders are still due.
			r := s.T.P(ctx).Model(&Subscription{}).Where("tenant_id = ? AND period_end <= ? AND (reminded_before = 0 OR reminded_before > ?)",
				d.TenantID, now.Add(time.Duration(days)*24*time.Hour), days).Updates(map[string]any{"reminded_before": days})
			if r.Error != nil {
				return r.Error
			}
			out.Reminded += r.RowsAffected
		}
	}
	return nil
}
