"""A throwaway systemd machine for test_systemd.py: `systemd-nspawn --volatile=yes --boot`
of the host's own /usr, with a private network (only its loopback), the repository and
the Swift runtime bound in read-only and a fresh /usr/local for `make install`.

/etc and /var are tmpfs, so nothing the test does reaches the host; `close()` powers the
machine off (SIGKILL after a grace period) and removes the temporary folder. A
`timeout` wrapper ends the machine even if the test process dies.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

LIFETIME = 900  # seconds before `timeout` ends a machine its test forgot


def swift_runtime() -> Path | None:
    """The toolchain's usr/ folder when it lies outside /usr (debug builds link to it)."""
    swift = shutil.which("swift")
    if swift is None:
        return None
    usr = Path(swift).resolve().parents[1]
    return None if str(usr).startswith("/usr") else usr


class Machine:
    def __init__(self, repo: Path):
        self.name = "tern-e2e-" + secrets.token_hex(3)
        self.dir = Path(tempfile.mkdtemp(prefix="tern-nspawn-"))
        (self.dir / "usr-local").mkdir()
        command = ["timeout", "--kill-after=10", str(LIFETIME), "systemd-nspawn", "--quiet", "-D", "/",
                   "--volatile=yes", "--register=no", "--keep-unit", "-M", self.name, "--private-network",
                   f"--bind-ro={repo}", f"--bind={self.dir / 'usr-local'}:/usr/local"]
        runtime = swift_runtime()
        if runtime is not None:
            command.append(f"--bind-ro={runtime}")
        # With only a loopback, waiting for "network online" would hold the boot for 2 minutes.
        command += ["--boot", "systemd.firstboot=off", "systemd.mask=systemd-networkd-wait-online.service"]
        self.console = open(self.dir / "console.log", "wb")
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self.console,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self.pid = self._find_init()
            self._wait_for_boot()
        except BaseException:
            self.close()
            raise

    def _find_init(self) -> str:
        """PID 1 of the machine, as the host sees it: the systemd below nspawn."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            for pid in self._descendants(self.process.pid):
                try:
                    if Path(f"/proc/{pid}/comm").read_text().strip() == "systemd":
                        return str(pid)
                except OSError:
                    pass
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"the machine did not boot:\n{self.console_tail()}")

    @staticmethod
    def _descendants(pid: int) -> list[int]:
        found, queue = [], [pid]
        while queue:
            try:
                children = Path(f"/proc/{queue[0]}/task/{queue[0]}/children").read_text().split()
            except OSError:
                children = []
            queue = queue[1:] + [int(child) for child in children]
            found += [int(child) for child in children]
        return found

    def _wait_for_boot(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = self.run(["systemctl", "is-system-running"], check=False).stdout.strip()
            if state in ("running", "degraded"):
                return
            time.sleep(0.2)
        raise RuntimeError(f"the machine did not finish booting:\n{self.console_tail()}")

    def run(self, command: list[str], input: str | None = None, check: bool = True,
            timeout: float = 60) -> subprocess.CompletedProcess:
        """Runs a command inside the machine (all its namespaces) as root."""
        result = subprocess.run(["nsenter", "-t", self.pid, "-a", *command], input=input, capture_output=True,
                                text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{command} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def run_in_network(self, command: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
        """Runs a host program in the machine's network namespace only."""
        return subprocess.run(["nsenter", "-t", self.pid, "-n", *command], capture_output=True, text=True,
                              timeout=timeout, check=True)

    def show(self, unit: str, prop: str) -> str:
        return self.run(["systemctl", "show", "-p", prop, "--value", unit]).stdout.strip()

    def wait_for(self, predicate, what: str, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}")

    def console_tail(self) -> str:
        self.console.flush()
        return (self.dir / "console.log").read_bytes()[-3000:].decode(errors="replace")

    def close(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # nspawn powers the machine off
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.console.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        # nspawn leaves an empty propagation folder behind for each machine name.
        propagate = Path("/run/systemd/nspawn/propagate") / self.name
        if propagate.is_dir():
            shutil.rmtree(propagate, ignore_errors=True)
