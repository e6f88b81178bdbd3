-- The gateway's shared state, so that several gateway processes of one org serve the same API:
-- idempotency records, the transaction log, batch sessions, webhook registrations and checkpoints
-- (one JSON document per namespace and key, kept as text so replayed answers are byte-identical),
-- and the leases under which exactly one replica delivers each webhook.
CREATE TABLE IF NOT EXISTS gateway_documents (
  namespace text NOT NULL,
  key text NOT NULL,
  value text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (namespace, key)
);
-- The idempotency sweep deletes by age.
CREATE INDEX IF NOT EXISTS gateway_documents_age ON gateway_documents (namespace, updated_at);

CREATE TABLE IF NOT EXISTS gateway_leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);
