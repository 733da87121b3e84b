#!/usr/bin/python3
"""Network VM tests and measurements with the host side in a network
namespace this script creates (tools/netns.py): the guest's NIC is a tap
device inside it, so no traffic leaves it.

Raw frames (kernel option net.raw: the guest's own ARP and ICMP):
    nettest.py --build BUILD --machine M ping       the guest answers ARP
                                                     and the host's ping
    nettest.py --build BUILD --machine M rates      raw-frame rates both
                                                     ways (tools/bench-net)
    nettest.py --blast N SIZE                        (inside the namespace)
                                                     send N frames on tap0
lwIP (an idle guest whose TCP/IP stack answers):
    nettest.py --build BUILD --machine M lwip_ping  static net.ip: 100 pings
    nettest.py --build BUILD --machine M dhcp       a lease from dnsmasq,
                                                     DNS from DHCP, 100 pings
    nettest.py --build BUILD --machine M slaac      a global IPv6 address
                                                     from dnsmasq's router
                                                     advertisements; ping -6
                                                     it and the link-local
    nettest.py --build BUILD --machine M badopt     bad net.* options stop
                                                     the boot (no root needed)
    nettest.py --build BUILD --machine M memnet     malloc until NULL with
                                                     -m 32 while UDP echo
                                                     and timers run; echo
                                                     and ping work after
    nettest.py --build BUILD --machine M link       QEMU takes the link
                                                     down and up (QMP
                                                     set_link): the guest
                                                     logs both and lwIP
                                                     announces itself
    nettest.py --garp IP SECONDS                     (inside the namespace)
                                                     wait for a gratuitous
                                                     ARP for IP on tap0
--legacy: virtio-pci without the modern interface (INTx); --intx: modern
virtio-pci without MSI-X (INTx, the ISR register).
"""
import argparse
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
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
    """Start rawnet.elf in the namespace on tap0; returns the process. Its
    service uses only include/os/net.h's raw frames, so the image has no
    TCP/IP stack to keep off the device (no net.raw needed)."""
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


class Lines:
    """Collects a process's output lines on a thread, so that waiting for
    one can time out."""

    def __init__(self, proc):
        self.lines = []
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(proc,),
                                       daemon=True)
        self.thread.start()

    def _read(self, proc):
        for line in proc.stdout:
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()

    def wait(self, pattern, timeout=30):
        """The first match of pattern in a line, waiting up to timeout
        seconds for it; None if it did not come."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    m = re.search(pattern, line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def text(self):
        with self.cond:
            return "".join(self.lines)


def lwip_guest(ns, build, machine, kopts=(), extra=()):
    """Start timers.elf idling for 60 s on tap0 with lwIP configured by
    kopts; returns the process's Lines."""
    cmd = [RUN, "-q", os.path.join(build, "test/vm/timers.elf"), "-M", machine,
           "--net", "tap:tap0", "--timeout", "90"]
    for k in kopts:
        cmd += ["--kopt", k]
    cmd += list(extra) + ["--", "idle", "60"]
    return Lines(ns.popen(*cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True))


def ping(ns, addr, count=100, out=None, size=56):
    """Ping addr count times 10 ms apart from the namespace with size
    bytes of data; True if every one was answered."""
    p = ns.run("ping", "-c", str(count), "-i", "0.01", "-W", "2",
               "-s", str(size), addr, check=False)
    if out is not None:
        out.append(p.stdout)
    return p.returncode == 0 and f" {count} received, 0% packet loss" in p.stdout


def case_lwip_ping(build, machine, extra=()):
    """Static net.ip: the host's 100 pings are all answered by lwIP; then
    20 of 60000 bytes, reassembled from 41 fragments and answered with
    41 (more frames in flight than a buggy transmit ring could hold)."""
    out = []
    with netns.Netns() as ns:
        g = lwip_guest(ns, build, machine, ["net.ip=10.0.0.2/24"], extra)
        ok = bool(g.wait(r"net0: IPv4 10\.0\.0\.2/24, gateway none \(static\)")
                  and g.wait(r"timers: idle"))
        ok = ok and ping(ns, netns.GUEST_IP, out=out)
        ok = ok and ping(ns, netns.GUEST_IP, count=20, size=60000, out=out)
        out.insert(0, g.text())
    return ok, "".join(out)


def case_dhcp(build, machine, extra=()):
    """No net.ip: the guest takes a lease (and a name server) from dnsmasq
    in the namespace; the host's 100 pings to it are all answered."""
    out = []
    with netns.Netns() as ns:
        d = Lines(ns.dnsmasq("--dhcp-range=10.0.0.50,10.0.0.99,255.255.255.0,1h",
                             f"--dhcp-option=option:dns-server,{netns.HOST_IP}"))
        ok = bool(d.wait(r"DHCP, IP range 10\.0\.0\.50"))
        g = lwip_guest(ns, build, machine, [], extra)
        m = g.wait(r"net0: IPv4 (10\.0\.0\.\d+)/24, gateway 10\.0\.0\.1 "
                   r"\(DHCP from 10\.0\.0\.1, lease 3600 s\)")
        ok = ok and bool(m and g.wait(rf"net: DNS servers {netns.HOST_IP} \(DHCP\)")
                         and g.wait(r"timers: idle"))
        ok = ok and ping(ns, m.group(1), out=out)
        out[:0] = [d.text(), g.text()]
    return ok, "".join(out)


def case_slaac(build, machine, extra=()):
    """dnsmasq's router advertisements for fd00:1::/64 (ra-only) give the
    guest a global address by SLAAC; the host pings it and the guest's
    link-local address."""
    out = []
    with netns.Netns() as ns:
        ns.add_ip6()
        d = Lines(ns.dnsmasq("--enable-ra", f"--dhcp-range={netns.PREFIX6},ra-only,64"))
        ok = bool(d.wait(r"router advertisement on fd00:1::"))
        g = lwip_guest(ns, build, machine, ["net.ip=10.0.0.2/24"], extra)
        ll = g.wait(r"net0: IPv6 (fe80::[0-9a-f:]+)/64 \(link-local\)")
        m = g.wait(r"net0: IPv6 (fd00:1::[0-9a-f:]+)/64 \(SLAAC\)")
        ok = ok and bool(ll and m)
        ok = ok and ping(ns, m.group(1), count=20, out=out)
        ok = ok and ping(ns, ll.group(1) + "%tap0", count=5, out=out)
        out[:0] = [d.text(), g.text()]
    return ok, "".join(out)


BAD_OPTIONS = [
    ("net.ip=10.0.0.300/24", "net.ip=10.0.0.300/24: want ADDR/PREFIX"),
    ("net.gw=10.0.0.1", "net.gw=10.0.0.1: needs a static net.ip"),
    ("net.dns=resolver", "net.dns=resolver: not an IPv4 or IPv6 address"),
    ("net.ip6=fe80::1/64", "net.ip6=fe80::1/64: link-local"),
]


def case_badopt(build, machine, extra=()):
    """Each bad net.* option stops the boot with status 121 (boot
    configuration) and a message naming it."""
    out, ok = [], True
    for kopt, want in BAD_OPTIONS:
        p = subprocess.run([RUN, os.path.join(build, "test/vm/timers.elf"),
                            "-M", machine, "--net", "user", "--timeout", "30",
                            "--kopt", kopt] + list(extra) + ["--", "monotonic"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        out.append(p.stdout)
        good = (p.returncode == 121 and
                f"boot configuration: {want}" in p.stdout and
                "monotonic ok" not in p.stdout)
        out.append(f"nettest: --kopt {kopt}: status {p.returncode}"
                   f"{'' if good else ' (FAIL)'}\n")
        ok = ok and good
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


def udp_stream(stop, stats):
    """Send numbered datagrams to the guest's port 7 every 2 ms until stop
    is set, counting those that come back intact."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    sent = 0
    while not stop.is_set() and sent < 100000:
        s.sendto(b"memnet %08d" % sent + b"x" * 200, (netns.GUEST_IP, 7))
        sent += 1
        time.sleep(0.002)
        try:
            while True:
                data = s.recv(2048)
                stats["back"] += data.startswith(b"memnet ") and len(data) == 215
        except BlockingIOError:
            pass
    stats["sent"] = sent
    s.close()


def udp_check(n):
    """n datagrams to the guest's port 7, one at a time, each echoed
    intact within 2 s; returns how many were."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    good = 0
    for i in range(n):
        msg = b"check %d " % i + bytes(range(256)) * 4
        s.sendto(msg, (netns.GUEST_IP, 7))
        try:
            while True:
                data = s.recv(4096)
                if data.startswith(b"check "):
                    break
            good += data == msg
        except socket.timeout:
            pass
    s.close()
    return good


def memnet_host(ns_name, timeout):
    """Inside the namespace: stream datagrams until the guest reports
    the exhaustion done (a file appears), then check 100 echoes and 20
    pings, and tell the guest to quit."""
    stats = {"back": 0, "sent": 0}
    stop = threading.Event()
    t = threading.Thread(target=udp_stream, args=(stop, stats))
    t.start()
    deadline = time.monotonic() + timeout
    while not os.path.exists(ns_name) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    t.join()
    good = udp_check(100)
    p = subprocess.run(["ping", "-c", "20", "-i", "0.01", "-W", "2",
                        netns.GUEST_IP], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    pinged = " 20 received, 0% packet loss" in p.stdout
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"quit", (netns.GUEST_IP, 7))
    s.close()
    print(f"memnet: {stats['sent']} streamed, {stats['back']} echoed; "
          f"{good}/100 echoed intact after; 20 pings "
          f"{'answered' if pinged else 'NOT all answered'}", flush=True)
    return 0 if good == 100 and pinged else 1


def case_memnet(build, machine, extra=()):
    """memtest net with -m 32: the guest mallocs until NULL twice while
    it serves UDP echo to a stream of datagrams from the host and takes
    10 ms timer signals; afterwards 100 echoes and 20 pings all work and
    the service exits 0."""
    out = []
    flag = f"/tmp/libos-memnet-{os.getpid()}"
    with netns.Netns() as ns:
        cmd = [RUN, "-q", os.path.join(build, "test/vm/memtest.elf"), "-M",
               machine, "-m", "32", "--net", "tap:tap0", "--timeout", "120",
               "--kopt", "net.ip=10.0.0.2/24"] + list(extra) + ["--", "net"]
        proc = ns.popen(*cmd, stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT, text=True)
        g = Lines(proc)
        ok = bool(g.wait(r"memtest: net: ready"))
        host = ns.popen(sys.executable, os.path.abspath(__file__), "--memnet",
                        flag, stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT, text=True)
        ok = ok and bool(g.wait(r"echoed while exhausting", timeout=90))
        open(flag, "w").close()
        try:
            hout = host.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            host.kill()
            hout = host.communicate()[0] + "memnet: host side timed out\n"
        os.unlink(flag)
        out.append(hout)
        ok = ok and host.returncode == 0
        try:
            rc = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            rc = None
        g.thread.join(5)
        out.insert(0, g.text())
        ok = ok and rc == 0
    return ok, "".join(out)


def qmp_set_link(path, up):
    """QMP set_link on the NIC's backend net0 (tools/run's -netdev id) of
    the QEMU listening on unix socket path: QEMU sets the link status in
    the virtio-net configuration and signals a configuration change.
    Events QEMU sends meanwhile are skipped; an error raises."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(path)
        f = s.makefile("rw")
        f.readline()  # greeting
        for cmd in ({"execute": "qmp_capabilities"},
                    {"execute": "set_link",
                     "arguments": {"name": "net0", "up": up}}):
            f.write(json.dumps(cmd) + "\n")
            f.flush()
            while True:
                reply = json.loads(f.readline())
                if "error" in reply:
                    raise RuntimeError(f"QMP {cmd['execute']}: {reply}")
                if "return" in reply:
                    break


def watch_garp(ip, seconds):
    """Inside the namespace: wait up to seconds for a gratuitous ARP for
    ip (sender and target address both ip) on tap0, as lwIP sends when a
    link comes up; 0 when one came."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
    s.bind(("tap0", 0))
    want = socket.inet_aton(ip)
    print("garp: watching", flush=True)
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        s.settimeout(left)
        try:
            f = s.recv(2048)
        except socket.timeout:
            break
        if len(f) < 42 or f[12:14] != b"\x08\x06":
            continue
        op = struct.unpack("!H", f[20:22])[0]
        if f[28:32] == want and f[38:42] == want:
            mac = ":".join(f"{b:02x}" for b in f[22:28])
            print(f"garp: {mac} announces {ip} (ARP op {op})", flush=True)
            return 0
    print(f"garp: no gratuitous ARP for {ip} in {seconds} s", flush=True)
    return 1


def case_link(build, machine, extra=()):
    """The host's pings are answered; QEMU takes the NIC's link down
    (QMP set_link): the guest logs it, from the device's configuration-
    change interrupt; QEMU brings it up again: the guest logs that, and
    lwIP, told of both, announces its address with a gratuitous ARP (it
    does so only on a link that was down and comes up); pings are
    answered again."""
    out = []
    with netns.Netns() as ns, tempfile.TemporaryDirectory() as tmp:
        sock = os.path.join(tmp, "qmp.sock")
        qmp = ["--qemu-arg=-qmp", f"--qemu-arg=unix:{sock},server=on,wait=off"]
        g = lwip_guest(ns, build, machine, ["net.ip=10.0.0.2/24"],
                       list(extra) + qmp)
        ok = bool(g.wait(r"net0: IPv4 10\.0\.0\.2/24, gateway none \(static\)")
                  and g.wait(r"timers: idle"))
        ok = ok and ping(ns, netns.GUEST_IP, count=10, out=out)
        if ok:
            qmp_set_link(sock, False)
            ok = bool(g.wait(r"net0: link down", 20))
            out.append(f"nettest: set_link off; guest saw it: {ok}\n")
        if ok:
            w = Lines(ns.popen(sys.executable, os.path.abspath(__file__),
                               "--garp", netns.GUEST_IP, "30",
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True))
            ok = bool(w.wait(r"garp: watching", 10))
            qmp_set_link(sock, True)
            up = bool(g.wait(r"net0: link up", 20))
            garp = bool(w.wait(r"garp: .* announces", 40))
            out.append(f"nettest: set_link on; guest saw it: {up}\n")
            out.append(w.text())
            ok = ok and up and garp
        ok = ok and ping(ns, netns.GUEST_IP, count=10, out=out)
        out.insert(0, g.text())
    return ok, "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build")
    ap.add_argument("--machine", default="q35")
    ap.add_argument("--blast", nargs=2, type=int)
    ap.add_argument("--memnet", help=argparse.SUPPRESS)
    ap.add_argument("--garp", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--legacy", action="store_true",
                    help="virtio-pci without the modern interface (INTx)")
    ap.add_argument("--intx", action="store_true",
                    help="modern virtio-pci without MSI-X (INTx)")
    ap.add_argument("case", nargs="?")
    a = ap.parse_args()
    if a.blast:
        blast(*a.blast)
        return 0
    if a.memnet:
        return memnet_host(a.memnet, 120)
    if a.garp:
        return watch_garp(a.garp[0], float(a.garp[1]))
    extra = ["--qemu-arg=-global",
             "--qemu-arg=virtio-net-pci.disable-modern=on"] if a.legacy else []
    if a.intx:
        extra += ["--qemu-arg=-global", "--qemu-arg=virtio-net-pci.vectors=0"]
    cases = {"ping": case_ping, "lwip_ping": case_lwip_ping,
             "dhcp": case_dhcp, "slaac": case_slaac, "badopt": case_badopt,
             "memnet": case_memnet, "link": case_link}
    if a.case in cases:
        ok, out = cases[a.case](a.build, a.machine, extra)
        print(out)
        print(f"nettest: {a.case} on {a.machine}"
              f"{' (legacy)' if a.legacy else ''}"
              f"{' (INTx)' if a.intx else ''}: {'ok' if ok else 'FAIL'}")
        return 0 if ok else 1
    if a.case == "rates":
        for line in rates(a.build, a.machine, 20000, 64):
            print(line)
        return 0
    ap.error("no case")


if __name__ == "__main__":
    sys.exit(main())
