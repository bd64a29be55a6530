package marketing

import (
	"context"
	"fmt"

	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/pricing"
	"gorm.io/gorm"
)

// dealUse is what a member holds of a limited deal with a per-member limit.
type dealUse struct {
	tenant.Base
	PromotionID string `gorm:"primaryKey"`
	SKUID       string `gorm:"primaryKey;column:sku_id"`
	MemberID    string `gorm:"primaryKey"`
	Units       int64
}

func (dealUse) TableName() string { return "deal_uses" }

// orderDealUse is what one order took of a deal.
type orderDealUse struct {
	tenant.Base
	OrderID     string `gorm:"primaryKey"`
	PromotionID string `gorm:"primaryKey"`
	SKUID       string `gorm:"primaryKey;column:sku_id"`
	MemberID    string
	Units       int64
	Released    bool
}

func (orderDealUse) TableName() string { return "order_deal_uses" }

// DealsUsed returns the units the member holds of limited deals, by
// pricing.DealKey, in the transaction in ctx.
func (s *Service) DealsUsed(ctx context.Context, memberID string) (map[string]int64, error) {
	var rows []dealUse
	if err := s.T.Q(ctx).Where("member_id = ?", memberID).Limit(1000).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[pricing.DealKey(r.PromotionID, r.SKUID)] = r.Units
	}
	return out, nil
}

// UseDeal records that the order took units of the deal, in the transaction
// in ctx: one conditional upsert, so of concurrent checkouts by one member
// only those within the limit pass; the others get deal_limit_reached.
func (s *Service) UseDeal(ctx context.Context, memberID, orderID, promotionID, skuID string, units, limit int64) error {
	tid, _ := tenant.FromContext(ctx)
	q := s.T.Q(ctx)
	res := q.Exec(`INSERT INTO deal_uses (tenant_id, promotion_id, sku_id, member_id, units) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (tenant_id, promotion_id, sku_id, member_id) DO UPDATE SET units = deal_uses.units + excluded.units
WHERE deal_uses.tenant_id = ? AND deal_uses.units + excluded.units <= ?`, tid, promotionID, skuID, memberID, units, tid, limit)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 || units > limit {
		return &errs.Error{Kind: errs.Conflict, Code: "deal_limit_reached",
			Message: fmt.Sprintf("a shopper can buy %d of this item at the sale price; another order just took them", limit),
			Fields:  []errs.FieldError{{Field: "items", Code: "deal_limit_reached", Message: "price the order again"}}}
	}
	return q.Create(&orderDealUse{OrderID: orderID, PromotionID: promotionID, SKUID: skuID, MemberID: memberID, Units: units}).Error
}

// ReleaseDeals gives back what the order took of limited deals (it was
// cancelled or closed unpaid), once, in the transaction in ctx.
func (s *Service) ReleaseDeals(ctx context.Context, orderID string) error {
	q := s.T.Q(ctx)
	var uses []orderDealUse
	if err := q.Where("order_id = ? AND released = ?", orderID, false).Find(&uses).Error; err != nil {
		return err
	}
	for _, u := range uses {
		res := q.Model(&orderDealUse{}).Where("order_id = ? AND promotion_id = ? AND sku_id = ? AND released = ?", orderID, u.PromotionID, u.SKUID, false).
			Update("released", true)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			continue
		}
		if err := q.Model(&dealUse{}).Where("promotion_id = ? AND sku_id = ? AND member_id = ?", u.PromotionID, u.SKUID, u.MemberID).
			Update("units", gorm.Expr("units - ?", u.Units)).Error; err != nil {
			return err
		}
	}
	return nil
}
