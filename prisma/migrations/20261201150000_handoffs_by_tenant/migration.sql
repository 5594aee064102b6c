-- A shop's waiting customer messages and the oldest of them, for the "replies are running late" notice.
CREATE INDEX "inbound_handoffs_tenant_id_created_at_idx" ON "inbound_handoffs"("tenant_id", "created_at");
