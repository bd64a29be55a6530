package onboard

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/shoplet/shoplet/pkg/db"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/tenant"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Platform is what the platform operator does across stores. Reading a store's
// own rows (categories, documents) happens inside that store's tenant scope.
type Platform struct{ S *Stores }

// TenantFilter narrows the operator's tenant list.
type TenantFilter struct {
	Status  string
	Query   string // matches name or slug
	Pending bool   // only stores with categories awaiting review
	Before  string // cursor
	Limit   int
}

// Tenants lists stores newest first.
func (p *Platform) Tenants(ctx context.Context, f TenantFilter) ([]Tenant, string, error) {
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 50
	}
	q := p.S.T.P(ctx).Model(&Tenant{}).Order("id DESC").Limit(f.Limit + 1)
	if f.Status != "" {
		if f.Status != StatusActive && f.Status != StatusSuspended {
			return nil, "", errs.Field("status", "invalid_choice", "must be active or suspended")
		}
		q = q.Where("status = ?", f.Status)
	}
	if s := strings.ToLower(strings.TrimSpace(f.Query)); s != "" {
		like := "%" + db.EscapeLike(s) + "%"
		q = q.Where("(LOWER(name) LIKE ? ESCAPE '\\' OR slug LIKE ? ESCAPE '\\')", like, like)
	}
	if f.Pending {
		q = q.Where("pending_reviews > 0")
	}
	if f.Before != "" {
		if !ids.Valid(f.Before) {
			return nil, "", errs.Field("cursor", "invalid", "is not a cursor from this list")
		}
		q = q.Where("id < ?", f.Before)
	}
	var out []Tenant
	if err := q.Find(&out).Error; err != nil {
		return nil, "", err
	}
	out, next := db.Page(out, f.Limit, func(t Tenant) string { return t.ID })
	return out, next, nil
}

// ReviewQueue lists categories awaiting review, oldest first.
func (p *Platform) ReviewQueue(ctx context.Context) ([]ReviewItem, error) {
	var out []ReviewItem
	err := p.S.T.P(ctx).Table("review_queue r").Select("r.tenant_id, r.category, r.submitted_at, t.name AS store_name").
		Joins("JOIN tenants t ON t.id = r.tenant_id").Order("r.submitted_at").Limit(500).Scan(&out).Error
	return out, err
}

// Review approves or rejects a category awaiting review. Rejection needs a
// reason the brand will read; the brand can upload new documents after it.
func (p *Platform) Review(ctx context.Context, tenantID, category string, approve bool, reason string) error {
	reason = strings.TrimSpace(reason)
	if !approve {
		var f errs.Fields
		if f.Required("reason", reason) {
			f.MaxLen("reason", reason, 500)
		}
		if err := f.Err(); err != nil {
			return err
		}
	}
	if _, err := p.S.ByID(ctx, tenantID); err != nil {
		return err
	}
	now := time.Now().UTC()
	operator := tenant.ActorFrom(ctx).AccountID
	return p.S.T.PlatformTx(ctx, func(pctx context.Context) error {
		return p.S.T.Tx(tenant.WithTenant(pctx, tenantID), func(ctx context.Context) error {
			var sc StoreCategory
			err := p.S.T.Q(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("category = ?", category).Take(&sc).Error
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return errs.NotFoundf("category")
			}
			if err != nil {
				return err
			}
			if sc.Status != CatPendingReview {
				return errs.E(errs.Conflict, "not_pending_review", "this category is not awaiting review (status "+sc.Status+")")
			}
			status, action := CatActive, "category.approved"
			if !approve {
				status, action = CatRejected, "category.rejected"
			}
			if err := p.S.T.Q(ctx).Model(&StoreCategory{}).Where("category = ?", category).Updates(map[string]any{
				"status": status, "reason": reason, "reviewed_by": operator, "reviewed_at": now, "updated_at": now}).Error; err != nil {
				return err
			}
			if err := p.S.T.P(ctx).Where("tenant_id = ? AND category = ?", tenantID, category).Delete(&ReviewItem{}).Error; err != nil {
				return err
			}
			if err := p.S.T.P(ctx).Model(&Tenant{}).Where("id = ? AND pending_reviews > 0", tenantID).
				Update("pending_reviews", gorm.Expr("pending_reviews - 1")).Error; err != nil {
				return err
			}
			return p.S.Audit.Record(ctx, action, "category", category, map[string]any{"reason": reason})
		})
	})
}

// SetStatus suspends or restores a store.
func (p *Platform) SetStatus(ctx context.Context, tenantID string, suspend bool, reason string) (Tenant, error) {
	reason = strings.TrimSpace(reason)
	var f errs.Fields
	if suspend {
		f.Required("reason", reason)
	}
	f.MaxLen("reason", reason, 500)
	if err := f.Err(); err != nil {
		return Tenant{}, err
	}
	t, err := p.S.ByID(ctx, tenantID)
	if err != nil {
		return t, err
	}
	status, action := StatusActive, "store.restored"
	if suspend {
		status, action = StatusSuspended, "store.suspended"
	}
	if !suspend {
		reason = ""
	}
	err = p.S.T.PlatformTx(ctx, func(pctx context.Context) error {
		if err := p.S.T.P(pctx).Model(&Tenant{}).Where("id = ?", tenantID).
			Updates(map[string]any{"status": status, "status_reason": reason, "updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		return p.S.T.Tx(tenant.WithTenant(pctx, tenantID), func(ctx context.Context) error {
			return p.S.Audit.Record(ctx, action, "store", tenantID, map[string]any{"reason": reason})
		})
	})
	if err != nil {
		return t, err
	}
	if err := p.S.Enforcer.Changed(ctx, tenantID); err != nil {
		return t, err
	}
	return p.S.ByID(ctx, tenantID)
}
