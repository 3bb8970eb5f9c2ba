//! The matcher on the labelled development set `../shared/data/names-dev.tsv`: the goals
//! of the person-matching issue (F1 ≥ 0.97 at the shipped threshold, no kind of pair
//! below 0.90). The file is read from the shared data folder; without it the test fails.

use sila_arabic::THRESHOLD;
use sila_arabic::eval::{UNSCORED_KIND, evaluate, parse_pairs};

fn dev_set() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/names-dev.tsv");
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[test]
fn the_development_set_is_matched_at_the_shipped_threshold() {
    let pairs = parse_pairs(&dev_set()).unwrap();
    assert_eq!(pairs.len(), 2_999);
    let report = evaluate(&pairs, THRESHOLD);
    for kind in &report.kinds {
        eprintln!("{:20} {:.3} ({})", kind.kind, kind.accuracy(), kind.total);
    }
    eprintln!("precision={:.4} recall={:.4} f1={:.4}", report.precision(), report.recall(), report.f1());
    assert!(report.f1() >= 0.97, "F1 {:.4}", report.f1());
    for kind in report.kinds.iter().filter(|kind| kind.kind != UNSCORED_KIND) {
        assert!(kind.accuracy() >= 0.90, "{}: {:.3}", kind.kind, kind.accuracy());
    }
}
