#!/usr/bin/python3
"""VM test of `tools/run --gdb`: boot test/vm/gdbtest.elf halted with
QEMU's gdb stub on a free loopback port, attach gdb in batch mode, break
in main, read its argument and a local, continue, and check that the
service then exits normally (tools/run status 0 and its output line).
Exits 77 (skipped) when gdb is not installed.

    gdbtest.py --build BUILD_DIR [--machine pc|q35|microvm] [--verbose]
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN = os.path.join(ROOT, "tools", "run")
IMAGE = "test/vm/gdbtest.elf"
WORD = "hello"
MAGIC = "0x1b05dbc0de"  # main's local in test/vm/images/gdbtest.c
SERVICE_LINE = f"gdbtest: argc 2, word {WORD} ({len(WORD)}), magic {MAGIC}"
LISTEN_DEADLINE = 120   # tools/run + QEMU up and listening (2 busy cores)
GDB_DEADLINE = 600      # the whole gdb session, boot to main under TCG
EXIT_DEADLINE = 300     # the service's end after gdb let it go
SKIP = 77

# gdb's commands: attach, stop in main, read an argument, step over the
# locals' assignments, read them, let the service run to its end.
GDB_COMMANDS = [
    "set trace-commands on",  # echo each command: a readable transcript
    "target remote 127.0.0.1:{port}",
    "break main",
    "continue",
    "print argc",
    "print argv[1]",
    "next 3",
    "print/x magic",
    "print len",
    "backtrace",
    "continue",
]

# What gdb's output must contain, in order.
GDB_EXPECT = [
    r"Breakpoint 1 at 0x[0-9a-f]+: file .*gdbtest\.c, line \d+\.",
    r"Breakpoint 1, main \(argc=2, argv=0x[0-9a-f]+\)",
    r"\$1 = 2\n",
    rf'\$2 = 0x[0-9a-f]+ .*"{WORD}"\n',
    rf"\$3 = {MAGIC}\n",
    rf"\$4 = {len(WORD)}\n",
    r"#0  main \(argc=2, ",
]


def free_port():
    """A loopback TCP port nobody listens on now (QEMU may still lose it
    to a racing process; the caller retries then)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    """True if some socket listens on 127.0.0.1:port (/proc/net/tcp), found
    without connecting: a connection would be QEMU's one gdb client."""
    want = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == want and fields[3] == "0A":
                return True
    return False


def children(pid):
    """PIDs of pid's direct children (QEMU under tools/run), or []."""
    found = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                found += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return found


def wait_listening(run, port):
    """Poll until QEMU listens on port; return None, or why not (tools/run
    ended first, or the deadline passed)."""
    deadline = time.monotonic() + LISTEN_DEADLINE
    while time.monotonic() < deadline:
        if run.poll() is not None:
            return f"tools/run ended first with status {run.returncode}"
        if listening(port):
            return None
        time.sleep(0.1)
    return f"nothing listened on port {port} within {LISTEN_DEADLINE} s"


def stop_all(run, qemu_pids):
    """Stop tools/run (SIGTERM, then SIGKILL) and the QEMU it started,
    each by its PID; reap tools/run."""
    if run.poll() is None:
        run.send_signal(signal.SIGTERM)
        try:
            run.wait(timeout=15)
        except subprocess.TimeoutExpired:
            run.kill()
            run.wait()
    for pid in qemu_pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def start_run(image, machine, port, log):
    """Start tools/run --gdb in the background, its output into log."""
    cmd = [RUN, image, "-M", machine, "--gdb", "--gdb-port", str(port),
           "--", WORD]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT)


def run_gdb(gdb, image, port):
    """Run the gdb session in batch mode; return (its output, error)."""
    cmd = [gdb, "-batch", "-nx"]
    for c in GDB_COMMANDS:
        cmd += ["-ex", c.format(port=port)]
    cmd.append(image)
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=GDB_DEADLINE)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else e.stdout
        return out or "", f"gdb still running after {GDB_DEADLINE} s"
    return r.stdout + r.stderr, None


def check_gdb(out):
    """None if gdb's output has every GDB_EXPECT pattern in order."""
    pos = 0
    for pattern in GDB_EXPECT:
        m = re.compile(pattern).search(out, pos)
        if not m:
            return f"gdb output lacks /{pattern}/ (after offset {pos})"
        pos = m.end()
    return None


def session(gdb, image, machine, log_path):
    """One attempt: returns (error or None, gdb output, retry?)."""
    port = free_port()
    with open(log_path, "w") as log:
        run = start_run(image, machine, port, log)
    qemu_pids = []
    try:
        why = wait_listening(run, port)
        if why:
            with open(log_path) as f:
                lost = "Address already in use" in f.read()
            return why, "", lost
        qemu_pids = children(run.pid)
        out, why = run_gdb(gdb, image, port)
        if why or check_gdb(out):
            return why or check_gdb(out), out, False
        try:
            status = run.wait(timeout=EXIT_DEADLINE)
        except subprocess.TimeoutExpired:
            return f"service still running {EXIT_DEADLINE} s after gdb", out, False
        with open(log_path) as f:
            console = f.read()
        if status != 0:
            return f"tools/run exited {status}, not 0", out, False
        if SERVICE_LINE not in console:
            return f"no line {SERVICE_LINE!r} on the console", out, False
        return None, out, False
    finally:
        stop_all(run, qemu_pids)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", required=True)
    p.add_argument("--machine", default="q35", choices=["pc", "q35", "microvm"])
    p.add_argument("--gdb", default="gdb", help="the gdb to run")
    p.add_argument("--verbose", action="store_true",
                   help="print gdb's output and the console even on success")
    a = p.parse_args()
    gdb = shutil.which(a.gdb)
    if not gdb:
        print(f"gdbtest: SKIP: {a.gdb} not installed (Debian package gdb)")
        return SKIP
    image = os.path.join(os.path.abspath(a.build), IMAGE)
    log_path = os.path.join(os.path.abspath(a.build), "test", "vm",
                            f"gdbtest-{a.machine}.console")
    for _ in range(3):  # a port lost to a racing listener is tried again
        err, out, retry = session(gdb, image, a.machine, log_path)
        if not retry:
            break
    with open(log_path) as f:
        console = f.read()
    if err or a.verbose:
        print("--- gdb ---\n" + out + "--- console ---\n" + console)
    if err:
        print(f"gdbtest: FAIL: {err}")
        return 1
    print("gdbtest: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
