-- The platform's own business with its brands: plans, each store's
-- subscription and the payments a brand makes for a plan (see the PostgreSQL
-- migration of the same number).
-- +goose Up
CREATE TABLE plans (
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  price_year INTEGER NOT NULL DEFAULT 0 CHECK (price_year >= 0),
  price_month INTEGER NOT NULL DEFAULT 0 CHECK (price_month >= 0),
  trial_days INTEGER NOT NULL DEFAULT 0 CHECK (trial_days >= 0),
  max_products INTEGER NOT NULL DEFAULT 0,
  max_staff INTEGER NOT NULL DEFAULT 0,
  max_stores INTEGER NOT NULL DEFAULT 0,
  modules TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('published','retired')),
  trial_default BOOLEAN NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (id)
);
CREATE UNIQUE INDEX plans_trial_default ON plans (trial_default) WHERE trial_default;

INSERT INTO plans (id, name, price_year, price_month, trial_days, max_products, max_staff, max_stores, modules, status, trial_default, created_at, updated_at)
VALUES ('00000000-0000-7000-8000-00000000b111', 'Standard', 298000, 29800, 15, 1000, 20, 5, '["marketing_1","decoration"]', 'published', 1,
  strftime('%Y-%m-%d %H:%M:%S+00:00', 'now'), strftime('%Y-%m-%d %H:%M:%S+00:00', 'now'));

CREATE TABLE subscriptions (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  plan_id TEXT NOT NULL REFERENCES plans(id),
  status TEXT NOT NULL CHECK (status IN ('trial','active','grace','closed')),
  period_end DATETIME NOT NULL,
  grace_end DATETIME NOT NULL,
  reminded_before INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id)
);
CREATE INDEX subscriptions_due ON subscriptions (status, period_end);

INSERT INTO subscriptions (tenant_id, plan_id, status, period_end, grace_end, created_at, updated_at)
SELECT t.id, p.id, 'trial', strftime('%Y-%m-%d %H:%M:%S+00:00', 'now', '+' || p.trial_days || ' days'),
  strftime('%Y-%m-%d %H:%M:%S+00:00', 'now', '+' || (p.trial_days + 7) || ' days'),
  strftime('%Y-%m-%d %H:%M:%S+00:00', 'now'), strftime('%Y-%m-%d %H:%M:%S+00:00', 'now')
FROM tenants t, plans p WHERE p.trial_default;

CREATE TABLE subscription_payments (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  plan_id TEXT NOT NULL REFERENCES plans(id),
  period TEXT NOT NULL CHECK (period IN ('year','month')),
  amount INTEGER NOT NULL CHECK (amount > 0),
  method TEXT NOT NULL CHECK (method IN ('wechat_native','bank_transfer')),
  status TEXT NOT NULL CHECK (status IN ('pending','paid')),
  out_trade_no TEXT NOT NULL,
  code_url TEXT NOT NULL DEFAULT '',
  transaction_id TEXT NOT NULL DEFAULT '',
  invoice_title TEXT NOT NULL DEFAULT '',
  invoice_tax_id TEXT NOT NULL DEFAULT '',
  period_end DATETIME,
  created_by TEXT NOT NULL DEFAULT '',
  confirmed_by TEXT NOT NULL DEFAULT '',
  paid_at DATETIME,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX subscription_payments_trade ON subscription_payments (tenant_id, out_trade_no);

-- +goose Down
DROP TABLE subscription_payments;
DROP TABLE subscriptions;
DROP TABLE plans;
