//! The access log row: the facts gathered about a request, laid out as the log's columns.

use super::estimate;
use super::usage::Summary;
use crate::config::{ColumnSource, Fact, Log};

/// Everything the gateway learned about one request, filled in as its stages run.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The identity the auth-header stage settled on (NULL before or without it).
    pub user_id: Option<String>,
    /// The request method.
    pub method: String,
    /// The request path.
    pub path: String,
    /// The status sent to the client.
    pub status: u16,
    /// Milliseconds from arrival to the response's headers.
    pub latency_ms: u64,
    /// Tokens reported by the upstream (0 when it reported none).
    pub tokens: u64,
    /// Arrival time, as SQLite's `datetime()` writes it.
    pub created_at: String,
    /// The gateway's id for the request.
    pub request_id: String,
    /// The upstream that served it.
    pub upstream: Option<String>,
    /// The serving configuration's version.
    pub config_version: String,
    /// The request body's `model`.
    pub model: Option<String>,
    /// The gateway's error code, if it answered with an error.
    pub error: Option<&'static str>,
    /// How the limit stage decided: `within`, `exceeded`, `failed-open`, `failed-closed`.
    pub limit: Option<&'static str>,
    /// `usage` or `estimate`, once an answer has passed.
    pub tokens_source: Option<&'static str>,
    /// How the answer's body ended: `complete`, `cut`, `client-closed`.
    pub outcome: Option<&'static str>,
    /// Upstream attempts made.
    pub attempts: Option<u32>,
    /// Bytes of the answer that reached the client.
    pub response_bytes: Option<u64>,
    /// The request's headers, for `header:<Name>` columns.
    pub headers: Vec<(String, String)>,
}

/// How an upstream answer's body ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEnd {
    /// The upstream finished it.
    Complete,
    /// The upstream broke off mid-body.
    Cut,
    /// The client went away before the end.
    ClientClosed,
}

impl Facts {
    /// Records how an answer ended: its tokens (reported, or estimated from `request_chars`
    /// and the answer's text), its size, and, for a cut body, the `stream_cut` error.
    pub fn settle(&mut self, summary: &Summary, end: BodyEnd, request_chars: u64) {
        match summary.total_tokens {
            Some(tokens) => (self.tokens, self.tokens_source) = (tokens, Some("usage")),
            None => {
                self.tokens = estimate::tokens(request_chars + summary.content_chars);
                self.tokens_source = Some("estimate");
            }
        }
        self.response_bytes = Some(summary.bytes);
        self.outcome = Some(match end {
            BodyEnd::Complete => "complete",
            BodyEnd::Cut => "cut",
            BodyEnd::ClientClosed => "client-closed",
        });
        if end == BodyEnd::Cut {
            self.error = Some("stream_cut");
        }
    }
}

/// A value bound into the insert.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    /// NULL.
    Null,
    /// An integer.
    Integer(i64),
    /// Text.
    Text(String),
}

/// A parameterized insert of one row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `INSERT INTO table (a, b) VALUES (?1, ?2)`.
    pub sql: String,
    /// The values, in column order.
    pub values: Vec<SqlValue>,
}

/// The insert of `facts` into `log`. Values are bound, never spliced into the SQL.
pub fn row(log: &Log, facts: &Facts) -> Row {
    let names: Vec<&str> = log.columns.iter().map(|c| c.name.as_str()).collect();
    let slots: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    Row {
        sql: format!(
            "INSERT INTO {} ({}) VALUES ({})",
            log.table,
            names.join(", "),
            slots.join(", ")
        ),
        values: log
            .columns
            .iter()
            .map(|c| value(&c.source, facts))
            .collect(),
    }
}

fn value(source: &ColumnSource, facts: &Facts) -> SqlValue {
    let text = |v: &Option<String>| v.clone().map_or(SqlValue::Null, SqlValue::Text);
    let int = |v: u64| SqlValue::Integer(i64::try_from(v).unwrap_or(i64::MAX));
    match source {
        ColumnSource::Header(name) => text(
            &facts
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone()),
        ),
        ColumnSource::Fact(fact) => match fact {
            Fact::UserId => text(&facts.user_id),
            Fact::Method => SqlValue::Text(facts.method.clone()),
            Fact::Path => SqlValue::Text(facts.path.clone()),
            Fact::Status => int(u64::from(facts.status)),
            Fact::LatencyMs => int(facts.latency_ms),
            Fact::TokensEst => int(facts.tokens),
            Fact::CreatedAt => SqlValue::Text(facts.created_at.clone()),
            Fact::RequestId => SqlValue::Text(facts.request_id.clone()),
            Fact::Upstream => text(&facts.upstream),
            Fact::ConfigVersion => SqlValue::Text(facts.config_version.clone()),
            Fact::Model => text(&facts.model),
            Fact::Error => text(&facts.error.map(String::from)),
            Fact::Limit => text(&facts.limit.map(String::from)),
            Fact::TokensSource => text(&facts.tokens_source.map(String::from)),
            Fact::Outcome => text(&facts.outcome.map(String::from)),
            Fact::Attempts => facts.attempts.map_or(SqlValue::Null, |a| int(u64::from(a))),
            Fact::ResponseBytes => facts.response_bytes.map_or(SqlValue::Null, int),
        },
    }
}

/// The `model` field of a JSON request body, if there is one.
pub fn model_of(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct WithModel {
        model: Option<String>,
    }
    serde_json::from_slice::<WithModel>(body).ok()?.model
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Column;

    #[test]
    fn lays_facts_out_as_the_columns_say() {
        let column = |name: &str, source: &str| Column {
            name: name.into(),
            source: source.parse().unwrap(),
            sql_type: None,
        };
        let log = Log {
            binding: "DB".into(),
            table: "requests".into(),
            columns: vec![
                column("user_id", "user_id"),
                column("status", "status"),
                column("ua", "header:User-Agent"),
                column("err", "error"),
            ],
        };
        let facts = Facts {
            user_id: Some("alice".into()),
            status: 429,
            error: Some("rate_limit_exceeded"),
            headers: vec![("user-agent".into(), "curl/8".into())],
            ..Facts::default()
        };
        let r = row(&log, &facts);
        assert_eq!(
            r.sql,
            "INSERT INTO requests (user_id, status, ua, err) VALUES (?1, ?2, ?3, ?4)"
        );
        assert_eq!(
            r.values,
            vec![
                SqlValue::Text("alice".into()),
                SqlValue::Integer(429),
                SqlValue::Text("curl/8".into()),
                SqlValue::Text("rate_limit_exceeded".into())
            ]
        );
    }

    #[test]
    fn settles_reported_or_estimated_tokens_and_marks_cut_bodies() {
        let mut facts = Facts::default();
        let reported = Summary {
            bytes: 100,
            total_tokens: Some(12),
            content_chars: 40,
            saw_done: true,
        };
        facts.settle(&reported, BodyEnd::Complete, 20);
        assert_eq!(
            (
                facts.tokens,
                facts.tokens_source,
                facts.outcome,
                facts.error
            ),
            (12, Some("usage"), Some("complete"), None)
        );
        let unreported = Summary {
            total_tokens: None,
            ..reported
        };
        facts.settle(&unreported, BodyEnd::Cut, 21);
        assert_eq!(
            (facts.tokens, facts.tokens_source),
            (16, Some("estimate")),
            "(21 + 40) / 4, rounded up"
        );
        assert_eq!(
            (facts.outcome, facts.error, facts.response_bytes),
            (Some("cut"), Some("stream_cut"), Some(100))
        );
    }

    #[test]
    fn reads_the_model_of_a_json_body() {
        assert_eq!(
            model_of(br#"{"model":"gpt-4o","messages":[]}"#).as_deref(),
            Some("gpt-4o")
        );
        assert_eq!(model_of(b"not json"), None);
    }
}
