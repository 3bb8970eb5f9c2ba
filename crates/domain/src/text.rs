//! Validated free text: stored exactly as typed after NFC and whitespace tidying
//! (`sila_arabic::stored_form`), with a length limit counted in characters, not bytes,
//! because an Arabic letter is two bytes and the limit is about what a person reads.

use std::fmt;

use crate::error::Problem;

/// Text of one line or one paragraph, non-empty, within a length limit, free of control
/// characters other than line breaks.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text(String);

impl Text {
    /// Validates `input` as text of at most `max` characters.
    pub fn parse(input: &str, max: usize) -> Result<Text, Problem> {
        let stored = stored_paragraphs(input);
        if stored.is_empty() {
            return Err(Problem::Required);
        }
        if stored.chars().count() > max {
            return Err(Problem::TooLong { max });
        }
        if stored.chars().any(|ch| ch.is_control() && ch != '\n') {
            return Err(Problem::InvalidText);
        }
        Ok(Text(stored))
    }

    /// An optional field: absent or blank gives `None`, otherwise as [`Text::parse`].
    pub fn parse_optional(input: Option<&str>, max: usize) -> Result<Option<Text>, Problem> {
        match input {
            None => Ok(None),
            Some(text) if text.trim().is_empty() => Ok(None),
            Some(text) => Text::parse(text, max).map(Some),
        }
    }

    /// Rebuilds a value read back from storage, where it was validated on the way in.
    pub fn from_stored(stored: String) -> Text {
        Text(stored)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Limits used across the records, in characters.
pub mod limits {
    /// One part of a person's name.
    pub const NAME_PART: usize = 60;
    /// A full name in Latin letters.
    pub const LATIN_NAME: usize = 200;
    /// A short label: a purpose, a reason, a witness name, a municipality.
    pub const SHORT: usize = 500;
    /// A narrative or a note.
    pub const LONG: usize = 20_000;
}

/// Tidies each line like `stored_form` but keeps the line breaks between paragraphs,
/// which matter in a narrative or a note.
fn stored_paragraphs(input: &str) -> String {
    let normalized_breaks = input.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<String> = normalized_breaks.split('\n').map(sila_arabic::stored_form).collect();
    let mut out = lines.join("\n");
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    out.trim_matches('\n').to_string()
}

/// A part of a person's name, or a full Latin name: one line, with at least one letter.
pub fn parse_name(input: &str, max: usize) -> Result<Text, Problem> {
    let text = Text::parse(input, max)?;
    if text.as_str().contains('\n') || !text.as_str().chars().any(char::is_alphabetic) {
        return Err(Problem::InvalidText);
    }
    if text.as_str().chars().any(|ch| ch.is_ascii_digit() || ('\u{0660}'..='\u{0669}').contains(&ch)) {
        return Err(Problem::InvalidText);
    }
    Ok(text)
}

/// A username: 3 to 64 characters of lower-case Latin letters, digits, `.`, `_`, `-`.
/// Usernames are typed on any keyboard and appear in logs as identifiers, so they are
/// deliberately plain.
pub fn parse_username(input: &str) -> Result<String, Problem> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(Problem::Required);
    }
    if trimmed.chars().count() < 3 {
        return Err(Problem::TooShort { min: 3 });
    }
    if trimmed.chars().count() > 64 {
        return Err(Problem::TooLong { max: 64 });
    }
    let allowed = |ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit() || matches!(ch, '.' | '_' | '-');
    if !trimmed.chars().all(allowed) {
        return Err(Problem::UsernameFormat);
    }
    Ok(trimmed.to_string())
}

/// A code from configuration (a category, an instrument item): lower-case ASCII
/// letters, digits and `_`, 1 to 64 characters.
pub fn parse_code(input: &str) -> Result<String, Problem> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(Problem::Required);
    }
    let allowed = |ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_';
    if trimmed.len() > 64 || !trimmed.chars().all(allowed) {
        return Err(Problem::UnknownValue);
    }
    Ok(trimmed.to_string())
}

/// The longest directory code.
pub const DIRECTORY_CODE_MAX: usize = 16;

/// A code of the directory (an office's `HQ`, `WAKRA`): Latin letters, digits, `_` and
/// `-`, at most [`DIRECTORY_CODE_MAX`] characters, kept upper-case so that `hq` and `HQ`
/// are the same code (the command line finds offices by code regardless of case).
pub fn parse_directory_code(input: &str) -> Result<String, Problem> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(Problem::Required);
    }
    if trimmed.chars().count() > DIRECTORY_CODE_MAX {
        return Err(Problem::TooLong { max: DIRECTORY_CODE_MAX });
    }
    if !trimmed.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-')) {
        return Err(Problem::CodeFormat);
    }
    Ok(trimmed.to_ascii_uppercase())
}

/// A reason a person must give in words (breaking the glass): at least `min_chars`
/// characters and `min_words` distinct words, a word being a run of letters (Arabic or
/// Latin, at least two, not one letter repeated). `aaaaaaaaaa` or `... ... ...` is not
/// a reason; `بلاغ عاجل عن خطر` is.
pub fn parse_reason(input: &str, max: usize, min_chars: usize, min_words: usize) -> Result<Text, Problem> {
    let text = Text::parse(input, max)?;
    if text.as_str().chars().count() < min_chars {
        return Err(Problem::TooShort { min: min_chars });
    }
    let words: std::collections::BTreeSet<String> = text
        .as_str()
        .split(|ch: char| !ch.is_alphabetic())
        .filter(|word| {
            let mut letters = word.chars();
            let first = letters.next();
            word.chars().count() >= 2 && letters.any(|ch| Some(ch) != first)
        })
        .map(str::to_lowercase)
        .collect();
    if words.len() < min_words {
        return Err(Problem::TooFewWords { min: min_words });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_words_with_letters() {
        assert_eq!(parse_reason("aaaaaaaaaa", 200, 10, 3), Err(Problem::TooFewWords { min: 3 }));
        assert_eq!(parse_reason("aaaa aaaa aaaa", 200, 10, 3), Err(Problem::TooFewWords { min: 3 }));
        assert_eq!(parse_reason("1234567890 12", 200, 10, 3), Err(Problem::TooFewWords { min: 3 }));
        assert_eq!(parse_reason("..........", 200, 10, 3), Err(Problem::TooFewWords { min: 3 }));
        assert_eq!(parse_reason("child child child", 200, 10, 3), Err(Problem::TooFewWords { min: 3 }));
        assert_eq!(parse_reason("عاجل", 200, 10, 3), Err(Problem::TooShort { min: 10 }));
        assert!(parse_reason("بلاغ عاجل عن خطر", 200, 10, 3).is_ok());
        assert!(parse_reason("Urgent report: a child at risk tonight", 200, 10, 3).is_ok());
        assert!(parse_reason("خطر على طفلة الليلة", 200, 10, 3).is_ok());
    }

    #[test]
    fn text_is_tidied_and_limited() {
        assert_eq!(Text::parse("  نص  قصير ", 10).unwrap().as_str(), "نص قصير");
        assert_eq!(Text::parse("   ", 10), Err(Problem::Required));
        assert_eq!(Text::parse("abcdef", 5), Err(Problem::TooLong { max: 5 }));
        // Arabic letters count as one each, not two bytes.
        assert!(Text::parse("مرحبا", 5).is_ok());
        assert_eq!(Text::parse("a\u{0007}b", 10), Err(Problem::InvalidText));
    }

    #[test]
    fn paragraphs_keep_single_blank_lines() {
        let text = Text::parse("الفقرة الأولى\r\n\r\n\r\n\r\nالثانية  ", 100).unwrap();
        assert_eq!(text.as_str(), "الفقرة الأولى\n\nالثانية");
    }

    #[test]
    fn names_have_letters_and_no_digits() {
        assert!(parse_name("عبد العزيز", 60).is_ok());
        assert_eq!(parse_name("123", 60), Err(Problem::InvalidText));
        assert_eq!(parse_name("نورة2", 60), Err(Problem::InvalidText));
        assert_eq!(parse_name("سطر\nآخر", 60), Err(Problem::InvalidText));
    }

    #[test]
    fn usernames_are_plain() {
        assert_eq!(parse_username(" officer.one "), Ok("officer.one".to_string()));
        assert_eq!(parse_username("Officer"), Err(Problem::UsernameFormat));
        assert_eq!(parse_username("ab"), Err(Problem::TooShort { min: 3 }));
        assert_eq!(parse_username("ضابط"), Err(Problem::UsernameFormat));
    }

    #[test]
    fn directory_codes_are_plain_and_upper_case() {
        assert_eq!(parse_directory_code(" wakra-2 "), Ok("WAKRA-2".to_string()));
        assert_eq!(parse_directory_code("HQ_NORTH"), Ok("HQ_NORTH".to_string()));
        assert_eq!(parse_directory_code("  "), Err(Problem::Required));
        assert_eq!(parse_directory_code("HQ NORTH"), Err(Problem::CodeFormat));
        assert_eq!(parse_directory_code("مكتب"), Err(Problem::CodeFormat));
        assert_eq!(parse_directory_code(&"A".repeat(17)), Err(Problem::TooLong { max: DIRECTORY_CODE_MAX }));
    }
}
