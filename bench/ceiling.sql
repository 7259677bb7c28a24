-- The reference ceiling: what one booking must do at the database, as bare SQL that
-- pgbench runs (bench/ceiling, or by hand: see the README). One transaction, like the
-- service's, against the same tables and indexes:
--   the office's plan version, read under a shared row lock;
--   the conditional seat updates of the slot and the day;
--   the booking row, with its unique indexes (code, one active booking per NIK);
--   the certificate (:size random bytes, which do not compress, like a photo);
--   the confirmation message in the outbox and the audit row.
-- Rows land on 2100-01-01 in random offices (ids 1..:offices), so that bench/ceiling can
-- delete them afterwards and leave the data set as it was.
\set office random(1, :offices)
\set minute random(0, 599)
\set n random(1, 8999999999999999)
\set now 1800000000
BEGIN;
SELECT plan_version FROM offices WHERE id = :office FOR SHARE;
INSERT INTO slot_loads (office_id, slot_start, booked) VALUES (:office, 4102444800 + :minute * 60, 1)
    ON CONFLICT (office_id, slot_start) DO UPDATE SET booked = slot_loads.booked + 1
    WHERE slot_loads.booked < 1000000;
INSERT INTO day_loads (office_id, local_date, booked) VALUES (:office, '2100-01-01', 1)
    ON CONFLICT (office_id, local_date) DO UPDATE SET booked = day_loads.booked + 1
    WHERE day_loads.booked < 1000000;
INSERT INTO bookings (code, token_hash, office_id, slot_start, slot_end, local_date, status,
    nik, name, birth_date, phone, married, lang, version, created_at, updated_at,
    guardian_consent)
    VALUES ('C' || :n, 'Y2VpbGluZyB0b2tlbiBoYXNoIG9mIDQ0IGNoYXJzIGxvbmc=', :office,
    4102444800 + :minute * 60, 4102444800 + :minute * 60 + 1800, '2100-01-01', 'confirmed',
    lpad(:n::text, 16, '1'), 'Ceiling Bench', '2009-05-07', '+6281234567890', 0, 'id', 1,
    :now, :now, 0);
INSERT INTO certificates (booking_id, kind, issued_at, content_type, size_bytes, content,
    status, uploaded_at)
    SELECT currval(pg_get_serial_sequence('bookings', 'id')), 'surat_sehat', :now - 3600,
    'image/png', length(content), content, 'submitted', :now FROM ceiling_blob;
INSERT INTO notifications (booking_id, kind, from_slot, reason, created_at, next_attempt_at,
    language, secret)
    VALUES (currval(pg_get_serial_sequence('bookings', 'id')), 'confirmed',
    4102444800 + :minute * 60, '', :now, :now, 'id', 'secret-token-of-the-manage-link');
INSERT INTO audit_log (at, actor, action, office_id, booking_id, detail, origin)
    VALUES (:now, 'applicant', 'booking.create', :office,
    currval(pg_get_serial_sequence('bookings', 'id')), '', 'api');
END;
