-- Publishing brands' mini-programs through the third-party platform: each
-- store's publications (tenant-owned, under row-level security), and the
-- platform's rollouts of a template version to many stores (a directory:
-- platform tables naming stores, read by operators and agencies).
-- +goose Up
CREATE TABLE publishes (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id uuid NOT NULL,
  template_id bigint NOT NULL,
  version text NOT NULL,
  description text NOT NULL DEFAULT '',
  auto_release boolean NOT NULL DEFAULT false,
  status text NOT NULL,
  steps jsonb NOT NULL,
  audit_id bigint NOT NULL DEFAULT 0,
  reason text NOT NULL DEFAULT '',
  error text NOT NULL DEFAULT '',
  app_id text NOT NULL,
  ext_sha256 text NOT NULL DEFAULT '',
  qr_file_id text NOT NULL DEFAULT '',
  rollout_id text NOT NULL DEFAULT '',
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  submitted_at timestamptz,
  released_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX publishes_recent ON publishes (tenant_id, created_at DESC);
CREATE INDEX publishes_status ON publishes (tenant_id, status);
ALTER TABLE publishes ENABLE ROW LEVEL SECURITY;
ALTER TABLE publishes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON publishes
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE TABLE rollouts (
  id uuid PRIMARY KEY,
  template_id bigint NOT NULL,
  version text NOT NULL,
  description text NOT NULL DEFAULT '',
  auto_release boolean NOT NULL DEFAULT false,
  concurrency integer NOT NULL,
  total integer NOT NULL,
  agency_id text NOT NULL DEFAULT '',
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX rollouts_agency ON rollouts (agency_id, created_at DESC);

CREATE TABLE rollout_items (
  rollout_id uuid NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  publish_id text NOT NULL DEFAULT '',
  status text NOT NULL,
  error text NOT NULL DEFAULT '',
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (rollout_id, tenant_id)
);
CREATE INDEX rollout_items_status ON rollout_items (rollout_id, status);

-- +goose Down
DROP TABLE rollout_items;
DROP TABLE rollouts;
DROP TABLE publishes;
