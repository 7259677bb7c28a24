//! Page and message texts in Bahasa Indonesia (default) and English.

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::LazyLock;

/// The language of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Bahasa Indonesia, the default.
    #[default]
    Id,
    /// English.
    En,
}

impl Lang {
    /// `id` / `en`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::En => "en",
        }
    }

    /// From `id` / `en`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "id" => Some(Self::Id),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The other language, for the switch link.
    pub fn other(self) -> Self {
        match self {
            Self::Id => Self::En,
            Self::En => Self::Id,
        }
    }

    /// The text for `key`; the key itself if missing (a unit test keeps the table whole).
    pub fn text(self, key: &str) -> &'static str {
        match TABLE.get(key) {
            Some((id, en)) => match self {
                Self::Id => id,
                Self::En => en,
            },
            None => {
                tracing::warn!(key, "missing text");
                "?"
            }
        }
    }

    /// "Selasa, 1 Desember 2026" / "Tuesday, 1 December 2026".
    pub fn long_date(self, d: NaiveDate) -> String {
        let (days, months) = match self {
            Self::Id => (DAYS_ID, MONTHS_ID),
            Self::En => (DAYS_EN, MONTHS_EN),
        };
        format!(
            "{}, {} {} {}",
            days[d.weekday().num_days_from_monday() as usize],
            d.day(),
            months[d.month0() as usize],
            d.year()
        )
    }

    /// "Sel, 1 Des" — for compact lists.
    pub fn short_date(self, d: NaiveDate) -> String {
        let (days, months) = match self {
            Self::Id => (DAYS_ID, MONTHS_ID),
            Self::En => (DAYS_EN, MONTHS_EN),
        };
        format!(
            "{}, {} {}",
            &days[d.weekday().num_days_from_monday() as usize][..3],
            d.day(),
            &months[d.month0() as usize][..3]
        )
    }
}

const DAYS_ID: [&str; 7] = [
    "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
];
const DAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "08:00" in the office's zone.
pub fn hm(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

/// The language of a request: the `lang` cookie, else Indonesian.
impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lang = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().strip_prefix("lang="))
            .find_map(Lang::parse);
        Ok(lang.unwrap_or_default())
    }
}

static TABLE: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| TEXTS.iter().map(|(k, id, en)| (*k, (*id, *en))).collect());

/// (key, Bahasa Indonesia, English)
const TEXTS: &[(&str, &str, &str)] = &[
    // errors
    ("err.not_found", "Tidak ditemukan.", "Not found."),
    (
        "err.internal",
        "Terjadi kesalahan di server kami. Silakan coba lagi.",
        "Something went wrong on our side. Please try again.",
    ),
    (
        "err.slot_full",
        "Jam ini sudah penuh. Silakan pilih jam lain.",
        "This time slot is full. Please choose another.",
    ),
    (
        "err.day_full",
        "Kuota hari ini sudah penuh. Silakan pilih hari lain.",
        "This day is fully booked. Please choose another day.",
    ),
    (
        "err.active_booking_exists",
        "NIK ini sudah memiliki jadwal aktif. Ubah atau batalkan jadwal itu dulu.",
        "This NIK already has an active booking. Change or cancel that one first.",
    ),
    (
        "err.conflict",
        "Jadwal ini baru saja diubah di tempat lain. Muat ulang dan coba lagi.",
        "This booking was just changed elsewhere. Reload and try again.",
    ),
    ("err.duplicate", "Sudah ada.", "Already exists."),
    (
        "err.office_unknown",
        "Kantor tidak dikenal.",
        "Unknown office.",
    ),
    (
        "err.slot_unknown",
        "Jam ini tidak tersedia di kantor ini.",
        "This is not a time slot of this office.",
    ),
    (
        "err.slot_past",
        "Jam ini sudah lewat.",
        "This time slot has already started.",
    ),
    (
        "err.slot_beyond_horizon",
        "Tanggal ini belum dibuka untuk pendaftaran.",
        "This date is not open for booking yet.",
    ),
    (
        "err.certificate_kind",
        "Pilih jenis surat yang diterima kantor ini.",
        "Choose a certificate type this office accepts.",
    ),
    ("err.required", "Wajib diisi.", "Required."),
    (
        "err.datetime",
        "Tulis tanggal dan jam, misalnya 2026-12-01T08:00.",
        "Give a date and time, e.g. 2026-12-01T08:00.",
    ),
    (
        "err.too_large",
        "Berkas terlalu besar: paling besar 5 MB.",
        "The file is too large: at most 5 MB.",
    ),
    (
        "err.certificate_missing",
        "Unggah surat keterangan sehat atau hasil tes (PDF, JPG atau PNG).",
        "Upload the health certificate or test result (PDF, JPG or PNG).",
    ),
    (
        "err.certificate_empty",
        "Berkas kosong.",
        "The file is empty.",
    ),
    (
        "err.certificate_type",
        "Berkas harus PDF, JPG atau PNG.",
        "The file must be a PDF, JPG or PNG.",
    ),
    (
        "err.certificate_damaged",
        "Berkas rusak atau tidak lengkap. Coba unggah lagi.",
        "The file is damaged or incomplete. Please upload it again.",
    ),
    (
        "err.issued_in_future",
        "Waktu terbit surat tidak boleh di masa depan.",
        "The certificate cannot be issued in the future.",
    ),
    (
        "err.certificate_expired",
        "Surat ini sudah tidak berlaku pada jam kedatangan. Pilih jam lebih awal atau buat surat baru.",
        "This certificate is no longer valid at the appointment time. Choose an earlier slot or get a new certificate.",
    ),
    (
        "err.certificate_expired_for_new_slot",
        "Surat Anda tidak berlaku lagi pada jam baru ini. Ganti surat dulu atau pilih jam lebih awal.",
        "Your certificate is not valid at the new time. Replace it first or choose an earlier slot.",
    ),
    (
        "err.nik_shape",
        "NIK terdiri dari 16 angka.",
        "A NIK has 16 digits.",
    ),
    (
        "err.nik_region",
        "Kode wilayah di NIK tidak valid.",
        "The region code in the NIK is not valid.",
    ),
    (
        "err.nik_date",
        "Tanggal lahir di dalam NIK tidak valid.",
        "The birth date inside the NIK is not valid.",
    ),
    (
        "err.nik_serial",
        "Nomor urut di NIK tidak valid.",
        "The serial number in the NIK is not valid.",
    ),
    (
        "err.nik_birth_mismatch",
        "NIK tidak cocok dengan tanggal lahir (untuk perempuan tanggal ditambah 40).",
        "The NIK does not match the birth date (women have 40 added to the day).",
    ),
    (
        "err.name",
        "Tulis nama lengkap (1–100 huruf).",
        "Give your full name (1–100 characters).",
    ),
    (
        "err.birth_date",
        "Tulis tanggal lahir yang benar.",
        "Give a valid birth date.",
    ),
    (
        "err.too_young",
        "Belum cukup umur pada tanggal itu. Yang sudah/pernah menikah centang kotak di bawah.",
        "Not old enough on that date. If married (or ever married), tick the box below.",
    ),
    (
        "err.phone",
        "Tulis nomor HP Indonesia, misalnya 0812 3456 7890.",
        "Give an Indonesian mobile number, e.g. 0812 3456 7890.",
    ),
    (
        "err.email",
        "Alamat email tidak valid.",
        "Not a valid e-mail address.",
    ),
    (
        "err.consent",
        "Persetujuan diperlukan untuk memproses data kesehatan Anda.",
        "Consent is needed to process your health data.",
    ),
    (
        "err.not_changeable",
        "Jadwal ini tidak dapat diubah lagi.",
        "This booking can no longer be changed.",
    ),
    (
        "err.unauthorized",
        "Perlu login petugas.",
        "A staff login is required.",
    ),
    (
        "err.forbidden",
        "Peran Anda tidak boleh melakukan ini.",
        "Your role may not do this.",
    ),
    (
        "err.json",
        "Isi permintaan bukan JSON yang benar.",
        "The request body is not valid JSON.",
    ),
    (
        "err.multipart",
        "Kirim formulir sebagai multipart/form-data.",
        "Send the form as multipart/form-data.",
    ),
    (
        "err.range",
        "Rentang tanggal tidak valid (paling panjang 62 hari).",
        "Invalid date range (at most 62 days).",
    ),
    (
        "err.date",
        "Tanggal ditulis YYYY-MM-DD.",
        "Dates are YYYY-MM-DD.",
    ),
    (
        "err.find",
        "Tidak ada jadwal dengan kode, NIK dan tanggal lahir itu.",
        "No booking matches that code, NIK and birth date.",
    ),
    (
        "err.slug",
        "Nama kantor di URL hanya huruf kecil, angka dan tanda minus.",
        "An office slug has lowercase letters, digits and dashes.",
    ),
    (
        "err.text",
        "Isian berisi karakter yang tidak diperbolehkan.",
        "The field contains characters that are not allowed.",
    ),
    (
        "err.closed",
        "Kantor tutup pada hari itu. Silakan pilih hari lain.",
        "The office is closed that day. Please choose another day.",
    ),
    (
        "err.plan_changed",
        "Kapasitas kantor baru saja berubah. Silakan pilih jam lagi.",
        "The office's capacity has just changed. Please choose a time again.",
    ),
    (
        "err.holiday_type",
        "Kirim berkas sebagai text/csv atau text/calendar.",
        "Send the file as text/csv or text/calendar.",
    ),
    (
        "err.holiday_file",
        "Berkas hari libur tidak dapat dibaca; tidak ada yang diubah.",
        "The holiday file could not be read; nothing was changed.",
    ),
    (
        "change.moved",
        "Kantor memindahkan jadwal Anda:",
        "The office moved your appointment:",
    ),
    (
        "change.needs_rebooking",
        "Kapasitas kantor berkurang dan jadwal Anda dibatalkan oleh kantor. Silakan pilih jam baru",
        "The office's capacity dropped and your time was withdrawn. Please choose a new time",
    ),
    ("change.reason", "Alasan", "Reason"),
    ("staff.login", "Masuk petugas", "Staff login"),
    (
        "staff.login_failed",
        "Nama pengguna atau kata sandi salah.",
        "Wrong username or password.",
    ),
    ("staff.username", "Nama pengguna", "Username"),
    ("staff.password", "Kata sandi", "Password"),
    ("staff.logout", "Keluar", "Log out"),
    ("staff.offices", "Kantor", "Offices"),
    ("staff.plan", "Rencana kapasitas", "Capacity plan"),
    (
        "staff.chart_title",
        "Kapasitas dan jadwal terisi 30 hari ke depan; pita warna = level PPKM, silang = tutup",
        "Capacity and seats held over the next 30 days; colour band = PPKM level, cross = closed",
    ),
    ("staff.cap", "kapasitas", "cap"),
    ("staff.booked", "terisi", "booked"),
    ("staff.level_band", "level PPKM", "PPKM level"),
    ("staff.backlog", "Antrean tertunda", "Backlog"),
    (
        "staff.needs_rebooking",
        "Perlu pilih jadwal baru",
        "Needs a new time",
    ),
    (
        "staff.days_to_clear",
        "Hari buka yang dibutuhkan untuk menampung antrean, per level",
        "Open days needed to seat the backlog, per level",
    ),
    ("staff.level", "Level", "Level"),
    ("staff.open_days", "Hari buka", "Open days"),
    (
        "staff.over_a_year",
        "lebih dari setahun",
        "more than a year",
    ),
    (
        "staff.set_level",
        "Tetapkan level PPKM",
        "Set the PPKM level",
    ),
    ("staff.from", "Berlaku mulai", "From"),
    (
        "staff.to",
        "Sampai (kosongkan jika belum ditentukan)",
        "Until (leave empty if open-ended)",
    ),
    (
        "staff.instruction",
        "Dasar (nomor Inmendagri)",
        "Basis (Inmendagri number)",
    ),
    ("staff.preview", "Pratinjau dampak", "Preview the effect"),
    (
        "staff.close_day",
        "Tutup kantor pada tanggal",
        "Close the office on a date",
    ),
    ("staff.date", "Tanggal", "Date"),
    (
        "staff.closure_reason",
        "Alasan (mis. disinfeksi)",
        "Reason (e.g. disinfection)",
    ),
    ("staff.days", "Hari demi hari", "Day by day"),
    ("staff.note", "Keterangan", "Note"),
    ("staff.no_hours", "tidak ada jam buka", "no opening hours"),
    (
        "staff.applied",
        "Perubahan diterapkan. Pemohon yang terdampak sudah dipindahkan atau diberi tahu.",
        "Change applied. Affected applicants were moved or notified.",
    ),
    (
        "staff.preview_title",
        "Pratinjau perubahan",
        "Preview of the change",
    ),
    ("staff.displaced", "Jadwal terdampak", "Bookings affected"),
    ("staff.moved", "dipindahkan", "moved"),
    ("staff.marked", "perlu pilih ulang", "to rebook"),
    (
        "staff.days_changed",
        "Hari yang berubah",
        "Days that change",
    ),
    ("staff.cap_before", "Kapasitas sebelum", "Cap before"),
    ("staff.cap_after", "Kapasitas sesudah", "Cap after"),
    (
        "staff.displaced_list",
        "Jadwal yang tidak muat lagi (yang terakhir memesan lebih dulu)",
        "Bookings that no longer fit (most recently booked first)",
    ),
    ("staff.from_slot", "Jadwal lama", "Old time"),
    ("staff.to_slot", "Jadwal baru", "New time"),
    ("staff.apply", "Terapkan perubahan", "Apply the change"),
    (
        "staff.back",
        "Kembali tanpa mengubah",
        "Back without changing anything",
    ),
    (
        "offer.seat",
        "Ada kursi untuk Anda:",
        "A seat is held for you:",
    ),
    ("offer.until", "Ambil sebelum", "Claim it before"),
    ("offer.claim", "Ambil kursi ini", "Take this seat"),
    (
        "offer.claimed",
        "Kursi sudah menjadi jadwal Anda.",
        "The seat is now your appointment.",
    ),
    (
        "err.wait_range",
        "Pilih rentang tanggal dari hari ini sampai batas pendaftaran.",
        "Choose a date range from today up to the booking horizon.",
    ),
    ("wait.title", "Daftar tunggu", "Waiting list"),
    (
        "wait.explain",
        "Tidak menemukan jam yang cocok? Masuk daftar tunggu: bila ada kursi kosong pada rentang tanggal Anda, kursi itu ditahan untuk Anda dan Anda diberi tahu.",
        "No time that suits you? Join the waiting list: when a seat frees up in your date range it is held for you and you are told.",
    ),
    ("wait.join", "Masuk daftar tunggu", "Join the waiting list"),
    ("wait.from", "Dari tanggal", "From"),
    ("wait.to", "Sampai tanggal", "Until"),
    (
        "wait.joined",
        "Anda sudah masuk daftar tunggu.",
        "You are on the waiting list.",
    ),
    (
        "status.waitlisted",
        "Dalam daftar tunggu",
        "On the waiting list",
    ),
    (
        "wait.position",
        "Anda menunggu kursi kosong. Urutan Anda dalam antrean:",
        "You are waiting for a free seat. Your place in the queue:",
    ),
    ("staff.waiting", "menunggu", "waiting"),
    ("staff.seats", "kursi", "seats"),
    ("staff.sets", "alat", "sets"),
    (
        "change.offer_expired",
        "Kursi yang ditawarkan tidak diambil tepat waktu dan diberikan ke orang berikutnya. Anda kembali ke antrean.",
        "The seat offered was not taken in time and went to the next person. You are back in the queue.",
    ),
    (
        "err.rate_limited",
        "Terlalu banyak percobaan. Tunggu sebentar lalu coba lagi.",
        "Too many attempts. Please wait a moment and try again.",
    ),
    (
        "staff.rules",
        "Aturan level dan hari libur",
        "Level rules and holidays",
    ),
    (
        "staff.rules_link",
        "Aturan level PPKM dan hari libur",
        "PPKM level rules and holidays",
    ),
    (
        "staff.rule_saved",
        "Aturan disimpan; versi lama tetap tercatat.",
        "Rule saved; the old version is kept.",
    ),
    (
        "staff.rule_invalid",
        "Aturan tidak disimpan, periksa isian",
        "Rule not saved, check the field",
    ),
    (
        "staff.holidays_loaded",
        "Daftar hari libur dimuat.",
        "Holiday list loaded.",
    ),
    ("staff.wfo", "WFO %", "WFO %"),
    ("staff.occupancy", "Okupansi %", "Occupancy %"),
    (
        "staff.max_visitors",
        "Maks. pengunjung/hari",
        "Max visitors/day",
    ),
    (
        "staff.latest_close",
        "Tutup paling lambat",
        "Latest closing",
    ),
    ("staff.source", "Sumber hukum", "Legal source"),
    ("staff.reason", "Alasan perubahan", "Reason for the change"),
    ("staff.save", "Simpan versi baru", "Save a new version"),
    ("staff.history", "Riwayat perubahan", "Change history"),
    ("staff.version", "Versi", "Version"),
    ("staff.changed_by", "Oleh", "By"),
    (
        "staff.load_holidays",
        "Muat daftar hari libur (CSV atau iCalendar)",
        "Load a holiday list (CSV or iCalendar)",
    ),
    ("staff.year", "Tahun", "Year"),
    ("staff.file", "Berkas", "File"),
    ("staff.load", "Muat", "Load"),
    ("staff.line", "baris", "line"),
    (
        "staff.holiday_help",
        "CSV: satu baris per hari, YYYY-MM-DD,nama. Daftar tahun itu diganti seluruhnya; berkas yang salah tidak mengubah apa pun.",
        "CSV: one line per day, YYYY-MM-DD,name. The year's list is replaced whole; a bad file changes nothing.",
    ),
    (
        "err.fix_below",
        "Periksa lagi isian berikut:",
        "Please check the following:",
    ),
    (
        "err.reupload",
        "Demi keamanan, berkas tidak disimpan: pilih berkas surat lagi.",
        "For safety the file was not kept: choose the certificate file again.",
    ),
    // navigation and layout
    ("nav.skip", "Langsung ke isi", "Skip to content"),
    ("nav.home", "Beranda", "Home"),
    ("nav.find", "Cari jadwal saya", "Find my booking"),
    ("nav.switch", "English", "Bahasa Indonesia"),
    (
        "site.tagline",
        "Jadwal perekaman KTP-el pemula",
        "First-time e-KTP recording appointments",
    ),
    (
        "site.footer",
        "Data Anda hanya dipakai untuk jadwal perekaman dan dihapus setelah kunjungan.",
        "Your data is used only for the recording appointment and deleted after the visit.",
    ),
    // home
    (
        "home.title",
        "Ambil jadwal perekaman KTP-el",
        "Book your e-KTP recording",
    ),
    (
        "home.intro",
        "Untuk pemohon KTP-el pertama kali (umur 17, atau 16 untuk perekaman). Siapkan NIK, tanggal lahir, nomor HP, dan foto atau PDF surat keterangan sehat/hasil tes.",
        "For first-time e-KTP applicants (17, or 16 for recording). Have your NIK, birth date, mobile number and a photo or PDF of your health certificate or test result ready.",
    ),
    ("home.choose", "Pilih kantor", "Choose an office"),
    (
        "home.none",
        "Belum ada kantor yang membuka pendaftaran.",
        "No office is taking bookings yet.",
    ),
    ("home.lost", "Sudah punya jadwal?", "Already booked?"),
    // office
    (
        "office.title",
        "Pilih hari dan jam",
        "Choose a day and time",
    ),
    ("office.remaining", "sisa", "left"),
    ("office.of", "dari", "of"),
    ("office.full", "penuh", "full"),
    ("office.closed", "Tutup", "Closed"),
    ("office.no_slots", "Tidak ada jam tersisa", "No times left"),
    (
        "office.none_open",
        "Tidak ada hari yang bisa dipesan saat ini.",
        "No days can be booked right now.",
    ),
    (
        "office.binding.throughput",
        "dibatasi oleh: kapasitas alat perekaman",
        "limited by: recording equipment",
    ),
    (
        "office.binding.waiting_room",
        "dibatasi oleh: kursi ruang tunggu",
        "limited by: waiting-room seats",
    ),
    (
        "office.binding.level_maximum",
        "dibatasi oleh: kuota harian level PPKM",
        "limited by: the PPKM level's daily maximum",
    ),
    (
        "office.binding.daily_maximum",
        "dibatasi oleh: kuota harian",
        "limited by: daily quota",
    ),
    // booking form
    ("book.title", "Isi data pemohon", "Applicant details"),
    ("book.slot", "Jadwal dipilih", "Chosen time"),
    ("book.change_slot", "Ganti jam", "Change time"),
    (
        "book.name",
        "Nama lengkap (sesuai Kartu Keluarga)",
        "Full name (as on the family card)",
    ),
    (
        "book.nik",
        "NIK (16 angka, lihat Kartu Keluarga)",
        "NIK (16 digits, see the family card)",
    ),
    ("book.birth_date", "Tanggal lahir", "Date of birth"),
    (
        "book.married",
        "Saya sudah atau pernah menikah (boleh merekam sebelum 17 tahun)",
        "I am or have been married (may record before 17)",
    ),
    (
        "book.phone",
        "Nomor HP (WhatsApp/SMS)",
        "Mobile number (WhatsApp/SMS)",
    ),
    ("book.email", "Email (tidak wajib)", "E-mail (optional)"),
    ("book.certificate_kind", "Jenis surat", "Certificate type"),
    (
        "book.certificate_issued_at",
        "Waktu terbit surat / pengambilan sampel",
        "Time of issue / sample",
    ),
    (
        "book.certificate",
        "Berkas surat (PDF, JPG atau PNG, maks. 5 MB)",
        "Certificate file (PDF, JPG or PNG, max 5 MB)",
    ),
    (
        "book.consent",
        "Saya setuju data kesehatan saya diproses untuk jadwal ini, dilihat hanya oleh petugas, dan dihapus setelah kunjungan (UU 27/2022).",
        "I agree that my health data is processed for this appointment, seen only by staff, and deleted after the visit (UU 27/2022).",
    ),
    ("book.submit", "Ambil jadwal", "Book this time"),
    ("book.valid_for", "berlaku", "valid for"),
    ("book.hours", "jam", "hours"),
    ("kind.antigen", "Hasil tes antigen", "Antigen test result"),
    ("kind.pcr", "Hasil tes PCR", "PCR test result"),
    (
        "kind.surat_sehat",
        "Surat keterangan sehat (puskesmas/dokter)",
        "Health certificate (clinic/doctor)",
    ),
    // booking page
    (
        "booking.title",
        "Jadwal perekaman Anda",
        "Your recording appointment",
    ),
    ("booking.code", "Kode jadwal", "Booking code"),
    (
        "booking.show_qr",
        "Tunjukkan kode QR ini atau kode jadwal di loket.",
        "Show this QR code or the booking code at the counter.",
    ),
    ("booking.when", "Waktu", "When"),
    ("booking.where", "Tempat", "Where"),
    ("booking.name", "Nama", "Name"),
    ("booking.bring", "Yang dibawa", "What to bring"),
    (
        "booking.bring.kk",
        "Kartu Keluarga (asli)",
        "Family card (Kartu Keluarga, original)",
    ),
    (
        "booking.bring.certificate",
        "Surat keterangan sehat / hasil tes (asli)",
        "The original health certificate or test result",
    ),
    (
        "booking.bring.mask",
        "Masker, dipakai selama di kantor",
        "A mask, worn inside the office",
    ),
    (
        "booking.bring.marriage",
        "Buku nikah / akta perkawinan, jika sudah menikah",
        "Marriage certificate, if married",
    ),
    (
        "booking.bring.self",
        "Datang sendiri: perekaman tidak bisa diwakilkan. Suhu tubuh di atas 37,3 °C tidak boleh masuk.",
        "Come in person: recording cannot be done by proxy. Entry is refused above 37.3 °C.",
    ),
    (
        "booking.certificate",
        "Surat kesehatan",
        "Health certificate",
    ),
    ("booking.valid_until", "berlaku sampai", "valid until"),
    (
        "booking.calendar",
        "Tambahkan ke kalender",
        "Add to calendar",
    ),
    ("booking.reschedule", "Ganti jadwal", "Reschedule"),
    ("booking.cancel", "Batalkan jadwal", "Cancel booking"),
    (
        "booking.replace",
        "Ganti berkas surat",
        "Replace the certificate",
    ),
    (
        "booking.replace_submit",
        "Unggah surat baru",
        "Upload new certificate",
    ),
    (
        "booking.keep_link",
        "Simpan halaman ini (bookmark) untuk mengubah atau membatalkan jadwal.",
        "Keep this page (bookmark it) to change or cancel the booking.",
    ),
    (
        "booking.created",
        "Jadwal berhasil dibuat.",
        "Your booking is confirmed.",
    ),
    (
        "booking.rescheduled",
        "Jadwal berhasil diganti.",
        "Your booking was moved.",
    ),
    (
        "booking.cancelled_now",
        "Jadwal dibatalkan. Kursi Anda diberikan ke orang lain.",
        "Booking cancelled. Your seat is free for someone else.",
    ),
    (
        "booking.replaced",
        "Surat baru diterima dan menunggu pemeriksaan.",
        "New certificate received and awaiting review.",
    ),
    ("status.confirmed", "Terkonfirmasi", "Confirmed"),
    (
        "status.needs_rebooking",
        "Perlu pilih jadwal baru",
        "Needs a new time",
    ),
    ("status.cancelled", "Dibatalkan", "Cancelled"),
    ("status.checked_in", "Sudah datang", "Checked in"),
    ("status.recorded", "Sudah direkam", "Recorded"),
    ("status.no_show", "Tidak datang", "Did not come"),
    ("status.turned_away", "Ditolak masuk", "Turned away"),
    ("cert.submitted", "menunggu pemeriksaan", "awaiting review"),
    ("cert.accepted", "diterima", "accepted"),
    ("cert.rejected", "ditolak", "rejected"),
    ("cancel.title", "Batalkan jadwal?", "Cancel this booking?"),
    (
        "cancel.explain",
        "Kursi Anda langsung diberikan ke orang lain. Anda bisa mengambil jadwal baru kapan saja.",
        "Your seat goes to someone else at once. You can book again at any time.",
    ),
    ("cancel.confirm", "Ya, batalkan", "Yes, cancel"),
    ("cancel.back", "Jangan batalkan", "Keep my booking"),
    ("reschedule.title", "Pilih jam baru", "Choose a new time"),
    (
        "reschedule.explain",
        "Jadwal lama tetap milik Anda sampai jam baru berhasil diambil.",
        "Your current time stays yours until the new one is taken.",
    ),
    ("find.title", "Cari jadwal saya", "Find my booking"),
    (
        "find.explain",
        "Masukkan kode jadwal, NIK dan tanggal lahir. Tautan lama akan diganti dengan tautan baru.",
        "Enter the booking code, NIK and birth date. Your old link is replaced by a new one.",
    ),
    (
        "find.code",
        "Kode jadwal (8 huruf/angka)",
        "Booking code (8 characters)",
    ),
    ("find.submit", "Cari", "Find"),
    ("error.title", "Ada masalah", "Something is wrong"),
    ("error.back", "Kembali ke beranda", "Back to the home page"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let mut sources = Vec::new();
        // Where texts are looked up (the store's audit actions look alike but are not texts).
        for dir in ["templates", "src/web", "src/booking.rs"] {
            let mut stack = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir)];
            while let Some(p) = stack.pop() {
                if p.is_file() {
                    sources.push(std::fs::read_to_string(&p).unwrap());
                    continue;
                }
                for e in std::fs::read_dir(&p).unwrap() {
                    let path = e.unwrap().path();
                    if path.is_dir() {
                        stack.push(path);
                    } else {
                        sources.push(std::fs::read_to_string(&path).unwrap_or_default());
                    }
                }
            }
        }
        let re_prefixes = [
            "\"err.",
            "\"nav.",
            "\"site.",
            "\"home.",
            "\"office.",
            "\"book.",
            "\"booking.",
            "\"status.",
            "\"cert.",
            "\"cancel.",
            "\"reschedule.",
            "\"find.",
            "\"error.",
            "\"kind.",
            "\"change.",
            "\"staff.",
            "\"offer.",
            "\"wait.",
        ];
        for src in &sources {
            for prefix in re_prefixes {
                for (i, _) in src.match_indices(prefix) {
                    let rest = &src[i + 1..];
                    let key: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_'))
                        .collect();
                    if key.ends_with('.') || key.ends_with(".html") {
                        // a prefix built up in code ("status." + status) or a template path
                        continue;
                    }
                    assert!(TABLE.contains_key(key.as_str()), "missing text: {key}");
                }
            }
        }
    }

    #[test]
    fn dates_read_naturally() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(Lang::Id.long_date(d), "Selasa, 1 Desember 2026");
        assert_eq!(Lang::En.long_date(d), "Tuesday, 1 December 2026");
        assert_eq!(Lang::Id.short_date(d), "Sel, 1 Des");
    }
}
