//! The name index at scale, in memory: build time, memory per million persons, search
//! latency (p50 / p99, one core) and recall on the labelled pairs.
//!
//! `cargo run --release -p sila-arabic --example index_bench -- 1000000`
//!
//! Persons are invented ([`sila_arabic::synth`]); 40% also carry a Latin spelling of
//! their name. The right-hand name of every same-person pair of
//! `../shared/data/names-dev.tsv` is added as one more person, and searched for with the
//! left-hand name: recall@1 and recall@5 say how often it comes first, or in the top five.

use std::time::Instant;

use sila_arabic::eval::{UNSCORED_KIND, parse_pairs};
use sila_arabic::synth::{Population, Rng, romanize};
use sila_arabic::{Name, NameIndex, SearchOptions};

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split(' ').nth(1).and_then(|pages| pages.parse::<u64>().ok()).unwrap_or(0) * 4096
}

fn percentile(sorted: &[f64], share: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * share).round() as usize]
}

fn main() {
    let persons: usize = std::env::args().nth(1).and_then(|text| text.parse().ok()).unwrap_or(1_000_000);
    let dev = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/names-dev.tsv");
    let pairs = parse_pairs(&std::fs::read_to_string(&dev).expect("../shared/data/names-dev.tsv")).unwrap();
    let population = Population::default();
    let mut rng = Rng::new(2019);
    let before = resident_bytes();
    let started = Instant::now();
    let mut index = NameIndex::default();
    let mut queries: Vec<String> = Vec::new();
    for owner in 0..persons {
        let person = population.person(&mut rng);
        let mut names = vec![Name::parse(&person.arabic)];
        if let Some(latin) = &person.latin {
            names.push(Name::parse(latin));
        }
        index.insert(owner as u32, &names);
        // Every 500th person is searched for later: by the Arabic name without the
        // grandfather, or by another Latin spelling.
        if owner % 500 == 0 {
            queries.push(if rng.chance(0.5) {
                [&person.parts[0], &person.parts[1], &person.parts[3]].map(String::as_str).join(" ")
            } else {
                romanize(&person.arabic, &mut rng)
            });
        }
    }
    let positives: Vec<_> = pairs.iter().filter(|pair| pair.same && pair.kind != UNSCORED_KIND).collect();
    for (offset, pair) in positives.iter().enumerate() {
        index.insert((persons + offset) as u32, &[Name::parse(&pair.right)]);
    }
    let build = started.elapsed();
    let memory = resident_bytes().saturating_sub(before);
    println!(
        "persons={} names_with_latin≈40% distinct_parts={} build={:.1}s memory={:.0}MB ({:.0}MB per million)",
        index.len(),
        index.distinct_parts(),
        build.as_secs_f64(),
        memory as f64 / 1e6,
        memory as f64 / 1e6 / (index.len() as f64 / 1e6)
    );
    let options = SearchOptions { limit: 5, ..SearchOptions::default() };
    let mut latencies: Vec<f64> = Vec::new();
    let mut found_first = 0;
    let mut found_top5 = 0;
    for (offset, pair) in positives.iter().enumerate() {
        let target = (persons + offset) as u32;
        let query = Name::parse(&pair.left);
        let started = Instant::now();
        let hits = index.search(&query, options, |_| true);
        latencies.push(started.elapsed().as_secs_f64() * 1e3);
        found_first += usize::from(hits.first().is_some_and(|hit| hit.owner == target));
        found_top5 += usize::from(hits.iter().any(|hit| hit.owner == target));
    }
    for query in &queries {
        let query = Name::parse(query);
        let started = Instant::now();
        let hits = index.search(&query, options, |_| true);
        latencies.push(started.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(hits);
    }
    latencies.sort_by(f64::total_cmp);
    println!(
        "queries={} p50={:.3}ms p99={:.3}ms max={:.3}ms",
        latencies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(0.0)
    );
    println!(
        "labelled pairs={} recall@1={:.3} recall@5={:.3}",
        positives.len(),
        found_first as f64 / positives.len() as f64,
        found_top5 as f64 / positives.len() as f64
    );
}
