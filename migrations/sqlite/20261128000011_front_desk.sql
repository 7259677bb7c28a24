-- The front desk (issue 9): check-in with temperature readings and the day's queue
-- numbers, outcomes with their reason, walk-ins, certificate reviews by whom, disabled
-- staff accounts, where each audited action came from, and two new kinds of message to
-- an applicant (a rejected certificate; a booking released because it stayed rejected).

-- Temperatures in tenths of a degree (36.6 °C is 366): the first reading and, after a
-- rest, the second. Both are kept.
alter table bookings add column temperature_dc bigint;
alter table bookings add column retest_dc bigint;
alter table bookings add column checked_in_at bigint;
-- The day's queue number, unique per office and day, given at check-in.
alter table bookings add column queue_number bigint;
-- Why a booking ended as it did (turned away, released, marked by the desk), who, when.
alter table bookings add column outcome_reason text;
alter table bookings add column outcome_by text;
alter table bookings add column outcome_at bigint;
alter table bookings add column walk_in bigint not null default 0 check (walk_in in (0, 1));
create unique index bookings_queue_number on bookings (office_id, local_date, queue_number)
    where queue_number is not null;
-- The sweeps (no-shows, releases) look for bookings by status and time.
create index bookings_status_slot on bookings (status, slot_start);

-- The last queue number given per office and day: taken in the check-in's transaction,
-- so numbers are unique and without gaps.
create table queue_counters (
    office_id bigint not null references offices (id),
    local_date text not null,
    last_number bigint not null,
    primary key (office_id, local_date)
);

alter table certificates add column reviewed_by text;
alter table certificates add column reviewed_at bigint;
create index certificates_status on certificates (status) where superseded_at is null;

-- A disabled account signs in no more; its sessions and tokens end at once.
alter table staff add column disabled_at bigint;

-- Where an audited action came from (the client address as the server saw it).
alter table audit_log add column origin text;
create index audit_log_at on audit_log (at);

-- SQLite cannot change a check: the table is rebuilt with the wider list of kinds.
create table notifications_new (
    id integer primary key,
    booking_id bigint not null references bookings (id),
    kind text not null check (kind in ('moved', 'needs_rebooking', 'offered', 'offer_expired', 'certificate_rejected', 'released')),
    from_slot bigint not null,
    to_slot bigint,
    reason text not null,
    created_at bigint not null,
    sent_at bigint
);
insert into notifications_new (id, booking_id, kind, from_slot, to_slot, reason, created_at, sent_at)
    select id, booking_id, kind, from_slot, to_slot, reason, created_at, sent_at from notifications;
drop table notifications;
alter table notifications_new rename to notifications;
create index notifications_booking on notifications (booking_id);
