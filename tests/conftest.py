"""Suite-wide setup: no network beyond loopback, a private data home, and one shared rubric index."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
GUIDE = REPO / "rubric" / "data" / "interview-guide.md"  # the verbatim export the bank was made from
GUARD_DIR = TESTS / "netguard"

# Every process the suite starts inherits the guard (Python children load it as sitecustomize) and a
# private data home, so nothing touches the user's index or reaches the network.
_session_dir = Path(tempfile.mkdtemp(prefix="interview-grader-tests-"))
os.environ["NETGUARD_LOG"] = str(_session_dir / "netguard.log")
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(GUARD_DIR), os.environ.get("PYTHONPATH")]))
os.environ["INTERVIEW_GRADER_HOME"] = str(_session_dir / "home")
os.environ.pop("INTERVIEW_GRADER_BANK", None)
for _name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DATABASE_URL"):
    os.environ.pop(_name, None)
sys.path.insert(0, str(GUARD_DIR))
import sitecustomize as netguard  # noqa: E402

netguard._LOG = os.environ["NETGUARD_LOG"]
netguard.install()

from config.offline import enforce_offline  # noqa: E402

enforce_offline()

pytest_plugins = ["pytest_netguard", "pytester"]

if os.environ.get("TEST_FAST") == "1":  # make test-fast: fewer examples per property, every property still run
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("fast", max_examples=20)
    _hypothesis_settings.load_profile("fast")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that needs the PostgreSQL server is slow (it starts one); `make test-fast` leaves those out."""
    for item in items:
        if "pg_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _cheap_password_hashes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """scrypt at the product's cost takes about 0.1 s a check here, and the sign-in and rate-limit tests make a
    few hundred: new hashes use n=2**10 instead, unless a test is marked ``real_password_cost``. Stored hashes
    carry their own cost, so verification is the same code either way."""
    if request.node.get_closest_marker("real_password_cost") is None:
        monkeypatch.setattr("screening.secrets_util.SCRYPT_N", 2**10)


@pytest.fixture
def scripted():
    """The app grades with a scripted judge (tests/scripted_judge.py) behind the real pipeline: page tests check
    what a page does with a grade, and a change to the offline judge never breaks them."""
    from tests.scripted_judge import PAGE_CONTRADICTIONS, PAGE_CUES, ScriptedJudge, scripted_offline_grader

    with scripted_offline_grader(ScriptedJudge(PAGE_CUES, PAGE_CONTRADICTIONS)) as judge:
        yield judge


@pytest.fixture(scope="session")
def guide_path() -> Path:
    if not GUIDE.exists():
        pytest.fail(f"the interview guide is expected at {GUIDE}")
    return GUIDE


@pytest.fixture(scope="session")
def shipped_bank():
    from rubric.bank import SHIPPED_BANK
    from rubric.yaml_bank import load_bank

    return load_bank(SHIPPED_BANK)


@pytest.fixture(scope="session")
def pg_url():
    """A real PostgreSQL server: the one CI started (TEST_DATABASE_URL), else one for this session."""
    from tests.postgres_server import postgres_url

    with postgres_url() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def db(request: pytest.FixtureRequest, tmp_path: Path):
    """The store on SQLite (a new file in a folder of its own) and on PostgreSQL (emptied for each test)."""
    from store.db import Database
    from tests.postgres_server import empty

    if request.param == "sqlite":
        folder = tmp_path / "db"
        folder.mkdir()
        database = Database(f"sqlite:///{folder / 'test.db'}")
    else:
        database = Database(request.getfixturevalue("pg_url"))
        empty(database)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def rubric_index(shipped_bank, tmp_path_factory):
    """One index of the shipped bank for the whole session, in its own folder."""
    from rubric.index import RubricIndex

    return RubricIndex(shipped_bank, tmp_path_factory.mktemp("index"))
