-- Issue 19: more than one manage link may lead to a booking. A booking made with an
-- Idempotency-Key and sent again is answered with a fresh token for the same booking,
-- since the first is not kept in the clear; each extra token's SHA-256 is kept here (the
-- booking's own stays in bookings.token_hash).
create table booking_tokens (
    id bigint generated always as identity primary key,
    booking_id bigint not null references bookings (id),
    token_hash text not null unique,
    created_at bigint not null
);
create index booking_tokens_booking on booking_tokens (booking_id);

-- The answers kept for Idempotency-Keys held the plaintext manage token for 24 hours,
-- against the promise that only its hash is stored: it goes.
update idempotency_keys set body = (body::jsonb - 'token')::text where body like '%"token":%';
