//! How `mailferry migrate` shows a running pass, fed by the engine through [`Progress`].
//!
//! - On a terminal (stderr): one bar per folder being copied, and a total bar with the
//!   messages, bytes, rate and time left, drawn by indicatif and gone when the pass ends; log
//!   lines are written above the bars, not through them.
//! - Not on a terminal: a plain status line on stdout at most every 5 s and one line per
//!   finished folder, so a log file or a pipe gets a few readable lines, no escape codes.
//! - `--quiet` (and `--json` without a terminal): nothing at all.
//!
//! Folder names come from the customer's old server: shown through `termsafe`. Never shows a
//! password (it never sees one). The total grows as folders are opened (the engine learns a
//! folder's size when it opens it), so the time left is a lower bound until every folder has
//! started; the status line says how many have.

use crate::migrate::Progress;
use crate::termsafe;
use indicatif::{DecimalBytes, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Bars on stderr (a terminal).
    Bars,
    /// A plain line now and then on stdout.
    Lines,
    /// Nothing.
    Quiet,
}

impl Mode {
    /// Bars when stderr is a terminal (unless `quiet`); otherwise plain lines, or nothing when
    /// `quiet` or when stdout carries JSON.
    pub fn choose(quiet: bool, json: bool, stderr_is_terminal: bool) -> Mode {
        match (quiet, stderr_is_terminal, json) {
            (true, _, _) => Mode::Quiet,
            (false, true, _) => Mode::Bars,
            (false, false, true) => Mode::Quiet,
            (false, false, false) => Mode::Lines,
        }
    }
}

/// How often a plain status line is printed.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// One folder as last reported.
#[derive(Default)]
struct Folder {
    done: u64,
    total: u64,
    done_bytes: u64,
    total_bytes: u64,
    bar: Option<ProgressBar>,
}

/// The figures of the pass so far.
struct State {
    planned: usize,
    finished: usize,
    folders: HashMap<String, Folder>,
    done: u64,
    total: u64,
    done_bytes: u64,
    total_bytes: u64,
    last_line: Instant,
}

impl State {
    fn new() -> State {
        State {
            planned: 0,
            finished: 0,
            folders: HashMap::new(),
            done: 0,
            total: 0,
            done_bytes: 0,
            total_bytes: 0,
            last_line: Instant::now(),
        }
    }

    /// `1,234/5,000 messages, 3/7 folders done`.
    fn summary(&self) -> String {
        let folders = if self.planned > 0 {
            format!(", {}/{} folders done", self.finished, self.planned)
        } else {
            String::new()
        };
        format!("{}/{} messages{folders}", thousands(self.done), thousands(self.total))
    }
}

/// The bars: folders in flight above, the total below.
struct Bars {
    multi: MultiProgress,
    total: ProgressBar,
    folder_style: ProgressStyle,
}

/// The progress display of one `mailferry migrate` run.
pub struct CliProgress {
    mode: Mode,
    bars: Option<Bars>,
    state: Mutex<State>,
}

impl CliProgress {
    /// A display in `mode`.
    pub fn new(mode: Mode) -> CliProgress {
        let bars = (mode == Mode::Bars).then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let total_style = ProgressStyle::with_template(
                "  {prefix:20!} [{wide_bar:.green/white}] {decimal_bytes}/{decimal_total_bytes}\n  \
                 {msg}, {decimal_bytes_per_sec}, {elapsed} so far, about {eta} left",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            let folder_style =
                ProgressStyle::with_template("  {prefix:20!} [{wide_bar:.cyan/blue}] {pos:>6}/{len:6} {msg:>19}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> ");
            let total = multi.add(ProgressBar::new(0).with_style(total_style).with_prefix("total"));
            total.set_message("connecting");
            total.enable_steady_tick(Duration::from_millis(200));
            Bars {
                multi,
                total,
                folder_style,
            }
        });
        CliProgress {
            mode,
            bars,
            state: Mutex::new(State::new()),
        }
    }

    /// How progress is shown.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Forgets what an earlier attempt reported (a retry after a dropped connection starts
    /// the pass again: what was copied is found on our side).
    pub fn start_attempt(&self) {
        let Ok(mut state) = self.state.lock() else { return };
        if let Some(bars) = &self.bars {
            for f in state.folders.values() {
                if let Some(bar) = &f.bar {
                    bar.finish_and_clear();
                    bars.multi.remove(bar);
                }
            }
            bars.total.set_length(0);
            bars.total.set_position(0);
            bars.total.reset_eta();
        }
        *state = State::new();
    }

    /// Prints a line of our own (a retry notice): above the bars, or on stderr.
    pub fn note(&self, line: &str) {
        match &self.bars {
            Some(bars) => {
                let _ = bars.multi.println(line);
            }
            None => eprintln!("{line}"),
        }
    }

    /// Takes the bars off the screen (before the report is printed).
    pub fn clear(&self) {
        if let Some(bars) = &self.bars {
            if let Ok(state) = self.state.lock() {
                for bar in state.folders.values().filter_map(|f| f.bar.as_ref()) {
                    bar.finish_and_clear();
                }
            }
            bars.total.finish_and_clear();
            let _ = bars.multi.clear();
        }
    }

    /// Where log lines go while bars are shown: through the bars, which step aside for each
    /// line; None without bars (plain stderr is right then).
    pub fn log_writer(&self) -> Option<LogWriter> {
        self.bars.as_ref().map(|b| LogWriter(b.multi.clone()))
    }

    fn refresh_total(&self, state: &State) {
        if let Some(bars) = &self.bars {
            bars.total.set_length(state.total_bytes);
            bars.total.set_position(state.done_bytes);
            bars.total.set_message(state.summary());
        }
    }

    fn print_line(&self, line: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

impl Progress for CliProgress {
    fn planned(&self, folders: usize) {
        let Ok(mut state) = self.state.lock() else { return };
        state.planned = folders;
        self.refresh_total(&state);
    }

    fn update(&self, folder: &str, done: u64, total: u64, done_bytes: u64, total_bytes: u64) {
        if self.mode == Mode::Quiet {
            return;
        }
        let Ok(mut state) = self.state.lock() else { return };
        let state = &mut *state;
        let first = !state.folders.contains_key(folder);
        let f = state.folders.entry(folder.to_string()).or_default();
        state.done = state.done - f.done + done;
        state.total = state.total - f.total + total;
        state.done_bytes = state.done_bytes - f.done_bytes + done_bytes;
        state.total_bytes = state.total_bytes - f.total_bytes + total_bytes;
        (f.done, f.total, f.done_bytes, f.total_bytes) = (done, total, done_bytes, total_bytes);
        if let Some(bars) = &self.bars {
            if first {
                let bar = bars.multi.insert_before(
                    &bars.total,
                    ProgressBar::new(total)
                        .with_style(bars.folder_style.clone())
                        .with_prefix(termsafe::field(folder).into_owned()),
                );
                f.bar = Some(bar);
            }
            if let Some(bar) = &f.bar {
                bar.set_length(total);
                bar.set_position(done);
                bar.set_message(format!("{}/{}", DecimalBytes(done_bytes), DecimalBytes(total_bytes)));
            }
            self.refresh_total(state);
            // What was there already arrives in one step when a folder opens: not a rate.
            if first && done_bytes > 0 {
                bars.total.reset_eta();
            }
        } else if state.last_line.elapsed() >= LINE_EVERY {
            state.last_line = Instant::now();
            let line = format!(
                "{}, {:.1}/{:.1} MB",
                state.summary(),
                state.done_bytes as f64 / 1e6,
                state.total_bytes as f64 / 1e6
            );
            self.print_line(&line);
        }
    }

    fn finished(&self, folder: &str) {
        let Ok(mut state) = self.state.lock() else { return };
        state.finished += 1;
        if self.mode == Mode::Quiet {
            return;
        }
        let Some(f) = state.folders.get_mut(folder) else {
            self.refresh_total(&state);
            return;
        };
        if let (Some(bars), Some(bar)) = (&self.bars, f.bar.take()) {
            bar.finish_and_clear();
            bars.multi.remove(&bar);
        }
        if self.mode == Mode::Lines {
            let line = format!(
                "{}: {}/{} messages, {:.1}/{:.1} MB",
                termsafe::field(folder),
                f.done,
                f.total,
                f.done_bytes as f64 / 1e6,
                f.total_bytes as f64 / 1e6
            );
            self.print_line(&line);
        }
        self.refresh_total(&state);
    }
}

/// A log writer that lifts the bars while a line is written (`tracing` writes each line with
/// one `write_all`).
#[derive(Clone)]
pub struct LogWriter(MultiProgress);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.suspend(|| std::io::stderr().write(buf))
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0.suspend(|| std::io::stderr().write_all(buf))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogWriter;
    fn make_writer(&'a self) -> LogWriter {
        self.clone()
    }
}

/// 12345 → `12,345`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_only_on_a_terminal_and_never_when_quiet() {
        assert_eq!(Mode::choose(false, false, true), Mode::Bars);
        assert_eq!(
            Mode::choose(false, true, true),
            Mode::Bars,
            "JSON goes to stdout, bars to stderr"
        );
        assert_eq!(Mode::choose(false, false, false), Mode::Lines);
        assert_eq!(
            Mode::choose(false, true, false),
            Mode::Quiet,
            "stdout carries only the JSON"
        );
        assert_eq!(Mode::choose(true, false, true), Mode::Quiet);
        assert_eq!(Mode::choose(true, false, false), Mode::Quiet);
    }

    #[test]
    fn totals_follow_every_folder_and_each_folder_counts_once() {
        let p = CliProgress::new(Mode::Quiet);
        // Quiet keeps no figures but still counts finished folders.
        p.planned(2);
        p.update("INBOX", 5, 10, 500, 1000);
        p.finished("INBOX");
        assert_eq!(p.state.lock().unwrap().done, 0);

        let p = CliProgress {
            mode: Mode::Lines,
            bars: None,
            state: Mutex::new(State::new()),
        };
        p.planned(3);
        p.update("INBOX", 0, 10, 0, 1000);
        p.update("Sent", 2, 4, 200, 400);
        p.update("INBOX", 6, 10, 600, 1000);
        p.update("Sent", 4, 4, 400, 400);
        p.finished("Sent");
        p.finished("Trash\x1b[2J"); // never updated: opened with an error
        let s = p.state.lock().unwrap();
        assert_eq!((s.done, s.total, s.done_bytes, s.total_bytes), (10, 14, 1000, 1400));
        assert_eq!(s.summary(), "10/14 messages, 2/3 folders done");
        drop(s);
        p.start_attempt();
        assert_eq!(p.state.lock().unwrap().summary(), "0/0 messages");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
