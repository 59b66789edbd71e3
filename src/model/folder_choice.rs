//! Which source folders to copy (operator's include/exclude patterns, Gmail's virtual folders):
//! set in the config, applied by the folder plan. Pure: matching names, never listing them.

/// Options for planning.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanOptions {
    /// Copy Gmail's virtual folders (All Mail, Important, Starred) too.
    #[serde(default)]
    pub include_gmail_virtual: bool,
    /// When not empty, copy only source folders matching one of these patterns
    /// (`*` any text, `?` one character, case-insensitive, on `/`-separated decoded names).
    #[serde(default)]
    pub include: Vec<String>,
    /// Never copy source folders matching one of these patterns (applied after `include`).
    #[serde(default)]
    pub exclude: Vec<String>,
}

impl PlanOptions {
    /// True when the decoded source folder `name` is to be copied by the patterns.
    pub fn wants(&self, name: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|p| glob_match(p, name)))
            && !self.exclude.iter().any(|p| glob_match(p, name))
    }
}

/// Matches `text` against a pattern of `*` (any text) and `?` (one character), ignoring case.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}
