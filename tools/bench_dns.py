"""bench_dns: tools/bench's dns subject: the DNS server of examples/dns
(examples/dns/dns.c over the zone database the build compiled), the libos
image beside the same program in a Linux VM on the same QEMU and beside
it natively, measured with dnsperf.

For the first machine type of tools/bench -M, three servers of the same
source, over the same database, listening on port 53, run at once, each
reached by dnsperf from one network namespace (tools/netns.py):

  libos     BUILD/examples/dns/dns.elf booted by tools/run on tap0
            (10.0.0.2/24);
  linuxvm   dns.c built `musl-gcc -static`, the only program of a Linux
            VM with zones.db at the path the image bakes it
            (tools/benchsvc.py, tools/linuxvm.py), booted by tools/run
            like the image (same QEMU options; the script checks) on tap1
            (10.0.11.2/24); boots that hung and were retried are counted
            under the table;
  native    BUILD/examples/dns/dns-linux BUILD/examples/dns/db/zones.db on
            the host in a second namespace joined by a veth pair
            (10.0.1.2): a reference column, not a VM.

dnsperf runs from the host side inside the namespace (no client module)
on the first CPU; every server (all of QEMU's threads, or dns-linux) on
the last. After a warm-up each, R runs measure the servers in turn within
each run (interleaved run by run):

  saturation   dnsperf -l L (10 s; 3 with --quick) with -q 100 queries
               outstanding: queries answered per second and lost; the
               server's CPU time and dnsperf's over the wall time, in %
               (near 100: that side was the bottleneck);
  fixed rate   dnsperf -Q 2000 -l F (20 s; 5 with --quick), the IncludeOS
               paper's method: the server's CPU time (QEMU: user + system
               of the whole process, all threads, /proc/PID/stat; native:
               the process's own) per 1000 queries answered; queries lost.

The queries (a temporary file, dnsperf -d) are generated from the zones
the database was compiled from (read through nsd-checkzone -p): every
name and type the zones hold, names that do not exist (NXDOMAIN) and the
few RRsets too large for 512 octets, in a fixed mix printed under the
table; sent with EDNS0 (dnsperf -e), so the large answers come whole.

Targets (against the Linux VM, medians): queries/s at saturation at least
3x; CPU per 1000 queries at the fixed rate at most 1/3. With --profile,
one more boot of the image (devstats, a QMP socket) takes the fixed rate
for F s and is powered down through QMP: frames, interrupts and
notifications per 1000 queries, and, where perf works, the top symbols
of QEMU over that window (benchlib.perf_top)."""
import os
import random
import re
import resource
import subprocess
import tempfile
import threading
import time

import benchlib
import benchsvc
import linuxvm
import netns

SVC = benchsvc.SERVICES["dns"]
READY = SVC.ready
PORT = SVC.port
TICK = os.sysconf("SC_CLK_TCK")
ZONES = os.path.join(benchlib.ROOT, "examples", "dns", "zones")
VETH = ("vdns0", "vdns1")
RATE = 2000
OUTSTANDING = 100
KEYS = ("qps", "sat_lost", "busy", "client", "cpu", "lost")
TARGETS = {"qps": (3.0, True), "cpu": (1 / 3, False)}

# the RRsets too large for 512 octets (examples/dns/zones/example.com.zone)
LARGE = [("big.example.com.", "A"), ("mid.example.com.", "AAAA"),
         ("huge.example.com.", "TXT")]
MIX = {"existing": 75, "nxdomain": 20, "large": 5}   # percent of lines
LINES = 10000


# ---- the query file -----------------------------------------------------

def zone_records(zones):
    """{apex: set of (owner, type)} of every *.zone in zones, read through
    nsd-checkzone -p (which expands $INCLUDE and prints one RR a line,
    owners relative to $ORIGIN lines)."""
    out = {}
    for f in sorted(os.listdir(zones)):
        if not f.endswith(".zone"):
            continue
        apex = f[:-5].lower() + "."
        p = subprocess.run(["nsd-checkzone", "-p", apex, f], cwd=zones,
                           capture_output=True, text=True, timeout=60,
                           check=True)
        recs, origin, owner = set(), apex, None
        for line in p.stdout.splitlines():
            if line.startswith("$ORIGIN"):
                origin = line.split()[1].lower()
                continue
            if not line.strip() or line.startswith(";"):
                continue
            fields = line.split()
            if not line[0].isspace():
                owner = fields[0].lower()
                if owner == "@":
                    owner = origin
                elif not owner.endswith("."):
                    owner += "." + origin
                fields = fields[1:]
            if len(fields) >= 3 and fields[1] == "IN":
                recs.add((owner, fields[2]))
        out[apex] = recs
    return out


def zone_dir(build):
    """The zone directory the build compiled (DNS_ZONE_DIR in its CMake
    cache), examples/dns/zones if it says none."""
    try:
        return benchsvc.cache_value(build, "DNS_ZONE_DIR") or ZONES
    except (OSError, RuntimeError):
        return ZONES


def query_file(path, zones, lines, seed=12):
    """Write lines queries ("name type") to path in MIX's proportions,
    shuffled with a fixed seed; return a one-line description."""
    rng = random.Random(seed)
    recs = zone_records(zones)
    large = set(LARGE)
    existing = sorted(r for rs in recs.values() for r in rs
                      if r not in large)
    missing = set(LARGE) - {r for rs in recs.values() for r in rs}
    if missing or not existing:
        raise RuntimeError(f"{zones}: not the sample zones (no {missing})")
    n = {k: lines * v // 100 for k, v in MIX.items()}
    out = [existing[i % len(existing)] for i in range(n["existing"])]
    apexes = sorted(recs)
    out += [(f"nx{rng.randrange(1 << 30):x}.{apexes[i % len(apexes)]}", "A")
            for i in range(n["nxdomain"])]
    out += [LARGE[i % len(LARGE)] for i in range(n["large"])]
    rng.shuffle(out)
    with open(path, "w") as f:
        f.writelines(f"{name} {t}\n" for name, t in out)
    return (f"{len(out)} queries, shuffled: {n['existing']} for the "
            f"{len(existing)} names/types the {len(apexes)} zones hold "
            f"(each owner and type once in turn), "
            f"{n['nxdomain']} NXDOMAIN (random nxXXXX.<apex> A), "
            f"{n['large']} large answers ("
            + ", ".join(f"{q.split('.')[0]} {t}" for q, t in LARGE)
            + "); EDNS0 on (dnsperf -e)")


# ---- dnsperf --------------------------------------------------------------

def dnsperf(ns, cpu, addr, qfile, seconds, extra=()):
    """Run dnsperf against addr for seconds in ns (pinned to cpu); return
    its figures: sent, completed, lost, qps, rcodes (dict), and busy: its
    CPU time (the only child that ends meanwhile) over the wall time, in
    %. RuntimeError if its output lacks a figure."""
    r0, w0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    p = subprocess.run(ns.cmd(*benchlib.pinned(cpu, [
        "dnsperf", "-s", addr, "-p", str(PORT), "-d", qfile, "-e",
        "-l", str(seconds), "-t", "2", "-O",
        "suppress=timeouts,congestion,sendfailed,sockready,unexpected"]
        + list(extra))), capture_output=True, text=True,
        timeout=seconds + 15)
    r1, w1 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    out = p.stdout
    got = {"busy": 100 * (r1.ru_utime + r1.ru_stime - r0.ru_utime -
                          r0.ru_stime) / (w1 - w0)}
    for key, pat in (("sent", r"Queries sent:\s+(\d+)"),
                     ("completed", r"Queries completed:\s+(\d+)"),
                     ("lost", r"Queries lost:\s+(\d+)"),
                     ("qps", r"Queries per second:\s+([\d.]+)")):
        m = re.search(pat, out)
        if not m:
            raise RuntimeError(f"dnsperf (status {p.returncode}): no "
                               f"'{key}' in:\n{out}{p.stderr}")
        got[key] = float(m.group(1))
    m = re.search(r"Response codes:\s+(.*)", out)
    got["rcodes"] = {k: int(v) for k, v in re.findall(
        r"(\w+) (\d+) \(", m.group(1))} if m else {}
    return got


def one_run(ns, a, addr, pid, qfile):
    """One saturation run and one fixed-rate run against the server at
    addr (process pid: QEMU or dns-linux); return {KEYS: value} and the
    saturation run's response codes, or (None, {}) if dnsperf did not end
    in time (it is stopped; the run counts as none)."""
    t0, w0 = benchlib.cpu_ticks(pid), time.monotonic()
    try:
        s = dnsperf(ns, a.pin[0], addr, qfile, a.dns_sat,
                    ["-q", str(OUTSTANDING)])
        busy = 100 * (benchlib.cpu_ticks(pid) - t0) / TICK / (
            time.monotonic() - w0)
        t0 = benchlib.cpu_ticks(pid)
        f = dnsperf(ns, a.pin[0], addr, qfile, a.dns_fixed,
                    ["-Q", str(RATE)])
    except subprocess.TimeoutExpired as e:
        benchlib.say(f"dns: {addr}: dnsperf did not end within "
                     f"{e.timeout:.0f} s (stopped); this run counts as none")
        return None, {}
    cpu = ((benchlib.cpu_ticks(pid) - t0) * 1000 / TICK * 1000 /
           max(f["completed"], 1))
    return {"qps": s["qps"], "sat_lost": s["lost"], "busy": busy,
            "client": s["busy"], "cpu": cpu, "lost": f["lost"]}, s["rcodes"]


# ---- the servers ----------------------------------------------------------

def prepare(a):
    """Check the tools and the build, build the Linux VM's program and
    initramfs; return [(name, kind, file)] in column order."""
    for tool in ("dnsperf", "nsd-checkzone", "taskset"):
        if subprocess.run(["which", tool], capture_output=True).returncode:
            raise RuntimeError(f"dns: {tool} not found")
    return SVC.forms(a.build)


def start_vm(ns, a, machine, kind, path, i, timeout, log, extra,
             run_args=()):
    """Boot server i (kind libos on tap0, or linuxvm on tap{i}) in ns;
    return (the tools/run process, QEMU's PID, its address). RuntimeError
    if it does not listen within a.limit s (the Linux VM: a.tries boots)."""
    if kind == "libos":
        run, q, up = benchlib.boot(ns, a.pin[1], path, machine, a.mem,
                                   timeout, READY, a.limit, log,
                                   run_args=["-q"] + list(run_args),
                                   service_args=SVC.args)
        if not up:
            benchlib.stop(run, q)
            raise RuntimeError(f"{path} ({machine}): no '{READY}' within "
                               f"{a.limit} s:\n" + "".join(log))
        addr = netns.GUEST_IP
    else:
        sub = f"10.0.{10 + i}"
        benchlib.add_tap(ns, f"tap{i}", f"{sub}.1/24")
        run, q, hung = linuxvm.boot(
            ns, a.pin[1], path, machine, a.mem, timeout, READY, a.limit, log,
            f"{sub}.2/24", SVC.args, tries=a.tries, tap=f"tap{i}",
            files=SVC.linuxvm_files(a.build))
        extra["hung"] += hung
        addr = f"{sub}.2"
    extra["setup"].add(benchlib.qemu_options(q))
    return run, q, addr


def start_native(nat, a, path, log):
    """Start dns-linux in nat (the veth namespace); return the process
    once it listens."""
    srv = nat.popen(*benchlib.pinned(a.pin[1], [path] +
                                     SVC.native_args(a.build)),
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                    text=True)
    if not benchlib.watch(srv, READY, 10, log):
        raise RuntimeError("dns-linux did not listen:\n" + "".join(log))
    return srv


def warm_up(ns, a, name, addr, qfile):
    """A short dnsperf run against addr; RuntimeError unless it got
    answers, NOERROR among them."""
    w = dnsperf(ns, a.pin[0], addr, qfile, 1 if a.quick else 2)
    if not w["completed"] or not w["rcodes"].get("NOERROR"):
        raise RuntimeError(f"dns: {name} at {addr} does not answer: {w}")


def measure(a, machine, servers, qfile):
    """Start every server for machine, warm each up, run a.runs rounds of
    one_run over them in turn, stop everything; return (results by server
    name {KEYS: [per run]}, extra: {"hung", "setup", "rcodes", "failed":
    runs that counted as none})."""
    extra = {"hung": 0, "setup": set(), "rcodes": {}, "failed": 0}
    timeout = (a.runs * (a.dns_sat + a.dns_fixed + 10) * len(servers)
               + a.limit * 6 + 120)
    res = {name: {k: [] for k in KEYS} for name, _, _ in servers}
    with netns.Netns() as ns, benchlib.NativeNs(ns, VETH) as nat:
        live, plan = [], []
        try:
            for i, (name, kind, path) in enumerate(servers):
                log = []
                if kind == "native":
                    srv = start_native(nat, a, path, log)
                    live.append((srv, None))
                    plan.append((name, benchlib.VETH_SERVER_IP, srv.pid))
                    continue
                run, q, addr = start_vm(ns, a, machine, kind, path, i,
                                        timeout, log, extra)
                live.append((run, q))
                plan.append((name, addr, q))
                benchlib.say(f"dns: {machine}: {name} up (QEMU pid {q})")
            for name, addr, _ in plan:
                warm_up(ns, a, name, addr, qfile)
            for r in range(a.runs):
                for name, addr, pid in plan:
                    got, codes = one_run(ns, a, addr, pid, qfile)
                    if got is None:
                        extra["failed"] += 1
                        continue
                    extra["rcodes"][name] = codes
                    for k in KEYS:
                        res[name][k].append(got[k])
                    benchlib.say(
                        f"dns: run {r + 1} {name}: {got['qps']:.0f} q/s "
                        f"({got['sat_lost']:.0f} lost), server "
                        f"{got['busy']:.0f}% dnsperf {got['client']:.0f}%;"
                        f" at {RATE} q/s {got['cpu']:.2f} ms CPU/1000, "
                        f"{got['lost']:.0f} lost")
            ended = [p.args for p, _ in live if p.poll() is not None]
            if ended:
                raise RuntimeError(f"a server ended during the run: {ended}")
        finally:
            for p, q in live:
                benchlib.stop(p, q)
    return res, extra


# ---- the table ------------------------------------------------------------

ROWS = (("queries/s at saturation", "1/s", "qps", "{:.0f}"),
        ("queries lost at saturation", "", "sat_lost", "{:.0f}"),
        ("server CPU busy at saturation", "%", "busy", "{:.0f}"),
        ("dnsperf CPU busy at saturation", "%", "client", "{:.0f}"),
        (f"CPU per 1000 queries at {RATE} q/s", "ms", "cpu", "{:.1f}"),
        (f"queries lost at {RATE} q/s", "", "lost", "{:.0f}"))


def target_cell(res, k):
    """The target of row k and whether libos meets it (medians)."""
    if k not in TARGETS:
        return ""
    target, higher = TARGETS[k]
    text = f"≥ {target:g}×" if higher else "≤ 1/3×"
    return benchlib.target_cell(res, k, target, text, higher)


def table(machine, res, extra, a, mix):
    """Print the table: per server the median (min–max) over the runs,
    then libos / Linux VM and the target."""
    rows = []
    for label, unit, k, fmt in ROWS:
        rows.append([label, unit] + [benchlib.spread(res[n][k], fmt)
                                     for n in ("libos", "linuxvm", "native")]
                    + ([""] * 2 if k in ("sat_lost", "lost") else [
                        benchlib.ratio(res["libos"][k], res["linuxvm"][k]),
                        target_cell(res, k)]))
    codes = "; ".join(
        f"{n}: " + ", ".join(f"{k} {v}" for k, v in c.items())
        for n, c in extra["rcodes"].items())
    benchlib.table(
        f"dns, {machine} ({a.accel})",
        ["measurement", "unit", "libos", "Linux VM", "native (veth)",
         "libos / Linux VM", "target"], rows,
        [f"Saturation: dnsperf -e -l {a.dns_sat} -q {OUTSTANDING}; fixed "
         f"rate: dnsperf -e -Q {RATE} -l {a.dns_fixed}; server CPU: QEMU's "
         "user+system (all threads), dns-linux's own. Queries: " + mix + ".",
         f"Response codes (last saturation run): {codes}. Linux VM boots "
         f"that hung and were retried: {extra['hung']}; runs in which "
         f"dnsperf did not end and that count as none: {extra['failed']}."])


# ---- --profile: where the time goes -------------------------------------

def profile(a, machine, elf, qfile):
    """One more boot of the image with devstats and a QMP socket: the
    fixed rate for a.dns_fixed s (with perf_top on QEMU meanwhile), then
    power-down. Return (devstats match or None, queries sent, perf rows
    or None, the server's last counters line or None)."""
    log, top = [], [None]
    extra = {"hung": 0, "setup": set()}
    with netns.Netns() as ns, benchlib.profiled_boot("dns") as (sock, opts):
        run, q, addr = start_vm(
            ns, a, machine, "libos", elf, 0, a.limit * 4 + a.dns_fixed, log,
            extra, opts)
        try:
            perf = threading.Thread(target=lambda: top.__setitem__(
                0, benchlib.perf_top(q, a.dns_fixed)))
            perf.start()
            f = dnsperf(ns, a.pin[0], addr, qfile, a.dns_fixed,
                        ["-Q", str(RATE)])
            perf.join(a.limit + a.dns_fixed)
            benchlib.power_down(sock, run, a.limit)
        finally:
            benchlib.stop(run, q)
    m = benchlib.await_match(log, benchlib.DEVSTATS)
    said = [x.strip() for x in log if "queries" in x and "dropped" in x]
    return (m, f["sent"], top[0], said[-1] if said else None,
            benchlib.prof_shares(log))


def profile_tables(a, machine, elf, qfile):
    """Print where the image's time goes at the fixed rate (--profile):
    device counters per 1000 queries, and QEMU's top symbols."""
    m, sent, top, said, layers = profile(a, machine, elf, qfile)
    if m is None:
        rows = [["no counters came", "", "", "", ""]]
    else:
        k = 1000 / max(sent, 1)
        rows = [[f"{int(x) * k:.0f}" for x in m.groups()]
                + [benchlib.prof_text(layers, sent / 1000)]]
    benchlib.table(
        f"dns, {machine}: where the time goes (libos, per 1000 queries)",
        ["frames received", "frames sent", "interrupts", "notifications",
         "guest time by layer (end of boot to power-down); copies per "
         "1000 queries"],
        rows, [f"dnsperf -Q {RATE} -l {a.dns_fixed} ({sent:.0f} queries "
               "sent), devstats at power-down; interrupts and notifications "
               "are VM exits under KVM."]
        + ([f"The server said: {said}"] if said else []))
    if top is None:
        print("\nperf: no profile of QEMU (perf absent or it failed).")
        return
    benchlib.table(
        f"dns, {machine}: QEMU's top symbols at {RATE} q/s (libos)",
        ["%", "object", "symbol"],
        [[f"{p:.1f}", d, s] for p, d, s in top],
        [f"perf record -g -p QEMU for {a.dns_fixed} s; perf report "
         "--no-children --sort dso,symbol."])


def run(a):
    """tools/bench's dns subject: generate the queries, start the three
    servers on a.machines[0], measure, print the table (and, with
    a.profile, where the image's time goes)."""
    a.dns_sat, a.dns_fixed = (3, 5) if a.quick else (10, 20)
    machine = a.machines[0]
    servers = prepare(a)
    with tempfile.TemporaryDirectory(prefix="bench-dns-") as tmp:
        qfile = os.path.join(tmp, "queries")
        mix = query_file(qfile, zone_dir(a.build), LINES)
        res, extra = measure(a, machine, servers, qfile)
        if len(extra["setup"]) != 1:
            raise RuntimeError(f"{machine}: the VMs ran on different QEMU "
                               "options:\n" + "\n".join(extra["setup"]))
        table(machine, res, extra, a, mix)
        print(f"\nEvery VM ran: `qemu-system-x86_64 "
              f"{next(iter(extra['setup']))}`")
        if a.profile:
            profile_tables(a, machine, servers[0][2], qfile)
