#!/usr/bin/python3
"""bench-http: the static-file server of examples/http, libos beside
Linux, in one run (issue 13's measurements).

Two servers run the same program (examples/http/http.c) over the same
files at once, each reached by wrk from the same namespace (the set-up of
tools/bench-dns, shared through tools/benchlib.py):

  libos   BUILD/examples/http/http.elf booted by tools/run (-M, q35 by
          default; tools/run chooses the accelerator, shown from QEMU's
          command line) with its NIC on tap0 of a namespace this script
          creates (tools/netns.py), net.ip=10.0.0.2/24, serving its baked
          tree (/srv/www) with an initrd (tools/run --initrd DIR) that
          adds srv/www/1m.bin.
  Linux   BUILD/examples/http/http-linux -r DIR, natively, in a second
          namespace joined to the first by a veth pair (10.0.1.1 <->
          10.0.1.2); DIR is a copy of the tree the image baked
          (HTTP_WWW_DIR in the build's CMake cache, examples/http/www if
          it says none) plus the same 1m.bin.

1m.bin is 1 MiB of pseudo-random bytes (fixed seed); both servers' copies
are fetched once with curl and checked before measuring. wrk runs on the
first CPU, both servers (all of QEMU's threads, or http-linux) on the
last, unless --no-pin. The measurements alternate between the servers,
R times each (3 by default, 1 with --quick); the table gives the median,
then the runs:

  small page   wrk -t1 -c C (32) -d D (10) s --latency /index.html:
               requests per second and the 99th percentile of latency;
               the server's CPU time over the wall time (QEMU: the whole
               process, /proc/PID/stat) and wrk's (near 100%: that side
               was the bottleneck); socket errors and non-2xx answers;
  1 MiB file   wrk -t1 -c B (4) -d D s --timeout 10s /1m.bin: MiB/s of
               response bytes (wrk's Transfer/sec, binary units) and
               requests per second.

Also: the stripped size of http.elf (strip -o, then stat) and its parts
from tools/size-report; and the smallest -m (whole MiB, bisected over
--mem-range) at which the image, booted without an initrd, answers one
curl of /index.html with the file's bytes, each boot bounded in time,
after the other measurements. Both servers' /stats are printed at the end
of the measurements.

Every process is stopped by its PID and both namespaces are deleted at
the end; every wait is bounded. Needs root. Compare within one run only.

    tools/bench-http [--build build] [-M q35] [-r 3 | --quick] [-d 10]
                     [-c 32] [-b 4] [--mem-range 2 64] [--no-pin]
"""
import argparse
import hashlib
import os
import random
import re
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
                      tried_text, watch, wrk)

WWW = os.path.join(ROOT, "examples", "http", "www")
PORT = 80
VETH = ("vhttp0", "vhttp1")
READY = "http: serving"
SMALL, BIG = "/index.html", "/1m.bin"
BIG_BYTES = 1 << 20
# ---- the files ----------------------------------------------------------

def www_dir(build):
    """The tree the image baked (HTTP_WWW_DIR in the build's CMake
    cache), examples/http/www if it says none."""
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith("HTTP_WWW_DIR:"):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return WWW


def make_trees(tmp, www):
    """Write the initrd directory (srv/www/1m.bin) and http-linux's root
    (a copy of www plus 1m.bin) under tmp; return (initrd dir, root,
    1m.bin's sha256)."""
    data = random.Random(13).randbytes(BIG_BYTES)
    initrd = os.path.join(tmp, "initrd")
    os.makedirs(os.path.join(initrd, "srv", "www"))
    root = os.path.join(tmp, "root")
    shutil.copytree(www, root)
    for d in (os.path.join(initrd, "srv", "www"), root):
        with open(os.path.join(d, BIG[1:]), "wb") as f:
            f.write(data)
    return initrd, root, hashlib.sha256(data).hexdigest()


# ---- curl and wrk -------------------------------------------------------

def curl(ns, addr, path, limit=30):
    """The body of one GET of path (None when it failed or was not 200)."""
    p = subprocess.run(ns.cmd("curl", "-sf", "--max-time", str(limit),
                              f"http://{addr}{path}"),
                       capture_output=True, timeout=limit + 10)
    return p.stdout if p.returncode == 0 else None


# ---- the image ----------------------------------------------------------

def boot_http(ns, cpu, elf, a, mem, timeout, log, run_args=()):
    """Start the image under tools/run in ns with -m mem; return (the
    tools/run process, QEMU's PID, True once it serves)."""
    return boot(ns, cpu, elf, a.machine, mem, timeout, READY, a.boot_limit,
                log, run_args=run_args)


def http_smallest_mem(ns, cpu, elf, a, page):
    """Bisect whole MiB over a.mem_range for the smallest -m at which the
    image, without an initrd, answers one curl of SMALL with page's
    bytes (benchlib.smallest_mem)."""

    def serves(mib):
        log = []
        p, q, up = boot_http(ns, cpu, elf, a, f"{mib}M", a.boot_limit + 30,
                             log)
        try:
            ok = up and curl(ns, netns.GUEST_IP, SMALL) == page
        finally:
            stop(p, q)
        print(f"bench-http: -m {mib}M: {'serves' if ok else 'does not'}",
              file=sys.stderr, flush=True)
        return ok, "".join(log)

    return smallest_mem(serves, *a.mem_range)


# ---- the measurements ---------------------------------------------------

KEYS = ("rps", "p99", "busy", "client", "errors", "non2xx", "big_mib_s",
        "big_rps", "big_errors")


def one_run(ns, ccpu, addr, pid, a):
    """The small page, then the 1 MiB file, against addr (the server's
    CPU time read from pid); return {KEYS: value}."""
    t0, w0 = cpu_ticks(pid), time.monotonic()
    s = wrk(ns, ccpu, addr, SMALL, a.conns, a.seconds, ["--latency"])
    busy = 100 * (cpu_ticks(pid) - t0) / os.sysconf("SC_CLK_TCK") / (
        time.monotonic() - w0)
    b = wrk(ns, ccpu, addr, BIG, a.big_conns, a.seconds,
            ["--timeout", "10s"])
    return {"rps": s["rps"], "p99": s["p99"], "busy": busy,
            "client": s["busy"], "errors": s["errors"],
            "non2xx": s["non2xx"] + b["non2xx"], "big_mib_s": b["mib_s"],
            "big_rps": b["rps"], "big_errors": b["errors"]}


def check_served(ns, servers, page, digest, logs):
    """Fetch SMALL and BIG once from each server and compare them with
    the files; raise when one differs."""
    for (name, addr, _), log in zip(servers, logs):
        small, big = curl(ns, addr, SMALL), curl(ns, addr, BIG)
        if small != page or big is None or \
                hashlib.sha256(big).hexdigest() != digest:
            raise RuntimeError(f"{name} at {addr}: {SMALL} or {BIG} not "
                               f"served as they are:\n" + "".join(log))


def measure(a, tmp):
    """Start both servers, run the measurements; return the results."""
    ccpu, scpu = client_server_cpus(a.no_pin)
    elf = os.path.join(a.build, "examples/http/http.elf")
    native = os.path.join(a.build, "examples/http/http-linux")
    www = www_dir(a.build)
    with open(os.path.join(www, SMALL[1:]), "rb") as f:
        page = f.read()
    initrd, root, digest = make_trees(tmp, www)
    res = {"pin": None if scpu is None else (ccpu, scpu), "www": www,
           "libos": {k: [] for k in KEYS}, "linux": {k: [] for k in KEYS}}
    glog, nlog = [], []
    with netns.Netns() as ns, NativeNs(ns, VETH) as nat:
        guest, qemu, up = boot_http(
            ns, scpu, elf, a, a.mem, a.runs * (2 * a.seconds + 30) * 2 + 300,
            glog, ["--initrd", initrd])
        if not up:
            raise RuntimeError("the image did not serve:\n" + "".join(glog))
        res["qemu"] = qemu_setup(qemu)
        server = nat.popen(*pinned(scpu, [native, "-p", str(PORT), "-r",
                                          root]),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if not watch(server, READY, 10, nlog):
            raise RuntimeError("http-linux did not serve:\n" + "".join(nlog))
        servers = [("libos", netns.GUEST_IP, qemu),
                   ("linux", VETH_SERVER_IP, server.pid)]
        check_served(ns, servers, page, digest, (glog, nlog))
        for _, addr, _ in servers:
            wrk(ns, ccpu, addr, SMALL, a.conns, 2)       # warm-up
        for r in range(a.runs):
            for name, addr, pid in servers:
                got = one_run(ns, ccpu, addr, pid, a)
                for k, v in got.items():
                    res[name][k].append(v)
                print(f"bench-http: run {r + 1} {name}: {got['rps']:.0f} "
                      f"req/s, p99 {got['p99']:.2f} ms; 1 MiB: "
                      f"{got['big_mib_s']:.1f} MiB/s", file=sys.stderr,
                      flush=True)
        if guest.poll() is not None or server.poll() is not None:
            raise RuntimeError("a server ended during the run:\n" +
                               "".join(glog + nlog))
        for name, addr, _ in servers:
            body = curl(ns, addr, "/stats")
            res[name]["stats"] = body.decode(errors="replace") if body \
                else "(no answer)"
        stop(guest, qemu)
        stop(server)
        time.sleep(0.2)
        res["mem"], res["mem_fail_log"], res["mem_tried"] = \
            http_smallest_mem(ns, scpu, elf, a, page)
    res["glog"], res["nlog"] = "".join(glog), "".join(nlog)
    return res


# ---- the report ---------------------------------------------------------

def report(a, res, size):
    """Print the set-up and the side-by-side table."""
    accel, machine, cpu = res["qemu"]
    pin = res["pin"]
    print(f"bench-http: QEMU -accel {accel} -M {machine} -cpu {cpu} "
          f"-m {a.mem} (as tools/run chose); {a.runs} run(s) each, "
          f"median (runs); "
          f"{'wrk CPU %d, servers CPU %d' % pin if pin else 'unpinned'}; "
          f"files: {res['www']} plus 1m.bin")
    print(f"bench-http: small page: wrk -t1 -c{a.conns} -d{a.seconds}s "
          f"--latency http://ADDR{SMALL}; 1 MiB file: wrk -t1 "
          f"-c{a.big_conns} -d{a.seconds}s --timeout 10s http://ADDR{BIG} "
          f"(Transfer/sec, MiB/s)")
    lib, lin = res["libos"], res["linux"]
    head = f"libos http.elf ({machine}, {accel}, tap0)"
    print(f"| {'measurement':38} | {head:36} | "
          f"{'Linux http-linux (veth, netns)':36} |")
    print(f"|{'-' * 40}|{'-' * 37}:|{'-' * 37}:|")
    for label, k, fmt in (
            (f"requests/s, {SMALL}, {a.conns} conns", "rps", "{:.0f}"),
            ("  p99 latency (ms)", "p99", "{:.2f}"),
            ("  server CPU busy (%)", "busy", "{:.0f}"),
            ("  wrk CPU busy (%)", "client", "{:.0f}"),
            ("  socket errors", "errors", "{:.0f}"),
            (f"MiB/s, {BIG}, {a.big_conns} conns", "big_mib_s", "{:.1f}"),
            ("  requests/s", "big_rps", "{:.1f}"),
            ("  socket errors", "big_errors", "{:.0f}"),
            ("non-2xx answers (both)", "non2xx", "{:.0f}")):
        print(f"| {label:38} | {cell(lib[k], fmt):>36} | "
              f"{cell(lin[k], fmt):>36} |")
    stripped, rows = size
    print(f"bench-http: http.elf stripped: {stripped} bytes "
          f"(strip -o; stat); by part (size-report, stored bytes): "
          f"{size_parts(rows)}")
    print(f"bench-http: smallest -m that answers curl {SMALL}: "
          f"{str(res['mem']) + ' MiB' if res['mem'] else 'none in range'} "
          f"(no initrd; tried {tried_text(res['mem_tried'])})")
    if res["mem_fail_log"]:
        lines = res["mem_fail_log"].strip().splitlines()
        why = [x for x in lines if "panic:" in x] or lines[-2:]
        print("bench-http: the largest failing boot: " +
              " / ".join(x.strip() for x in why))
    run_said = [x for x in res["glog"].splitlines() if x.startswith("run:")]
    for x in run_said[:3]:
        print(f"bench-http: tools/run said: {x[4:].strip()}")
    for name, log in (("libos", res["glog"]), ("linux", res["nlog"])):
        print(f"bench-http: {name} /stats: {res[name]['stats'].strip()}")
        odd = [x for x in log.strip().splitlines() if re.search(
            r"memory|pressure|oom|alloc|warn|error|panic", x, re.I)
            and not x.startswith("run:")]
        for x in odd[:10]:
            print(f"bench-http: {name} log: {x.strip()}")


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
    ap.add_argument("-d", "--seconds", type=int, default=10,
                    help="seconds of each wrk run")
    ap.add_argument("-c", "--conns", type=int, default=32,
                    help="wrk connections for the small page")
    ap.add_argument("-b", "--big-conns", type=int, default=4,
                    help="wrk connections for the 1 MiB file")
    ap.add_argument("--mem-range", type=int, nargs=2, default=[2, 64],
                    metavar=("LO", "HI"), help="MiB bisected for -m")
    ap.add_argument("--boot-limit", type=float, default=60.0,
                    help="seconds a boot may take to serve")
    ap.add_argument("--no-pin", action="store_true")
    a = ap.parse_args()
    if a.quick:
        a.runs = 1
    if os.geteuid() != 0:
        print("bench-http: needs root (network namespaces)", file=sys.stderr)
        return 1
    for tool in ("wrk", "curl", "strip", "taskset", "cpio"):
        if not shutil.which(tool):
            print(f"bench-http: {tool} not found", file=sys.stderr)
            return 1
    for f in ("examples/http/http.elf", "examples/http/http-linux"):
        if not os.path.exists(os.path.join(a.build, f)):
            print(f"bench-http: {a.build}/{f} not found: build first",
                  file=sys.stderr)
            return 1
    try:
        with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
            size = image_size(a.build, "http", "http")
            res = measure(a, tmp)
        report(a, res, size)
        return 0
    except (RuntimeError, subprocess.TimeoutExpired,
            subprocess.CalledProcessError) as e:
        print(f"bench-http: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
