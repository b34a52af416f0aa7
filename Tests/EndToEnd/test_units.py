"""units/ passes `systemd-analyze verify` with no output at all and every service's
`systemd-analyze security` exposure is at most 2.0 (scripts/verify-units); sysusers.d,
tmpfiles.d and the journal catalog are accepted by the systemd tools that read them."""

import re
import shutil
import subprocess

import pytest

from tern import REPO

UNITS = REPO / "units"
needs_systemd = pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd tools not installed")


@needs_systemd
def test_units_verify_silently_and_exposure_at_most_2():
    res = subprocess.run([str(REPO / "scripts" / "verify-units")], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stderr == "", res.stderr
    figures = dict(re.findall(r"(tern-\w+\.service) exposure ([0-9.]+)", res.stdout))
    assert set(figures) == {"tern-submitd.service", "tern-mtad.service", "tern-deliverd.service"}
    assert all(float(value) <= 2.0 for value in figures.values()), figures


@needs_systemd
def test_sysusers_creates_the_tern_account(tmp_path):
    (tmp_path / "etc").mkdir()
    subprocess.run(["systemd-sysusers", f"--root={tmp_path}", str(UNITS / "sysusers.d" / "tern.conf")], check=True)
    entry = next(line for line in (tmp_path / "etc" / "passwd").read_text().splitlines() if line.startswith("_tern:"))
    assert entry.split(":")[5] == "/var/lib/tern"


@needs_systemd
def test_tmpfiles_creates_the_mail_spool(tmp_path):
    # --root resolves user and group names in the root's own /etc.
    (tmp_path / "etc").mkdir()
    for name in ("passwd", "group"):
        shutil.copy(f"/etc/{name}", tmp_path / "etc" / name)
    subprocess.run(["systemd-tmpfiles", f"--root={tmp_path}", "--create", str(UNITS / "tmpfiles.d" / "tern.conf")],
                   check=True)
    assert oct((tmp_path / "var" / "mail").stat().st_mode & 0o7777) == "0o2775"


@needs_systemd
def test_catalog_compiles_with_one_entry_per_event(tmp_path):
    catalog_dir = tmp_path / "usr" / "lib" / "systemd" / "catalog"
    catalog_dir.mkdir(parents=True)
    shutil.copy(UNITS / "tern.catalog", catalog_dir)
    subprocess.run(["journalctl", f"--root={tmp_path}", "--update-catalog"], check=True)
    listing = subprocess.run(["journalctl", f"--root={tmp_path}", "--list-catalog"], check=True,
                             capture_output=True, text=True).stdout
    listed = set(re.findall(r"^([0-9a-f]{32}) tern: ", listing, re.M))
    source = (REPO / "Sources" / "MailCore" / "MailEvent.swift").read_text()
    assert listed == set(re.findall(r'"([0-9a-f]{32})"', source))
    assert len(listed) == 8
