# rekam: texts in Bahasa Indonesia (the default). Keys are grouped by the page or part that uses them;
# every key exists in both languages and is used (a test checks both).

## err
err-not-found = Tidak ditemukan.
err-internal = Terjadi kesalahan di server kami. Silakan coba lagi.
err-slot-full = Jam ini sudah penuh. Silakan pilih jam lain.
err-day-full = Kuota pada tanggal itu sudah penuh. Silakan pilih tanggal lain.
err-active-booking-exists = NIK ini sudah memiliki jadwal aktif. Ubah atau batalkan jadwal itu dulu.
err-conflict = Jadwal ini baru saja diubah di tempat lain. Muat ulang dan coba lagi.
err-duplicate = Sudah ada.
err-too-many-replacements = Sertifikat untuk jadwal ini sudah diganti terlalu sering hari ini. Coba lagi besok.
err-idempotency-key-reused = Kunci Idempotency-Key ini sudah dipakai untuk permintaan lain. Pakai kunci baru untuk permintaan baru.
err-office-unknown = Kantor tidak dikenal.
err-slot-unknown = Jam ini tidak tersedia di kantor ini.
err-slot-past = Jam ini sudah lewat.
err-slot-beyond-horizon = Tanggal ini belum dibuka untuk pendaftaran.
err-certificate-kind = Pilih jenis surat yang diterima kantor ini.
err-required = Wajib diisi.
err-datetime = Masukkan tanggal dan jam, misalnya 2026-12-01T08:00.
err-too-large = Berkas terlalu besar: paling besar 5 MB.
err-certificate-missing = Unggah surat keterangan sehat atau hasil tes (PDF, JPG atau PNG).
err-certificate-empty = Berkas kosong.
err-certificate-type = Berkas harus PDF, JPG atau PNG.
err-certificate-damaged = Berkas rusak atau tidak lengkap. Coba unggah lagi.
err-certificate-active = Berkas ini memuat skrip atau halaman web, bukan hanya surat keterangan. Unggah hasil pindaian atau foto suratnya.
err-issued-in-future = Waktu terbit surat tidak boleh di masa depan.
err-certificate-expired = Surat ini sudah tidak berlaku pada jam kedatangan. Pilih jam lebih awal atau buat surat baru.
err-certificate-expired-for-new-slot = Surat Anda tidak berlaku lagi pada jam baru ini. Ganti surat dulu atau pilih jam lebih awal.
err-nik-shape = NIK terdiri dari 16 angka.
err-nik-region = Kode wilayah di NIK tidak valid.
err-nik-date = Tanggal lahir di dalam NIK tidak valid.
err-nik-serial = Nomor urut di NIK tidak valid.
err-nik-birth-mismatch = NIK tidak cocok dengan tanggal lahir (untuk perempuan tanggal ditambah 40).
err-name = Isi nama lengkap (1–100 huruf).
err-birth-date = Masukkan tanggal lahir yang benar.
err-too-young = Belum cukup umur pada tanggal itu. Yang sudah/pernah kawin centang kotak di bawah.
err-too-young-for-slot = Pada tanggal itu Anda belum cukup umur untuk perekaman. Pilih tanggal yang lebih akhir.
err-phone = Masukkan nomor HP Indonesia, misalnya 0812 3456 7890.
err-email = Alamat email tidak valid.
err-consent = Persetujuan diperlukan untuk memproses data kesehatan Anda.
err-guardian-consent = Di bawah 18 tahun, orang tua/wali perlu menyetujui: centang kotak ini.
err-not-changeable = Jadwal ini tidak dapat diubah lagi.
err-unauthorized = Perlu login petugas.
err-forbidden = Anda tidak memiliki hak akses untuk tindakan ini.
err-json = Isi permintaan bukan JSON yang benar.
err-multipart = Kirim formulir sebagai multipart/form-data.
err-range = Rentang tanggal tidak valid (paling panjang 62 hari).
err-date = Masukkan tanggal dengan format YYYY-MM-DD.
err-find = Tidak ada jadwal dengan kode, NIK dan tanggal lahir itu.
err-slug = Nama kantor di URL hanya huruf kecil, angka dan tanda minus.
err-text = Isian berisi karakter yang tidak diperbolehkan.
err-closed = Kantor tutup pada hari itu. Silakan pilih hari lain.
err-plan-changed = Kapasitas kantor baru saja berubah. Silakan pilih jam lagi.
err-preview-first = Perubahan ini belum dipratinjau, atau rencana kantor berubah sejak pratinjau. Lihat pratinjaunya lagi sebelum menerapkan.
err-holiday-type = Kirim berkas sebagai text/csv atau text/calendar.
err-holiday-file = Berkas hari libur tidak dapat dibaca; tidak ada yang diubah.
err-wait-range = Pilih rentang tanggal dari hari ini sampai batas pendaftaran.
err-rate-limited = Terlalu banyak percobaan. Tunggu sebentar lalu coba lagi.
err-fix-below = Periksa lagi isian berikut:
err-reupload = Demi keamanan, berkas tidak disimpan: pilih berkas surat lagi.
err-holiday-file-because = Berkas hari libur tidak dapat dibaca; tidak ada yang diubah. ({ $problem })
err-other-office = Jadwal ini milik kantor lain; buka di kantor tempat jadwal itu dibuat.
err-visit-other-day = Jadwal ini untuk tanggal lain, bukan hari ini.
err-already-checked-in = Sudah check-in; nomor antreannya tetap.
err-visit-cancelled = Jadwal ini sudah dibatalkan.
err-visit-ended = Kunjungan ini sudah selesai dicatat.
err-temperature = Masukkan suhu tubuh dalam °C, misalnya 36,6 (30–45).
err-retest-required = Suhu di atas batas: minta pemohon beristirahat sekitar 5 menit, lalu ukur dan catat suhu kedua.
err-certificate-rejected-at-desk = Surat keterangan sehat jadwal ini ditolak; perlu surat baru sebelum check-in.
err-certificate-expired-at-desk = Surat keterangan sehat sudah tidak berlaku hari ini; perlu surat baru sebelum check-in.
err-outcome = Pilih hasil: terekam, tidak datang, atau ditolak masuk.
err-reason-required = Isi alasannya.
err-reason-too-long = Alasan paling panjang 500 karakter.
err-outcome-not-now = Hasil ini belum dapat dicatat: terekam hanya setelah check-in, tidak datang hanya sebelum check-in.
err-decision = Pilih diterima atau ditolak.
err-review-not-now = Surat jadwal yang sudah selesai tidak diperiksa lagi.
err-walk-in-temperature = Suhu di atas batas: pemohon tidak dapat didaftarkan sekarang.
err-walk-in-closed = Kantor tidak buka hari ini.
err-walk-in-full = Kuota hari ini sudah penuh: tidak ada tempat untuk pendaftaran langsung.
err-report-range = Rentang tanggal tidak valid (paling panjang 366 hari, sampai tidak sebelum dari).
err-number = Masukkan angka.
err-too-long = Isian terlalu panjang.

## staff
staff-login = Masuk petugas
staff-login-failed = Nama pengguna atau kata sandi salah.
staff-username = Nama pengguna
staff-password = Kata sandi
staff-logout = Keluar
staff-offices = Kantor
staff-plan = Rencana kapasitas
staff-chart-title = Kapasitas dan jadwal terisi 30 hari ke depan; pita warna = level PPKM, silang = tutup
staff-cap = kapasitas
staff-booked = terisi
staff-level-band = level PPKM
staff-backlog = Antrean tertunda
staff-needs-rebooking = Perlu pilih jadwal baru
staff-days-to-clear = Hari buka yang dibutuhkan untuk menampung antrean, per level
staff-level = Level
staff-open-days = Hari buka
staff-over-a-year = lebih dari setahun
staff-set-level = Tetapkan level PPKM
staff-from = Berlaku mulai
staff-to = Sampai (kosongkan jika belum ditentukan)
staff-instruction = Dasar (nomor Inmendagri)
staff-preview = Pratinjau dampak
staff-close-day = Tutup kantor pada tanggal
staff-date = Tanggal
staff-closure-reason = Alasan (mis. disinfeksi)
staff-days = Rincian per hari
staff-note = Keterangan
staff-no-hours = tidak ada jam buka
staff-applied = Perubahan diterapkan. Pemohon yang terdampak sudah dipindahkan atau diminta memilih jam baru; halaman jadwal mereka menjelaskan alasannya. (Belum ada SMS atau WhatsApp yang dikirim otomatis.)
staff-preview-title = Pratinjau perubahan
staff-rules-admin-only = Aturan level dan hari libur berlaku untuk semua kantor: hanya admin yang mengubahnya.
staff-every-office = semua kantor
staff-displaced = Jadwal terdampak
staff-moved = dipindahkan
staff-marked = perlu pilih ulang
staff-days-changed = Hari yang berubah
staff-cap-before = Kapasitas sebelum
staff-cap-after = Kapasitas sesudah
staff-displaced-list = Jadwal yang tidak muat lagi (yang terakhir memesan lebih dulu)
staff-nobody-displaced = Tidak ada jadwal yang tergeser.
staff-from-slot = Jadwal lama
staff-to-slot = Jadwal baru
staff-apply = Terapkan perubahan
staff-back = Kembali tanpa mengubah
staff-waiting = menunggu
staff-rules = Aturan level dan hari libur
staff-rules-link = Aturan level PPKM dan hari libur
staff-rule-saved = Aturan disimpan; versi lama tetap tercatat.
staff-holidays-loaded = Daftar hari libur dimuat.
staff-wfo = WFO %
staff-occupancy = Okupansi %
staff-max-visitors = Maks. pengunjung/hari
staff-latest-close = Tutup paling lambat
staff-source = Dasar hukum
staff-reason = Alasan perubahan
staff-history = Riwayat perubahan
staff-version = Versi
staff-when = Kapan
staff-changed-by = Oleh
staff-load-holidays = Muat daftar hari libur (CSV atau iCalendar)
staff-year = Tahun
staff-file = Berkas
staff-holiday-help = CSV: satu baris per hari, YYYY-MM-DD,nama[,jenis] dengan jenis "libur nasional" atau "cuti bersama" (tanpa jenis: nama yang diawali "Cuti bersama" adalah cuti bersama). Daftar tahun itu diganti seluruhnya; berkas yang salah tidak mengubah apa pun.
staff-closed-mark = tutup
staff-holidays-in-file = Hari libur dalam berkas ini
staff-holidays = Hari libur
staff-holiday-name = Nama
staff-holiday-kind = Jenis
staff-no-holidays = Belum ada daftar hari libur untuk tahun ini.
holiday-national = Libur nasional
holiday-joint-leave = Cuti bersama
staff-chart-day = { $date }: { $booked } terisi / { $cap } kapasitas, { $waiting } menunggu
staff-limit-waiting-room = dibatasi oleh: kursi ruang tunggu ({ $percent } %: { $seats } kursi)
staff-limit-throughput = dibatasi oleh: kapasitas alat perekaman ({ $percent } % WFO: { $sets } alat)
staff-level-title = { $level } · Berlaku mulai { $from }{ $to }
staff-close-title = Tutup kantor pada tanggal { $date }
staff-rule-invalid-field = Aturan tidak disimpan, periksa isian: { $field }
staff-line-problem = baris { $line }: { $problem }

## offer
offer-claim = Ambil jadwal ini
offer-claimed = Jadwal itu sudah menjadi milik Anda.
offer-text = Ada jadwal untuk Anda: { $slot }. Ambil sebelum { $until }.

## wait
wait-title = Daftar tunggu
wait-explain = Tidak menemukan jam yang cocok? Masuk daftar tunggu: bila ada kuota kosong pada rentang tanggal Anda, kuota itu ditahan untuk Anda dan tampil di halaman jadwal Anda. Buka tautan jadwal Anda untuk memeriksanya (belum ada pesan otomatis).
wait-join = Masuk daftar tunggu
wait-from = Dari tanggal
wait-to = Sampai tanggal
wait-joined = Anda sudah masuk daftar tunggu.
wait-position-text = Anda menunggu kuota kosong. Urutan Anda dalam antrean: { $n }

## status
status-waitlisted = Dalam daftar tunggu
status-confirmed = Terkonfirmasi
status-needs-rebooking = Perlu pilih jadwal baru
status-cancelled = Dibatalkan
status-checked-in = Sudah datang
status-recorded = Sudah direkam
status-no-show = Tidak datang
status-turned-away = Ditolak masuk

## change
change-offer-expired = Jadwal yang ditawarkan tidak diambil tepat waktu dan diberikan ke orang berikutnya. Anda kembali ke antrean.
change-moved-text = Kantor memindahkan jadwal Anda: { $from } → { $to }. Alasan: { $reason }
change-needs-rebooking-text = Kapasitas kantor berkurang dan jadwal Anda dibatalkan oleh kantor. Silakan pilih jam baru ({ $from }). Alasan: { $reason }

## nav
nav-skip = Langsung ke isi
nav-home = Beranda
staff-title = staf
staff-nav = Menu staf
nav-find = Cari jadwal saya
nav-switch = English

## site
site-tagline = Jadwal perekaman KTP-el pemula
site-footer = Data Anda hanya dipakai untuk jadwal perekaman dan hanya dilihat petugas Disdukcapil.

## home
home-title = Ambil jadwal perekaman KTP-el
home-intro = Untuk pemohon KTP-el pertama kali: berumur { $n } tahun pada hari perekaman, atau sudah/pernah kawin. Siapkan NIK, tanggal lahir, nomor HP, dan foto atau PDF surat keterangan sehat/hasil tes.
home-choose = Pilih kantor
home-none = Belum ada kantor yang membuka pendaftaran.
home-lost = Sudah punya jadwal?

## office
office-title = Pilih hari dan jam
office-certificates = Surat yang diterima, dihitung dari waktu pengambilan sampel atau terbit sampai jam perekaman:
office-full = penuh
office-closed = Tutup
office-no-slots = Tidak ada jam tersisa
office-none-open = Tidak ada hari yang bisa dipesan saat ini.
office-binding-throughput = dibatasi oleh: kapasitas alat perekaman
office-binding-waiting-room = dibatasi oleh: kursi ruang tunggu
office-binding-level-maximum = dibatasi oleh: kuota harian level PPKM
office-binding-daily-maximum = dibatasi oleh: kuota harian
office-left-of = sisa { $left } dari { $cap }
office-slot-left = sisa { $n }
office-closed-because = Tutup: { $reason }

## book
book-title = Isi data pemohon
book-slot = Jadwal dipilih
book-change-slot = Ganti jam
book-alternatives = Jam itu baru saja penuh. Isian Anda tetap tersimpan: pilih jam terdekat yang masih kosong, pilih lagi berkas surat Anda, lalu kirim.
book-name = Nama lengkap (sesuai Kartu Keluarga)
book-nik = NIK (16 angka, lihat Kartu Keluarga)
book-birth-date = Tanggal lahir
book-married = Saya sudah atau pernah kawin (boleh merekam sebelum berumur { $n } tahun)
book-phone = Nomor HP (WhatsApp/SMS)
book-email = Email (tidak wajib)
book-certificate-kind = Jenis surat
book-certificate-issued-at = Waktu terbit surat / pengambilan sampel
book-certificate = Berkas surat (PDF, JPG atau PNG, maks. 5 MB)
book-consent = Saya setuju data kesehatan saya diproses untuk jadwal ini dan hanya dilihat oleh petugas (UU 27/2022).
book-guardian = Umur saya di bawah 18 tahun pada hari perekaman, dan orang tua/wali saya menyetujui pendaftaran ini (UU 27/2022 pasal 25).
book-submit = Ambil jadwal
book-kind-label = { $name } (berlaku { $hours } jam)
book-kind-label-days = { $name } (berlaku { $days } hari)

## kind
kind-antigen = Hasil tes antigen
kind-pcr = Hasil tes PCR
kind-surat-sehat = Surat keterangan sehat (puskesmas/dokter)

## booking
booking-title = Jadwal perekaman Anda
booking-code = Kode jadwal
booking-show-qr = Tunjukkan kode QR ini atau kode jadwal di loket.
booking-when = Waktu
booking-where = Tempat
booking-name = Nama
booking-bring = Yang dibawa
booking-bring-kk = Kartu Keluarga (asli)
booking-bring-certificate = Surat keterangan sehat / hasil tes (asli)
booking-bring-mask = Masker, dipakai selama di kantor
booking-bring-marriage = Buku nikah / akta perkawinan, jika sudah kawin
booking-bring-self = Datang sendiri: perekaman tidak bisa diwakilkan. Suhu tubuh di atas 37,3 °C tidak boleh masuk.
booking-certificate = Surat kesehatan
booking-valid-until = berlaku sampai
booking-calendar = Tambahkan ke kalender
booking-reschedule = Ganti jadwal
booking-cancel = Batalkan jadwal
booking-replace = Ganti berkas surat
booking-replace-submit = Unggah surat baru
booking-keep-link = Simpan halaman ini (bookmark) untuk mengubah atau membatalkan jadwal.
booking-created = Jadwal berhasil dibuat.
booking-rescheduled = Jadwal berhasil diganti.
booking-cancelled-now = Jadwal dibatalkan. Kuotanya diberikan ke orang lain.
booking-replaced = Surat baru diterima dan menunggu pemeriksaan.

## cert
cert-submitted = menunggu pemeriksaan
cert-accepted = diterima
cert-rejected = ditolak

## cancel
cancel-title = Batalkan jadwal?
cancel-explain = Kuota Anda langsung diberikan ke orang lain. Anda bisa mengambil jadwal baru kapan saja.
cancel-confirm = Ya, batalkan
cancel-back = Jangan batalkan

## reschedule
reschedule-title = Pilih jam baru
reschedule-explain = Jadwal lama tetap milik Anda sampai jam baru berhasil diambil.
reschedule-back = Kembali ke jadwal saya
reschedule-yours = jadwal Anda sekarang
reschedule-not-covered = surat Anda tidak berlaku lagi

## find
find-title = Cari jadwal saya
find-explain = Masukkan kode jadwal, NIK dan tanggal lahir. Tautan lama akan diganti dengan tautan baru.
find-code = Kode jadwal (8 huruf/angka)
find-submit = Cari
find-lost-link = Kehilangan tautan jadwal Anda? Cari jadwal dengan kode, NIK, dan tanggal lahir.

## error
error-title = Ada masalah
error-back = Kembali ke beranda

## ppkm
ppkm-none = Tanpa PPKM
ppkm-n = Level { $n }
ppkm-darurat = PPKM Darurat
holiday-err-fields = tulis tanggal,nama atau tanggal,nama,jenis (nama yang berisi koma diapit tanda kutip)
holiday-err-date = "{ $value }" bukan tanggal YYYY-MM-DD
holiday-err-year = { $date } tidak berada pada tahun yang dimuat
holiday-err-twice = { $date } tercantum dua kali
holiday-err-name = nama hari libur harus 1–200 karakter
holiday-err-kind = jenis "{ $value }" tidak dikenal: tulis "libur nasional" atau "cuti bersama"
holiday-err-all-day = "{ $name }" bukan acara sehari penuh
holiday-err-too-long = "{ $name }" lebih dari satu bulan
holiday-err-ical = bukan berkas iCalendar
holiday-err-empty = berkas tidak berisi hari libur
holiday-err-too-many = lebih dari 100 hari dalam setahun bukan daftar hari libur
