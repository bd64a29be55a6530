package catalog

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shoplet/shoplet/pkg/db"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/pkg/ids"
	"github.com/shoplet/shoplet/pkg/jsonb"
	"github.com/shoplet/shoplet/tenant/files"
	"gorm.io/gorm"
)

// Limits on product input.
const (
	MaxSpecs       = 3
	MaxSpecValues  = 30
	MaxSKUs        = 600
	MaxImages      = 15
	MaxAttributes  = 30
	MaxPrice       = 100_000_000_00 // ¥100,000,000.00 in fen
	MaxStock       = 10_000_000
	MaxWeight      = 1_000_000 // grams
	MaxDescription = 20_000
)

// SKUInput is one SKU of a product input.
type SKUInput struct {
	Spec        map[string]string `json:"spec"`
	Price       int64             `json:"price" binding:"required"`
	MarketPrice int64             `json:"market_price"`
	Stock       int64             `json:"stock" binding:"required"`
	Barcode     string            `json:"barcode"`
	Weight      int64             `json:"weight"` // grams
}

// ProductInput creates or replaces a product.
type ProductInput struct {
	Title            string  `json:"title" binding:"required" text:"name"`
	Subtitle         string  `json:"subtitle"`
	CategoryID       *string `json:"category_id"`
	BusinessCategory string  `json:"business_category" binding:"required"`
	// ShippingTemplateID picks one of the store's shipping templates (none: shipped free).
	ShippingTemplateID *string     `json:"shipping_template_id"`
	Specs              []Spec      `json:"specs"`
	Attributes         []Attribute `json:"attributes"`
	Images             []string    `json:"images"`
	Description        string      `json:"description"`
	SKUs               []SKUInput  `json:"skus" binding:"required"`
}

// specKey is the canonical identity of a spec combination, in spec order.
func specKey(specs []Spec, v map[string]string) string {
	parts := make([]string, 0, len(specs))
	for _, s := range specs {
		parts = append(parts, s.Name+"="+v[s.Name])
	}
	return strings.Join(parts, "|")
}

// validate checks in and returns the SKUs in spec-matrix order.
func validate(in *ProductInput) error {
	var f errs.Fields
	in.Title = strings.TrimSpace(in.Title)
	if f.Required("title", in.Title) {
		f.MaxLen("title", in.Title, 100)
	}
	in.Subtitle = strings.TrimSpace(in.Subtitle)
	f.MaxLen("subtitle", in.Subtitle, 200)
	f.MaxLen("description", in.Description, MaxDescription)
	in.Description = SanitizeDescription(in.Description)
	f.Required("business_category", in.BusinessCategory)
	if in.CategoryID != nil && !ids.Valid(*in.CategoryID) {
		f.Add("category_id", "not_found", "no category has this id")
	}
	if in.ShippingTemplateID != nil && !ids.Valid(*in.ShippingTemplateID) {
		f.Add("shipping_template_id", "not_found", "no shipping template has this id")
	}
	if len(in.Images) > MaxImages {
		f.Add("images", "too_many", fmt.Sprintf("at most %d images", MaxImages))
	}
	if len(in.Attributes) > MaxAttributes {
		f.Add("attributes", "too_many", fmt.Sprintf("at most %d attributes", MaxAttributes))
	}
	for i, a := range in.Attributes {
		if strings.TrimSpace(a.Name) == "" {
			f.Add(fmt.Sprintf("attributes[%d].name", i), "required", "is required")
		}
		f.MaxLen(fmt.Sprintf("attributes[%d].name", i), a.Name, 40)
		f.MaxLen(fmt.Sprintf("attributes[%d].value", i), a.Value, 200)
	}
	if len(in.Specs) > MaxSpecs {
		f.Add("specs", "too_many", fmt.Sprintf("at most %d specs", MaxSpecs))
	}
	combos := 1
	seenSpec := map[string]bool{}
	for i, s := range in.Specs {
		name := strings.TrimSpace(s.Name)
		field := fmt.Sprintf("specs[%d]", i)
		if name == "" {
			f.Add(field+".name", "required", "is required")
		} else if seenSpec[name] {
			f.Add(field+".name", "duplicate", "is used by another spec")
		}
		f.MaxLen(field+".name", name, 20)
		seenSpec[name] = true
		in.Specs[i].Name = name
		if len(s.Values) == 0 || len(s.Values) > MaxSpecValues {
			f.Add(field+".values", "out_of_range", fmt.Sprintf("give 1 to %d values", MaxSpecValues))
		}
		seenVal := map[string]bool{}
		for j, v := range s.Values {
			v = strings.TrimSpace(v)
			in.Specs[i].Values[j] = v
			vf := fmt.Sprintf("%s.values[%d]", field, j)
			if v == "" {
				f.Add(vf, "required", "is required")
			} else if seenVal[v] {
				f.Add(vf, "duplicate", "is listed twice")
			}
			f.MaxLen(vf, v, 40)
			seenVal[v] = true
		}
		combos *= max(len(s.Values), 1)
	}
	if !f.Empty() {
		return f.Err()
	}
	if len(in.SKUs) == 0 {
		f.Add("skus", "required", "give at least one SKU")
	}
	if combos > MaxSKUs || len(in.SKUs) > MaxSKUs {
		f.Add("skus", "too_many", fmt.Sprintf("at most %d SKUs", MaxSKUs))
	}
	if !f.Empty() {
		return f.Err()
	}
	seen := map[string]int{}
	for i, s := range in.SKUs {
		field := fmt.Sprintf("skus[%d]", i)
		if len(s.Spec) != len(in.Specs) {
			f.Add(field+".spec", "invalid", fmt.Sprintf("must give a value for each of the %d specs and nothing else", len(in.Specs)))
		} else {
			for _, sp := range in.Specs {
				v, ok := s.Spec[sp.Name]
				found := false
				for _, x := range sp.Values {
					if x == v {
						found = true
					}
				}
				if !ok || !found {
					f.Add(field+".spec."+sp.Name, "invalid_choice", fmt.Sprintf("must be one of %v", sp.Values))
				}
			}
		}
		k := specKey(in.Specs, s.Spec)
		if j, dup := seen[k]; dup {
			f.Add(field+".spec", "duplicate", fmt.Sprintf("same combination as skus[%d]", j))
		}
		seen[k] = i
		if s.Price < 0 || s.Price > MaxPrice {
			f.Add(field+".price", "out_of_range", "must be between 0 and 10000000000 fen")
		}
		if s.MarketPrice < 0 || s.MarketPrice > MaxPrice {
			f.Add(field+".market_price", "out_of_range", "must be between 0 and 10000000000 fen")
		}
		if s.Stock < 0 || s.Stock > MaxStock {
			f.Add(field+".stock", "out_of_range", fmt.Sprintf("must be between 0 and %d", MaxStock))
		}
		f.MaxLen(field+".barcode", s.Barcode, 64)
		if s.Weight < 0 || s.Weight > MaxWeight {
			f.Add(field+".weight", "out_of_range", fmt.Sprintf("must be between 0 and %d grams", MaxWeight))
		}
	}
	if f.Empty() && len(in.SKUs) != combos {
		f.Add("skus", "incomplete_matrix", fmt.Sprintf("give one SKU for each of the %d spec combinations", combos))
	}
	return f.Err()
}

func searchText(in ProductInput) string {
	parts := []string{in.Title, in.Subtitle}
	for _, s := range in.SKUs {
		parts = append(parts, s.Barcode)
	}
	return strings.ToLower(strings.Join(parts, " "))
}

func (s *Service) checkRefs(ctx context.Context, in ProductInput) error {
	ok, err := s.Biz.DeclaredCategory(ctx, in.BusinessCategory)
	if err != nil {
		return err
	}
	if !ok {
		return errs.Field("business_category", "not_declared", "is not one of this store's business categories")
	}
	if in.CategoryID != nil {
		if _, err := s.category(ctx, *in.CategoryID); err != nil {
			return errs.Field("category_id", "not_found", "no category has this id")
		}
	}
	if in.ShippingTemplateID != nil {
		var n int64
		if err := s.T.Q(ctx).Table("shipping_templates").Where("id = ?", *in.ShippingTemplateID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return errs.Field("shipping_template_id", "not_found", "no shipping template has this id")
		}
	}
	if err := s.Images.Exist(ctx, files.Image, in.Images); err != nil {
		if errs.Is(err, errs.NotFound) {
			return errs.Field("images", "not_found", "every image must be uploaded to this store first")
		}
		return err
	}
	return nil
}

// Create adds a product as a draft with its SKUs.
func (s *Service) Create(ctx context.Context, in ProductInput) (Product, error) {
	if err := validate(&in); err != nil {
		return Product{}, err
	}
	now := time.Now().UTC()
	p := Product{ID: ids.New(), Status: Draft, CreatedAt: now, CreatedBy: actorID(ctx)}
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		if s.Quota != nil {
			if err := s.Quota.Reserve(ctx, LimitProducts); err != nil {
				return err
			}
		}
		if err := s.checkRefs(ctx, in); err != nil {
			return err
		}
		apply(&p, in, now)
		if err := s.T.Q(ctx).Create(&p).Error; err != nil {
			return err
		}
		skus := make([]SKU, len(in.SKUs))
		for i, si := range in.SKUs {
			skus[i] = newSKU(p.ID, in.Specs, si, i, now)
		}
		if err := s.T.Q(ctx).Create(&skus).Error; err != nil {
			return err
		}
		p.SKUs = skus
		return s.Audit.Record(ctx, "catalog.product_created", "product", p.ID, map[string]any{"title": p.Title, "skus": len(skus)})
	})
	if err != nil {
		return Product{}, err
	}
	s.changed(ctx, p.ID)
	return p, nil
}

func newSKU(productID string, specs []Spec, si SKUInput, pos int, now time.Time) SKU {
	if si.Spec == nil {
		si.Spec = map[string]string{}
	}
	return SKU{ID: ids.New(), ProductID: productID, SpecKey: specKey(specs, si.Spec), SpecValues: jsonb.Of(si.Spec),
		Price: si.Price, MarketPrice: si.MarketPrice, Stock: si.Stock, Weight: si.Weight, Barcode: si.Barcode, Position: pos, CreatedAt: now, UpdatedAt: now}
}

func apply(p *Product, in ProductInput, now time.Time) {
	p.Title, p.Subtitle, p.CategoryID, p.BusinessCategory = in.Title, in.Subtitle, in.CategoryID, in.BusinessCategory
	p.ShippingTemplateID = in.ShippingTemplateID
	if in.Specs == nil {
		in.Specs = []Spec{}
	}
	if in.Attributes == nil {
		in.Attributes = []Attribute{}
	}
	if in.Images == nil {
		in.Images = []string{}
	}
	p.Specs, p.Attributes, p.Images = jsonb.Of(in.Specs), jsonb.Of(in.Attributes), jsonb.Of(in.Images)
	p.Description = in.Description
	p.SearchText = searchText(in)
	p.MinPrice, p.MaxPrice, p.TotalStock = 0, 0, 0
	for i, s := range in.SKUs {
		if i == 0 || s.Price < p.MinPrice {
			p.MinPrice = s.Price
		}
		if s.Price > p.MaxPrice {
			p.MaxPrice = s.Price
		}
		p.TotalStock += s.Stock
	}
	p.UpdatedAt = now
}

func actorID(ctx context.Context) string { return actor(ctx).AccountID }

// Get returns a product with its SKUs; not_found for another tenant's product.
func (s *Service) Get(ctx context.Context, id string) (Product, error) {
	var p Product
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		var err error
		p, err = s.get(ctx, id)
		if err != nil {
			return err
		}
		return s.T.Q(ctx).Where("product_id = ?", id).Order("position").Find(&p.SKUs).Error
	})
	return p, err
}

func (s *Service) get(ctx context.Context, id string) (Product, error) {
	var p Product
	if !ids.Valid(id) {
		return p, errs.NotFoundf("product")
	}
	err := s.T.Q(ctx).Where("id = ?", id).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return p, errs.NotFoundf("product")
	}
	return p, err
}

// Update replaces a product's fields and SKU matrix. SKUs keep their ids when
// their spec combination stays; combinations that disappear are deleted.
func (s *Service) Update(ctx context.Context, id string, in ProductInput) (Product, error) {
	if err := validate(&in); err != nil {
		return Product{}, err
	}
	now := time.Now().UTC()
	var p Product
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		var err error
		if p, err = s.get(ctx, id); err != nil {
			return err
		}
		if err := s.checkRefs(ctx, in); err != nil {
			return err
		}
		if p.Status == OnShelf {
			if ok, err := s.Biz.ActiveCategory(ctx, in.BusinessCategory); err != nil {
				return err
			} else if !ok {
				return errs.Field("business_category", "category_not_active", "an on-shelf product must stay in an approved category")
			}
		}
		apply(&p, in, now)
		// Select every column: GORM's Updates(struct) skips zero values, which
		// would keep an old price or stock when the new one is 0.
		if err := s.T.Q(ctx).Model(&Product{}).Where("id = ?", id).
			Select("title", "subtitle", "category_id", "business_category", "shipping_template_id", "specs", "attributes", "images", "description",
				"min_price", "max_price", "total_stock", "search_text", "updated_at").Updates(&p).Error; err != nil {
			return err
		}
		var old []SKU
		if err := s.T.Q(ctx).Where("product_id = ?", id).Find(&old).Error; err != nil {
			return err
		}
		byKey := map[string]SKU{}
		for _, o := range old {
			byKey[o.SpecKey] = o
		}
		keep := map[string]bool{}
		p.SKUs = nil
		for i, si := range in.SKUs {
			n := newSKU(id, in.Specs, si, i, now)
			if o, ok := byKey[n.SpecKey]; ok {
				n.ID, n.CreatedAt = o.ID, o.CreatedAt
				keep[o.ID] = true
				if err := s.T.Q(ctx).Model(&SKU{}).Where("id = ?", o.ID).Updates(map[string]any{
					"spec_values": n.SpecValues, "price": n.Price, "market_price": n.MarketPrice, "stock": n.Stock,
					"weight": n.Weight, "barcode": n.Barcode, "position": i, "updated_at": now}).Error; err != nil {
					return err
				}
			} else if err := s.T.Q(ctx).Create(&n).Error; err != nil {
				return err
			}
			p.SKUs = append(p.SKUs, n)
		}
		var drop []string
		for _, o := range old {
			if !keep[o.ID] {
				drop = append(drop, o.ID)
			}
		}
		if len(drop) > 0 {
			if err := s.T.Q(ctx).Where("id IN ?", drop).Delete(&SKU{}).Error; err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, "catalog.product_updated", "product", id, map[string]any{"title": p.Title, "skus": len(p.SKUs), "skus_removed": len(drop)})
	})
	if err != nil {
		return Product{}, err
	}
	s.changed(ctx, id)
	return p, nil
}

// Delete removes a product and its SKUs.
func (s *Service) Delete(ctx context.Context, id string) error {
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		p, err := s.get(ctx, id)
		if err != nil {
			return err
		}
		if err := s.T.Q(ctx).Where("product_id = ?", id).Delete(&SKU{}).Error; err != nil {
			return err
		}
		if err := s.T.Q(ctx).Where("id = ?", id).Delete(&Product{}).Error; err != nil {
			return err
		}
		return s.Audit.Record(ctx, "catalog.product_deleted", "product", id, map[string]any{"title": p.Title})
	})
	if err == nil {
		s.changed(ctx, id)
	}
	return err
}

// SKUPatch changes one SKU; nil fields stay. Zero is a value, not "unchanged".
type SKUPatch struct {
	Price       *int64  `json:"price"`
	MarketPrice *int64  `json:"market_price"`
	Stock       *int64  `json:"stock"`
	Barcode     *string `json:"barcode"`
}

// PatchSKU changes a SKU's price, stock or barcode and refreshes the product's summary.
func (s *Service) PatchSKU(ctx context.Context, skuID string, in SKUPatch) (SKU, error) {
	var f errs.Fields
	upd := map[string]any{}
	if in.Price != nil {
		if *in.Price < 0 || *in.Price > MaxPrice {
			f.Add("price", "out_of_range", "must be between 0 and 10000000000 fen")
		}
		upd["price"] = *in.Price
	}
	if in.MarketPrice != nil {
		if *in.MarketPrice < 0 || *in.MarketPrice > MaxPrice {
			f.Add("market_price", "out_of_range", "must be between 0 and 10000000000 fen")
		}
		upd["market_price"] = *in.MarketPrice
	}
	if in.Stock != nil {
		if *in.Stock < 0 || *in.Stock > MaxStock {
			f.Add("stock", "out_of_range", fmt.Sprintf("must be between 0 and %d", MaxStock))
		}
		upd["stock"] = *in.Stock
	}
	if in.Barcode != nil {
		f.MaxLen("barcode", *in.Barcode, 64)
		upd["barcode"] = *in.Barcode
	}
	if err := f.Err(); err != nil {
		return SKU{}, err
	}
	if len(upd) == 0 {
		return SKU{}, errs.Field("body", "empty", "give at least one of price, market_price, stock, barcode")
	}
	if !ids.Valid(skuID) {
		return SKU{}, errs.NotFoundf("sku")
	}
	now := time.Now().UTC()
	upd["updated_at"] = now
	var sku SKU
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		err := s.T.Q(ctx).Where("id = ?", skuID).Take(&sku).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return errs.NotFoundf("sku")
		}
		if err != nil {
			return err
		}
		if err := s.T.Q(ctx).Model(&SKU{}).Where("id = ?", skuID).Updates(upd).Error; err != nil {
			return err
		}
		if err := s.T.Q(ctx).Where("id = ?", skuID).Take(&sku).Error; err != nil {
			return err
		}
		if err := s.refreshSummary(ctx, sku.ProductID, now); err != nil {
			return err
		}
		detail := map[string]any{}
		for k, v := range upd {
			if k != "updated_at" {
				detail[k] = v
			}
		}
		return s.Audit.Record(ctx, "catalog.sku_updated", "sku", skuID, detail)
	})
	if err != nil {
		return SKU{}, err
	}
	s.changed(ctx, sku.ProductID)
	return sku, nil
}

func (s *Service) refreshSummary(ctx context.Context, productID string, now time.Time) error {
	var agg struct {
		MinPrice, MaxPrice, TotalStock int64
	}
	if err := s.T.Q(ctx).Model(&SKU{}).Select("COALESCE(MIN(price),0) AS min_price, COALESCE(MAX(price),0) AS max_price, COALESCE(SUM(stock),0) AS total_stock").
		Where("product_id = ?", productID).Scan(&agg).Error; err != nil {
		return err
	}
	return s.T.Q(ctx).Model(&Product{}).Where("id = ?", productID).Updates(map[string]any{
		"min_price": agg.MinPrice, "max_price": agg.MaxPrice, "total_stock": agg.TotalStock, "updated_at": now}).Error
}

// SetStatus puts one product on or off the shelf. Going on shelf needs the
// product's business category to be approved for the store.
func (s *Service) SetStatus(ctx context.Context, id, status string) (Product, error) {
	res, err := s.BulkStatus(ctx, []string{id}, status)
	if err != nil {
		return Product{}, err
	}
	if r := res[0]; r.Error != nil {
		return Product{}, r.Error
	}
	return s.Get(ctx, id)
}

// BulkResult is the outcome for one product of a bulk change.
type BulkResult struct {
	ID    string      `json:"id"`
	OK    bool        `json:"ok"`
	Error *errs.Error `json:"-"`
	Code  string      `json:"code,omitempty"`
	Msg   string      `json:"message,omitempty"`
}

// MaxBulk is the most products one bulk request may change.
const MaxBulk = 500

// BulkStatus moves many products on or off the shelf in one transaction and
// reports per product; products that cannot move are left as they were.
func (s *Service) BulkStatus(ctx context.Context, idList []string, status string) ([]BulkResult, error) {
	var f errs.Fields
	if status != OnShelf && status != OffShelf && status != Draft {
		f.Add("status", "invalid_choice", "must be on_shelf, off_shelf or draft")
	}
	if len(idList) == 0 || len(idList) > MaxBulk {
		f.Add("ids", "out_of_range", fmt.Sprintf("give 1 to %d product ids", MaxBulk))
	} else {
		bad := 0
		for i, id := range idList {
			if !ids.Valid(id) && bad < 10 {
				f.Add(fmt.Sprintf("ids[%d]", i), "invalid_id", "must be a product id")
				bad++
			}
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	out := make([]BulkResult, len(idList))
	var changed []string
	now := time.Now().UTC()
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		valid := []string{}
		for _, id := range idList {
			if ids.Valid(id) {
				valid = append(valid, id)
			}
		}
		var ps []Product
		if len(valid) > 0 {
			if err := s.T.Q(ctx).Select("id", "tenant_id", "business_category", "status", "total_stock").Where("id IN ?", valid).Find(&ps).Error; err != nil {
				return err
			}
		}
		byID := map[string]Product{}
		for _, p := range ps {
			byID[p.ID] = p
		}
		active := map[string]bool{}
		var move []string
		for i, id := range idList {
			out[i].ID = id
			p, ok := byID[id]
			if !ok {
				out[i].Error = errs.NotFoundf("product")
				continue
			}
			if status == OnShelf {
				a, seen := active[p.BusinessCategory]
				if !seen {
					var err error
					if a, err = s.Biz.ActiveCategory(ctx, p.BusinessCategory); err != nil {
						return err
					}
					active[p.BusinessCategory] = a
				}
				if !a {
					out[i].Error = errs.E(errs.Conflict, "category_not_active",
						fmt.Sprintf("business category %s is not approved for this store yet", p.BusinessCategory))
					continue
				}
			}
			out[i].OK = true
			if p.Status != status {
				move = append(move, id)
			}
		}
		if len(move) > 0 {
			if err := s.T.Q(ctx).Model(&Product{}).Where("id IN ?", move).Updates(map[string]any{"status": status, "updated_at": now}).Error; err != nil {
				return err
			}
			changed = move
			return s.Audit.Record(ctx, "catalog.products_status", "product", strings.Join(firstN(move, 20), ","), map[string]any{"status": status, "count": len(move)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Error != nil {
			out[i].Code, out[i].Msg = out[i].Error.Code, out[i].Error.Message
		}
	}
	s.changed(ctx, changed...)
	return out, nil
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (s *Service) changed(ctx context.Context, idList ...string) {
	if s.OnChange != nil && len(idList) > 0 {
		s.OnChange(ctx, idList...)
	}
}

// Sorts a list may use.
const (
	SortNewest    = "newest"
	SortOldest    = "oldest"
	SortPriceAsc  = "price_asc"
	SortPriceDesc = "price_desc"
)

// ListFilter narrows and orders a product list.
type ListFilter struct {
	Query            string
	Status           string
	CategoryID       string
	BusinessCategory string
	MinPrice         *int64
	MaxPrice         *int64
	InStock          *bool
	Sort             string
	Cursor           string
	Limit            int
}

type cursor struct {
	Price int64  `json:"p,omitempty"`
	ID    string `json:"i"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || !ids.Valid(c.ID) {
		return c, errs.Field("cursor", "invalid", "is not a cursor from this list")
	}
	return c, nil
}

// List returns a page of products and the cursor of the next page ("" at the
// end). Pages are keyset-based, so a page costs the same at any depth.
func (s *Service) List(ctx context.Context, f ListFilter) ([]ListItem, string, error) {
	var fe errs.Fields
	if f.Limit == 0 {
		f.Limit = 20
	}
	if f.Limit < 1 || f.Limit > 100 {
		fe.Add("limit", "out_of_range", "must be between 1 and 100")
	}
	if f.Sort == "" {
		f.Sort = SortNewest
	}
	switch f.Sort {
	case SortNewest, SortOldest, SortPriceAsc, SortPriceDesc:
	default:
		fe.Add("sort", "invalid_choice", "must be newest, oldest, price_asc or price_desc")
	}
	if f.Status != "" && f.Status != Draft && f.Status != OnShelf && f.Status != OffShelf {
		fe.Add("status", "invalid_choice", "must be draft, on_shelf or off_shelf")
	}
	if f.CategoryID != "" && !ids.Valid(f.CategoryID) {
		fe.Add("category_id", "invalid", "must be a category id")
	}
	fe.MaxLen("q", f.Query, 100)
	var cur cursor
	if f.Cursor != "" {
		var err error
		if cur, err = decodeCursor(f.Cursor); err != nil {
			return nil, "", err
		}
	}
	if err := fe.Err(); err != nil {
		return nil, "", err
	}
	var rows []Product
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		q := s.T.Q(ctx).Model(&Product{}).Select("id", "tenant_id", "title", "subtitle", "status", "category_id", "business_category",
			"min_price", "max_price", "total_stock", "images", "created_at", "updated_at")
		if f.Status != "" {
			q = q.Where("status = ?", f.Status)
		}
		if f.CategoryID != "" {
			q = q.Where("category_id = ?", f.CategoryID)
		}
		if f.BusinessCategory != "" {
			q = q.Where("business_category = ?", f.BusinessCategory)
		}
		if f.MinPrice != nil {
			q = q.Where("max_price >= ?", *f.MinPrice)
		}
		if f.MaxPrice != nil {
			q = q.Where("min_price <= ?", *f.MaxPrice)
		}
		if f.InStock != nil {
			if *f.InStock {
				q = q.Where("total_stock > 0")
			} else {
				q = q.Where("total_stock = 0")
			}
		}
		if kw := strings.ToLower(strings.TrimSpace(f.Query)); kw != "" {
			q = q.Where("search_text LIKE ? ESCAPE '\\'", "%"+db.EscapeLike(kw)+"%")
		}
		switch f.Sort {
		case SortNewest:
			if cur.ID != "" {
				q = q.Where("id < ?", cur.ID)
			}
			q = q.Order("id DESC")
		case SortOldest:
			if cur.ID != "" {
				q = q.Where("id > ?", cur.ID)
			}
			q = q.Order("id ASC")
		case SortPriceAsc:
			if cur.ID != "" {
				q = q.Where("(min_price > ? OR (min_price = ? AND id > ?))", cur.Price, cur.Price, cur.ID)
			}
			q = q.Order("min_price ASC, id ASC")
		case SortPriceDesc:
			if cur.ID != "" {
				q = q.Where("(min_price < ? OR (min_price = ? AND id < ?))", cur.Price, cur.Price, cur.ID)
			}
			q = q.Order("min_price DESC, id DESC")
		}
		return q.Limit(f.Limit + 1).Find(&rows).Error
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		last := rows[len(rows)-1]
		next = encodeCursor(cursor{Price: last.MinPrice, ID: last.ID})
	}
	out := make([]ListItem, len(rows))
	for i, p := range rows {
		cover := ""
		if len(p.Images.V) > 0 {
			cover = p.Images.V[0]
		}
		out[i] = ListItem{ID: p.ID, Title: p.Title, Subtitle: p.Subtitle, Status: p.Status, CategoryID: p.CategoryID,
			BusinessCategory: p.BusinessCategory, MinPrice: p.MinPrice, MaxPrice: p.MaxPrice, TotalStock: p.TotalStock,
			Cover: cover, LowStock: p.TotalStock <= LowStock, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	}
	return out, next, nil
}

// Counts returns how many products each status tab of the list holds, with
// the sold-out and low-stock ones, in one grouped query.
func (s *Service) Counts(ctx context.Context) (StatusCounts, error) {
	var rows []struct {
		Status string
		Stock  string
		N      int64
	}
	var out StatusCounts
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Model(&Product{}).
			Select("status, CASE WHEN total_stock = 0 THEN 'out' WHEN total_stock <= ? THEN 'low' ELSE 'ok' END AS stock, COUNT(*) AS n", LowStock).
			Group("status, stock").Scan(&rows).Error
	})
	if err != nil {
		return out, err
	}
	for _, r := range rows {
		out.All += r.N
		switch r.Status {
		case Draft:
			out.Draft += r.N
		case OnShelf:
			out.OnShelf += r.N
		case OffShelf:
			out.OffShelf += r.N
		}
		switch r.Stock {
		case "out":
			out.SoldOut += r.N
		case "low":
			out.LowStock += r.N
		}
	}
	return out, nil
}

// Covers returns the first image of each of the given products that has one,
// by product id: an order list shows them beside its lines.
func (s *Service) Covers(ctx context.Context, productIDs []string) (map[string]string, error) {
	out := map[string]string{}
	valid := make([]string, 0, len(productIDs))
	for _, id := range productIDs {
		if ids.Valid(id) {
			valid = append(valid, id)
		}
	}
	if len(valid) == 0 {
		return out, nil
	}
	var rows []Product
	err := s.T.Tx(ctx, func(ctx context.Context) error {
		return s.T.Q(ctx).Select("id", "tenant_id", "images").Where("id IN ?", valid).Find(&rows).Error
	})
	for _, p := range rows {
		if len(p.Images.V) > 0 {
			out[p.ID] = p.Images.V[0]
		}
	}
	return out, err
}
