//! Messages in Arabic and English from Fluent catalogs (`locales/ar.ftl`,
//! `locales/en.ftl`), compiled into the binary. Arabic is the default language.
//!
//! Fluent wraps interpolated values in Unicode bidi isolates (U+2068 … U+2069), which
//! keeps a Latin word or a number inside an Arabic sentence in its place; callers that
//! compare strings in tests must expect them.

use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language Sila speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Arabic, right-to-left; the default.
    Ar,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 code.
    pub fn code(&self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::En => "en",
        }
    }

    /// The language asked for by an `Accept-Language` header: the first of `ar` / `en`
    /// by preference weight; Arabic when neither is acceptable.
    pub fn negotiate(header: Option<&str>) -> Lang {
        let Some(header) = header else { return Lang::Ar };
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let weight = pieces
                .find_map(|piece| piece.trim().strip_prefix("q=").and_then(|value| value.parse::<f32>().ok()))
                .unwrap_or(1.0);
            let lang = if tag == "ar" || tag.starts_with("ar-") {
                Lang::Ar
            } else if tag == "en" || tag.starts_with("en-") {
                Lang::En
            } else {
                continue;
            };
            if best.is_none_or(|(known, _)| weight > known) {
                best = Some((weight, lang));
            }
        }
        best.map(|(_, lang)| lang).unwrap_or(Lang::Ar)
    }
}

/// A bundle usable from several threads at once.
type Bundle = fluent_bundle::concurrent::FluentBundle<FluentResource>;

/// The Arabic catalog source.
pub const ARABIC: &str = include_str!("../locales/ar.ftl");
/// The English catalog source.
pub const ENGLISH: &str = include_str!("../locales/en.ftl");

/// Both catalogs, parsed once at start.
pub struct Catalogs {
    arabic: Bundle,
    english: Bundle,
}

impl std::fmt::Debug for Catalogs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Catalogs")
    }
}

fn bundle(language: &str, source: &str) -> Result<Bundle, String> {
    let id: LanguageIdentifier = language.parse().map_err(|_| format!("bad language {language}"))?;
    let resource = FluentResource::try_new(source.to_string())
        .map_err(|(_, errors)| format!("{language} catalog does not parse: {errors:?}"))?;
    let mut bundle = Bundle::new_concurrent(vec![id]);
    bundle.add_resource(resource).map_err(|errors| format!("{language} catalog has duplicates: {errors:?}"))?;
    Ok(bundle)
}

impl Catalogs {
    /// Parses both catalogs.
    pub fn load() -> Result<Catalogs, String> {
        Ok(Catalogs { arabic: bundle("ar", ARABIC)?, english: bundle("en", ENGLISH)? })
    }

    /// Whether `key` exists in `lang`.
    pub fn has(&self, lang: Lang, key: &str) -> bool {
        self.bundle(lang).has_message(key)
    }

    /// The message `key` in `lang` with arguments, or `None` when there is no such key.
    pub fn message(&self, lang: Lang, key: &str, args: &[(&str, String)]) -> Option<String> {
        let bundle = self.bundle(lang);
        let pattern = bundle.get_message(key)?.value()?;
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, FluentValue::from(value.clone()));
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        Some(text.into_owned())
    }

    /// The message `key`, falling back to the key itself (a test makes sure no page or
    /// answer ever shows one).
    pub fn text(&self, lang: Lang, key: &str) -> String {
        self.message(lang, key, &[]).unwrap_or_else(|| key.to_string())
    }

    fn bundle(&self, lang: Lang) -> &Bundle {
        match lang {
            Lang::Ar => &self.arabic,
            Lang::En => &self.english,
        }
    }
}

/// The message keys of a catalog source, in order.
pub fn keys(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with(' ') && line.contains(" = "))
        .filter_map(|line| line.split(" = ").next().map(|key| key.trim().to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogs_have_the_same_keys() {
        assert_eq!(keys(ARABIC), keys(ENGLISH));
        assert!(keys(ARABIC).len() > 100);
    }

    #[test]
    fn every_problem_and_error_code_has_a_message_in_both_languages() {
        let catalogs = Catalogs::load().unwrap();
        for problem in sila_domain::Problem::all() {
            for lang in [Lang::Ar, Lang::En] {
                assert!(catalogs.has(lang, &format!("problem-{}", problem.code())), "{problem} in {lang:?}");
            }
        }
    }

    #[test]
    fn negotiation_prefers_weights_and_defaults_to_arabic() {
        assert_eq!(Lang::negotiate(None), Lang::Ar);
        assert_eq!(Lang::negotiate(Some("en")), Lang::En);
        assert_eq!(Lang::negotiate(Some("fr, en-GB;q=0.8, ar;q=0.5")), Lang::En);
        assert_eq!(Lang::negotiate(Some("ar-QA, en;q=0.9")), Lang::Ar);
        assert_eq!(Lang::negotiate(Some("fr")), Lang::Ar);
        assert_eq!(Lang::negotiate(Some(";;q=,")), Lang::Ar);
    }

    #[test]
    fn placeables_are_isolated_for_bidi() {
        let catalogs = Catalogs::load().unwrap();
        let text = catalogs.message(Lang::Ar, "problem-too_long", &[("limit", "60".into())]).unwrap();
        assert!(text.contains("\u{2068}60\u{2069}"), "{text}");
    }
}
