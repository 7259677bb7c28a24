-- The codes sent to a phone are counted only among bookings that went through phone
-- verification (`verify_by` is kept once set): a partial index costs nothing on the
-- bookings made without it, where a full index on `phone` slowed every insert.
drop index bookings_phone;
create index bookings_verified_phone on bookings (phone) where verify_by is not null;
