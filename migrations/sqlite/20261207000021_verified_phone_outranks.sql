-- Issue 19: a verified phone outranks an unverified hold. A booking (or waiting-list
-- entry) awaiting its phone's code no longer keeps its NIK from anyone: the unique index
-- covers only bookings whose phone is verified (or that needed none), and the first hold
-- of a NIK to be verified ends the others.
drop index bookings_one_active_per_nik;
create unique index bookings_one_active_per_nik on bookings (nik)
    where status in ('confirmed', 'needs_rebooking', 'waitlisted', 'checked_in');
-- The holds of a NIK awaiting a code (a few at once; the oldest ends for a new one).
create index bookings_pending_nik on bookings (nik) where status = 'pending_verification';

-- Every verification code sent: to which phone, asked for from which client address
-- (an IPv6 address by its /64). Codes are limited per phone and asking address, so that
-- nobody can use up a stranger's codes from elsewhere, and per phone in all. Kept a day.
create table verification_codes (
    id integer primary key,
    phone text not null,
    origin text not null,
    sent_at bigint not null
);
create index verification_codes_phone on verification_codes (phone, sent_at);
create index verification_codes_sent on verification_codes (sent_at);
