//! The layering is a rule the build checks (issue 11, item 4).
//!
//! Every `crate::…` path in `src/` — `use crate::…` lines, multi-line `use crate::{…}` groups
//! and inline paths such as `crate::engine::Foo` — must point down the layers
//! `ui → engine → (auth, store, graph, media) → (model, ids, config, logging, schedule)`.
//! Modules on one layer do not use each other, and the embedded `sandbox` shares nothing with
//! the client side except the one entry point that starts it. Known exceptions are in
//! [`ALLOWED`], each with the reason and what a fix would be.

use std::path::{Path, PathBuf};

/// The top-level modules of the crate, with the layer each sits on (higher may use lower).
fn layer(module: &str) -> Option<u8> {
    Some(match module {
        // Entry points: `main` (and `lib`, which only declares modules) may use anything; `gui`
        // starts the engine and the UI with the parsed `cli::GlobalArgs`; `cli` is headless and
        // runs over the engine (never the UI, see `check`).
        "main" | "lib" => 7,
        "gui" => 6,
        "cli" => 5,
        // The self-hosted server runs beside the UI over the engine and below (never the UI);
        // `cli` starts it.
        "ui" | "server" => 4,
        // `logging` is set up by `main` only and writes its log files 0600 through
        // `store::private_files`.
        "engine" | "logging" => 3,
        "auth" | "store" | "graph" | "media" => 2,
        // Low-level helpers with no IO of the app's own; they may use each other.
        "model" | "ids" | "config" | "schedule" => 1,
        // The emulator stands apart; see `check`.
        "sandbox" => 0,
        _ => return None,
    })
}

/// Client-side modules the sandbox must never touch, and which must never touch it.
const CLIENT: &[&str] = &[
    "ui", "engine", "auth", "store", "graph", "media", "cli", "gui", "server",
];

/// Modules allowed to start the embedded sandbox through its entry point and nothing else of
/// it: the engine's sandbox mode and the GUI's embedded mode (`Sandbox`, `SandboxOptions`),
/// and the `sandbox` CLI command, which serves it in the foreground (`run`).
const SANDBOX_STARTERS: &[&str] = &["engine", "cli", "gui"];
const SANDBOX_ENTRY: &[&str] = &["Sandbox", "SandboxOptions", "run"];

/// Known exceptions: (importing file, imported top-level module, reason and what a fix would be).
///
/// Not checked here because it is not a `crate::` path: `engine::protocol` events (and
/// `engine::core`, `media::decode`) carry `egui::ColorImage`, so the engine depends on the UI
/// toolkit's pixel type; a fix would be an own RGBA image type converted in `ui::textures`.
const ALLOWED: &[(&str, &str, &str)] = &[
    // The login exchanges codes and tokens through the Graph client and reports its errors;
    // a fix would put `auth` on a layer above `graph` (it is a client of the Graph API).
    ("auth/error.rs", "graph", "AuthError wraps GraphError"),
    (
        "auth/flow.rs",
        "graph",
        "code → token exchange over GraphClient",
    ),
    (
        "auth/token.rs",
        "graph",
        "long-lived exchange and refresh over GraphClient",
    ),
    // The sandbox browser sends through the engine's one set of HTTP clients; the same fix
    // (`auth` above `graph`) would lift it.
    (
        "auth/browser.rs",
        "graph",
        "SandboxBrowser over graph::HttpClients",
    ),
    // The cache stores the client's wire types as they came; a fix would be store-side row
    // types (or the types in `model`) converted in the engine — many call sites.
    (
        "store/comments.rs",
        "graph",
        "caches graph::comments::Comment",
    ),
    ("store/dms.rs", "graph", "caches graph::messages types"),
    // Sandbox accounts are recognised by the demo usernames; a fix would pass them through
    // `SandboxOptions`/`EngineConfig` instead of naming the sandbox's constants.
    (
        "engine/run.rs",
        "sandbox",
        "DEMO_BUSINESS_USERNAME / DEMO_CREATOR_USERNAME",
    ),
];

/// One `crate::` reference: the file, its line, the first segment after `crate::` and the
/// rest of the path (used to recognise the sandbox entry point).
#[derive(Debug, Clone, PartialEq)]
struct Ref {
    file: String,
    line: usize,
    target: String,
    rest: String,
}

/// The top-level module a file under `src/` belongs to (`src/engine/dms/sync.rs` → `engine`).
fn module_of(rel: &str) -> String {
    let first = rel.split('/').next().unwrap_or(rel);
    first.trim_end_matches(".rs").to_string()
}

/// Removes `//` comments (outside string literals) so paths in docs and comments don't count.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let mut in_str = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_str => i += 1,
            // `'"'` is a char, not the start of a string.
            b'"' if i > 0 && bytes[i - 1] == b'\'' && bytes.get(i + 1) == Some(&b'\'') => {}
            b'"' => in_str = !in_str,
            b'/' if !in_str && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
        i += 1;
    }
    line
}

/// Every `crate::` reference in one file's text.
fn refs_in(file: &str, text: &str) -> Vec<Ref> {
    let lines: Vec<&str> = text.lines().map(strip_comment).collect();
    let mut out = Vec::new();
    for (idx, line) in lines.iter().enumerate() {
        let mut from = 0;
        while let Some(pos) = line[from..].find("crate::") {
            let start = from + pos;
            from = start + "crate::".len();
            // `$crate::` and `mycrate::` are not this crate's paths.
            let prev = line[..start].chars().next_back();
            if prev.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            let after = &line[from..];
            if after.starts_with('{') {
                // A group, possibly over several lines: split its top-level items.
                let mut group = String::new();
                let mut depth = 0usize;
                let mut l = idx;
                let mut text = after.to_string();
                'outer: loop {
                    for c in text.chars() {
                        match c {
                            '{' => depth += 1,
                            '}' => {
                                depth -= 1;
                                if depth == 0 {
                                    break 'outer;
                                }
                            }
                            _ => {}
                        }
                        group.push(c);
                    }
                    group.push(' ');
                    l += 1;
                    match lines.get(l) {
                        Some(next) => text = next.to_string(),
                        None => break,
                    }
                }
                for item in split_top(group.trim_start_matches('{')) {
                    let (target, rest) = item.split_once("::").unwrap_or((item.as_str(), ""));
                    out.push(Ref {
                        file: file.to_string(),
                        line: idx + 1,
                        target: target.trim().to_string(),
                        rest: rest.trim().to_string(),
                    });
                }
            } else {
                let mut path: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                if after[path.len()..].starts_with('{') {
                    // `crate::sandbox::{A, B}`, possibly over several lines: keep the group
                    // for the entry-point check.
                    let joined = std::iter::once(&after[path.len()..])
                        .chain(lines[idx + 1..].iter().copied())
                        .collect::<Vec<_>>()
                        .join(" ");
                    let end = joined.find('}').map_or(joined.len(), |e| e + 1);
                    path.push_str(&joined[..end]);
                }
                let (target, rest) = path.split_once("::").unwrap_or((path.as_str(), ""));
                if !target.is_empty() {
                    out.push(Ref {
                        file: file.to_string(),
                        line: idx + 1,
                        target: target.to_string(),
                        rest: rest.to_string(),
                    });
                }
            }
        }
    }
    out
}

/// Splits `a::X, b::{Y, Z}, c` at the commas outside braces.
fn split_top(group: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    items.push(cur);
    items
        .into_iter()
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty())
        .collect()
}

/// Whether `rest` (the path after `sandbox::`) names only the sandbox's entry point.
fn is_sandbox_entry(rest: &str) -> bool {
    let names: Vec<&str> = rest
        .trim_matches(|c| c == '{' || c == '}')
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    !names.is_empty() && names.iter().all(|n| SANDBOX_ENTRY.contains(n))
}

/// The violation a reference makes, if any.
fn check(r: &Ref) -> Option<String> {
    let from = module_of(&r.file);
    let to = r.target.as_str();
    if from == to || to == "self" || to == "*" {
        return None;
    }
    if ALLOWED.iter().any(|(f, t, _)| *f == r.file && *t == to) {
        return None;
    }
    if from == "cli" && (to == "ui" || to == "gui") {
        return Some(format!(
            "{}:{}: crate::{} — the CLI is headless",
            r.file, r.line, to
        ));
    }
    let why = match (layer(&from), layer(to)) {
        (_, None) => return None, // a crate-root item, e.g. a macro; not a module
        (None, _) => format!("file outside the layer table ({from})"),
        (Some(_), Some(0)) if from == "sandbox" => return None,
        (Some(0), Some(_)) if CLIENT.contains(&to) => "the sandbox imports client code".into(),
        (Some(0), Some(_)) => return None,
        (Some(_), Some(0)) => {
            if SANDBOX_STARTERS.contains(&from.as_str()) && is_sandbox_entry(&r.rest) {
                return None;
            }
            "client code imports the sandbox".into()
        }
        (Some(a), Some(b)) if a > b || (a == 1 && b == 1) => return None,
        (Some(a), Some(b)) if a == b => format!("{from} and {to} are on the same layer"),
        (Some(_), Some(_)) => format!("{from} is below {to}"),
    };
    Some(format!(
        "{}:{}: crate::{}{}{} — {why}",
        r.file,
        r.line,
        r.target,
        if r.rest.is_empty() { "" } else { "::" },
        r.rest
    ))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every violation in the tree, as `file:line: path — reason`.
fn violations() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut found = Vec::new();
    for path in files {
        let rel = path
            .strip_prefix(&src)
            .expect("under src/")
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&path).expect("source file is UTF-8");
        found.extend(refs_in(&rel, &text).iter().filter_map(check));
    }
    found
}

#[test]
fn imports_follow_the_layers() {
    let found = violations();
    assert!(
        found.is_empty(),
        "{} import(s) against the layering (see ARCHITECTURE.md, \"Layers\"):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn allow_list_entries_are_still_needed() {
    // A stale exception would quietly allow a new import; each entry must match a reference.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for (file, target, _) in ALLOWED {
        let text = std::fs::read_to_string(src.join(file)).expect("allow-listed file exists");
        assert!(
            refs_in(file, &text).iter().any(|r| r.target == *target),
            "{file} no longer uses crate::{target}; drop it from ALLOWED"
        );
    }
}

#[test]
fn checker_catches_fabricated_violations() {
    let text = "use crate::ui::App;\n\
                use crate::{\n    ids::MediaId,\n    engine::Core,\n};\n\
                // crate::ui::Commented is not code\n\
                fn f() { let _ = crate::sandbox::state::World::default(); }\n";
    let refs = refs_in("store/fake.rs", text);
    let bad: Vec<String> = refs.iter().filter_map(check).collect();
    assert_eq!(bad.len(), 3, "{bad:#?}");
    assert!(bad[0].starts_with("store/fake.rs:1: crate::ui::App"));
    assert!(bad[1].starts_with("store/fake.rs:2: crate::engine::Core"));
    assert!(bad[2].contains("client code imports the sandbox"));
    // Same layer, and the sandbox reaching into the client.
    assert!(check(&refs_in("auth/x.rs", "use crate::store::Store;")[0]).is_some());
    assert!(check(&refs_in("sandbox/x.rs", "use crate::model::Account;")[0]).is_none());
    assert!(check(&refs_in("sandbox/x.rs", "use crate::graph::GraphClient;")[0]).is_some());
    // The one entry point, and only from its starters.
    let entry = "use crate::sandbox::{Sandbox, SandboxOptions};";
    assert!(check(&refs_in("engine/core.rs", entry)[0]).is_none());
    assert!(check(&refs_in("ui/x.rs", entry)[0]).is_some());
    assert!(check(&refs_in("cli/x.rs", "use crate::sandbox::state::World;")[0]).is_some());
    assert!(check(&refs_in("cli/x.rs", "use crate::ui::insights_export;")[0]).is_some());
    // Downward imports pass.
    assert!(check(&refs_in("ui/x.rs", "use crate::engine::protocol::Command;")[0]).is_none());
}
