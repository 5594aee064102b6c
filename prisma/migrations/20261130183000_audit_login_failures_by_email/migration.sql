-- Per-account log-in limit: recent failures for one email are counted on every attempt (before any
-- password hashing), from the audit trail that records them anyway, so every API instance agrees.
CREATE INDEX "audit_logs_login_failed_email_idx" ON "audit_logs" ((details ->> 'email'), "created_at")
  WHERE "action" = 'auth.login_failed';
