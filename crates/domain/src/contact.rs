//! Reaching a person safely, and the warm handoff. Safe-contact rules say how and when a
//! woman may be contacted without endangering her (only this phone, never at home, only
//! mornings, through a named relative, a code word); they are shown to anyone about to
//! contact her. The warm handoff is the officer walking her across the corridor to the
//! centre's desk: a slot booked, the escort and the reception recorded, the minutes from
//! police intake to first contact kept.

use jiff::Timestamp;

use crate::error::{Errors, FieldError, Problem};
use crate::ids::{ReferralId, UserId};
use crate::phone::Phone;
use crate::text::Text;

code_enum!(
    /// How she may be contacted.
    ContactChannel {
        /// A phone call.
        Call = "call",
        /// A text message (saying nothing of the case).
        Text = "text",
        /// In person, at the centre or the police office.
        InPerson = "in_person",
        /// Only through the person named.
        Through = "through",
        /// Not at all: she makes contact.
        None = "none",
    }
);

/// How a person may safely be contacted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SafeContact {
    /// The channel.
    pub channel: Option<ContactChannel>,
    /// The only number to use.
    pub phone: Option<String>,
    /// When (e.g. "mornings, before 11").
    pub times: Option<Text>,
    /// Never contact her at home, nor send anything there.
    pub never_at_home: bool,
    /// Through whom (a named relative, a friend).
    pub through: Option<Text>,
    /// A code word that tells her the caller is genuine.
    pub code_word: Option<Text>,
}

/// Safe-contact rules as typed.
#[derive(Debug, Clone, Default)]
pub struct SafeContactInput {
    /// Channel code.
    pub channel: String,
    /// The only number to use.
    pub phone: Option<String>,
    /// When.
    pub times: Option<String>,
    /// Never at home.
    pub never_at_home: bool,
    /// Through whom.
    pub through: Option<String>,
    /// A code word.
    pub code_word: Option<String>,
}

impl SafeContact {
    /// Validates typed rules: a channel; a phone in international or Qatar form; a
    /// person named when contact goes through someone.
    pub fn validate(input: &SafeContactInput) -> Result<SafeContact, Vec<FieldError>> {
        let mut errors = Errors::new();
        let channel = errors.check("channel", ContactChannel::parse(&input.channel));
        let phone = match input.phone.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
            Some(text) => errors.check("phone", Phone::parse(text, false)).map(|phone| phone.as_str().to_string()),
            None => None,
        };
        let times = errors.check("times", Text::parse_optional(input.times.as_deref(), 200)).flatten();
        let through = errors.check("through", Text::parse_optional(input.through.as_deref(), 200)).flatten();
        let code_word = errors.check("code_word", Text::parse_optional(input.code_word.as_deref(), 60)).flatten();
        if channel == Some(ContactChannel::Through) && through.is_none() {
            errors.add("through", Problem::Required);
        }
        errors.finish()?;
        Ok(SafeContact { channel, phone, times, never_at_home: input.never_at_home, through, code_word })
    }
}

/// A warm handoff of a referral to the co-located desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    /// The referral.
    pub referral_id: ReferralId,
    /// The desk slot booked.
    pub slot_at: Timestamp,
    /// Who booked it.
    pub booked_by: UserId,
    /// When.
    pub booked_at: Timestamp,
    /// The officer who walked her over, and when.
    pub escorted: Option<(UserId, Timestamp)>,
    /// The desk coordinator who received her, and when: her first contact with the centre.
    pub received: Option<(UserId, Timestamp)>,
}

/// The longest a desk slot may lie ahead of its booking, in hours.
pub const SLOT_AHEAD_HOURS: i64 = 72;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_checked_field_by_field() {
        let rules = SafeContact::validate(&SafeContactInput {
            channel: "call".into(),
            phone: Some("5512 3456".into()),
            times: Some("صباحًا قبل الحادية عشرة".into()),
            never_at_home: true,
            ..SafeContactInput::default()
        })
        .unwrap();
        assert_eq!(rules.phone.as_deref(), Some("+97455123456"));
        let errors = SafeContact::validate(&SafeContactInput {
            channel: "through".into(),
            phone: Some("12".into()),
            ..SafeContactInput::default()
        })
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(fields, ["phone", "through"]);
        assert_eq!(SafeContact::validate(&SafeContactInput::default()).unwrap_err()[0].field, "channel");
    }
}
