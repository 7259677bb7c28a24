-- The notification records become an outbox (issue 10): each message to an applicant is
-- written in the transaction of the change it reports, then delivered by a worker through
-- the configured channel, with retries for up to a day. Records written before delivery
-- existed have no `next_attempt_at` and are never sent.
alter table notifications drop constraint notifications_kind_check;
alter table notifications add constraint notifications_kind_check
    check (kind in ('moved', 'needs_rebooking', 'offered', 'offer_expired', 'certificate_rejected', 'released', 'confirmed', 'reminder', 'verification_code'));
-- The applicant's language when it was written.
alter table notifications add column language text not null default 'id';
-- Due for (another) delivery attempt from this instant; null: never to be sent.
alter table notifications add column next_attempt_at bigint;
alter table notifications add column attempts bigint not null default 0;
-- A worker holds it until then (several processes share the work).
alter table notifications add column lease_until bigint;
alter table notifications add column leased_by text;
-- Given up after a day of failed attempts; supervisors see these.
alter table notifications add column failed_at bigint;
alter table notifications add column last_error text;
-- The manage link's token for the confirmation message, cleared once it is delivered.
alter table notifications add column secret text;
create index notifications_due on notifications (next_attempt_at)
    where sent_at is null and failed_at is null and next_attempt_at is not null;
