-- Marketing: shipping templates (a product picks one; SKUs carry a weight),
-- coupons and the coupons members hold, promotions (full reduction, limited-
-- time discount), and what each order and line was discounted and why.
-- +goose Up
CREATE TABLE shipping_templates (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('piece','weight','flat')),
  default_rate TEXT NOT NULL,
  regions TEXT NOT NULL,
  undeliverable TEXT NOT NULL,
  free_over_amount INTEGER NOT NULL DEFAULT 0,
  free_over_count INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

ALTER TABLE products ADD COLUMN shipping_template_id TEXT;
ALTER TABLE skus ADD COLUMN weight INTEGER NOT NULL DEFAULT 0;

CREATE TABLE coupons (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('full_reduction','discount','no_threshold','random')),
  threshold INTEGER NOT NULL DEFAULT 0,
  amount INTEGER NOT NULL DEFAULT 0,
  amount_max INTEGER NOT NULL DEFAULT 0,
  percent_off INTEGER NOT NULL DEFAULT 0,
  cap INTEGER NOT NULL DEFAULT 0,
  scope TEXT NOT NULL,
  starts_at DATETIME NOT NULL,
  ends_at DATETIME NOT NULL,
  valid_from DATETIME,
  valid_to DATETIME,
  valid_days INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL CHECK (total > 0),
  issued INTEGER NOT NULL DEFAULT 0,
  per_member INTEGER NOT NULL DEFAULT 1,
  per_day INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  CHECK (issued >= 0 AND issued <= total),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX coupons_status ON coupons (tenant_id, status, id);

CREATE TABLE member_coupons (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  coupon_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  seq INTEGER NOT NULL CHECK (seq > 0),
  claim_day TEXT NOT NULL,
  day_seq INTEGER NOT NULL CHECK (day_seq > 0),
  amount INTEGER NOT NULL DEFAULT 0,
  valid_from DATETIME NOT NULL,
  valid_to DATETIME NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('available','used')),
  order_id TEXT,
  used_at DATETIME,
  claimed_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, coupon_id) REFERENCES coupons (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id) ON DELETE CASCADE
);
-- The per-member and per-day limits are constraints, not counts read first:
-- two claims racing for the same slot cannot both be inserted.
CREATE UNIQUE INDEX member_coupons_slot ON member_coupons (tenant_id, coupon_id, member_id, seq);
CREATE UNIQUE INDEX member_coupons_day_slot ON member_coupons (tenant_id, coupon_id, member_id, claim_day, day_seq);
CREATE INDEX member_coupons_member ON member_coupons (tenant_id, member_id, status, valid_to);
CREATE UNIQUE INDEX member_coupons_order ON member_coupons (tenant_id, order_id);

CREATE TABLE promotions (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('full_reduction','limited_discount')),
  scope TEXT NOT NULL,
  deals TEXT NOT NULL,
  tiers TEXT NOT NULL,
  no_coupon BOOLEAN NOT NULL DEFAULT 0,
  no_full_reduction BOOLEAN NOT NULL DEFAULT 0,
  starts_at DATETIME NOT NULL,
  ends_at DATETIME NOT NULL,
  status TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX promotions_running ON promotions (tenant_id, status, ends_at);

ALTER TABLE orders ADD COLUMN discount_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN coupon_id TEXT;
ALTER TABLE orders ADD COLUMN adjustments TEXT NOT NULL DEFAULT '[]';
ALTER TABLE order_lines ADD COLUMN discount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE order_lines ADD COLUMN adjustments TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE order_lines DROP COLUMN adjustments;
ALTER TABLE order_lines DROP COLUMN discount;
ALTER TABLE orders DROP COLUMN adjustments;
ALTER TABLE orders DROP COLUMN coupon_id;
ALTER TABLE orders DROP COLUMN discount_total;
DROP TABLE promotions;
DROP TABLE member_coupons;
DROP TABLE coupons;
ALTER TABLE skus DROP COLUMN weight;
ALTER TABLE products DROP COLUMN shipping_template_id;
DROP TABLE shipping_templates;
