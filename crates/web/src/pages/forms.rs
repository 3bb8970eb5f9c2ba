//! Forms as data: a page builds a [`Form`] of [`Field`]s, one template renders every
//! form the same way (a label on every control, the hint and the error tied to it with
//! `aria-describedby`, the first wrong field focused, a summary of the errors linking
//! to the fields), and a post that fails validation comes back with what was typed.

use sila_app::AppError;
use sila_domain::FieldError;

use super::Ui;
use crate::error::{ApiError, field_message, problem_message};

/// What a post carried, in order (a name may repeat, as checkboxes do).
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// The first value of `name`, trimmed of nothing (what was typed is kept).
    pub fn get(&self, name: &str) -> Option<String> {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone())
    }

    /// The value of `name`, or empty.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default()
    }

    /// The value of `name` when not blank.
    pub fn filled(&self, name: &str) -> Option<String> {
        self.get(name).filter(|value| !value.trim().is_empty())
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(key, _)| key == name).map(|(_, value)| value.clone()).collect()
    }

    /// The ticked confirmation an irreversible step needs, or the error naming it.
    pub fn confirmed(&self) -> Result<(), sila_app::AppError> {
        if self.ticked("confirm") {
            Ok(())
        } else {
            Err(sila_app::AppError::invalid("confirm", sila_domain::Problem::Required))
        }
    }

    /// Whether a checkbox `name` was ticked.
    pub fn ticked(&self, name: &str) -> bool {
        self.get(name).is_some_and(|value| value == "yes")
    }
}

/// A choice of a select, a radio group or a checkbox group.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The value sent.
    pub value: String,
    /// What the user reads.
    pub label: String,
    /// Chosen now.
    pub chosen: bool,
}

/// One control with its label, hint and error.
#[derive(Debug, Clone)]
pub struct Field {
    /// The name sent (and, prefixed with `f-`, the element id).
    pub name: String,
    /// `text`, `textarea`, `select`, `radios`, `checkboxes`, `checkbox`, `password`.
    pub control: &'static str,
    /// The label (the legend, for a group).
    pub label: String,
    /// A hint under the label.
    pub hint: Option<String>,
    /// The value typed (text controls).
    pub value: String,
    /// Choices (select, radios, checkboxes).
    pub choices: Vec<Choice>,
    /// The error, translated.
    pub error: Option<String>,
    /// Required for the form to be accepted.
    pub required: bool,
    /// `ltr` for numbers and codes typed inside an Arabic page (QID, phone, dates).
    pub dir: Option<&'static str>,
    /// The `autocomplete` token.
    pub autocomplete: &'static str,
    /// `inputmode` (numeric keyboards on tablets).
    pub inputmode: Option<&'static str>,
    /// Focus this control when the page opens (the first wrong one).
    pub autofocus: bool,
}

impl Field {
    fn new(name: &str, control: &'static str, label: String) -> Field {
        Field {
            name: name.into(),
            control,
            label,
            hint: None,
            value: String::new(),
            choices: Vec::new(),
            error: None,
            required: false,
            dir: None,
            autocomplete: "off",
            inputmode: None,
            autofocus: false,
        }
    }

    /// A one-line text box.
    pub fn text(name: &str, label: String, value: String) -> Field {
        Field { value, ..Field::new(name, "text", label) }
    }

    /// A file to send.
    pub fn file(name: &str, label: String) -> Field {
        Field::new(name, "file", label)
    }

    /// A password box.
    pub fn password(name: &str, label: String) -> Field {
        Field::new(name, "password", label)
    }

    /// A text box for digits or codes, left-to-right even on an Arabic page.
    pub fn code(name: &str, label: String, value: String) -> Field {
        Field { value, dir: Some("ltr"), inputmode: Some("numeric"), ..Field::new(name, "text", label) }
    }

    /// A date typed as `YYYY-MM-DD`.
    pub fn date(name: &str, label: String, value: String, hint: String) -> Field {
        Field {
            value,
            dir: Some("ltr"),
            inputmode: Some("numeric"),
            hint: Some(hint),
            ..Field::new(name, "text", label)
        }
    }

    /// Several lines of text.
    pub fn textarea(name: &str, label: String, value: String) -> Field {
        Field { value, ..Field::new(name, "textarea", label) }
    }

    /// A drop-down list; `chosen` is the value to select.
    pub fn select(name: &str, label: String, choices: Vec<(String, String)>, chosen: &str) -> Field {
        Field { choices: choose(choices, &[chosen.to_string()]), ..Field::new(name, "select", label) }
    }

    /// A group of radio buttons.
    pub fn radios(name: &str, label: String, choices: Vec<(String, String)>, chosen: &str) -> Field {
        Field { choices: choose(choices, &[chosen.to_string()]), ..Field::new(name, "radios", label) }
    }

    /// A group of checkboxes.
    pub fn checkboxes(name: &str, label: String, choices: Vec<(String, String)>, chosen: &[String]) -> Field {
        Field { choices: choose(choices, chosen), ..Field::new(name, "checkboxes", label) }
    }

    /// One checkbox sending `yes` (a confirmation before an irreversible step).
    pub fn checkbox(name: &str, label: String, ticked: bool) -> Field {
        Field {
            choices: vec![Choice { value: "yes".into(), label: label.clone(), chosen: ticked }],
            ..Field::new(name, "checkbox", label)
        }
    }

    /// Marks the field required.
    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: String) -> Field {
        self.hint = Some(hint);
        self
    }

    /// Sets the `autocomplete` token.
    pub fn autocomplete(mut self, token: &'static str) -> Field {
        self.autocomplete = token;
        self
    }

    /// Whether a single checkbox is ticked.
    pub fn ticked(&self) -> bool {
        self.choices.first().is_some_and(|choice| choice.chosen)
    }

    /// The element id.
    pub fn id(&self) -> String {
        format!("f-{}", self.name.replace(['.', '[', ']'], "-"))
    }

    /// The ids of the hint and the error, for `aria-describedby`.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.id()));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id()));
        }
        ids.join(" ")
    }
}

fn choose(choices: Vec<(String, String)>, chosen: &[String]) -> Vec<Choice> {
    choices.into_iter().map(|(value, label)| Choice { chosen: chosen.contains(&value), value, label }).collect()
}

/// A form: where it posts, its fields, its button, and the errors of the last try.
#[derive(Debug, Clone)]
pub struct Form {
    /// The element id (several forms may share a page).
    pub id: String,
    /// The path it posts to.
    pub action: String,
    /// `post` or `get` (searches).
    pub method: &'static str,
    /// The heading of the form, if it has one.
    pub legend: Option<String>,
    /// The fields.
    pub fields: Vec<Field>,
    /// Values sent along unseen.
    pub hidden: Vec<(String, String)>,
    /// The button's label.
    pub submit: String,
    /// A button for an irreversible or refusing step is drawn as such.
    pub danger: bool,
    /// Errors of the last try: (element id, message). Empty when none.
    pub summary: Vec<(String, String)>,
    /// An error of the whole form (a rule, a lifecycle step), translated.
    pub problem: Option<String>,
    /// Sends files (`multipart/form-data`).
    pub multipart: bool,
}

impl Form {
    /// A form posting to `action`.
    pub fn post(id: &str, action: &str, submit: String) -> Form {
        Form {
            id: id.into(),
            action: action.into(),
            method: "post",
            legend: None,
            fields: Vec::new(),
            hidden: Vec::new(),
            submit,
            danger: false,
            summary: Vec::new(),
            problem: None,
            multipart: false,
        }
    }

    /// A form sending a file.
    pub fn upload(id: &str, action: &str, submit: String) -> Form {
        Form { multipart: true, ..Form::post(id, action, submit) }
    }

    /// A search form (GET, so the results have an address).
    pub fn get(id: &str, action: &str, submit: String) -> Form {
        Form { method: "get", ..Form::post(id, action, submit) }
    }

    /// Adds a field.
    pub fn field(mut self, field: Field) -> Form {
        self.fields.push(field);
        self
    }

    /// Adds a hidden value.
    pub fn hidden(mut self, name: &str, value: &str) -> Form {
        self.hidden.push((name.into(), value.into()));
        self
    }

    /// Sets the heading.
    pub fn legend(mut self, legend: String) -> Form {
        self.legend = Some(legend);
        self
    }

    /// Draws the button as a refusing or irreversible step.
    pub fn danger(mut self) -> Form {
        self.danger = true;
        self
    }

    /// Whether the last try had errors.
    pub fn has_errors(&self) -> bool {
        !self.summary.is_empty() || self.problem.is_some()
    }

    /// Puts the errors of a use case on the form: field errors beside their fields
    /// (`alias` maps a use case's field path to the form's field name when they differ),
    /// anything else at the top.
    pub fn with_error(mut self, ui: &Ui<'_>, error: AppError, alias: &dyn Fn(&str) -> String) -> Form {
        let api = ApiError::from(error);
        if api.fields.is_empty() {
            self.problem = Some(super::message_of_catalogs(ui, &api));
            return self;
        }
        for field_error in &api.fields {
            self.add_field_error(ui, field_error, alias);
        }
        self.focus_first_error();
        self
    }

    /// Puts one field's problem on the form.
    pub fn add_field_error(&mut self, ui: &Ui<'_>, error: &FieldError, alias: &dyn Fn(&str) -> String) {
        let name = alias(&error.field);
        let target = self.fields.iter_mut().find(|field| field.name == name);
        match target {
            Some(field) => {
                // Named by the label the user sees beside it (a risk item's question, not
                // its code; "Phone", not the path of the first phone's number).
                let message = format!("{}: {}", field.label, problem_message(ui.catalogs(), ui.lang, &error.problem));
                if field.error.is_none() {
                    field.error = Some(message.clone());
                }
                let id = field.id();
                self.summary.push((id, message));
            }
            None => self.summary.push((self.id.clone(), field_message(ui.catalogs(), ui.lang, error))),
        }
    }

    /// Focuses the first field with an error.
    pub fn focus_first_error(&mut self) {
        if let Some(field) = self.fields.iter_mut().find(|field| field.error.is_some()) {
            field.autofocus = true;
        }
    }
}

/// The same name for a use case's field and the form's.
pub fn same(field: &str) -> String {
    field.to_string()
}

/// The form field a use case's error path belongs to, for a form with one control per
/// list (`roles[0]` → `roles`, `answers.weapon` → `answers`).
pub fn base_field(field: &str) -> String {
    field.split(['[', '.']).next().unwrap_or(field).to_string()
}
