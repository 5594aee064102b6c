-- Messages shed under load (`overloaded`), by time: the operators' backlog page and /metrics count the last
-- hour's across every shop. Partial, so it holds only the shed ones (none on a healthy day).
CREATE INDEX "messages_overloaded_created_at_idx" ON "messages"("created_at") WHERE "no_reply_reason" = 'overloaded';
