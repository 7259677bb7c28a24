-- The seed rules' legal sources are shown on the supervisor's pages: in Indonesian, as
-- the rest of those pages (the first versions, as seeded; later versions are untouched).
update level_rules set source = 'Tanpa PPKM: tidak ada pembatasan'
    where level = 'none' and version = 1 and changed_by = 'seed';
update level_rules set source = 'Inmendagri 22/2021 (pelayanan publik: WFO 25 %)'
    where level = '3' and version = 1 and changed_by = 'seed';
update level_rules set source = 'Inmendagri 15/2021; UPT Serang melayani 07.30–13.00 (aturan khusus pelayanan publik tidak ditemukan: belum pasti)'
    where level = 'darurat' and version = 1 and changed_by = 'seed';
