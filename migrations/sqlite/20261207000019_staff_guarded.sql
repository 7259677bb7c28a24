-- Issue 19: staff accounts held against guessing and theft (OWASP ASVS level 2).

-- Browser sessions also end after an idle time: when each was last used.
alter table staff_tokens add column last_used_at bigint;

-- Browsers that signed in to an account before (OWASP's "device cookies"): a login from
-- one is not held back by the delays that guesses from elsewhere put on the account, so
-- the delays cannot be used to lock staff out. Only the SHA-256 of the cookie is kept.
create table staff_devices (
    id integer primary key,
    staff_id bigint not null references staff (id),
    token_hash text not null unique,
    created_at bigint not null,
    last_used_at bigint not null
);
create index staff_devices_staff on staff_devices (staff_id);

-- A second factor (TOTP, RFC 6238): the shared secret (base32), the last time step whose
-- code was taken (a code is taken once), and when the account set it up.
alter table staff add column totp_secret text;
alter table staff add column totp_last_step bigint;
alter table staff add column totp_enrolled_at bigint;

-- One-time recovery codes for a lost authenticator; only their SHA-256 is kept.
create table staff_recovery_codes (
    id integer primary key,
    staff_id bigint not null references staff (id),
    code_hash text not null unique,
    created_at bigint not null,
    used_at bigint
);
create index staff_recovery_codes_staff on staff_recovery_codes (staff_id);
