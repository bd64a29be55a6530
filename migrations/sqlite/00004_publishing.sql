-- Same tables as ../postgres/00004_publishing.sql.
-- +goose Up
CREATE TABLE publishes (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  template_id INTEGER NOT NULL,
  version TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  auto_release BOOLEAN NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  steps TEXT NOT NULL,
  audit_id INTEGER NOT NULL DEFAULT 0,
  reason TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  app_id TEXT NOT NULL,
  ext_sha256 TEXT NOT NULL DEFAULT '',
  qr_file_id TEXT NOT NULL DEFAULT '',
  rollout_id TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  submitted_at DATETIME,
  released_at DATETIME,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX publishes_recent ON publishes (tenant_id, created_at DESC);
CREATE INDEX publishes_status ON publishes (tenant_id, status);

CREATE TABLE rollouts (
  id TEXT PRIMARY KEY,
  template_id INTEGER NOT NULL,
  version TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  auto_release BOOLEAN NOT NULL DEFAULT 0,
  concurrency INTEGER NOT NULL,
  total INTEGER NOT NULL,
  agency_id TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_at DATETIME NOT NULL
);
CREATE INDEX rollouts_agency ON rollouts (agency_id, created_at DESC);

CREATE TABLE rollout_items (
  rollout_id TEXT NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  publish_id TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (rollout_id, tenant_id)
);
CREATE INDEX rollout_items_status ON rollout_items (rollout_id, status);

-- +goose Down
DROP TABLE rollout_items;
DROP TABLE rollouts;
DROP TABLE publishes;
