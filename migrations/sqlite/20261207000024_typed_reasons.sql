-- Reasons with a kind and parameters (JSON), rendered in the reader's language; the text
-- columns keep only what a staff member typed. Rows of the known fixed texts written
-- before get their kind.
ALTER TABLE notifications ADD COLUMN notice TEXT;
ALTER TABLE bookings ADD COLUMN outcome_notice TEXT;
UPDATE notifications SET notice = '{"kind":"offer_lapsed"}', reason = ''
  WHERE reason = 'offer not claimed in time';
UPDATE notifications SET notice = '{"kind":"office_settings"}', reason = ''
  WHERE reason = 'office settings changed';
UPDATE notifications SET notice = '{"kind":"released"}', reason = ''
  WHERE reason = 'surat keterangan sehat masih ditolak menjelang jadwal';
UPDATE bookings SET outcome_notice = '{"kind":"released"}', outcome_reason = NULL
  WHERE outcome_reason = 'surat keterangan sehat masih ditolak menjelang jadwal';
UPDATE bookings SET outcome_notice = '{"kind":"no_check_in"}', outcome_reason = NULL
  WHERE outcome_reason = 'tidak check-in sampai jadwal selesai';
UPDATE bookings SET outcome_notice = '{"kind":"verify_late"}', outcome_reason = NULL
  WHERE outcome_reason = 'nomor HP tidak diverifikasi tepat waktu';
UPDATE bookings SET outcome_notice = '{"kind":"verify_wrong"}', outcome_reason = NULL
  WHERE outcome_reason = 'kode verifikasi salah terlalu sering';
UPDATE bookings SET outcome_notice = '{"kind":"verify_replaced"}', outcome_reason = NULL
  WHERE outcome_reason = 'diganti pemesanan baru dengan NIK yang sama';
UPDATE bookings SET outcome_notice = '{"kind":"verify_outranked"}', outcome_reason = NULL
  WHERE outcome_reason = 'pemesanan lain dengan NIK yang sama sudah diverifikasi';
