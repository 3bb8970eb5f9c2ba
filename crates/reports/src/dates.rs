//! The Hijri (Umm al-Qura) date beside the Gregorian one, as documents and pages print
//! it in Qatar, computed by ICU4X.

use icu_calendar::cal::Hijri;
use jiff::civil::Date;

/// The Hijri (Umm al-Qura) year, month and day of a Gregorian date.
pub fn hijri_parts(date: Date) -> Option<(i32, u8, u8)> {
    let iso =
        icu_calendar::Date::try_new_iso(i32::from(date.year()), date.month().unsigned_abs(), date.day().unsigned_abs())
            .ok()?;
    let hijri = iso.to_calendar(Hijri::new_umm_al_qura());
    Some((hijri.year().era_year_or_related_iso(), hijri.month().ordinal, hijri.day_of_month().0))
}

const MONTHS_AR: [&str; 12] = [
    "محرم",
    "صفر",
    "ربيع الأول",
    "ربيع الآخر",
    "جمادى الأولى",
    "جمادى الآخرة",
    "رجب",
    "شعبان",
    "رمضان",
    "شوال",
    "ذو القعدة",
    "ذو الحجة",
];

/// The Hijri date in Arabic (`25 ذو الحجة 1440`); empty when out of the calendar's range.
pub fn hijri_ar(date: Date) -> String {
    match hijri_parts(date) {
        Some((year, month, day)) => {
            format!("{day} {} {year}", MONTHS_AR.get(usize::from(month).saturating_sub(1)).unwrap_or(&""))
        }
        None => String::new(),
    }
}

const WEEKDAYS_AR: [(jiff::civil::Weekday, &str); 7] = [
    (jiff::civil::Weekday::Saturday, "السبت"),
    (jiff::civil::Weekday::Sunday, "الأحد"),
    (jiff::civil::Weekday::Monday, "الاثنين"),
    (jiff::civil::Weekday::Tuesday, "الثلاثاء"),
    (jiff::civil::Weekday::Wednesday, "الأربعاء"),
    (jiff::civil::Weekday::Thursday, "الخميس"),
    (jiff::civil::Weekday::Friday, "الجمعة"),
];

/// A recurrence rule in Arabic words (`كل أسبوع يوم الجمعة`), for documents.
pub fn rule_ar(rule: &sila_domain::court::Recurrence) -> String {
    use sila_domain::court::Frequency;
    let every = |one: &str, two: &str, many: &str| match rule.interval {
        1 => format!("كل {one}"),
        2 => format!("كل {two}"),
        n => format!("كل {n} {many}"),
    };
    let mut text = match rule.frequency {
        Frequency::Daily => every("يوم", "يومين", "أيام"),
        Frequency::Weekly => {
            let mut days: Vec<&str> = WEEKDAYS_AR
                .iter()
                .filter(|(weekday, _)| rule.by_day.contains(weekday))
                .map(|(_, name)| *name)
                .collect();
            let base = every("أسبوع", "أسبوعين", "أسابيع");
            match days.len() {
                0 => base,
                1 => format!("{base} يوم {}", days[0]),
                _ => {
                    let last = days.pop().unwrap_or_default();
                    format!("{base} أيام {} و{last}", days.join("، "))
                }
            }
        }
        Frequency::Monthly => {
            let base = every("شهر", "شهرين", "أشهر");
            match rule.by_month_day {
                Some(day) => format!("{base} في اليوم {day}"),
                None => base,
            }
        }
    };
    if let Some(count) = rule.count {
        text.push_str(&format!("، {count} مرات"));
    }
    if let Some(until) = rule.until {
        text.push_str(&format!("، حتى {until}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn umm_al_qura_dates_match_the_published_calendar() {
        // 26 August 2019 was 25 Dhu al-Hijjah 1440; 1 Ramadan 1447 fell on 18 February 2026.
        assert_eq!(hijri_parts(jiff::civil::date(2019, 8, 26)), Some((1440, 12, 25)));
        assert_eq!(hijri_parts(jiff::civil::date(2026, 2, 18)), Some((1447, 9, 1)));
        assert_eq!(hijri_ar(jiff::civil::date(2019, 8, 26)), "25 ذو الحجة 1440");
    }

    #[test]
    fn rules_read_as_arabic() {
        let rule = |text: &str| rule_ar(&sila_domain::court::Recurrence::parse(text).unwrap());
        assert_eq!(rule("FREQ=WEEKLY;BYDAY=FR"), "كل أسبوع يوم الجمعة");
        assert_eq!(rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,FR"), "كل أسبوعين أيام الثلاثاء والجمعة");
        assert_eq!(rule("FREQ=MONTHLY;BYMONTHDAY=1;COUNT=6"), "كل شهر في اليوم 1، 6 مرات");
    }
}
