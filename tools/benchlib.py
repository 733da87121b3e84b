"""benchlib: what the side-by-side benchmarks of an example service
(tools/bench's subjects, tools/bench-https, tools/bench-tune) share: the libos image booted by
tools/run on tap0 of a namespace (tools/netns.py) and the same program
built for Linux in a second namespace joined to the first by a veth pair,
CPU pinning, stopping every process by its PID, every wait bounded; the
stripped image size with tools/size-report's parts; the bisection of the
smallest -m; wrk's figures; and the median-then-runs table cells."""
import contextlib
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import netns

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = os.path.join(ROOT, "tools", "run")
SIZE_REPORT = os.path.join(ROOT, "tools", "size-report")
VETH_CLIENT_IP, VETH_SERVER_IP = "10.0.1.1", "10.0.1.2"
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4, "h": 3.6e6}
BINARY = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30,
          "TB": 1 << 40}


class NativeNs(netns.Netns):
    """A second namespace joined to ns by a veth pair (client end in ns,
    VETH_CLIENT_IP; server end here, VETH_SERVER_IP; 1500-byte MTU); as a
    netns.Netns, on exit every process started with popen is stopped by
    its PID and the namespace is deleted (which deletes the veth pair).
    dev_setup(side, dev), if given, runs for each end before it goes up
    (side: the cmd of that end's namespace)."""

    def __init__(self, ns, veth=("vbench0", "vbench1"), dev_setup=None):
        super().__init__()
        self.ns, self.name, self.veth = ns, ns.name + "n", veth
        self.dev_setup = dev_setup

    def __enter__(self):
        netns.sh("ip", "netns", "add", self.name)
        try:
            client, server = self.veth
            self.ns.run("ip", "link", "add", client, "type", "veth",
                        "peer", "name", server, "netns", self.name)
            for side, dev, ip in ((self.ns.cmd, client, VETH_CLIENT_IP),
                                  (self.cmd, server, VETH_SERVER_IP)):
                netns.sh(*side("ip", "addr", "add", f"{ip}/24", "dev", dev))
                netns.sh(*side("ip", "link", "set", dev, "mtu", "1500"))
                if self.dev_setup:
                    self.dev_setup(side, dev)
                netns.sh(*side("ip", "link", "set", dev, "up"))
            netns.sh(*self.cmd("ip", "link", "set", "lo", "up"))
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self


def stop(p, qemu=None):
    """Stop p (SIGTERM, then SIGKILL after 10 s) and wait for it; then the
    QEMU it ran, by PID, if that is still alive."""
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    if qemu and is_qemu(qemu):   # not a PID reused since it ended
        try:
            os.kill(qemu, 9)
        except ProcessLookupError:
            pass


def watch(p, text, limit, log):
    """Read p's output into log from a thread for as long as p runs;
    return True once a line contains text, False if p ends or limit s
    pass first."""
    seen = threading.Event()

    def reader():
        for line in p.stdout:
            log.append(line)
            if text in line:
                seen.set()
        seen.set()

    threading.Thread(target=reader, daemon=True).start()
    seen.wait(limit)
    return any(text in line for line in log)


def pinned(cpu, args):
    """args run on CPU cpu only (None: unpinned)."""
    return args if cpu is None else ["taskset", "-c", str(cpu)] + list(args)


def client_server_cpus(no_pin):
    """(client CPU, servers' CPU): the first and the last this process may
    use, or (None, None) with no_pin or a single CPU."""
    cpus = sorted(os.sched_getaffinity(0))
    if no_pin or len(cpus) < 2:
        return None, None
    return cpus[0], cpus[-1]


def is_qemu(pid):
    """True if process pid runs QEMU (its command name says so)."""
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().startswith("qemu")
    except OSError:
        return False


def qemu_of(run, limit=30):
    """The PID of the QEMU that tools/run (the process run) started (not
    the cpio it may run first to pack an initrd), or None if run ended
    first."""
    end = time.monotonic() + limit
    while time.monotonic() < end and run.poll() is None:
        try:
            with open(f"/proc/{run.pid}/task/{run.pid}/children") as f:
                kids = [int(k) for k in f.read().split()]
        except OSError:
            kids = []
        kids = [k for k in kids if is_qemu(k)]
        if kids:
            return kids[0]
        time.sleep(0.05)
    if run.poll() is None:
        raise RuntimeError(f"tools/run (pid {run.pid}) started no QEMU")
    return None


def qemu_setup(pid):
    """(accelerator, machine, cpu model) from QEMU's command line."""
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        argv = f.read().decode().split("\0")
    opt = {argv[i]: argv[i + 1] for i in range(len(argv) - 1)
           if argv[i] in ("-accel", "-M", "-cpu", "-m")}
    return opt.get("-accel", "?"), opt.get("-M", "?"), opt.get("-cpu", "?")


def boot(ns, cpu, elf, machine, mem, timeout, ready, limit, log,
         run_args=(), service_args=()):
    """Start elf under tools/run in ns (tap0, netns.GUEST_IP, log=quiet)
    with -M machine -m mem, tools/run's extra run_args and the service's
    service_args; return (the tools/run process, QEMU's PID, True once a
    line of output contains ready, within limit s). timeout bounds the
    whole run (tools/run --timeout)."""
    p = ns.popen(*pinned(cpu, [
        RUN, elf, "-M", machine, "-m", mem, "--net", "tap:tap0",
        "--timeout", str(timeout),
        "--kopt", f"net.ip={netns.GUEST_IP}/24", "--kopt", "log=quiet"]
        + list(run_args) + ["--"] + list(service_args)),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    q = qemu_of(p)
    return p, q, watch(p, ready, limit, log)


def cpu_ticks(pid):
    """utime + stime of process pid (all its threads, live and ended),
    in clock ticks, from /proc/pid/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def image_size(build, example, name):
    """(stripped bytes of BUILD/examples/EXAMPLE/NAME.elf, tools/size-report's
    rows for it)."""
    elf = os.path.join(build, "examples", example, name + ".elf")
    with tempfile.TemporaryDirectory(prefix="benchlib-") as tmp:
        out = os.path.join(tmp, name + ".stripped")
        netns.sh("strip", "-o", out, elf)
        stripped = os.stat(out).st_size
    rep = subprocess.run([SIZE_REPORT, os.path.join(
        build, "examples", example, name + ".map"), "--json"],
        capture_output=True, text=True, timeout=60, check=True)
    return stripped, json.loads(rep.stdout)["rows"]


def size_parts(rows):
    """size-report's rows as "part bytes, ..." (stored bytes, no total)."""
    return ", ".join(f"{r['part']} {r['stripped']}" for r in rows
                     if r["part"] != "total" and r["stripped"])


def smallest_mem(serves, lo, hi):
    """Bisect whole MiB in [lo, hi] for the smallest at which serves(mib)
    (one bounded boot, returning (ok, its log)) holds, assuming it holds
    from some size up; return (MiB or None, the log of the largest
    failing boot, {MiB: (ok, log)} of every boot)."""
    tried = {}

    def ok(mib):
        tried[mib] = serves(mib)
        return tried[mib][0]

    if not ok(hi):
        return None, tried[hi][1], tried
    fail = lo - 1                  # taken as failing, never booted
    while hi - fail > 1:
        mid = (fail + hi) // 2
        if ok(mid):
            hi = mid
        else:
            fail = mid
    fails = [m for m, (good, _) in tried.items() if not good]
    return hi, tried[max(fails)][1] if fails else "", tried


def tried_text(tried):
    """The boots of smallest_mem, as "2M no, 3M ok, ..."."""
    return ", ".join(f"{m}M {'ok' if ok else 'no'}"
                     for m, (ok, _) in sorted(tried.items()))


def cell(vals, fmt):
    """The median, then the runs in brackets."""
    runs = " / ".join(fmt.format(x) for x in vals)
    return f"{fmt.format(statistics.median(vals))} ({runs})"


def ms(text):
    """wrk's latency (12.34ms, 980.00us, 1.20s) in ms."""
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not m:
        raise RuntimeError(f"wrk: a latency not understood: {text}")
    return float(m.group(1)) * UNITS[m.group(2)]


def wrk(ns, cpu, addr, path, conns, seconds, extra=(), scheme="http"):
    """Run wrk -t1 against scheme://addr/path for seconds in ns; return its
    figures: rps, mib_s (response bytes, binary MiB), p99 (ms, with
    --latency in extra), errors (socket errors of all kinds), non2xx,
    and busy: its CPU time (the only child that ends meanwhile) over the
    wall time, in %."""
    r0, w0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    p = subprocess.run(ns.cmd(*pinned(cpu, [
        "wrk", "-t1", f"-c{conns}", f"-d{seconds}s"] + list(extra)
        + [f"{scheme}://{addr}{path}"])), capture_output=True, text=True,
        timeout=seconds + 60)
    r1, w1 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    out = p.stdout
    got = {"busy": 100 * (r1.ru_utime + r1.ru_stime - r0.ru_utime -
                          r0.ru_stime) / (w1 - w0)}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    t = re.search(r"Transfer/sec:\s+([\d.]+)([KMGT]?B)", out)
    if p.returncode or not m or not t:
        raise RuntimeError(f"wrk (status {p.returncode}):\n{out}{p.stderr}")
    got["rps"] = float(m.group(1))
    got["mib_s"] = float(t.group(1)) * BINARY[t.group(2)] / (1 << 20)
    m = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    got["p99"] = ms(m.group(1)) if m else None
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                  r"timeout (\d+)", out)
    got["errors"] = sum(int(x) for x in m.groups()) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    got["non2xx"] = int(m.group(1)) if m else 0
    return got


def build_commit(commit, targets, cache=None):
    """Build targets (e.g. ["echo"]) of libos at commit, in a copy of
    that commit's tree (git archive, no worktree registered) outside the
    checkout: CACHE/COMMIT/src and CACHE/COMMIT/build, CACHE being
    ${XDG_CACHE_HOME:-~/.cache}/libos/baseline by default. Both are kept,
    so a second call only lets ninja see nothing changed; the build type
    is the project's default, as in a plain checkout's build. Return the
    build directory; raise RuntimeError if git, cmake or ninja fails."""
    sha = netns.sh("git", "-C", ROOT, "rev-parse", "--verify",
                   f"{commit}^{{commit}}").stdout.strip()
    cache = cache or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
        "libos", "baseline")
    top = os.path.join(cache, sha[:12])
    src, build = os.path.join(top, "src"), os.path.join(top, "build")
    if not os.path.isdir(src):
        os.makedirs(top, exist_ok=True)
        tmp = tempfile.mkdtemp(dir=top, prefix=".src-")
        netns.sh("bash", "-c", "set -o pipefail; git -C \"$1\" archive "
                 "\"$2\" | tar -x -C \"$3\"", "-", ROOT, sha, tmp)
        os.rename(tmp, src)
    if not os.path.isfile(os.path.join(build, "build.ninja")):
        netns.sh("cmake", "-S", src, "-B", build, "-G", "Ninja",
                 timeout=600)
    netns.sh("cmake", "--build", build, "--target", *targets, timeout=1800)
    return build


def add_tap(ns, tap, host_ip):
    """Add tap device tap to ns (a netns.Netns, which deletes it with the
    namespace) with address host_ip (ADDR/LEN), up: one more guest's NIC
    beside tap0, on a subnet of its own."""
    ns.run("ip", "tuntap", "add", "dev", tap, "mode", "tap")
    ns.run("ip", "addr", "add", host_ip, "dev", tap)
    ns.run("ip", "link", "set", tap, "up")


# ---- what tools/bench's subjects share -----------------------------------

BENCH = os.path.join(ROOT, "tools", "bench")


def say(msg):
    """One 'bench: ' progress line on stderr (the tables go to stdout)."""
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def client_cmd(subject, plan):
    """The command that runs subject's client side on plan (a JSON-able
    object), e.g. inside a namespace: ns.cmd(*client_cmd(...))."""
    return [sys.executable, BENCH, "--client", subject, json.dumps(plan)]


def accelerator(build, machine):
    """The accelerator tools/run chooses here (kvm or tcg), from the QEMU
    command it would run for the floor kernel."""
    floor = os.path.join(build, "test", "bench", "floor.elf")
    out = subprocess.run([RUN, "-q", "--dry-run", floor, "-M", machine],
                         capture_output=True, text=True, timeout=30,
                         check=True).stdout.split()
    return out[out.index("-accel") + 1] if "-accel" in out else "?"


def cpu_model():
    """The host CPU's model name (/proc/cpuinfo)."""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "CPU model unknown"


def qemu_version():
    """QEMU's version line."""
    out = subprocess.run([os.environ.get("QEMU") or "qemu-system-x86_64",
                          "--version"], capture_output=True, text=True,
                         timeout=30).stdout
    return out.splitlines()[0] if out else "QEMU version unknown"


def tree_state():
    """The checkout's commit, and whether files tracked differ from it."""
    sha = netns.sh("git", "-C", ROOT, "rev-parse", "--short",
                   "HEAD").stdout.strip()
    dirty = netns.sh("git", "-C", ROOT, "status", "--porcelain",
                     "--untracked-files=no").stdout.strip()
    return sha + (" with uncommitted changes" if dirty else "")


def spread(vals, fmt):
    """median (min–max) of vals (None left out), or n/a."""
    vals = [v for v in vals if v is not None]
    if not vals:
        return "n/a"
    med = fmt.format(statistics.median(vals))
    if len(vals) == 1:
        return med
    return f"{med} ({fmt.format(min(vals))}–{fmt.format(max(vals))})"


def median(vals):
    """The median of vals (None left out), or None."""
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def ratio(top, bottom, fmt="{:.2f}"):
    """median(top) / median(bottom) as text, or n/a."""
    t, b = median(top), median(bottom)
    return fmt.format(t / b) if t is not None and b else "n/a"


def table(title, heads, rows, notes=()):
    """Print a markdown table under a '### title' line: heads are the
    column names, rows lists of cells (str); then each note as a line."""
    print(f"\n### {title}\n")
    print("| " + " | ".join(heads) + " |")
    print("|---|" + "---:|" * (len(heads) - 1))
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    if notes:
        print()
        for n in notes:
            print(n)
    sys.stdout.flush()


def target_cell(res, k, target, label, higher_is_better=True):
    """The table cell "LABEL: met" (or **missed**) for row k of res
    ({server: {key: [runs]}}): the median of libos's runs over the Linux
    VM's, against target (label says it, e.g. "≥ 3×")."""
    r = median(res["libos"][k]), median(res["linuxvm"][k])
    value = r[0] / r[1] if None not in r and r[1] else None
    return f"{label}: {verdict(value, target, higher_is_better)}"


def verdict(value, target, higher_is_better=True):
    """'met' or '**missed**' for value against target (None: n/a)."""
    if value is None:
        return "n/a"
    ok = value >= target if higher_is_better else value <= target
    return "met" if ok else "**missed**"


# ---- perf (a host profile of a process, for --profile) ------------------

PERF_LINE = re.compile(r"^\s*([\d.]+)%\s+(\S+)\s+\[[^\]]*\]\s+"
                       r"(.*?)(?:\s+-)*\s*$")


def perf_works():
    """True if `perf --version` runs."""
    try:
        return subprocess.run(["perf", "--version"], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def perf_record(pid, seconds, out):
    """perf record -g of process pid (all its threads) into file out for
    seconds, stopped by perf's PID (SIGINT, then SIGKILL); True if out
    was written."""
    p = subprocess.Popen(["perf", "record", "-g", "-q", "-F", "999", "-o",
                          out, "-p", str(pid)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        p.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        p.send_signal(2)
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    return os.path.exists(out) and os.path.getsize(out) > 0


def perf_top(pid, seconds, n=10):
    """Profile process pid with perf for seconds; return its n hottest
    (percent, dso, symbol) by `perf report --stdio --no-children --sort
    dso,symbol` (self time), or None if perf is absent or failed."""
    if not perf_works():
        return None
    with tempfile.TemporaryDirectory(prefix="benchlib-perf-") as tmp:
        data = os.path.join(tmp, "perf.data")
        if not perf_record(pid, seconds, data):
            return None
        try:
            rep = subprocess.run(
                ["perf", "report", "-i", data, "--stdio", "--no-children",
                 "--sort", "dso,symbol", "-g", "none"],
                capture_output=True, text=True, timeout=120)
        except subprocess.SubprocessError:
            return None
    rows = [PERF_LINE.match(x) for x in rep.stdout.splitlines()
            if not x.startswith("#")]
    rows = [(float(m.group(1)), m.group(2), m.group(3)) for m in rows if m]
    return rows[:n] if rep.returncode == 0 and rows else None


PROF = re.compile(r"prof: (\d+) cycles: (.*)$")
PROF_COPIED = re.compile(r"prof: copied (\d+) bytes in (\d+) copies")


def prof_shares(log):
    """The guest's time by layer from the kernel option prof's line in
    log (lines, still being read for up to 2 s): {"cycles": N, layer:
    percent, ..., "copied": bytes through the fault-safe copy, "copies":
    how many} (the last two None if that line did not come), or None."""
    m = await_match(log, PROF)
    if not m:
        return None
    shares = {"cycles": int(m.group(1))}
    for part in m.group(2).strip().split(","):
        name, pct = part.split()
        shares[name] = float(pct.rstrip("%"))
    c = await_match(log, PROF_COPIED)
    shares["copied"], shares["copies"] = ((int(c.group(1)), int(c.group(2)))
                                          if c else (None, None))
    return shares


def prof_text(shares, units=None):
    """prof_shares' result as the busy layers' shares of the time not
    idle and the bytes copied ("service 10%, kernel 20%, net 50%, driver
    20% of busy; idle 40%; copied 1.0 KiB per unit in 2 copies"; per unit
    when units, the count of the load's units, is given), or "n/a"."""
    if not shares:
        return "n/a"
    busy = {k: v for k, v in shares.items()
            if k not in ("cycles", "idle", "copied", "copies")}
    total = sum(busy.values()) or 1
    text = (", ".join(f"{k} {100 * v / total:.0f}%" for k, v in busy.items())
            + f" of busy; idle {shares.get('idle', 0):.0f}%")
    if shares.get("copied") is not None:
        n = units or 1
        text += (f"; copied {shares['copied'] / n / 1024:.1f} KiB in "
                 f"{shares['copies'] / n:.1f} copies"
                 + (" per unit" if units else " in all"))
    return text


# ---- profiled boots (--profile): counters and time by layer at exit -----

def qmp(sock, command, limit):
    """Send one QMP command to QEMU's socket sock (after the handshake)."""
    end = time.monotonic() + limit
    while not os.path.exists(sock) and time.monotonic() < end:
        time.sleep(0.05)
    with socket.socket(socket.AF_UNIX) as c:
        c.settimeout(limit)
        c.connect(sock)
        f = c.makefile("rw")
        f.readline()                                  # the greeting
        for cmd in ("qmp_capabilities", command):
            f.write(json.dumps({"execute": cmd}) + "\n")
            f.flush()
            f.readline()


@contextlib.contextmanager
def profiled_boot(tag):
    """For one boot whose counters are read at power-down: yield (the
    QMP socket's path, tools/run options giving the kernel options
    devstats and prof and that socket); the socket is removed after."""
    sock = f"/tmp/bench-{tag}-{os.getpid()}.qmp"
    try:
        yield sock, ["--kopt", "devstats", "--kopt", "prof",
                     "--qemu-arg=-qmp",
                     f"--qemu-arg=unix:{sock},server=on,wait=off"]
    finally:
        if os.path.exists(sock):
            os.unlink(sock)


def await_match(log, pattern, wait=2.0):
    """The first match of pattern (a compiled regex) in log, a list still
    being filled by watch's reader for up to wait s after the guest ended
    (the lines printed at exit come last), or None."""
    end = time.monotonic() + wait
    while True:
        m = next((pattern.search(x) for x in list(log)
                  if pattern.search(x)), None)
        if m or time.monotonic() > end:
            return m
        time.sleep(0.1)


def power_down(sock, run, limit):
    """Press the guest's power button through QMP socket sock and wait up
    to limit s for tools/run (the process run) to end: the service ends
    and the kernel prints what was asked at exit."""
    qmp(sock, "system_powerdown", 10)
    run.wait(timeout=limit)


DEVSTATS = re.compile(r"devstats net0 \(.*\): rx (\d+) pkts \d+ B, tx (\d+) "
                      r"pkts .* interrupts (\d+), notifications (\d+)")


def qemu_options(pid):
    """What must be the same for every VM, from QEMU pid's command line:
    machine, accelerator, CPU model, memory, firmware, NIC device, the
    tap backend's options less its name, and the other options that take
    no file or guest command line."""
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        argv = f.read().decode().split("\0")[1:-1]
    keep, skip = [], ("-kernel", "-append", "-initrd")
    for i, arg in enumerate(argv):
        if arg in skip or (i and argv[i - 1] in skip):
            continue
        if i and argv[i - 1] == "-netdev":
            arg = re.sub(r"ifname=[^,]*", "ifname=*", arg)
        keep.append(arg)
    return " ".join(keep)
