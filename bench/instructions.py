#!/usr/bin/env python3
"""User-space instructions per message of each Tern daemon, counted by callgrind.

Wall-clock figures on a VM spread by a fifth between runs; an instruction count does not,
so this is the measure for comparing two builds of the daemons (kernel work is not in it).
For each daemon in turn, Tern runs as in bench.py with that daemon under
`valgrind --tool=callgrind`; after a warm-up of 100 messages the counters are zeroed,
`smtp-source` sends N messages over 10 sessions to a local mailbox, and the count is read.

  bench/instructions.py                      .build-static/release, 500 messages of 1 KiB
  bench/instructions.py --bin DIR --size 102400 --daemons tern-mtad

Needs valgrind (`apt-get install valgrind`) and the binaries `make` builds. Valgrind 3.19
cannot read DWARF 5, so the daemon runs from a copy without debug sections.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import bench

DAEMONS = tuple(bench.Tern.DAEMONS)


def count(binaries: Path, daemon: str, messages: int, size: int, parent: Path) -> int:
    """Instructions `daemon` executed while `messages` messages passed through."""
    work = bench.new_folder("tern-instructions-", parent)
    wrapped = work / "bin"
    wrapped.mkdir()
    for name in (*DAEMONS, "tern-local"):
        shutil.copy2(binaries / name, wrapped / name)
    real = wrapped / f"{daemon}.real"
    (wrapped / daemon).rename(real)
    subprocess.run(["strip", "--strip-debug", str(real)], check=True)
    out = work / "callgrind.out"
    (wrapped / daemon).write_text(
        f"#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file={out} --dump-instr=no {real} \"$@\"\n")
    (wrapped / daemon).chmod(0o755)
    tern = bench.Tern(wrapped, work, 9)
    rcpt = f"{bench.USER}@localhost"
    try:
        subprocess.run(bench.smtp_source(tern.port, 100, size, rcpt, sessions=5), check=True, stdout=subprocess.DEVNULL)
        pid = str(tern.pids()[daemon])
        subprocess.run(["callgrind_control", "-z", pid], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(bench.smtp_source(tern.port, messages, size, rcpt), check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["callgrind_control", "-d", pid], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        dumps = sorted(work.glob("callgrind.out.*"), key=lambda p: p.stat().st_size)
        summary = next(line for line in dumps[-1].read_text().splitlines() if line.startswith("summary:"))
        return int(summary.split()[1])
    finally:
        tern.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", type=Path, default=bench.REPO / ".build-static" / "release")
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--size", type=int, default=1024, help="octets per message (smtp-source -l)")
    parser.add_argument("--daemons", default=",".join(DAEMONS))
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        print("instructions.py: valgrind is missing (apt-get install valgrind)", file=sys.stderr)
        return 69
    bench.ensure_user()
    parent = bench.runs_folder()
    try:
        for daemon in args.daemons.split(","):
            total = count(args.bin.resolve(), daemon, args.messages, args.size, parent)
            print(f"{daemon:14} {total / args.messages:12,.0f} instructions/message "
                  f"({args.messages} messages of {args.size} octets)", flush=True)
    finally:
        shutil.rmtree(parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
