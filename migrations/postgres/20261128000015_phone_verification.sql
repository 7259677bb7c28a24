-- Phone verification (issue 10, API.md "Phone verification"): with `serve --verify-phone`
-- a new booking is `pending_verification`, holding its seat and its NIK until `verify_by`,
-- while the six-digit code sent to the phone is entered. The code is kept only as a salted
-- hash; `verify_attempts` counts the codes tried (five wrong ones cancel the booking).
alter table bookings drop constraint bookings_status_check;
alter table bookings add constraint bookings_status_check
    check (status in ('confirmed', 'needs_rebooking', 'waitlisted', 'cancelled', 'checked_in',
        'recorded', 'no_show', 'turned_away', 'pending_verification'));
-- A pending booking counts against the NIK's one active booking, like a confirmed one.
drop index bookings_one_active_per_nik;
create unique index bookings_one_active_per_nik on bookings (nik)
    where status in ('confirmed', 'needs_rebooking', 'waitlisted', 'checked_in', 'pending_verification');
alter table bookings add column verify_by bigint;
alter table bookings add column verify_hash text;
alter table bookings add column verify_attempts bigint not null default 0;
-- Codes sent to a phone in the last hour are counted (at most N per phone).
create index bookings_phone on bookings (phone);
-- The sweep that cancels bookings not verified in time.
create index bookings_verify_by on bookings (verify_by) where verify_by is not null;
