// Package marketing holds what a brand sells with besides its catalog:
// shipping templates, coupons and the coupons members hold, and promotions
// (full reduction, limited-time discount). It stores and claims; prices are
// computed by tenant/pricing, to which it hands its rules (Offers, Coupons).
package marketing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/jsonb"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/audit"
	"github.com/shoplet/shoplet/tenant/pricing"
	"gorm.io/gorm"
)

// Marks remembers, briefly, coupons that have run out, so the crowd that
// follows the last unit is refused without database work. A mark only
// refuses early: the conditional update of the issued count stays the only
// way to issue, and a coupon never comes back once gone.
type Marks interface {
	Marked(ctx context.Context, ids []string) (int, error)
	Mark(ctx context.Context, id string)
}

// Service is the marketing of the tenant in ctx.
type Service struct {
	T     *tenant.Store
	Audit *audit.Log
	Gone  Marks // may be nil
	// Now is the clock (tests move it); nil: time.Now.
	Now func() time.Time
	// Offered tells whether the store in ctx offers marketing to shoppers
	// (its plan includes the module); nil: always. When it does not, the
	// coupon centre is empty, claims are refused, and pricing sees neither
	// promotions nor coupons. What staff made stays and reads as before;
	// orders already placed keep their discounts.
	Offered func(ctx context.Context) (bool, error)
	// OnCoupon runs after a coupon is created (schedules the store's expiry
	// job); may be nil.
	OnCoupon func(ctx context.Context)
}

func (s *Service) offered(ctx context.Context) (bool, error) {
	if s.Offered == nil {
		return true, nil
	}
	return s.Offered(ctx)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

var cst = time.FixedZone("CST", 8*3600)

func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return errs.NotFoundf(what)
	}
	return err
}

// --- shipping templates ---

// ShippingTemplate is a store's 运费模板; products pick one.
type ShippingTemplate struct {
	tenant.Base
	ID             string                           `gorm:"primaryKey" json:"id"`
	Name           string                           `json:"name"`
	Mode           string                           `json:"mode"`
	DefaultRate    jsonb.JSON[pricing.Rate]         `json:"default_rate"`
	Regions        jsonb.JSON[[]pricing.RegionRate] `json:"regions"`
	Undeliverable  jsonb.JSON[[]string]             `json:"undeliverable"`
	FreeOverAmount int64                            `json:"free_over_amount"`
	FreeOverCount  int64                            `json:"free_over_count"`
	CreatedAt      time.Time                        `json:"created_at"`
	UpdatedAt      time.Time                        `json:"updated_at"`
}

// TemplateInput creates or replaces a shipping template.
type TemplateInput struct {
	Name string `json:"name" binding:"required" text:"name"`
	// Mode is piece, weight (grams) or flat (one fee per order, e.g. cross-border).
	Mode           string               `json:"mode" binding:"required"`
	DefaultRate    pricing.Rate         `json:"default_rate"`
	Regions        []pricing.RegionRate `json:"regions"`
	Undeliverable  []string             `json:"undeliverable"` // provinces
	FreeOverAmount int64                `json:"free_over_amount"`
	FreeOverCount  int64                `json:"free_over_count"`
}

// MaxFee bounds a shipping fee (10,000 yuan).
const MaxFee = 1_000_000

func checkRate(f *errs.Fields, field string, r pricing.Rate, mode string) {
	nonNegative(f, map[string]int64{field + ".first": r.First, field + ".first_fee": r.FirstFee, field + ".additional": r.Additional,
		field + ".additional_fee": r.AdditionalFee})
	if !f.Empty() {
		return
	}
	if r.FirstFee < 0 || r.FirstFee > MaxFee || r.AdditionalFee < 0 || r.AdditionalFee > MaxFee {
		f.Add(field, "out_of_range", fmt.Sprintf("fees must be between 0 and %d fen", MaxFee))
	}
	if r.First < 0 || r.Additional < 0 || r.First > 1_000_000 || r.Additional > 1_000_000 {
		f.Add(field, "out_of_range", "units must be between 0 and 1000000")
	}
	if mode != pricing.Flat && r.AdditionalFee > 0 && r.Additional == 0 {
		f.Add(field+".additional", "required", "say how many more units each additional fee covers")
	}
}

func (in *TemplateInput) validate() error {
	var f errs.Fields
	in.Name = strings.TrimSpace(in.Name)
	if f.Required("name", in.Name) {
		f.MaxLen("name", in.Name, 40)
	}
	if in.Mode != pricing.ByPiece && in.Mode != pricing.ByWeight && in.Mode != pricing.Flat {
		f.Add("mode", "invalid_choice", "must be one of piece, weight, flat")
	}
	checkRate(&f, "default_rate", in.DefaultRate, in.Mode)
	if len(in.Regions) > 40 {
		f.Add("regions", "too_many", "at most 40 regions")
	}
	for i, r := range in.Regions {
		checkRate(&f, fmt.Sprintf("regions[%d]", i), r.Rate, in.Mode)
		if len(r.Provinces) == 0 || len(r.Provinces) > 40 {
			f.Add(fmt.Sprintf("regions[%d].provinces", i), "out_of_range", "name 1 to 40 provinces")
		}
	}
	if len(in.Undeliverable) > 40 {
		f.Add("undeliverable", "too_many", "at most 40 provinces")
	}
	nonNegative(&f, map[string]int64{"free_over_amount": in.FreeOverAmount, "free_over_count": in.FreeOverCount})
	if in.Regions == nil {
		in.Regions = []pricing.RegionRate{}
	}
	if in.Undeliverable == nil {
		in.Undeliverable = []string{}
	}
	return f.Err()
}

// Templates lists the store's shipping templates.
func (s *Service) Templates(ctx context.Context) ([]ShippingTemplate, error) {
	out := []ShippingTemplate{}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Order("id").Limit(200).Find(&out).Error
	})
	return out, err
}

// SaveTemplate creates (id "") or replaces a shipping template.
func (s *Service) SaveTemplate(ctx context.Context, id string, in TemplateInput) (ShippingTemplate, error) {
	if err := in.validate(); err != nil {
		return ShippingTemplate{}, err
	}
	now := s.now()
	t := ShippingTemplate{ID: id, Name: in.Name, Mode: in.Mode, DefaultRate: jsonb.Of(in.DefaultRate), Regions: jsonb.Of(in.Regions),
		Undeliverable: jsonb.Of(in.Undeliverable), FreeOverAmount: in.FreeOverAmount, FreeOverCount: in.FreeOverCount, CreatedAt: now, UpdatedAt: now}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx)
		if id == "" {
			t.ID = ids.New()
			if err := q.Create(&t).Error; err != nil {
				return err
			}
			return s.Audit.Record(ctx, "marketing.template_created", "shipping_template", t.ID, map[string]any{"name": t.Name})
		}
		var old ShippingTemplate
		if !ids.Valid(id) {
			return errs.NotFoundf("shipping template")
		}
		if err := q.Where("id = ?", id).Take(&old).Error; err != nil {
			return notFound(err, "shipping template")
		}
		t.CreatedAt = old.CreatedAt
		if err := q.Model(&ShippingTemplate{}).Where("id = ?", id).Select("name", "mode", "default_rate", "regions", "undeliverable",
			"free_over_amount", "free_over_count", "updated_at").Updates(&t).Error; err != nil {
			return err
		}
		return s.Audit.Record(ctx, "marketing.template_updated", "shipping_template", id, map[string]any{"name": t.Name})
	})
	return t, err
}

// DeleteTemplate removes a template no product uses.
func (s *Service) DeleteTemplate(ctx context.Context, id string) error {
	if !ids.Valid(id) {
		return errs.NotFoundf("shipping template")
	}
	return s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx)
		var t ShippingTemplate
		if err := q.Where("id = ?", id).Take(&t).Error; err != nil {
			return notFound(err, "shipping template")
		}
		var n int64
		if err := q.Table("products").Where("shipping_template_id = ?", id).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "template_in_use", fmt.Sprintf("%d products use this template; give them another first", n))
		}
		if err := q.Where("id = ?", id).Delete(&ShippingTemplate{}).Error; err != nil {
			return err
		}
		return s.Audit.Record(ctx, "marketing.template_deleted", "shipping_template", id, map[string]any{"name": t.Name})
	})
}

func (t ShippingTemplate) pricing() pricing.ShippingTemplate {
	return pricing.ShippingTemplate{ID: t.ID, Mode: t.Mode, Default: t.DefaultRate.V, Regions: t.Regions.V, Undeliverable: t.Undeliverable.V,
		FreeOverAmount: t.FreeOverAmount, FreeOverCount: t.FreeOverCount}
}

// Offers returns the promotions running now and the shipping templates the
// lines name, read in the transaction in ctx (order checkout calls it).
func (s *Service) Offers(ctx context.Context, lines []pricing.Line) ([]pricing.Promotion, map[string]pricing.ShippingTemplate, error) {
	q := s.T.Q(ctx)
	now := s.now()
	var promos []Promotion
	if on, err := s.offered(ctx); err != nil {
		return nil, nil, err
	} else if !on {
		promos = nil
	} else if err := q.Where("status = ? AND starts_at <= ? AND ends_at > ?", Active, now, now).Order("id").Limit(100).Find(&promos).Error; err != nil {
		return nil, nil, err
	}
	out := make([]pricing.Promotion, len(promos))
	for i, p := range promos {
		out[i] = p.pricing()
	}
	var want []string
	for _, l := range lines {
		if l.ShippingTemplateID != "" {
			want = append(want, l.ShippingTemplateID)
		}
	}
	tpls := map[string]pricing.ShippingTemplate{}
	if len(want) > 0 {
		var ts []ShippingTemplate
		if err := q.Where("id IN ?", want).Find(&ts).Error; err != nil {
			return nil, nil, err
		}
		for _, t := range ts {
			tpls[t.ID] = t.pricing()
		}
	}
	return out, tpls, nil
}
