//! Checks of the code base itself: layers import only downwards, status spellings live
//! in one file, files stay small, landed migrations never change.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `src/`, with its text.
fn sources() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root().join("src")];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if p.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&p).unwrap();
            out.push((p, text));
        }
    }
    out.sort();
    out
}

/// The top-level module a file belongs to (`src/store/offers.rs` → `store`).
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix(root().join("src")).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The top-level modules a source names through `crate::…`, comments left out.
fn imports(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let names: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group
                    .split('}')
                    .next()
                    .unwrap_or("")
                    .split(',')
                    .map(|n| n.trim().split("::").next().unwrap_or(""))
                    .collect(),
                None => vec![rest],
            };
            for name in names {
                let name: String = name
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        }
    }
    found
}

/// What each layer may import besides itself (lowest first). `clock`, `config` and
/// `i18n` are leaves every layer above the planner may use.
fn allowed(module: &str) -> Option<&'static [&'static str]> {
    Some(match module {
        "domain" => &[],
        "planner" => &["domain"],
        "clock" | "config" | "i18n" => &[],
        "store" => &["domain", "planner", "clock", "config"],
        "usecases" => &["domain", "planner", "store", "clock", "config", "i18n"],
        "demo" => &["domain", "store", "usecases"],
        "web" => &[
            "domain", "planner", "store", "usecases", "clock", "config", "i18n",
        ],
        // The crate root and the command line wire everything together.
        "lib" | "main" | "checks" => return None,
        _ => &[],
    })
}

fn layer_violations(files: &[(PathBuf, String)]) -> Vec<String> {
    let mut bad = Vec::new();
    for (path, text) in files {
        let module = module_of(path);
        let Some(allowed) = allowed(&module) else {
            continue;
        };
        for import in imports(text) {
            if import != module && !allowed.contains(&import.as_str()) {
                bad.push(format!("{} imports crate::{import}", path.display()));
            }
        }
    }
    bad
}

#[test]
fn lower_layers_never_import_higher_ones() {
    let files = sources();
    let bad = layer_violations(&files);
    assert!(
        bad.is_empty(),
        "imports against the layers:\n{}",
        bad.join("\n")
    );
    // The check itself: a store file that imported the web would be caught.
    let planted = vec![(
        root().join("src/store/planted.rs"),
        "use crate::web::AppState;\nuse crate::{domain, usecases::Context};\n".to_string(),
    )];
    let caught = layer_violations(&planted);
    assert_eq!(caught.len(), 2, "{caught:?}");
}

/// The spellings of statuses appear in `domain/booking.rs` only: SQL and pages take them
/// from there.
#[test]
fn status_spellings_live_in_one_file() {
    let spellings = crate::domain::booking::SPELLINGS.clone();
    let mut files = sources();
    let mut stack = vec![root().join("templates")];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            files.push((p.clone(), std::fs::read_to_string(&p).unwrap()));
        }
    }
    let mut bad = Vec::new();
    for (path, text) in &files {
        if path.ends_with("domain/booking.rs") || path.ends_with("src/checks.rs") {
            continue;
        }
        for s in &spellings {
            for quoted in [format!("\"{s}\""), format!("'{s}'")] {
                if text.contains(&quoted) {
                    bad.push(format!("{}: {quoted}", path.display()));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "status spellings outside domain/booking.rs:\n{}",
        bad.join("\n")
    );
}

/// No source file over 600 lines; the web layer under a third of the code.
#[test]
fn files_stay_small_and_the_web_layer_thin() {
    let files = sources();
    let long: Vec<String> = files
        .iter()
        .filter(|(_, t)| t.lines().count() > 600)
        .map(|(p, t)| format!("{} ({} lines)", p.display(), t.lines().count()))
        .collect();
    assert!(long.is_empty(), "files over 600 lines: {long:?}");
    let total: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    let web: usize = files
        .iter()
        .filter(|(p, _)| module_of(p) == "web")
        .map(|(_, t)| t.lines().count())
        .sum();
    assert!(3 * web < total, "web/ holds {web} of {total} lines");
}

/// sha-256 of a file, in hex.
fn sha256_hex(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).unwrap_or_default();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Landed migrations never change (a database migrated with the old text would refuse to
/// start: sqlx keeps each migration's checksum): `migrations/landed.sha256` records every
/// landed file. A new migration is added there when it lands.
#[test]
fn landed_migrations_never_change() {
    let list = std::fs::read_to_string(root().join("migrations/landed.sha256")).unwrap();
    let mut checked = 0;
    for line in list
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let (sum, file) = line.split_once("  ").expect("`checksum  path` lines");
        let path = root().join("migrations").join(file.trim());
        assert!(path.exists(), "landed migration {file} was removed");
        assert_eq!(
            sha256_hex(&path),
            sum,
            "landed migration {file} was changed: add a new migration instead"
        );
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} migrations listed");
}
