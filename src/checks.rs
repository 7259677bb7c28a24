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

/// The module path of a file: `src/store/offers.rs` → `[store, offers]`,
/// `src/store/mod.rs` → `[store]`, `src/lib.rs` → `[]`.
fn module_path(path: &Path) -> Vec<String> {
    let rel = path.strip_prefix(root().join("src")).unwrap();
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| {
            c.as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string()
        })
        .collect();
    if parts.last().is_some_and(|p| p == "mod") || parts == ["lib"] || parts == ["main"] {
        parts.pop();
    }
    parts
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

/// The first names of a path's continuation: `web::X` → `[web]`,
/// `{domain, web::{a, b}}` → `[domain, web]` (across lines too).
fn first_names(rest: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let Some(group) = rest.strip_prefix('{') else {
        return vec![ident(rest)];
    };
    let (mut names, mut depth, mut item) = (Vec::new(), 1, String::new());
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 1 => break,
            '}' => depth -= 1,
            ',' if depth == 1 => {
                names.push(ident(&item));
                item.clear();
                continue;
            }
            _ => {}
        }
        // Inner groups do not matter: only each item's first name does.
        if depth == 1 {
            item.push(c);
        }
    }
    names.push(ident(&item));
    names.retain(|n| !n.is_empty());
    names
}

/// The top-level modules a file names through `crate::…` or `super::…` chains that climb
/// to the crate root, comments left out.
fn imports(path: &Path, text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let here = module_path(path);
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        found.extend(first_names(&code[i + "crate::".len()..]));
    }
    let bytes = code.as_bytes();
    for (i, _) in code.match_indices("super::") {
        // Only the start of a chain.
        if i >= 2 && &code[i - 2..i] == "::" {
            continue;
        }
        if i >= 1 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_') {
            continue;
        }
        let mut rest = &code[i..];
        let mut up = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            rest = r;
            up += 1;
        }
        let base = &here[..here.len().saturating_sub(up)];
        match base.first() {
            Some(top) => {
                found.insert(top.clone());
            }
            None => found.extend(first_names(rest)),
        }
    }
    // Only the crate's modules are layers (`crate::Application` is not).
    found.retain(|name| MODULES.contains(&name.as_str()));
    found
}

/// The crate's top-level modules.
const MODULES: [&str; 12] = [
    "domain",
    "planner",
    "clock",
    "config",
    "i18n",
    "store",
    "usecases",
    "demo",
    "web",
    "background",
    "serve",
    "checks",
];

/// What each layer may import besides itself (lowest first). `clock`, `config` and
/// `i18n` are leaves every layer above the planner may use (settings are typed with
/// domain values).
fn allowed(module: &str) -> Option<&'static [&'static str]> {
    Some(match module {
        "domain" => &[],
        "planner" => &["domain"],
        "clock" | "i18n" => &[],
        "config" => &["domain"],
        "store" => &["domain", "planner", "clock", "config"],
        "usecases" => &["domain", "planner", "store", "clock", "config", "i18n"],
        "demo" => &["domain", "store", "usecases"],
        "web" => &[
            "domain", "planner", "store", "usecases", "clock", "config", "i18n",
        ],
        // Accepting connections: hands each to the web layer's router.
        "serve" => &["config", "web"],
        // The scheduler and the message worker: run use cases on the clock.
        "background" => &["usecases", "clock", "config"],
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
        for import in imports(path, text) {
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
    // The check itself: a store file that imports the web or the use cases, in any of
    // the ways Rust allows, is caught; its own and lower modules are not.
    let planted =
        |text: &str| layer_violations(&[(root().join("src/store/planted.rs"), text.to_string())]);
    assert_eq!(planted("use crate::web::AppState;").len(), 1);
    assert_eq!(planted("use crate::{domain, usecases::Context};").len(), 1);
    assert_eq!(
        planted("use crate::{\n    domain::Nik,\n    web::{AppState, kit},\n};").len(),
        1
    );
    assert_eq!(planted("fn f() { super::super::web::router(); }").len(), 1);
    assert!(planted("use super::seats::Seat; use super::super::domain::Nik;").is_empty());
    assert!(planted("// use crate::web::AppState;").is_empty());
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

/// Statements that change or remove audit rows, in any spelling.
fn audit_tampering(text: &str) -> Vec<String> {
    let flat = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    [
        "update audit_log",
        "delete from audit_log",
        "drop table audit_log",
        "truncate audit_log",
    ]
    .into_iter()
    .filter(|s| flat.contains(s))
    .map(str::to_string)
    .collect()
}

/// The audit log is append-only: no code and no migration updates, deletes or drops its
/// rows (issue 9).
#[test]
fn nothing_edits_or_deletes_the_audit_log() {
    let mut files = sources();
    for engine in ["sqlite", "postgres"] {
        for f in std::fs::read_dir(root().join("migrations").join(engine)).unwrap() {
            let p = f.unwrap().path();
            let text = std::fs::read_to_string(&p).unwrap();
            files.push((p, text));
        }
    }
    let bad: Vec<String> = files
        .iter()
        .filter(|(p, _)| !p.ends_with("checks.rs"))
        .flat_map(|(p, text)| {
            audit_tampering(text)
                .into_iter()
                .map(move |s| format!("{}: {s}", p.display()))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "the audit log is append-only:\n{}",
        bad.join("\n")
    );
    // The check finds what it looks for.
    assert_eq!(
        audit_tampering("sqlx::query(\"DELETE\n FROM   audit_log WHERE id = 1\")"),
        ["delete from audit_log"]
    );
}

/// README's "How it works" names every folder of `src/` (a line starting `src/…/`) and,
/// after it, every module file of that folder (`name.rs`), and names nothing that is not
/// there. A folder holding only `tests.rs` is a module's tests, not a part of the map.
#[test]
fn the_map_in_the_readme_names_every_module() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("## How it works")
        .nth(1)
        .and_then(|s| s.split("```").nth(1))
        .expect("README has a \"How it works\" map in a code block");
    let mut named = std::collections::BTreeSet::new();
    let mut folder = String::new();
    for line in section.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        if first.starts_with("src/") && first.ends_with('/') {
            folder = first.to_string();
        } else if !line.starts_with(' ') && !first.is_empty() {
            folder.clear(); // templates/, locales/, …: not src/
        }
        if folder.is_empty() {
            continue;
        }
        for word in line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')) {
            if word.ends_with(".rs") && word.len() > 3 {
                named.insert(format!("{folder}{word}"));
            }
        }
        named.insert(folder.clone());
    }
    let mut present = std::collections::BTreeSet::new();
    let mut stack = vec![root().join("src")];
    while let Some(dir) = stack.pop() {
        let entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        let only_tests = entries
            .iter()
            .all(|p| p.file_name().is_some_and(|n| n == "tests.rs"));
        if only_tests {
            continue;
        }
        let rel = dir.strip_prefix(root()).unwrap().display().to_string();
        present.insert(format!("{rel}/"));
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs")
                && p.file_name().is_some_and(|n| n != "tests.rs")
            {
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                // A folder's mod.rs is the folder itself.
                if name != "mod.rs" {
                    present.insert(format!("{rel}/{name}"));
                }
            }
        }
    }
    named.retain(|n| !n.ends_with("/mod.rs"));
    let missing: Vec<_> = present.difference(&named).collect();
    let stale: Vec<_> = named.difference(&present).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "README's map leaves out {missing:?} and names what is not there: {stale:?}"
    );
    assert!(present.len() > 90, "only {} modules found", present.len());
}

/// Authorization cannot be made up outside its checks: only the command line (and the
/// demo) names the CLI's authority, and no layer above the store changes a signed-in
/// member's role or office.
#[test]
fn authority_is_made_only_by_its_checks() {
    let mut bad = Vec::new();
    for (path, text) in sources() {
        let rel = path.strip_prefix(root()).unwrap().display().to_string();
        if rel.ends_with("src/checks.rs") {
            continue;
        }
        let cli_allowed = rel == "src/main.rs" || rel == "src/usecases/auth.rs";
        if !cli_allowed && text.contains("auth::cli(") {
            bad.push(format!("{rel}: names auth::cli()"));
        }
        if !rel.starts_with("src/store/") {
            for field in [".role = ", ".office_id = "] {
                if text.contains(field) {
                    bad.push(format!("{rel}: assigns {field}"));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}
