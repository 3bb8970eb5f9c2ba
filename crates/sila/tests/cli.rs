//! The binary as people run it: `sila demo` prints its logins and serves them, a
//! printed login signs in over real HTTP, `sila user add` adds a user who can sign in, and
//! `sila match eval` scores the name matcher on a labelled file.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

#[path = "support/process.rs"]
mod support;

use support::{Server, free_port, http, sign_in, sign_in_ahead, sila, sila_in, totp, wait_until_ready};

#[test]
fn the_demo_prints_logins_that_sign_in_and_user_add_works() {
    let dir = std::env::temp_dir().join(format!("sila-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let database = dir.join("demo.db");
    let port = free_port();
    let mut child = sila_in(&dir)
        .args(["demo", "--database", database.to_str().unwrap(), "--listen", &format!("127.0.0.1:{port}")])
        .env("SILA_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let mut logins = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("login: ") {
            let fields: Vec<String> = rest.split(' ').map(str::to_string).collect();
            assert_eq!(fields.len(), 5, "login: <username> <password> <role> <agency> <totp-secret>, got {line}");
            logins.push(fields);
        }
        if line.starts_with("serving http://") {
            break;
        }
    }
    assert!(logins.len() >= 20, "{} logins", logins.len());
    wait_until_ready(port);
    // Every role of every agency signs in with what was printed.
    let mut cookies = std::collections::HashMap::new();
    for login in &logins {
        let cookie = sign_in(port, &login[0], &login[1], Some(&login[4]));
        let (status, _, me) = http(port, "GET", "/api/v1/me", Some(&cookie), None);
        assert_eq!(status, 200);
        assert!(me.contains(&format!("\"{}\"", login[2])), "{me}");
        cookies.insert(login[0].clone(), cookie);
    }
    let cookie = cookies["cp.officer"].clone();
    let (status, _, referrals) = http(port, "GET", "/api/v1/referrals?box=outgoing&limit=100", Some(&cookie), None);
    assert_eq!(status, 200);
    // Twenty cases, two of them redirected: twenty-two referrals.
    assert_eq!(referrals.matches("\"side\":\"referrer\"").count(), 22);
    drop(server);

    // The database and the keys are the server account's alone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&database), 0o600, "the database file");
        assert_eq!(mode(&dir.join("keys")), 0o700, "the keys directory");
        assert_eq!(mode(&dir.join("keys/master.key")), 0o600, "the master key");
    }

    // An operator adds a user: a set-up link is printed, no password is typed.
    let output = sila_in(&dir)
        .args(["user", "add", "--database", database.to_str().unwrap(), "--username", "aman.lawyer2"])
        .args(["--display-name", "مستشارة قانونية", "--agency", "AMAN", "--role", "legal_advisor", "--office", "MAIN"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    let link = printed.lines().find(|line| line.contains("/set-up?token=")).expect("a set-up link").to_string();
    let token = link.split_once("token=").unwrap().1.trim().to_string();
    let refused = sila_in(&dir)
        .args(["user", "add", "--database", database.to_str().unwrap(), "--username", "Bad Name"])
        .args(["--display-name", "x", "--agency", "AMAN", "--role", "no_such_role"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("username") && message.contains("roles[0]"), "{message}");
    // The operator's confidentiality commands, as run on the server.
    let run = |args: &[&str]| {
        let output = sila_in(&dir).args(args).args(["--database", database.to_str().unwrap()]).output().unwrap();
        assert!(output.status.success(), "sila {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert!(run(&["audit", "verify"]).starts_with("audit log intact"));
    assert!(run(&["keys", "rotate"]).starts_with("re-wrapped"));
    assert!(run(&["case", "shred", "CP-2026-000001"]).contains("shredded"));
    assert!(run(&["audit", "verify"]).starts_with("audit log intact"));
    // The person name index, built with a progress bar on standard error.
    let output = sila_in(&dir).args(["reindex", "--database", database.to_str().unwrap()]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report = String::from_utf8_lossy(&output.stdout);
    let persons: usize =
        report.strip_prefix("indexed ").and_then(|rest| rest.split(' ').next()).unwrap().parse().unwrap();
    assert!(persons >= 40, "{report}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("100%"), "{}", String::from_utf8_lossy(&output.stderr));
    let key_file = std::fs::read_to_string(dir.join("keys/master.key")).unwrap();
    assert_eq!(key_file.lines().count(), 1, "the old master key left the key file after the rotation");
    let port = free_port();
    let child = sila_in(&dir)
        .args(["serve", "--database", database.to_str().unwrap(), "--listen", &format!("127.0.0.1:{port}")])
        .env("SILA_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Server(child);
    wait_until_ready(port);
    // The new user opens the link: her own password, then her authenticator.
    let body = format!(
        "{{\"token\":\"{token}\",\"password\":\"a long enough password\",\"password_repeat\":\"a long enough password\"}}"
    );
    let (status, head, me) = http(port, "POST", "/api/v1/setup", None, Some(&body));
    assert_eq!(status, 201, "{me}");
    assert!(me.contains("legal_advisor") && me.contains("\"totp_enrolment_required\":true"), "{me}");
    let line = head.lines().find(|line| line.to_ascii_lowercase().starts_with("set-cookie:")).expect("a cookie");
    let cookie = line.split_once(':').unwrap().1.trim().split(';').next().unwrap().to_string();
    let (status, _, _) = http(port, "GET", "/api/v1/cases", Some(&cookie), None);
    assert_eq!(status, 403, "nothing before enrolment");
    let (status, _, enrolment) = http(port, "POST", "/api/v1/me/totp", Some(&cookie), Some("{}"));
    assert_eq!(status, 200, "{enrolment}");
    let secret = enrolment.split("\"secret\":\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap().to_string();
    let code = totp(&secret, 0);
    let (status, _, answer) =
        http(port, "POST", "/api/v1/me/totp/confirm", Some(&cookie), Some(&format!("{{\"code\":\"{code}\"}}")));
    assert_eq!(status, 204, "{answer}");
    let (status, _, _) = http(port, "GET", "/api/v1/cases", Some(&cookie), None);
    assert_eq!(status, 200);
    // After the rotation the content still reads, with the new key only.
    let officer = logins.iter().find(|login| login[0] == "cp.officer").unwrap();
    let cookie = sign_in_ahead(port, &officer[0], &officer[1], Some(&officer[4]), 1);
    let (status, _, cases) = http(port, "GET", "/api/v1/cases?limit=100", Some(&cookie), None);
    assert_eq!(status, 200);
    let second = cases.split("\"id\":\"").nth(2).and_then(|rest| rest.split('"').next()).unwrap().to_string();
    let (status, _, case) = http(port, "GET", &format!("/api/v1/cases/{second}"), Some(&cookie), None);
    assert_eq!(status, 200, "{case}");
    assert!(case.contains("\"narrative\":\""), "{case}");
    drop(_server);
    // A key file another account can change is refused at start, with what to do.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = dir.join("keys/audit.key");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o666)).unwrap();
        let output = sila_in(&dir)
            .args([
                "serve",
                "--database",
                database.to_str().unwrap(),
                "--listen",
                &format!("127.0.0.1:{}", free_port()),
            ])
            .output()
            .unwrap();
        assert!(!output.status.success());
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(message.contains("audit.key") && message.contains("chmod 600"), "{message}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn match_eval_reports_each_kind_and_ends_with_the_scores() {
    let dev = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/names-dev.tsv");
    assert!(dev.exists(), "{} is missing", dev.display());
    let output = sila().args(["match", "eval"]).arg(&dev).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.iter().any(|line| line.starts_with("cross_script ")), "{text}");
    let last = lines.last().unwrap();
    let value = |key: &str| -> f64 {
        let field = last.split(' ').find_map(|field| field.strip_prefix(&format!("{key}="))).unwrap();
        field.parse().unwrap()
    };
    assert!(value("f1") >= 0.97, "{last}");
    assert!(value("precision") > 0.0 && value("recall") > 0.0, "{last}");
    assert_eq!(value("threshold"), 0.5);
    // A file that is not in the format is refused with the line that is wrong.
    let dir = std::env::temp_dir().join(format!("sila-match-eval-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.tsv");
    std::fs::write(&broken, "left\tright\tsame\tkind\nسلمى\tسلوى\tmaybe\tdiff_first_near\n").unwrap();
    let output = sila().args(["match", "eval"]).arg(&broken).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("line 2"), "{}", String::from_utf8_lossy(&output.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}
