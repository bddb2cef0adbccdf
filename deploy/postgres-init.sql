-- Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d), as
-- POSTGRES_USER, the schema owner. Creates the role the app logs in as: it owns nothing, is not a
-- superuser and does not bypass Row-Level Security, so every tenant table's policy applies to it.
-- Its table privileges are granted after the migrations by `flask platform grant-app-role ljt_app`.
--
-- The password comes from the container's LJT_APP_PASSWORD (psql's \getenv, PostgreSQL 15+), so it
-- is written in one place (.env) and never in this file.

\getenv app_password LJT_APP_PASSWORD
\if :{?app_password}
CREATE ROLE ljt_app LOGIN PASSWORD :'app_password'
  NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
\else
DO $$ BEGIN RAISE EXCEPTION 'LJT_APP_PASSWORD is not set: cannot create the app role ljt_app'; END $$;
\endif
