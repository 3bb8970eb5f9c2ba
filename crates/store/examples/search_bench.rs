//! Person search at scale, Sila's name index against PostgreSQL's trigram index.
//!
//! ```sh
//! cargo run --release -p sila-store --example search_bench -- 1000000            # both
//! cargo run --release -p sila-store --example search_bench -- 10000000 --no-pg   # index only
//! cargo run --release -p sila-store --example search_bench -- 1000000 --no-pg --cold
//! ```
//!
//! The same invented population ([`sila_arabic::synth`], seed 2019; 40% also carry a
//! Latin spelling of their name) is put into Sila's in-memory name index and into a
//! PostgreSQL table of normalised names with a `gin_trgm_ops` index. The right-hand name
//! of every same-person pair of `../shared/data/names-dev.tsv` is added as one more
//! person and searched for with the left-hand name (recall@5: is it in the top five?);
//! every 500th generated person is searched for by the Arabic name without the
//! grandfather or by another Latin spelling. Latencies are of single queries, one at a
//! time, on one core (PostgreSQL without parallel workers). PostgreSQL answers the
//! trigram query `WHERE norm % $1 ORDER BY similarity(norm, $1) DESC LIMIT 5`; it is
//! slow enough that only a sample of the queries is sent (`--pg-queries`, default 300).
//!
//! The index remembers the candidate parts it worked out for a query part (most searches
//! name common parts); `--cold` makes it forget them before every query, to measure a
//! search that finds nothing remembered.
//!
//! Memory is the growth of the process's resident set while the index is built.
//!
//! `--reindex N` measures instead what a server does at start: N invented persons are
//! written into a fresh SQLite file (and a PostgreSQL schema), and the index is rebuilt
//! from the `persons` table as `sila reindex` and `sila serve` do.

use std::time::Instant;

use sila_arabic::eval::{UNSCORED_KIND, parse_pairs};
use sila_arabic::synth::{Population, Rng, romanize};
use sila_arabic::{Name, NameIndex, SearchOptions, normalize};

struct Query {
    text: String,
    /// The owner a labelled query must find.
    target: Option<u32>,
}

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split(' ').nth(1).and_then(|pages| pages.parse::<u64>().ok()).unwrap_or(0) * 4096
}

fn percentile(sorted: &[f64], share: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * share).round() as usize]
}

struct Outcome {
    p50: f64,
    p99: f64,
    queries: usize,
    recall1: f64,
    recall5: f64,
    labelled: usize,
}

fn summarise(mut latencies: Vec<f64>, found: &[(bool, bool)]) -> Outcome {
    latencies.sort_by(f64::total_cmp);
    let labelled = found.len().max(1) as f64;
    Outcome {
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
        queries: latencies.len(),
        recall1: found.iter().filter(|(first, _)| *first).count() as f64 / labelled,
        recall5: found.iter().filter(|(_, top)| *top).count() as f64 / labelled,
        labelled: found.len(),
    }
}

fn main() {
    let mut persons: usize = 1_000_000;
    let mut with_pg = true;
    let mut cold = false;
    let mut reindex: Option<usize> = None;
    let mut pg_queries = 300usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--no-pg" => with_pg = false,
            "--cold" => cold = true,
            "--reindex" => reindex = args.next().and_then(|n| n.parse().ok()),
            "--pg-queries" => pg_queries = args.next().and_then(|n| n.parse().ok()).unwrap_or(pg_queries),
            number => persons = number.parse().expect("the number of persons"),
        }
    }
    if let Some(count) = reindex {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(rebuild_from_databases(count, with_pg)).expect("the rebuild benchmark");
        return;
    }
    let dev = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/names-dev.tsv");
    let pairs = parse_pairs(&std::fs::read_to_string(&dev).expect("../shared/data/names-dev.tsv")).unwrap();
    let positives: Vec<_> = pairs.iter().filter(|pair| pair.same && pair.kind != UNSCORED_KIND).collect();

    // The population, into the index (and, normalised, into a list for PostgreSQL).
    let population = Population::default();
    let mut rng = Rng::new(2019);
    let before = resident_bytes();
    let started = Instant::now();
    let mut index = NameIndex::default();
    let mut rows: Vec<(i32, String)> = Vec::new();
    let mut queries: Vec<Query> = Vec::new();
    for owner in 0..persons {
        let person = population.person(&mut rng);
        let mut names = vec![Name::parse(&person.arabic)];
        if let Some(latin) = &person.latin {
            names.push(Name::parse(latin));
        }
        index.insert(owner as u32, &names);
        if owner % 500 == 0 {
            let text = if rng.chance(0.5) {
                [&person.parts[0], &person.parts[1], &person.parts[3]].map(String::as_str).join(" ")
            } else {
                romanize(&person.arabic, &mut rng)
            };
            queries.push(Query { text, target: None });
        }
    }
    for (offset, pair) in positives.iter().enumerate() {
        index.insert((persons + offset) as u32, &[Name::parse(&pair.right)]);
    }
    let build = started.elapsed();
    let memory = resident_bytes().saturating_sub(before);
    if with_pg {
        // The same population again (same seed), normalised for PostgreSQL, once the
        // index's memory is measured.
        let mut rng = Rng::new(2019);
        for owner in 0..persons {
            let person = population.person(&mut rng);
            rows.push((owner as i32, normalize(&person.arabic)));
            if let Some(latin) = &person.latin {
                rows.push((owner as i32, normalize(latin)));
            }
            // Keep the generator in step with the first pass, which drew the queries.
            if owner % 500 == 0 && !rng.chance(0.5) {
                romanize(&person.arabic, &mut rng);
            }
        }
        for (offset, pair) in positives.iter().enumerate() {
            rows.push(((persons + offset) as i32, normalize(&pair.right)));
        }
    }
    // Labelled queries first, then the synthetic ones; PostgreSQL gets a sample of both.
    let mut all: Vec<Query> = positives
        .iter()
        .enumerate()
        .map(|(offset, pair)| Query { text: pair.left.clone(), target: Some((persons + offset) as u32) })
        .collect();
    all.extend(queries);

    let options = SearchOptions { limit: 5, ..SearchOptions::default() };
    let mut latencies = Vec::with_capacity(all.len());
    let mut found: Vec<Option<(bool, bool)>> = Vec::with_capacity(all.len());
    for query in &all {
        let name = Name::parse(&query.text);
        if cold {
            index.forget_remembered_parts();
        }
        let started = Instant::now();
        let hits = index.search(&name, options, |_| true);
        latencies.push(started.elapsed().as_secs_f64() * 1e3);
        found.push(query.target.map(|target| {
            (hits.first().is_some_and(|hit| hit.owner == target), hits.iter().any(|hit| hit.owner == target))
        }));
    }
    let sila = summarise(latencies, &found.iter().flatten().copied().collect::<Vec<_>>());
    println!("## {} persons, seed 2019", index.len());
    println!();
    println!(
        "Sila index: built in {:.1} s, {} distinct name parts, memory {:.0} MB ({:.0} MB per million persons)",
        build.as_secs_f64(),
        index.distinct_parts(),
        memory as f64 / 1e6,
        memory as f64 / 1e6 / (index.len() as f64 / 1e6)
    );
    println!();
    println!("| engine | queries | p50 | p99 | recall@1 | recall@5 (labelled pairs) |");
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| Sila name index (one core{}) | {} | {:.3} ms | {:.3} ms | {:.3} | {:.3} ({}) |",
        if cold { ", nothing remembered" } else { "" },
        sila.queries,
        sila.p50,
        sila.p99,
        sila.recall1,
        sila.recall5,
        sila.labelled
    );
    if !with_pg {
        return;
    }
    // A sample of the queries, spread evenly: two thirds labelled, one third synthetic.
    let labelled: Vec<usize> = (0..all.len()).filter(|&at| all[at].target.is_some()).collect();
    let synthetic: Vec<usize> = (0..all.len()).filter(|&at| all[at].target.is_none()).collect();
    let spread = |indices: &[usize], count: usize| -> Vec<usize> {
        let step = (indices.len() / count.max(1)).max(1);
        indices.iter().step_by(step).take(count).copied().collect()
    };
    let mut sample = spread(&labelled, pg_queries * 2 / 3);
    sample.extend(spread(&synthetic, pg_queries - pg_queries * 2 / 3));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let pg = runtime.block_on(trigram(rows, &all, &sample));
    match pg {
        Ok(pg) => {
            println!(
                "| PostgreSQL pg_trgm GIN, similarity() top 5 | {} | {:.1} ms | {:.1} ms | {:.3} | {:.3} ({}) |",
                pg.queries, pg.p50, pg.p99, pg.recall1, pg.recall5, pg.labelled
            );
            let on_sample: Vec<(bool, bool)> = sample.iter().filter_map(|&at| found[at]).collect();
            let sample_recall = on_sample.iter().filter(|(_, top)| *top).count() as f64 / on_sample.len().max(1) as f64;
            println!();
            println!("On the same {} labelled queries Sila's recall@5 is {sample_recall:.3}.", on_sample.len());
            println!();
            println!(
                "Sila is {:.0}× faster at the median and {:.0}× at the 99th percentile.",
                pg.p50 / sila.p50,
                pg.p99 / sila.p99
            );
        }
        Err(error) => eprintln!("PostgreSQL: {error}"),
    }
}

/// Loads the names into PostgreSQL with a trigram index and sends the sampled queries.
async fn trigram(rows: Vec<(i32, String)>, all: &[Query], sample: &[usize]) -> Result<Outcome, sqlx::Error> {
    use sqlx::Row;
    let url =
        std::env::var("SILA_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .after_connect(|connection, _| {
            Box::pin(async move {
                use sqlx::Executor;
                connection.execute("SET search_path TO bench_search, public").await?;
                connection.execute("SET max_parallel_workers_per_gather = 0").await?;
                Ok(())
            })
        })
        .connect(&url)
        .await?;
    for statement in [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public",
        "DROP SCHEMA IF EXISTS bench_search CASCADE",
        "CREATE SCHEMA bench_search",
        "CREATE TABLE bench_search.names (owner INT NOT NULL, norm TEXT NOT NULL)",
    ] {
        sqlx::query(statement).execute(&pool).await?;
    }
    let started = Instant::now();
    for chunk in rows.chunks(20_000) {
        let owners: Vec<i32> = chunk.iter().map(|(owner, _)| *owner).collect();
        let names: Vec<String> = chunk.iter().map(|(_, name)| name.clone()).collect();
        sqlx::query("INSERT INTO bench_search.names (owner, norm) SELECT * FROM UNNEST($1::int[], $2::text[])")
            .bind(owners)
            .bind(names)
            .execute(&pool)
            .await?;
    }
    sqlx::query("CREATE INDEX names_trgm ON bench_search.names USING gin (norm gin_trgm_ops)").execute(&pool).await?;
    sqlx::query("ANALYZE bench_search.names").execute(&pool).await?;
    eprintln!("PostgreSQL loaded and indexed in {:.0} s", started.elapsed().as_secs_f64());
    let mut latencies = Vec::new();
    let mut found = Vec::new();
    for query in sample.iter().map(|&at| &all[at]) {
        let text = normalize(&query.text);
        let started = Instant::now();
        let rows = sqlx::query(
            "SELECT owner, similarity(norm, $1) AS score FROM bench_search.names WHERE norm % $1
             ORDER BY score DESC LIMIT 5",
        )
        .bind(&text)
        .fetch_all(&pool)
        .await?;
        latencies.push(started.elapsed().as_secs_f64() * 1e3);
        if let Some(target) = query.target {
            let owners: Vec<i32> = rows.iter().map(|row| row.get::<i32, _>("owner")).collect();
            found.push((owners.first() == Some(&(target as i32)), owners.contains(&(target as i32))));
        }
    }
    sqlx::query("DROP SCHEMA bench_search CASCADE").execute(&pool).await?;
    Ok(summarise(latencies, &found))
}

/// Writes `count` invented persons straight into a fresh database (one agency, one user)
/// and times the index's rebuild from it, on SQLite and (unless `--no-pg`) PostgreSQL.
async fn rebuild_from_databases(count: usize, with_pg: bool) -> Result<(), Box<dyn std::error::Error>> {
    use sila_store::{MasterKey, MasterKeys, Store, StoreOptions};
    let keys = MasterKeys::new(MasterKey::generate(), Vec::new());
    let path = std::env::temp_dir().join(format!("sila-reindex-{}.db", std::process::id()));
    let mut targets =
        vec![("SQLite", StoreOptions::new(format!("sqlite://{}?mode=rwc", path.display()), keys.clone()))];
    if with_pg {
        let url = std::env::var("SILA_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        Store::create_schema(&url, "bench_reindex").await?;
        let mut options = StoreOptions::new(url, keys.clone());
        options.schema = Some("bench_reindex".into());
        targets.push(("PostgreSQL", options));
    }
    println!("| database | persons | rebuild | per million |");
    println!("|---|---:|---:|---:|");
    for (label, options) in targets {
        let store = Store::connect(&options).await?;
        store.migrate().await?;
        fill(&options, count).await?;
        let started = Instant::now();
        let stats = store.rebuild_person_index(&mut |_, _| {}).await?;
        let seconds = started.elapsed().as_secs_f64();
        println!("| {label} | {} | {seconds:.1} s | {:.1} s |", stats.persons, seconds / (stats.persons as f64 / 1e6));
        store.close().await;
    }
    let _ = std::fs::remove_file(&path);
    if with_pg {
        let url = std::env::var("SILA_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        Store::drop_schema(&url, "bench_reindex").await?;
    }
    Ok(())
}

/// The persons, written with plain SQL in large batches (the benchmark measures reading
/// them back, not registering them).
async fn fill(options: &sila_store::StoreOptions, count: usize) -> Result<(), sqlx::Error> {
    use sqlx::Executor;
    sqlx::any::install_default_drivers();
    let schema = options.schema.clone();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .after_connect(move |connection, _| {
            let schema = schema.clone();
            Box::pin(async move {
                if let Some(schema) = schema {
                    connection.execute(sqlx::AssertSqlSafe(format!("SET search_path TO {schema}"))).await?;
                }
                Ok(())
            })
        })
        .connect(&options.url)
        .await?;
    let agency = "00000000-0000-7000-8000-000000000001";
    let user = "00000000-0000-7000-8000-000000000002";
    sqlx::query(
        "INSERT INTO agencies (id, code, kind, name_ar, name_en, case_prefix, created_at) VALUES ($1, 'CP', 'police', 'الشرطة', 'Police', 'CP', 0)",
    )
    .bind(agency)
    .execute(&pool)
    .await?;
    sqlx::query(
        "INSERT INTO users (id, agency_id, username, display_name, password_hash, created_at, updated_at) VALUES ($1, $2, 'bench', 'bench', '-', 0, 0)",
    )
    .bind(user)
    .bind(agency)
    .execute(&pool)
    .await?;
    let population = Population::default();
    let mut rng = Rng::new(2019);
    let batch = 1_000;
    let mut written = 0;
    while written < count {
        let rows = batch.min(count - written);
        let mut sql = String::from(
            "INSERT INTO persons (id, registered_by_agency_id, first_name_ar, father_name_ar, grandfather_name_ar, \
             family_name_ar, name_latin, sex, search_text, created_by, created_at, updated_at) VALUES ",
        );
        let mut values = Vec::with_capacity(rows);
        for row in 0..rows {
            let base = row * 8;
            values.push(format!(
                "(${}, '{agency}', ${}, ${}, ${}, ${}, ${}, ${}, ${}, '{user}', 0, 0)",
                base + 1,
                base + 2,
                base + 3,
                base + 4,
                base + 5,
                base + 6,
                base + 7,
                base + 8
            ));
        }
        sql.push_str(&values.join(", "));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in 0..rows {
            let person = population.person(&mut rng);
            let id = format!("00000000-0000-7000-9000-{:012}", written + row);
            let part = |text: &String| (!text.is_empty()).then(|| text.clone());
            query = query
                .bind(id)
                .bind(part(&person.parts[0]))
                .bind(part(&person.parts[1]))
                .bind(part(&person.parts[2]))
                .bind(part(&person.parts[3]))
                .bind(person.latin.clone())
                .bind(if person.female { "female" } else { "male" })
                .bind(normalize(&person.arabic));
        }
        query.execute(&pool).await?;
        written += rows;
    }
    pool.close().await;
    Ok(())
}
