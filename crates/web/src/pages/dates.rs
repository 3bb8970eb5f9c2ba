//! Dates as people in Qatar read them: the Gregorian date, and beside it the Hijri
//! date of the Umm al-Qura calendar (computed by ICU4X), both in the page's language;
//! times of day in Qatar time (UTC+3, no daylight saving).

use icu_calendar::cal::Hijri;
use jiff::Timestamp;
use jiff::civil::Date;

use super::Ui;

/// The Hijri (Umm al-Qura) year, month and day of a Gregorian date.
pub fn hijri_parts(date: Date) -> Option<(i32, u8, u8)> {
    let iso =
        icu_calendar::Date::try_new_iso(i32::from(date.year()), date.month().unsigned_abs(), date.day().unsigned_abs())
            .ok()?;
    let hijri = iso.to_calendar(Hijri::new_umm_al_qura());
    Some((hijri.year().era_year_or_related_iso(), hijri.month().ordinal, hijri.day_of_month().0))
}

/// A date or an instant ready for a page: machine form for `<time datetime>`, the
/// Gregorian text, and the Hijri text.
pub struct Shown {
    /// `YYYY-MM-DD` or RFC 3339.
    pub machine: String,
    /// The Gregorian date (and time of day, for an instant).
    pub text: String,
    /// The Hijri date.
    pub hijri: String,
}

impl Ui<'_> {
    /// A calendar date.
    pub fn date(&self, date: Date) -> Shown {
        Shown { machine: date.to_string(), text: self.gregorian(date), hijri: self.hijri(date) }
    }

    /// An instant, in Qatar time.
    pub fn instant(&self, at: Timestamp) -> Shown {
        let local = jiff::tz::Offset::constant(3).to_datetime(at);
        let text = format!("{}، {:02}:{:02}", self.gregorian(local.date()), local.hour(), local.minute());
        let text = if self.lang == crate::i18n::Lang::En { text.replace('،', ",") } else { text };
        Shown { machine: at.to_string(), text, hijri: self.hijri(local.date()) }
    }

    fn gregorian(&self, date: Date) -> String {
        format!("{} {} {}", date.day(), self.t(&format!("month-{}", date.month())), date.year())
    }

    fn hijri(&self, date: Date) -> String {
        match hijri_parts(date) {
            Some((year, month, day)) => {
                format!("{day} {} {year} {}", self.t(&format!("hijri-month-{month}")), self.t("hijri-era"))
            }
            None => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn umm_al_qura_dates_match_the_published_calendar() {
        // 26 August 2019 was 25 Dhu al-Hijjah 1440; 1 Ramadan 1447 fell on 18 February 2026.
        assert_eq!(hijri_parts(jiff::civil::date(2019, 8, 26)), Some((1440, 12, 25)));
        assert_eq!(hijri_parts(jiff::civil::date(2026, 2, 18)), Some((1447, 9, 1)));
        assert_eq!(hijri_parts(jiff::civil::date(2026, 11, 29)).map(|(year, _, _)| year), Some(1448));
    }
}
