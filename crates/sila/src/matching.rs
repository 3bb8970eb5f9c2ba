//! `sila match`: the person-name matcher from the command line — its evaluation on a
//! labelled file of name pairs.

use std::path::Path;

use anyhow::Context;
use sila_arabic::THRESHOLD;
use sila_arabic::eval::{UNSCORED_KIND, evaluate, parse_pairs};

/// `sila match eval FILE.tsv`: accuracy per kind of pair, then, as the last line,
/// `precision=… recall=… f1=… threshold=…` for "same person" at the shipped threshold.
pub fn eval(path: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let pairs = parse_pairs(&text).map_err(|problem| anyhow::anyhow!("{}: {problem}", path.display()))?;
    let report = evaluate(&pairs, THRESHOLD);
    println!("{:<20} {:>5} {:>6} {:>8}", "kind", "same", "pairs", "accuracy");
    for kind in &report.kinds {
        let note = if kind.kind == UNSCORED_KIND { "  (not scored)" } else { "" };
        println!("{:<20} {:>5} {:>6} {:>8.3}{note}", kind.kind, u8::from(kind.same), kind.total, kind.accuracy());
    }
    println!(
        "precision={:.4} recall={:.4} f1={:.4} threshold={}",
        report.precision(),
        report.recall(),
        report.f1(),
        report.threshold
    );
    Ok(())
}
