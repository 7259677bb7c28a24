//! Public-holiday files a supervisor loads for a year: CSV or iCalendar.
//!
//! Dates move after the moon sighting and decrees are amended mid-year (DOMAIN.md,
//! "Time"), so holidays are data. A file is taken whole or not at all.

use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// What the decrees (SKB 3 Menteri) call a day: a national holiday or a joint leave day
/// (cuti bersama). Both close the office unless it opens by its own word; essential
/// services sometimes open on joint leave days, so the kind is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HolidayKind {
    /// Libur nasional.
    National,
    /// Cuti bersama.
    JointLeave,
}

impl HolidayKind {
    /// The stored and API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::National => "national",
            Self::JointLeave => "joint_leave",
        }
    }

    /// Reads a kind as stored, or as written in a file in English or Indonesian.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_lowercase().replace(['-', '_'], " ").as_str() {
            "national" | "national holiday" | "libur nasional" | "libur" => Some(Self::National),
            "joint leave" | "cuti bersama" | "cuti" => Some(Self::JointLeave),
            _ => None,
        }
    }

    /// The kind a name implies when a file does not say: the decrees name every joint
    /// leave day "Cuti bersama …".
    pub fn from_name(name: &str) -> Self {
        if name.trim().to_lowercase().starts_with("cuti bersama") {
            Self::JointLeave
        } else {
            Self::National
        }
    }
}

/// One closed day of the national calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    /// Its name in the decree, e.g. "Hari Raya Idul Fitri 1447 H".
    pub name: String,
    /// National holiday or joint leave.
    pub kind: HolidayKind,
}

/// A year's holidays by date.
pub type Holidays = BTreeMap<NaiveDate, Holiday>;

/// The national holidays on fixed dates (UU and Keppres that fix them; they never move):
/// known for a year whose file is not loaded yet. A loaded file governs its year.
pub const FIXED: [(u32, u32, &str); 5] = [
    (1, 1, "Tahun Baru Masehi"),
    (5, 1, "Hari Buruh Internasional"),
    (6, 1, "Hari Lahir Pancasila"),
    (8, 17, "Hari Proklamasi Kemerdekaan Republik Indonesia"),
    (12, 25, "Hari Raya Natal"),
];

/// Are the holidays of `year` loaded (any day of it in the list)?
pub fn year_loaded<T>(holidays: &BTreeMap<NaiveDate, T>, year: i32) -> bool {
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return false;
    };
    holidays.range(first..=last).next().is_some()
}

/// The fixed-date national holiday on `date`, if it is one.
pub fn fixed(date: NaiveDate) -> Option<&'static str> {
    FIXED
        .iter()
        .find(|(m, d, _)| date.month() == *m && date.day() == *d)
        .map(|(_, _, name)| *name)
}

/// What is wrong with a holiday file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    /// A line is not `date,name[,kind]`.
    Fields,
    /// Not a date `YYYY-MM-DD`.
    NotADate(String),
    /// A date outside the year being loaded.
    WrongYear(NaiveDate),
    /// A date listed twice.
    Twice(NaiveDate),
    /// A name empty, too long or with control characters.
    Name,
    /// A kind that is neither national holiday nor joint leave.
    Kind(String),
    /// An event that is not all-day.
    NotAllDay(String),
    /// An event longer than a month.
    TooLong(String),
    /// Not an iCalendar file.
    NotICalendar,
    /// No holidays at all.
    Empty,
    /// More than 100 days.
    TooMany,
    /// Larger than [`MAX_FILE_BYTES`], or components nested deeper than an iCalendar
    /// of holidays needs (a hostile file could exhaust the parser's stack).
    TooBig,
}

/// Largest holiday file read: a year's holidays take a few kilobytes.
pub const MAX_FILE_BYTES: usize = 256 * 1024;

/// Deepest nesting of components read: VCALENDAR > VEVENT > VALARM.
const MAX_ICAL_DEPTH: usize = 3;

/// Most components (`BEGIN:` lines) read from one iCalendar file: a year's holidays are
/// a few dozen.
const MAX_ICAL_COMPONENTS: usize = 400;

/// An iCalendar text in one canonical form, which both the check below and the parser
/// read: every line break (`\r\n`, `\n` or `\r`) is `\r\n`, and folded lines (RFC 5545
/// §3.1: a break followed by a space or tab) are one line. Reading the text the parser
/// reads is what makes the check hold: a bare `\n` inside a value once hid an `END` from
/// the parser that the check counted, and the parser's nesting overflowed the stack.
fn canonical_ical(text: &str) -> String {
    let breaks = text.replace("\r\n", "\n").replace('\r', "\n");
    breaks
        .replace("\n ", "")
        .replace("\n\t", "")
        .replace('\n', "\r\n")
}

/// Checks a canonical iCalendar text's shape (see [`canonical_ical`]) before any parser
/// sees it: components at most [`MAX_ICAL_DEPTH`] deep and [`MAX_ICAL_COMPONENTS`] in
/// all, every `BEGIN` closed by its `END`.
fn ical_bounded(text: &str) -> Result<(), HolidayFileError> {
    let mut open: Vec<&str> = Vec::new();
    let mut components = 0;
    for (i, line) in text.split("\r\n").enumerate() {
        let (name, value) = match line.split_once(':') {
            Some((name, value)) => (name.trim(), value.trim()),
            None => continue,
        };
        if name.eq_ignore_ascii_case("BEGIN") {
            components += 1;
            open.push(value);
            if open.len() > MAX_ICAL_DEPTH || components > MAX_ICAL_COMPONENTS {
                return Err(err(Some(i + 1), FileProblem::TooBig));
            }
        } else if name.eq_ignore_ascii_case("END") {
            match open.pop() {
                Some(begun) if begun.eq_ignore_ascii_case(value) => {}
                _ => return Err(err(Some(i + 1), FileProblem::NotICalendar)),
            }
        }
    }
    if open.is_empty() {
        Ok(())
    } else {
        Err(err(None, FileProblem::NotICalendar))
    }
}

/// Why a file was refused; `line` is 1-based where known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayFileError {
    /// The line at fault.
    pub line: Option<usize>,
    /// What is wrong.
    pub problem: FileProblem,
}

impl HolidayFileError {
    /// The problem's text key in the translation files, with its arguments.
    pub fn message(&self) -> (&'static str, Vec<(&'static str, String)>) {
        use FileProblem::*;
        match &self.problem {
            Fields => ("holiday-err-fields", vec![]),
            NotADate(s) => ("holiday-err-date", vec![("value", s.clone())]),
            WrongYear(d) => ("holiday-err-year", vec![("date", d.to_string())]),
            Twice(d) => ("holiday-err-twice", vec![("date", d.to_string())]),
            Name => ("holiday-err-name", vec![]),
            Kind(k) => ("holiday-err-kind", vec![("value", k.clone())]),
            NotAllDay(n) => ("holiday-err-all-day", vec![("name", n.clone())]),
            TooLong(n) => ("holiday-err-too-long", vec![("name", n.clone())]),
            NotICalendar => ("holiday-err-ical", vec![]),
            Empty => ("holiday-err-empty", vec![]),
            TooMany => ("holiday-err-too-many", vec![]),
            TooBig => ("holiday-err-too-big", vec![]),
        }
    }
}

impl std::fmt::Display for HolidayFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {:?}", self.problem),
            None => write!(f, "{:?}", self.problem),
        }
    }
}

fn err(line: Option<usize>, problem: FileProblem) -> HolidayFileError {
    HolidayFileError { line, problem }
}

fn check_name(name: &str, line: Option<usize>) -> Result<String, HolidayFileError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(err(line, FileProblem::Name));
    }
    Ok(name.to_string())
}

fn insert(
    days: &mut Holidays,
    year: i32,
    date: NaiveDate,
    holiday: Holiday,
    line: Option<usize>,
) -> Result<(), HolidayFileError> {
    if date.year() != year {
        return Err(err(line, FileProblem::WrongYear(date)));
    }
    if days.insert(date, holiday).is_some() {
        return Err(err(line, FileProblem::Twice(date)));
    }
    Ok(())
}

/// Splits a CSV line on `delimiter` outside double quotes; `""` inside quotes is a quote.
fn split_fields(line: &str, delimiter: char) -> Option<Vec<String>> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut()?.push('"');
            }
            '"' => quoted = !quoted,
            c if c == delimiter && !quoted => fields.push(String::new()),
            c => fields.last_mut()?.push(c),
        }
    }
    (!quoted).then_some(fields)
}

/// Parses `YYYY-MM-DD,Name[,kind]` lines (an optional `date,name` header; `#` comments;
/// `;` instead of `,` where a line uses it after the date; a name with the separator in
/// double quotes).
/// The kind is `libur nasional` / `cuti bersama` (or `national` / `joint_leave`); without
/// it, a name starting "Cuti bersama" is joint leave and any other a national holiday.
pub fn parse_csv(text: &str, year: i32) -> Result<Holidays, HolidayFileError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(err(None, FileProblem::TooBig));
    }
    let mut days = BTreeMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = Some(i + 1);
        let l = raw.trim().trim_start_matches('\u{feff}');
        if l.is_empty()
            || l.starts_with('#')
            || (i == 0 && l.to_ascii_lowercase().starts_with("date"))
        {
            continue;
        }
        // The separator after the date (which holds neither) is the line's.
        let delimiter = l.chars().find(|c| *c == ',' || *c == ';').unwrap_or(',');
        let fields = split_fields(l, delimiter).ok_or_else(|| err(line, FileProblem::Fields))?;
        let (date, name, kind) = match fields.as_slice() {
            [date, name] => (date, name, None),
            [date, name, kind] => (date, name, Some(kind.trim())),
            _ => return Err(err(line, FileProblem::Fields)),
        };
        let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
            .map_err(|_| err(line, FileProblem::NotADate(date.trim().to_string())))?;
        let name = check_name(name, line)?;
        let kind = match kind {
            None | Some("") => HolidayKind::from_name(&name),
            Some(k) => {
                HolidayKind::parse(k).ok_or_else(|| err(line, FileProblem::Kind(k.to_string())))?
            }
        };
        insert(&mut days, year, date, Holiday { name, kind }, line)?;
    }
    finish(days)
}

/// Parses an iCalendar file: each all-day `VEVENT` is a holiday (its `SUMMARY` the name,
/// its `CATEGORIES` the kind if it names one, else the kind the name implies; a multi-day
/// event covers each of its days).
pub fn parse_ical(text: &str, year: i32) -> Result<Holidays, HolidayFileError> {
    use icalendar::{Component, DatePerhapsTime};
    if text.len() > MAX_FILE_BYTES {
        return Err(err(None, FileProblem::TooBig));
    }
    let text = canonical_ical(text);
    ical_bounded(&text)?;
    let cal: icalendar::Calendar = text
        .parse()
        .map_err(|_: String| err(None, FileProblem::NotICalendar))?;
    let mut days = BTreeMap::new();
    for event in cal.components.iter().filter_map(|c| c.as_event()) {
        let name = check_name(event.get_summary().unwrap_or(""), None)?;
        let kind = event
            .multi_properties()
            .get("CATEGORIES")
            .into_iter()
            .flatten()
            .flat_map(|p| p.value().split(','))
            .find_map(HolidayKind::parse)
            .unwrap_or_else(|| HolidayKind::from_name(&name));
        let Some(DatePerhapsTime::Date(start)) = event.get_start() else {
            return Err(err(None, FileProblem::NotAllDay(name)));
        };
        // DTEND of an all-day event is exclusive.
        let end = match event.get_end() {
            Some(DatePerhapsTime::Date(end)) if end > start => end,
            _ => start.succ_opt().unwrap_or(start),
        };
        if (end - start).num_days() > 31 {
            return Err(err(None, FileProblem::TooLong(name)));
        }
        let mut d = start;
        while d < end {
            let holiday = Holiday {
                name: name.clone(),
                kind,
            };
            insert(&mut days, year, d, holiday, None)?;
            d = d.succ_opt().unwrap_or(end);
        }
    }
    finish(days)
}

fn finish(days: Holidays) -> Result<Holidays, HolidayFileError> {
    if days.is_empty() {
        return Err(err(None, FileProblem::Empty));
    }
    if days.len() > 100 {
        return Err(err(None, FileProblem::TooMany));
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_date_holidays_are_known_every_year_and_a_loaded_year_is_seen() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        for year in [2027, 2031] {
            assert_eq!(fixed(d(year, 8, 17)), Some(FIXED[3].2));
            assert_eq!(fixed(d(year, 12, 25)), Some("Hari Raya Natal"));
            assert_eq!(fixed(d(year, 8, 18)), None);
        }
        let mut list = BTreeMap::new();
        list.insert(d(2026, 12, 24), ());
        assert!(year_loaded(&list, 2026));
        assert!(!year_loaded(&list, 2027));
    }

    #[test]
    fn csv_is_read_with_its_errors_named_by_line() {
        let ok = parse_csv(
            "date,name\n2027-01-01,Tahun Baru\n# comment\n2027-03-10;Nyepi\n",
            2027,
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        let kinds = parse_csv(
            "2026-03-20,Cuti bersama Idul Fitri 1447 H\n2026-03-21,Hari Raya Idul Fitri 1447 H\n\
             2026-03-23,\"Idul Fitri, hari kedua\",cuti bersama\n2026-03-24,Libur daerah, national\n\
             2026-03-25,\"Hari Raya, libur\"\n",
            2026,
        )
        .unwrap();
        let kind_of = |d: &str| kinds[&NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()].clone();
        assert_eq!(kind_of("2026-03-20").kind, HolidayKind::JointLeave);
        assert_eq!(kind_of("2026-03-21").kind, HolidayKind::National);
        assert_eq!(kind_of("2026-03-23").kind, HolidayKind::JointLeave);
        assert_eq!(kind_of("2026-03-23").name, "Idul Fitri, hari kedua");
        assert_eq!(kind_of("2026-03-24").kind, HolidayKind::National);
        assert_eq!(kind_of("2026-03-24").name, "Libur daerah");
        assert_eq!(kind_of("2026-03-25").name, "Hari Raya, libur");
        assert_eq!(kind_of("2026-03-25").kind, HolidayKind::National);
        // A kind that is not one is refused, never stuck onto the name.
        let e = parse_csv("2027-01-01,Tahun Baru,nasional\n", 2027).unwrap_err();
        assert_eq!(e.problem, FileProblem::Kind("nasional".into()));
        let e = parse_csv("2027-01-01,Tahun Baru,x,y\n", 2027).unwrap_err();
        assert_eq!(e.problem, FileProblem::Fields);
        let semi = parse_csv("2027-01-01;Tahun Baru, Masehi;libur nasional\n", 2027).unwrap();
        assert_eq!(semi.values().next().unwrap().name, "Tahun Baru, Masehi");
        let e = parse_csv("2027-01-01,Tahun Baru\n2027-02-30,Oops\n", 2027).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert_eq!(
            parse_csv("2026-01-01,Wrong year\n", 2027).unwrap_err().line,
            Some(1)
        );
        assert_eq!(
            parse_csv("2027-01-01,A\n2027-01-01,B\n", 2027)
                .unwrap_err()
                .line,
            Some(2)
        );
        assert!(parse_csv("", 2027).is_err());
        assert!(parse_csv("2027-01-01\n", 2027).is_err());
    }

    #[test]
    fn ical_all_day_events_are_read() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;VALUE=DATE:20270101\r\nSUMMARY:Tahun Baru\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:2\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;VALUE=DATE:20270310\r\nDTEND;VALUE=DATE:20270312\r\nSUMMARY:Idul Fitri\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let days = parse_ical(ics, 2027).unwrap();
        assert_eq!(days.len(), 3);
        assert!(days.values().all(|h| h.kind == HolidayKind::National));
        let leave = ics.replace(
            "SUMMARY:Tahun Baru",
            "SUMMARY:Tahun Baru\r\nCATEGORIES:cuti bersama",
        );
        let days = parse_ical(&leave, 2027).unwrap();
        assert_eq!(days.values().next().unwrap().kind, HolidayKind::JointLeave);
        assert!(parse_ical("hello", 2027).is_err());
    }

    #[test]
    fn a_deeply_nested_or_huge_ical_is_refused_before_parsing() {
        let deep = format!(
            "BEGIN:VCALENDAR\r\n{}{}END:VCALENDAR\r\n",
            "BEGIN:VEVENT\r\n".repeat(2000),
            "END:VEVENT\r\n".repeat(2000)
        );
        assert_eq!(
            parse_ical(&deep, 2027).unwrap_err().problem,
            FileProblem::TooBig
        );
        // Folded lines are unfolded before counting, as the parser does.
        let folded = format!(
            "BEGIN:VCALENDAR\r\n{}{}END:VCALENDAR\r\n",
            "BEG\r\n IN:VEVENT\r\n".repeat(2000),
            "EN\r\n\tD:VEVENT\r\n".repeat(2000)
        );
        assert_eq!(
            parse_ical(&folded, 2027).unwrap_err().problem,
            FileProblem::TooBig
        );
        // A bare line feed inside a value (the parser's lines end at CRLF) hid an END.
        let hidden = format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n{}{}END:VEVENT\r\nEND:VCALENDAR\r\n",
            "BEGIN:A\r\nX:y\nEND:A\r\n".repeat(300),
            "X:y\nBEGIN:A\r\nEND:A\r\n".repeat(300)
        );
        assert!(parse_ical(&hidden, 2027).is_err());
        let unclosed = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n";
        assert!(parse_ical(unclosed, 2027).is_err());
        let huge = "#".repeat(MAX_FILE_BYTES + 1);
        assert_eq!(
            parse_csv(&huge, 2027).unwrap_err().problem,
            FileProblem::TooBig
        );
        assert_eq!(
            parse_ical(&huge, 2027).unwrap_err().problem,
            FileProblem::TooBig
        );
    }
}
