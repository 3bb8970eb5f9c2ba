//! The assessment form each centre starts with: the first social assessment after a
//! referral is accepted. Centres add their own versions as data.

use sila_domain::casework::{AssessmentForm, Question, QuestionKind};
use sila_domain::ids::{AgencyId, FormId};

use crate::new_uuid;

/// One question: (code, Arabic, English, kind, options, required).
type QuestionSeed = (&'static str, &'static str, &'static str, QuestionKind, &'static [&'static str], bool);

const QUESTIONS: &[QuestionSeed] = &[
    ("urgent_needs", "ما الاحتياجات العاجلة؟", "What are the urgent needs?", QuestionKind::Text, &[], true),
    (
        "housing",
        "هل مكان السكن الحالي آمن؟",
        "Is where she lives now safe?",
        QuestionKind::Choice,
        &["safe", "unsafe", "no_housing"],
        true,
    ),
    (
        "support",
        "من يستطيع أن يدعمها؟",
        "Who can support her?",
        QuestionKind::Choice,
        &["family", "friends", "nobody"],
        true,
    ),
    (
        "children_safe",
        "هل الأطفال في أمان؟",
        "Are the children safe?",
        QuestionKind::Choice,
        &["yes", "no", "no_children"],
        true,
    ),
    (
        "wellbeing",
        "حالتها النفسية كما تصفها (من 0 إلى 10)",
        "Her wellbeing as she describes it (0 to 10)",
        QuestionKind::Scale,
        &[],
        false,
    ),
    ("observations", "ملاحظات الأخصائي", "The worker's observations", QuestionKind::Text, &[], false),
];

/// Version 1 of the initial social assessment for a centre.
pub fn initial_assessment(agency: AgencyId) -> AssessmentForm {
    AssessmentForm {
        id: FormId::from_uuid(new_uuid()),
        agency_id: agency,
        code: "initial_social".into(),
        version: 1,
        name_ar: "التقييم الاجتماعي الأولي".into(),
        name_en: "Initial social assessment".into(),
        questions: QUESTIONS
            .iter()
            .map(|(code, label_ar, label_en, kind, options, required)| Question {
                code: (*code).into(),
                label_ar: (*label_ar).into(),
                label_en: (*label_en).into(),
                kind: *kind,
                options: options.iter().map(|option| (*option).to_string()).collect(),
                required: *required,
            })
            .collect(),
    }
}
