-- Mini-programs that authorised the platform (third-party mode), by appid: the
-- platform directory that routes WeChat's authorisation events to a store.
-- +goose Up
CREATE TABLE authorizers (
  appid text NOT NULL,
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (appid)
);
CREATE INDEX authorizers_tenant ON authorizers (tenant_id);

-- +goose Down
DROP TABLE authorizers;
