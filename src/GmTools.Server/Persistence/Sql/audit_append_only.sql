-- The audit trail is append-only: the application never updates or deletes a record, and this trigger
-- refuses anyone who tries through SQL. (A superuser can still disable it; the hash chain is what
-- catches that.)
CREATE FUNCTION audit_records_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_records is append-only';
END $$;

CREATE TRIGGER audit_records_append_only
    BEFORE UPDATE OR DELETE ON audit_records
    FOR EACH ROW EXECUTE FUNCTION audit_records_refuse_change();
