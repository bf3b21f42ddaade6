"""Fixtures of the end-to-end suite: the stand-in upstream and the gateway under test.

A test takes `gw`: the compiled Worker in local workerd (`wrangler dev`), with real local
KV and D1, in front of the stand-in. A module picks which gateway with

    pytestmark = pytest.mark.gateway(config="examples/high-concurrency.toml",
                                     vars={"OPENCLAW_URL": "http://127.0.0.1:9"})

`config` is the TOML embedded at build time (GATEWAY_CONFIG, relative to the repo root;
default gateway.toml) and `vars` are `wrangler dev --var` overrides (OPENCLAW_URL defaults
to the stand-in). `gateway(config, vars)` is the factory behind `gw`; a gateway it returned
stays up until another one is asked for.

Only one gateway runs at a time (they share build/), so modules are reordered to run those
that need the same gateway together, and those with the same config next to each other:
a change of config is a rebuild.
"""

import pytest
from support.gateway import DEFAULT_CONFIG, GatewayPool
from support.upstream import StandIn


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "gateway(config='gateway.toml', vars=None): the gateway a module runs against")


def _wanted_gateway(node):
    """(config, vars) from the `gateway` marker of the node's module."""
    marker = node.getparent(pytest.Module).get_closest_marker("gateway")
    kwargs = marker.kwargs if marker else {}
    return kwargs.get("config", DEFAULT_CONFIG), dict(kwargs.get("vars") or {})


def pytest_collection_modifyitems(items):
    def key(item):
        config, variables = _wanted_gateway(item)
        return config, tuple(sorted(variables.items()))

    config_rank, gateway_rank = {}, {}
    for item in items:
        config_rank.setdefault(key(item)[0], len(config_rank))
        gateway_rank.setdefault(key(item), len(gateway_rank))
    items.sort(key=lambda item: (config_rank[key(item)[0]], gateway_rank[key(item)]))


@pytest.fixture(scope="session")
def upstream(tmp_path_factory):
    """The stand-in upstream (tests/upstream/stand_in.py) on a free port."""
    stand_in = StandIn(tmp_path_factory.mktemp("stand-in") / "stand-in.log")
    yield stand_in
    stand_in.stop()


@pytest.fixture(autouse=True)
def _upstream_forgets(upstream):
    """Each test sees only the upstream requests that it caused."""
    upstream.clear()


@pytest.fixture(scope="session")
def gateway(upstream, tmp_path_factory):
    """gateway(config="gateway.toml", vars=None) -> a running Gateway."""
    pool = GatewayPool(lambda: tmp_path_factory.mktemp("gateway"),
                       {"OPENCLAW_URL": upstream.url})
    yield pool.get
    pool.close()


@pytest.fixture(scope="module")
def gw(request, gateway):
    """The gateway that this module's `gateway` marker asks for."""
    return gateway(*_wanted_gateway(request.node))
