-- Browser sessions of staff are tokens like API tokens (only their SHA-256 is stored),
-- with a kind and an expiry; API tokens have no expiry.
alter table staff_tokens add column kind text not null default 'api';
alter table staff_tokens add column expires_at bigint;
