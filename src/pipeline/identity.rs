//! The `auth-header` stage: who is asking.

use super::error::ApiError;
use crate::config::{Identity, OnMissing};

/// The longest identity accepted; it becomes part of a KV key and a log row.
pub const MAX_IDENTITY_LEN: usize = 128;

/// The identity for a request whose identity header is `value`.
pub fn identify(identity: &Identity, value: Option<&str>) -> Result<String, ApiError> {
    let value = value.map(str::trim).filter(|v| !v.is_empty());
    let Some(value) = value else {
        return match identity.on_missing {
            OnMissing::Fallback => Ok(identity.fallback.clone()),
            OnMissing::Refuse => Err(ApiError::unauthenticated(
                "missing_user_id",
                format!(
                    "This gateway requires the `{}` header naming the user.",
                    identity.header
                ),
            )),
        };
    };
    let printable = value.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if !printable || value.len() > MAX_IDENTITY_LEN {
        return Err(ApiError::bad_request(
            "invalid_user_id",
            format!(
                "The `{}` header must be 1 to {MAX_IDENTITY_LEN} visible ASCII characters without spaces.",
                identity.header
            ),
        ));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_header_falls_back_or_is_refused() {
        let mut identity = Identity::default();
        assert_eq!(identify(&identity, None).unwrap(), "anonymous");
        assert_eq!(identify(&identity, Some("  ")).unwrap(), "anonymous");
        identity.on_missing = OnMissing::Refuse;
        assert_eq!(identify(&identity, None).unwrap_err().status, 401);
    }

    #[test]
    fn odd_identities_are_refused() {
        let identity = Identity::default();
        assert_eq!(identify(&identity, Some("alice")).unwrap(), "alice");
        assert_eq!(
            identify(&identity, Some("a b")).unwrap_err().code,
            "invalid_user_id"
        );
        assert_eq!(
            identify(&identity, Some("é")).unwrap_err().code,
            "invalid_user_id"
        );
        let long = "x".repeat(MAX_IDENTITY_LEN + 1);
        assert_eq!(identify(&identity, Some(&long)).unwrap_err().status, 400);
    }
}
