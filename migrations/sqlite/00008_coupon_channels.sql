-- Coupon channels: how a coupon reaches shoppers (the coupon centre, a promo
-- code typed in the shop, or only as a gift: sent by staff, on a member's
-- first login, after a paid order), promo codes (one shared code or a batch
-- of unique one-use codes), where each held coupon came from, the expiry
-- job's marks, and the per-member limits of limited-time deals. SQLite has no
-- row-level security; the tenant scope filters.
-- +goose Up
ALTER TABLE coupons ADD COLUMN channel TEXT NOT NULL DEFAULT 'centre' CHECK (channel IN ('centre','code','gift'));
ALTER TABLE coupons ADD COLUMN gift_on TEXT NOT NULL DEFAULT '' CHECK (gift_on IN ('','new_member','paid'));
CREATE INDEX coupons_gift_on ON coupons (tenant_id, gift_on, status);

CREATE TABLE coupon_codes (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  code TEXT NOT NULL,
  coupon_id TEXT NOT NULL,
  shared BOOLEAN NOT NULL DEFAULT 0,
  member_id TEXT,
  redeemed_at DATETIME,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, code),
  FOREIGN KEY (tenant_id, coupon_id) REFERENCES coupons (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX coupon_codes_coupon ON coupon_codes (tenant_id, coupon_id, code);

-- source: centre, code, staff, new_member, paid; source_ref makes a gift
-- idempotent (the order paid, the staff send, the first login).
ALTER TABLE member_coupons ADD COLUMN source TEXT NOT NULL DEFAULT 'centre';
ALTER TABLE member_coupons ADD COLUMN source_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE member_coupons ADD COLUMN expired_at DATETIME;
ALTER TABLE member_coupons ADD COLUMN reminded_at DATETIME;
CREATE UNIQUE INDEX member_coupons_gift ON member_coupons (tenant_id, coupon_id, member_id, source, source_ref) WHERE source_ref <> '';
CREATE INDEX member_coupons_expiry ON member_coupons (tenant_id, status, valid_to);

-- Per-member limits of limited-time deals: the units each member holds of a
-- deal (raised by a conditional upsert, so concurrent checkouts cannot pass
-- the limit), and what each order took (given back when it is cancelled or
-- closed unpaid).
CREATE TABLE deal_uses (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  promotion_id TEXT NOT NULL,
  sku_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  units INTEGER NOT NULL CHECK (units >= 0),
  PRIMARY KEY (tenant_id, promotion_id, sku_id, member_id),
  FOREIGN KEY (tenant_id, promotion_id) REFERENCES promotions (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX deal_uses_member ON deal_uses (tenant_id, member_id);

CREATE TABLE order_deal_uses (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  order_id TEXT NOT NULL,
  promotion_id TEXT NOT NULL,
  sku_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  units INTEGER NOT NULL CHECK (units > 0),
  released BOOLEAN NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, order_id, promotion_id, sku_id),
  FOREIGN KEY (tenant_id, promotion_id, sku_id, member_id) REFERENCES deal_uses (tenant_id, promotion_id, sku_id, member_id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE order_deal_uses;
DROP TABLE deal_uses;
DROP INDEX member_coupons_expiry;
DROP INDEX member_coupons_gift;
ALTER TABLE member_coupons DROP COLUMN reminded_at;
ALTER TABLE member_coupons DROP COLUMN expired_at;
ALTER TABLE member_coupons DROP COLUMN source_ref;
ALTER TABLE member_coupons DROP COLUMN source;
DROP TABLE coupon_codes;
DROP INDEX coupons_gift_on;
ALTER TABLE coupons DROP COLUMN gift_on;
ALTER TABLE coupons DROP COLUMN channel;
