#!/usr/bin/python3
"""bench-dns: the DNS server of examples/dns, libos beside Linux, in one
run (issue 12's measurements).

Two servers run the same program (examples/dns/dns.c) over the same zone
database at once, each reached by dnsperf from the same namespace:

  libos   BUILD/examples/dns/dns.elf booted by tools/run (-M, q35 by
          default; tools/run chooses the accelerator, shown from QEMU's
          command line) with its NIC on tap0 of a namespace this script
          creates (tools/netns.py), net.ip=10.0.0.2/24.
  Linux   BUILD/examples/dns/dns-linux BUILD/examples/dns/db/zones.db,
          natively, in a second namespace joined to the first by a veth
          pair (10.0.1.1 <-> 10.0.1.2).

dnsperf runs on the first CPU, both servers (all of QEMU's threads, or
dns-linux) on the last, unless --no-pin. The measurements alternate
between the servers, R times each (3 by default, 1 with --quick); the
table gives the median, then the runs:

  saturation   dnsperf -l L (10 s) with -q Q (100) queries outstanding:
               queries answered per second; the server's CPU time and
               dnsperf's over the wall time (near 100%: that side was
               the bottleneck);
  fixed rate   dnsperf -Q RATE (2000) -l F (20 s), the IncludeOS paper's
               method: the server's CPU time over the run per 1000
               queries answered (QEMU: user + system time of the whole
               process, all threads, from /proc/PID/stat before and after;
               dns-linux: its own), in clock ticks of 1/CLK_TCK s, and
               from /proc/PID/task/*/schedstat (ns) as a check; queries
               answered and lost.

The queries (a temporary file, dnsperf -d) are generated from the zones
the database was compiled from (examples/dns/zones, read through
nsd-checkzone -p): every name and type the zones hold, names that do not
exist (NXDOMAIN) and the few RRsets too large for 512 octets, in a fixed
mix printed with the results; sent with EDNS0 (dnsperf -e), so the large
answers come whole over UDP.

Also: the stripped size of dns.elf (strip -o, then stat) and its parts
from tools/size-report; and the smallest -m (whole MiB, bisected over
--mem-range) at which the image boots and answers one dig query, each
boot bounded in time, after the other measurements. The guest's output
is scanned for lines about memory and the servers' counters are printed.

Every process is stopped by its PID and both namespaces are deleted at
the end; every wait is bounded. Needs root. Compare within one run only.
The namespaces, the boots and the bisection are tools/benchlib.py's,
shared with tools/bench-http.

    tools/bench-dns [--build build] [-M q35] [-r 3 | --quick] [-l 10]
                    [-q 100] [--rate 2000] [-f 20] [--mem-range 2 64]
                    [--no-pin]
"""
import argparse
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import netns  # noqa: E402
from benchlib import (NativeNs, VETH_SERVER_IP, boot, cell,  # noqa: E402
                      client_server_cpus, cpu_ticks, image_size,
                      pinned, qemu_setup, size_parts, smallest_mem, stop,
                      tried_text, watch)

ZONES = os.path.join(ROOT, "examples", "dns", "zones")
PORT = 53
VETH = ("vdns0", "vdns1")

# the RRsets too large for 512 octets (examples/dns/zones/example.com.zone)
LARGE = [("big.example.com.", "A"), ("mid.example.com.", "AAAA"),
         ("huge.example.com.", "TXT")]
MIX = {"existing": 75, "nxdomain": 20, "large": 5}   # percent of lines
LINES = 10000
PROBE = ("www.example.com.", "A", "192.0.2.80")      # the -m probe


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
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith("DNS_ZONE_DIR:"):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
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


# ---- dnsperf and CPU time -----------------------------------------------

def dnsperf(ns, cpu, addr, qfile, seconds, extra):
    """Run dnsperf against addr for seconds in ns; return its figures:
    sent, completed, lost, qps, rcodes (dict), and busy: its CPU time
    (the only child that ends meanwhile) over the wall time, in %."""
    r0, w0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    p = subprocess.run(ns.cmd(*pinned(cpu, [
        "dnsperf", "-s", addr, "-p", str(PORT), "-d", qfile, "-e",
        "-l", str(seconds), "-t", "2", "-O",
        "suppress=timeouts,congestion,sendfailed,sockready,unexpected"]
        + extra)), capture_output=True, text=True, timeout=seconds + 60)
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
    got["rcodes"] = dict((k, int(v)) for k, v in
                         re.findall(r"(\w+) (\d+) \(", m.group(1))) if m else {}
    return got


def cpu_ns(pid):
    """Sum of the run times of pid's live threads in ns
    (/proc/pid/task/*/schedstat, first field)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError):
            pass
    return total


def fixed_rate(ns, cpu, addr, pid, qfile, a):
    """dnsperf at a.rate for a.fixed s; the server pid's CPU time per 1000
    answered queries (ms, from ticks and from schedstat), answered and
    lost."""
    t0, n0 = cpu_ticks(pid), cpu_ns(pid)
    r = dnsperf(ns, cpu, addr, qfile, a.fixed, ["-Q", str(a.rate)])
    t1, n1 = cpu_ticks(pid), cpu_ns(pid)
    done = max(r["completed"], 1)
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    return {"cpu": (t1 - t0) * tick_ms * 1000 / done,
            "cpu_ns": (n1 - n0) / 1e6 * 1000 / done,
            "answered": r["completed"], "lost": r["lost"],
            "rate": r["qps"]}


# ---- the image and dig ---------------------------------------------------

def boot_dns(ns, cpu, elf, a, mem, timeout, log):
    """Start the image under tools/run in ns with -m mem; return (the
    tools/run process, QEMU's PID, True once it listens)."""
    return boot(ns, cpu, elf, a.machine, mem, timeout, "listening on port",
                a.boot_limit, log, service_args=["-v"])


def dig(ns, addr, name, rtype):
    """The answer section of one dig query (empty when none came)."""
    p = subprocess.run(ns.cmd("dig", f"@{addr}", "-p", str(PORT), "+short",
                              "+tries=3", "+time=2", name, rtype),
                       capture_output=True, text=True, timeout=30)
    return p.stdout.split() if p.returncode == 0 else []


# ---- the measurements ---------------------------------------------------

def dns_smallest_mem(ns, cpu, elf, a):
    """Bisect whole MiB over a.mem_range for the smallest -m at which the
    image answers PROBE (benchlib.smallest_mem)."""

    def serves(mib):
        log = []
        p, q, up = boot_dns(ns, cpu, elf, a, f"{mib}M", a.boot_limit + 30,
                            log)
        try:
            ok = up and PROBE[2] in dig(ns, netns.GUEST_IP, *PROBE[:2])
        finally:
            stop(p, q)
        print(f"bench-dns: -m {mib}M: {'serves' if ok else 'does not'}",
              file=sys.stderr, flush=True)
        return ok, "".join(log)

    return smallest_mem(serves, *a.mem_range)


def measure(a, qfile):
    """Start both servers, run the measurements; return the results."""
    ccpu, scpu = client_server_cpus(a.no_pin)
    pin = None if scpu is None else (ccpu, scpu)
    elf = os.path.join(a.build, "examples/dns/dns.elf")
    native = os.path.join(a.build, "examples/dns/dns-linux")
    db = os.path.join(a.build, "examples/dns/db/zones.db")
    res = {"pin": pin, "libos": {}, "linux": {}}
    glog, nlog = [], []
    with netns.Netns() as ns, NativeNs(ns, VETH) as nat:
        guest, qemu, up = boot_dns(
            ns, scpu, elf, a, a.mem,
            a.runs * (a.seconds + a.fixed + 30) * 2 + 300, glog)
        if not up:
            raise RuntimeError("the image did not listen:\n" + "".join(glog))
        res["qemu"] = qemu_setup(qemu)
        server = nat.popen(*pinned(scpu, [native, "-p", str(PORT), db]),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if not watch(server, "listening on port", 10, nlog):
            raise RuntimeError("dns-linux did not listen:\n" + "".join(nlog))
        servers = [("libos", netns.GUEST_IP, qemu),
                   ("linux", VETH_SERVER_IP, server.pid)]
        for name, addr, _ in servers:
            if PROBE[2] not in dig(ns, addr, *PROBE[:2]):
                raise RuntimeError(f"{name} at {addr}: no answer to dig:\n" + "".join(glog if name == "libos" else nlog))
            res[name]["warmup"] = dnsperf(ns, ccpu, addr, qfile, 2, [])
        for k in ("qps", "sat_lost", "busy", "client", "cpu", "cpu_ns", "answered", "lost",
                  "rate"):
            for name, _, _ in servers:
                res[name][k] = []
        for r in range(a.runs):
            for name, addr, pid in servers:
                t0, w0 = cpu_ticks(pid), time.monotonic()
                s = dnsperf(ns, ccpu, addr, qfile, a.seconds,
                            ["-q", str(a.outstanding)])
                res[name]["busy"].append(
                    100 * (cpu_ticks(pid) - t0) /
                    os.sysconf("SC_CLK_TCK") / (time.monotonic() - w0))
                res[name]["client"].append(s["busy"])
                res[name]["qps"].append(s["qps"])
                res[name]["sat_lost"].append(s["lost"])
                res[name]["rcodes"] = s["rcodes"]
                f = fixed_rate(ns, ccpu, addr, pid, qfile, a)
                for k, v in f.items():
                    res[name][k].append(v)
                print(f"bench-dns: run {r + 1} {name}: {s['qps']:.0f} q/s "
                      f"({s['lost']:.0f} lost); at {a.rate} q/s "
                      f"{f['cpu']:.2f} ms CPU/1000 ({f['cpu_ns']:.2f} by "
                      f"schedstat), {f['answered']:.0f} answered, "
                      f"{f['lost']:.0f} lost", file=sys.stderr, flush=True)
        if guest.poll() is not None or server.poll() is not None:
            raise RuntimeError("a server ended during the run:\n" +
                               "".join(glog + nlog))
        stop(guest, qemu)
        stop(server)
        time.sleep(0.2)
        res["mem"], res["mem_fail_log"], res["mem_tried"] = \
            dns_smallest_mem(ns, scpu, elf, a)
    res["glog"], res["nlog"] = "".join(glog), "".join(nlog)
    return res


# ---- the report ---------------------------------------------------------

def report(a, res, mix, size):
    """Print the set-up and the side-by-side table."""
    accel, machine, cpu = res["qemu"]
    pin = res["pin"]
    print(f"bench-dns: QEMU -accel {accel} -M {machine} -cpu {cpu} "
          f"-m {a.mem} (as tools/run chose); {a.runs} run(s) each, "
          f"median (runs); "
          f"{'dnsperf CPU %d, servers CPU %d' % pin if pin else 'unpinned'}")
    print(f"bench-dns: queries: {mix}")
    print(f"bench-dns: saturation: dnsperf -e -l {a.seconds} -q "
          f"{a.outstanding}; fixed rate: dnsperf -e -Q {a.rate} -l "
          f"{a.fixed}; CPU ms per 1000 answered queries (stat: ticks of "
          f"{1000 / os.sysconf('SC_CLK_TCK'):g} ms)")
    lib, lin = res["libos"], res["linux"]
    head = f"libos dns.elf ({machine}, {accel}, tap0)"
    print(f"| {'measurement':38} | {head:34} | "
          f"{'Linux dns-linux (veth, netns)':34} |")
    print(f"|{'-' * 40}|{'-' * 35}:|{'-' * 35}:|")
    for label, k, fmt in (
            ("queries/s at saturation", "qps", "{:.0f}"),
            ("  lost at saturation", "sat_lost", "{:.0f}"),
            ("  server CPU busy at saturation (%)", "busy", "{:.0f}"),
            ("  dnsperf CPU busy at saturation (%)", "client", "{:.0f}"),
            (f"CPU ms / 1000 queries at {a.rate}/s (stat)", "cpu",
             "{:.2f}"),
            ("  the same from schedstat", "cpu_ns", "{:.2f}"),
            (f"  answered at {a.rate}/s", "answered", "{:.0f}"),
            (f"  lost at {a.rate}/s", "lost", "{:.0f}"),
            ("  rate achieved (q/s)", "rate", "{:.0f}")):
        print(f"| {label:38} | {cell(lib[k], fmt):>34} | "
              f"{cell(lin[k], fmt):>34} |")
    for name in ("libos", "linux"):
        rc = ", ".join(f"{k} {v}" for k, v in res[name]["rcodes"].items())
        print(f"bench-dns: {name} response codes (last saturation run): {rc}")
    stripped, rows = size
    parts = size_parts(rows)
    print(f"bench-dns: dns.elf stripped: {stripped} bytes "
          f"(strip -o; stat); by part (size-report, stored bytes): {parts}")
    tried = tried_text(res["mem_tried"])
    print(f"bench-dns: smallest -m that answers dig: "
          f"{str(res['mem']) + ' MiB' if res['mem'] else 'none in range'} "
          f"(tried {tried})")
    if res["mem_fail_log"]:
        lines = res["mem_fail_log"].strip().splitlines()
        why = [x for x in lines if "panic:" in x] or lines[-2:]
        print("bench-dns: the largest failing boot: " +
              " / ".join(x.strip() for x in why))
    run_said = [x for x in res["glog"].splitlines() if x.startswith("run:")]
    for x in run_said[:3]:
        print(f"bench-dns: tools/run said: {x[4:].strip()}")
    for name, log in (("libos", res["glog"]), ("linux", res["nlog"])):
        lines = log.strip().splitlines()
        counters = [x for x in lines if "queries" in x and "dropped" in x]
        odd = [x for x in lines if re.search(
            r"memory|pressure|oom|alloc|warn|error|panic", x, re.I)
            and x not in counters and not x.startswith("run:")]
        if counters:
            print(f"bench-dns: {name} counters: {counters[-1].strip()}")
        for x in odd[:10]:
            print(f"bench-dns: {name} log: {x.strip()}")


def main():
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("-M", "--machine", default="q35",
                    choices=["q35", "pc", "microvm"])
    ap.add_argument("-m", "--mem", default="128M",
                    help="guest memory for the measurements")
    ap.add_argument("-r", "--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="one run each")
    ap.add_argument("-l", "--seconds", type=int, default=10,
                    help="seconds of each saturation run")
    ap.add_argument("-q", "--outstanding", type=int, default=100,
                    help="queries outstanding at saturation (dnsperf -q)")
    ap.add_argument("--rate", type=int, default=2000)
    ap.add_argument("-f", "--fixed", type=int, default=20,
                    help="seconds of each fixed-rate run")
    ap.add_argument("--mem-range", type=int, nargs=2, default=[2, 64],
                    metavar=("LO", "HI"), help="MiB bisected for -m")
    ap.add_argument("--boot-limit", type=float, default=60.0,
                    help="seconds a boot may take to listen")
    ap.add_argument("--no-pin", action="store_true")
    a = ap.parse_args()
    if a.quick:
        a.runs = 1
    if os.geteuid() != 0:
        print("bench-dns: needs root (network namespaces)", file=sys.stderr)
        return 1
    for tool in ("dnsperf", "dig", "strip", "nsd-checkzone", "taskset"):
        if not shutil.which(tool):
            print(f"bench-dns: {tool} not found", file=sys.stderr)
            return 1
    for f in ("examples/dns/dns.elf", "examples/dns/dns-linux",
              "examples/dns/db/zones.db"):
        if not os.path.exists(os.path.join(a.build, f)):
            print(f"bench-dns: {a.build}/{f} not found: build first",
                  file=sys.stderr)
            return 1
    try:
        with tempfile.TemporaryDirectory(prefix="bench-dns-") as tmp:
            qfile = os.path.join(tmp, "queries")
            mix = query_file(qfile, zone_dir(a.build), LINES)
            size = image_size(a.build, "dns", "dns")
            res = measure(a, qfile)
        report(a, res, mix, size)
        return 0
    except (RuntimeError, subprocess.TimeoutExpired,
            subprocess.CalledProcessError) as e:
        print(f"bench-dns: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
