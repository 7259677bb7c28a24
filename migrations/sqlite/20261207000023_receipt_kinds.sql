-- What an Idempotency-Key's row holds: 'booking.v1' (a booking's receipt), 'answer'
-- (an answer as sent, a desk write's). NULL: written by a version before kinds.
ALTER TABLE idempotency_keys ADD COLUMN kind TEXT;
UPDATE idempotency_keys SET kind = 'booking.v1' WHERE body LIKE '{"booking":%';
UPDATE idempotency_keys SET kind = 'answer' WHERE kind IS NULL;
