//! Loading a configuration: parse, deserialize, validate, and locate every problem.

use super::locate::{ConfigPath, Located};
use super::model::{Config, Stage};
use super::suggest::did_you_mean;
use super::validate::validate;
use crate::diagnostics::{Diagnostic, Report};

/// A configuration that loaded, with the warnings it raised.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The configuration.
    pub config: Config,
    /// Its diagnostics: warnings only.
    pub report: Report,
}

/// Loads the configuration in `text` (read from `file`). Any error makes the whole load fail
/// with a report of every problem found; warnings travel with a successful load.
pub fn load(file: &str, text: &str) -> Result<Loaded, Report> {
    let mut report = Report::new(file, text);
    let located = match Located::parse(text) {
        Ok(located) => located,
        Err(err) => {
            report.diagnostics.push(toml_error("syntax", &err, None));
            return Err(report);
        }
    };
    let config: Config = match toml::from_str(text) {
        Ok(config) => config,
        Err(err) => {
            let diagnostic = toml_error("schema", &err, Some(&located));
            let diagnostic = stage_error(text, &located, &diagnostic.path).unwrap_or(diagnostic);
            report.diagnostics.push(diagnostic);
            return Err(report);
        }
    };
    for mut diagnostic in validate(&config) {
        diagnostic.span = located.span(&diagnostic.path);
        report.diagnostics.push(diagnostic);
    }
    report.sort();
    if report.has_errors() {
        Err(report)
    } else {
        Ok(Loaded { config, report })
    }
}

/// serde reports a bad stage at its whole `stages` list; this finds the stage itself by
/// reading each one alone, and reports its error there.
fn stage_error(text: &str, located: &Located, at: &ConfigPath) -> Option<Diagnostic> {
    #[derive(serde::Deserialize)]
    struct One {
        #[serde(rename = "stage")]
        _stage: Stage,
    }
    let segments = at.to_string();
    if !segments.starts_with("routes[") || !segments.ends_with(".stages") {
        return None;
    }
    let prefix = "stage = ";
    located
        .items(at)?
        .into_iter()
        .enumerate()
        .find_map(|(i, span)| {
            let item = text.get(span.clone())?;
            let err = toml::from_str::<One>(&format!("{prefix}{item}")).err()?;
            let mut diagnostic = toml_error("schema", &err, None);
            diagnostic.path = at.index(i);
            diagnostic.span = err.span().map(|s| {
                let start = (s.start + span.start)
                    .saturating_sub(prefix.len())
                    .max(span.start);
                start
                    ..(s.end + span.start)
                        .saturating_sub(prefix.len())
                        .clamp(start, span.end)
            });
            if diagnostic.code == "missing-key" {
                diagnostic.help = diagnostic
                    .help
                    .map(|h| h.replace("this table", "this stage"));
            }
            Some(diagnostic)
        })
}

/// Turns toml's error into a diagnostic, naming the nearest valid key or variant for a typo.
fn toml_error(kind: &'static str, err: &toml::de::Error, located: Option<&Located>) -> Diagnostic {
    let raw = err.message().trim();
    let message = plain_words(raw);
    let path = match (located, err.span()) {
        (Some(doc), Some(span)) => doc.path_at(span.start),
        _ => ConfigPath::root(),
    };
    let (code, help) = explain(raw);
    let code = if kind == "syntax" { "syntax" } else { code };
    let mut diagnostic = Diagnostic::error(code, path, message);
    diagnostic.span = err.span();
    diagnostic.help = help;
    diagnostic
}

/// serde's wording in the operator's terms: keys and values, not fields, variants and `u32`.
/// The list of valid names moves to the help line, so it is not said twice.
fn plain_words(message: &str) -> String {
    let message = match message.split_once(", expected") {
        Some((head, _)) if message.starts_with("unknown ") => head.to_string(),
        _ => message.to_string(),
    };
    message
        .replacen("unknown field", "unknown key", 1)
        .replacen("unknown variant", "unknown value", 1)
        .replacen("missing field", "missing key", 1)
        .replace(
            "expected u32",
            "expected a whole number (0 or more, without quotes)",
        )
        .replace(
            "expected u64",
            "expected a whole number (0 or more, without quotes)",
        )
}

/// A code and a suggestion for serde's messages about unknown or missing names.
fn explain(message: &str) -> (&'static str, Option<String>) {
    let quoted = backticked(message);
    if let Some(kind) = ["unknown field", "unknown variant"]
        .into_iter()
        .find(|k| message.starts_with(k))
    {
        let Some((word, expected)) = quoted.split_first() else {
            return ("unknown-key", None);
        };
        let what = if kind == "unknown field" {
            "key"
        } else {
            "value"
        };
        let help = match did_you_mean(word, expected) {
            Some(best) => format!("did you mean `{best}`?"),
            None if expected.is_empty() => format!("remove `{word}`: this table takes no keys"),
            None => format!("valid {what}s here: {}", expected.join(", ")),
        };
        let code = if what == "key" {
            "unknown-key"
        } else {
            "unknown-value"
        };
        return (code, Some(help));
    }
    if message.starts_with("missing field") {
        let help = quoted
            .first()
            .map(|f| format!("add `{f} = ...` to this table"));
        return ("missing-key", help);
    }
    if message.starts_with("invalid type") || message.starts_with("invalid value") {
        let help = "write numbers without quotes (`requests = 50`), text in quotes, lists in `[ ]`";
        return ("wrong-type", Some(help.to_string()));
    }
    ("invalid-value", None)
}

/// The words between backticks in a message, in order.
fn backticked(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_in_a_key_names_the_nearest_key() {
        let (code, help) =
            explain("unknown field `reqests`, expected one of `requests`, `window_seconds`");
        assert_eq!(code, "unknown-key");
        assert_eq!(help.as_deref(), Some("did you mean `requests`?"));
    }

    #[test]
    fn a_stranger_lists_the_valid_keys() {
        let (_, help) = explain("unknown field `colour`, expected one of `requests`, `binding`");
        assert_eq!(help.as_deref(), Some("valid keys here: requests, binding"));
    }
}
