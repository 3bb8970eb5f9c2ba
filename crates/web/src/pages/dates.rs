//! Dates as people in Qatar read them: the Gregorian date, and beside it the Hijri
//! date of the Umm al-Qura calendar (computed by ICU4X), both in the page's language;
//! times of day in Qatar time (UTC+3, no daylight saving).

use jiff::Timestamp;
use jiff::civil::Date;

use super::Ui;

pub use sila_reports::dates::hijri_parts;

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
