"""`make install` and `make uninstall` with DESTDIR and PREFIX: every file where systemd
and Debian look for it, unit paths following PREFIX, a kept configuration; uninstall
leaves only /etc/tern. (test_systemd.py installs into a running systemd.)"""

import shutil
import subprocess

import pytest

from tern import BIN_DIR, REPO

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")


def make(*args: str):
    subprocess.run(["make", "-s", "-C", str(REPO), *args, f"BUILT={BIN_DIR}"], check=True, capture_output=True)


def files(root) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def test_install_and_uninstall_with_destdir_and_prefix(tmp_path):
    make("install", f"DESTDIR={tmp_path}", "PREFIX=/usr")
    installed = files(tmp_path)
    assert {"usr/libexec/tern/tern-submitd", "usr/libexec/tern/tern-mtad", "usr/libexec/tern/tern-deliverd",
            "usr/bin/mailctl", "usr/lib/systemd/system/tern.target", "usr/lib/systemd/system/tern-mtad.timer",
            "usr/lib/systemd/system/tern-smtp.socket", "usr/lib/sysusers.d/tern.conf", "usr/lib/tmpfiles.d/tern.conf",
            "usr/lib/systemd/catalog/tern.catalog", "usr/share/doc/tern/README.md", "etc/tern/tern.conf"} <= installed
    unit = (tmp_path / "usr/lib/systemd/system/tern-mtad.service").read_text()
    assert "ExecStart=/usr/libexec/tern/tern-mtad\n" in unit and "/usr/local" not in unit
    assert (tmp_path / "usr/libexec/tern/tern-mtad").stat().st_mode & 0o777 == 0o755

    (tmp_path / "etc/tern/tern.conf").write_text("hostname = kept.example\n")
    make("install", f"DESTDIR={tmp_path}", "PREFIX=/usr")
    assert (tmp_path / "etc/tern/tern.conf").read_text() == "hostname = kept.example\n"

    make("uninstall", f"DESTDIR={tmp_path}", "PREFIX=/usr")
    assert files(tmp_path) == {"etc/tern/tern.conf"}


def test_install_refuses_without_binaries(tmp_path):
    res = subprocess.run(["make", "-s", "-C", str(REPO), "install", f"DESTDIR={tmp_path}", f"BUILT={tmp_path}/none"],
                         capture_output=True, text=True)
    assert res.returncode != 0 and "run make first" in res.stderr
    assert files(tmp_path) == set()
