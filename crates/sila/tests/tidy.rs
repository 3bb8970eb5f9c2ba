//! Tidy checks that run as tests: the project's conventions that a reviewer should
//! not have to enforce by eye.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the workspace root")
}

fn files(dir: &Path, extension: &str, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable directory") {
        let path = entry.expect("a directory entry").path();
        let name = path.file_name().and_then(|name| name.to_str()).unwrap_or("");
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                files(&path, extension, found);
            }
        } else if path.extension().and_then(|ext| ext.to_str()) == Some(extension) {
            found.push(path);
        }
    }
}

fn rust_files() -> Vec<PathBuf> {
    let mut found = Vec::new();
    files(&root().join("crates"), "rs", &mut found);
    assert!(found.len() > 30, "found only {} Rust files", found.len());
    found
}

#[test]
fn every_rust_file_says_what_it_is_for() {
    for path in rust_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("//!"), "{} does not open with a //! line", path.display());
    }
}

#[test]
fn no_stubs_or_debug_leftovers() {
    // Spelled in pieces so that this file does not trip its own check.
    let needles =
        [concat!("todo", "!("), concat!("dbg", "!("), concat!("unimplemented", "!("), concat!("#[", "ignore")];
    for path in rust_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        for needle in needles {
            assert!(!text.contains(needle), "{} contains {needle}", path.display());
        }
    }
}

#[test]
fn files_stay_small() {
    for path in rust_files() {
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        assert!(lines <= 800, "{} has {lines} lines; split it along a real seam", path.display());
    }
}

#[test]
fn one_module_style() {
    for path in rust_files() {
        assert_ne!(path.file_name().unwrap(), "mod.rs", "{}: use name.rs + name/", path.display());
    }
}

#[test]
fn both_migration_folders_list_the_same_versions() {
    let versions = |dialect: &str| {
        let mut names: Vec<String> = std::fs::read_dir(root().join("migrations").join(dialect))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let sqlite = versions("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, versions("postgres"));
}

#[test]
fn web_and_binary_never_depend_on_the_store() {
    for manifest in ["crates/web/Cargo.toml", "crates/sila/Cargo.toml"] {
        let text = std::fs::read_to_string(root().join(manifest)).unwrap();
        assert!(!text.contains("sila-store"), "{manifest} depends on sila-store: go through sila-app");
    }
}
