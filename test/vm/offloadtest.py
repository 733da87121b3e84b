#!/usr/bin/python3
"""virtio-net offload combinations through the echo example: one guest is
booted with the NIC properties given (tools/run --nic-opt, e.g. csum=off),
on a tap with a vnet header in a network namespace this script creates
(tools/netns.py; QEMU offers every offload there unless a property turns
it off) or on --net user (slirp, which offers none; hostfwd from
127.0.0.1), and from the host side:

    tcp4     a 16 MiB TCP stream of random bytes through the echo and back,
             SHA-256 compared (both directions carry it: large segments
             and checksums each way)
    tcp6     a 4 MiB stream over IPv6 link-local (TSO6 both ways); tap only
    udp4     datagrams of 1, 1472, 1473, 3000 and 8000 bytes (the last
             three IP-fragmented both ways: a checksum offloaded on a
             fragmented datagram is the classic bug), each echoed intact
    udp6     datagrams of 1, 1452, 1453, 3000 and 8000 bytes; tap only
    offloads the driver's probe line ("net0: MAC, mtu .., queues ..") is
             there; if it has an "offloads a,b,.." field, its set must be
             the expected one (--expect-offloads, else derived from the
             NIC properties); without the field nothing more is asserted
             unless --strict-offloads, which then wants an empty set
    alive    after all of it the guest still runs and printed no panic,
             fault or failed assertion

    offloadtest.py --build BUILD --machine M [--net tap|user]
                   [--nic-opt NAME=VALUE ...] [--expect-offloads LIST]
                   [--strict-offloads]
    offloadtest.py --client ADDR4 ADDR6|none PORT   (inside the namespace)

The offloads' names are the probe line's: csum (VIRTIO_NET_F_CSUM, the
guest's transmit checksum), gcsum (GUEST_CSUM), tso4, tso6 (HOST_TSO*,
the guest sends large segments), gtso4, gtso6 (GUEST_TSO*, it receives
them). The expected set is what QEMU offers less what the properties
turn off, with the spec's dependencies: tsoN needs csum, gtsoN needs
gcsum (and mergeable receive buffers, which stay on); none on slirp.
"""
import argparse
import hashlib
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import netns  # noqa: E402
from echotest import connect, guest_link_local  # noqa: E402
from guestnet import Checks, guest_faults  # noqa: E402
from nettest import Lines  # noqa: E402

RUN = os.path.join(ROOT, "tools", "run")
PORT = 7
TCP4_BYTES = 16 << 20
TCP6_BYTES = 4 << 20
UDP4_SIZES = (1, 1472, 1473, 3000, 8000)   # 1472: the largest unfragmented
UDP6_SIZES = (1, 1452, 1453, 3000, 8000)   # 1452: the same over IPv6
UDP_EACH = 3                               # datagrams of each size
OFFLOADS = ("csum", "gcsum", "tso4", "tso6", "gtso4", "gtso6")
# the driver's probe line (drivers/virtio/net.c), not lwIP's "net0: lwIP"
PROBE = re.compile(r"(net\d+): (?:[0-9a-f]{2}:){5}[0-9a-f]{2}, mtu \d+, "
                   r"link \w+, queues [^\n]*")


# ---- the host side's traffic (inside the namespace, or on 127.0.0.1)

def stream(addr, port, size, family, seed):
    """Send size random bytes on a new connection and read them back
    (reader on a thread so neither side stalls); (ok, message). The bytes
    do not repeat, so a segment misplaced or doubled shows."""
    data = random.Random(seed).randbytes(size)
    got = bytearray()
    s = connect(family, addr, port)
    s.settimeout(60)
    t0 = time.monotonic()

    def reader():
        try:
            while len(got) < len(data):
                chunk = s.recv(1 << 16)
                if not chunk:
                    break
                got.extend(chunk)
        except OSError:
            pass

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    try:
        s.sendall(data)
    except OSError as e:
        s.close()
        return False, f"send failed after {len(got)} bytes back: {e}"
    t.join(240)
    s.close()
    dt = time.monotonic() - t0
    ok = hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
    msg = f"{len(data)} bytes sent, {len(got)} back in {dt:.1f} s"
    if not ok:
        first = next((i for i, (a, b) in enumerate(zip(got, data)) if a != b),
                     min(len(got), len(data)))
        msg += f", DIFFERENT from byte {first}"
    return ok, msg


def datagrams(addr, port, family, sizes, seed):
    """UDP_EACH datagrams of each size, each sent up to 3 times and
    waited for 2 s, the echo compared byte for byte (a late echo of an
    earlier one is skipped); (ok, message)."""
    rng = random.Random(seed)
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(2)
    dest = socket.getaddrinfo(addr, port, family, socket.SOCK_DGRAM)[0][4]
    lost = []
    for size in sizes:
        back = 0
        for _ in range(UDP_EACH):
            msg = rng.randbytes(size)
            if echo_once(s, dest, msg):
                back += 1
        if back < UDP_EACH:
            lost.append(f"{size} bytes: {UDP_EACH - back} of {UDP_EACH} lost")
    s.close()
    sizes_s = ", ".join(map(str, sizes))
    return not lost, (f"{UDP_EACH} each of {sizes_s} bytes "
                      + ("echoed intact" if not lost else
                         "NOT echoed: " + "; ".join(lost)))


def echo_once(s, dest, msg, tries=3):
    """True if msg comes back on s (sent up to tries times)."""
    for _ in range(tries):
        s.sendto(msg, dest)
        end = time.monotonic() + 2
        while time.monotonic() < end:
            try:
                got = s.recv(1 << 16)
            except socket.timeout:
                break
            if got == msg:
                return True
    return False


def traffic(addr4, addr6, port, seed=1):
    """Every traffic check against the echo at addr4 (and addr6 unless
    None) on port; True if all pass."""
    c = Checks()
    cases = [("tcp4", lambda: stream(addr4, port, TCP4_BYTES,
                                     socket.AF_INET, seed)),
             ("udp4", lambda: datagrams(addr4, port, socket.AF_INET,
                                        UDP4_SIZES, seed))]
    if addr6:
        cases += [("tcp6", lambda: stream(addr6, port, TCP6_BYTES,
                                          socket.AF_INET6, seed + 1)),
                  ("udp6", lambda: datagrams(addr6, port, socket.AF_INET6,
                                             UDP6_SIZES, seed + 1))]
    for name, fn in cases:
        try:
            ok, msg = fn()
        except OSError as e:
            ok, msg = False, f"failed: {e}"
        c(ok, f"{name}: {msg}")
    return c.ok()


# ---- what the guest said

def nic_props(opts):
    """The NIC properties set by --nic-opt NAME=VALUE words, as
    {name: bool} for the on/off ones."""
    props = {}
    for o in opts:
        name, _, value = o.partition("=")
        if value in ("on", "off", "true", "false"):
            props[name] = value in ("on", "true")
    return props


def expected_offloads(opts, net):
    """The offloads a driver that takes every one offered negotiates with
    QEMU's virtio-net given the properties opts (see the module's doc)."""
    if net == "user":
        return set()
    p = nic_props(opts)
    on = {n: p.get(n, True) for n in ("csum", "guest_csum", "host_tso4",
                                      "host_tso6", "guest_tso4", "guest_tso6",
                                      "mrg_rxbuf")}
    e = set()
    if on["csum"]:
        e.add("csum")
        e |= {f"tso{v}" for v in "46" if on[f"host_tso{v}"]}
    if on["guest_csum"]:
        e.add("gcsum")
        if on["mrg_rxbuf"]:
            e |= {f"gtso{v}" for v in "46" if on[f"guest_tso{v}"]}
    return e


def check_offloads(c, text, want, strict):
    """Check the probe line's offloads against the set want: asserted
    when the line names offloads (or with strict, also when it does not:
    then want must be empty)."""
    m = PROBE.search(text)
    if not c(m is not None, "offloads: the driver's probe line is there"):
        return
    line = m.group(0)
    f = re.search(r"offloads ([a-z0-9,]+)", line)
    want_s = ",".join(o for o in OFFLOADS if o in want) or "none"
    if f:
        got = set(f.group(1).split(","))
        got_s = ",".join(o for o in OFFLOADS if o in got) + \
            "".join(f",{o}" for o in sorted(got - set(OFFLOADS)))
        c(got == want, f"offloads: {got_s} negotiated, {want_s} expected",
          line)
    elif strict:
        c(not want, f"offloads: none named, {want_s} expected", line)
    else:
        print(f"  note offloads: the probe line names none "
              f"({want_s} expected; asserted only with --strict-offloads)",
              flush=True)


# ---- the driver, outside the namespace

def boot_cmd(a, extra):
    """tools/run's command for the echo guest."""
    cmd = [RUN, "-q", os.path.join(a.build, "examples/echo/echo.elf"),
           "-M", a.machine, "--timeout", "400"]
    for o in a.nic_opt:
        cmd += ["--nic-opt", o]
    return cmd + extra


def guest_checks(c, g, proc, a):
    """The checks on the guest's output and that it still runs."""
    text = g.text()
    want = expected_offloads(a.nic_opt, a.net) if a.expect_offloads is None \
        else {o for o in a.expect_offloads.split(",") if o and o != "none"}
    check_offloads(c, text, want, a.strict_offloads)
    c(proc.poll() is None, "alive: the guest still runs")
    faults = guest_faults(text)
    c(not faults, "alive: no panic, fault or failed assertion",
      "\n".join(faults))


def run_tap(a):
    """Boot on tap0 in a namespace; run traffic() inside it."""
    c = Checks()
    with netns.Netns() as ns:
        p = ns.popen(*boot_cmd(a, ["--net", "tap:tap0", "--kopt",
                                   f"net.ip={netns.GUEST_IP}/24"]),
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                     text=True)
        g = Lines(p)
        up = g.wait(r"echo: listening", 90) and g.wait(r"IPv6 fe80::", 30)
        if c(bool(up), "boot: the echo listens, IPv6 link-local is up"):
            ll = guest_link_local(ns, g.text().splitlines())
            r = ns.run("python3", os.path.abspath(__file__), "--client",
                       netns.GUEST_IP, ll, str(PORT), check=False,
                       timeout=600)
            print(r.stdout, end="", flush=True)
            c(r.returncode == 0, "traffic: every check inside the namespace")
        guest_checks(c, g, p, a)
        out = g.text()
    return c.ok(), out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_user(a):
    """Boot on slirp with TCP and UDP forwarded from 127.0.0.1; run
    traffic() (IPv4 only) from here."""
    c = Checks()
    port = free_port()
    p = subprocess.Popen(boot_cmd(a, ["--net", "user", "--fwd",
                                      f"tcp:{port}:{PORT}", "--fwd",
                                      f"udp:{port}:{PORT}"]),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    try:
        g = Lines(p)
        if c(bool(g.wait(r"echo: listening", 90)), "boot: the echo listens"):
            c(traffic("127.0.0.1", None, port), "traffic: every check")
        guest_checks(c, g, p, a)
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return c.ok(), g.text()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build")
    ap.add_argument("--machine", default="q35")
    ap.add_argument("--net", default="tap", choices=["tap", "user"])
    ap.add_argument("--nic-opt", action="append", default=[],
                    metavar="NAME=VALUE")
    ap.add_argument("--expect-offloads", metavar="LIST",
                    help="e.g. csum,gcsum or none (default: derived)")
    ap.add_argument("--strict-offloads", action="store_true",
                    help="a probe line without offloads means none")
    ap.add_argument("--client", nargs=3, metavar=("ADDR4", "ADDR6", "PORT"))
    a = ap.parse_args()
    if a.client:
        addr6 = None if a.client[1] == "none" else a.client[1]
        return 0 if traffic(a.client[0], addr6, int(a.client[2])) else 1
    t0 = time.monotonic()
    ok, out = (run_user if a.net == "user" else run_tap)(a)
    print("---- guest output\n" + out)
    print(f"offloadtest: {a.machine} --net {a.net} "
          f"{' '.join(a.nic_opt) or '(QEMU defaults)'}: "
          f"{'ok' if ok else 'FAIL'} in {time.monotonic() - t0:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
