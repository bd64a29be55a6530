-- Distribute Shoplet's schema with Citus, by tenant_id.
--
-- Run once on the coordinator, as the schema owner, after `shoplet migrate up`
-- has created the tables (and before the first brand signs up, or during a
-- maintenance window: create_distributed_table copies existing rows).
-- TestSchemaFollowsCitusRules (tenant/citus_test.go) checks in CI that the
-- migrated schema keeps the rules this script relies on.

-- The application sets the tenant with SET LOCAL app.tenant_id; Citus must
-- send it to the workers so their row-level-security policies see it.
ALTER ROLE shoplet_app SET citus.propagate_set_commands = 'local';

-- Platform tables: small, read across tenants, joined with tenant tables.
-- Reference tables are copied to every worker. Order: referenced first.
SELECT create_reference_table('accounts');
SELECT create_reference_table('refresh_tokens');
SELECT create_reference_table('tenants');
SELECT create_reference_table('agencies');
SELECT create_reference_table('agency_members');
SELECT create_reference_table('memberships');
SELECT create_reference_table('agency_grants');
SELECT create_reference_table('review_queue');
SELECT create_reference_table('authorizers');
SELECT create_reference_table('rollouts');
SELECT create_reference_table('rollout_items');

-- Tenant tables: one shard holds all of a store's rows (co-located), so every
-- query of a request, scoped to one tenant, is routed to one worker.
SELECT create_distributed_table('tenant_settings', 'tenant_id');
SELECT create_distributed_table('tenant_secrets', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('tenant_categories', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('casbin_rules', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('invitations', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('audit_logs', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('jobs', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('files', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('tenant_documents', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('catalog_categories', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('products', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('skus', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('members', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('member_addresses', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('cart_items', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('orders', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('order_lines', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('order_events', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('payment_ledger', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('refunds', 'tenant_id', colocate_with => 'tenant_settings');
SELECT create_distributed_table('publishes', 'tenant_id', colocate_with => 'tenant_settings');
