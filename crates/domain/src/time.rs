//! Dates and instants as the records use them: calendar dates (`YYYY-MM-DD`, Gregorian)
//! for births, expiries and validity, and UTC instants for everything that happens.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::error::Problem;

/// Parses a calendar date typed as `YYYY-MM-DD`, accepting Arabic-Indic digits, which
/// Arabic keyboards produce.
pub fn parse_date(text: &str) -> Result<Date, Problem> {
    let ascii: String = text.trim().chars().map(ascii_digit).collect();
    let bytes = ascii.as_bytes();
    let well_formed = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes.iter().enumerate().all(|(index, byte)| index == 4 || index == 7 || byte.is_ascii_digit());
    if !well_formed {
        return Err(Problem::InvalidDate);
    }
    let number = |range: std::ops::Range<usize>| ascii[range].parse::<i16>().map_err(|_| Problem::InvalidDate);
    let year = number(0..4)?;
    let month = i8::try_from(number(5..7)?).map_err(|_| Problem::InvalidDate)?;
    let day = i8::try_from(number(8..10)?).map_err(|_| Problem::InvalidDate)?;
    Date::new(year, month, day).map_err(|_| Problem::InvalidDate)
}

/// A date of birth: a valid date, not after `today`, not before 1900.
pub fn parse_birth_date(text: &str, today: Date) -> Result<Date, Problem> {
    let date = parse_date(text)?;
    if date > today {
        return Err(Problem::DateInFuture);
    }
    if date.year() < 1900 {
        return Err(Problem::DateTooEarly);
    }
    Ok(date)
}

/// One end of a time window, typed either as an instant (`2026-11-29T08:00:00Z`) or as a
/// local calendar date. A date as the window's start means the beginning of that day in
/// Doha; as its end, the end of that day, so that `from=2026-11-01&to=2026-11-30` covers
/// all of November's last day too.
pub fn parse_window_end(text: &str, end: WindowEnd) -> Result<Timestamp, Problem> {
    let trimmed = text.trim();
    if let Ok(instant) = trimmed.parse::<Timestamp>() {
        return Ok(instant);
    }
    let date = parse_date(trimmed)?;
    let day = match end {
        WindowEnd::Start => date,
        WindowEnd::End => date.tomorrow().map_err(|_| Problem::InvalidDate)?,
    };
    let offset = jiff::tz::Offset::constant(3);
    offset.to_timestamp(day.to_datetime(jiff::civil::Time::midnight())).map_err(|_| Problem::InvalidDate)
}

/// An instant typed either in RFC 3339 (`2026-12-04T13:00:00Z`) or as a local date and
/// time in Doha (`2026-12-04T16:00` or `2026-12-04 16:00`, as a browser's
/// `datetime-local` control sends it), with Arabic-Indic digits accepted.
pub fn parse_instant(text: &str) -> Result<Timestamp, Problem> {
    let ascii = ascii_digits(text.trim());
    if ascii.is_empty() {
        return Err(Problem::Required);
    }
    if let Ok(instant) = ascii.parse::<Timestamp>() {
        return Ok(instant);
    }
    let (date, time) = ascii.split_once(['T', ' ']).ok_or(Problem::InvalidDate)?;
    let date = parse_date(date)?;
    let time = parse_time(time)?;
    jiff::tz::Offset::constant(3).to_timestamp(date.to_datetime(time)).map_err(|_| Problem::InvalidDate)
}

/// A time of day typed as `HH:MM` (24 hours).
pub fn parse_time(text: &str) -> Result<jiff::civil::Time, Problem> {
    let ascii = ascii_digits(text.trim());
    let (hours, minutes) = ascii.split_once(':').ok_or(Problem::InvalidTime)?;
    let minutes = minutes.get(..2).filter(|_| minutes.len() == 2 || minutes[2..].starts_with(':')).unwrap_or(minutes);
    let well_formed = (1..=2).contains(&hours.len()) && minutes.len() == 2;
    let hours: i8 = hours.parse().map_err(|_| Problem::InvalidTime)?;
    let minutes: i8 = minutes.parse().map_err(|_| Problem::InvalidTime)?;
    if !well_formed {
        return Err(Problem::InvalidTime);
    }
    jiff::civil::Time::new(hours, minutes, 0, 0).map_err(|_| Problem::InvalidTime)
}

/// Which end of a time window a typed date stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowEnd {
    /// The window starts at the beginning of the date.
    Start,
    /// The window ends after the date.
    End,
}

/// The calendar date of an instant in UTC+3 (Arabia Standard Time, no daylight saving),
/// the local time of the deployment: "today" for expiries and ages means Doha's today.
pub fn local_date(now: Timestamp) -> Date {
    jiff::tz::Offset::constant(3).to_datetime(now).date()
}

/// Full years between `birth` and `on`.
pub fn age_on(birth: Date, on: Date) -> i16 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// The text with Arabic-Indic and Persian digits as ASCII digits (a number typed on an
/// Arabic keyboard reads the same as one typed on a Latin one).
pub fn ascii_digits(text: &str) -> String {
    text.chars().map(ascii_digit).collect()
}

fn ascii_digit(ch: char) -> char {
    match ch {
        '\u{0660}'..='\u{0669}' => char::from_digit(u32::from(ch) - 0x0660, 10).unwrap_or(ch),
        '\u{06F0}'..='\u{06F9}' => char::from_digit(u32::from(ch) - 0x06F0, 10).unwrap_or(ch),
        _ => ch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_typed_in_utc_or_in_doha_time() {
        let expected: Timestamp = "2026-12-04T13:00:00Z".parse().unwrap();
        assert_eq!(parse_instant("2026-12-04T13:00:00Z"), Ok(expected));
        assert_eq!(parse_instant("2026-12-04T16:00"), Ok(expected));
        assert_eq!(parse_instant("٢٠٢٦-١٢-٠٤ ١٦:٠٠"), Ok(expected));
        assert_eq!(parse_instant(""), Err(Problem::Required));
        assert_eq!(parse_instant("2026-12-04T25:00"), Err(Problem::InvalidTime));
        assert_eq!(parse_instant("tomorrow"), Err(Problem::InvalidDate));
        assert_eq!(parse_time("9:30"), Ok(jiff::civil::time(9, 30, 0, 0)));
        assert_eq!(parse_time("16:00:00"), Ok(jiff::civil::time(16, 0, 0, 0)));
        assert_eq!(parse_time("1600"), Err(Problem::InvalidTime));
    }
    use jiff::civil::date;

    #[test]
    fn parses_dates_in_both_digit_sets() {
        assert_eq!(parse_date("2019-08-26"), Ok(date(2019, 8, 26)));
        assert_eq!(parse_date("٢٠١٩-٠٨-٢٦"), Ok(date(2019, 8, 26)));
        for bad in ["2019-02-30", "26/08/2019", "2019-8-26", "", "2019-08-26T00:00"] {
            assert_eq!(parse_date(bad), Err(Problem::InvalidDate), "{bad}");
        }
    }

    #[test]
    fn birth_dates_are_in_the_past() {
        let today = date(2026, 11, 29);
        assert_eq!(parse_birth_date("2026-11-30", today), Err(Problem::DateInFuture));
        assert_eq!(parse_birth_date("1899-12-31", today), Err(Problem::DateTooEarly));
        assert_eq!(parse_birth_date("2026-11-29", today), Ok(today));
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_on(date(2010, 3, 1), date(2026, 2, 28)), 15);
        assert_eq!(age_on(date(2010, 3, 1), date(2026, 3, 1)), 16);
    }

    #[test]
    fn local_date_is_doha_time() {
        let start = parse_window_end("2026-11-29", WindowEnd::Start).unwrap();
        let end = parse_window_end("٢٠٢٦-١١-٢٩", WindowEnd::End).unwrap();
        assert_eq!(start.to_string(), "2026-11-28T21:00:00Z");
        assert_eq!(end.to_string(), "2026-11-29T21:00:00Z");
        assert_eq!(
            parse_window_end("2026-11-29T08:00:00Z", WindowEnd::End).unwrap().to_string(),
            "2026-11-29T08:00:00Z"
        );
        assert_eq!(parse_window_end("yesterday", WindowEnd::Start), Err(Problem::InvalidDate));
        let late_evening_utc: Timestamp = "2026-11-29T22:30:00Z".parse().unwrap();
        assert_eq!(local_date(late_evening_utc), date(2026, 11, 30));
    }
}
