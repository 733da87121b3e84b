"""bench_boot: tools/bench's boot subject: boot to first answer of the
echo, DNS and HTTP examples, libos beside the same program in a Linux VM
and natively, beside QEMU's own floor, on each machine type (-M).

What is timed (wall time, ms), per machine type, in one network namespace
(tools/netns.py: tap0, host 10.0.0.1, guest 10.0.0.2):

  floor     QEMU from start to exit running BUILD/test/bench/floor.elf (a
            PVH kernel that exits through isa-debug-exit the moment it
            runs) with the same machine, firmware, NIC and -m as the
            guests: what QEMU itself costs;
  libos     QEMU started on the service's image (log=quiet) until the
            service's first real answer;
  Linux VM  the same, QEMU started on Debian's kernel with the service's
            initramfs (tools/linuxvm.py; the same QEMU options the image
            gets); a boot that does not answer within --limit s counts as
            hung, is stopped and retried (--tries boots in all), and is
            counted under the table;
  native    the host program started (in the namespace, on 127.0.0.1)
            until its first answer.

Every QEMU command is the exact one tools/run would run (tools/run
--dry-run), but QEMU is started directly, so tools/run's own start-up
(Python) is not counted. The client (tools/bench --client boot PLAN,
inside the namespace, on the first CPU; one floor boot first, not
counted, to warm QEMU up) starts each subject itself, pinned to the last
CPU with taskset (its exec is in every figure, the floor's too), takes
the time just before, sends a new probe request every STEP
s (2 ms; a UDP request, or a new TCP connection then GET) until one of
them is answered for real (benchsvc's checks: the echoed bytes, a DNS
answer with records, an HTTP 200), takes the time, then kills it by PID
and waits for it. Any earlier request answered counts, so an answer is
seen at most STEP late however slowly the server replies (benchsvc's own
probes wait for their one request, and a request sent before the
server's NIC is up is simply lost). Every subject runs once per run,
round robin within each run (-r runs; --quick: 3, and the Linux VM only
once, for echo, to fit in CI's minute: the table gives the boots of
every row).

ARP: the guests get a fixed MAC (tools/run --mac) and the host side a
permanent neighbour entry for it, so the first answer does not wait for
address resolution from the host (whose first retry would come only after
1 s); the guest still resolves the host's address itself, which is part
of its boot.

The table gives each row's median (min–max), the part above the floor's
median, that part over the Linux VM's of the same service, and libos's
targets: its total within 1.5x the floor, its part above the floor at
least 50x shorter than the Linux VM's. The guest's own figure (libos's
"boot: N us from kernel entry to the service", which log=quiet hides)
comes from one more boot of each image with the default log level, not
timed."""
import ctypes
import json
import os
import re
import select
import shlex
import signal
import socket
import struct
import subprocess
import time

import benchlib
import benchsvc
import linuxvm
import netns

RUN = os.path.join(benchlib.ROOT, "tools", "run")
MAC = "52:54:00:b0:07:02"
STEP = 0.002                # a new probe request (connection) this often
HTTP_AGE = 0.5              # a connection not through by then is closed
HTTP_WAIT = 5.0             # a connected probe's wait for its 200
TARGET_FLOOR = 1.5          # libos total <= 1.5 x the floor
TARGET_LINUXVM = 50.0       # libos above the floor <= Linux VM's / 50
GUEST_BOOT = re.compile(r"boot: (\d+) us from kernel entry")
NATIVE_ADDR = "127.0.0.1"
PR_SET_PDEATHSIG = 1


# ---- client side (runs inside the namespace) ---------------------------

def die_with_parent():
    """In a child before exec: be killed when this client dies, even by
    SIGKILL (a timeout's), so no QEMU outlives it in the namespace."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG,
                                            signal.SIGKILL)


def start(cmd, cpu, out=subprocess.DEVNULL):
    """Start cmd pinned to cpu, stdin from /dev/null, stdout (and stderr)
    to out, killed if this client dies; return the process (its PID is
    the program's: taskset execs it)."""
    return subprocess.Popen(benchlib.pinned(cpu, cmd),
                            stdin=subprocess.DEVNULL, stdout=out,
                            stderr=subprocess.STDOUT,
                            preexec_fn=die_with_parent)


def wait_exit(p, limit):
    """Wait up to limit s for p to end, waking the moment it does (a
    pidfd, not Popen.wait's polling in steps of up to 50 ms); return its
    status, or None if it still runs."""
    fd = os.pidfd_open(p.pid)
    try:
        select.select([fd], [], [], limit)
    finally:
        os.close(fd)
    return p.poll()


def kill(p):
    """Kill p by its PID (SIGKILL) and wait for it (bounded)."""
    if p.poll() is None:
        p.kill()
    p.wait(timeout=30)


def time_floor(cmd, cpu, limit):
    """ms from starting QEMU (cmd) to its exit; None if it did not end
    within limit s (then it is killed). RuntimeError if it ended with a
    status other than the floor's (3: status 0 through isa-debug-exit; 0
    accepted too)."""
    t0 = time.perf_counter()
    p = start(cmd, cpu)
    rc = wait_exit(p, limit)
    t1 = time.perf_counter()
    if rc is None:
        kill(p)
        return None
    if rc not in (0, 3):
        raise RuntimeError(f"floor: QEMU exited {rc}: {shlex.join(cmd)}")
    return (t1 - t0) * 1000


class UdpProbe:
    """Requests to a UDP service (echo or DNS) at addr, a new one every
    STEP s on one socket, any of them answered counting: so an answer
    is seen at most STEP late however long the server takes to reply
    (benchsvc's probes close their socket after their timeout)."""

    def __init__(self, service, addr):
        self.service, self.addr = service, addr
        self.port = benchsvc.SERVICES[service].port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sent = set()

    def request(self):
        """A new request (its key remembered): bytes to send."""
        if self.service == "echo":
            token = os.urandom(8)
            self.sent.add(token)
            return token
        qid = int.from_bytes(os.urandom(2), "big")
        self.sent.add(qid)
        return benchsvc.dns_query(*benchsvc.DNS_PROBE, qid)

    def answered(self, data):
        """True if data is a real answer to one of the requests (echo:
        the same bytes; DNS: its id, NOERROR, at least one record)."""
        if self.service == "echo":
            return data in self.sent
        if len(data) < 12:
            return False
        qid, flags, _, an = struct.unpack("!HHHH", data[:8])
        return (qid in self.sent and flags & 0x8000 != 0
                and flags & 0xf == 0 and an > 0)

    def __call__(self, addr, wait):
        """Send one more request, then read answers for up to wait s;
        True once one is answered."""
        try:
            self.sock.sendto(self.request(), (self.addr, self.port))
        except OSError:
            pass                     # no route yet: the next step retries
        end = time.perf_counter() + wait
        while (left := end - time.perf_counter()) > 0:
            if not select.select([self.sock], [], [], left)[0]:
                break
            try:
                data = self.sock.recv(4096)
            except OSError:
                continue
            if self.answered(data):
                return True
        return False

    def close(self):
        """Close the socket."""
        self.sock.close()


class HttpProbe:
    """Connections to the HTTP service at addr, a new one every STEP s
    (a SYN sent before the guest's NIC is up is lost, and TCP would
    resend it only after 1 s), each given up after HTTP_AGE s; the first
    that connects gets GET benchsvc.HTTP_PROBE and counts if answered
    200 (within HTTP_WAIT s)."""

    def __init__(self, addr):
        self.addr = addr
        self.port = benchsvc.SERVICES["http"].port
        self.pending = {}                      # socket: when started

    def connect(self):
        """Start one more non-blocking connection."""
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        c.connect_ex((self.addr, self.port))
        self.pending[c] = time.perf_counter()

    def drop(self, c):
        """Forget and close connection c."""
        del self.pending[c]
        c.close()

    def get(self, c):
        """True if GET on the connected c is answered 200."""
        c.setblocking(True)
        return benchsvc.http_get_ok(c, self.addr,
                                    time.monotonic() + HTTP_WAIT)

    def __call__(self, addr, wait):
        """Start one more connection, then watch them all for up to wait
        s; True once one is answered 200."""
        now = time.perf_counter()
        for c in [c for c, t in self.pending.items() if now - t > HTTP_AGE]:
            self.drop(c)
        self.connect()
        end = now + wait
        while (left := end - time.perf_counter()) > 0 and self.pending:
            ready = select.select([], list(self.pending), [], left)[1]
            if not ready:
                break
            for c in ready:
                if c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 \
                        and self.get(c):
                    return True
                self.drop(c)             # refused, or no 200
        return False

    def close(self):
        """Close every connection."""
        for c in list(self.pending):
            self.drop(c)


def prober(service, addr):
    """A probe(addr, wait) -> True on a real answer of service, with
    close()."""
    return UdpProbe(service, addr) if service in ("echo", "dns") \
        else HttpProbe(addr)


def time_answer(cmd, cpu, service, addr, limit, out=subprocess.DEVNULL):
    """ms from starting cmd to the first real answer of service at addr
    (prober()), None if none came within limit s; the process is killed
    either way and returned. RuntimeError if it ends before answering."""
    probe = prober(service, addr)
    t0 = time.perf_counter()
    p = start(cmd, cpu, out)
    end = t0 + limit
    ms = None
    try:
        while time.perf_counter() < end:
            t = time.perf_counter()
            if probe(addr, STEP):
                ms = (time.perf_counter() - t0) * 1000
                break
            if p.poll() is not None:
                raise RuntimeError(f"{cmd[0]} ended (status {p.returncode}) "
                                   f"before answering: {shlex.join(cmd)}")
            if time.perf_counter() - t < 0.001:
                time.sleep(0.001)    # refused at once: do not spin
    finally:
        kill(p)
        probe.close()
    return ms, p


def pin_neighbour():
    """The guest's address bound to MAC on tap0, permanently."""
    netns.sh("ip", "neigh", "replace", netns.GUEST_IP, "lladdr", MAC,
             "dev", "tap0", "nud", "permanent")


def boot_once(s, cpu, limit, tries):
    """One boot of subject s (a plan entry); return (ms or None, hung
    boots)."""
    if s["kind"] == "floor":
        pin_neighbour()
        ms = time_floor(s["cmd"], cpu, limit)
        return ms, int(ms is None)
    hung = 0
    for _ in range(tries if s["kind"] == "linuxvm" else 1):
        if s["kind"] != "native":
            pin_neighbour()
        ms, _ = time_answer(s["cmd"], cpu, s["service"], s["addr"],
                            limit)
        if ms is not None:
            return ms, hung
        hung += 1
        benchlib.say(f"boot: {s['name']} did not answer within {limit} s "
                     f"(boot {hung})")
    return None, hung


def guest_figure(s, cpu, limit):
    """The libos kernel's own "boot: N us" (kernel entry to the service),
    from one boot of s's guest_cmd (default log level); None if not
    printed."""
    pin_neighbour()
    _, p = time_answer(s["guest_cmd"], cpu, s["service"], s["addr"], limit,
                       subprocess.PIPE)
    m = GUEST_BOOT.search(p.stdout.read().decode(errors="replace"))
    p.stdout.close()
    return int(m.group(1)) / 1000 if m else None


def client(plan):
    """The client side, run inside the namespace by tools/bench --client
    boot PLAN. PLAN: {"subjects": [{"name", "kind" (floor, libos, linuxvm,
    native), "cmd", "service", "addr", "runs", "guest_cmd" (libos only)},
    ...], "runs", "cpu" (QEMU's and the programs' CPU), "limit", "tries"}.
    After one boot of the first subject (the floor) not counted, boots
    each subject up to its "runs" times, round robin within each run;
    prints {name: {"ms": [...], "hung": N, "guest": ms or None}} as
    JSON on stdout."""
    cpu, limit = plan["cpu"], plan["limit"]
    res = {s["name"]: {"ms": [], "hung": 0, "guest": None}
           for s in plan["subjects"]}
    boot_once(plan["subjects"][0], cpu, limit, 1)    # warm-up, not counted
    for r in range(plan["runs"]):
        for s in plan["subjects"]:
            if r >= s["runs"]:
                continue
            ms, hung = boot_once(s, cpu, limit, plan["tries"])
            res[s["name"]]["ms"].append(ms)
            res[s["name"]]["hung"] += hung
            text = f"{ms:.1f} ms" if ms is not None else "hung"
            benchlib.say(f"boot: run {r + 1} {s['name']}: {text}")
    for s in plan["subjects"]:
        if s.get("guest_cmd"):
            res[s["name"]]["guest"] = guest_figure(s, cpu, limit)
    print(json.dumps(res))
    return 0


# ---- host side: the commands, the table ---------------------------------

def qemu_cmd(image, machine, mem, run_args=(), service_args=()):
    """The QEMU command tools/run would run for image on machine with -m
    mem, tap0 and MAC, and run_args (e.g. --kopt ...) and service_args."""
    out = subprocess.run(
        [RUN, "-q", "--dry-run", image, "-M", machine, "-m", mem, "--net",
         "tap:tap0", "--mac", MAC] + list(run_args) + ["--"]
        + list(service_args),
        check=True, stdout=subprocess.PIPE, text=True, timeout=60).stdout
    return shlex.split(out.strip().splitlines()[-1])


def prepare(a):
    """What is booted: {"floor": path, "kernel": vmlinux, service name:
    (image, Linux VM initramfs or None if not booted, host program)};
    RuntimeError if the build lacks one."""
    found = {"floor": os.path.join(a.build, "test", "bench", "floor.elf")}
    benchlib.say("boot: preparing the Linux VMs (Debian kernel, busybox, "
                 "static programs)")
    kdir, _ = linuxvm.kernel()
    found["kernel"] = os.path.join(kdir, "vmlinux")
    for name in benchsvc.NAMES:
        svc = benchsvc.SERVICES[name]
        cpio = (svc.linuxvm_initramfs(a.build)[1]
                if linuxvm_runs(a, name) else None)
        found[name] = (svc.elf(a.build), cpio, svc.host_program(a.build))
    for f in [found["floor"]] + [f for n in benchsvc.NAMES
                                 for f in (found[n][0], found[n][2])]:
        if not os.path.isfile(f):
            raise RuntimeError(f"{f} not found: build first")
    return found


def linuxvm_runs(a, name):
    """Boots of the Linux VM of service name: a.runs; with --quick only
    one, of echo (its boots take seconds under TCG)."""
    if not a.quick:
        return a.runs
    return 1 if name == "echo" else 0


def subjects(a, machine, found):
    """The client plan's subjects for machine, in table order."""
    ip = f"{netns.GUEST_IP}/24"
    out = [{"name": "floor", "kind": "floor", "runs": a.runs,
            "cmd": qemu_cmd(found["floor"], machine, a.mem)}]
    for name in benchsvc.NAMES:
        svc, (elf, _, _) = benchsvc.SERVICES[name], found[name]
        kopts = ["--kopt", f"net.ip={ip}"]
        out.append({"name": f"libos {name}", "kind": "libos",
                    "service": name, "addr": netns.GUEST_IP, "runs": a.runs,
                    "cmd": qemu_cmd(elf, machine, a.mem,
                                    kopts + ["--kopt", "log=quiet"],
                                    svc.args),
                    "guest_cmd": qemu_cmd(elf, machine, a.mem, kopts,
                                          svc.args)})
    for name in benchsvc.NAMES:
        svc, (_, cpio, _) = benchsvc.SERVICES[name], found[name]
        kopts = [f"--kopt={k}" for k in linuxvm.kernel_options(ip)]
        out.append({"name": f"Linux VM {name}", "kind": "linuxvm",
                    "service": name, "addr": netns.GUEST_IP,
                    "runs": linuxvm_runs(a, name),
                    "cmd": cpio and qemu_cmd(found["kernel"], machine, a.mem,
                                             ["--initrd", cpio] + kopts,
                                             svc.args)})
    for name in benchsvc.NAMES:
        svc, (_, _, prog) = benchsvc.SERVICES[name], found[name]
        out.append({"name": f"native {name}", "kind": "native",
                    "service": name, "addr": NATIVE_ADDR, "runs": a.runs,
                    "cmd": [prog] + svc.native_args(a.build)})
    return out


def measure(a, machine, found):
    """Run the client for machine in a fresh namespace; return (its
    results, the plan's subjects)."""
    subs = subjects(a, machine, found)
    boots = sum(s["runs"] * (a.tries if s["kind"] == "linuxvm" else 1)
                + (1 if s.get("guest_cmd") else 0) for s in subs)
    bound = boots * (a.limit + 10) + 60
    with netns.Netns() as ns:
        c = subprocess.run(ns.cmd(*benchlib.pinned(
            a.pin[0], benchlib.client_cmd("boot", {
                "subjects": subs, "runs": a.runs, "cpu": a.pin[1],
                "limit": a.limit, "tries": a.tries}))),
            stdout=subprocess.PIPE, text=True, timeout=bound)
    if c.returncode:
        raise RuntimeError(f"boot client failed (status {c.returncode})")
    return json.loads(c.stdout.strip().splitlines()[-1]), subs


def above(res, name, floor):
    """Median of name's boots minus the floor's median (None: n/a)."""
    m = benchlib.median(res[name]["ms"])
    return m - floor if m is not None and floor is not None else None


def fmt(x, f="{:.1f}"):
    """x formatted, or n/a for None."""
    return "n/a" if x is None else f.format(x)


def row(res, s, floor):
    """One table row for subject s: what, boots, median (min–max), above
    the floor, over the Linux VM's, guest's own figure, the two targets."""
    name, kind = s["name"], s["kind"]
    r = res[name]
    done = sum(1 for x in r["ms"] if x is not None)
    boots = f"{done}" if done == s["runs"] else f"{done} of {s['runs']}"
    if s["runs"] == 0:
        return [name, "0 (--quick)", "not booted", "", "", "", "", ""]
    cells = [name, boots, benchlib.spread(r["ms"], "{:.1f}")]
    if kind in ("floor", "native"):
        return cells + ["—"] * 3 + ["", ""]
    mine = above(res, name, floor)
    vm = above(res, f"Linux VM {s['service']}", floor)
    over = mine / vm if mine is not None and vm else None
    cells += [fmt(mine), fmt(over, "{:.3f}") if kind == "libos" else "—",
              fmt(r["guest"]) if kind == "libos" else "—"]
    if kind != "libos":
        return cells + ["", ""]
    total = benchlib.median(r["ms"])
    return cells + [
        benchlib.verdict(total / floor if total and floor else None,
                         TARGET_FLOOR, higher_is_better=False),
        benchlib.verdict(None if mine is None or not vm else
                         mine * TARGET_LINUXVM / vm, 1.0,
                         higher_is_better=False)]


def table(machine, res, subs, a):
    """Print machine's table (see the module's docstring)."""
    floor = benchlib.median(res["floor"]["ms"])
    hung = {n: r["hung"] for n, r in res.items() if r["hung"]}
    hung_text = (", ".join(f"{n} {h}" for n, h in hung.items())
                 if hung else "none")
    benchlib.table(
        f"boot to first answer, {machine} ({a.accel}), ms",
        ["what", "boots", "median (min–max)", "above the floor",
         "above floor / Linux VM's", "guest's own (entry → service)",
         f"total ≤ {TARGET_FLOOR}× floor", f"above floor ≥ "
         f"{TARGET_LINUXVM:.0f}× shorter than Linux VM's"],
        [row(res, s, floor) for s in subs],
        [f"Wall time from starting QEMU (the program, for native) to the "
         f"first answer (floor: to QEMU's exit), -m {a.mem}, a new probe every "
         f"{STEP * 1000:.0f} ms; guests' MAC pinned in the "
         "host's neighbour table. Boots that did not answer (or end) within "
         f"{a.limit:.0f} s, counted as hung (a Linux VM's retried, {a.tries}"
         f" boots allowed, the others not): {hung_text}. The guest's own "
         "figure: one more boot at the default log level."])


def run(a):
    """tools/bench's boot subject: time every subject on each machine type
    in a.machines and print a table for each."""
    t0 = time.monotonic()
    found = prepare(a)
    benchlib.say(f"boot: prepared in {time.monotonic() - t0:.1f} s")
    for machine in a.machines:
        t0 = time.monotonic()
        res, subs = measure(a, machine, found)
        benchlib.say(f"boot: {machine} measured in "
                     f"{time.monotonic() - t0:.1f} s")
        table(machine, res, subs, a)
        print(f"\nThe floor ran: `{shlex.join(subs[0]['cmd'])}`")
