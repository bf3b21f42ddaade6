//! Diagnostics: located, actionable problems with a configuration, rendered rustc-style.

use std::fmt::{self, Write as _};
use std::ops::Range;

use crate::config::ConfigPath;

/// How bad a problem is: errors make a configuration invalid, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The configuration cannot be used.
    Error,
    /// The configuration works, but probably not as meant.
    Warning,
}

/// One problem, with where it is and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A short stable name for the kind of problem, e.g. `unknown-key`.
    pub code: &'static str,
    /// Where in the configuration, e.g. `routes[0].stages[2]`; the root for the whole file.
    pub path: ConfigPath,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The byte range in the file it points at, when known.
    pub span: Option<Range<usize>>,
}

impl Diagnostic {
    /// An error at `path`.
    pub fn error(code: &'static str, path: ConfigPath, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            path,
            message: message.into(),
            help: None,
            span: None,
        }
    }

    /// A warning at `path`.
    pub fn warning(code: &'static str, path: ConfigPath, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, path, message)
        }
    }

    /// The same diagnostic with a fix suggested.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// A file's diagnostics together with the text they point into.
#[derive(Debug, Clone)]
pub struct Report {
    /// The file's name as the user gave it.
    pub file: String,
    /// The file's text.
    pub text: String,
    /// The problems found, errors first, each group in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// A report on `file` with no problems yet.
    pub fn new(file: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            text: text.into(),
            diagnostics: Vec::new(),
        }
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    /// How many diagnostics have this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Sorts errors before warnings, then by position, so the output reads top to bottom.
    pub fn sort(&mut self) {
        self.diagnostics.sort_by_key(|d| {
            (
                d.severity == Severity::Warning,
                d.span.as_ref().map_or(usize::MAX, |s| s.start),
            )
        });
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = self.text[line_start..offset].chars().count() + 1;
        (line, col)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.diagnostics {
            render(self, d, f)?;
            writeln!(f)?;
        }
        Ok(())
    }
}

fn render(report: &Report, d: &Diagnostic, out: &mut fmt::Formatter<'_>) -> fmt::Result {
    let label = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    writeln!(out, "{label}[{}]: {}", d.code, d.message)?;
    let Some(span) = &d.span else {
        writeln!(out, "  --> {}", report.file)?;
        return render_notes(d, out, "  ");
    };
    let (line, col) = report.line_col(span.start);
    let gutter = " ".repeat(line.to_string().len());
    writeln!(out, "{gutter}--> {}:{line}:{col}", report.file)?;
    let line_start = report.text[..span.start.min(report.text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line_text = report.text[line_start..].lines().next().unwrap_or_default();
    // Underline the span's part on its first line; a span over several lines gets its start.
    let width = report.text[span.start.min(report.text.len())..span.end.min(report.text.len())]
        .lines()
        .next()
        .map_or(1, |l| l.chars().count().max(1));
    let mut marker = " ".repeat(col - 1);
    let _ = write!(marker, "{}", "^".repeat(width));
    writeln!(out, "{gutter} |")?;
    writeln!(out, "{line} | {line_text}")?;
    writeln!(out, "{gutter} | {marker}")?;
    render_notes(d, out, &format!("{gutter} "))
}

fn render_notes(d: &Diagnostic, out: &mut fmt::Formatter<'_>, indent: &str) -> fmt::Result {
    if d.path != ConfigPath::root() {
        writeln!(out, "{indent}= in: {}", d.path)?;
    }
    if let Some(help) = &d.help {
        writeln!(out, "{indent}= help: {help}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_file_line_column_and_underline() {
        let mut report = Report::new("g.toml", "[a]\nkey = 1\n");
        let mut d = Diagnostic::error(
            "unknown-key",
            ConfigPath::root().key("a"),
            "unknown key `key`",
        )
        .with_help("remove it");
        d.span = Some(4..7);
        report.diagnostics.push(d);
        let text = report.to_string();
        assert!(text.contains("--> g.toml:2:1"), "{text}");
        assert!(text.contains("2 | key = 1\n  | ^^^\n"), "{text}");
        assert!(text.contains("= help: remove it"), "{text}");
    }
}
