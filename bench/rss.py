"""Peak resident memory of a process: its own so far, or a command's measured when it exits."""

import os
import pathlib
import subprocess
import sys
import tempfile

KIB = 1024

# Linux carries the peak of the address space a process had before ``exec`` into its ``ru_maxrss``,
# and a spawned child starts in its parent's (a copy, or the same one under vfork). So the command is
# started by this small fresh interpreter, whose own few MiB are all it can inherit, and which reports
# the command's ``ru_maxrss`` from ``os.wait4`` (KiB on Linux; no other child's).
_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
child.returncode = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as peak:
    peak.write(str(usage.ru_maxrss))
sys.exit(child.returncode)
"""


def vm_hwm_bytes():
    """This process's peak resident set size so far (``VmHWM`` of ``/proc/self/status``), in bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * KIB
    raise RuntimeError("no VmHWM in /proc/self/status")


def run_measured(command, *, env=None, quiet=False):
    """Run ``command`` to its end; ``(exit code, its peak RSS in bytes, its stderr or None)``.

    The peak is the command's own, whatever this process holds (see ``_LAUNCHER``).

    Args:
        env: the command's environment (default: this one).
        quiet: capture stderr (returned) and drop stdout, e.g. a command's progress bar.
    """
    pipes = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE} if quiet else {}
    with tempfile.TemporaryDirectory(prefix="tfcorrect-rss-") as tmp:
        peak_file = pathlib.Path(tmp) / "peak_kib"
        done = subprocess.run([sys.executable, "-c", _LAUNCHER, str(peak_file), *command], env=env, text=True,
                              check=False, **pipes)
        peak = int(peak_file.read_text()) * KIB
    return done.returncode, peak, done.stderr
