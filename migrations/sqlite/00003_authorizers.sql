-- Same table as ../postgres/00003_authorizers.sql.
-- +goose Up
CREATE TABLE authorizers (
  appid TEXT NOT NULL,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (appid)
);
CREATE INDEX authorizers_tenant ON authorizers (tenant_id);

-- +goose Down
DROP TABLE authorizers;
