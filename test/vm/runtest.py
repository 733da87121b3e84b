#!/usr/bin/python3
"""VM tests of tools/run itself: stop signals become a press of the guest's
power button (the service's SIGTERM handler decides the status), a guest
that does not stop is killed after --stop-timeout, QEMU dies with the
runner, -m too small to boot ends at once, and a guest that prints nothing
ends by the default --boot-timeout. Each case starts tools/run in a session
of its own and stops every process it started by PID.

    runtest.py --list --machine M
    runtest.py --build BUILD_DIR --machine pc|q35|microvm CASE
"""
import argparse
import fcntl
import os
import pty
import re
import signal
import subprocess
import sys
import termios
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN = os.path.join(ROOT, "tools", "run")
STOPTEST = "test/vm/stoptest.elf"
HELLO = "examples/hello/hello.elf"
LIMIT = 60          # seconds for anything to show: generous, the host is shared
HANDLER_STATUS = 77  # what stoptest's SIGTERM handler makes it exit with


class Runner:
    """tools/run started in a new session (its PID is its process group),
    its output read by a thread into self.out."""

    def __init__(self, build, machine, args, tty=False):
        cmd = [RUN, "-q", "-M", machine] + [
            os.path.join(build, a) if a.endswith(".elf") else a for a in args]
        self.master = None
        if tty:
            self.master, slave = pty.openpty()
            self.proc = subprocess.Popen(
                cmd, stdin=slave, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
            os.close(slave)
        else:
            self.proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True)
        self.start = time.monotonic()
        self.out, self.lock = "", threading.Lock()
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()
        self.qemu = None

    def read(self):
        """The reader thread's body."""
        for raw in self.proc.stdout:
            with self.lock:
                self.out += raw.decode(errors="replace").replace("\r", "")

    def wait_for(self, pattern, limit=LIMIT):
        """True once pattern shows in the output within limit seconds."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            with self.lock:
                if re.search(pattern, self.out):
                    return True
            if self.proc.poll() is not None and not self.reader.is_alive():
                return bool(re.search(pattern, self.out))
            time.sleep(0.05)
        return False

    def qemu_pid(self):
        """The PID of the QEMU tools/run started (its child), or None."""
        try:
            with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
                kids = [int(k) for k in f.read().split()]
        except OSError:
            return None
        for k in kids:
            try:
                with open(f"/proc/{k}/comm") as f:
                    if f.read().startswith("qemu"):
                        self.qemu = k
                        return k
            except OSError:
                pass
        return None

    def finish(self, limit=LIMIT):
        """Wait for tools/run to exit (killing it and its QEMU by PID
        after limit seconds); return (status, seconds since start)."""
        try:
            status = self.proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            status = None
        self.cleanup()
        self.reader.join(timeout=10)
        return status, time.monotonic() - self.start

    def cleanup(self):
        """Kill tools/run and its QEMU, by PID, if still running."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.qemu and alive(self.qemu):
            os.kill(self.qemu, signal.SIGKILL)
        if self.master is not None:
            os.close(self.master)
            self.master = None


def alive(pid):
    """Whether pid is a running process (not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def expect(errors, ok, what):
    """Record what as a failure unless ok."""
    if not ok:
        errors.append(what)


def stop_by_signal(build, machine, send, tty=False):
    """Boot stoptest with a SIGTERM handler, stop it with send(runner) once
    it is ready; the handler must run and its status be tools/run's."""
    r = Runner(build, machine, [STOPTEST, "--", "handler", str(HANDLER_STATUS)],
               tty=tty)
    errors = []
    try:
        if r.wait_for(r"stoptest: ready"):
            r.qemu_pid()
            send(r)
        else:
            errors.append("stoptest never said it was ready")
        status, _ = r.finish()
    finally:
        r.cleanup()
    expect(errors, status == HANDLER_STATUS,
           f"tools/run exited {status}, expected {HANDLER_STATUS}")
    for pat in (r"power button pressed", r"stoptest: SIGTERM handler ran",
                rf"stoptest: exiting with status {HANDLER_STATUS}"):
        expect(errors, re.search(pat, r.out), f"missing: {pat}")
    return r.out, errors


def case_sigterm(build, machine):
    """SIGTERM to tools/run alone."""
    return stop_by_signal(build, machine,
                          lambda r: r.proc.send_signal(signal.SIGTERM))


def case_sigint_group(build, machine):
    """SIGINT to tools/run's whole process group, as a terminal's Ctrl-C:
    QEMU is in a group of its own, so only the runner gets it."""
    return stop_by_signal(build, machine,
                          lambda r: os.killpg(r.proc.pid, signal.SIGINT))


def case_ctrl_c_tty(build, machine):
    """A real Ctrl-C: tools/run's stdin is a terminal (a pty whose
    foreground group it leads); ^C typed there must still make SIGINT
    (QEMU did not make the terminal raw) and reach only the runner."""
    return stop_by_signal(build, machine,
                          lambda r: os.write(r.master, b"\x03"), tty=True)


def case_tty_input(build, machine):
    """With a terminal for stdin, QEMU gets a pipe that tools/run feeds:
    a line typed there reaches the guest's serial console, and the
    terminal keeps its line discipline (ISIG, ICANON)."""
    r = Runner(build, machine, ["test/vm/timers.elf", "--", "echo"],
               tty=True)
    errors = []
    try:
        if r.wait_for(r"timers: type a line"):
            os.write(r.master, b"typed on a tty\n")
            r.wait_for(r"timers: echo")
        else:
            errors.append("timers never asked for a line")
        modes = termios.tcgetattr(r.master)[3]
        status, _ = r.finish()
    finally:
        r.cleanup()
    expect(errors, status == 0, f"exit status {status}, expected 0")
    expect(errors, re.search(r"timers: echo: typed on a tty", r.out),
           "the typed line did not reach the guest")
    expect(errors, modes & termios.ISIG and modes & termios.ICANON,
           "the terminal was left without ISIG or ICANON")
    return r.out, errors


def case_ignored(build, machine):
    """A guest ignoring SIGTERM: killed after --stop-timeout, status 127;
    and a second signal kills at once."""
    errors, outs = [], []
    for second in (False, True):
        stop_t = "300" if second else "3"
        r = Runner(build, machine, [STOPTEST, "--stop-timeout", stop_t,
                                    "--", "ignore"])
        try:
            if r.wait_for(r"stoptest: ready"):
                r.qemu_pid()
                r.proc.send_signal(signal.SIGTERM)
                if second and r.wait_for(r"power button pressed"):
                    os.killpg(r.proc.pid, signal.SIGINT)
            else:
                errors.append("stoptest never said it was ready")
            status, took = r.finish(limit=LIMIT + (0 if second else 3))
        finally:
            r.cleanup()
        outs.append(r.out)
        expect(errors, status == 127, f"exit status {status}, expected 127")
        expect(errors, re.search(r"power button pressed", r.out),
               "the guest never saw the power button")
        want = (r"SIGINT again: killed QEMU" if second else
                r"the guest did not stop within 3s of the power button")
        expect(errors, re.search(want, r.out), f"missing: {want}")
        expect(errors, not r.qemu or not alive(r.qemu),
               "QEMU still running after tools/run exited")
    return "".join(outs), errors


def case_sigkill(build, machine):
    """SIGKILL to tools/run: its QEMU dies too (PR_SET_PDEATHSIG)."""
    r = Runner(build, machine, [STOPTEST, "--", "ignore"])
    errors = []
    try:
        if r.wait_for(r"stoptest: ready") and r.qemu_pid():
            r.proc.kill()
            r.proc.wait()
            end = time.monotonic() + LIMIT
            while alive(r.qemu) and time.monotonic() < end:
                time.sleep(0.05)
            expect(errors, not alive(r.qemu),
                   f"QEMU (pid {r.qemu}) outlived tools/run's SIGKILL")
        else:
            errors.append("stoptest never said it was ready, or no QEMU")
    finally:
        r.finish(limit=1)
    return r.out, errors


def too_little_memory(build, machine, mem):
    """hello with -m mem ends at once, well under the boot timeout, with
    a message about memory, refused by tools/run (125) or the kernel
    (121)."""
    r = Runner(build, machine, [HELLO, "-m", mem])
    status, took = r.finish()
    errors = []
    expect(errors, status in (121, 125), f"exit status {status}, "
           "expected 125 (tools/run) or 121 (the kernel)")
    expect(errors, took < 20, f"took {took:.1f} s")
    expect(errors, re.search(r"memory", r.out), "no message naming memory")
    expect(errors, not re.search(r"Hello from libos|panic", r.out),
           "the service ran, or the kernel panicked")
    return r.out, errors


def case_mem1(build, machine):
    """-m 1: QEMU could not even load hello; tools/run says so (125)."""
    out, errors = too_little_memory(build, machine, "1")
    expect(errors, re.search(r"give at least -m 2M", out),
           "the least -m is not named")
    return out, errors


def case_mem2(build, machine):
    """-m 2: hello loads but cannot boot; the kernel says so at once
    (121), naming the -m to use, never a panic."""
    out, errors = too_little_memory(build, machine, "2")
    expect(errors, re.search(r"too little for this image: boot with -m "
                             r"\d+ or more", out), "the -m to use is not named")
    expect(errors, re.search(r"status 121", out), "not status 121")
    return out, errors


def case_boot_timeout(build, machine):
    """A guest that prints nothing (QEMU held paused by -S) ends by the
    default --boot-timeout (30 s), status 124, with a message."""
    r = Runner(build, machine, [HELLO, "--qemu-arg=-S"])
    status, took = r.finish(limit=LIMIT + 30)
    errors = []
    expect(errors, status == 124, f"exit status {status}, expected 124")
    expect(errors, re.search(r"printed nothing within 30s", r.out),
           "no boot-timeout message")
    expect(errors, took >= 30, f"ended after {took:.1f} s, before 30 s")
    return r.out, errors


CASES = {
    "sigterm": case_sigterm,
    "sigint_group": case_sigint_group,
    "ctrl_c_tty": case_ctrl_c_tty,
    "tty_input": case_tty_input,
    "ignored": case_ignored,
    "sigkill": case_sigkill,
    "mem1": case_mem1,
    "mem2": case_mem2,
    "boot_timeout": case_boot_timeout,
}
# The power button on every machine; the rest of the runner once.
EVERY_MACHINE = ("sigterm", "sigint_group")


def cases_for(machine):
    """The case names for one machine type."""
    return [c for c in CASES if machine == "q35" or c in EVERY_MACHINE]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--build")
    ap.add_argument("--machine", default="q35")
    ap.add_argument("case", nargs="?")
    a = ap.parse_args()
    if a.list:
        print("\n".join(cases_for(a.machine)))
        return 0
    if a.case not in cases_for(a.machine):
        ap.error(f"no case {a.case} on {a.machine}")
    out, errors = CASES[a.case](a.build, a.machine)
    print(out)
    for e in errors:
        print("runtest: FAIL:", e)
    print(f"runtest: {a.case} on {a.machine}: {'FAIL' if errors else 'ok'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
