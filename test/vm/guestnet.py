"""What the VM tests of network services share: named sub-checks printed
as they are made, and booting an example image with tools/run on the tap
of a network namespace (tools/netns.py) until it says it serves."""
import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import netns  # noqa: E402

RUN = os.path.join(ROOT, "tools", "run")


class Checks:
    """Named sub-checks, each printed as it is made; ok() is True when
    none failed."""

    def __init__(self):
        self.failed = []
        self.count = 0

    def __call__(self, cond, title, detail=""):
        self.count += 1
        if not cond:
            self.failed.append(title)
        print(f"  {'ok  ' if cond else 'FAIL'} {title}"
              + (f"\n{detail}" if detail and not cond else ""), flush=True)
        return cond

    def ok(self):
        print(f"client: {self.count - len(self.failed)} of {self.count} "
              f"checks passed" + (f"; failed: {', '.join(self.failed)}"
                                  if self.failed else ""))
        return not self.failed


def boot(ns, image, machine, args, ready, initrd=None, want6=False,
         wait=90, mem=None, run_args=()):
    """Start image (a path) in namespace ns on tap0 with the static
    address netns.GUEST_IP and the service arguments args (run_args:
    more options of tools/run), its output read into a list by a
    thread. Returns (process, output lines, the
    guest's IPv6 link-local address with %tap0, or None) once a line
    matches the regular expression ready (and, with want6, the guest has
    that address), or after wait seconds or its end, whichever comes
    first."""
    cmd = [RUN, "-q", image, "-M", machine, "--net", "tap:tap0",
           "--timeout", "600", "--kopt", f"net.ip={netns.GUEST_IP}/24"]
    if mem:
        cmd += ["-m", mem]
    if initrd:
        cmd += ["--initrd", initrd]
    cmd += list(run_args)
    p = ns.popen(*(cmd + ["--"] + list(args)), stdout=subprocess.PIPE,
                 stderr=subprocess.STDOUT, text=True)
    out = []

    def read():
        for line in p.stdout:
            out.append(line)
    threading.Thread(target=read, daemon=True).start()
    end = time.monotonic() + wait
    while time.monotonic() < end and p.poll() is None:
        text = "".join(out)
        m = re.search(r"IPv6 (fe80::[0-9a-f:]+)", text)
        if re.search(ready, text, re.M) and (m or not want6):
            break
        time.sleep(0.1)
    m = re.search(r"IPv6 (fe80::[0-9a-f:]+)", "".join(out))
    return p, out, m.group(1) + "%tap0" if m else None


def run_bounded(cmd, limit, input=None):
    """Run cmd (with the text input on its standard input) with a time
    limit: (exit status or None when it was stopped at the limit, its
    output and errors)."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=limit,
                           input=input)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        out = e.stdout or b""
        return None, out.decode(errors="replace") if isinstance(
            out, bytes) else out


@contextlib.contextmanager
def hosts(ns, names, addr=netns.GUEST_IP):
    """While in the block, the names resolve to addr for the commands run
    in namespace ns: ip netns exec binds /etc/netns/NAME/hosts over
    /etc/hosts (processes started before keep the old file)."""
    d = os.path.join("/etc/netns", ns.name)
    os.makedirs(d, exist_ok=True)
    try:
        with open(os.path.join(d, "hosts"), "w") as f:
            f.write(f"127.0.0.1 localhost\n{addr} {' '.join(names)}\n")
        yield
    finally:
        shutil.rmtree(d, ignore_errors=True)


def guest_faults(text):
    """The lines of a guest's output that report a panic, a fault or a
    failed assertion. Line by line: a pattern with .* on both sides of
    the words took minutes on a guest line of 80 KiB."""
    word = re.compile(r"panic|fatal|exception|assert", re.I)
    return [line for line in text.splitlines() if word.search(line)]
