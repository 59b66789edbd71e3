//! The floors of `docs/architecture.md`, checked: every `crate::…` path in `src/**/*.rs` (also
//! inside `use crate::{a::X, b::Y}` groups, and `super::` paths that climb out of a top module)
//! must point to a module that the using module's row of the table allows. A forbidden use
//! fails this test with the file, the line and the rule it breaks.
//!
//! Pure: reads files, never builds or runs the crate. Comments and string literals are not
//! read as code (a doc link to a higher module is no dependency).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The allowed uses, from the table in docs/architecture.md: module → modules it may use.
fn rules(doc: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut rows: Vec<(String, String)> = Vec::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | `module` | may use | why |
        if cells.len() < 4 || !cells[1].starts_with('`') {
            continue;
        }
        rows.push((cells[1].trim_matches('`').to_string(), cells[2].to_string()));
    }
    let all: BTreeSet<String> = rows.iter().map(|(m, _)| m.clone()).collect();
    let names = |text: &str| -> BTreeSet<String> { text.split('`').skip(1).step_by(2).map(str::to_string).collect() };
    rows.iter()
        .map(|(module, uses)| {
            let allowed = if let Some(but) = uses.strip_prefix("every module but") {
                let except = names(but);
                all.iter().filter(|m| !except.contains(*m)).cloned().collect()
            } else if uses.starts_with("every module") {
                all.clone()
            } else {
                names(uses)
            };
            (module.clone(), allowed)
        })
        .collect()
}

/// `text` without comments and without the contents of string and char literals (kept as
/// spaces, so line numbers stay).
fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && !prev_is_ident(&b, i) && matches!(next, Some('"' | '#')) {
            // r"…" or r#"…"#
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            out.push('"');
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                out.push(blank(b[j]));
                j += 1;
            }
            out.push('"');
            i = j;
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
            out.push('"');
            i += 1;
        } else if c == '\'' && is_char_literal(&b, i) {
            // '"', '\'' , 'x' — lifetimes ('a) are left alone.
            let end = if next == Some('\\') {
                (i + 2..b.len()).find(|&k| b[k] == '\'').unwrap_or(b.len() - 1)
            } else {
                i + 2
            };
            out.push_str("' '");
            i = end + 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn prev_is_ident(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

fn is_char_literal(b: &[char], i: usize) -> bool {
    match b.get(i + 1) {
        Some('\\') => true,
        Some(_) => b.get(i + 2) == Some(&'\''),
        None => false,
    }
}

/// One use of another module: (line, the top module it names).
fn uses(code: &str, module_path: &[String]) -> Vec<(usize, String)> {
    let chars: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    // Inline modules (`mod tests { … }`) open at a brace depth; `super::` climbs out of them.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
        } else if c == '{' {
            depth += 1;
        } else if c == '}' {
            depth = depth.saturating_sub(1);
            while inline.last().is_some_and(|(_, d)| *d > depth) {
                inline.pop();
            }
        }
        if (c.is_alphabetic() || c == '_') && !prev_is_ident(&chars, i) {
            let word = ident(&chars, i);
            if word == "mod" {
                let rest: String = chars[i + 3..].iter().take(200).collect();
                let rest = rest.trim_start();
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                let after = rest[name.len()..].trim_start();
                if !name.is_empty() && after.starts_with('{') {
                    inline.push((name, depth + 1));
                }
            }
            if word == "crate" || word == "super" {
                let mut here: Vec<String> = module_path.to_vec();
                here.extend(inline.iter().map(|(n, _)| n.clone()));
                let (path_root, tail_at) = climb(&chars, i, &here);
                if let Some(root) = path_root {
                    for target in first_segments(&chars, tail_at, &root) {
                        found.push((line, target));
                    }
                }
                // Skip the whole `super::super::` chain.
                let mut j = i;
                while chars
                    .get(j)
                    .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                {
                    j += 1;
                }
                i = j;
                continue;
            }
            i += word.chars().count();
            continue;
        }
        i += 1;
    }
    found
}

fn ident(chars: &[char], at: usize) -> String {
    chars[at..]
        .iter()
        .take_while(|c| c.is_alphanumeric() || **c == '_')
        .collect()
}

/// Resolves `crate::` or a chain of `super::` at `at`: the module path the rest is relative
/// to, and where the rest starts. None when it is not a path (`crate` alone, `pub(crate)`).
fn climb(chars: &[char], at: usize, here: &[String]) -> (Option<Vec<String>>, usize) {
    let mut base: Vec<String> = here.to_vec();
    let mut i = at;
    let mut first = true;
    loop {
        let word = ident(chars, i);
        let after = i + word.chars().count();
        if chars.get(after) != Some(&':') || chars.get(after + 1) != Some(&':') {
            return (None, i);
        }
        match word.as_str() {
            "crate" if first => base.clear(),
            "super" => {
                if base.pop().is_none() {
                    return (None, i);
                }
            }
            _ => return (Some(base), i),
        }
        first = false;
        i = after + 2;
        if ident(chars, i) != "super" {
            return (Some(base), i);
        }
    }
}

/// The top modules named by the path at `at` under `root`: one for `a::…`, several for
/// `{a::X, b::{Y, Z}, self}` (with `root` empty, i.e. `crate::`); within a top module, the
/// module itself.
fn first_segments(chars: &[char], at: usize, root: &[String]) -> Vec<String> {
    if let Some(top) = root.first() {
        return vec![top.clone()];
    }
    if chars.get(at) == Some(&'{') {
        // The names right after `{` or after a `,` at depth one.
        let mut out = Vec::new();
        let mut depth = 0;
        let mut expect = true;
        let mut i = at;
        while i < chars.len() {
            match chars[i] {
                '{' => {
                    depth += 1;
                    if depth == 1 {
                        expect = true;
                    }
                }
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                ',' if depth == 1 => expect = true,
                c if expect && depth == 1 && (c.is_alphabetic() || c == '_') => {
                    let word = ident(chars, i);
                    if word != "self" {
                        out.push(word.clone());
                    }
                    expect = false;
                    i += word.chars().count();
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        return out;
    }
    let word = ident(chars, at);
    if word.is_empty() {
        Vec::new()
    } else {
        vec![word]
    }
}

/// The module path of a file under src/: `src/a/b.rs` → [a, b]; `src/a/mod.rs` → [a];
/// `src/lib.rs` → [] (the crate root); `src/main.rs` → [main].
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs").to_string();
        if stem != "mod" && !(parts.is_empty() && stem == "lib") {
            parts.push(stem);
        }
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Every forbidden use in the crate, as "file:line: message".
fn violations(root: &Path) -> Vec<String> {
    let doc = std::fs::read_to_string(root.join("docs/architecture.md")).unwrap();
    let rules = rules(&doc);
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut out = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let path = module_path(rel);
        let top = path.first().cloned().unwrap_or_else(|| "lib".to_string());
        let Some(allowed) = rules.get(&top) else {
            out.push(format!(
                "src/{}: the module `{top}` has no row in docs/architecture.md",
                rel.display()
            ));
            continue;
        };
        let code = code_only(&std::fs::read_to_string(&file).unwrap());
        for (line, target) in uses(&code, &path) {
            if target == top || allowed.contains(&target) {
                continue;
            }
            if !rules.contains_key(&target) {
                continue; // not a module of ours (`crate::SomeReexport` does not exist here)
            }
            let rule = if allowed.is_empty() {
                format!("`{top}` may use no other module")
            } else {
                let may: Vec<String> = allowed.iter().map(|m| format!("`{m}`")).collect();
                format!("`{top}` may use only {}", may.join(", "))
            };
            out.push(format!(
                "src/{}:{line}: `{top}` uses `{target}`, but {rule} (docs/architecture.md)",
                rel.display()
            ));
        }
    }
    out
}

#[test]
fn no_module_uses_one_its_floor_does_not_allow() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = violations(root);
    assert!(found.is_empty(), "forbidden uses:\n{}", found.join("\n"));
}

#[test]
fn the_table_names_every_top_module_of_src() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rules = rules(&std::fs::read_to_string(root.join("docs/architecture.md")).unwrap());
    for e in std::fs::read_dir(root.join("src")).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().trim_end_matches(".rs").to_string();
        assert!(
            rules.contains_key(&name),
            "src/{name} has no row in docs/architecture.md"
        );
    }
    assert!(rules["model"].is_empty(), "model stands on nothing");
    assert!(!rules["daemon"].contains("cli") && rules["daemon"].contains("store"));
}

fn uses_of(code: &str, file: &str) -> Vec<(usize, String)> {
    uses(&code_only(code), &module_path(Path::new(file)))
}

#[test]
fn paths_groups_and_climbing_supers_are_resolved() {
    let code = "use crate::{config::Security, migrate::{self, X}, self};\nuse crate::store::Store;\n\
                fn f() { crate::reply::send(); }\npub(crate) fn g() {}\n";
    assert_eq!(
        uses_of(code, "model/mod.rs"),
        vec![
            (1, "config".to_string()),
            (1, "migrate".to_string()),
            (2, "store".to_string()),
            (3, "reply".to_string())
        ]
    );
    // `super::` in src/a/b.rs stays in `a`; in src/a/mod.rs it climbs to the crate root.
    assert_eq!(
        uses_of("use super::x::Y;", "store/rotate.rs"),
        vec![(1, "store".to_string())]
    );
    assert_eq!(
        uses_of("use super::migrate::Y;", "store/mod.rs"),
        vec![(1, "migrate".to_string())]
    );
    assert_eq!(
        uses_of("use super::super::daemon::X;", "store/crypto.rs"),
        vec![(1, "daemon".to_string())]
    );
    // Inside `mod tests { … }`, `super::` is the file's module.
    let code = "mod tests {\n    use super::*;\n    use super::super::inbox::W;\n}\n";
    assert_eq!(
        uses_of(code, "store/mod.rs"),
        vec![(2, "store".to_string()), (3, "inbox".to_string())]
    );
}

#[test]
fn comments_and_strings_are_not_uses() {
    let code = "//! see [`crate::daemon`]\n/* crate::cli */ let s = \"crate::inbox\"; let r = r#\"crate::x\"#;\nlet c = '\"'; use crate::model::Job;\n";
    assert_eq!(uses_of(code, "store/mod.rs"), vec![(3, "model".to_string())]);
}

#[test]
fn a_forbidden_use_is_named_with_its_file_line_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("docs")).unwrap();
    std::fs::create_dir_all(dir.path().join("src/store")).unwrap();
    std::fs::write(
        dir.path().join("docs/architecture.md"),
        "| module | may use | why |\n| --- | --- | --- |\n| `model` | — | nouns |\n\
         | `store` | `model` | keeps nouns |\n| `migrate` | `model`, `store` | the engine |\n| `lib` | every module | root |\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("src/lib.rs"),
        "pub mod model; pub mod store; pub mod migrate;\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("src/model.rs"), "").unwrap();
    std::fs::write(dir.path().join("src/migrate.rs"), "use crate::store::Store;\n").unwrap();
    std::fs::write(
        dir.path().join("src/store/mod.rs"),
        "use crate::model::Job;\n\nuse crate::{model::X, migrate::Checkpoints};\n",
    )
    .unwrap();
    assert_eq!(
        violations(dir.path()),
        vec!["src/store/mod.rs:3: `store` uses `migrate`, but `store` may use only `model` (docs/architecture.md)"]
    );
}
