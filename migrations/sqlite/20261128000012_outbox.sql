-- The notification records become an outbox (issue 10): each message to an applicant is
-- written in the transaction of the change it reports, then delivered by a worker through
-- the configured channel, with retries for up to a day. Records written before delivery
-- existed have no `next_attempt_at` and are never sent.
-- SQLite cannot change a check: the table is rebuilt with the new columns and the kinds of
-- API.md's messages.
create table notifications_new (
    id integer primary key,
    booking_id bigint not null references bookings (id),
    kind text not null check (kind in ('moved', 'needs_rebooking', 'offered', 'offer_expired', 'certificate_rejected', 'released', 'confirmed', 'reminder', 'verification_code')),
    from_slot bigint not null,
    to_slot bigint,
    reason text not null,
    created_at bigint not null,
    sent_at bigint,
    -- The applicant's language when it was written.
    language text not null default 'id',
    -- Due for (another) delivery attempt from this instant; null: never to be sent.
    next_attempt_at bigint,
    attempts bigint not null default 0,
    -- A worker holds it until then (several processes share the work).
    lease_until bigint,
    leased_by text,
    -- Given up after a day of failed attempts; supervisors see these.
    failed_at bigint,
    last_error text,
    -- The manage link's token for the confirmation message, cleared once it is delivered.
    secret text
);
insert into notifications_new (id, booking_id, kind, from_slot, to_slot, reason, created_at, sent_at)
    select id, booking_id, kind, from_slot, to_slot, reason, created_at, sent_at from notifications;
drop table notifications;
alter table notifications_new rename to notifications;
create index notifications_booking on notifications (booking_id);
create index notifications_due on notifications (next_attempt_at)
    where sent_at is null and failed_at is null and next_attempt_at is not null;
