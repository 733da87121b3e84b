#!/usr/bin/python3
"""Network VM tests and measurements with the host side in a network
namespace this script creates (tools/netns.py): the guest's NIC is a tap
device inside it, so no traffic leaves it.

    nettest.py --build BUILD --machine M ping       the guest answers ARP
                                                     and the host's ping
    nettest.py --build BUILD --machine M rates      raw-frame rates both
                                                     ways (tools/bench-net)
    nettest.py --blast N SIZE                        (inside the namespace)
                                                     send N frames on tap0
"""
import argparse
import os
import re
import socket
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import netns  # noqa: E402

RUN = os.path.join(ROOT, "tools", "run")


def blast(n, size):
    """Send n broadcast frames of size bytes on tap0, as fast as we can."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind(("tap0", 0))
    frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5"
    frame += b"\x5a" * (size - len(frame))
    t0 = time.monotonic()
    for _ in range(n):
        while True:
            try:
                s.send(frame)
                break
            except BlockingIOError:
                time.sleep(0.0001)
    dt = time.monotonic() - t0
    print(f"blast: {n} frames of {size} bytes in {dt * 1000:.0f} ms: "
          f"{n / dt:.0f} frames/s", flush=True)


def guest(ns, build, machine, args, extra=()):
    """Start rawnet.elf in the namespace on tap0; returns the process."""
    cmd = [RUN, "-q", os.path.join(build, "test/vm/rawnet.elf"), "-M", machine,
           "--net", "tap:tap0", "--timeout", "60", "--kopt", "log=quiet"]
    cmd += list(extra) + ["--"] + list(args)
    return ns.popen(*cmd, stdout=__import__("subprocess").PIPE,
                    stderr=__import__("subprocess").STDOUT, text=True)


def wait_line(proc, pattern, out):
    """Read proc's lines into out until one matches pattern."""
    for line in proc.stdout:
        out.append(line)
        if re.search(pattern, line):
            return True
    return False


def case_ping(build, machine, extra=()):
    """The host pings the guest, which answers ARP and ICMP itself."""
    out = []
    with netns.Netns() as ns:
        p = guest(ns, build, machine, ["answer", netns.GUEST_IP, "3"], extra)
        if not wait_line(p, r"answering for", out):
            return False, "".join(out)
        ping = ns.run("ping", "-c", "3", "-W", "5", netns.GUEST_IP, check=False)
        out.append(ping.stdout)
        out += p.stdout.readlines()
        ok = (ping.returncode == 0 and p.wait(timeout=30) == 0 and
              any("answered 3 pings" in line for line in out))
    return ok, "".join(out)


def rates(build, machine, n, size, extra=()):
    """Frames/s both ways for one frame size; returns printable lines."""
    lines = []
    with netns.Netns() as ns:  # host -> guest
        out = []
        p = guest(ns, build, machine, ["sink", "30"], extra)
        wait_line(p, r"sinking", out)
        b = ns.run("python3", os.path.abspath(__file__), "--blast", str(n),
                   str(size))
        out += p.stdout.readlines()
        lines.append(b.stdout.strip())
        lines += [l.strip() for l in out if "received" in l]
    with netns.Netns() as ns:  # guest -> host
        out = []
        before = ns.counter("rx_packets")
        p = guest(ns, build, machine, ["blast", str(n), str(size)], extra)
        out += p.stdout.readlines()
        p.wait(timeout=60)
        time.sleep(0.2)
        got = ns.counter("rx_packets") - before
        lines += [l.strip() for l in out if "sent" in l]
        lines.append(f"host tap0 received {got} of {n} frames")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build")
    ap.add_argument("--machine", default="q35")
    ap.add_argument("--blast", nargs=2, type=int)
    ap.add_argument("--legacy", action="store_true",
                    help="virtio-pci without the modern interface (INTx)")
    ap.add_argument("case", nargs="?")
    a = ap.parse_args()
    if a.blast:
        blast(*a.blast)
        return 0
    extra = ["--qemu-arg=-global",
             "--qemu-arg=virtio-net-pci.disable-modern=on"] if a.legacy else []
    if a.case == "ping":
        ok, out = case_ping(a.build, a.machine, extra)
        print(out)
        print(f"nettest: ping on {a.machine}{' (legacy)' if a.legacy else ''}: "
              f"{'ok' if ok else 'FAIL'}")
        return 0 if ok else 1
    if a.case == "rates":
        for line in rates(a.build, a.machine, 20000, 64):
            print(line)
        return 0
    ap.error("no case")


if __name__ == "__main__":
    sys.exit(main())
