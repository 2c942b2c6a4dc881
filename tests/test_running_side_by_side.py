"""What lets the suite run in two processes (tests/README.md): tests that share a module-wide
fixture are kept together, each test's made-up values come from its own seed, and a private
redis-server never mistakes another program on its port for itself."""

import socket

import factory.random
import pytest

from tests.factories import UserFactory
from tests.support.seeds import seed_of
from tests.support.services import PrivateRedis, need_redis_server_binary


@pytest.fixture(scope="module")
def shared_by_the_module():
    return object()


def test_a_test_using_a_module_wide_fixture_is_kept_with_its_module(request, shared_by_the_module):
    marker = request.node.get_closest_marker("xdist_group")

    assert marker is not None
    assert marker.args == (__name__,)


def test_a_test_without_one_goes_wherever_a_process_is_free(request):
    assert request.node.get_closest_marker("xdist_group") is None


def test_a_tests_made_up_values_come_from_a_seed_of_its_own(request):
    names = [UserFactory.build().last_name for _ in range(5)]

    factory.random.reseed_random(seed_of(request.node.nodeid))

    assert [UserFactory.build().last_name for _ in range(5)] == names


def test_a_private_redis_refuses_a_port_another_program_holds():
    need_redis_server_binary()
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        redis = PrivateRedis()
        redis.port = other.getsockname()[1]

        with pytest.raises(RuntimeError, match=f"did not start on port {redis.port}"):
            redis.start()
        redis.stop()
