-- Indexes for a national table (issue 12: 1,500 offices, millions of bookings), each
-- named after the query it serves; bench/national and the national test check the plans.

-- The audit log filtered by office, newest first.
create index audit_log_office on audit_log (office_id, id);

-- An office's bookings that hold or wait for a seat: the review queue, the waiting list
-- and its positions, and the /metrics gauge, without walking the office's history.
create index bookings_active_office on bookings (office_id, status)
    where status in ('confirmed', 'needs_rebooking', 'waitlisted', 'checked_in', 'pending_verification');

-- Retention: ended bookings whose personal data is still kept, by the instant they ended
-- (the same expression as the purge's query).
create index bookings_to_anonymise on bookings
    ((case when slot_end > updated_at then slot_end else updated_at end))
    where anonymised_at is null;

-- Retention: certificates whose file is still kept, by upload (a booking's current
-- certificate was uploaded before the booking ended, so those uploaded before the cut-off
-- are the only ones that can be due).
create index certificates_kept on certificates (uploaded_at) where deleted_at is null;
