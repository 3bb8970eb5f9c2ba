//! A small HTTP client over the in-process router, with a cookie per signed-in user.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use sila_app::testing::{PASSWORD, TestApp};
use tower::ServiceExt;

/// One signed-in user (or an anonymous client), with the cookies a browser would keep.
#[derive(Clone)]
pub struct Client {
    router: Router,
    /// The `Cookie` header: `name=value` pairs.
    cookies: Vec<String>,
    language: &'static str,
    address: Option<std::net::SocketAddr>,
}

/// An answer: status, JSON body (or null), headers.
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub headers: axum::http::HeaderMap,
    /// The body as sent (files).
    pub bytes: Vec<u8>,
}

impl Client {
    pub fn anonymous(test: &TestApp) -> Client {
        Client::with_config(test, &sila_web::WebConfig::default())
    }

    /// An anonymous client of a server with these settings.
    pub fn with_config(test: &TestApp, config: &sila_web::WebConfig) -> Client {
        let router = sila_web::router(test.app.clone(), config).expect("the router builds");
        Client { router, cookies: Vec::new(), language: "ar", address: None }
    }

    /// Signs in as a seeded user.
    pub async fn sign_in(test: &TestApp, username: &str) -> Client {
        Client::anonymous(test).signing_in(test, username).await
    }

    /// This client (its browser, with the cookies it holds) signs in as a seeded user;
    /// the answer's cookies replace those of the same name.
    pub async fn signing_in(&self, test: &TestApp, username: &str) -> Client {
        let code = test.totp_code(username);
        let answer = self
            .post("/api/v1/session", serde_json::json!({ "username": username, "password": PASSWORD, "totp": code }))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "sign-in of {username}: {}", answer.body);
        let cookie = answer.headers.get(header::SET_COOKIE).expect("a session cookie").to_str().unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        self.keeping(&answer)
    }

    /// The same client, keeping the cookies `answer` set (as a browser does).
    pub fn keeping(&self, answer: &Answer) -> Client {
        let mut cookies = self.cookies.clone();
        for set in answer.set_cookies() {
            let name = set.split('=').next().unwrap_or_default().to_string();
            cookies.retain(|held| held.split('=').next() != Some(name.as_str()));
            if !set.ends_with('=') {
                cookies.push(set);
            }
        }
        Client { cookies, ..self.clone() }
    }

    /// The value of a cookie this client holds.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.iter().find_map(|held| held.strip_prefix(&format!("{name}=")).map(str::to_string))
    }

    /// The same client, connecting from `address` (as the server's connection info
    /// would report it).
    pub fn connecting_from(&self, address: &str) -> Client {
        Client { address: Some(address.parse().unwrap()), ..self.clone() }
    }

    /// A client presenting this cookie (`name=value`) and no other.
    pub fn with_cookie(&self, cookie: &str) -> Client {
        Client { cookies: vec![cookie.to_string()], ..self.clone() }
    }

    /// The same user, asking for answers in `language`.
    pub fn speaking(&self, language: &'static str) -> Client {
        Client { language, ..self.clone() }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send("GET", path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send("POST", path, Some(body), &[]).await
    }

    pub async fn post_with(&self, path: &str, body: Value, headers: &[(&str, &str)]) -> Answer {
        self.send("POST", path, Some(body), headers).await
    }

    /// A form post, as a page sends it (`application/x-www-form-urlencoded`).
    pub async fn send_form(&self, method: &str, path: &str, form: &str) -> Answer {
        let mut request = Request::builder().method(method).uri(path).header(header::ACCEPT_LANGUAGE, self.language);
        if !self.cookies.is_empty() {
            request = request.header(header::COOKIE, self.cookies.join("; "));
        }
        if let Some(address) = self.address {
            request = request.extension(axum::extract::ConnectInfo(address));
        }
        let request = request
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_string()))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = to_bytes(response.into_body(), 16 * 1024 * 1024).await.unwrap();
        Answer { status, body: Value::Null, headers, bytes: bytes.to_vec() }
    }

    pub async fn send(&self, method: &str, path: &str, body: Option<Value>, headers: &[(&str, &str)]) -> Answer {
        let mut request = Request::builder().method(method).uri(path).header(header::ACCEPT_LANGUAGE, self.language);
        if !self.cookies.is_empty() {
            request = request.header(header::COOKIE, self.cookies.join("; "));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(address) = self.address {
            request = request.extension(axum::extract::ConnectInfo(address));
        }
        let request = match body {
            Some(body) => {
                request.header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())).unwrap()
            }
            None => request.body(Body::empty()).unwrap(),
        };
        let response = self.router.clone().oneshot(request).await.expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = to_bytes(response.into_body(), 16 * 1024 * 1024).await.unwrap();
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        Answer { status, body, headers, bytes: bytes.to_vec() }
    }
}

impl Client {
    /// Sends the first bytes of a JSON body whose `Content-Length` announces more, and
    /// then nothing: a client that never finishes its request.
    pub async fn send_stalled(&self, method: &str, path: &str, first: &str, announced: usize) -> Answer {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::ACCEPT_LANGUAGE, self.language)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_LENGTH, announced.to_string())
            .body(Body::new(Stalled(Some(axum::body::Bytes::from(first.to_string())))))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = to_bytes(response.into_body(), 16 * 1024 * 1024).await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer { status, body, headers, bytes: bytes.to_vec() }
    }
}

/// A request body that gives its first bytes and then waits forever.
struct Stalled(Option<axum::body::Bytes>);

impl http_body::Body for Stalled {
    type Data = axum::body::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _context: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        match self.0.take() {
            Some(bytes) => std::task::Poll::Ready(Some(Ok(http_body::Frame::data(bytes)))),
            None => std::task::Poll::Pending,
        }
    }
}

impl Answer {
    /// The `name=value` of every cookie the answer sets.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .map(|value| value.split(';').next().unwrap_or_default().trim().to_string())
            .collect()
    }

    /// Asserts the status, showing the body when it differs.
    pub fn expect(self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        self.body
    }

    /// Asserts an error with its code (and field, when given).
    pub fn expect_error(self, status: StatusCode, code: &str, field: Option<&str>) -> Value {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        assert_eq!(self.body["error"]["code"], code, "{}", self.body);
        if let Some(field) = field {
            assert_eq!(self.body["error"]["field"], field, "{}", self.body);
        }
        assert!(self.body["error"]["message"].as_str().is_some_and(|message| !message.is_empty()));
        self.body
    }
}

/// The id of a seeded office by `<agency>.<office>` code.
pub fn office(test: &TestApp, code: &str) -> String {
    test.world.office(code).id.to_string()
}

/// The id of a seeded agency.
pub fn agency(test: &TestApp, code: &str) -> String {
    test.world.agency(code).id.to_string()
}

/// A complete checklist with `yes` answers to the first `yes` items.
pub fn checklist(test: &TestApp, yes: usize) -> Value {
    let answers: serde_json::Map<String, Value> = test
        .app
        .config()
        .risk_instrument
        .items
        .iter()
        .enumerate()
        .map(|(index, item)| (item.code.clone(), Value::from(if index < yes { "yes" } else { "no" })))
        .collect();
    serde_json::json!({ "answers": answers })
}

/// A police case with a registered woman (survivor) and her child, ready to refer:
/// returns (case id, woman id, child id).
pub async fn police_case(test: &TestApp, officer: &Client, category: &str) -> (String, String, String) {
    static SERIAL: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(100);
    let serial = SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let qid = format!("290634{serial:05}");
    let woman = officer
        .post(
            "/api/v1/persons",
            serde_json::json!({
                "first_name_ar": "نورة", "father_name_ar": "سالم", "family_name_ar": "المري",
                "name_latin": "Noura Salem Al-Marri", "sex": "female", "birth_date": "1990-05-14",
                "nationality": "QA", "qid": qid, "phones": ["5512 3456"], "municipality": "الريان",
            }),
        )
        .await
        .expect(StatusCode::CREATED);
    let child = officer
        .post(
            "/api/v1/persons",
            serde_json::json!({
                "first_name_ar": "ريم", "father_name_ar": "حمد", "family_name_ar": "المري",
                "sex": "female", "birth_date": "2018-02-01", "nationality": "QA",
            }),
        )
        .await
        .expect(StatusCode::CREATED);
    let case = officer
        .post(
            "/api/v1/cases",
            serde_json::json!({
                "category": category,
                "narrative": "حضرت السيدة إلى المكتب وأفادت بتعرضها للضرب أمام ابنتها.",
            }),
        )
        .await
        .expect(StatusCode::CREATED);
    let case_id = case["id"].as_str().unwrap().to_string();
    let woman_id = woman["person"]["id"].as_str().unwrap().to_string();
    let child_id = child["person"]["id"].as_str().unwrap().to_string();
    for (person, role) in [(&woman_id, "survivor"), (&child_id, "child")] {
        officer
            .post(&format!("/api/v1/cases/{case_id}/persons"), serde_json::json!({ "person_id": person, "role": role }))
            .await
            .expect(StatusCode::CREATED);
    }
    officer
        .post(&format!("/api/v1/cases/{case_id}/risk-assessments"), checklist(test, 15))
        .await
        .expect(StatusCode::CREATED);
    (case_id, woman_id, child_id)
}

/// Records the woman's consent to `agency` for `classes`.
pub async fn consent(officer: &Client, case_id: &str, person_id: &str, agency_id: &str, classes: &[&str]) -> Value {
    officer
        .post(
            &format!("/api/v1/cases/{case_id}/consents"),
            serde_json::json!({
                "person_id": person_id, "recipient_agency_id": agency_id, "basis": "consent",
                "method": "signed_form", "purpose": "الحماية والتأهيل", "data_classes": classes,
                "expires_on": "2027-05-31",
            }),
        )
        .await
        .expect(StatusCode::CREATED)
}

/// The token of a set-up link (`…/set-up?token=…`).
pub fn link_token(url: &str) -> String {
    url.split_once("token=").expect("a set-up link").1.to_string()
}

/// A new user's first use, through the API: the set-up link with a chosen password,
/// then enrolment with a code of the new secret. Answers the signed-in client (with its
/// session and recognised-device cookies) and the secret.
pub async fn set_up(test: &TestApp, url: &str, password: &str) -> (Client, Vec<u8>) {
    let anonymous = Client::anonymous(test);
    let answer = anonymous
        .post(
            "/api/v1/setup",
            serde_json::json!({ "token": link_token(url), "password": password, "password_repeat": password }),
        )
        .await;
    let newcomer = anonymous.keeping(&answer);
    let me = answer.expect(StatusCode::CREATED);
    assert_eq!(me["totp_enrolment_required"], true, "{me}");
    let enrolment = newcomer.post("/api/v1/me/totp", serde_json::json!({})).await.expect(StatusCode::OK);
    let secret = sila_app::auth::totp::from_base32(enrolment["secret"].as_str().unwrap()).unwrap();
    let code = sila_app::auth::totp::code_at(&secret, test.app.now().as_second());
    let confirmed = newcomer.post("/api/v1/me/totp/confirm", serde_json::json!({ "code": code })).await;
    let newcomer = newcomer.keeping(&confirmed);
    confirmed.expect(StatusCode::NO_CONTENT);
    (newcomer, secret)
}

/// A raw connection to the test database, as someone who copied it has.
pub async fn raw_database(test: &TestApp) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&test.raw_url()).await.unwrap()
}

/// A police case with a woman and her child, her consent to Aman (identity, contact,
/// summary, risk), referred to the Aman desk and accepted there. Answers (officer, desk,
/// police case, woman, child, referral, centre case).
pub async fn accepted_referral(test: &TestApp) -> (Client, Client, String, String, String, String, String) {
    let officer = Client::sign_in(test, "cp.officer").await;
    let (case, woman, child) = police_case(test, &officer, "domestic_violence").await;
    let aman = agency(test, "AMAN");
    consent(&officer, &case, &woman, &aman, &["identity", "contact", "summary", "risk"]).await;
    let referral = officer
        .post(
            "/api/v1/referrals",
            serde_json::json!({ "case_id": case, "to_office_id": office(test, "AMAN.DESK"), "reason": "تحتاج حماية",
                                "priority": "standard", "data_classes": ["identity", "contact", "summary", "risk"] }),
        )
        .await
        .expect(StatusCode::CREATED)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let desk = Client::sign_in(test, "aman.desk").await;
    let accepted = desk
        .post(
            &format!("/api/v1/referrals/{referral}/transitions"),
            serde_json::json!({ "to": "accepted", "version": 1 }),
        )
        .await
        .expect(StatusCode::OK);
    let centre = accepted["referral"]["centre_case_id"].as_str().unwrap().to_string();
    (officer, desk, case, woman, child, referral, centre)
}
