#!/usr/bin/python3
"""VM test: a libos image runs under libvirt from the domain definition
`tools/run IMAGE --print-libvirt` writes.

    libvirttest.py --build BUILD [--machine q35|pc|microvm] [--keep]

Boots hello (its output and exit line in the serial log, the domain gone
when the service ends), echo (--net user --fwd: a loopback port
answers; `virsh shutdown` reaches the service's SIGTERM handler) and, as
root, echo on a tap in a network namespace (libvirt's own NIC, with
--mac and --nic-opt), answering a client there.

libvirt runs as a private per-user ("session") libvirtd that this script
starts and stops by its PID, with all state in a temporary directory
(HOME and XDG_RUNTIME_DIR point there; nothing under /etc or /var). As
root the daemon and virsh run as uid 65534 (nobody): a privileged
libvirtd needs Debian's libvirt-qemu user, which only
libvirt-daemon-system creates, and qemu:///session for root does not
start a session daemon. Exits 77 (skipped) without virsh, libvirtd or
setpriv.
"""
import argparse
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
RUN = os.path.join(ROOT, "tools", "run")
sys.path.insert(0, os.path.join(ROOT, "tools"))
NOBODY = 65534
SKIP = 77
URI = "qemu:///session"
DEADLINE = 120  # seconds per wait; CI runs two TCG tests at once on 2 cores
BUDGET = 480    # seconds for the whole test, below ctest's TIMEOUT (600)
END = time.monotonic() + BUDGET
TMP_PREFIX = "libos-libvirt-"


def left(deadline=DEADLINE):
    """Seconds a wait may take: deadline, or what is left of BUDGET."""
    return max(1.0, min(deadline, END - time.monotonic()))


class Session:
    """A private session libvirtd under one uid, rooted in a temporary
    directory; virsh() runs virsh against it."""

    def __init__(self, tmp, uid):
        self.tmp, self.uid = tmp, uid
        self.run_dir = os.path.join(tmp, "run")
        self.sock = os.path.join(self.run_dir, "libvirt", "libvirt-sock")
        self.env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": tmp,
                    "XDG_RUNTIME_DIR": self.run_dir,
                    "LIBVIRT_AUTOSTART": "0"}  # never a second daemon
        self.daemon = None

    def argv(self, cmd):
        """cmd as this session's uid (through setpriv when we are root)."""
        if self.uid == os.geteuid():
            return cmd
        return ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}",
                "--clear-groups"] + cmd

    def start(self, wrap=list):
        """Write qemu.conf (QEMU's stdio to a file: no virtlogd), start
        libvirtd in the foreground (its argv passed through wrap, e.g.
        into a network namespace), wait for its socket."""
        conf = os.path.join(self.tmp, ".config", "libvirt")
        os.makedirs(conf)
        with open(os.path.join(conf, "qemu.conf"), "w") as f:
            f.write('stdio_handler = "file"\n')
        os.makedirs(self.run_dir, mode=0o700)
        for d, _, files in os.walk(self.tmp):
            for p in [d] + [os.path.join(d, f) for f in files]:
                os.chown(p, self.uid, self.uid)
        with open(self.path("libvirtd.err"), "w") as err:
            self.daemon = subprocess.Popen(wrap(self.argv(["libvirtd"])),
                                           env=self.env,
                                           stdout=subprocess.DEVNULL,
                                           stderr=err)
        t = time.monotonic()
        poll(lambda: os.path.exists(self.sock) or self.daemon.poll()
             is not None, "libvirtd's socket")
        print(f"libvirtd (pid {self.daemon.pid}) up in "
              f"{time.monotonic() - t:.2f} s")
        if self.daemon.poll() is not None:
            raise RuntimeError("libvirtd exited: " +
                               open(self.path("libvirtd.err")).read())

    def path(self, name):
        """A file in the session's directory."""
        return os.path.join(self.tmp, name)

    def virsh(self, *words, check=True):
        """Run virsh -c qemu:///session WORDS; return its stdout."""
        r = subprocess.run(self.argv(["virsh", "-q", "-c", URI] +
                                     list(words)), env=self.env,
                           capture_output=True, text=True, timeout=left())
        if check and r.returncode != 0:
            raise RuntimeError(f"virsh {' '.join(words)}: {r.stderr.strip()}")
        return r.stdout

    def running(self, name):
        """Whether the (transient) domain name still exists."""
        return name in self.virsh("list", "--name").split()

    def qemu_pid(self, name):
        """QEMU's PID from libvirt's pid file, or None."""
        try:
            with open(os.path.join(self.run_dir, "libvirt", "qemu", "run",
                                   name + ".pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def stop(self, names):
        """Destroy the domains that still run (and kill their QEMU by PID
        if libvirt could not), then stop libvirtd by its PID; each step
        is tried whatever the one before did."""
        for name in names:
            pid = self.qemu_pid(name)
            if self.daemon and self.daemon.poll() is None:
                try:
                    self.virsh("destroy", name, check=False)
                except (subprocess.SubprocessError, OSError):
                    pass
            kill_if(pid, "qemu-system")
        if self.daemon and self.daemon.poll() is None:
            self.daemon.terminate()
            try:
                self.daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()


def alive(pid):
    """Whether a process pid exists (it may be a zombie of another)."""
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def kill_if(pid, program):
    """SIGKILL process pid if it is still program (its command line says
    so: a pid file may outlive its process and the number be reused)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if program.encode() in f.read().split(b"\0")[0]:
                os.kill(pid, signal.SIGKILL)
    except (OSError, TypeError):
        pass


def reap_stale(top=tempfile.gettempdir()):
    """Clean up after runs of this test that were killed (ctest's timeout
    sends SIGKILL, and libvirt's QEMU, a daemon, outlives its test): kill
    the QEMU and libvirtd of every directory whose test is gone, remove
    the directory. A directory is named TMP_PREFIX + the test's PID."""
    for name in os.listdir(top):
        m = re.fullmatch(re.escape(TMP_PREFIX) + r"(\d+)-\w+", name)
        if not m or alive(int(m.group(1))):
            continue
        path = os.path.join(top, name)
        for pidfile in glob.glob(path + "/**/*.pid", recursive=True):
            try:
                pid = int(open(pidfile).read().strip())
            except (OSError, ValueError):
                continue
            kill_if(pid, "qemu-system")
            kill_if(pid, "libvirtd")
        shutil.rmtree(path, ignore_errors=True)


def poll(cond, what, deadline=DEADLINE):
    """Wait until cond() is true, checking every 0.1 s; raise on deadline
    (or when the test's BUDGET is spent)."""
    deadline = left(deadline)
    end = time.monotonic() + deadline
    while not cond():
        if time.monotonic() > end:
            raise RuntimeError(f"timed out after {deadline} s waiting for "
                               f"{what}")
        time.sleep(0.1)


def read(path):
    """A file's text, or '' while it does not exist."""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def domain_xml(image, run_args, serial):
    """The definition `tools/run IMAGE --print-libvirt` writes."""
    cmd = [RUN, image, "--print-libvirt", "--libvirt-serial", serial, "-q"]
    r = subprocess.run(cmd + run_args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd + run_args)}: status "
                           f"{r.returncode}: {r.stderr.strip()}")
    return r.stdout


def free_port():
    """A loopback TCP port free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create(session, name, image, run_args):
    """Write the definition, `virsh create` it; return (serial log path,
    seconds virsh create took)."""
    serial = session.path(name + ".serial")
    xml = session.path(name + ".xml")
    # A copy the daemon's uid can read whatever the clone's directories
    # allow (a checkout under /root is closed to uid 65534).
    copy = session.path(os.path.basename(image))
    shutil.copyfile(image, copy)
    os.chown(copy, session.uid, session.uid)
    image = copy
    with open(xml, "w") as f:
        f.write(domain_xml(image, ["--libvirt-name", name] + run_args,
                           serial))
    os.chmod(xml, 0o644)
    t = time.monotonic()
    session.virsh("create", xml)
    return serial, time.monotonic() - t


def wait_gone(session, name, what):
    """Wait until the transient domain name has ended."""
    poll(lambda: not session.running(name), what)


def case_hello(session, build, machine):
    """hello prints its greeting and exit line; the domain then ends."""
    name = "libos-hello"
    t = time.monotonic()
    serial, took = create(session, name,
                          os.path.join(build, "examples/hello/hello.elf"),
                          ["-M", machine])
    wait_gone(session, name, "hello to end")
    # The status at the default log level (libvirt keeps none); the end
    # an ACPI power-off, which libvirt calls a shutdown, not a crash;
    # qboot as the firmware on pc and q35.
    qemu_log = session.path(f".cache/libvirt/qemu/log/{name}.log")
    wants = [(serial, "Hello from libos!"),
             (serial, "service exited with status 0"),
             (qemu_log, "reason=shutdown")]
    if machine != "microvm":
        wants.append((qemu_log, "-bios /usr/share/qemu/qboot.rom"))
    for path, want in wants:
        if want not in read(path):
            raise RuntimeError(f"hello: {want!r} not in {path}:\n"
                               + read(path))
    print(f"hello: ok (virsh create {took:.2f} s, create to domain gone "
          f"{time.monotonic() - t:.2f} s)")


def echo_once(port):
    """Send one line to the echo service on 127.0.0.1:port; return the
    reply. slirp accepts on the host side at once, so a reply (not the
    connect) is what shows the guest answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(b"libvirt\n")
        s.settimeout(30)
        return s.recv(64)


def case_echo(session, build, machine):
    """echo answers on a forwarded loopback port; virsh shutdown (ACPI
    power button) reaches its SIGTERM and the domain ends."""
    name, port = "libos-echo", free_port()
    t = time.monotonic()
    serial, took = create(session, name,
                          os.path.join(build, "examples/echo/echo.elf"),
                          ["-M", machine, "--kopt", "log=debug", "--net",
                           "user", "--fwd", f"tcp:{port}:7", "--", "7"])
    poll(lambda: "echo: listening" in read(serial), "echo to listen")
    ready = time.monotonic() - t
    reply = echo_once(port)
    if reply != b"libvirt\n":
        raise RuntimeError(f"echo: got {reply!r}")
    session.virsh("shutdown", name)
    wait_gone(session, name, "echo to end after virsh shutdown")
    if "service exited with status 143" not in read(serial):
        raise RuntimeError("echo: no exit 143 after shutdown:\n"
                           + read(serial))
    print(f"echo: ok (virsh create {took:.2f} s, listening after "
          f"{ready:.2f} s, total {time.monotonic() - t:.2f} s)")


TAP = "lvtap0"            # the tap libvirt opens, in the namespace
TAP_HOST, TAP_GUEST = "10.0.7.1", "10.0.7.2"
TUN_MISC_MINOR = 200      # /dev/net/tun is character device 10, 200


def in_namespace(ns, tundir):
    """An argv wrapper: run in namespace ns, in a mount namespace of its
    own where a tmpfs on tundir holds a 0666 tun node bound over
    /dev/net/tun. libvirt opens /dev/net/tun itself, even for a tap it
    does not manage, and here that node is 0600 root, which an
    unprivileged daemon cannot open (and /tmp may be mounted nodev)."""
    script = ('mount -t tmpfs -o mode=0755 tunfs "$0" && '
              f'mknod -m 666 "$0/tun" c 10 {TUN_MISC_MINOR} && '
              'mount --bind "$0/tun" /dev/net/tun && exec "$@"')

    def wrap(argv):
        return ns.cmd("unshare", "--mount", "sh", "-c", script, tundir,
                      *argv)
    return wrap


def check_tap_echo(ns, session, name, serial, machine):
    """The guest on the tap echoes a client in the namespace; its NIC is
    where --print-libvirt put it (microvm's is tools/run's own, on
    virtio-mmio) with the --mac given; QEMU got --nic-opt csum=off."""
    client = ("import socket; s = socket.create_connection(("
              f"'{TAP_GUEST}', 7), timeout=30); "
              "s.sendall(b'tap\\n'); print(s.recv(64))")
    reply = ns.run(sys.executable, "-c", client,
                   timeout=left()).stdout.strip()
    if reply != "b'tap\\n'":
        raise RuntimeError(f"echo over the tap: got {reply}")
    wants = [(serial, "net0: 52:54:00:4c:56:01")]
    if machine != "microvm":
        qemu_log = session.path(f".cache/libvirt/qemu/log/{name}.log")
        wants += [(serial, "virtio-net at pci 00:02.0"),
                  (qemu_log, '"csum":false')]
    for path, want in wants:
        if want not in read(path):
            raise RuntimeError(f"tap: {want!r} not in {path}:\n"
                               + read(path))


def case_tap(build, machine, uid, tmp):
    """echo on an existing tap (libvirt's own <interface
    type='ethernet'>, pinned to bus 0, with a --nic-opt through
    <qemu:override> and a --mac) answers a client in the namespace; a
    second daemon runs in that namespace, where the tap is."""
    import netns
    name = "libos-echo-tap"
    with netns.Netns() as ns:
        ns.run("ip", "tuntap", "add", "dev", TAP, "mode", "tap", "user",
               str(uid))
        ns.run("ip", "addr", "add", f"{TAP_HOST}/24", "dev", TAP)
        ns.run("ip", "link", "set", TAP, "up")
        tundir = os.path.join(tmp, "tundir")
        os.makedirs(tundir)
        session = Session(os.path.join(tmp, "tap"), uid)
        os.makedirs(session.tmp)
        try:
            session.start(in_namespace(ns, tundir))
            t = time.monotonic()
            serial, took = create(
                session, name, os.path.join(build, "examples/echo/echo.elf"),
                ["-M", machine, "--kopt", "log=debug", "--kopt",
                 f"net.ip={TAP_GUEST}/24", "--net", f"tap:{TAP}",
                 "--mac", "52:54:00:4c:56:01", "--nic-opt", "csum=off",
                 "--", "7"])
            poll(lambda: "echo: listening" in read(serial),
                 "echo to listen on the tap")
            check_tap_echo(ns, session, name, serial, machine)
            session.virsh("shutdown", name)
            wait_gone(session, name, "echo on the tap to end")
            print(f"tap: ok (virsh create {took:.2f} s, total "
                  f"{time.monotonic() - t:.2f} s)")
        finally:
            session.stop([name])


def usable():
    """None if the tools are there, else why the test is skipped."""
    for tool in ("virsh", "libvirtd", "qemu-system-x86_64"):
        if not shutil.which(tool, path="/usr/sbin:/usr/bin"):
            return f"{tool} not installed (Debian: libvirt-clients, " \
                   "libvirt-daemon, qemu-system-x86)"
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        return "root without setpriv (util-linux)"
    return None


def main():
    """Run the cases; 0 when all pass, 1 on a failure, 77 skipped."""
    p = argparse.ArgumentParser()
    p.add_argument("--build", required=True)
    p.add_argument("--machine", default="q35",
                   choices=["pc", "q35", "microvm"])
    p.add_argument("--keep", action="store_true",
                   help="keep the temporary directory (logs)")
    a = p.parse_args()
    why = usable()
    if why:
        print(f"skipped: {why}")
        return SKIP
    uid = NOBODY if os.geteuid() == 0 else os.geteuid()
    reap_stale()
    # SIGTERM (ctest, a user) ends the run through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    tmp = tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-")
    session = Session(tmp, uid)
    build = os.path.abspath(a.build)
    try:
        session.start()
        case_hello(session, build, a.machine)
        case_echo(session, build, a.machine)
        if os.geteuid() == 0:
            case_tap(build, a.machine, uid, tmp)
        else:
            print("tap: skipped (a network namespace needs root)")
        return 0
    except (RuntimeError, subprocess.SubprocessError, OSError) as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    finally:
        session.stop(["libos-hello", "libos-echo"])
        if a.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
