"""bench_mem: tools/bench's mem subject: what each example service (echo,
DNS, HTTP; tools/benchsvc.py) costs the host in bytes and memory, and in
CPU when idle, as a libos image beside the same source in a Linux VM and
as a native process. Replaces tools/bench-mem and tools/bench-idle.

Everything runs on the first machine type (tools/bench -M), in one
network namespace (tools/netns.py) with a tap per VM; the native program
runs in a second namespace behind a veth pair (benchlib.NativeNs).

  image size   libos: the image stripped (benchlib.image_size) and its
               parts (tools/size-report); Linux VM: what QEMU is given to
               boot, the kernel ELF (stripped) plus the initramfs cpio,
               and its static program alone (stripped); native: the host
               program (stripped). Targets: DNS <= 400 KiB, HTTP <= 800
               KiB (the libos image, stripped).
  smallest -m  whole MiB, bisected (benchlib.smallest_mem) once per image
               over LIBOS_RANGE (libos) and LINUX_RANGE (Linux VM): one
               bounded boot per try (libos LIBOS_BOOT s, Linux VM LINUX_BOOT
               s, no retry), "serves" = the service's probe answers within
               PROBE_WAIT s of the ready line; a boot tools/run refuses, a
               panic or a hang all count as "no". Targets: DNS serves with
               -m 4, HTTP with -m 8.
  resident     QEMU's VmRSS (/proc/PID/status) at -m --mem once the
               service answered and after each of R loads (echo: 16 MiB
               through TCP, bench_echo's client; DNS: dnsperf for LOAD_S
               s; HTTP: wrk for LOAD_S s), and the same minus the RSS of
               a VM that runs nothing (test/bench/floor_idle.elf: cli;
               hlt, same machine, -m and NIC), read at the same moment in
               the same run. Targets: RSS minus floor at least 20x lower
               than the Linux VM's; the DNS image's RSS minus floor <= 4
               MiB after its load.
  against -m   the same once served at -m BIG (2048M), one boot each,
               beside the after-boot reading at --mem (and the floor's):
               an image that touches only what it uses does not grow.
  idle CPU     CPU time of all of QEMU's threads (/proc/PID/task/*/
               schedstat; the native process's own) over IDLE_S s (3
               with --quick) once served, as % of one core, beside the
               floor's over the same window.

Each service's three forms and the floor run at once; each form is
booted once per service and measured R times (--runs): R idle windows
and R loads, each followed by an RSS reading."""
import functools
import os
import subprocess
import tempfile
import threading
import time

import benchlib
import benchsvc
import linuxvm
import netns

RUN = os.path.join(benchlib.ROOT, "tools", "run")
FLOOR = os.path.join("test", "bench", "floor_idle.elf")
LIBOS_RANGE, LINUX_RANGE = (1, 64), (16, 256)     # MiB bisected
LIBOS_BOOT = 20            # s a libos boot gets to print its ready line
LINUX_BOOT = 30            # s a Linux VM boot gets in the -m bisection
                           # (about 5 s when it serves; a VM short of
                           # memory may hang rather than panic)
PROBE_WAIT = 10            # s the probe gets after the ready line
SIZE_TARGET = {"dns": 400, "http": 800}           # KiB, stripped
MEM_TARGET = {"dns": 4, "http": 8}                # MiB, -m
RSS_RATIO = 20             # RSS minus floor: Linux VM / libos at least
DNS_RSS = 4                # MiB, DNS RSS minus floor after load at most
ECHO_MIB = 16              # MiB echoed as the echo's load
BIG = "2048M"              # the large -m RSS after boot is compared at
KIB, MIB = 1 << 10, 1 << 20


# ---- client side (inside the namespace) -------------------------------

def client(plan):
    """tools/bench --client mem PLAN: {"probe": [service, address,
    seconds]}: probe the service at address until it answers or seconds
    pass; exit 0 if it answered, else 1."""
    name, addr, limit = plan["probe"]
    svc = benchsvc.SERVICES[name]
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if svc.probe(addr, min(1.0, max(0.1, end - time.monotonic()))):
            return 0
        time.sleep(0.1)
    return 1


def probe(ns, a, name, addr, limit=PROBE_WAIT):
    """True if service name at addr answers within limit s (probed from
    inside ns)."""
    p = subprocess.run(ns.cmd(*benchlib.client_cmd(
        "mem", {"probe": [name, addr, limit]})), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, timeout=limit + 30)
    return p.returncode == 0


# ---- sizes -------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def stripped_size(path):
    """Bytes of path once stripped (strip -o to a temporary file), or
    its own size if strip cannot handle it."""
    with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp:
        out = os.path.join(tmp, "stripped")
        p = subprocess.run(["strip", "-o", out, path], capture_output=True,
                           timeout=120)
        return os.stat(out if p.returncode == 0 else path).st_size


def sizes(a, name):
    """{libos, parts, kernel, initramfs, linuxvm, program, native} in
    bytes (parts: size-report's text) for service name."""
    svc = benchsvc.SERVICES[name]
    libos, rows = benchlib.image_size(a.build, name, name)
    kdir, _ = linuxvm.kernel()
    prog, cpio = svc.linuxvm_initramfs(a.build)
    kern = stripped_size(os.path.join(kdir, "vmlinux"))
    ramfs = os.stat(cpio).st_size
    return {"libos": libos, "parts": benchlib.size_parts(rows),
            "kernel": kern, "initramfs": ramfs, "linuxvm": kern + ramfs,
            "program": stripped_size(prog),
            "native": stripped_size(svc.host_program(a.build))}


def kib(n):
    """Bytes n as KiB text."""
    return f"{n / KIB:,.0f} KiB"


def size_table(a):
    """Print the image size table."""
    rows, notes = [], []
    for name in benchsvc.NAMES:
        s = sizes(a, name)
        target = ""
        if name in SIZE_TARGET:
            target = (f"≤ {SIZE_TARGET[name]} KiB: " + benchlib.verdict(
                s["libos"] / KIB, SIZE_TARGET[name], False))
        rows.append([name, kib(s["libos"]), kib(s["linuxvm"]),
                     kib(s["program"]), kib(s["native"]),
                     f"{s['libos'] / s['linuxvm']:.4f}", target])
        notes.append(f"- {name}: libos parts (bytes stored): {s['parts']}; "
                     f"Linux VM: kernel {kib(s['kernel'])} + initramfs "
                     f"{kib(s['initramfs'])}.")
    benchlib.table(
        "mem: image size (stripped)",
        ["service", "libos image", "Linux VM boots (kernel + initramfs)",
         "Linux VM program alone", "native program", "libos / Linux VM",
         "target"], rows,
        ["Stripped with strip(1): the libos image, the Linux VM's kernel "
         "ELF (Debian's vmlinux, unpacked for PVH), its static musl "
         "program and the host program; the initramfs cpio (busybox, the "
         "virtio modules, the program and its data) as it is."] + notes)


# ---- booting -------------------------------------------------------------

class Taps:
    """Taps of a namespace handed out one per VM slot: tap(i) is tapI on
    10.0.(10+I).1/24 (tap0 is netns's own, 10.0.0.1), created on first
    use; guest(i) is the guest's address there."""

    def __init__(self, ns):
        self.ns, self.made, self.lock = ns, {0}, threading.Lock()

    def tap(self, i):
        """The name of tap i, created if needed."""
        with self.lock:
            if i not in self.made:
                benchlib.add_tap(self.ns, f"tap{i}", f"10.0.{10 + i}.1/24")
                self.made.add(i)
        return f"tap{i}"

    @staticmethod
    def guest(i):
        """The guest's address on tap i."""
        return netns.GUEST_IP if i == 0 else f"10.0.{10 + i}.2"


def boot_libos(ns, a, name, mem, tap, ip, limit, log, timeout, cpu):
    """Start service name's image with -m mem on tap of ns (ip/24) pinned
    to cpu; return (tools/run process, QEMU PID, True once it printed its
    ready line within limit s). timeout bounds the whole run."""
    svc = benchsvc.SERVICES[name]
    p = ns.popen(*benchlib.pinned(cpu, [
        RUN, "-q", svc.elf(a.build), "-M", a.mem_machine, "-m", mem,
        "--net", f"tap:{tap}", "--timeout", str(timeout), "--kopt",
        f"net.ip={ip}/24", "--kopt", "log=quiet", "--"] + svc.args),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    q = benchlib.qemu_of(p)
    return p, q, q is not None and benchlib.watch(p, svc.ready, limit, log)


def boot_linux(ns, a, name, mem, tap, ip, log, timeout, tries, cpu,
               limit=None):
    """Boot service name's Linux VM with -m mem on tap (ip/24) pinned to
    cpu, tries boots at most, each given limit s (a.limit) to get to the
    ready line; return (tools/run process, QEMU PID, boots that hung).
    RuntimeError if none got there."""
    svc = benchsvc.SERVICES[name]
    prog, _ = svc.linuxvm_initramfs(a.build)
    return linuxvm.boot(ns, cpu, prog, a.mem_machine, mem, timeout,
                        svc.ready, limit or a.limit, log, f"{ip}/24", svc.args,
                        tries=tries, tap=tap, files=svc.linuxvm_files(a.build))


def boot_floor(ns, a, tap, timeout, mem=None):
    """Start the idle floor with -m mem (a.mem) on tap; return (tools/run
    process, QEMU PID) once QEMU runs (plus 2 s to settle)."""
    p = ns.popen(*benchlib.pinned(a.pin[1], [
        RUN, "-q", os.path.join(a.build, FLOOR), "-M", a.mem_machine, "-m",
        mem or a.mem, "--net", f"tap:{tap}", "--timeout", str(timeout),
        "--boot-timeout", "0"]),  # the floor prints nothing
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    q = benchlib.qemu_of(p)
    if q is None:
        raise RuntimeError(f"{FLOOR}: tools/run ended before QEMU started")
    time.sleep(2)
    return p, q


# ---- smallest -m ---------------------------------------------------------

def serves_libos(ns, a, name, tap, ip):
    """serves(mib) for benchlib.smallest_mem: one bounded libos boot."""
    def serves(mib):
        log, t0 = [], time.monotonic()
        p, q, up = boot_libos(ns, a, name, f"{mib}M", tap, ip, LIBOS_BOOT,
                              log, LIBOS_BOOT + PROBE_WAIT + 30, None)
        try:
            ok = up and probe(ns, a, name, ip)
        finally:
            benchlib.stop(p, q)
        benchlib.say(f"mem: {name} libos -m {mib}M: "
                     f"{'serves' if ok else 'no'} ({time.monotonic() - t0:.0f}"
                     " s)")
        return ok, "".join(log)
    return serves


def serves_linux(ns, a, name, tap, ip):
    """serves(mib) for benchlib.smallest_mem: one bounded Linux VM boot
    (no retry)."""
    def serves(mib):
        log, t0 = [], time.monotonic()
        try:
            p, q, _ = boot_linux(ns, a, name, f"{mib}M", tap, ip, log,
                                 LINUX_BOOT + PROBE_WAIT + 30, 1, None,
                                 LINUX_BOOT)
        except RuntimeError:
            ok = False
        else:
            try:
                ok = probe(ns, a, name, ip)
            finally:
                benchlib.stop(p, q)
        benchlib.say(f"mem: {name} Linux VM -m {mib}M: "
                     f"{'serves' if ok else 'no'} ({time.monotonic() - t0:.0f}"
                     " s)")
        return ok, "".join(log)
    return serves


def smallest(ns, taps, a):
    """Bisect the smallest -m of every service's libos image and Linux VM,
    two at a time (each on its own tap, unpinned: no speed is measured
    here); return {(name, form): (MiB or
    None, tried text)}."""
    jobs = []
    for i, name in enumerate(benchsvc.NAMES):
        jobs.append((name, "linuxvm", serves_linux, LINUX_RANGE, 10 + i))
    for i, name in enumerate(benchsvc.NAMES):
        jobs.append((name, "libos", serves_libos, LIBOS_RANGE, 20 + i))
    out, lock, errors = {}, threading.Lock(), []

    def worker():
        while True:
            with lock:
                if not jobs:
                    return
                name, form, make, rng, t = jobs.pop(0)
            try:
                serves = make(ns, a, name, taps.tap(t), taps.guest(t))
                mib, log, tried = benchlib.smallest_mem(serves, *rng)
                out[(name, form)] = (mib, benchlib.tried_text(tried)
                                     + why(log))
            except Exception as e:          # reported after the join
                errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return out


def why(log):
    """What the largest failing boot of a bisection said (its first
    panic or tools/run line, else its last line), as '; largest "no":
    ...', or nothing if none failed."""
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    if not lines:
        return ""
    said = next((ln for ln in lines if "panic" in ln.lower()
                 or ln.startswith("run:")), lines[-1])
    return f"; largest \"no\": `{said[:160]}`"


def smallest_table(res):
    """Print the smallest -m table from smallest()'s result."""
    rows, notes = [], []
    for name in benchsvc.NAMES:
        lib, lin = res[(name, "libos")][0], res[(name, "linuxvm")][0]
        target = ""
        if name in MEM_TARGET:
            target = f"≤ {MEM_TARGET[name]} MiB: " + benchlib.verdict(
                lib, MEM_TARGET[name], False)
        rows.append([name, mib_cell(lib, LIBOS_RANGE),
                     mib_cell(lin, LINUX_RANGE),
                     f"{lib / lin:.3f}" if lib and lin else "n/a", target])
        for form, label in (("libos", "libos"), ("linuxvm", "Linux VM")):
            notes.append(f"- {name} {label}: {res[(name, form)][1]}")
    benchlib.table(
        "mem: smallest -m that boots and serves (MiB)",
        ["service", "libos", "Linux VM", "libos / Linux VM", "target"],
        rows,
        [f"Bisected once per image over {LIBOS_RANGE[0]}..{LIBOS_RANGE[1]} "
         f"MiB (libos) and {LINUX_RANGE[0]}..{LINUX_RANGE[1]} MiB (Linux "
         f"VM), one boot per try, not retried: a boot that does not print "
         f"its ready line within {LIBOS_BOOT} s (libos) or {LINUX_BOOT} s "
         f"(Linux VM), or whose probe gets no answer within {PROBE_WAIT} s,"
         " counts as no, as does a -m tools/run refuses. Two bisections "
         "ran at a time, unpinned. Boots tried:"]
        + notes)


def mib_cell(v, rng):
    """A smallest -m as text (None: not even at the range's top)."""
    return f"{v}" if v is not None else f"> {rng[1]}"


# ---- resident memory and idle CPU ---------------------------------------

def rss_kib(pid):
    """VmRSS of process pid in KiB (/proc/PID/status)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/{pid}/status: no VmRSS")


def cpu_ns(pid):
    """Run time of pid's live threads so far in ns (/proc/PID/task/*/
    schedstat, first field)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError):
            pass                           # the thread just ended
    return total


def dnsperf_load(ns, a, addr, qfile):
    """dnsperf against addr for a.load_s s (from inside ns)."""
    p = subprocess.run(ns.cmd(*benchlib.pinned(a.pin[0], [
        "dnsperf", "-s", addr, "-p", "53", "-d", qfile, "-l",
        str(a.load_s), "-t", "2", "-O",
        "suppress=timeouts,congestion,sendfailed,sockready,unexpected"])),
        capture_output=True, text=True, timeout=a.load_s + 60)
    if "Queries completed:" not in p.stdout:
        raise RuntimeError(f"dnsperf (status {p.returncode}):\n{p.stdout}"
                           f"{p.stderr}")


def load(ns, a, name, addr, qfile):
    """Put service name at addr under its load (see the module's doc)."""
    if name == "echo":
        subprocess.run(ns.cmd(*benchlib.pinned(a.pin[0], benchlib.client_cmd(
            "echo", {"once": [addr, ECHO_MIB, a.limit]}))), check=True,
            stdout=subprocess.DEVNULL, timeout=a.limit * 2)
    elif name == "dns":
        dnsperf_load(ns, a, addr, qfile)
    else:
        benchlib.wrk(ns, a.pin[0], addr, benchsvc.HTTP_PROBE, 8, a.load_s)


def start_forms(ns, nat, taps, a, name, extra, forms):
    """Start service name's libos image (tap 1), Linux VM (tap 2) and
    native program (veth), wait until each answers; append to forms
    (form, address, PID to measure, processes to stop) as each starts, so
    the caller stops what started even when a later one fails."""
    svc, timeout = benchsvc.SERVICES[name], a.limit * (4 * a.runs + 10) + 300
    log = []
    p, q, up = boot_libos(ns, a, name, a.mem, taps.tap(1), taps.guest(1),
                          a.limit, log, timeout, a.pin[1])
    forms.append(("libos", taps.guest(1), q, (p, q)))
    if not up:
        raise RuntimeError(f"{name} libos: no ready line:\n" + "".join(log))
    log = []
    p, q, hung = boot_linux(ns, a, name, a.mem, taps.tap(2), taps.guest(2),
                            log, timeout, a.tries, a.pin[1])
    extra["hung"] += hung
    forms.append(("linuxvm", taps.guest(2), q, (p, q)))
    log = []
    p = nat.popen(*benchlib.pinned(a.pin[1], [svc.host_program(a.build)]
                                   + svc.native_args(a.build)),
                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    forms.append(("native", benchlib.VETH_SERVER_IP, p.pid, (p, None)))
    if not benchlib.watch(p, svc.ready, 10, log):
        raise RuntimeError(f"{name} native: no ready line:\n" + "".join(log))
    for form, addr, _, _ in forms:
        if not probe(ns, a, name, addr, a.limit):
            raise RuntimeError(f"{name} {form} at {addr}: no answer")


def measure(ns, nat, taps, a, name, floor, qfile, extra):
    """Start service name's three forms, read RSS once served, then R
    times: an idle window and a load, each form's RSS after its load;
    stop them. Return {form: {"boot": [KiB], "load": [KiB], "idle": [%],
    "floor": [the floor's KiB read beside each "load"]}}, with form
    "floor" read beside the others after boot and over the windows."""
    res = {f: {"boot": [], "load": [], "idle": [], "floor": []}
           for f in ("libos", "linuxvm", "native", "floor")}
    forms, t0 = [], time.monotonic()
    try:
        start_forms(ns, nat, taps, a, name, extra, forms)
        benchlib.say(f"mem: {name}: all forms answer after "
                     f"{time.monotonic() - t0:.0f} s")
        pids = {f: pid for f, _, pid, _ in forms}
        pids["floor"] = floor
        for f, pid in pids.items():
            res[f]["boot"].append(rss_kib(pid))
        for r in range(a.runs):
            time.sleep(1)
            c0, t0 = {f: cpu_ns(p) for f, p in pids.items()}, time.monotonic()
            time.sleep(a.idle_s)
            c1, t1 = {f: cpu_ns(p) for f, p in pids.items()}, time.monotonic()
            for f in pids:
                res[f]["idle"].append(100 * (c1[f] - c0[f]) / 1e9 / (t1 - t0))
            for f, addr, pid, _ in forms:
                load(ns, a, name, addr, qfile)
                res[f]["load"].append(rss_kib(pid))
                res[f]["floor"].append(rss_kib(floor))
            benchlib.say(f"mem: {name} run {r + 1}: RSS after load "
                         + ", ".join(f"{f} {res[f]['load'][-1] / KIB:.1f} "
                                     "MiB" for f, _, _, _ in forms))
    finally:
        for _, _, _, (p, q) in forms:
            benchlib.stop(p, q)
    return res


def rss_rows(name, res):
    """The resident memory table's rows for service name."""
    rows = []
    for when in ("boot", "load"):
        fl = {f: res["floor"]["boot"] if when == "boot" else res[f]["floor"]
              for f in ("libos", "linuxvm", "native")}
        raw = {f: [v / KIB for v in res[f][when]] for f in fl}
        less = {f: [(v - b) / KIB for v, b in zip(res[f][when], fl[f])]
                for f in ("libos", "linuxvm")}
        label = "after boot" if when == "boot" else "after load"
        rows.append([f"{name}: RSS {label}"] + [
            benchlib.spread(raw[f], "{:.1f}")
            for f in ("libos", "linuxvm", "native")] + [
            benchlib.spread([v / KIB for v in fl["libos"]], "{:.1f}"),
            benchlib.ratio(raw["libos"], raw["linuxvm"], "{:.3f}"), ""])
        rows.append([f"{name}: RSS minus floor {label}",
                     benchlib.spread(less["libos"], "{:.1f}"),
                     benchlib.spread(less["linuxvm"], "{:.1f}"), "", "",
                     benchlib.ratio(less["libos"], less["linuxvm"], "{:.3f}"),
                     rss_target(name, when, less)])
    return rows


def rss_target(name, when, less):
    """The targets of the RSS-minus-floor row (medians)."""
    lib, lin = benchlib.median(less["libos"]), benchlib.median(less["linuxvm"])
    value = lin / lib if lib and lin is not None and lib > 0 else None
    text = f"≥ {RSS_RATIO}× lower: {benchlib.verdict(value, RSS_RATIO)}"
    if name == "dns" and when == "load":
        text += (f"; ≤ {DNS_RSS} MiB: "
                 + benchlib.verdict(lib, DNS_RSS, False))
    return text


def resident(a):
    """Measure every service's forms beside one idle floor VM; return
    ({service: measure()'s result}, {"hung": Linux VM boots retried})."""
    out, extra = {}, {"hung": 0}
    timeout = a.limit * len(benchsvc.NAMES) * (4 * a.runs + 10) + 600
    with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp, \
            netns.Netns() as ns, benchlib.NativeNs(ns) as nat:
        qfile = os.path.join(tmp, "queries")
        with open(qfile, "w") as f:
            f.write("%s A\n" % benchsvc.DNS_PROBE[0])
        taps = Taps(ns)
        fp, fq = boot_floor(ns, a, taps.tap(0), timeout)
        try:
            for name in benchsvc.NAMES:
                out[name] = measure(ns, nat, taps, a, name, fq, qfile, extra)
        finally:
            benchlib.stop(fp, fq)
        return out, extra


def resident_tables(a, res, extra):
    """Print the resident memory and idle CPU tables."""
    rows = []
    for name in benchsvc.NAMES:
        rows += rss_rows(name, res[name])
    load_text = (f"echo {ECHO_MIB} MiB through TCP (bench_echo's client), "
                 f"dns dnsperf -l {a.load_s} on one name, http wrk -c8 "
                 f"-d{a.load_s}s on {benchsvc.HTTP_PROBE}")
    benchlib.table(
        f"mem: QEMU resident memory (MiB), -M {a.mem_machine} -m {a.mem}",
        ["measurement", "libos", "Linux VM", "native", "floor (idle VM)",
         "libos / Linux VM", "target"], rows,
        [f"VmRSS of QEMU (native: of the process). After boot: one boot "
         f"each, read once the service answered; after load: after each "
         f"of {a.runs} loads ({load_text}). \"RSS minus floor\": minus the"
         f" RSS of {FLOOR} (cli; hlt) with the same machine, -m and NIC, "
         f"running beside it and read at the same moment. Linux VM boots "
         f"that hung and were retried: {extra['hung']}."])
    rows = []
    for name in benchsvc.NAMES:
        r = res[name]
        rows.append([name] + [benchlib.spread(r[f]["idle"], "{:.2f}")
                              for f in ("libos", "linuxvm", "native",
                                        "floor")]
                    + [benchlib.ratio(r["libos"]["idle"],
                                      r["linuxvm"]["idle"])])
    benchlib.table(
        f"mem: idle host CPU over {a.idle_s} s (% of one core)",
        ["service", "libos", "Linux VM", "native", "floor (idle VM)",
         "libos / Linux VM"], rows,
        [f"CPU time of all of QEMU's threads (native: the process's) from "
         f"/proc/PID/task/*/schedstat over {a.idle_s} s once served (the "
         f"first window after boot, the others after a load), {a.runs} "
         "windows; the floor over the same windows."])


def growth(a, extra):
    """QEMU's RSS in KiB once served at -m BIG: {"floor": KiB, (service,
    "libos"|"linuxvm"): KiB or None if it did not serve}, one boot each,
    one after the other (Linux VM boots that hung added to extra)."""
    out, timeout = {}, a.limit * 2 + 60
    with netns.Netns() as ns:
        taps = Taps(ns)
        p, q = boot_floor(ns, a, taps.tap(0), timeout, BIG)
        try:
            out["floor"] = rss_kib(q)
        finally:
            benchlib.stop(p, q)
        for name in benchsvc.NAMES:
            log = []
            p, q, up = boot_libos(ns, a, name, BIG, taps.tap(1),
                                  taps.guest(1), a.limit, log, timeout,
                                  a.pin[1])
            try:
                ok = up and probe(ns, a, name, taps.guest(1))
                out[(name, "libos")] = rss_kib(q) if ok else None
            finally:
                benchlib.stop(p, q)
            p, q, hung = boot_linux(ns, a, name, BIG, taps.tap(2),
                                    taps.guest(2), log, timeout, a.tries,
                                    a.pin[1])
            extra["hung"] += hung
            try:
                ok = probe(ns, a, name, taps.guest(2))
                out[(name, "linuxvm")] = rss_kib(q) if ok else None
            finally:
                benchlib.stop(p, q)
    return out


def growth_table(a, res, big):
    """Print RSS after boot at -m a.mem (resident()'s) against -m BIG."""
    def cells(at_mem, at_big):
        if at_big is None:
            return [f"{at_mem / KIB:.1f}", "did not serve", ""]
        return [f"{at_mem / KIB:.1f}", f"{at_big / KIB:.1f}",
                f"{(at_big - at_mem) / KIB:+.1f}"]

    fl = benchlib.median([res[n]["floor"]["boot"][0]
                          for n in benchsvc.NAMES])
    rows = [["floor (idle VM)"] + cells(fl, big["floor"]) + ["", "", ""]]
    for name in benchsvc.NAMES:
        rows.append([name] + cells(res[name]["libos"]["boot"][0],
                                   big[(name, "libos")])
                    + cells(res[name]["linuxvm"]["boot"][0],
                            big[(name, "linuxvm")]))
    benchlib.table(
        f"mem: QEMU resident memory once served against -m (MiB), "
        f"-M {a.mem_machine}",
        ["image", f"libos -m {a.mem}", f"libos -m {BIG}", "growth",
         f"Linux VM -m {a.mem}", f"Linux VM -m {BIG}", "growth"], rows,
        [f"One boot each at -m {BIG}, read once the service answered (the "
         f"floor 2 s after it started, alone); -m {a.mem}: the after-boot "
         "readings above (the floor's: median of its three). A VM that "
         "touches only what it uses does not grow with -m."])


def run(a):
    """tools/bench's mem subject: print the size, smallest -m, resident
    memory and idle CPU tables for a.machines[0]."""
    a.mem_machine = a.machines[0]
    a.idle_s, a.load_s = (3, 2) if a.quick else (10, 5)
    for f in [os.path.join(a.build, FLOOR)] + [
            benchsvc.SERVICES[n].elf(a.build) for n in benchsvc.NAMES]:
        if not os.path.isfile(f):
            raise RuntimeError(f"{f} not found: build first")
    t0 = time.monotonic()
    size_table(a)
    res, extra = resident(a)
    big = growth(a, extra)
    t1 = time.monotonic()
    resident_tables(a, res, extra)
    growth_table(a, res, big)
    with netns.Netns() as ns:
        small = smallest(ns, Taps(ns), a)
    t2 = time.monotonic()
    smallest_table(small)
    benchlib.say(f"mem: sizes, RSS, idle and growth {t1 - t0:.0f} s, "
                 f"smallest -m "
                 f"{t2 - t1:.0f} s")
