//! The court report as an A4 Arabic PDF, typeset by the Typst compiler used as a
//! library: right to left, shaped Arabic (Noto Naskh Arabic), Latin and digits in Noto
//! Sans, tables that break across pages. The template reads the report from a JSON file
//! of the in-memory world — nothing is read from disk or the network, and nothing a
//! person typed is ever parsed as Typst markup.

use std::sync::OnceLock;

use serde_json::{Value, json};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, Source};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::court::CourtReport;

const FONTS: [&[u8]; 4] = [
    include_bytes!("../fonts/NotoNaskhArabic-Regular.ttf"),
    include_bytes!("../fonts/NotoNaskhArabic-Bold.ttf"),
    include_bytes!("../fonts/NotoSans-Regular.ttf"),
    include_bytes!("../fonts/NotoSans-Bold.ttf"),
];

const TEMPLATE: &str = include_str!("court_report.typ");

/// The file the template reads its data from.
const DATA_FILE: &str = "data.json";

struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let fonts: Vec<Font> = FONTS.iter().filter_map(|bytes| Font::new(Bytes::new(*bytes), 0)).collect();
        Shared { library: LazyHash::new(Library::default()), book: LazyHash::new(FontBook::from_fonts(&fonts)), fonts }
    })
}

struct ReportWorld {
    main: Source,
    data: Bytes,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &shared().library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &shared().book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::AccessDenied) }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id.get().vpath().file_name() == Some(DATA_FILE) {
            Ok(self.data.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        shared().fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        None
    }
}

/// Why the PDF could not be made (a defect of the template, never of the data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the court report could not be typeset: {0}")]
pub struct PdfError(pub String);

/// Typesets the report. `hijri` turns a `YYYY-MM-DD` date into its printed Hijri form.
pub fn court_report_pdf(report: &CourtReport, hijri: &dyn Fn(&str) -> String) -> Result<Vec<u8>, PdfError> {
    let data = serde_json::to_vec(&template_data(report, hijri)).map_err(|error| PdfError(error.to_string()))?;
    let world = ReportWorld { main: Source::detached(TEMPLATE), data: Bytes::new(data) };
    let document: PagedDocument = typst::compile(&world).output.map_err(|errors| {
        PdfError(errors.iter().map(|error| error.message.to_string()).collect::<Vec<_>>().join("; "))
    })?;
    let options = typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom(report.content_sha256.clone()),
        ..typst_pdf::PdfOptions::default()
    };
    typst_pdf::pdf(&document, &options)
        .map_err(|errors| PdfError(errors.iter().map(|error| error.message.to_string()).collect::<Vec<_>>().join("; ")))
}

fn kind_ar(kind: &str) -> &'static str {
    match kind {
        "visitation" => "رؤية",
        "custody_handover" => "تسليم واستلام المحضون",
        "remote_contact" => "تواصل هاتفي أو مرئي",
        _ => "—",
    }
}

fn status_ar(status: &str) -> &'static str {
    match status {
        "held" => "تمت",
        "missed" => "لم تتم (غياب)",
        _ => "مجدولة",
    }
}

fn event_ar(kind: &str) -> &'static str {
    match kind {
        "arrived" => "حضور",
        "handover" => "تسليم المحضون",
        "returned" => "إعادة المحضون",
        "no_show" => "غياب",
        "incident" => "واقعة",
        _ => "ملاحظة",
    }
}

fn party_ar(party: Option<&str>) -> &'static str {
    match party {
        Some("custodial") => "الحاضن",
        Some("visiting") => "صاحب حق الرؤية",
        _ => "",
    }
}

/// Local time (Doha) `HH:MM` of an RFC 3339 instant.
fn local_time(at: &str) -> String {
    match at.parse::<jiff::Timestamp>() {
        Ok(instant) => jiff::tz::Offset::constant(3).to_datetime(instant).strftime("%H:%M").to_string(),
        Err(_) => at.to_string(),
    }
}

/// What the template prints, already in Arabic where the report holds codes.
fn template_data(report: &CourtReport, hijri: &dyn Fn(&str) -> String) -> Value {
    let content = &report.content;
    let visits: Vec<Value> = content
        .visits
        .iter()
        .map(|visit| {
            let superseded: Vec<&str> = visit.events.iter().filter_map(|event| event.supersedes.as_deref()).collect();
            let events: Vec<String> = visit
                .events
                .iter()
                .map(|event| {
                    let party = party_ar(event.party.as_deref());
                    let mut line = format!("{} {}", local_time(&event.at), event_ar(&event.kind));
                    if !party.is_empty() {
                        line.push_str(&format!(" — {party}"));
                    }
                    if let Some(note) = &event.note {
                        line.push_str(&format!(": {note}"));
                    }
                    // A corrected step stays, marked; its correction says why and when.
                    if superseded.contains(&event.event_id.as_str()) {
                        line.push_str(" (صُحّح)");
                    }
                    if let Some(reason) = &event.reason {
                        let recorded = event
                            .recorded_at
                            .as_deref()
                            .and_then(|at| at.parse::<jiff::Timestamp>().ok())
                            .map(|at| {
                                jiff::tz::Offset::constant(3).to_datetime(at).strftime("%Y-%m-%d %H:%M").to_string()
                            })
                            .unwrap_or_default();
                        line.push_str(&format!(" — تصحيح سُجّل {recorded}: {reason}"));
                    }
                    line
                })
                .collect();
            json!({
                "date": visit.date,
                "date_hijri": hijri(&visit.date),
                "times": visit.times,
                "status": status_ar(&visit.status),
                "events": events,
            })
        })
        .collect();
    json!({
        "reference": content.case_reference,
        "centre": content.centre,
        "office": content.office,
        "court": content.court,
        "decision_number": content.decision_number,
        "decision_date": content.decision_date,
        "decision_date_hijri": content.decision_date_hijri,
        "kind": kind_ar(&content.kind),
        "supervised": if content.supervised { "نعم" } else { "لا" },
        "schedule": content.schedule,
        "custodial_parent": content.custodial_parent,
        "visiting_parent": content.visiting_parent,
        "children": content.children.join("، "),
        "from": content.from,
        "to": content.to,
        "from_hijri": hijri(&content.from),
        "to_hijri": hijri(&content.to),
        "issued_at": content.issued_at,
        "visits": visits,
        "summary": {
            "scheduled": content.summary.scheduled,
            "held": content.summary.held,
            "missed": content.summary.missed,
            "no_shows_custodial": content.summary.no_shows_custodial,
            "no_shows_visiting": content.summary.no_shows_visiting,
            "incidents": content.summary.incidents,
        },
        "sha256": report.content_sha256,
        "tree_size": report.tree_head.tree_size,
        "public_key": report.tree_head.public_key,
    })
}
