"""units/ passes `systemd-analyze verify` with no output at all (scripts/verify-units)."""

import shutil
import subprocess

import pytest

from tern import REPO


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_units_verify_silently():
    res = subprocess.run([str(REPO / "scripts" / "verify-units")], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stderr == "", res.stderr
