"""Fixtures for the end-to-end tests: a private Tern instance per test (see tern.py)."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tern import DEFAULT_CONF, TernInstance  # noqa: E402

FIGURES = Path(os.environ.get("TERN_FIGURES", "/tmp/tern-e2e-figures.txt"))


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


def pytest_configure(config):
    config.addinivalue_line("markers", "tern_conf(lines): tern.conf lines added to the default for this test's instance")


@pytest.fixture
def tern_instance(request):
    """A TernInstance whose daemons are not started yet (tern.conf: the default, plus the
    lines of a `tern_conf` mark)."""
    extra = request.node.get_closest_marker("tern_conf")
    instance = TernInstance(conf=DEFAULT_CONF + (extra.args[0] if extra else ""))
    yield instance
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        # Daemon logs belong with the failure they explain.
        print(f"\n===== daemon logs ({instance.root}) =====\n{instance.logs_tail(60)}")
    instance.close()


@pytest.fixture
def tern(tern_instance):
    """A running private Tern instance: the three daemons socket-activated and READY."""
    tern_instance.start_all()
    return tern_instance


@pytest.fixture
def figures(request):
    """Records figures (throughput, peak RSS) where a reader finds them whatever pytest's
    capture mode: appended to FIGURES and written to the terminal, bypassing capture."""
    capture = request.config.pluginmanager.getplugin("capturemanager")

    def record(line: str):
        with FIGURES.open("a") as f:
            f.write(line + "\n")
        if capture is not None:
            with capture.global_and_fixture_disabled():
                print("\n" + line, end="")
        else:
            print(line)

    return record
