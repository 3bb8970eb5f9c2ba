//! The risk checklist: a configurable instrument whose items cover the themes of the
//! DASH checklist used by UK police (injury, fear, isolation, escalation, separation,
//! pregnancy, child contact, threats to kill, strangulation, weapons, …), worded here in
//! our own Arabic and English — the DASH text itself is licensed and is not copied.
//!
//! The score is the number of "yes" answers; the level comes from the instrument's
//! thresholds (by default medium from 10, high from 14). An assessor may raise the level
//! by professional judgement, with a written reason, and can never lower it below the
//! score's level.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::{Errors, FieldError, Problem};
use crate::text::{Text, limits};

/// A risk level, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RiskLevel {
    /// No indication of high risk.
    Standard,
    /// Identifiable indicators of risk.
    Medium,
    /// Indicators of risk of serious harm.
    High,
}

impl RiskLevel {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            RiskLevel::Standard => "standard",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
        }
    }

    /// The level for a code.
    pub fn parse(code: &str) -> Result<RiskLevel, Problem> {
        match code.trim() {
            "standard" => Ok(RiskLevel::Standard),
            "medium" => Ok(RiskLevel::Medium),
            "high" => Ok(RiskLevel::High),
            "" => Err(Problem::Required),
            _ => Err(Problem::UnknownValue),
        }
    }
}

impl fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An answer to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    /// Yes: counts towards the score.
    Yes,
    /// No.
    No,
    /// Not known, or the person did not wish to answer.
    Unknown,
}

impl Answer {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::Unknown => "unknown",
        }
    }

    /// The answer for a code.
    pub fn parse(code: &str) -> Result<Answer, Problem> {
        match code.trim() {
            "yes" => Ok(Answer::Yes),
            "no" => Ok(Answer::No),
            "unknown" => Ok(Answer::Unknown),
            "" => Err(Problem::Required),
            _ => Err(Problem::UnknownValue),
        }
    }
}

/// One item of an instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskItem {
    /// Stable code, the key of the answer.
    pub code: String,
    /// The question in Arabic.
    pub text_ar: String,
    /// The question in English.
    pub text_en: String,
}

/// A risk instrument: its items and thresholds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskInstrument {
    /// Stable code of the instrument.
    pub code: String,
    /// Version; answers are stored with the version they were given to.
    pub version: u32,
    /// The items, in the order they are asked.
    pub items: Vec<RiskItem>,
    /// Score from which the level is medium.
    pub medium_at: u32,
    /// Score from which the level is high.
    pub high_at: u32,
}

/// The answers to an instrument, as typed: item code → answer code, and an optional
/// professional-judgement level with its reason.
#[derive(Debug, Clone, Default)]
pub struct AssessmentInput {
    /// Item code → `yes` / `no` / `unknown`.
    pub answers: BTreeMap<String, String>,
    /// A level chosen by professional judgement.
    pub judged_level: Option<String>,
    /// Why the level was raised.
    pub judgement_reason: Option<String>,
}

/// A scored assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// Item code → answer, for every item of the instrument.
    pub answers: BTreeMap<String, Answer>,
    /// Number of "yes" answers.
    pub score: u32,
    /// The level the score gives.
    pub score_level: RiskLevel,
    /// The level in force: the score's, or higher by judgement.
    pub level: RiskLevel,
    /// The written reason when the level was raised.
    pub judgement_reason: Option<Text>,
}

impl RiskInstrument {
    /// Checks a configured instrument: items with unique codes, thresholds in order and
    /// reachable. Returns what is wrong, for the configuration error at start-up.
    pub fn check(&self) -> Result<(), String> {
        if self.items.is_empty() {
            return Err("the risk instrument has no items".into());
        }
        let mut codes: Vec<&str> = self.items.iter().map(|item| item.code.as_str()).collect();
        codes.sort_unstable();
        if codes.windows(2).any(|pair| pair[0] == pair[1]) {
            return Err("two risk items share a code".into());
        }
        let count = u32::try_from(self.items.len()).unwrap_or(u32::MAX);
        if !(0 < self.medium_at && self.medium_at <= self.high_at && self.high_at <= count) {
            return Err(format!("risk thresholds must satisfy 0 < medium ≤ high ≤ {count}"));
        }
        Ok(())
    }

    /// The level a score gives.
    pub fn level_for(&self, score: u32) -> RiskLevel {
        if score >= self.high_at {
            RiskLevel::High
        } else if score >= self.medium_at {
            RiskLevel::Medium
        } else {
            RiskLevel::Standard
        }
    }

    /// Scores a set of answers. Every item must be answered (`unknown` is an answer);
    /// answers to items the instrument does not have are refused, so a typo in a code is
    /// never silently dropped.
    pub fn assess(&self, input: &AssessmentInput) -> Result<Assessment, Vec<FieldError>> {
        let mut errors = Errors::new();
        let mut answers = BTreeMap::new();
        for item in &self.items {
            let field = format!("answers.{}", item.code);
            let answer = match input.answers.get(&item.code) {
                Some(code) => errors.check(field, Answer::parse(code)),
                None => {
                    errors.add(field, Problem::Required);
                    None
                }
            };
            if let Some(answer) = answer {
                answers.insert(item.code.clone(), answer);
            }
        }
        for code in input.answers.keys() {
            if !self.items.iter().any(|item| &item.code == code) {
                errors.add(format!("answers.{code}"), Problem::UnknownValue);
            }
        }
        let score = u32::try_from(answers.values().filter(|answer| **answer == Answer::Yes).count()).unwrap_or(0);
        let score_level = self.level_for(score);
        let judged = match input.judged_level.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => errors.check("judged_level", RiskLevel::parse(code)),
        };
        let reason = errors
            .check("judgement_reason", Text::parse_optional(input.judgement_reason.as_deref(), limits::SHORT))
            .flatten();
        let mut level = score_level;
        let mut judgement_reason = None;
        if let Some(judged) = judged {
            if judged < score_level {
                errors.add("judged_level", Problem::RiskLevelBelowScore);
            } else if judged > score_level {
                if reason.is_none() {
                    errors.add("judgement_reason", Problem::Required);
                }
                level = judged;
                judgement_reason = reason;
            }
        }
        errors.finish()?;
        Ok(Assessment { answers, score, score_level, level, judgement_reason })
    }

    /// The built-in checklist: 27 items over the DASH themes, high at 14 "yes".
    pub fn default_checklist() -> RiskInstrument {
        let items = DEFAULT_ITEMS
            .iter()
            .map(|(code, text_ar, text_en)| RiskItem {
                code: (*code).to_string(),
                text_ar: (*text_ar).to_string(),
                text_en: (*text_en).to_string(),
            })
            .collect();
        RiskInstrument { code: "sila_risk".into(), version: 1, items, medium_at: 10, high_at: 14 }
    }
}

/// The built-in items: (code, Arabic, English). Our own wording of the DASH themes.
const DEFAULT_ITEMS: [(&str, &str, &str); 27] = [
    ("injury_now", "هل أُصيب الشخص في هذه الواقعة؟", "Was the person injured in this incident?"),
    ("very_afraid", "هل يقول الشخص إنه خائف جدًا؟", "Does the person say they are very frightened?"),
    (
        "fears_serious_harm",
        "هل يخشى أن يُقتل أو يُؤذى أذى بالغًا هو أو غيره؟",
        "Do they fear being killed or seriously hurt, or that someone else will be?",
    ),
    (
        "isolated",
        "هل يُمنع من رؤية أهله أو أصدقائه أو من الخروج؟",
        "Are they kept from family, friends, or from going out?",
    ),
    (
        "low_mood",
        "هل يشعر بيأس شديد أو فكّر في إيذاء نفسه؟",
        "Do they feel deeply hopeless, or have they thought of harming themselves?",
    ),
    (
        "separation",
        "هل انفصلا أو حاول الانفصال خلال السنة الماضية؟",
        "Have they separated, or tried to, in the past year?",
    ),
    (
        "child_contact_conflict",
        "هل يوجد خلاف على رؤية الأطفال أو حضانتهم؟",
        "Is there conflict over contact with or custody of the children?",
    ),
    (
        "stalking",
        "هل يلاحقه أو يراقبه أو يضايقه بالرسائل والاتصالات؟",
        "Are they followed, watched, or harassed with messages or calls?",
    ),
    (
        "pregnant_or_new_baby",
        "هل هي حامل أو أنجبت خلال الثمانية عشر شهرًا الماضية؟",
        "Is she pregnant, or has she had a baby in the last 18 months?",
    ),
    (
        "stepchildren",
        "هل في البيت أطفال من علاقة أخرى؟",
        "Are there children from another relationship in the household?",
    ),
    ("children_harmed", "هل آذى الأطفال أو هددهم؟", "Has the other party hurt or threatened the children?"),
    ("more_often", "هل يتكرر الاعتداء أكثر من قبل؟", "Is the abuse happening more often?"),
    ("getting_worse", "هل يزداد الاعتداء شدة؟", "Is the abuse getting worse?"),
    (
        "controlling",
        "هل يتحكم في تصرفاته أو يغار عليه غيرة مفرطة؟",
        "Does the other party control what they do, or show extreme jealousy?",
    ),
    ("weapon", "هل استخدم سلاحًا أو أداة أو هدد باستخدامها؟", "Has a weapon or object been used, or its use threatened?"),
    ("threat_to_kill", "هل هدد بقتله أو بقتل غيره؟", "Has there been a threat to kill them or someone else?"),
    (
        "strangulation",
        "هل حاول خنقه أو كتم نفسه أو إغراقه؟",
        "Has there been an attempt to choke, strangle, smother or drown them?",
    ),
    (
        "sexual_abuse",
        "هل أُكره على أفعال جنسية أو تعرض لأذى جنسي؟",
        "Have they been forced into sexual acts or sexually hurt?",
    ),
    ("threatens_others", "هل هدد أو آذى أشخاصًا آخرين؟", "Has the other party threatened or hurt other people?"),
    ("harms_animals", "هل آذى حيوانات أليفة أو غيرها؟", "Has the other party hurt pets or other animals?"),
    (
        "money_control",
        "هل يتحكم في المال أو توجد ضائقة مالية شديدة؟",
        "Is money controlled by the other party, or is there serious financial strain?",
    ),
    ("substance_misuse", "هل يتعاطى الكحول أو المخدرات بإفراط؟", "Does the other party misuse alcohol or drugs?"),
    ("suicide_threats", "هل هدد الطرف الآخر بالانتحار أو حاوله؟", "Has the other party threatened or attempted suicide?"),
    ("breached_orders", "هل خالف أمرًا قضائيًا أو تعهدًا؟", "Has the other party broken a court order or a pledge?"),
    (
        "known_violence",
        "هل له سوابق عنف أو بلاغات سابقة لدى الشرطة؟",
        "Does the other party have a history of violence or earlier police reports?",
    ),
    (
        "hid_or_fled",
        "هل اضطر الشخص إلى الاختباء أو ترك البيت خوفًا؟",
        "Has the person had to hide or leave home out of fear?",
    ),
    (
        "threats_after_reporting",
        "هل هُدد بسبب الإبلاغ أو طلب المساعدة؟",
        "Have they been threatened for reporting or seeking help?",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(yes: usize) -> AssessmentInput {
        let instrument = RiskInstrument::default_checklist();
        let answers = instrument
            .items
            .iter()
            .enumerate()
            .map(|(index, item)| (item.code.clone(), if index < yes { "yes" } else { "no" }.to_string()))
            .collect();
        AssessmentInput { answers, ..AssessmentInput::default() }
    }

    #[test]
    fn the_default_checklist_is_well_formed() {
        let instrument = RiskInstrument::default_checklist();
        assert_eq!(instrument.check(), Ok(()));
        assert_eq!(instrument.items.len(), 27);
        assert!(instrument.items.iter().all(|item| !item.text_ar.is_empty() && !item.text_en.is_empty()));
    }

    #[test]
    fn levels_follow_the_thresholds() {
        let instrument = RiskInstrument::default_checklist();
        for (yes, level) in [
            (0, RiskLevel::Standard),
            (9, RiskLevel::Standard),
            (10, RiskLevel::Medium),
            (13, RiskLevel::Medium),
            (14, RiskLevel::High),
            (27, RiskLevel::High),
        ] {
            let assessment = instrument.assess(&answers(yes)).unwrap();
            assert_eq!((assessment.score, assessment.level), (u32::try_from(yes).unwrap(), level), "{yes} yes");
        }
    }

    #[test]
    fn judgement_raises_with_a_reason_and_never_lowers() {
        let instrument = RiskInstrument::default_checklist();
        let raised = AssessmentInput {
            judged_level: Some("high".into()),
            judgement_reason: Some("تهديد صريح بالقتل أمام الضابط".into()),
            ..answers(3)
        };
        let assessment = instrument.assess(&raised).unwrap();
        assert_eq!((assessment.score_level, assessment.level), (RiskLevel::Standard, RiskLevel::High));
        let no_reason = AssessmentInput { judged_level: Some("high".into()), ..answers(3) };
        assert_eq!(
            instrument.assess(&no_reason).unwrap_err(),
            vec![FieldError::new("judgement_reason", Problem::Required)]
        );
        let lowered = AssessmentInput {
            judged_level: Some("medium".into()),
            judgement_reason: Some("reason".into()),
            ..answers(15)
        };
        assert_eq!(
            instrument.assess(&lowered).unwrap_err(),
            vec![FieldError::new("judged_level", Problem::RiskLevelBelowScore)]
        );
    }

    #[test]
    fn every_item_must_be_answered_and_unknown_items_are_refused() {
        let instrument = RiskInstrument::default_checklist();
        let mut input = answers(0);
        input.answers.remove("weapon");
        input.answers.insert("wepon".into(), "yes".into());
        input.answers.insert("strangulation".into(), "maybe".into());
        let fields: Vec<(String, Problem)> =
            instrument.assess(&input).unwrap_err().into_iter().map(|error| (error.field, error.problem)).collect();
        assert_eq!(
            fields,
            vec![
                ("answers.weapon".to_string(), Problem::Required),
                ("answers.strangulation".to_string(), Problem::UnknownValue),
                ("answers.wepon".to_string(), Problem::UnknownValue),
            ]
        );
    }

    #[test]
    fn misconfigured_thresholds_are_caught() {
        let mut instrument = RiskInstrument::default_checklist();
        instrument.high_at = 30;
        assert!(instrument.check().is_err());
        instrument.high_at = 5;
        assert!(instrument.check().is_err());
    }
}
