//! The `auth-header` stage: who is asking, by a header, a hashed bearer key, or a signed id.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use crate::config::{Identity, IdentitySource, OnMissing};

/// The longest identity accepted; it becomes part of a counter key and a log row.
pub const MAX_IDENTITY_LEN: usize = 128;

/// Hex digits of the key hash kept as the identity: 96 bits, far past collisions among the
/// keys one gateway sees, short enough to read in a log.
const KEY_HASH_HEX: usize = 24;

/// The identity of a request. `header` reads a request header by name; `secret` is the
/// `signed-header` HMAC key, when the Worker has it.
pub fn identify(
    identity: &Identity,
    header: impl Fn(&str) -> Option<String>,
    secret: Option<&[u8]>,
) -> Result<String, ApiError> {
    let raw = match identity.source {
        IdentitySource::BearerHash => {
            header("Authorization").and_then(|v| bearer(&v).map(String::from))
        }
        IdentitySource::Header | IdentitySource::SignedHeader => header(&identity.header),
    };
    let Some(value) = raw.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) else {
        return missing(identity);
    };
    match identity.source {
        IdentitySource::BearerHash => Ok(key_identity(&value)),
        IdentitySource::Header => checked(identity, value),
        IdentitySource::SignedHeader => {
            let Some(secret) = secret else {
                return Err(ApiError::misconfigured(format!(
                    "Signed identities need the secret `{}`; set it with `npx wrangler secret put {}`.",
                    identity.secret_var, identity.secret_var
                )));
            };
            let user = verify(&value, secret).ok_or_else(|| {
                ApiError::unauthenticated(
                    "invalid_user_signature",
                    format!("The `{}` header must be `<user>.<signature>` as issued by the gateway's operator.", identity.header),
                )
            })?;
            checked(identity, user.to_string())
        }
    }
}

fn missing(identity: &Identity) -> Result<String, ApiError> {
    match identity.on_missing {
        OnMissing::Fallback => Ok(identity.fallback.clone()),
        OnMissing::Refuse => {
            let what = match identity.source {
                IdentitySource::BearerHash => "an `Authorization: Bearer <key>` header".to_string(),
                _ => format!("the `{}` header naming the user", identity.header),
            };
            Err(ApiError::unauthenticated(
                "missing_user_id",
                format!("This gateway requires {what}."),
            ))
        }
    }
}

fn checked(identity: &Identity, value: String) -> Result<String, ApiError> {
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
    Ok(value)
}

/// The token of `Bearer <token>`.
fn bearer(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// `key-` and the start of the key's SHA-256: stable per key, and the key cannot be read back.
fn key_identity(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let mut hex = hex(&digest);
    hex.truncate(KEY_HASH_HEX);
    format!("key-{hex}")
}

/// The signed form of `user`: `<user>.<hex HMAC-SHA256(secret, user)>`.
pub fn sign(user: &str, secret: &[u8]) -> Option<String> {
    Some(format!(
        "{user}.{}",
        hex(&mac(secret, user)?.finalize().into_bytes())
    ))
}

/// The user of a signed value, if its signature is right (compared in constant time).
fn verify<'v>(value: &'v str, secret: &[u8]) -> Option<&'v str> {
    let (user, signature) = value.rsplit_once('.')?;
    let signature = unhex(signature)?;
    mac(secret, user)?.verify_slice(&signature).ok()?;
    Some(user)
}

/// HMAC takes keys of any length; `None` is only the type's way of saying so.
fn mac(secret: &[u8], user: &str) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).ok()?;
    mac.update(user.as_bytes());
    Some(mac)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        move |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn missing_header_falls_back_or_is_refused() {
        let mut identity = Identity::default();
        assert_eq!(
            identify(&identity, headers(&[]), None).unwrap(),
            "anonymous"
        );
        assert_eq!(
            identify(&identity, headers(&[("X-User-ID", "  ")]), None).unwrap(),
            "anonymous"
        );
        identity.on_missing = OnMissing::Refuse;
        assert_eq!(
            identify(&identity, headers(&[]), None).unwrap_err().status,
            401
        );
    }

    #[test]
    fn odd_identities_are_refused() {
        let identity = Identity::default();
        let id = |v: &str| identify(&identity, headers(&[("X-User-ID", v)]), None);
        assert_eq!(id("alice").unwrap(), "alice");
        assert_eq!(id("a b").unwrap_err().code, "invalid_user_id");
        assert_eq!(id("é").unwrap_err().code, "invalid_user_id");
        assert_eq!(
            id(&"x".repeat(MAX_IDENTITY_LEN + 1)).unwrap_err().status,
            400
        );
    }

    #[test]
    fn bearer_keys_become_stable_hashes_that_do_not_contain_the_key() {
        let identity = Identity {
            source: IdentitySource::BearerHash,
            ..Identity::default()
        };
        let id = |auth: &str| {
            identify(
                &identity,
                headers(&[("Authorization", auth), ("X-User-ID", "spoofed")]),
                None,
            )
            .unwrap()
        };
        let a = id("Bearer sk-alice-secret");
        assert_eq!(a, id("bearer  sk-alice-secret "));
        assert_ne!(a, id("Bearer sk-bob-secret"));
        assert!(
            a.starts_with("key-") && a.len() == 4 + KEY_HASH_HEX && !a.contains("alice"),
            "{a}"
        );
        assert_eq!(
            identify(&identity, headers(&[]), None).unwrap(),
            "anonymous"
        );
    }

    #[test]
    fn signed_ids_verify_and_forgeries_do_not() {
        let identity = Identity {
            source: IdentitySource::SignedHeader,
            ..Identity::default()
        };
        let secret = b"event-secret";
        let id = |v: &str| identify(&identity, headers(&[("X-User-ID", v)]), Some(secret));
        let signed = sign("alice", secret).unwrap();
        assert_eq!(id(&signed).unwrap(), "alice");
        assert_eq!(id("alice").unwrap_err().code, "invalid_user_signature");
        let forged = sign("alice", b"guessed-secret").unwrap();
        assert_eq!(id(&forged).unwrap_err().status, 401);
        let moved = signed.replace("alice", "mallory");
        assert_eq!(id(&moved).unwrap_err().code, "invalid_user_signature");
        let no_secret = identify(&identity, headers(&[("X-User-ID", &signed)]), None).unwrap_err();
        assert_eq!(
            (no_secret.status, no_secret.code),
            (500, "gateway_misconfigured")
        );
    }
}
