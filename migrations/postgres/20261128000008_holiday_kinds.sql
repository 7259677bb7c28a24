-- Holidays carry their kind and their real names (DOMAIN.md, "Time"): the decrees (SKB 3
-- Menteri for each year) distinguish national holidays (libur nasional) from joint leave
-- days (cuti bersama), and essential services sometimes open on joint leave days.
-- 2025: SKB 3 Menteri of 2024 as amended in 2025 (18 August added as joint leave).
-- 2026: SKB 3 Menteri No. 1497/2025, 2/2025, 5/2025.
-- Only the seeded years' rows are renamed; a year loaded by an admin keeps its names.
alter table holidays add column kind text not null default 'national'
    check (kind in ('national', 'joint_leave'));

update holidays set kind = 'joint_leave', name = case day
    when '2025-01-28' then 'Cuti bersama Tahun Baru Imlek 2576 Kongzili'
    when '2025-03-28' then 'Cuti bersama Hari Suci Nyepi (Tahun Baru Saka 1947)'
    when '2025-04-02' then 'Cuti bersama Idul Fitri 1446 H'
    when '2025-04-03' then 'Cuti bersama Idul Fitri 1446 H'
    when '2025-04-04' then 'Cuti bersama Idul Fitri 1446 H'
    when '2025-04-07' then 'Cuti bersama Idul Fitri 1446 H'
    when '2025-05-13' then 'Cuti bersama Hari Raya Waisak 2569 BE'
    when '2025-05-30' then 'Cuti bersama Kenaikan Yesus Kristus'
    when '2025-06-09' then 'Cuti bersama Idul Adha 1446 H'
    when '2025-08-18' then 'Cuti bersama Hari Kemerdekaan RI'
    when '2025-12-26' then 'Cuti bersama Kelahiran Yesus Kristus'
    when '2026-02-16' then 'Cuti bersama Tahun Baru Imlek 2577 Kongzili'
    when '2026-03-18' then 'Cuti bersama Hari Suci Nyepi (Tahun Baru Saka 1948)'
    when '2026-03-20' then 'Cuti bersama Idul Fitri 1447 H'
    when '2026-03-23' then 'Cuti bersama Idul Fitri 1447 H'
    when '2026-03-24' then 'Cuti bersama Idul Fitri 1447 H'
    when '2026-05-15' then 'Cuti bersama Kenaikan Yesus Kristus'
    when '2026-05-28' then 'Cuti bersama Idul Adha 1447 H'
    when '2026-12-24' then 'Cuti bersama Kelahiran Yesus Kristus'
    end
where name = 'Libur nasional / cuti bersama' and day in (
    '2025-01-28', '2025-03-28', '2025-04-02', '2025-04-03', '2025-04-04', '2025-04-07',
    '2025-05-13', '2025-05-30', '2025-06-09', '2025-08-18', '2025-12-26',
    '2026-02-16', '2026-03-18', '2026-03-20', '2026-03-23', '2026-03-24', '2026-05-15',
    '2026-05-28', '2026-12-24');

update holidays set name = case day
    when '2025-01-01' then 'Tahun Baru 2025 Masehi'
    when '2025-01-27' then 'Isra Mikraj Nabi Muhammad SAW'
    when '2025-01-29' then 'Tahun Baru Imlek 2576 Kongzili'
    when '2025-03-29' then 'Hari Suci Nyepi (Tahun Baru Saka 1947)'
    when '2025-03-31' then 'Hari Raya Idul Fitri 1446 H'
    when '2025-04-01' then 'Hari Raya Idul Fitri 1446 H'
    when '2025-04-18' then 'Wafat Yesus Kristus'
    when '2025-04-20' then 'Kebangkitan Yesus Kristus (Paskah)'
    when '2025-05-01' then 'Hari Buruh Internasional'
    when '2025-05-12' then 'Hari Raya Waisak 2569 BE'
    when '2025-05-29' then 'Kenaikan Yesus Kristus'
    when '2025-06-01' then 'Hari Lahir Pancasila'
    when '2025-06-06' then 'Hari Raya Idul Adha 1446 H'
    when '2025-06-27' then '1 Muharam Tahun Baru Islam 1447 H'
    when '2025-08-17' then 'Proklamasi Kemerdekaan'
    when '2025-09-05' then 'Maulid Nabi Muhammad SAW'
    when '2025-12-25' then 'Kelahiran Yesus Kristus'
    when '2026-01-01' then 'Tahun Baru 2026 Masehi'
    when '2026-01-16' then 'Isra Mikraj Nabi Muhammad SAW'
    when '2026-02-17' then 'Tahun Baru Imlek 2577 Kongzili'
    when '2026-03-19' then 'Hari Suci Nyepi (Tahun Baru Saka 1948)'
    when '2026-03-21' then 'Hari Raya Idul Fitri 1447 H'
    when '2026-03-22' then 'Hari Raya Idul Fitri 1447 H'
    when '2026-04-03' then 'Wafat Yesus Kristus'
    when '2026-04-05' then 'Kebangkitan Yesus Kristus (Paskah)'
    when '2026-05-01' then 'Hari Buruh Internasional'
    when '2026-05-14' then 'Kenaikan Yesus Kristus'
    when '2026-05-27' then 'Hari Raya Idul Adha 1447 H'
    when '2026-05-31' then 'Hari Raya Waisak 2570 BE'
    when '2026-06-01' then 'Hari Lahir Pancasila'
    when '2026-06-16' then '1 Muharam Tahun Baru Islam 1448 H'
    when '2026-08-17' then 'Proklamasi Kemerdekaan'
    when '2026-08-25' then 'Maulid Nabi Muhammad SAW'
    when '2026-12-25' then 'Kelahiran Yesus Kristus'
    end
where name = 'Libur nasional / cuti bersama' and day in (
    '2025-01-01', '2025-01-27', '2025-01-29', '2025-03-29', '2025-03-31', '2025-04-01',
    '2025-04-18', '2025-04-20', '2025-05-01', '2025-05-12', '2025-05-29', '2025-06-01',
    '2025-06-06', '2025-06-27', '2025-08-17', '2025-09-05', '2025-12-25',
    '2026-01-01', '2026-01-16', '2026-02-17', '2026-03-19', '2026-03-21', '2026-03-22',
    '2026-04-03', '2026-04-05', '2026-05-01', '2026-05-14', '2026-05-27', '2026-05-31',
    '2026-06-01', '2026-06-16', '2026-08-17', '2026-08-25', '2026-12-25');
