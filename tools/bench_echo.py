"""bench_echo: tools/bench's echo subject: TCP and UDP through the echo
example (examples/echo/echo.c), the libos image beside the same program
in a Linux VM on the same QEMU and beside it natively.

For each machine type (tools/bench -M, one after the other) three servers
of the same source, listening on the same port (7), run at once, each
reached by the same client from one network namespace (tools/netns.py):

  libos     BUILD/examples/echo/echo.elf booted by tools/run on tap0
            (10.0.0.2/24);
  linuxvm   echo.c built `musl-gcc -static`, the only program of a Linux
            VM (tools/benchsvc.py, tools/linuxvm.py), booted by tools/run
            like the image (same QEMU, machine type, firmware, NIC model
            and transport, -m and accelerator; the script checks) on tap1
            (10.0.11.2/24); a boot that does not serve within --limit s
            is stopped and retried (--tries in all) and counted under the
            table, with the virtio-net features its eth0 negotiated;
  native    BUILD/examples/echo/echo-linux on the host in a second
            namespace joined by a veth pair (10.0.1.2), set up like the
            tap as QEMU leaves it (1500-byte MTU, TSO and transmit
            checksum offload off): a reference column, not a VM.

The client (tools/bench --client echo PLAN, inside the namespace) warms
each server up (one UDP answer, 1 MiB of TCP), then for R runs measures
the servers in turn within each run (interleaved run by run):

  TCP: one connection sends N MiB (64; 8 with --quick) as fast as it can
  while a second thread reads the echo back, so both directions carry the
  same bytes at once; the figures differ in where the clock stops:
    echo, both ways          = N / (first send to last echoed byte back);
    host->guest (client->server) = N / (first send to the moment the
      server's TCP has acknowledged the last byte: SIOCOUTQ empty);
    guest->host (server->client) = N / (first echoed byte back to last).
  QEMU CPU per MiB: the user+system time of the server's QEMU process
  (all its threads, /proc/PID/stat) over the TCP echo, divided by N.
  UDP: 64-byte numbered datagrams; round trips per second with one in
  flight (U: 5000, 1000 with --quick) and with 16 in flight (4U); a
  datagram not back within 0.5 s counts as lost (the window is refilled).

Targets (against the Linux VM, medians): TCP echo at least 2x, UDP round
trips at least 2.5x. With --profile, one more boot of the image per
machine type echoes N MiB once and is powered down through QMP; the
kernel's devstats give frames, interrupts and notifications per MiB (each
interrupt and notification is a VM exit under KVM)."""
import ctypes
import fcntl
import json
import os
import socket
import struct
import subprocess
import termios
import threading
import time

import benchlib
import benchsvc
import linuxvm
import netns

RUN = os.path.join(benchlib.ROOT, "tools", "run")
SVC = benchsvc.SERVICES["echo"]
READY = SVC.ready
KEYS = ("up", "down", "echo", "cpu", "udp1", "udpw", "lost")
TICK = os.sysconf("SC_CLK_TCK")
PORT = SVC.port
VETH_CLIENT, VETH_SERVER = "vecho0", "vecho1"
VETH_CLIENT_IP, VETH_SERVER_IP = "10.0.1.1", "10.0.1.2"
UDP_SIZE = 64
UDP_WAIT = 0.5
WINDOW = 16
TARGETS = {"echo": 2.0, "udp1": 2.5, "udpw": 2.5}


# ---- client side (runs inside the namespace) ---------------------------

def connect(addr, deadline):
    """A connected TCP socket to the echo at addr."""
    s = socket.create_connection((addr, PORT), timeout=10)
    s.settimeout(max(1.0, deadline - time.monotonic()))
    return s


def tcp_bulk(addr, size, limit):
    """Send size bytes through the echo with a reader draining it; return
    (host->guest, guest->host, echo) in MiB/s as defined in the doc."""
    deadline = time.monotonic() + limit
    s = connect(addr, deadline)
    chunk = bytes(range(256)) * 1024          # 256 KiB
    got = [0, None, None]                     # bytes, first, last arrival
    buf = bytearray(1 << 20)

    def reader():
        try:
            while got[0] < size and time.monotonic() < deadline:
                n = s.recv_into(buf)
                if not n:
                    break
                now = time.perf_counter()
                if got[1] is None:
                    got[1] = now
                got[0] += n
                got[2] = now
        except OSError:
            pass

    t = threading.Thread(target=reader)
    t.start()
    t0 = time.perf_counter()
    sent = 0
    while sent < size:
        s.sendall(chunk[:min(len(chunk), size - sent)])
        sent += min(len(chunk), size - sent)
    while (struct.unpack("i", fcntl_ioctl(s, termios.TIOCOUTQ))[0] and
           time.monotonic() < deadline):
        time.sleep(0.0002)
    t_acked = time.perf_counter()
    t.join(max(0.0, deadline - time.monotonic()) + 1)
    s.close()
    if got[0] != size:
        raise RuntimeError(f"tcp: {got[0]} of {size} bytes came back "
                           f"within {limit} s")
    mib = size / (1 << 20)
    return (mib / (t_acked - t0), mib / (got[2] - got[1]),
            mib / (got[2] - t0))


def fcntl_ioctl(s, request):
    """ioctl(s, request, int) returning the 4 bytes written."""
    return fcntl.ioctl(s.fileno(), request, b"\0\0\0\0")


def udp_rtt(addr, count, window, limit):
    """count numbered datagrams with up to window outstanding; return
    (round trips per second, datagrams lost)."""
    deadline = time.monotonic() + limit
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((addr, PORT))
    s.settimeout(UDP_WAIT)
    pad = b"x" * (UDP_SIZE - 8)
    outstanding = set()
    sent = done = lost = 0

    def refill():
        nonlocal sent
        while len(outstanding) < window and sent < count:
            s.send(struct.pack("!Q", sent) + pad)
            outstanding.add(sent)
            sent += 1

    t0 = time.perf_counter()
    refill()
    while outstanding and time.monotonic() < deadline:
        try:
            data = s.recv(2048)
        except socket.timeout:
            lost += len(outstanding)
            outstanding.clear()
            refill()
            continue
        seq = struct.unpack("!Q", data[:8])[0] if len(data) >= 8 else -1
        if seq in outstanding:
            outstanding.remove(seq)
            done += 1
            refill()
    elapsed = time.perf_counter() - t0
    lost += len(outstanding) + (count - sent)
    s.close()
    return done / elapsed, lost


def echo_once(addr, mib, limit):
    """One TCP echo of mib MiB (after the UDP echo answers); exit 0."""
    udp_ready(addr, limit)
    tcp_bulk(addr, mib << 20, limit)
    return 0


def udp_ready(addr, limit):
    """Wait until the echo answers a datagram (ARP resolved, server up)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if udp_rtt(addr, 1, 1, 1)[1] == 0:
            return
    raise RuntimeError(f"no UDP echo from {addr} within {limit} s")


def client(plan):
    """The client side, run inside the namespace by tools/bench --client
    echo PLAN. PLAN (a JSON object) is one of: {"servers": [[name,
    address, QEMU PID or None], ...], "size", "udp", "runs", "limit"}:
    measure, print one JSON object of results on stdout; {"once":
    [address, MiB, limit]}: one TCP echo (the counters' boot);
    {"offload": [dev, settings]}: set a veth's offloads."""
    if "once" in plan:
        return echo_once(*plan["once"])
    if "offload" in plan:
        return offload(*plan["offload"])
    p = plan
    res = {name: {k: [] for k in KEYS} for name, _, _ in p["servers"]}
    for _, addr, _ in p["servers"]:
        udp_ready(addr, p["limit"])
        tcp_bulk(addr, 1 << 20, p["limit"])   # warm-up: ARP, lwIP, caches
    mib = p["size"]
    for r in range(p["runs"]):
        for name, addr, qemu in p["servers"]:
            t0 = benchlib.cpu_ticks(qemu) if qemu else 0
            up, down, echo = tcp_bulk(addr, mib << 20, p["limit"])
            cpu = ((benchlib.cpu_ticks(qemu) - t0) * 1000 / TICK / mib
                   if qemu else None)
            u1, l1 = udp_rtt(addr, p["udp"], 1, p["limit"])
            uw, lw = udp_rtt(addr, p["udp"] * 4, WINDOW, p["limit"])
            for k, v in (("up", up), ("down", down), ("echo", echo),
                         ("cpu", cpu), ("udp1", u1), ("udpw", uw),
                         ("lost", l1 + lw)):
                res[name][k].append(v)
            cpu_text = f", QEMU {cpu:.1f} ms/MiB" if qemu else ""
            benchlib.say(f"echo: run {r + 1} {name}: tcp {up:.1f}/{down:.1f}"
                         f"/{echo:.1f} MiB/s{cpu_text}, udp {u1:.0f}/"
                         f"{uw:.0f} rt/s, {l1 + lw} lost")
    print(json.dumps(res))
    return 0


# ---- host side: namespaces, servers, table ------------------------------

SIOCETHTOOL = 0x8946
ETHTOOL_SET = {"tso": 0x1f, "tx-csum": 0x17}   # ETHTOOL_STSO, ETHTOOL_STXCSUM


def offload(dev, settings):
    """Set ethtool features (tso=0,tx-csum=0) of dev in this namespace,
    with the SIOCETHTOOL ioctl (ethtool itself is not installed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for item in settings.split(","):
            key, val = item.split("=")
            buf = ctypes.create_string_buffer(
                struct.pack("II", ETHTOOL_SET[key], int(val)), 8)
            ifr = struct.pack("16sP16x", dev.encode(), ctypes.addressof(buf))
            fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifr)
    return 0


def veth_like_tap(side, dev):
    """Turn TSO and transmit checksum offload off on veth end dev (side:
    the namespace's cmd), as a tap is when QEMU has not enabled them."""
    netns.sh(*side(*benchlib.client_cmd(
        "echo", {"offload": [dev, "tso=0,tx-csum=0"]})))


def boot_libos(ns, cpu, elf, a, machine, tap, ip, timeout, log,
               run_args=()):
    """Boot the libos echo image elf under tools/run (with its extra
    options run_args) on tap of ns with net.ip=ip/24; return (the
    tools/run process, QEMU's PID) once it listens. A boot that does not
    get there within a.limit s is stopped and RuntimeError raised."""
    p = ns.popen(*benchlib.pinned(cpu, [
        RUN, "-q", elf, "-M", machine, "-m", a.mem, "--net", f"tap:{tap}",
        "--timeout", str(timeout), "--kopt", f"net.ip={ip}/24",
        "--kopt", "log=quiet"] + list(run_args) + ["--"] + SVC.args),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    q = benchlib.qemu_of(p)
    if not benchlib.watch(p, READY, a.limit, log):
        benchlib.stop(p, q)
        raise RuntimeError(f"{elf} ({machine}): no '{READY}' within "
                           f"{a.limit} s:\n" + "".join(log))
    return p, q


def counters(a, machine, elf, mib):
    """The guest's device counters over one boot that echoes mib MiB once
    and is then powered down (ACPI power button: the service ends, the
    kernel prints devstats): per MiB echoed, frames received and sent,
    interrupts taken and device notifications made. None if the counters
    did not come."""
    log = []
    with netns.Netns() as ns, benchlib.profiled_boot("echo") as (sock, opts):
        run, q = boot_libos(ns, a.pin[1], elf, a, machine, "tap0",
                            netns.GUEST_IP, a.limit * 4, log, opts)
        try:
            subprocess.run(ns.cmd(*benchlib.pinned(
                a.pin[0], benchlib.client_cmd("echo", {"once": [
                    netns.GUEST_IP, mib, a.limit]}))),
                check=True, timeout=a.limit * 2)
            benchlib.power_down(sock, run, a.limit)
        finally:
            benchlib.stop(run, q)
    m = benchlib.await_match(log, benchlib.DEVSTATS)
    if not m:
        return None
    rx, tx, irq, notes = (int(x) for x in m.groups())
    return {"rx": rx / mib, "tx": tx / mib, "irq": irq / mib,
            "notify": notes / mib, "layers": benchlib.prof_shares(log)}


def counters_table(a, machine, elf, mib):
    """Print the image's device counters per MiB echoed (--profile)."""
    c = counters(a, machine, elf, mib)
    rows = [["no counters came", "", "", "", ""]] if c is None else [[
        f"{c['rx']:.0f}", f"{c['tx']:.0f}", f"{c['irq']:.0f}",
        f"{c['notify']:.0f}", benchlib.prof_text(c["layers"], mib)]]
    benchlib.table(
        f"echo, {machine}: where the time goes (libos, per MiB echoed)",
        ["frames received", "frames sent", "interrupts", "notifications",
         "guest time by layer (end of boot to power-down); copies per MiB"],
        rows, [f"One {mib} MiB echo, devstats and prof at power-down; "
               "interrupts and notifications are VM exits under KVM; the "
               "layers' shares are of TSC cycles (kern/prof.h)."])


def start_vm(ns, a, machine, kind, path, i, timeout, log, extra):
    """Boot server i (kind libos or linuxvm) on tap{i} of ns; return (the
    tools/run process, QEMU's PID, its address)."""
    tap, sub = f"tap{i}", f"10.0.{10 + i}"
    if i:
        benchlib.add_tap(ns, tap, f"{sub}.1/24")
    else:
        sub = netns.GUEST_IP.rsplit(".", 1)[0]
    if kind == "libos":
        run, q = boot_libos(ns, a.pin[1], path, a, machine, tap, f"{sub}.2",
                            timeout, log)
    else:
        run, q, hung = linuxvm.boot(
            ns, a.pin[1], path, machine, a.mem, timeout, READY, a.limit, log,
            f"{sub}.2/24", SVC.args, tries=a.tries, tap=tap,
            files=SVC.linuxvm_files(a.build))
        extra["hung"] += hung
        bits = linuxvm.features(log)
        extra["features"] = (linuxvm.feature_names(bits)
                             if bits is not None else None)
    extra["setup"].add(benchlib.qemu_options(q))
    return run, q, f"{sub}.2"


def measure(a, machine, servers):
    """Start every server for machine (each VM on a tap of its own in one
    namespace, echo-linux behind a veth pair), run the client there once
    for all runs, stop everything; return (results by server name,
    {"hung": Linux VM boots that hung, "features": its virtio-net
    feature names, "setup": the VMs' QEMU options})."""
    extra = {"hung": 0, "features": None, "setup": set()}
    runs_time = a.limit * (6 * a.runs + 4) * len(servers) + 120
    with netns.Netns() as ns, benchlib.NativeNs(
            ns, (VETH_CLIENT, VETH_SERVER), veth_like_tap) as nat:
        plan, live = [], []
        for i, (name, kind, path) in enumerate(servers):
            log = []
            if kind == "native":
                srv = nat.popen(*benchlib.pinned(a.pin[1], [path] + SVC.args),
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
                if not benchlib.watch(srv, READY, 10, log):
                    raise RuntimeError("echo-linux: " + "".join(log))
                live.append(srv)
                plan.append([name, VETH_SERVER_IP, None])
                continue
            run, q, addr = start_vm(ns, a, machine, kind, path, i, runs_time,
                                    log, extra)
            live.append(run)
            plan.append([name, addr, q])
            benchlib.say(f"echo: {machine}: {name} up (QEMU pid {q})")
        c = subprocess.run(ns.cmd(*benchlib.pinned(a.pin[0], benchlib.client_cmd(
            "echo", {"servers": plan, "size": a.echo_mib, "udp": a.echo_udp,
                     "runs": a.runs, "limit": a.limit}))),
            stdout=subprocess.PIPE, text=True, timeout=runs_time)
        ended = [p.args for p in live if p.poll() is not None]
        if ended:
            raise RuntimeError(f"a server ended during the run: {ended}")
    if c.returncode:
        raise RuntimeError(f"echo client failed (status {c.returncode})")
    return json.loads(c.stdout.strip().splitlines()[-1]), extra


ROWS = (("TCP echo, both ways", "MiB/s", "echo", "{:.1f}"),
        ("TCP host→guest (client→server)", "MiB/s", "up", "{:.1f}"),
        ("TCP guest→host (server→client)", "MiB/s", "down", "{:.1f}"),
        ("UDP round trips, 1 in flight", "1/s", "udp1", "{:.0f}"),
        (f"UDP round trips, {WINDOW} in flight", "1/s", "udpw", "{:.0f}"),
        ("QEMU CPU per MiB echoed", "ms", "cpu", "{:.1f}"),
        ("UDP datagrams lost (per run)", "", "lost", "{:.0f}"))


def target_cell(res, k):
    """The target of row k and whether libos meets it (medians)."""
    if k not in TARGETS:
        return ""
    return benchlib.target_cell(res, k, TARGETS[k], f"≥ {TARGETS[k]}×")


def table(machine, res, extra, a):
    """Print one machine type's table: per server the median (min–max)
    over the runs, then libos / Linux VM and the target."""
    rows = []
    for label, unit, k, fmt in ROWS:
        rows.append([label, unit] + [benchlib.spread(res[n][k], fmt)
                                     for n in ("libos", "linuxvm", "native")]
                    + ([""] * 2 if k == "lost" else [
                        benchlib.ratio(res["libos"][k], res["linuxvm"][k]),
                        target_cell(res, k)]))
    benchlib.table(
        f"echo, {machine} ({a.accel})",
        ["measurement", "unit", "libos", "Linux VM", "native (veth)",
         "libos / Linux VM", "target"], rows,
        [f"TCP: {a.echo_mib} MiB echoed per run; UDP: {a.echo_udp} round "
         f"trips with 1 in flight, {a.echo_udp * 4} with {WINDOW}. Linux VM"
         f" boots that hung and were retried: {extra['hung']}; its eth0 "
         f"negotiated: {' '.join(extra['features'] or ['?'])}."])


def run(a):
    """tools/bench's echo subject: prepare the servers, measure each
    machine type in a.machines, print the tables (and, with a.profile,
    the image's device counters)."""
    a.echo_mib, a.echo_udp = (8, 1000) if a.quick else (64, 5000)
    servers = SVC.forms(a.build)
    for machine in a.machines:
        res, extra = measure(a, machine, servers)
        if len(extra["setup"]) != 1:
            raise RuntimeError(f"{machine}: the VMs ran on different QEMU "
                               "options:\n" + "\n".join(extra["setup"]))
        table(machine, res, extra, a)
        print(f"\nEvery VM ran: `qemu-system-x86_64 "
              f"{next(iter(extra['setup']))}`")
        if a.profile:
            counters_table(a, machine, servers[0][2], a.echo_mib)
