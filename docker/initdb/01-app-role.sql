-- The application's own role: it can read and write data but not own tables,
-- so PostgreSQL row-level security applies to every query it runs.
CREATE ROLE shoplet_app LOGIN PASSWORD 'shoplet_app' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
