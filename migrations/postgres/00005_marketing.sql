-- Marketing: shipping templates (a product picks one; SKUs carry a weight),
-- coupons and the coupons members hold, promotions (full reduction, limited-
-- time discount), and what each order and line was discounted and why.
-- Tenant tables under row-level security.
-- +goose Up
CREATE TABLE shipping_templates (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id uuid NOT NULL,
  name text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('piece','weight','flat')),
  default_rate jsonb NOT NULL,
  regions jsonb NOT NULL,
  undeliverable jsonb NOT NULL,
  free_over_amount bigint NOT NULL DEFAULT 0,
  free_over_count bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

ALTER TABLE shipping_templates ENABLE ROW LEVEL SECURITY;
ALTER TABLE shipping_templates FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON shipping_templates
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE products ADD COLUMN shipping_template_id uuid;
ALTER TABLE skus ADD COLUMN weight bigint NOT NULL DEFAULT 0;

CREATE TABLE coupons (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id uuid NOT NULL,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('full_reduction','discount','no_threshold','random')),
  threshold bigint NOT NULL DEFAULT 0,
  amount bigint NOT NULL DEFAULT 0,
  amount_max bigint NOT NULL DEFAULT 0,
  percent_off bigint NOT NULL DEFAULT 0,
  cap bigint NOT NULL DEFAULT 0,
  scope jsonb NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  valid_from timestamptz,
  valid_to timestamptz,
  valid_days bigint NOT NULL DEFAULT 0,
  total bigint NOT NULL CHECK (total > 0),
  issued bigint NOT NULL DEFAULT 0,
  per_member bigint NOT NULL DEFAULT 1,
  per_day bigint NOT NULL DEFAULT 0,
  status text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK (issued >= 0 AND issued <= total),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX coupons_status ON coupons (tenant_id, status, id);

ALTER TABLE coupons ENABLE ROW LEVEL SECURITY;
ALTER TABLE coupons FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON coupons
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE TABLE member_coupons (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id uuid NOT NULL,
  coupon_id uuid NOT NULL,
  member_id uuid NOT NULL,
  seq bigint NOT NULL CHECK (seq > 0),
  claim_day text NOT NULL,
  day_seq bigint NOT NULL CHECK (day_seq > 0),
  amount bigint NOT NULL DEFAULT 0,
  valid_from timestamptz NOT NULL,
  valid_to timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('available','used')),
  order_id uuid,
  used_at timestamptz,
  claimed_at timestamptz NOT NULL,
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

ALTER TABLE member_coupons ENABLE ROW LEVEL SECURITY;
ALTER TABLE member_coupons FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON member_coupons
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE TABLE promotions (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id uuid NOT NULL,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('full_reduction','limited_discount')),
  scope jsonb NOT NULL,
  deals jsonb NOT NULL,
  tiers jsonb NOT NULL,
  no_coupon boolean NOT NULL DEFAULT false,
  no_full_reduction boolean NOT NULL DEFAULT false,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX promotions_running ON promotions (tenant_id, status, ends_at);

ALTER TABLE promotions ENABLE ROW LEVEL SECURITY;
ALTER TABLE promotions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON promotions
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE orders ADD COLUMN discount_total bigint NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN coupon_id uuid;
ALTER TABLE orders ADD COLUMN adjustments jsonb NOT NULL DEFAULT '[]';
ALTER TABLE order_lines ADD COLUMN discount bigint NOT NULL DEFAULT 0;
ALTER TABLE order_lines ADD COLUMN adjustments jsonb NOT NULL DEFAULT '[]';

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
