-- Retention (UU 27/2022, arts. 42–44): a certificate's file is deleted a set time after
-- the visit or the cancellation, and the personal data of an ended booking anonymised
-- later; the code, office, day and outcome stay for statistics.
alter table certificates add column deleted_at bigint;
alter table bookings add column anonymised_at bigint;
