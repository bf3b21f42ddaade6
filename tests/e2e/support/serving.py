"""A test class whose gateway is not its module's (a module that needs several):

    class TestNative:
        gw = serving("examples/native-limit.toml")

gives the class's tests that gateway as `gw`, started once for the class. conftest still
orders modules by their own `gateway` marker, so put the classes of one gateway together.
"""

import pytest


def serving(config, variables=None):
    """A class-scoped `gw` fixture: the gateway built from `config` with these `--var`s."""
    def gw(cls, gateway):
        return gateway(config, variables)

    return pytest.fixture(scope="class", name="gw")(classmethod(gw))
