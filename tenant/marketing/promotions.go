package marketing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/jsonb"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/pricing"
)

// Promotion is an activity: a full reduction (满减 / 满包邮, tiers) or a
// limited-time discount (per SKU, % off or a fixed price, in a window).
type Promotion struct {
	tenant.Base
	ID              string                              `gorm:"primaryKey" json:"id"`
	Name            string                              `json:"name"`
	Kind            string                              `json:"kind"`
	Scope           jsonb.JSON[pricing.Scope]           `json:"scope"`
	Deals           jsonb.JSON[map[string]pricing.Deal] `json:"deals"`
	Tiers           jsonb.JSON[[]pricing.Tier]          `json:"tiers"`
	NoCoupon        bool                                `json:"no_coupon"`
	NoFullReduction bool                                `json:"no_full_reduction"`
	StartsAt        time.Time                           `json:"starts_at"`
	EndsAt          time.Time                           `json:"ends_at"`
	Status          string                              `json:"status"`
	CreatedAt       time.Time                           `json:"created_at"`
	UpdatedAt       time.Time                           `json:"updated_at"`
}

// PromotionInput creates a promotion.
type PromotionInput struct {
	Name string `json:"name" binding:"required" text:"name"`
	// Kind is full_reduction or limited_discount.
	Kind  string        `json:"kind" binding:"required"`
	Scope pricing.Scope `json:"scope"`
	// Deals (limited_discount): SKU id → percent_off or price.
	Deals map[string]pricing.Deal `json:"deals"`
	// Tiers (full_reduction): the highest one reached applies.
	Tiers           []pricing.Tier `json:"tiers"`
	NoCoupon        bool           `json:"no_coupon"`
	NoFullReduction bool           `json:"no_full_reduction"`
	StartsAt        string         `json:"starts_at" binding:"required"` // RFC 3339
	EndsAt          string         `json:"ends_at" binding:"required"`
}

func (in *PromotionInput) validate() (window, error) {
	var f errs.Fields
	var w window
	in.Name = strings.TrimSpace(in.Name)
	if f.Required("name", in.Name) {
		f.MaxLen("name", in.Name, 40)
	}
	checkScope(&f, &in.Scope)
	switch in.Kind {
	case pricing.KindFullReduction:
		if len(in.Tiers) == 0 || len(in.Tiers) > 10 {
			f.Add("tiers", "out_of_range", "give 1 to 10 tiers")
		}
		for i, t := range in.Tiers {
			nonNegative(&f, map[string]int64{fmt.Sprintf("tiers[%d].threshold", i): t.Threshold, fmt.Sprintf("tiers[%d].min_count", i): t.MinCount,
				fmt.Sprintf("tiers[%d].off", i): t.Off})
			if t.Threshold < 0 || t.Threshold > MaxAmount || t.MinCount < 0 || t.MinCount > 999 || t.Off < 0 || t.Off > MaxAmount {
				f.Add(fmt.Sprintf("tiers[%d]", i), "out_of_range", "amounts must be between 0 and 10000000 fen, counts up to 999")
			}
			if t.Off == 0 && !t.FreeShipping && t.GiftSKUID == "" {
				f.Add(fmt.Sprintf("tiers[%d].off", i), "required", "give an amount off, free shipping or a gift")
			}
			if t.GiftSKUID != "" && (!ids.Valid(t.GiftSKUID) || t.GiftQuantity < 1 || t.GiftQuantity > 99) {
				f.Add(fmt.Sprintf("tiers[%d].gift_sku_id", i), "invalid", "a gift is a SKU id with a gift_quantity of 1 to 99")
			}
			if t.Threshold == 0 && t.MinCount == 0 {
				f.Add(fmt.Sprintf("tiers[%d].threshold", i), "required", "give a threshold or a minimum count")
			}
		}
		in.Deals = map[string]pricing.Deal{}
	case pricing.KindLimitedDiscount:
		if len(in.Deals) == 0 || len(in.Deals) > 500 {
			f.Add("deals", "out_of_range", "give 1 to 500 SKUs")
		}
		for sku, d := range in.Deals {
			nonNegative(&f, map[string]int64{"deals." + sku + ".percent_off": d.PercentOff, "deals." + sku + ".price": d.Price, "deals." + sku + ".limit": d.Limit})
			if d.Limit > 1000 {
				f.Add("deals."+sku+".limit", "out_of_range", "at most 1000 units per member")
			}
			if !ids.Valid(sku) {
				f.Add("deals", "invalid", "keys must be SKU ids")
				break
			}
			if (d.Price <= 0 && (d.PercentOff < 1 || d.PercentOff > 99)) || d.Price < 0 || d.Price > MaxAmount {
				f.Add("deals."+sku, "out_of_range", "give percent_off 1–99 or a price above 0")
			}
		}
		in.Tiers = []pricing.Tier{}
	default:
		f.Add("kind", "invalid_choice", "must be one of full_reduction, limited_discount")
	}
	w.starts, w.ends = parseTime(&f, "starts_at", in.StartsAt), parseTime(&f, "ends_at", in.EndsAt)
	if w.starts != nil && w.ends != nil && !w.ends.After(*w.starts) {
		f.Add("ends_at", "before_start", "must be after starts_at")
	}
	return w, f.Err()
}

// CreatePromotion adds an active promotion.
func (s *Service) CreatePromotion(ctx context.Context, in PromotionInput) (Promotion, error) {
	w, err := in.validate()
	if err != nil {
		return Promotion{}, err
	}
	now := s.now()
	p := Promotion{ID: ids.New(), Name: in.Name, Kind: in.Kind, Scope: jsonb.Of(in.Scope), Deals: jsonb.Of(in.Deals), Tiers: jsonb.Of(in.Tiers),
		NoCoupon: in.NoCoupon, NoFullReduction: in.NoFullReduction, StartsAt: *w.starts, EndsAt: *w.ends, Status: Active,
		CreatedAt: now, UpdatedAt: now}
	err = s.T.Tx(ctx, func(ctx context.Context) error {
		if err := s.T.Q(ctx).Create(&p).Error; err != nil {
			return err
		}
		return s.Audit.Record(ctx, "marketing.promotion_created", "promotion", p.ID, map[string]any{"name": p.Name, "kind": p.Kind})
	})
	return p, err
}

// Promotions lists the store's promotions, newest first.
func (s *Service) Promotions(ctx context.Context) ([]Promotion, error) {
	out := []Promotion{}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Order("id DESC").Limit(200).Find(&out).Error
	})
	return out, err
}

// StopPromotion ends a promotion now.
func (s *Service) StopPromotion(ctx context.Context, id string) (Promotion, error) {
	var p Promotion
	if !ids.Valid(id) {
		return p, errs.NotFoundf("promotion")
	}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx)
		if err := q.Where("id = ?", id).Take(&p).Error; err != nil {
			return notFound(err, "promotion")
		}
		if p.Status == Stopped {
			return nil
		}
		p.Status, p.UpdatedAt = Stopped, s.now()
		if err := q.Model(&Promotion{}).Where("id = ?", id).Updates(map[string]any{"status": Stopped, "updated_at": p.UpdatedAt}).Error; err != nil {
			return err
		}
		return s.Audit.Record(ctx, "marketing.promotion_stopped", "promotion", id, map[string]any{"name": p.Name})
	})
	return p, err
}

func (p Promotion) pricing() pricing.Promotion {
	return pricing.Promotion{ID: p.ID, Kind: p.Kind, Scope: p.Scope.V, Deals: p.Deals.V, Tiers: p.Tiers.V, NoCoupon: p.NoCoupon,
		NoFullReduction: p.NoFullReduction}
}
