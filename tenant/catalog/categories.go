package catalog

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/audit"
	"gorm.io/gorm"
)

// MaxDepth is how deep the category tree may go.
const MaxDepth = 3

// BusinessCategories answers questions about the store's business categories;
// implemented by onboard.Stores (wired in cmd).
type BusinessCategories interface {
	DeclaredCategory(ctx context.Context, category string) (bool, error)
	ActiveCategory(ctx context.Context, category string) (bool, error)
}

// Images checks that product images exist in the tenant; implemented by files.Store.
type Images interface {
	Exist(ctx context.Context, purpose string, ids []string) error
}

// Service is the catalog of the tenant in ctx.
type Service struct {
	T      *tenant.Store
	Audit  *audit.Log
	Biz    BusinessCategories
	Images Images
	// OnChange is called after a committed change to a product, e.g. to
	// invalidate the shop's tenant-keyed cache. May be nil.
	OnChange func(ctx context.Context, productIDs ...string)
	// Quota reserves room for one more product under the store's plan,
	// inside the creating transaction (tenant/billing implements it); it
	// returns a plan_limit error when the plan is full. May be nil.
	Quota interface {
		Reserve(ctx context.Context, limit string) error
	}
}

// LimitProducts names the product limit for Quota.Reserve.
const LimitProducts = "products"

// CategoryInput creates or renames a category.
type CategoryInput struct {
	Name     string  `json:"name" binding:"required" text:"name"`
	ParentID *string `json:"parent_id"`
	Sort     *int    `json:"sort"`
}

// Categories returns the tree, siblings ordered by sort then name.
func (s *Service) Categories(ctx context.Context) ([]*Category, error) {
	var all []*Category
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Order("sort, name").Find(&all).Error
	})
	if err != nil {
		return nil, err
	}
	byID := map[string]*Category{}
	for _, c := range all {
		byID[c.ID] = c
	}
	roots := []*Category{}
	for _, c := range all {
		if c.ParentID != nil && byID[*c.ParentID] != nil {
			p := byID[*c.ParentID]
			p.Children = append(p.Children, c)
		} else {
			roots = append(roots, c)
		}
	}
	return roots, nil
}

func (s *Service) category(ctx context.Context, id string) (Category, error) {
	var c Category
	if !ids.Valid(id) {
		return c, errs.NotFoundf("category")
	}
	err := s.T.Q(ctx).Where("id = ?", id).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return c, errs.NotFoundf("category")
	}
	return c, err
}

func (s *Service) depth(ctx context.Context, c Category) (int, error) {
	d := 1
	for c.ParentID != nil {
		p, err := s.category(ctx, *c.ParentID)
		if err != nil {
			return 0, err
		}
		c = p
		d++
		if d > MaxDepth+1 {
			break
		}
	}
	return d, nil
}

func validateCategory(in CategoryInput, f *errs.Fields) string {
	name := strings.TrimSpace(in.Name)
	if f.Required("name", name) {
		f.MaxLen("name", name, 40)
	}
	if in.Sort != nil && (*in.Sort < 0 || *in.Sort > 1_000_000) {
		f.Add("sort", "out_of_range", "must be between 0 and 1000000")
	}
	if in.ParentID != nil && *in.ParentID != "" && !ids.Valid(*in.ParentID) {
		f.Add("parent_id", "invalid_id", "must be a category id, or empty for a top-level category")
	}
	return name
}

func (s *Service) checkSibling(ctx context.Context, parent *string, name, except string) error {
	q := s.T.Q(ctx).Model(&Category{}).Where("name = ?", name)
	if except != "" {
		q = q.Where("id <> ?", except)
	}
	if parent == nil {
		q = q.Where("parent_id IS NULL")
	} else {
		q = q.Where("parent_id = ?", *parent)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return &errs.Error{Kind: errs.Conflict, Code: "category_name_taken", Message: "a sibling category has this name",
			Fields: []errs.FieldError{{Field: "name", Code: "taken", Message: "is used by another category at this level"}}}
	}
	return nil
}

// CreateCategory adds a category under ParentID (nil for a root).
func (s *Service) CreateCategory(ctx context.Context, in CategoryInput) (Category, error) {
	if in.ParentID != nil && *in.ParentID == "" {
		in.ParentID = nil // the console sends "" for a top-level category
	}
	var f errs.Fields
	name := validateCategory(in, &f)
	if err := f.Err(); err != nil {
		return Category{}, err
	}
	now := time.Now().UTC()
	c := Category{ID: ids.New(), ParentID: in.ParentID, Name: name, CreatedAt: now, UpdatedAt: now}
	if in.Sort != nil {
		c.Sort = *in.Sort
	}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		if in.ParentID != nil {
			p, err := s.category(ctx, *in.ParentID)
			if err != nil {
				return errs.Field("parent_id", "not_found", "no category has this id")
			}
			d, err := s.depth(ctx, p)
			if err != nil {
				return err
			}
			if d >= MaxDepth {
				return errs.Field("parent_id", "too_deep", "categories nest at most 3 levels")
			}
		}
		if err := s.checkSibling(ctx, in.ParentID, name, ""); err != nil {
			return err
		}
		if err := s.T.Q(ctx).Create(&c).Error; err != nil {
			return err
		}
		return s.Audit.Record(ctx, "catalog.category_created", "category", c.ID, map[string]any{"name": name})
	})
	if err == nil {
		s.changed(ctx, c.ID)
	}
	return c, err
}

// UpdateCategory renames or reorders a category (moving is not supported: delete and recreate).
func (s *Service) UpdateCategory(ctx context.Context, id string, in CategoryInput) (Category, error) {
	var f errs.Fields
	name := validateCategory(in, &f)
	if err := f.Err(); err != nil {
		return Category{}, err
	}
	var c Category
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		var err error
		if c, err = s.category(ctx, id); err != nil {
			return err
		}
		if p := in.ParentID; p != nil && *p != "" && (c.ParentID == nil || *c.ParentID != *p) {
			return errs.Field("parent_id", "cannot_move", "a category cannot be moved; delete it and create it under the new parent")
		}
		if err := s.checkSibling(ctx, c.ParentID, name, id); err != nil {
			return err
		}
		upd := map[string]any{"name": name, "updated_at": time.Now().UTC()}
		if in.Sort != nil {
			upd["sort"] = *in.Sort
		}
		if err := s.T.Q(ctx).Model(&Category{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return err
		}
		if c, err = s.category(ctx, id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, "catalog.category_updated", "category", id, map[string]any{"name": name})
	})
	if err == nil {
		s.changed(ctx, id)
	}
	return c, err
}

// DeleteCategory removes an empty category (no children, no products).
func (s *Service) DeleteCategory(ctx context.Context, id string) error {
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.category(ctx, id); err != nil {
			return err
		}
		var n int64
		if err := s.T.Q(ctx).Model(&Category{}).Where("parent_id = ?", id).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "category_has_children", "delete or move its subcategories first")
		}
		if err := s.T.Q(ctx).Model(&Product{}).Where("category_id = ?", id).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "category_in_use", "products use this category; move them first")
		}
		if err := s.T.Q(ctx).Where("id = ?", id).Delete(&Category{}).Error; err != nil {
			return err
		}
		return s.Audit.Record(ctx, "catalog.category_deleted", "category", id, nil)
	})
	if err == nil {
		s.changed(ctx, id)
	}
	return err
}

func actor(ctx context.Context) tenant.Actor { return tenant.ActorFrom(ctx) }
