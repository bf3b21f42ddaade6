//! Column sources: the fixed vocabulary of facts a log column can record.
//!
//! Written in TOML as one string (`"status"`, `"header:User-Agent"`), parsed here so that a
//! wrong one is a located error with a suggestion, and credentials can never become a column.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::model::SqlType;
use super::suggest::did_you_mean;

/// Request headers that carry credentials; logging them would store every user's key.
const SECRET_HEADERS: [&str; 3] = ["authorization", "proxy-authorization", "cookie"];

/// A fact about a request that a log column records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnSource {
    /// One of the gateway's own facts.
    Fact(Fact),
    /// A request header's value, by name (case-insensitive); NULL when absent.
    Header(String),
}

/// The gateway's own facts about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// The identity the `auth-header` stage settled on.
    UserId,
    /// The request method.
    Method,
    /// The request path (without the query).
    Path,
    /// The status sent to the client.
    Status,
    /// Milliseconds from the request's arrival to the response's headers.
    LatencyMs,
    /// `usage.total_tokens` of the upstream's answer, 0 when it has none.
    TokensEst,
    /// When the request arrived, UTC, as SQLite's `datetime()` writes it.
    CreatedAt,
    /// The gateway's id for the request, also sent back as `X-Request-ID`.
    RequestId,
    /// The name of the upstream that served the request, NULL when none did.
    Upstream,
    /// `gateway.version` of the configuration that served the request.
    ConfigVersion,
    /// The `model` field of the request's JSON body, NULL when absent.
    Model,
    /// The gateway's error code (`rate_limit_exceeded`, `upstream_timeout`, ...), NULL on success.
    Error,
    /// How the limit stage decided: `within`, `exceeded`, `failed-open` (store down, request
    /// let through uncounted) or `failed-closed` (store down, refused); NULL without a limit.
    Limit,
    /// Where `tokens_est` came from: `usage` (the upstream reported it) or `estimate` (it
    /// did not; see the estimate rule); NULL when no answer came from upstream.
    TokensSource,
    /// How the answer's body ended: `complete`, `cut` (the upstream broke off mid-body) or
    /// `client-closed` (the client went away first); NULL when no answer came from upstream.
    Outcome,
    /// Upstream attempts made (failover counts each); NULL when none was.
    Attempts,
    /// Bytes of the upstream's body that reached the client.
    ResponseBytes,
}

impl Fact {
    /// Every fact, in the order the docs list them.
    pub const ALL: [Fact; 17] = [
        Fact::UserId,
        Fact::Method,
        Fact::Path,
        Fact::Status,
        Fact::LatencyMs,
        Fact::TokensEst,
        Fact::CreatedAt,
        Fact::RequestId,
        Fact::Upstream,
        Fact::ConfigVersion,
        Fact::Model,
        Fact::Error,
        Fact::Limit,
        Fact::TokensSource,
        Fact::Outcome,
        Fact::Attempts,
        Fact::ResponseBytes,
    ];

    /// The name written in `source = "..."`.
    pub fn name(self) -> &'static str {
        match self {
            Fact::UserId => "user_id",
            Fact::Method => "method",
            Fact::Path => "path",
            Fact::Status => "status",
            Fact::LatencyMs => "latency_ms",
            Fact::TokensEst => "tokens_est",
            Fact::CreatedAt => "created_at",
            Fact::RequestId => "request_id",
            Fact::Upstream => "upstream",
            Fact::ConfigVersion => "config_version",
            Fact::Model => "model",
            Fact::Error => "error",
            Fact::Limit => "limit_state",
            Fact::TokensSource => "tokens_source",
            Fact::Outcome => "outcome",
            Fact::Attempts => "attempts",
            Fact::ResponseBytes => "response_bytes",
        }
    }

    fn sql_type(self) -> SqlType {
        match self {
            Fact::Status
            | Fact::LatencyMs
            | Fact::TokensEst
            | Fact::Attempts
            | Fact::ResponseBytes => SqlType::Integer,
            _ => SqlType::Text,
        }
    }
}

impl ColumnSource {
    /// The SQL type a column of this source gets when the config names none.
    pub fn natural_type(&self) -> SqlType {
        match self {
            ColumnSource::Fact(fact) => fact.sql_type(),
            ColumnSource::Header(_) => SqlType::Text,
        }
    }
}

impl FromStr for ColumnSource {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if let Some(name) = text.strip_prefix("header:") {
            if !is_header_name(name) {
                return Err(format!(
                    "`{text}` does not name a valid header; write `header:<Name>`, e.g. `header:User-Agent`"
                ));
            }
            if SECRET_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                return Err(format!(
                    "`{name}` carries credentials and can never be logged; remove this column"
                ));
            }
            return Ok(ColumnSource::Header(name.to_string()));
        }
        if let Some(fact) = Fact::ALL.into_iter().find(|f| f.name() == text) {
            return Ok(ColumnSource::Fact(fact));
        }
        let names: Vec<&str> = Fact::ALL.iter().map(|f| f.name()).collect();
        let hint = match did_you_mean(text, &names) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!("expected one of {}, or `header:<Name>`", names.join(", ")),
        };
        Err(format!("unknown column source `{text}`; {hint}"))
    }
}

/// Whether `name` is an RFC 9110 token, the form a header name must have.
pub fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

impl fmt::Display for ColumnSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnSource::Fact(fact) => f.write_str(fact.name()),
            ColumnSource::Header(name) => write!(f, "header:{name}"),
        }
    }
}

impl Serialize for ColumnSource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ColumnSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for ColumnSource {
    fn schema_name() -> Cow<'static, str> {
        "ColumnSource".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let facts: Vec<&str> = Fact::ALL.iter().map(|f| f.name()).collect();
        json_schema!({
            "description": "A gateway fact, or `header:<Name>` for a request header (never Authorization, Proxy-Authorization or Cookie).",
            "anyOf": [
                { "type": "string", "enum": facts },
                {
                    "type": "string",
                    "pattern": "^header:[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
                    "not": { "pattern": "^header:([Pp][Rr][Oo][Xx][Yy]-)?[Aa][Uu][Tt][Hh][Oo][Rr][Ii][Zz][Aa][Tt][Ii][Oo][Nn]$|^header:[Cc][Oo][Oo][Kk][Ii][Ee]$" }
                }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_and_headers_parse_and_print_back() {
        for fact in Fact::ALL {
            let parsed: ColumnSource = fact.name().parse().unwrap();
            assert_eq!(parsed, ColumnSource::Fact(fact));
            assert_eq!(parsed.to_string(), fact.name());
        }
        let ua: ColumnSource = "header:User-Agent".parse().unwrap();
        assert_eq!(ua, ColumnSource::Header("User-Agent".into()));
        assert_eq!(ua.to_string(), "header:User-Agent");
    }

    #[test]
    fn credentials_can_never_be_a_column() {
        for name in [
            "header:Authorization",
            "header:cookie",
            "header:Proxy-Authorization",
        ] {
            let err = name.parse::<ColumnSource>().unwrap_err();
            assert!(err.contains("can never be logged"), "{err}");
        }
    }

    #[test]
    fn a_misspelled_source_gets_a_suggestion() {
        let err = "usr_id".parse::<ColumnSource>().unwrap_err();
        assert!(err.contains("did you mean `user_id`?"), "{err}");
    }
}
