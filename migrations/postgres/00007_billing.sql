-- The platform's own business with its brands: plans (what a store may use and
-- what it costs), each store's subscription (trial, active, grace, closed) and
-- the payments a brand makes for a plan. Plans and subscriptions are platform
-- tables (the operator and the expiry job read across stores; subscriptions is
-- a directory table, see tenant.DirectoryTables); a store's payments are its
-- own, under row-level security.
-- +goose Up
CREATE TABLE plans (
  id uuid NOT NULL,
  name text NOT NULL,
  price_year bigint NOT NULL DEFAULT 0 CHECK (price_year >= 0),
  price_month bigint NOT NULL DEFAULT 0 CHECK (price_month >= 0),
  trial_days bigint NOT NULL DEFAULT 0 CHECK (trial_days >= 0),
  max_products bigint NOT NULL DEFAULT 0,
  max_staff bigint NOT NULL DEFAULT 0,
  max_stores bigint NOT NULL DEFAULT 0,
  modules jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('published','retired')),
  trial_default boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (id)
);
-- At most one plan is the one new stores try.
CREATE UNIQUE INDEX plans_trial_default ON plans (trial_default) WHERE trial_default;

INSERT INTO plans (id, name, price_year, price_month, trial_days, max_products, max_staff, max_stores, modules, status, trial_default, created_at, updated_at)
VALUES ('00000000-0000-7000-8000-00000000b111', 'Standard', 298000, 29800, 15, 1000, 20, 5, '["marketing_1","decoration"]', 'published', true, now(), now());

CREATE TABLE subscriptions (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  plan_id uuid NOT NULL REFERENCES plans(id),
  status text NOT NULL CHECK (status IN ('trial','active','grace','closed')),
  period_end timestamptz NOT NULL,
  grace_end timestamptz NOT NULL,
  -- The last expiry reminder sent for this period (days before its end; 0: none).
  reminded_before bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id)
);
CREATE INDEX subscriptions_due ON subscriptions (status, period_end);

-- Stores that exist already start the default plan's trial today.
INSERT INTO subscriptions (tenant_id, plan_id, status, period_end, grace_end, created_at, updated_at)
SELECT t.id, p.id, 'trial', now() + make_interval(days => p.trial_days::int), now() + make_interval(days => p.trial_days::int + 7), now(), now()
FROM tenants t, plans p WHERE p.trial_default;

CREATE TABLE subscription_payments (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id uuid NOT NULL,
  plan_id uuid NOT NULL REFERENCES plans(id),
  period text NOT NULL CHECK (period IN ('year','month')),
  amount bigint NOT NULL CHECK (amount > 0),
  method text NOT NULL CHECK (method IN ('wechat_native','bank_transfer')),
  status text NOT NULL CHECK (status IN ('pending','paid')),
  out_trade_no text NOT NULL,
  code_url text NOT NULL DEFAULT '',
  transaction_id text NOT NULL DEFAULT '',
  invoice_title text NOT NULL DEFAULT '',
  invoice_tax_id text NOT NULL DEFAULT '',
  period_end timestamptz,
  created_by text NOT NULL DEFAULT '',
  confirmed_by text NOT NULL DEFAULT '',
  paid_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX subscription_payments_trade ON subscription_payments (tenant_id, out_trade_no);

ALTER TABLE subscription_payments ENABLE ROW LEVEL SECURITY;
ALTER TABLE subscription_payments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON subscription_payments
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- +goose Down
DROP TABLE subscription_payments;
DROP TABLE subscriptions;
DROP TABLE plans;
