-- Issue 19, after an attacker's review: a stranger's holds must never end or block the
-- owner's. Each code records the NIK and booking it was sent for: codes are limited per
-- phone and NIK (the owner's own budget, spent only by someone who knows both) and per
-- phone and asking address, and the holds of a NIK that make way for a new one are only
-- those asked for from the same address.
alter table verification_codes add column nik text;
alter table verification_codes add column booking_id bigint;
create index verification_codes_phone_nik on verification_codes (phone, nik, sent_at);
create index verification_codes_booking on verification_codes (booking_id);
