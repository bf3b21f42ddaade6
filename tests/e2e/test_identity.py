"""Who a request is, when clients must not be able to choose it:

- examples/keyed-by-api-key.toml: the user is a hash of the `Authorization: Bearer` key,
  `key-` and 24 hex digits. The key itself is never logged, X-User-ID counts for nothing,
  the upstream still gets the client's Authorization, and a request without a key is 401.
- examples/signed-identity.toml: X-User-ID must be `<user>.<hex HMAC-SHA256(secret, user)>`
  and the log says `<user>`; unsigned, forged or moved signatures are 401. The secret,
  IDENTITY_SECRET, reaches the Worker as `wrangler dev --var` (a plain-text binding, which
  is also what a secret is to the Worker); without it, no id is accepted.

Each class names its gateway (`gw = serving(...)`); the module's marker only orders the
module (conftest groups modules by it). Rows without a user are found by their path: each
request has its own.
"""

import hashlib
import hmac
import re
import uuid

import pytest
from support import chat, cli
from support.errors import assert_openai_error
from support.serving import serving

KEYED = "examples/keyed-by-api-key.toml"
SIGNED = "examples/signed-identity.toml"
SECRET = "e2e-identity-secret"

pytestmark = pytest.mark.gateway(config=KEYED)


def tag():
    return uuid.uuid4().hex[:12]


def send(gw, headers):
    """A chat completion on a path of its own (so its log row can be found without a user);
    returns (response, path)."""
    path = f"/v1/chat/completions/{tag()}"
    return gw.post(path, chat.body(), {"Content-Type": "application/json", **headers}), path


def row_of(gw, path):
    [row] = gw.access_log.wait_for_rows(path=path)
    return row


def user_of(gw, headers):
    """The user_id the gateway logs for a request that it admits."""
    response, path = send(gw, headers)
    assert response.status == 200, response.body[:500]
    return row_of(gw, path)["user_id"]


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


class TestKeyedByApiKey:
    gw = serving(KEYED)

    @pytest.fixture(scope="class")
    @classmethod
    def alice(cls, gw):
        """A key, and the user_id of two requests made with it."""
        key = f"sk-alice-{tag()}"
        return key, [user_of(gw, bearer(key)) for _ in range(2)]

    def test_a_key_is_one_user(self, alice):
        _, (first, second) = alice
        assert first == second
        assert re.fullmatch(r"key-[0-9a-f]{24}", first), first

    def test_the_key_is_not_in_the_log(self, alice):
        key, (user_id, _) = alice
        secret_part = key.removeprefix("sk-")
        assert secret_part not in user_id and secret_part.split("-")[1] not in user_id, user_id

    def test_another_key_is_another_user(self, gw, alice):
        _, (alice_id, _) = alice
        bob_id = user_of(gw, bearer(f"sk-bob-{tag()}"))
        assert re.fullmatch(r"key-[0-9a-f]{24}", bob_id), bob_id
        assert bob_id != alice_id

    def test_x_user_id_changes_nothing(self, gw, alice):
        key, (alice_id, _) = alice
        assert user_of(gw, {**bearer(key), "X-User-ID": "mallory"}) == alice_id
        bob_key = f"sk-bob-{tag()}"
        bob_id = user_of(gw, bearer(bob_key))
        assert user_of(gw, {**bearer(bob_key), "X-User-ID": alice_id}) == bob_id

    @pytest.mark.parametrize("headers", [
        {},
        {"X-User-ID": "alice"},
        {"Authorization": "Basic YWxpY2U6c2VjcmV0"},
        {"Authorization": "Bearer "},
    ], ids=["nothing", "x-user-id-only", "basic-auth", "empty-bearer"])
    def test_no_key_is_401_and_logged(self, gw, upstream, headers):
        response, path = send(gw, headers)
        assert_openai_error(response, 401, "missing_user_id", "authentication_error")
        row = row_of(gw, path)
        assert (row["status"], row["user_id"]) == (401, None), row
        assert upstream.received() == []

    def test_upstream_gets_the_clients_authorization(self, gw, upstream):
        key = f"sk-carol-{tag()}"
        response, _ = send(gw, bearer(key))
        assert response.status == 200, response.body[:500]
        [forwarded] = upstream.received()
        assert forwarded.header_values("Authorization") == [f"Bearer {key}"]


def sign(user, secret=SECRET):
    """What `gateway sign USER` prints, with IDENTITY_SECRET=secret."""
    return f"{user}.{hmac.new(secret.encode(), user.encode(), hashlib.sha256).hexdigest()}"


class TestSignedIdentity:
    gw = serving(SIGNED, {"IDENTITY_SECRET": SECRET})

    def test_signatures_here_are_the_ones_gateway_sign_makes(self):
        printed = cli.gateway_ok("sign", "alice", "bob", IDENTITY_SECRET=SECRET)
        assert printed.splitlines() == [sign("alice"), sign("bob")]

    def test_a_signed_id_is_its_user(self, gw):
        user = f"alice-{tag()}"
        assert user_of(gw, {"X-User-ID": sign(user)}) == user

    @pytest.mark.parametrize("forge", [
        lambda alice: alice,
        lambda alice: sign(alice, secret="guessed-secret"),
        lambda alice: "mallory." + sign(alice).rsplit(".", 1)[1],
        lambda alice: sign(alice)[:-2],
        lambda alice: alice + "." + "zz" * 32,
        lambda alice: alice + ".",
    ], ids=["unsigned", "other-secret", "moved-signature", "cut-signature", "not-hex",
            "empty-signature"])
    def test_a_bad_signature_is_401_and_logged(self, gw, upstream, forge):
        response, path = send(gw, {"X-User-ID": forge(f"alice-{tag()}")})
        assert_openai_error(response, 401, "invalid_user_signature", "authentication_error")
        row = row_of(gw, path)
        assert (row["status"], row["user_id"]) == (401, None), row
        assert upstream.received() == []

    def test_no_id_is_401_and_logged(self, gw, upstream):
        response, path = send(gw, {})
        assert_openai_error(response, 401, "missing_user_id", "authentication_error")
        assert row_of(gw, path)["status"] == 401
        assert upstream.received() == []


class TestSignedIdentityWithoutSecret:
    """Last in the module: it needs a gateway of its own (same build, no IDENTITY_SECRET)."""

    gw = serving(SIGNED, {})

    def test_no_id_is_accepted(self, gw, upstream):
        response, _ = send(gw, {"X-User-ID": sign(f"alice-{tag()}")})
        assert_openai_error(response, 500, "gateway_misconfigured")
        assert upstream.received() == []
