-- WARA: the audit trail is append-only, outlives its tenant, and names the workflow that acted.

-- Operators are platform staff (users.is_admin): their actions are recorded as such.
ALTER TYPE "audit_actor_type" ADD VALUE IF NOT EXISTS 'operator';

-- A workflow's entries say which run did it (actor_type = 'workflow').
ALTER TABLE "audit_logs" ADD COLUMN "workflow_id" TEXT;

-- The tenant foreign key was ON DELETE SET NULL: deleting a tenant UPDATEd its audit rows, which an
-- append-only table must refuse (and which would also have erased whose rows they were). The id stays as
-- plain text: rows of a deleted tenant keep naming it, and deleting a tenant never touches the trail.
ALTER TABLE "audit_logs" DROP CONSTRAINT IF EXISTS "audit_logs_tenant_id_fkey";

-- Keyset pagination newest first on (created_at, id), for everyone and per tenant.
DROP INDEX IF EXISTS "audit_logs_created_at_idx";
DROP INDEX IF EXISTS "audit_logs_tenant_id_created_at_idx";
CREATE INDEX "audit_logs_created_at_id_idx" ON "audit_logs" ("created_at", "id");
CREATE INDEX "audit_logs_tenant_id_created_at_id_idx" ON "audit_logs" ("tenant_id", "created_at", "id");

-- Append-only: rows are written once and never changed or removed, whatever client or role the
-- application uses. (The table's owner can still drop this trigger: that is a schema change, visible in
-- the migration history, not something a query can do by accident or by injection.)
CREATE FUNCTION "audit_logs_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_logs is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege', HINT = 'Audit entries are never updated or deleted.';
END;
$$;

CREATE TRIGGER "audit_logs_append_only"
  BEFORE UPDATE OR DELETE ON "audit_logs"
  FOR EACH ROW EXECUTE FUNCTION "audit_logs_refuse_change"();

CREATE TRIGGER "audit_logs_no_truncate"
  BEFORE TRUNCATE ON "audit_logs"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_logs_refuse_change"();
