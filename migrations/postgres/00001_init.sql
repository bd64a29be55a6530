-- Initial schema. postgres/ and sqlite/ hold the same tables and columns (a test compares them); tenant-owned tables get row-level security here.
-- +goose Up
CREATE TABLE accounts (
  id uuid NOT NULL,
  email text NOT NULL,
  name text NOT NULL DEFAULT '',
  password_hash text NOT NULL,
  is_operator boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (id)
);
CREATE UNIQUE INDEX accounts_email ON accounts (email);
CREATE TABLE refresh_tokens (
  id uuid NOT NULL,
  account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  family_id uuid NOT NULL,
  token_hash text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (id)
);
CREATE UNIQUE INDEX refresh_tokens_hash ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_account ON refresh_tokens (account_id);
CREATE TABLE tenants (
  id uuid NOT NULL,
  slug text NOT NULL,
  name text NOT NULL,
  entity_type text NOT NULL CHECK (entity_type IN ('mainland','overseas')),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','suspended')),
  status_reason text NOT NULL DEFAULT '',
  pending_reviews bigint NOT NULL DEFAULT 0,
  owner_account_id uuid NOT NULL REFERENCES accounts(id),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (id)
);
CREATE UNIQUE INDEX tenants_slug ON tenants (slug);
CREATE TABLE memberships (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  role text NOT NULL,
  created_by uuid,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, account_id)
);
CREATE INDEX memberships_account ON memberships (account_id);
CREATE TABLE agencies (
  id uuid NOT NULL,
  name text NOT NULL,
  created_by uuid NOT NULL REFERENCES accounts(id),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (id)
);
CREATE TABLE agency_members (
  agency_id uuid NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('admin','member')),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (agency_id, account_id)
);
CREATE INDEX agency_members_account ON agency_members (account_id);
CREATE TABLE agency_grants (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  agency_id uuid NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  role text NOT NULL,
  granted_by uuid NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, agency_id)
);
CREATE INDEX agency_grants_agency ON agency_grants (agency_id);
CREATE TABLE review_queue (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  category text NOT NULL,
  submitted_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, category)
);
CREATE INDEX review_queue_submitted ON review_queue (submitted_at);
CREATE TABLE casbin_rules (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  ptype text NOT NULL,
  v0 text NOT NULL,
  v1 text NOT NULL,
  v2 text NOT NULL,
  v3 text NOT NULL DEFAULT '',
  PRIMARY KEY (tenant_id, ptype, v0, v1, v2, v3)
);
ALTER TABLE casbin_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE casbin_rules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON casbin_rules
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TABLE tenant_categories (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  category text NOT NULL,
  status text NOT NULL CHECK (status IN ('active','pending_documents','pending_review','rejected')),
  reason text NOT NULL DEFAULT '',
  reviewed_by uuid,
  reviewed_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, category)
);
ALTER TABLE tenant_categories ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_categories FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_categories
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TABLE files (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id uuid NOT NULL,
  purpose text NOT NULL,
  content_type text NOT NULL,
  size bigint NOT NULL,
  sha256 text NOT NULL,
  storage_key text NOT NULL,
  filename text NOT NULL DEFAULT '',
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
ALTER TABLE files ENABLE ROW LEVEL SECURITY;
ALTER TABLE files FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON files
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TABLE tenant_documents (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id uuid NOT NULL,
  category text NOT NULL,
  doc_type text NOT NULL,
  file_id uuid NOT NULL,
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, file_id) REFERENCES files (tenant_id, id)
);
CREATE INDEX tenant_documents_cat ON tenant_documents (tenant_id, category);
ALTER TABLE tenant_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_documents
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TABLE invitations (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id uuid NOT NULL,
  email text NOT NULL,
  role text NOT NULL,
  token_hash text NOT NULL,
  invited_by uuid NOT NULL,
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX invitations_token ON invitations (tenant_id, token_hash);
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON invitations
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TABLE tenant_secrets (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name text NOT NULL,
  key_id text NOT NULL,
  wrapped_key bytea NOT NULL,
  ciphertext bytea NOT NULL,
  fingerprint text NOT NULL,
  set_by uuid NOT NULL,
  set_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, name)
);
ALTER TABLE tenant_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_secrets FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_secrets
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TABLE tenant_settings (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  section text NOT NULL,
  data jsonb NOT NULL,
  updated_by uuid NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, section)
);
ALTER TABLE tenant_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_settings
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TABLE audit_logs (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id uuid NOT NULL,
  actor_account_id uuid,
  actor_agency_id uuid,
  action text NOT NULL,
  target_type text NOT NULL DEFAULT '',
  target_id text NOT NULL DEFAULT '',
  detail jsonb NOT NULL,
  ip text NOT NULL DEFAULT '',
  request_id text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_logs_action ON audit_logs (tenant_id, action, id);
ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_logs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_logs
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TABLE catalog_categories (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id uuid NOT NULL,
  parent_id uuid,
  name text NOT NULL,
  sort bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, parent_id) REFERENCES catalog_categories (tenant_id, id)
);
CREATE INDEX catalog_categories_parent ON catalog_categories (tenant_id, parent_id);
ALTER TABLE catalog_categories ENABLE ROW LEVEL SECURITY;
ALTER TABLE catalog_categories FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON catalog_categories
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TABLE products (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id uuid NOT NULL,
  title text NOT NULL,
  subtitle text NOT NULL DEFAULT '',
  category_id uuid,
  business_category text NOT NULL,
  status text NOT NULL CHECK (status IN ('draft','on_shelf','off_shelf')),
  specs jsonb NOT NULL,
  attributes jsonb NOT NULL,
  images jsonb NOT NULL,
  description text NOT NULL DEFAULT '',
  min_price bigint NOT NULL DEFAULT 0,
  max_price bigint NOT NULL DEFAULT 0,
  total_stock bigint NOT NULL DEFAULT 0,
  search_text text NOT NULL DEFAULT '',
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, category_id) REFERENCES catalog_categories (tenant_id, id)
);
CREATE INDEX products_status ON products (tenant_id, status, id);
CREATE INDEX products_price ON products (tenant_id, min_price, id);
CREATE INDEX products_category ON products (tenant_id, category_id, id);
ALTER TABLE products ENABLE ROW LEVEL SECURITY;
ALTER TABLE products FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON products
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TABLE skus (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id uuid NOT NULL,
  product_id uuid NOT NULL,
  spec_key text NOT NULL,
  spec_values jsonb NOT NULL,
  price bigint NOT NULL CHECK (price >= 0),
  market_price bigint NOT NULL DEFAULT 0 CHECK (market_price >= 0),
  stock bigint NOT NULL CHECK (stock >= 0),
  barcode text NOT NULL DEFAULT '',
  position bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX skus_spec ON skus (tenant_id, product_id, spec_key);
ALTER TABLE skus ENABLE ROW LEVEL SECURITY;
ALTER TABLE skus FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON skus
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TABLE jobs (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id uuid NOT NULL,
  kind text NOT NULL,
  status text NOT NULL,
  total bigint NOT NULL DEFAULT 0,
  done bigint NOT NULL DEFAULT 0,
  result jsonb NOT NULL,
  error text NOT NULL DEFAULT '',
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON jobs
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- +goose Down
DROP TABLE jobs;
DROP TABLE skus;
DROP TABLE products;
DROP TABLE catalog_categories;
DROP TABLE audit_logs;
DROP TABLE tenant_settings;
DROP TABLE tenant_secrets;
DROP TABLE invitations;
DROP TABLE tenant_documents;
DROP TABLE files;
DROP TABLE tenant_categories;
DROP TABLE casbin_rules;
DROP TABLE review_queue;
DROP TABLE agency_grants;
DROP TABLE agency_members;
DROP TABLE agencies;
DROP TABLE memberships;
DROP TABLE tenants;
DROP TABLE refresh_tokens;
DROP TABLE accounts;
