//! `sila match` and `sila reindex`: the person-name matcher from the command line — its
//! evaluation on a labelled file of name pairs, and the person name index built from the
//! database with a progress bar.

use std::path::Path;

use anyhow::Context;
use sila_app::App;
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

/// `sila reindex`: builds the person name index from the database, drawing a progress
/// bar on standard error, then reports its size and the time it took.
pub async fn reindex(app: &App) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut bar = ProgressBar::default();
    let stats = app.rebuild_person_index(&mut |done, total| bar.draw(done, total)).await?;
    bar.finish();
    println!(
        "indexed {} persons ({} distinct name parts) in {:.1} s; last change applied: {}",
        stats.persons,
        stats.distinct_parts,
        started.elapsed().as_secs_f64(),
        stats.seen_change
    );
    Ok(())
}

/// A one-line progress bar on standard error, redrawn at most once per percent.
#[derive(Default)]
struct ProgressBar {
    shown: Option<u64>,
}

impl ProgressBar {
    const WIDTH: u64 = 40;

    fn draw(&mut self, done: u64, total: u64) {
        use std::io::Write;
        let percent = (done * 100).checked_div(total).unwrap_or(100);
        if self.shown == Some(percent) {
            return;
        }
        self.shown = Some(percent);
        let filled = (percent * Self::WIDTH / 100) as usize;
        let bar = format!("{}{}", "#".repeat(filled), "-".repeat(Self::WIDTH as usize - filled));
        let mut stderr = std::io::stderr();
        let _ = write!(stderr, "\r[{bar}] {percent:>3}%  {done}/{total} persons");
        let _ = stderr.flush();
    }

    fn finish(&self) {
        if self.shown.is_some() {
            eprintln!();
        }
    }
}
