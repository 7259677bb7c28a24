-- Phone verification (issue 10, API.md "Phone verification"): with `serve --verify-phone`
-- a new booking is `pending_verification`, holding its seat and its NIK until `verify_by`,
-- while the six-digit code sent to the phone is entered. The code is kept only as a salted
-- hash; `verify_attempts` counts the codes tried (five wrong ones cancel the booking).
-- SQLite cannot change a check: the table is rebuilt (create, copy, drop, rename: SQLite's
-- documented procedure; migrations run with foreign keys off, so the tables that refer to
-- `bookings` keep referring to it) with the new status, the new columns and its indexes.
create table bookings_new (
    id integer primary key,
    code text not null unique,
    token_hash text not null,
    office_id bigint not null references offices (id),
    slot_start bigint not null,
    slot_end bigint not null,
    -- office-local date of slot_start, the key of day_loads
    local_date text not null,
    status text not null check (status in ('confirmed', 'needs_rebooking', 'waitlisted', 'cancelled', 'checked_in',
        'recorded', 'no_show', 'turned_away', 'pending_verification')),
    nik text not null,
    name text not null,
    birth_date text not null,
    phone text not null,
    email text,
    married bigint not null default 0,
    lang text not null default 'id',
    -- optimistic concurrency: every change bumps it, changes name the version they read
    version bigint not null default 1,
    created_at bigint not null,
    updated_at bigint not null,
    hold_until bigint,
    queued_at bigint,
    wait_from text,
    wait_to text,
    guardian_consent bigint not null default 0 check (guardian_consent in (0, 1)),
    temperature_dc bigint,
    retest_dc bigint,
    checked_in_at bigint,
    queue_number bigint,
    outcome_reason text,
    outcome_by text,
    outcome_at bigint,
    walk_in bigint not null default 0 check (walk_in in (0, 1)),
    anonymised_at bigint,
    verify_by bigint,
    verify_hash text,
    verify_attempts bigint not null default 0
);
insert into bookings_new (id, code, token_hash, office_id, slot_start, slot_end, local_date,
    status, nik, name, birth_date, phone, email, married, lang, version, created_at,
    updated_at, hold_until, queued_at, wait_from, wait_to, guardian_consent, temperature_dc,
    retest_dc, checked_in_at, queue_number, outcome_reason, outcome_by, outcome_at, walk_in,
    anonymised_at)
select id, code, token_hash, office_id, slot_start, slot_end, local_date, status, nik, name,
    birth_date, phone, email, married, lang, version, created_at, updated_at, hold_until,
    queued_at, wait_from, wait_to, guardian_consent, temperature_dc, retest_dc, checked_in_at,
    queue_number, outcome_reason, outcome_by, outcome_at, walk_in, anonymised_at
from bookings;
drop table bookings;
alter table bookings_new rename to bookings;
-- A pending booking counts against the NIK's one active booking, like a confirmed one.
create unique index bookings_one_active_per_nik on bookings (nik)
    where status in ('confirmed', 'needs_rebooking', 'waitlisted', 'checked_in', 'pending_verification');
create index bookings_office_day on bookings (office_id, local_date);
create unique index bookings_queue_number on bookings (office_id, local_date, queue_number)
    where queue_number is not null;
create index bookings_status_slot on bookings (status, slot_start);
-- Codes sent to a phone in the last hour are counted (at most N per phone).
create index bookings_phone on bookings (phone);
-- The sweep that cancels bookings not verified in time.
create index bookings_verify_by on bookings (verify_by) where verify_by is not null;
