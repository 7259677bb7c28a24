-- A parent's or guardian's agreement (UU 27/2022 art. 25) is kept with the booking, so the
-- desk can see it was confirmed and ask at the visit where it was not (the public API does
-- not require the field). Bookings made before this migration have 0: not recorded.
alter table bookings add column guardian_consent bigint not null default 0
    check (guardian_consent in (0, 1));
