//! Rate-limit response headers, so clients can see where they stand before they hit 429.

use super::limit::{Budget, Verdict};
use crate::config::HeaderFamily;

/// The headers for the verdicts of a request's limiters (`(limiter name, verdict)`).
pub fn headers(
    families: &[HeaderFamily],
    verdicts: &[(&str, Verdict)],
) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if verdicts.is_empty() {
        return out;
    }
    if families.contains(&HeaderFamily::Ietf) {
        ietf(verdicts, &mut out);
    }
    if families.contains(&HeaderFamily::Openai) {
        openai(verdicts, &mut out);
    }
    out
}

/// Every budget with the policy name the IETF fields give it.
fn named<'a>(verdicts: &'a [(&str, Verdict)]) -> impl Iterator<Item = (String, &'a Budget)> {
    verdicts.iter().flat_map(|(name, v)| {
        std::iter::once((format!("\"{name}\""), &v.requests)).chain(
            v.tokens
                .iter()
                .map(move |t| (format!("\"{name}-tokens\""), t)),
        )
    })
}

fn ietf(verdicts: &[(&str, Verdict)], out: &mut Vec<(&'static str, String)>) {
    let policies: Vec<String> = named(verdicts)
        .map(|(n, b)| format!("{n};q={};w={}", b.limit, b.window_seconds))
        .collect();
    out.push(("RateLimit-Policy", policies.join(", ")));
    let known: Vec<String> = named(verdicts)
        .filter_map(|(n, b)| {
            b.remaining
                .map(|r| format!("{n};r={r};t={}", b.reset_seconds))
        })
        .collect();
    if !known.is_empty() {
        out.push(("RateLimit", known.join(", ")));
    }
}

/// OpenAI's headers name one budget each: the tightest of the route's limiters.
fn openai(verdicts: &[(&str, Verdict)], out: &mut Vec<(&'static str, String)>) {
    let requests = tightest(verdicts.iter().map(|(_, v)| &v.requests));
    let tokens = tightest(verdicts.iter().filter_map(|(_, v)| v.tokens.as_ref()));
    let families = [
        (
            requests,
            [
                "x-ratelimit-limit-requests",
                "x-ratelimit-remaining-requests",
                "x-ratelimit-reset-requests",
            ],
        ),
        (
            tokens,
            [
                "x-ratelimit-limit-tokens",
                "x-ratelimit-remaining-tokens",
                "x-ratelimit-reset-tokens",
            ],
        ),
    ];
    for (budget, [limit, remaining, reset]) in families {
        let Some(b) = budget else { continue };
        out.push((limit, b.limit.to_string()));
        if let Some(r) = b.remaining {
            out.push((remaining, r.to_string()));
        }
        out.push((reset, duration(b.reset_seconds)));
    }
}

fn tightest<'a>(budgets: impl Iterator<Item = &'a Budget>) -> Option<&'a Budget> {
    budgets.min_by_key(|b| (b.remaining.unwrap_or(b.limit), b.limit))
}

/// Seconds as OpenAI writes durations: `12s`, `1m30s`.
fn duration(seconds: u64) -> String {
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s}s"),
        (m, s) => format!("{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(limit: u64, remaining: u64, reset: u64) -> Budget {
        Budget {
            limit,
            remaining: Some(remaining),
            reset_seconds: reset,
            window_seconds: 60,
        }
    }

    #[test]
    fn both_families_describe_requests_and_tokens() {
        let v = Verdict {
            refused: None,
            requests: budget(50, 49, 12),
            tokens: Some(budget(20000, 19000, 12)),
        };
        let h = headers(
            &[HeaderFamily::Ietf, HeaderFamily::Openai],
            &[("per-user", v)],
        );
        let get = |n: &str| h.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str());
        assert_eq!(
            get("RateLimit-Policy"),
            Some(r#""per-user";q=50;w=60, "per-user-tokens";q=20000;w=60"#)
        );
        assert_eq!(
            get("RateLimit"),
            Some(r#""per-user";r=49;t=12, "per-user-tokens";r=19000;t=12"#)
        );
        assert_eq!(get("x-ratelimit-limit-requests"), Some("50"));
        assert_eq!(get("x-ratelimit-remaining-requests"), Some("49"));
        assert_eq!(get("x-ratelimit-reset-requests"), Some("12s"));
        assert_eq!(get("x-ratelimit-remaining-tokens"), Some("19000"));
    }

    #[test]
    fn families_can_be_chosen_and_unknown_remaining_is_left_out() {
        let v = Verdict {
            refused: None,
            requests: Budget {
                remaining: None,
                ..budget(50, 0, 90)
            },
            tokens: None,
        };
        let h = headers(&[HeaderFamily::Openai], &[("native", v)]);
        assert_eq!(
            h,
            vec![
                ("x-ratelimit-limit-requests", "50".into()),
                ("x-ratelimit-reset-requests", "1m30s".into())
            ]
        );
        assert!(headers(&[], &[]).is_empty());
    }
}
