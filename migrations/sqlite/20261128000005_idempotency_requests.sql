-- An Idempotency-Key is bound to its request: the sha-256 of the form's fields and its
-- file. A repeat with another request is refused (422 idempotency_key_reused); keys are
-- forgotten after 24 hours. Keys written before this migration have no hash and are
-- refused for any request until they are forgotten.
alter table idempotency_keys add column request_hash text;
create index idempotency_keys_created on idempotency_keys (created_at);
