//! The browser-test harness: a Sila server on a fresh database, Debian's Chromium driven
//! headless through its ChromeDriver over WebDriver, and axe-core for accessibility.
//!
//! Every [`Browser`] has its own server port, driver port and browser profile, so tests
//! run side by side. A missing tool fails the test with a message saying what to
//! install: a browser suite that skips proves nothing.

// The helpers are shared by the test modules; not every module uses every one.
#![allow(dead_code)]

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use sila_app::testing::{Backend, TestApp};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Where `.ci/browser-deps` installs axe-core when `SILA_AXE_JS` is not set.
pub const DEFAULT_AXE_JS: &str = "/var/cache/sila-node/node_modules/axe-core/axe.min.js";

/// The desktop window, and the tablet width the pages must also work at.
pub const DESKTOP_WIDTH: u32 = 1280;
pub const TABLET_WIDTH: u32 = 768;
pub const HEIGHT: u32 = 900;

/// How long `wait_for` and the driver's start wait.
pub const WAIT: Duration = Duration::from_secs(10);

/// Runs a browser test once on SQLite and once on PostgreSQL, as `sila_app::both_databases!`
/// does for the other suites: `on_both_databases!(name, |browser: Browser| async move { … });`
/// makes the tests `name::sqlite` and `name::postgres`.
#[allow(unused_macros)]
macro_rules! on_both_databases {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let browser = $crate::support::Browser::start(sila_app::testing::Backend::Sqlite).await;
                ($body)(browser).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let browser = $crate::support::Browser::start(sila_app::testing::Backend::Postgres).await;
                ($body)(browser).await;
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use on_both_databases;

/// A Sila server and a headless Chromium pointed at it.
// Fields drop in order: the browser quits, then the server stops, then the database goes.
pub struct Browser {
    /// The WebDriver session, for what the helpers below don't cover.
    pub client: Client,
    driver: Driver,
    server: tokio::task::JoinHandle<()>,
    /// `http://127.0.0.1:PORT`, the server's origin.
    pub origin: String,
    /// The application behind the server: its clock, seeded world and TOTP codes.
    pub test: TestApp,
}

impl Browser {
    /// A server on a fresh `backend` database, and a browser asking for Arabic pages.
    pub async fn start(backend: Backend) -> Browser {
        Browser::start_in(backend, "ar").await
    }

    /// The same, with a browser whose interface language (and so `Accept-Language`) is `lang`.
    pub async fn start_in(backend: Backend, lang: &str) -> Browser {
        for (tool, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            assert!(
                Path::new(tool).exists(),
                "the browser tests need {tool}: install the Debian package {package} (.ci/browser-deps does)"
            );
        }
        let test = TestApp::start(backend).await;
        let router = sila_web::router(test.app.clone(), &sila_web::WebConfig::default()).expect("the router builds");
        let listener =
            tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free loopback port for the Sila server");
        let address = listener.local_addr().expect("the server's listening address");
        let server = tokio::spawn(async move {
            axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
                .await
                .expect("the Sila server serves");
        });

        let mut driver = Driver::spawn().await;
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities(&driver.profile_dir(), lang))
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .unwrap_or_else(|error| panic!("ChromeDriver could not start Chromium: {error}{}", driver.log_tail()));
        driver.session = client.session_id().await.expect("the session id of a fresh session");
        Browser { client, driver, server, origin: format!("http://{address}"), test }
    }

    /// The absolute URL of `path` on the server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// Opens `path` (`/`, `/cases?page=2`) and waits for it to load.
    pub async fn goto(&self, path: &str) {
        let url = self.url(path);
        self.client.goto(&url).await.unwrap_or_else(|error| panic!("opening {url}: {error}"));
    }

    /// The path of the page shown, without the query.
    pub async fn current_path(&self) -> String {
        self.client.current_url().await.expect("the current URL").path().to_string()
    }

    /// The path and query of the page shown (`/cases?page=2`).
    pub async fn current_path_and_query(&self) -> String {
        let url = self.client.current_url().await.expect("the current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Resizes the window so that the page's viewport is `width` CSS pixels wide
    /// (`DESKTOP_WIDTH`, `TABLET_WIDTH`), keeping the height.
    pub async fn set_width(&self, width: u32) {
        self.client.set_window_size(width, HEIGHT).await.expect("resizing the window");
        // Headless Chromium's viewport is as wide as its window (though 143 px less tall:
        // 1280×900 shows 1280×757); should a frame ever take width, make up for it once.
        let inner = self.execute("return window.innerWidth", vec![]).await.as_u64().expect("a numeric innerWidth");
        if inner != u64::from(width) {
            let (outer, _) = self.client.get_window_size().await.expect("the window's size");
            let frame = outer.saturating_sub(inner);
            let corrected = u32::try_from(u64::from(width) + frame).expect("a window width that fits in u32");
            self.client.set_window_size(corrected, HEIGHT).await.expect("resizing the window");
        }
    }

    /// Saves a PNG of the viewport as `<target>/screenshots/<name>.png`, and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.unwrap_or_else(|error| panic!("screenshot {name}: {error}"));
        let dir = target_dir().join("screenshots");
        std::fs::create_dir_all(&dir).unwrap_or_else(|error| panic!("creating {}: {error}", dir.display()));
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|error| panic!("writing {}: {error}", path.display()));
        path
    }

    /// Runs `script` in the page (WebDriver's Execute Script: a function body, with
    /// `arguments`, returning with `return`).
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.unwrap_or_else(|error| panic!("running a script in the page: {error}"))
    }

    /// Runs an asynchronous script (it calls its last argument with the result).
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute_async(script, args)
            .await
            .unwrap_or_else(|error| panic!("running an asynchronous script in the page: {error}"))
    }

    /// The element matching the CSS selector, which must be on the page now.
    pub async fn find(&self, css: &str) -> Element {
        let path = self.current_path().await;
        self.client.find(Locator::Css(css)).await.unwrap_or_else(|error| panic!("no {css} on {path}: {error}"))
    }

    /// Every element matching the CSS selector.
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap_or_else(|error| panic!("looking for {css}: {error}"))
    }

    /// Whether anything on the page matches the CSS selector.
    pub async fn exists(&self, css: &str) -> bool {
        !self.find_all(css).await.is_empty()
    }

    /// Waits up to `WAIT` for the CSS selector to match, and returns the element.
    pub async fn wait_for(&self, css: &str) -> Element {
        match self.client.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
            Ok(element) => element,
            Err(error) => {
                let path = self.current_path().await;
                panic!("{css} did not appear on {path} within {WAIT:?}: {error}")
            }
        }
    }

    /// The text of the element, as rendered (`innerText`, trimmed).
    pub async fn text_of(&self, css: &str) -> String {
        let text = self.find(css).await.text().await.unwrap_or_else(|error| panic!("the text of {css}: {error}"));
        text.trim().to_string()
    }

    /// An attribute of the element.
    pub async fn attr_of(&self, css: &str, attribute: &str) -> Option<String> {
        self.find(css).await.attr(attribute).await.unwrap_or_else(|error| panic!("{attribute} of {css}: {error}"))
    }

    /// Clears the field and types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap_or_else(|error| panic!("clearing {css}: {error}"));
        field.send_keys(text).await.unwrap_or_else(|error| panic!("typing into {css}: {error}"));
    }

    /// Clears the field named `name` (its `name` attribute) and types `text` into it.
    pub async fn fill_named(&self, name: &str, text: &str) {
        self.fill(&format!("[name=\"{name}\"]"), text).await;
    }

    /// Chooses the option whose value is `value` in the `<select>`.
    pub async fn select(&self, css: &str, value: &str) {
        let select = self.find(css).await;
        select.select_by_value(value).await.unwrap_or_else(|error| panic!("choosing {value} in {css}: {error}"));
    }

    /// Clicks the element.
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|error| panic!("clicking {css}: {error}"));
    }

    /// Presses (and releases) `key` wherever the focus is, as a keyboard user would.
    pub async fn press(&self, key: Key) {
        let key: char = key.into();
        let keys =
            KeyActions::new("keyboard".into()).then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
        self.client.perform_actions(keys).await.unwrap_or_else(|error| panic!("pressing a key: {error}"));
    }

    /// Presses Tab: the focus moves to the next element.
    pub async fn tab(&self) {
        self.press(Key::Tab).await;
    }

    /// Presses Shift+Tab: the focus moves to the previous element.
    pub async fn shift_tab(&self) {
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: Key::Shift.into() })
            .then(KeyAction::Down { value: Key::Tab.into() })
            .then(KeyAction::Up { value: Key::Tab.into() })
            .then(KeyAction::Up { value: Key::Shift.into() });
        self.client.perform_actions(keys).await.unwrap_or_else(|error| panic!("pressing Shift+Tab: {error}"));
    }

    /// Presses Enter on whatever has the focus.
    pub async fn press_enter(&self) {
        self.press(Key::Enter).await;
    }

    /// The `id` of the focused element (`None` when it has none, or nothing is focused).
    pub async fn active_element_id(&self) -> Option<String> {
        let id = self.execute("const e = document.activeElement; return e && e.id ? e.id : null", vec![]).await;
        id.as_str().map(str::to_string)
    }

    /// A short description of the focused element (`a#home "الرئيسية"`), for focus-order assertions
    /// on elements without an id.
    pub async fn active_element(&self) -> String {
        let script = "const e = document.activeElement; if (!e || e === document.body) return 'body'; \
                      return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' \"' + \
                      (e.innerText || e.value || e.getAttribute('aria-label') || '').trim() + '\"'";
        self.execute(script, vec![]).await.as_str().unwrap_or("").to_string()
    }

    /// Runs axe-core on the page shown and returns its violations. Fails the test when any
    /// is serious or critical, listing them (rule, impact, help, the elements).
    ///
    /// axe is put into the page through WebDriver, which evaluates scripts over the
    /// DevTools protocol: the page's Content-Security-Policy (`script-src 'self'`)
    /// governs the page's own scripts, not these, so the page needs no exception for it.
    pub async fn axe(&self, page: &str) -> Vec<Value> {
        // Once per page load: the script defines `window.axe`.
        if self.execute("return typeof window.axe", vec![]).await != "object" {
            self.execute(&axe_source(), vec![]).await;
        }
        let script = "const done = arguments[arguments.length - 1]; \
                      axe.run(document, { resultTypes: ['violations'] }) \
                        .then(results => done({ violations: results.violations }), \
                              error => done({ error: String(error && error.stack || error) }));";
        let answer = self
            .client
            .execute_async(script, vec![])
            .await
            .unwrap_or_else(|error| panic!("running axe on {page}: {error}"));
        if let Some(error) = answer.get("error") {
            panic!("axe failed on {page}: {error}");
        }
        let violations = answer["violations"].as_array().cloned().unwrap_or_else(|| panic!("axe's answer: {answer}"));
        let grave: Vec<&Value> = violations
            .iter()
            .filter(|violation| matches!(violation["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        if !grave.is_empty() {
            let mut report = String::new();
            for violation in grave {
                report.push_str(&format!(
                    "\n- {} ({}): {}\n  {}",
                    violation["id"].as_str().unwrap_or("?"),
                    violation["impact"].as_str().unwrap_or("?"),
                    violation["help"].as_str().unwrap_or("?"),
                    violation["helpUrl"].as_str().unwrap_or(""),
                ));
                for node in violation["nodes"].as_array().into_iter().flatten() {
                    let html: String = node["html"].as_str().unwrap_or("").chars().take(160).collect();
                    report.push_str(&format!("\n    at {}: {html}", node["target"]));
                    for line in node["failureSummary"].as_str().unwrap_or("").lines() {
                        report.push_str(&format!("\n      {}", line.trim()));
                    }
                }
            }
            panic!("axe found serious or critical accessibility violations on {page}:{report}");
        }
        violations
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The WebDriver capabilities: headless Debian Chromium in a fresh profile, speaking `lang`.
fn capabilities(profile: &Path, lang: &str) -> fantoccini::wd::Capabilities {
    let args = [
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        // The machine's network is closed: no QUIC, no background fetches, no updates, no sync.
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        format!("--user-data-dir={}", profile.display()),
        format!("--window-size={DESKTOP_WIDTH},{HEIGHT}"),
        "--force-device-scale-factor=1".into(),
        format!("--lang={lang}"),
    ];
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": args,
            // Headless Chromium does not derive Accept-Language from --lang.
            "prefs": { "intl.accept_languages": lang },
        },
    });
    match capabilities {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object"),
    }
}

/// axe.min.js, from `SILA_AXE_JS` or where `.ci/browser-deps` puts it.
fn axe_source() -> String {
    let path = std::env::var("SILA_AXE_JS").unwrap_or_else(|_| DEFAULT_AXE_JS.to_string());
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!("the browser tests need axe-core at {path} (SILA_AXE_JS): run .ci/browser-deps to install it ({error})")
    })
}

/// The workspace's target directory: `CARGO_TARGET_DIR`, or `target` at the workspace root.
fn target_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    }
}

/// A running ChromeDriver, with a scratch directory holding its log and the browser's profile.
struct Driver {
    child: Child,
    port: u16,
    dir: PathBuf,
    session: Option<String>,
}

impl Driver {
    /// Starts ChromeDriver on a port it chooses, and waits until it listens.
    async fn spawn() -> Driver {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "sila-browser-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        // A profile left by an earlier run that died with this process id would not be fresh.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|error| panic!("creating {}: {error}", dir.display()));
        let log = dir.join("chromedriver.log");
        let stderr = File::create(&log).unwrap_or_else(|error| panic!("creating {}: {error}", log.display()));
        let mut child = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            // Its own process group, so that whatever it starts can be ended with it.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| panic!("starting {CHROMEDRIVER}: {error}"));
        // It prints "ChromeDriver was started successfully on port N." once listening;
        // a thread reads that, then drains its output so that it never blocks on a full pipe.
        let stdout = child.stdout.take().expect("ChromeDriver's piped stdout");
        let (sender, receiver) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let mut seen = String::new();
            let mut sender = Some(sender);
            for line in lines.by_ref().map_while(Result::ok) {
                let port = line
                    .strip_prefix("ChromeDriver was started successfully on port ")
                    .and_then(|rest| rest.trim_end_matches('.').parse::<u16>().ok());
                match port {
                    Some(port) => {
                        if let Some(sender) = sender.take() {
                            let _ = sender.send(Ok(port));
                        }
                    }
                    None if sender.is_some() => seen.push_str(&format!("\n{line}")),
                    None => {}
                }
            }
            if let Some(sender) = sender {
                let _ = sender.send(Err(seen));
            }
        });
        let mut driver = Driver { child, port: 0, dir, session: None };
        match tokio::time::timeout(WAIT, receiver).await {
            Ok(Ok(Ok(port))) => driver.port = port,
            Ok(Ok(Err(output))) => panic!("ChromeDriver stopped before listening:{output}{}", driver.log_tail()),
            Ok(Err(_)) => panic!("ChromeDriver's output reader stopped{}", driver.log_tail()),
            Err(_) => panic!("ChromeDriver did not listen within {WAIT:?}{}", driver.log_tail()),
        }
        driver
    }

    fn profile_dir(&self) -> PathBuf {
        self.dir.join("profile")
    }

    /// The end of ChromeDriver's log, for failure messages.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("chromedriver.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n");
        format!("\nthe end of ChromeDriver's log ({}):\n{tail}", self.dir.join("chromedriver.log").display())
    }

    /// Ends the WebDriver session, which makes ChromeDriver quit Chromium, and says
    /// whether it answered. Drop may run while the test's runtime is shutting down, so
    /// this is a plain blocking request rather than fantoccini's (asynchronous) close.
    fn end_session(&self, session: &str) -> std::io::Result<bool> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(WAIT))?;
        stream.set_write_timeout(Some(WAIT))?;
        write!(
            stream,
            "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )?;
        // ChromeDriver answers once Chromium has quit, but keeps the connection open: the
        // first bytes of the answer are the sign, not the end of the stream.
        let mut answer = [0; 512];
        Ok(stream.read(&mut answer)? > 0)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            let _ = self.end_session(&session);
        }
        // Anything of the browser still running is in the driver's process group (whose id
        // is the driver's process id, not reused while the driver is not yet waited for).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
