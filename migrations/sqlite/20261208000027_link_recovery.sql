-- The lost link (issue 22): a NIK and its birth date send a new manage link, a message
-- of a new kind. SQLite cannot change a check: the table is rebuilt as it stands, with
-- the new kind, its rows and indexes kept.
create table notifications_new (
    id integer primary key,
    booking_id bigint not null references bookings (id),
    kind text not null check (kind in ('moved', 'needs_rebooking', 'offered', 'offer_expired', 'certificate_rejected', 'released', 'confirmed', 'reminder', 'verification_code', 'link_recovery')),
    from_slot bigint not null,
    to_slot bigint,
    reason text not null,
    created_at bigint not null,
    sent_at bigint,
    language text not null default 'id',
    next_attempt_at bigint,
    attempts bigint not null default 0,
    lease_until bigint,
    leased_by text,
    failed_at bigint,
    last_error text,
    secret text,
    notice text
);
insert into notifications_new (id, booking_id, kind, from_slot, to_slot, reason, created_at,
    sent_at, language, next_attempt_at, attempts, lease_until, leased_by, failed_at,
    last_error, secret, notice)
    select id, booking_id, kind, from_slot, to_slot, reason, created_at, sent_at, language,
    next_attempt_at, attempts, lease_until, leased_by, failed_at, last_error, secret, notice
    from notifications;
drop table notifications;
alter table notifications_new rename to notifications;
create index notifications_booking on notifications (booking_id);
create index notifications_due on notifications (next_attempt_at)
    where sent_at is null and failed_at is null and next_attempt_at is not null;
create unique index notifications_one_reminder on notifications (booking_id)
    where kind = 'reminder';

-- A certificate accepted with a form refused for another field is kept for the form's
-- correction (issue 22): the form carries a random reference (only its hash is here),
-- and the row goes when the booking is made or after an hour. All drafts together are
-- capped (see src/store/drafts.rs), so refused forms cannot fill the disk.
create table draft_uploads (
    id integer primary key,
    ref_hash text not null unique,
    file_name text not null,
    content blob not null,
    size_bytes bigint not null,
    created_at bigint not null
);
create index draft_uploads_created on draft_uploads (created_at);
