//! The RFC 6962 test vectors of transparency-dev/merkle (`../shared/data/rfc6962/`):
//! every inclusion and consistency case, valid and invalid, must come out as the vector
//! says. The vectors are read from the shared data folder; when they are missing the
//! test fails — a skipped conformance test proves nothing.

use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::Value;
use sila_domain::merkle::{verify_consistency, verify_inclusion};

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/rfc6962")
}

fn json_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "json") {
            found.push(path);
        }
    }
}

fn bytes(value: &Value) -> Vec<u8> {
    let text = value.as_str().unwrap_or("");
    // Some invalid vectors carry text that is not even valid base64; an undecodable
    // hash is simply a wrong one.
    base64::engine::general_purpose::STANDARD.decode(text).unwrap_or_else(|_| text.as_bytes().to_vec())
}

fn proof(value: &Value) -> Vec<Vec<u8>> {
    value.as_array().map(|elements| elements.iter().map(bytes).collect()).unwrap_or_default()
}

fn run(kind: &str) -> usize {
    let mut files = Vec::new();
    json_files(&vectors_dir().join(kind), &mut files);
    assert!(files.len() > 50, "only {} {kind} vectors found in {}", files.len(), vectors_dir().display());
    let mut failures = Vec::new();
    for file in &files {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let result = match kind {
            "inclusion" => verify_inclusion(
                case["leafIdx"].as_u64().unwrap(),
                case["treeSize"].as_u64().unwrap(),
                &bytes(&case["leafHash"]),
                &proof(&case["proof"]),
                &bytes(&case["root"]),
            ),
            _ => verify_consistency(
                case["size1"].as_u64().unwrap(),
                case["size2"].as_u64().unwrap(),
                &proof(&case["proof"]),
                &bytes(&case["root1"]),
                &bytes(&case["root2"]),
            ),
        };
        let want_error = case["wantErr"].as_bool().unwrap();
        if result.is_err() != want_error {
            failures.push(format!("{}: wantErr={want_error}, got {result:?}", file.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {kind} vectors disagree:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    files.len()
}

#[test]
fn every_inclusion_vector() {
    run("inclusion");
}

#[test]
fn every_consistency_vector() {
    run("consistency");
}
