"""How fast `invite` answers: seconds until the first line of output, over ROUNDS runs each.

    python benchmarks/bench_startup.py [ROUNDS]

Runs, each ROUNDS (default 5) times as a fresh process (``python -m invite``, this checkout):
``--version``, ``--help``, ``check --help`` and ``check`` on the example contact list
(contacts.xlsx.example with the bundled campaign in invite/bundled/, data folder in a temporary
directory). The time is taken from starting the process to the first line it prints (stdout or
stderr), measured with time.perf_counter; min/median/max are printed. Each command runs once
uncounted first, with bytecode caching on, as in an installation.
Targets (issue 13): --help and --version under 0.15 s, any command's first output under 0.3 s.
The machine may be shared: the minimum is the figure to compare, the maximum shows the noise;
the CPU seconds of the whole run (user + system, median) do not depend on other load.
For where the time goes: ``python -X importtime -m invite --version 2>&1 | sort -t'|' -k2 -n``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

TARGETS = {"--version": 0.15, "--help": 0.15, "check --help": 0.3, "check": 0.3}


def first_line_seconds(args: list[str], env: dict[str, str]) -> tuple[float, float, str, int]:
    """Seconds until the first line appears, CPU seconds of the whole run (user + system; NaN
    where os.wait4 is missing), that line, and the exit code."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "invite", *args],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    proc.stdout.read()
    cpu = float("nan")
    if hasattr(os, "wait4"):  # POSIX: the child's own CPU time, steady on a busy machine
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        cpu = usage.ru_utime + usage.ru_stime
    code = proc.wait()
    return elapsed, cpu, line.decode("utf-8", "replace").strip(), code


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONIOENCODING="utf-8")
    # As installed: compiled modules are cached (pip writes them at install time); one
    # uncounted run per command fills __pycache__ where the environment turned that off.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as tmp:
        data = str(Path(tmp) / "daten")
        runs = {
            "--version": ["--version"],
            "--help": ["--help"],
            "check --help": ["check", "--help"],
            "check": [
                "check",
                "--campaign",
                "invite/bundled",
                "--contacts",
                "contacts.xlsx.example",
                "--data",
                data,
            ],
        }
        print(f"invite start-up, {rounds} runs each, seconds to the first line of output")
        print(f"{'command':<14} {'min':>6} {'median':>6} {'max':>6} {'cpu':>6}  target  first line")
        for name, args in runs.items():
            times, cpus = [], []
            line = ""
            first_line_seconds(args, env)  # warm-up: __pycache__, file system cache
            for _ in range(rounds):
                seconds, cpu, line, code = first_line_seconds(args, env)
                if code != 0:
                    sys.exit(f"invite {' '.join(args)} ended with exit code {code}: {line}")
                times.append(seconds)
                cpus.append(cpu)
            print(
                f"{name:<14} {min(times):6.3f} {statistics.median(times):6.3f} "
                f"{max(times):6.3f} {statistics.median(cpus):6.3f}  {TARGETS[name]:5.2f}   "
                f"{line[:50]}"
            )


if __name__ == "__main__":
    main()
