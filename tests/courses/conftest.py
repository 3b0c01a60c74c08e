import pytest

from tests.courses.factories import build_course


@pytest.fixture
def course(network):
    """A published French course by the network's trainer: two text lessons
    and a quiz of two questions (pass mark 50 %, at most 2 attempts)."""
    return build_course(owner=network.trainer, max_attempts=2, title="Kits ELISA : bonnes pratiques")
