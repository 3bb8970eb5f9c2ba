//! The pages in a real browser: Debian's headless Chromium, driven over WebDriver against
//! a Sila server on a fresh database, with axe-core checking accessibility. Needs
//! chromium, chromium-driver and axe-core (`.ci/browser-deps` installs them); without
//! them the tests fail.

mod support;
mod walk;
mod walk_centre;

use sila_app::testing::Backend;

use crate::support::{Browser, TABLET_WIDTH};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_page_in_a_real_browser() {
    let browser = Browser::start(Backend::Sqlite).await;
    // (Signed out, `/` may lead to the sign-in page: either way a page of Sila.)
    browser.goto("/").await;
    // The browser asks for Arabic, so the page is Arabic, right to left.
    assert_eq!(browser.attr_of("html", "lang").await.as_deref(), Some("ar"));
    assert_eq!(browser.attr_of("html", "dir").await.as_deref(), Some("rtl"));
    assert_eq!(browser.execute("return getComputedStyle(document.body).direction", vec![]).await, "rtl");
    browser.screenshot("home-desktop").await;
    browser.axe("home (desktop)").await;

    browser.set_width(TABLET_WIDTH).await;
    assert_eq!(browser.execute("return window.innerWidth", vec![]).await, TABLET_WIDTH);
    browser.screenshot("home-tablet").await;
}
