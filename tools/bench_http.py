"""bench_http: tools/bench's http subject: the static-file server of
examples/http (http.c), the libos image beside the same program in a
Linux VM on the same QEMU and beside it natively, loaded by wrk.

On the first machine type of tools/bench -M, three servers of the same
source, listening on port 80 and serving the same files, run at once,
each reached by wrk from one network namespace (tools/netns.py):

  libos     BUILD/examples/http/http.elf booted by tools/run on tap0
            (10.0.0.2/24), serving its baked tree (/srv/www) with an
            initrd (tools/run --initrd DIR) that adds srv/www/1m.bin;
  linuxvm   http.c built `musl-gcc -static`, the only program of a Linux
            VM (tools/benchsvc.py, tools/linuxvm.py) whose initramfs
            holds the same tree at /srv/www plus the same 1m.bin, booted
            by tools/run like the image (same QEMU, machine type, NIC, -m
            and accelerator) on tap1 (10.0.11.2/24); a boot that does not
            serve within --limit s is stopped and retried (--tries in
            all) and counted under the table;
  native    BUILD/examples/http/http-linux -r ROOT on the host in a
            second namespace joined by a veth pair (10.0.1.2); ROOT is a
            copy of the baked tree plus 1m.bin: a reference, not a VM.

1m.bin is 1 MiB of pseudo-random bytes (fixed seed). Before measuring,
each server's /index.html and /1m.bin are fetched once with curl and
compared with the files (1m.bin by sha256). wrk runs on the first CPU,
every server on the last unless --no-pin. After a short warm-up, the
servers are measured in turn within each run (interleaved run by run):

  small page   wrk -t1 -c32 -d D s --latency /index.html: requests per
               second and the 99th percentile of latency; the server's
               CPU time over the wall time (QEMU: the whole process,
               /proc/PID/stat; native: http-linux) and wrk's (near 100%:
               wrk was the bottleneck);
  1 MiB file   wrk -t1 -c4 -d D s --timeout 10s /1m.bin: MiB/s of
               response bytes (wrk's Transfer/sec, binary units) and
               requests per second;

D is 10 s (3 s with --quick); socket errors and non-2xx answers are
summed over both loads. Target (against the Linux VM, medians): small
page requests/s at least 3x. With --profile, one more boot of the image
with devstats and a QMP socket takes the small-page load for D s and is
powered down through QMP: frames, interrupts and notifications per
request, and QEMU's CPU time per request; where benchlib.perf_top exists,
a host profile of that QEMU during the load. Image size and smallest -m
are the mem subject's (tools/bench_mem.py)."""
import hashlib
import os
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time

import benchlib
import benchsvc
import linuxvm
import netns

SVC = benchsvc.SERVICES["http"]
READY = SVC.ready
VETH = ("vhttp0", "vhttp1")
SMALL, BIG = "/index.html", "/1m.bin"
BIG_BYTES = 1 << 20
CONNS, BIG_CONNS = 32, 4
TICK = os.sysconf("SC_CLK_TCK")
KEYS = ("rps", "p99", "busy", "client", "big_mib_s", "big_rps", "errors",
        "non2xx")
TARGETS = {"rps": 3.0}
NAMES = ("libos", "linuxvm", "native")
DEVSTATS = re.compile(
    r"devstats net0 \(.*\): rx (\d+) pkts (\d+) B, tx (\d+) pkts (\d+) B, "
    r".*interrupts (\d+), notifications (\d+)")


# ---- the files ----------------------------------------------------------

def make_trees(tmp, www):
    """Write under tmp: 1m.bin, the image's initrd directory
    (srv/www/1m.bin) and http-linux's root (a copy of www plus 1m.bin);
    return {"big", "initrd", "root", "page" (index.html's bytes),
    "digest" (1m.bin's sha256)}."""
    data = random.Random(13).randbytes(BIG_BYTES)
    big = os.path.join(tmp, "1m.bin")
    initrd = os.path.join(tmp, "initrd")
    os.makedirs(os.path.join(initrd, "srv", "www"))
    root = os.path.join(tmp, "root")
    shutil.copytree(www, root)
    for path in (big, os.path.join(initrd, "srv", "www", BIG[1:]),
                 os.path.join(root, BIG[1:])):
        with open(path, "wb") as f:
            f.write(data)
    with open(os.path.join(www, SMALL[1:]), "rb") as f:
        page = f.read()
    return {"big": big, "initrd": initrd, "root": root, "page": page,
            "digest": hashlib.sha256(data).hexdigest()}


def curl(ns, addr, path, limit=30):
    """The body of one GET of path at addr from ns (None when it failed
    or was not a 2xx)."""
    p = subprocess.run(ns.cmd("curl", "-sf", "--max-time", str(limit),
                              f"http://{addr}{path}"),
                       capture_output=True, timeout=limit + 10)
    return p.stdout if p.returncode == 0 else None


def check_served(ns, name, addr, files, log):
    """Fetch SMALL and BIG once from server name at addr and compare them
    with the files; raise RuntimeError (with the server's log) if one
    differs."""
    small, big = curl(ns, addr, SMALL), curl(ns, addr, BIG)
    if small != files["page"] or big is None or \
            hashlib.sha256(big).hexdigest() != files["digest"]:
        raise RuntimeError(f"http {name} at {addr}: {SMALL} or {BIG} not "
                           "served as they are:\n" + "".join(log))


# ---- the servers --------------------------------------------------------

def boot_libos(ns, a, machine, files, timeout, log, run_args=()):
    """Boot http.elf on tap0 of ns (netns.GUEST_IP) with the 1m.bin initrd
    and tools/run's extra run_args; return (the tools/run process, QEMU's
    PID). RuntimeError if it does not serve within a.limit s."""
    run, q, up = benchlib.boot(
        ns, a.pin[1], SVC.elf(a.build), machine, a.mem, timeout, READY,
        a.limit, log, ["--initrd", files["initrd"]] + list(run_args),
        SVC.args)
    if not up:
        benchlib.stop(run, q)
        raise RuntimeError(f"http.elf ({machine}): no '{READY}' within "
                           f"{a.limit} s:\n" + "".join(log))
    return run, q


def boot_linuxvm(ns, a, machine, prog, files, timeout, log, extra):
    """Boot the Linux VM running prog on tap1 of ns (10.0.11.2/24) with
    the baked tree and 1m.bin in its initramfs; return (the tools/run
    process, QEMU's PID, its address); boots that hung go to
    extra["hung"]."""
    benchlib.add_tap(ns, "tap1", "10.0.11.1/24")
    vm_files = dict(SVC.linuxvm_files(a.build))
    vm_files["srv/www/1m.bin"] = files["big"]
    run, q, hung = linuxvm.boot(
        ns, a.pin[1], prog, machine, a.mem, timeout, READY, a.limit, log,
        "10.0.11.2/24", SVC.args, tries=a.tries, tap="tap1", files=vm_files)
    extra["hung"] += hung
    return run, q, "10.0.11.2"


def start_native(nat, a, files, log):
    """Start http-linux -r ROOT in nat (a benchlib.NativeNs); return the
    process once it serves."""
    srv = nat.popen(*benchlib.pinned(a.pin[1], [
        SVC.host_program(a.build)] + SVC.args + ["-r", files["root"]]),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if not benchlib.watch(srv, READY, 10, log):
        raise RuntimeError("http-linux did not serve:\n" + "".join(log))
    return srv


# ---- the measurements ---------------------------------------------------

def one_run(ns, a, addr, pid):
    """The small page, then the 1 MiB file, against addr (the server's
    CPU time read from pid); return {KEYS: value}."""
    t0, w0 = benchlib.cpu_ticks(pid), time.monotonic()
    s = benchlib.wrk(ns, a.pin[0], addr, SMALL, CONNS, a.http_seconds,
                     ["--latency"])
    busy = 100 * (benchlib.cpu_ticks(pid) - t0) / TICK / (
        time.monotonic() - w0)
    b = benchlib.wrk(ns, a.pin[0], addr, BIG, BIG_CONNS, a.http_seconds,
                     ["--timeout", "10s"])
    return {"rps": s["rps"], "p99": s["p99"], "busy": busy,
            "client": s["busy"], "big_mib_s": b["mib_s"],
            "big_rps": b["rps"], "errors": s["errors"] + b["errors"],
            "non2xx": s["non2xx"] + b["non2xx"]}


def start_all(ns, nat, a, machine, prog, files, timeout, live, extra):
    """Start libos, the Linux VM and native (each appended to live as
    (process, QEMU PID or None) as soon as it runs); return [(name,
    address, PID whose CPU time counts, log)] in column order."""
    logs = {n: [] for n in NAMES}
    run, q = boot_libos(ns, a, machine, files, timeout, logs["libos"])
    live.append((run, q))
    run, vq, addr = boot_linuxvm(ns, a, machine, prog, files, timeout,
                                 logs["linuxvm"], extra)
    live.append((run, vq))
    srv = start_native(nat, a, files, logs["native"])
    live.append((srv, None))
    return [("libos", netns.GUEST_IP, q, logs["libos"]),
            ("linuxvm", addr, vq, logs["linuxvm"]),
            ("native", benchlib.VETH_SERVER_IP, srv.pid, logs["native"])]


def measure_runs(ns, a, servers, res):
    """Warm each server up, then a.runs runs, the servers in turn within
    each; append each figure to res[server][key]."""
    for _, addr, _, _ in servers:
        benchlib.wrk(ns, a.pin[0], addr, SMALL, CONNS, 1 if a.quick else 2)
    for r in range(a.runs):
        for name, addr, pid, _ in servers:
            got = one_run(ns, a, addr, pid)
            for k, v in got.items():
                res[name][k].append(v)
            benchlib.say(f"http: run {r + 1} {name}: {got['rps']:.0f} "
                         f"req/s, p99 {got['p99'] or 0:.2f} ms; 1 MiB: "
                         f"{got['big_mib_s']:.1f} MiB/s")


def measure(a, machine, prog, files):
    """Start the three servers on machine, check what they serve, warm
    them up, run a.runs interleaved runs, stop everything; return
    (results {server: {key: [values]}}, {"hung", "setup"})."""
    extra = {"hung": 0, "setup": set()}
    timeout = int(a.limit * 4 + a.runs * len(NAMES) * (
        2 * a.http_seconds + 30) + 120)
    res = {n: {k: [] for k in KEYS} for n in NAMES}
    live = []
    with netns.Netns() as ns, benchlib.NativeNs(ns, VETH) as nat:
        try:
            servers = start_all(ns, nat, a, machine, prog, files, timeout,
                                live, extra)
            for _, _, q, _ in servers[:2]:
                extra["setup"].add(benchlib.qemu_options(q))
            benchlib.say(f"http: {machine}: libos, Linux VM and native up")
            for name, addr, _, log in servers:
                check_served(ns, name, addr, files, log)
            measure_runs(ns, a, servers, res)
            ended = [p.args for p, _ in live if p.poll() is not None]
        finally:
            for p, q in live:
                benchlib.stop(p, q)
    if ended:
        raise RuntimeError(f"a server ended during the run: {ended}")
    return res, extra


# ---- the table ----------------------------------------------------------

ROWS = ((f"small page {SMALL}, {CONNS} conns", "requests/s", "rps",
         "{:.0f}"),
        ("  p99 latency", "ms", "p99", "{:.2f}"),
        ("  server CPU busy", "%", "busy", "{:.0f}"),
        ("  wrk CPU busy", "%", "client", "{:.0f}"),
        (f"1 MiB file {BIG}, {BIG_CONNS} conns", "MiB/s", "big_mib_s",
         "{:.1f}"),
        ("  requests/s", "1/s", "big_rps", "{:.1f}"),
        ("socket errors (both loads)", "", "errors", "{:.0f}"),
        ("non-2xx answers (both loads)", "", "non2xx", "{:.0f}"))


def target_cell(res, k):
    """The target of row k and whether libos meets it (medians)."""
    if k not in TARGETS:
        return ""
    return benchlib.target_cell(res, k, TARGETS[k], f"≥ {TARGETS[k]:g}×")


def table(machine, res, extra, a):
    """Print the table: per server the median (min–max) over the runs,
    then libos / Linux VM and the target."""
    rows = []
    for label, unit, k, fmt in ROWS:
        counts = k in ("errors", "non2xx")
        rows.append([label, unit] + [benchlib.spread(res[n][k], fmt)
                                     for n in NAMES]
                    + ([""] * 2 if counts else [
                        benchlib.ratio(res["libos"][k], res["linuxvm"][k]),
                        target_cell(res, k)]))
    benchlib.table(
        f"http, {machine} ({a.accel})",
        ["measurement", "unit", "libos", "Linux VM", "native (veth)",
         "libos / Linux VM", "target"], rows,
        [f"wrk -t1 -d{a.http_seconds}s: {SMALL} with -c{CONNS} --latency, "
         f"{BIG} (1 MiB, checked by sha256 first) with -c{BIG_CONNS} "
         "--timeout 10s; server CPU busy: the server's CPU time (QEMU's "
         "whole process) over the small page's wall time. Linux VM boots "
         f"that hung and were retried: {extra['hung']}."])
    print(f"\nEvery VM ran: `qemu-system-x86_64 "
          f"{next(iter(extra['setup']))}`")


# ---- --profile: where the time goes -------------------------------------

def wrk_count(ns, a, seconds):
    """Run wrk on SMALL at the image for seconds (no latency); return the
    number of requests it completed."""
    p = subprocess.run(ns.cmd(*benchlib.pinned(a.pin[0], [
        "wrk", "-t1", f"-c{CONNS}", f"-d{seconds}s",
        f"http://{netns.GUEST_IP}{SMALL}"])), capture_output=True,
        text=True, timeout=seconds + 60)
    m = re.search(r"(\d+) requests in", p.stdout)
    if p.returncode or not m:
        raise RuntimeError(f"wrk (status {p.returncode}):\n{p.stdout}"
                           f"{p.stderr}")
    return int(m.group(1))


def perf_during(q, seconds, out):
    """Start benchlib.perf_top on QEMU q for seconds in a thread (its
    result into out["perf"]); return the thread, or None when benchlib
    has no perf_top."""
    top = getattr(benchlib, "perf_top", None)
    if top is None:
        return None

    def work():
        try:
            out["perf"] = top(q, seconds, n=10)
        except Exception as e:            # a profile is optional: say why
            out["perf_error"] = str(e)

    t = threading.Thread(target=work, daemon=True)
    t.start()
    return t


def profile_boot(a, machine, files):
    """One more boot of the image with devstats and a QMP socket: the
    small-page load for a.http_seconds s (with a host profile of QEMU
    when benchlib.perf_top exists), then ACPI power-down; return
    {"requests", "cpu_ms" (QEMU CPU over the load), "dev" (the devstats
    numbers or None), "perf"/"perf_error" when profiled}."""
    log, out = [], {}
    with netns.Netns() as ns, benchlib.profiled_boot("http") as (sock, opts):
        run, q = boot_libos(ns, a, machine, files, int(a.limit * 4 + 60),
                            log, opts)
        try:
            t0 = benchlib.cpu_ticks(q)
            perf = perf_during(q, max(1, a.http_seconds - 1), out)
            out["requests"] = wrk_count(ns, a, a.http_seconds)
            out["cpu_ms"] = (benchlib.cpu_ticks(q) - t0) * 1000 / TICK
            if perf:
                perf.join(a.limit)
            benchlib.power_down(sock, run, a.limit)
        finally:
            benchlib.stop(run, q)
    m = benchlib.await_match(log, DEVSTATS)
    out["dev"] = [int(x) for x in m.groups()] if m else None
    out["layers"] = benchlib.prof_shares(log)
    return out


def profile_table(a, machine, files):
    """Print where the time goes for the image (--profile): devstats and
    QEMU's CPU per small-page request, and the host profile if taken."""
    p = profile_boot(a, machine, files)
    n = p["requests"] or 1
    if p["dev"] is None:
        rows = [["no devstats came", "", "", "", "", "", "", ""]]
    else:
        rx, rxb, tx, txb, irq, notes = p["dev"]
        rows = [[f"{p['requests']}", f"{rx / n:.2f}", f"{tx / n:.2f}",
                 f"{(rxb + txb) / n:.0f}", f"{irq / n:.2f}",
                 f"{notes / n:.2f}", f"{1000 * p['cpu_ms'] / n:.0f}",
                 benchlib.prof_text(p["layers"], n)]]
    benchlib.table(
        f"http, {machine}: where the time goes (libos, per {SMALL} request)",
        ["requests", "frames received", "frames sent", "bytes (both ways)",
         "interrupts", "notifications", "QEMU CPU (µs)",
         "guest time by layer (end of boot to power-down); copies per "
         "request"], rows,
        [f"One boot with devstats: wrk -t1 -c{CONNS} -d{a.http_seconds}s "
         f"on {SMALL}, then power-down through QMP; the counters cover the "
         "whole boot (ARP included). Interrupts and notifications are VM "
         "exits under KVM."])
    perf_report(p)


def perf_report(p):
    """Print the host profile of QEMU from profile_boot's p (rows of
    (self %, DSO, symbol)), or why there is none."""
    if "perf_error" in p:
        print(f"\nNo host profile: perf_top failed: {p['perf_error']}")
    elif not p.get("perf"):
        print("\nNo host profile: perf is absent or failed here.")
    else:
        benchlib.table("host profile of the image's QEMU during the load "
                       "(perf, self time)", ["self %", "DSO", "symbol"],
                       [[f"{pct:.1f}", dso, sym]
                        for pct, dso, sym in p["perf"]])


# ---- the subject --------------------------------------------------------

def run(a):
    """tools/bench's http subject: write the files, prepare the Linux
    VM's program, measure the three servers on a.machines[0], print the
    table (and, with a.profile, where the image's time goes)."""
    a.http_seconds = 3 if a.quick else 10
    machine = a.machines[0]
    prog = SVC.forms(a.build)[1][2]
    www = benchsvc.cache_value(a.build, "HTTP_WWW_DIR")
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        files = make_trees(tmp, www)
        res, extra = measure(a, machine, prog, files)
        if len(extra["setup"]) != 1:
            raise RuntimeError(f"{machine}: the VMs ran on different QEMU "
                               "options:\n" + "\n".join(extra["setup"]))
        table(machine, res, extra, a)
        if a.profile:
            profile_table(a, machine, files)
