-- Seats freed by a cancellation, a lower level or a reopening are offered to bookings
-- waiting for a new slot (needs_rebooking), in queue order, held until hold_until. While
-- held, the offered slot is the booking's slot and the seat is counted as taken.
alter table bookings add column hold_until bigint;
-- When the booking joined the queue (displaced, or its offer lapsed): the queue order.
alter table bookings add column queued_at bigint;
-- A waiting-list entry (status waitlisted) wants a seat between these office-local dates.
alter table bookings add column wait_from text;
alter table bookings add column wait_to text;
