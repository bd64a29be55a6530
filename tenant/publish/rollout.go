package publish

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/tenant"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Rollout publishes one template version to many stores, at most Concurrency
// of them in the steps before review at a time (WeChat rate-limits code
// management per platform; a queue of brands keeps within it). It is a
// platform (or agency) action, so rollouts live in platform tables; each
// store's publication is an ordinary tenant-owned Publish.
type Rollout struct {
	ID          string         `gorm:"primaryKey" json:"id"`
	TemplateID  int64          `json:"template_id"`
	Version     string         `json:"version"`
	Description string         `json:"description"`
	AutoRelease bool           `json:"auto_release"`
	Concurrency int            `json:"concurrency"`
	Total       int            `json:"total"`
	AgencyID    string         `json:"agency_id,omitempty"`
	CreatedBy   string         `json:"created_by"`
	CreatedAt   time.Time      `json:"created_at"`
	Counts      map[string]int `gorm:"-" json:"counts"`
	Items       []RolloutItem  `gorm:"-" json:"items,omitempty"`
}

// RolloutItem is one store's result in a rollout.
type RolloutItem struct {
	RolloutID string    `gorm:"primaryKey" json:"-"`
	TenantID  string    `gorm:"primaryKey" json:"store_id"`
	PublishID string    `json:"publish_id,omitempty"`
	Status    string    `json:"status"` // queued, then the publication's status
	Error     string    `json:"error,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Queued is a rollout item waiting for a slot.
const Queued = "queued"

// RolloutInput starts a rollout.
type RolloutInput struct {
	Input
	// Stores to publish to; empty means every store that authorised the
	// platform (operators) or every store the agency operates (agencies).
	Stores      []string `json:"stores"`
	Concurrency int      `json:"concurrency"`
}

// Validate checks a rollout's own fields (not which stores it may reach),
// so a caller can refuse bad input before looking the stores up.
func (in RolloutInput) Validate() error {
	var f errs.Fields
	in.check(&f)
	return f.Err()
}

func (in *RolloutInput) check(f *errs.Fields) {
	in.Input.validate(f)
	if in.Concurrency < 0 || in.Concurrency > 100 {
		f.Add("concurrency", "out_of_range", "between 1 and 100 stores at a time (0: 10)")
	}
}

// Rollouts runs rollouts.
type Rollouts struct {
	T   *tenant.Store
	Pub *Service
	Log *slog.Logger
}

// Start records a rollout over stores and starts the first Concurrency of them.
func (r *Rollouts) Start(ctx context.Context, in RolloutInput, stores []string, agencyID string) (Rollout, error) {
	var f errs.Fields
	in.check(&f)
	if in.Concurrency == 0 {
		in.Concurrency = 10
	}
	if len(stores) == 0 {
		f.Add("stores", "required", "no store to publish to")
	}
	if err := f.Err(); err != nil {
		return Rollout{}, err
	}
	now := time.Now().UTC()
	ro := Rollout{ID: ids.New(), TemplateID: in.TemplateID, Version: in.Version, Description: in.Description, AutoRelease: in.AutoRelease,
		Concurrency: in.Concurrency, Total: len(stores), AgencyID: agencyID, CreatedBy: tenant.ActorFrom(ctx).AccountID, CreatedAt: now}
	items := make([]RolloutItem, len(stores))
	for i, t := range stores {
		items[i] = RolloutItem{RolloutID: ro.ID, TenantID: t, Status: Queued, UpdatedAt: now}
	}
	err := r.T.PlatformTx(ctx, func(ctx context.Context) error {
		if err := r.T.P(ctx).Create(&ro).Error; err != nil {
			return err
		}
		return r.T.P(ctx).CreateInBatches(items, 500).Error
	})
	if err != nil {
		return Rollout{}, err
	}
	r.advance(ctx, ro.ID)
	return r.Get(ctx, ro.ID, agencyID)
}

// Get returns a rollout with its items. Agencies see only their own.
func (r *Rollouts) Get(ctx context.Context, id, agencyID string) (Rollout, error) {
	var ro Rollout
	if !ids.Valid(id) {
		return ro, errs.NotFoundf("rollout")
	}
	q := r.T.P(ctx).Where("id = ?", id)
	if agencyID != "" {
		q = q.Where("agency_id = ?", agencyID)
	}
	if err := q.Take(&ro).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return ro, errs.NotFoundf("rollout")
	} else if err != nil {
		return ro, err
	}
	if err := r.T.P(ctx).Where("rollout_id = ?", id).Order("tenant_id").Find(&ro.Items).Error; err != nil {
		return ro, err
	}
	ro.Counts = map[string]int{}
	for _, it := range ro.Items {
		ro.Counts[it.Status]++
	}
	return ro, nil
}

// List returns recent rollouts (an agency's, or all for operators).
func (r *Rollouts) List(ctx context.Context, agencyID string) ([]Rollout, error) {
	var out []Rollout
	q := r.T.P(ctx).Order("created_at DESC").Limit(50)
	if agencyID != "" {
		q = q.Where("agency_id = ?", agencyID)
	}
	return out, q.Find(&out).Error
}

// Changed mirrors a publication's status into its rollout item; when the
// store leaves the steps before review, the next queued store starts.
func (r *Rollouts) Changed(ctx context.Context, p Publish) {
	err := r.T.PlatformTx(ctx, func(ctx context.Context) error {
		return r.T.P(ctx).Model(&RolloutItem{}).Where("rollout_id = ? AND tenant_id = ?", p.RolloutID, p.TenantID).
			Updates(map[string]any{"status": p.Status, "error": p.Error, "publish_id": p.ID, "updated_at": time.Now().UTC()}).Error
	})
	if err != nil {
		r.Log.ErrorContext(ctx, "rollout item", "rollout_id", p.RolloutID, "err", err)
		return
	}
	if p.Status != Running {
		r.advance(ctx, p.RolloutID)
	}
}

// advance claims free slots under a row lock on the rollout (so two
// instances never exceed its concurrency) and starts those stores.
func (r *Rollouts) advance(ctx context.Context, id string) {
	for {
		var claimed []RolloutItem
		var ro Rollout
		err := r.T.PlatformTx(ctx, func(ctx context.Context) error {
			if err := r.T.P(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&ro).Error; err != nil {
				return err
			}
			var active int64
			if err := r.T.P(ctx).Model(&RolloutItem{}).Where("rollout_id = ? AND status = ?", id, Running).Count(&active).Error; err != nil {
				return err
			}
			free := ro.Concurrency - int(active)
			if free <= 0 {
				return nil
			}
			if err := r.T.P(ctx).Where("rollout_id = ? AND status = ?", id, Queued).Order("tenant_id").Limit(free).Find(&claimed).Error; err != nil {
				return err
			}
			for _, it := range claimed {
				if err := r.T.P(ctx).Model(&RolloutItem{}).Where("rollout_id = ? AND tenant_id = ?", id, it.TenantID).
					Updates(map[string]any{"status": Running, "updated_at": time.Now().UTC()}).Error; err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			r.Log.ErrorContext(ctx, "rollout advance", "rollout_id", id, "err", err)
			return
		}
		if len(claimed) == 0 {
			return
		}
		failed := 0
		for _, it := range claimed {
			tctx := tenant.WithTenant(ctx, it.TenantID)
			a := tenant.ActorFrom(tctx)
			a.AccountID = ro.CreatedBy
			tctx = tenant.WithActor(tctx, a)
			_, err := r.Pub.Start(tctx, Input{TemplateID: ro.TemplateID, Version: ro.Version, Description: ro.Description, AutoRelease: ro.AutoRelease}, id)
			if err == nil {
				continue
			}
			// The store cannot start (not authorised, already publishing):
			// its result says why and its slot goes to the next store.
			failed++
			msg, _ := Explain(err)
			if uerr := r.T.PlatformTx(ctx, func(ctx context.Context) error {
				return r.T.P(ctx).Model(&RolloutItem{}).Where("rollout_id = ? AND tenant_id = ?", id, it.TenantID).
					Updates(map[string]any{"status": Failed, "error": msg, "updated_at": time.Now().UTC()}).Error
			}); uerr != nil {
				r.Log.ErrorContext(ctx, "rollout item", "rollout_id", id, "err", uerr)
				return
			}
		}
		if failed == 0 {
			return
		}
	}
}
