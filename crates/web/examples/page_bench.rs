//! How fast the pages are served and how much they weigh, at demo size: the demo's
//! directory and cases on a fresh SQLite database, each page requested through the whole
//! router (session, policy, audit entry, template) by the user who works with it.
//!
//! `cargo run --release -p sila-web --example page_bench [-- ROUNDS]`
//!
//! Prints, per page, the server time (median and 95th percentile over ROUNDS requests,
//! default 200) and the bytes transferred without fonts (the HTML plus the stylesheet,
//! which a browser then keeps). The figures go to docs/BENCHMARKS.md.

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use sila_app::testing::{Backend, PASSWORD, TestApp};
use tower::ServiceExt;

async fn send(router: &Router, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = router.clone().oneshot(request).await.expect("the router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = to_bytes(response.into_body(), usize::MAX).await.expect("a body").to_vec();
    (status, headers, body)
}

async fn sign_in(router: &Router, test: &TestApp, username: &str) -> String {
    let body = format!("username={username}&password={}&totp={}", PASSWORD.replace(' ', "+"), test.totp_code(username));
    let request = Request::post("/sign-in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .expect("a request");
    let (status, headers, _) = send(router, request).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{username} signs in");
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("sila_session="))
        .and_then(|value| value.split(';').next())
        .expect("a session cookie")
        .to_string()
}

async fn get(router: &Router, cookie: &str, path: &str) -> (StatusCode, Vec<u8>) {
    let request = Request::get(path).header(header::COOKIE, cookie).body(Body::empty()).expect("a request");
    let (status, _, body) = send(router, request).await;
    (status, body)
}

/// The first link in `html` that starts with `prefix` (a case, a referral).
fn first_link(html: &[u8], prefix: &str) -> String {
    let html = String::from_utf8_lossy(html);
    let start = html.find(&format!("href=\"{prefix}")).expect("a link to follow") + 6;
    let end = html[start..].find('"').expect("a closing quote") + start;
    html[start..end].to_string()
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|text| text.parse().ok()).unwrap_or(200);
    let test = TestApp::start(Backend::Sqlite).await;
    let cases = sila_app::demo::seed_cases(&test.app, &test.world).await.expect("the demo cases seed");
    let router = sila_web::router(test.app.clone(), &sila_web::WebConfig::default()).expect("the router builds");
    let officer = sign_in(&router, &test, "cp.officer").await;
    let desk = sign_in(&router, &test, "aman.desk").await;
    let auditor = sign_in(&router, &test, "cp.auditor").await;

    let (_, cases_page) = get(&router, &officer, "/cases?assigned=all").await;
    let case = first_link(&cases_page, "/cases/0");
    let (_, outgoing) = get(&router, &officer, "/referrals/outgoing").await;
    let referral = first_link(&outgoing, "/referrals/0");
    let (_, incoming) = get(&router, &desk, "/referrals/incoming").await;
    let incoming_referral = first_link(&incoming, "/referrals/0");
    let (_, centre_cases) = get(&router, &desk, "/cases?assigned=all").await;
    let centre_case = first_link(&centre_cases, "/cases/0");
    let subject = case.trim_start_matches("/cases/").to_string();

    let stylesheet = {
        let (_, page) = get(&router, &officer, "/intake").await;
        let html = String::from_utf8_lossy(&page).to_string();
        let start = html.find("/assets/sila-").expect("the stylesheet link");
        let end = html[start..].find('"').expect("a quote") + start;
        let (_, css) = get(&router, "", &html[start..end]).await;
        css.len()
    };

    let pages: Vec<(&str, &str, String)> = vec![
        ("sign-in", "", "/sign-in".into()),
        ("officer: intake", &officer, "/intake".into()),
        (
            "officer: search by name",
            &officer,
            "/intake?q=%D9%86%D9%88%D8%B1%D8%A9+%D8%A7%D9%84%D9%85%D8%B1%D9%8A".into(),
        ),
        ("officer: register form", &officer, "/persons/new".into()),
        ("officer: cases", &officer, "/cases?assigned=all".into()),
        ("officer: case", &officer, case.clone()),
        ("officer: risk checklist", &officer, format!("{case}/risk")),
        ("officer: consent form", &officer, format!("{case}/consent")),
        ("officer: refer form", &officer, format!("{case}/refer")),
        ("officer: sent referrals", &officer, "/referrals/outgoing".into()),
        ("officer: referral", &officer, referral),
        ("desk: incoming queue", &desk, "/referrals/incoming".into()),
        ("desk: referral", &desk, incoming_referral),
        ("desk: centre case", &desk, centre_case),
        ("auditor: audit log", &auditor, format!("/audit?subject={subject}")),
    ];
    println!("{cases} demo cases; {rounds} requests per page; stylesheet {stylesheet} bytes (fonts not counted)");
    println!("| page | p50 ms | p95 ms | HTML bytes | with stylesheet |");
    println!("|---|---:|---:|---:|---:|");
    for (name, cookie, path) in &pages {
        let mut times = Vec::with_capacity(rounds);
        let mut size = 0;
        for _ in 0..rounds {
            let started = Instant::now();
            let (status, body) = get(&router, cookie, path).await;
            times.push(started.elapsed());
            assert_eq!(status, StatusCode::OK, "{name} ({path})");
            size = body.len();
        }
        times.sort();
        println!(
            "| {name} | {:.2} | {:.2} | {size} | {} |",
            percentile(&times, 0.5).as_secs_f64() * 1000.0,
            percentile(&times, 0.95).as_secs_f64() * 1000.0,
            size + stylesheet
        );
    }
}
