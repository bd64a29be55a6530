-- Same tables as ../postgres/00001_init.sql; SQLite has no row-level security, so only the application scoping applies.
-- +goose Up
CREATE TABLE accounts (
  id TEXT NOT NULL,
  email TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL,
  is_operator BOOLEAN NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (id)
);
CREATE UNIQUE INDEX accounts_email ON accounts (email);
CREATE TABLE refresh_tokens (
  id TEXT NOT NULL,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  family_id TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  expires_at DATETIME NOT NULL,
  used_at DATETIME,
  revoked_at DATETIME,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (id)
);
CREATE UNIQUE INDEX refresh_tokens_hash ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_account ON refresh_tokens (account_id);
CREATE TABLE tenants (
  id TEXT NOT NULL,
  slug TEXT NOT NULL,
  name TEXT NOT NULL,
  entity_type TEXT NOT NULL CHECK (entity_type IN ('mainland','overseas')),
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','suspended')),
  status_reason TEXT NOT NULL DEFAULT '',
  pending_reviews INTEGER NOT NULL DEFAULT 0,
  owner_account_id TEXT NOT NULL REFERENCES accounts(id),
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (id)
);
CREATE UNIQUE INDEX tenants_slug ON tenants (slug);
CREATE TABLE memberships (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  created_by TEXT,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, account_id)
);
CREATE INDEX memberships_account ON memberships (account_id);
CREATE TABLE agencies (
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  created_by TEXT NOT NULL REFERENCES accounts(id),
  created_at DATETIME NOT NULL,
  PRIMARY KEY (id)
);
CREATE TABLE agency_members (
  agency_id TEXT NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('admin','member')),
  created_at DATETIME NOT NULL,
  PRIMARY KEY (agency_id, account_id)
);
CREATE INDEX agency_members_account ON agency_members (account_id);
CREATE TABLE agency_grants (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  agency_id TEXT NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  granted_by TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, agency_id)
);
CREATE INDEX agency_grants_agency ON agency_grants (agency_id);
CREATE TABLE review_queue (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  category TEXT NOT NULL,
  submitted_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, category)
);
CREATE INDEX review_queue_submitted ON review_queue (submitted_at);
CREATE TABLE casbin_rules (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  ptype TEXT NOT NULL,
  v0 TEXT NOT NULL,
  v1 TEXT NOT NULL,
  v2 TEXT NOT NULL,
  v3 TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (tenant_id, ptype, v0, v1, v2, v3)
);
CREATE TABLE tenant_categories (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  category TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active','pending_documents','pending_review','rejected')),
  reason TEXT NOT NULL DEFAULT '',
  reviewed_by TEXT,
  reviewed_at DATETIME,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, category)
);
CREATE TABLE files (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  purpose TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  storage_key TEXT NOT NULL,
  filename TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE TABLE tenant_documents (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  category TEXT NOT NULL,
  doc_type TEXT NOT NULL,
  file_id TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, file_id) REFERENCES files (tenant_id, id)
);
CREATE INDEX tenant_documents_cat ON tenant_documents (tenant_id, category);
CREATE TABLE invitations (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  email TEXT NOT NULL,
  role TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  invited_by TEXT NOT NULL,
  expires_at DATETIME NOT NULL,
  accepted_at DATETIME,
  revoked_at DATETIME,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX invitations_token ON invitations (tenant_id, token_hash);
CREATE TABLE tenant_secrets (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  key_id TEXT NOT NULL,
  wrapped_key BLOB NOT NULL,
  ciphertext BLOB NOT NULL,
  fingerprint TEXT NOT NULL,
  set_by TEXT NOT NULL,
  set_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, name)
);
CREATE TABLE tenant_settings (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  section TEXT NOT NULL,
  data TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, section)
);
CREATE TABLE audit_logs (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  actor_account_id TEXT,
  actor_agency_id TEXT,
  action TEXT NOT NULL,
  target_type TEXT NOT NULL DEFAULT '',
  target_id TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL,
  ip TEXT NOT NULL DEFAULT '',
  request_id TEXT NOT NULL DEFAULT '',
  created_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_logs_action ON audit_logs (tenant_id, action, id);
CREATE TABLE catalog_categories (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  parent_id TEXT,
  name TEXT NOT NULL,
  sort INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, parent_id) REFERENCES catalog_categories (tenant_id, id)
);
CREATE INDEX catalog_categories_parent ON catalog_categories (tenant_id, parent_id);
CREATE TABLE products (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  title TEXT NOT NULL,
  subtitle TEXT NOT NULL DEFAULT '',
  category_id TEXT,
  business_category TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft','on_shelf','off_shelf')),
  specs TEXT NOT NULL,
  attributes TEXT NOT NULL,
  images TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  min_price INTEGER NOT NULL DEFAULT 0,
  max_price INTEGER NOT NULL DEFAULT 0,
  total_stock INTEGER NOT NULL DEFAULT 0,
  search_text TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, category_id) REFERENCES catalog_categories (tenant_id, id)
);
CREATE INDEX products_status ON products (tenant_id, status, id);
CREATE INDEX products_price ON products (tenant_id, min_price, id);
CREATE INDEX products_category ON products (tenant_id, category_id, id);
CREATE TABLE skus (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  product_id TEXT NOT NULL,
  spec_key TEXT NOT NULL,
  spec_values TEXT NOT NULL,
  price INTEGER NOT NULL CHECK (price >= 0),
  market_price INTEGER NOT NULL DEFAULT 0 CHECK (market_price >= 0),
  stock INTEGER NOT NULL CHECK (stock >= 0),
  barcode TEXT NOT NULL DEFAULT '',
  position INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX skus_spec ON skus (tenant_id, product_id, spec_key);
CREATE TABLE jobs (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  total INTEGER NOT NULL DEFAULT 0,
  done INTEGER NOT NULL DEFAULT 0,
  result TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

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
