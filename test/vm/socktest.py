#!/usr/bin/python3
"""VM tests of the socket layer's errors and options, through the test
service socktest (test/vm/images/socktest.c) and the echo example, with
the host side in a network namespace this script creates
(tools/netns.py): all traffic stays on its tap.

    socktest.py --build BUILD --machine M CASE
      refused         connecting to a closed port: ECONNREFUSED (blocking,
                      and non-blocking through poll/epoll and SO_ERROR)
      reset           a peer that resets: ECONNRESET as client and as
                      server, and the service keeps serving
      resolve         getaddrinfo of a name served by dnsmasq, which also
                      gives the guest its address and name server (DHCP)
      resolve_static  the same with net.ip and net.dns
      many2000        2000 connections open at once, all served (-m 256):
                      each client reads its reply, then EOF, then closes,
                      and the guest exits only once all have closed
      sockopts        names, options, FIONREAD, shutdown, EPIPE, EBADF
      linger          the guest sends 512 KiB to a client that reads
                      slowly (small receive buffer), closes and exits at
                      once: every byte and the EOF must still arrive
      echo_reset      the echo example survives peers that reset
      mmsg            recvmmsg/sendmmsg: the guest takes the host's UDP
                      queries in batches and answers them in one batch
    socktest.py --build BUILD --machine M --limit [LO HI]
                      bisect the most connections open at once (-m 256)
    socktest.py --peer PORT                  (inside the namespace)
    socktest.py --client KIND ADDR PORT [N]  (inside the namespace)
"""
import argparse
import os
import resource
import socket
import socketserver
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import netns  # noqa: E402
from nettest import Lines  # noqa: E402
from echotest import tcp_stream  # noqa: E402

RUN = os.path.join(ROOT, "tools", "run")
PEER_PORT = 9000     # the peer server on the host
CLOSED_PORT = 9      # nothing listens there
SERVER_PORT = 7001   # socktest's server half of "reset"
MANY_PORT = 7000
LINGER_PORT = 7002
LINGER_BYTES = 512 * 1024
SENDFILE_PORT = 7003
SENDFILE_BYTES = 300000  # not a page multiple: mmap's tail is checked
MMSG_PORT = 7004
MMSG_QUERIES = 3  # as in socktest.c
ECHO_PORT = 7
# many: bounds, not expectations (under load the case takes 5 to 15 s).
# The client's whole exchange gets MANY_BOUND s; with the boot's 30 and
# the guest's exit's 20 the case stays under ctest's TIMEOUT of 180 s, so
# a failure is still reported. socktest.c gives up later (130 s).
MANY_BOUND = 110


# ---- host side, inside the namespace

def rst_close(s):
    """Close s with a reset (SO_LINGER 0) instead of a FIN."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


class PeerHandler(socketserver.StreamRequestHandler):
    """One connection to the peer server: a command line, then its
    behaviour (see socktest.c)."""

    def handle(self):
        self.request.settimeout(30)
        cmd = self.rfile.readline().decode(errors="replace").split()
        print(f"peer: {' '.join(cmd)} from {self.client_address}", flush=True)
        if cmd == ["reset"]:
            rst_close(self.request)
        elif cmd == ["echo"]:
            while chunk := self.rfile.read1(65536):
                self.request.sendall(chunk)
        elif cmd == ["eof"]:
            n = len(self.rfile.read())
            self.request.sendall(f"eof after {n} bytes\n".encode())
        elif cmd[:1] == ["send"] and len(cmd) == 2:
            self.request.sendall(b"x" * int(cmd[1]))
            self.rfile.read()
        elif cmd == ["silent"]:
            self.rfile.read()

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass


def peer(port):
    """The peer server on HOST_IP:port, until stopped."""
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.daemon_threads = True
    with socketserver.ThreadingTCPServer((netns.HOST_IP, port),
                                         PeerHandler) as srv:
        print(f"peer: listening on {netns.HOST_IP}:{port}", flush=True)
        srv.serve_forever()


def left(deadline):
    """Seconds left until deadline (time.monotonic()), at least 1 ms."""
    return max(deadline - time.monotonic(), 0.001)


def expect_line(s, want):
    """Read one line from s; True if it is want."""
    got = b""
    while not got.endswith(b"\n"):
        chunk = s.recv(1)
        if not chunk:
            break
        got += chunk
    print(f"client: got {got!r}, want {want!r}", flush=True)
    return got == want


def reset_server(addr, port):
    """socktest's server half of "reset": a client that resets after
    "ready", then one that is served."""
    s = socket.create_connection((addr, port), timeout=30)
    s.sendall(b"hello\n")
    ok = expect_line(s, b"ready\n")
    rst_close(s)
    s = socket.create_connection((addr, port), timeout=30)
    s.sendall(b"again\n")
    ok = expect_line(s, b"served\n") and ok
    eof = s.recv(1) == b""  # socktest waits for our close before it exits
    print(f"client: {'EOF' if eof else 'more data'} after it", flush=True)
    s.close()
    return ok and eof


def raise_nofile(n):
    """Let this process hold n more descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, n + 64))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def open_many(addr, port, n, deadline):
    """Up to n connections to addr:port, opened one after another and
    all kept open; stops at the first failure."""
    socks = []
    t0 = time.monotonic()
    for i in range(n):
        try:
            socks.append(socket.create_connection((addr, port),
                                                  timeout=left(deadline)))
        except OSError as e:
            print(f"client: connection {i} failed: {e}", flush=True)
            break
    print(f"client: {len(socks)} of {n} connections open in "
          f"{time.monotonic() - t0:.1f} s", flush=True)
    return socks


def many(addr, port, n):
    """n connections open at once, then one line echoed on each: the
    reply, then EOF (socktest shuts its side down once all are served),
    then this side closes, which tells socktest the reply arrived. All
    within MANY_BOUND s."""
    deadline = time.monotonic() + MANY_BOUND
    raise_nofile(n)
    socks = open_many(addr, port, n, deadline)
    good = 0
    i = 0
    try:
        for i, s in enumerate(socks):
            s.sendall(f"connection {i}\n".encode())
        for i, s in enumerate(socks):
            s.settimeout(left(deadline))
            with s.makefile("rb") as f:
                reply = f.readline()
                rest = f.read()  # to EOF
            good += reply == f"connection {i}\n".encode() and rest == b""
            s.close()
    except OSError as e:
        print(f"client: connection {i}: {e!r}", flush=True)
    for s in socks:
        s.close()
    print(f"client: {good} of {n} connections served while all open",
          flush=True)
    return good == n


def linger(addr, port, n):
    """Read socktest linger's n bytes slowly, through a small receive
    buffer, so that most of them are still queued in the guest when it
    closes and exits; True if all n came, right, then EOF. A guest that
    loses them stops sending without a FIN: the 30 s timeout ends it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(30)
    s.connect((addr, port))
    got = bytearray()
    try:
        while chunk := s.recv(4096):
            got += chunk
            time.sleep(0.005)
        eof = True
    except OSError as e:
        print(f"client: after {len(got)} bytes: {e!r}", flush=True)
        eof = False
    s.close()
    want = bytes(i % 251 for i in range(n))
    print(f"client: {len(got)} of {n} bytes{', then EOF' if eof else ''}"
          f"{'' if got == want[:len(got)] else ', CORRUPT'}", flush=True)
    return eof and bytes(got) == want


def echo_check(s, msg):
    """msg echoed on connected s; True if it came back whole."""
    s.sendall(msg)
    got = b""
    while len(got) < len(msg):
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    return got == msg


def resets(addr, port):
    """Peers of the echo server that reset: right after connecting,
    after sending, with their echo unread, in the middle of 1 MiB the
    server is still sending back; counts what was done."""
    n = 0
    for i in range(10):
        s = socket.create_connection((addr, port), timeout=30)
        if i % 2:
            s.sendall(b"to be reset\n" * 100)
        if i % 3 == 0:
            time.sleep(0.05)  # let the echo come back, unread
        rst_close(s)
        n += 1
    for _ in range(3):
        s = socket.create_connection((addr, port), timeout=30)
        s.setblocking(False)
        sent = 0
        try:
            while sent < 1 << 20:
                sent += s.send(b"y" * 65536)
        except BlockingIOError:
            pass  # the server stopped reading: its output waits
        time.sleep(0.1)
        rst_close(s)
        n += 1
    return n


def echo_reset(addr, port):
    """A connection opened first still echoes after peers reset, and new
    ones work (a line, then a 1 MiB stream, then a UDP datagram)."""
    old = socket.create_connection((addr, port), timeout=30)
    ok = echo_check(old, b"before\n")
    n = resets(addr, port)
    print(f"client: {n} connections reset", flush=True)
    after = echo_check(old, b"old connection after the resets\n")
    print(f"client: old connection {'echoes' if after else 'BROKEN'}",
          flush=True)
    old.close()
    s = socket.create_connection((addr, port), timeout=30)
    new = echo_check(s, b"new connection\n")
    s.close()
    print(f"client: new connection {'echoes' if new else 'FAILS'}", flush=True)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(5)
    u.sendto(b"datagram", (addr, port))
    udp = u.recvfrom(100)[0] == b"datagram"
    print(f"client: UDP {'echoes' if udp else 'FAILS'}", flush=True)
    return ok and after and new and udp and tcp_stream(addr, port, 1 << 20)


def mmsg_query(k):
    """Query k of the batch, as socktest.c's mmsg_query makes it."""
    return b"q" + str(k).encode() + b"." * (100 * k)


def mmsg(addr, port):
    """Send socktest mmsg its queries at once, expect each answer ("r"
    for "q") in order, then say "bye"."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(30)
    for k in range(MMSG_QUERIES):
        s.sendto(mmsg_query(k), (addr, port))
    ok = True
    try:
        for k in range(MMSG_QUERIES):
            got = s.recv(1024)
            want = b"r" + mmsg_query(k)[1:]
            print(f"client: answer {k}: {len(got)} bytes"
                  f"{'' if got == want else ', WRONG'}", flush=True)
            ok = ok and got == want
    except OSError as e:
        print(f"client: {e!r}", flush=True)
        ok = False
    s.sendto(b"bye", (addr, port))
    s.close()
    return ok


def client(kind, addr, port, n):
    """Run one host-side client; True on success."""
    if kind == "reset-server":
        return reset_server(addr, port)
    if kind == "many":
        return many(addr, port, n)
    if kind == "echo-reset":
        return echo_reset(addr, port)
    if kind == "linger":
        return linger(addr, port, n)
    if kind == "mmsg":
        return mmsg(addr, port)
    return False


# ---- the test driver, outside the namespace

def boot(ns, image, machine, args, kopts=(), mem=None, timeout=120):
    """Boot image on tap0 with kopts and service args; its Lines."""
    cmd = [RUN, "-q", image, "-M", machine, "--net", "tap:tap0",
           "--timeout", str(timeout)]
    for k in kopts:
        cmd += ["--kopt", k]
    if mem:
        cmd += ["-m", mem]
    p = ns.popen(*cmd, "--", *args, stdout=subprocess.PIPE,
                 stderr=subprocess.STDOUT, text=True)
    g = Lines(p)
    g.proc = p
    return g


def run_client(ns, out, kind, addr, port, n=0, timeout=300):
    """This script's client kind inside the namespace; True on success."""
    try:
        c = ns.run("python3", os.path.abspath(__file__), "--client", kind,
                   addr, str(port), str(n), check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        out.append(f"socktest: client {kind} timed out\n")
        return False
    out.append(c.stdout)
    return c.returncode == 0


def start_peer(ns):
    """The peer server in the namespace; its Lines once it listens."""
    p = Lines(ns.popen("python3", os.path.abspath(__file__), "--peer",
                       str(PEER_PORT), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True))
    if not p.wait(r"peer: listening", timeout=10):
        raise RuntimeError("the peer server did not start:\n" + p.text())
    return p


def finish(g, mode, timeout=120):
    """Wait for the guest to end; True if it said "<mode> ok" and exited
    with status 0."""
    try:
        rc = g.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    g.thread.join(5)
    return rc == 0 and bool(g.wait(rf"socktest: {mode} ok", timeout=1))


def socktest_image(build):
    return os.path.join(build, "test/vm/socktest.elf")


def static_ip():
    return [f"net.ip={netns.GUEST_IP}/24"]


def case_refused(build, machine):
    """Nothing listens on the host's CLOSED_PORT."""
    with netns.Netns() as ns:
        g = boot(ns, socktest_image(build), machine,
                 ["refused", netns.HOST_IP, str(CLOSED_PORT)], static_ip())
        ok = finish(g, "refused")
        return ok, g.text()


def case_reset(build, machine):
    """The peer resets the guest's connections; then the guest serves on
    SERVER_PORT and the host resets one of its clients."""
    out = []
    with netns.Netns() as ns:
        p = start_peer(ns)
        g = boot(ns, socktest_image(build), machine,
                 ["reset", netns.HOST_IP, str(PEER_PORT), str(SERVER_PORT)],
                 static_ip())
        ok = bool(g.wait(r"reset: listening on port", timeout=60))
        ok = ok and run_client(ns, out, "reset-server", netns.GUEST_IP,
                               SERVER_PORT, timeout=60)
        ok = finish(g, "reset") and ok
        return ok, g.text() + p.text() + "".join(out)


def case_resolve(build, machine, static):
    """dnsmasq serves service.test (and nothing else under test.); the
    guest learns it as its name server by DHCP, or from net.dns."""
    names = ["--host-record=service.test,10.0.0.1", "--local=/test/"]
    if static:
        kopts = static_ip() + [f"net.dns={netns.HOST_IP}"]
    else:
        kopts = []
        names.append("--dhcp-range=10.0.0.50,10.0.0.99,255.255.255.0,1h")
    with netns.Netns() as ns:
        d = Lines(ns.dns_server(*names))
        ok = bool(d.wait(r"started, version", timeout=10))
        g = boot(ns, socktest_image(build), machine,
                 ["resolve", "service.test", netns.HOST_IP], kopts)
        ok = finish(g, "resolve") and ok
        if not static:
            ok = ok and bool(g.wait(r"DNS servers 10\.0\.0\.1 \(DHCP\)", 1))
        time.sleep(0.2)
        return ok, g.text() + d.text()


def many_run(build, machine, n, mem="256M"):
    """socktest many n with the host opening n connections at once; (ok,
    output)."""
    out = []
    with netns.Netns() as ns:
        g = boot(ns, socktest_image(build), machine,
                 ["many", str(n), str(MANY_PORT)], static_ip(), mem=mem,
                 timeout=175)
        ok = bool(g.wait(r"many: listening", timeout=30))
        ok = ok and run_client(ns, out, "many", netns.GUEST_IP, MANY_PORT,
                               n, timeout=MANY_BOUND + 10)
        ok = finish(g, "many", timeout=20) and ok
        return ok, g.text() + "".join(out)


def case_many(build, machine, n=2000):
    return many_run(build, machine, n)


def limit(build, machine, lo, hi):
    """Bisect the most connections (in [lo, hi]) served at once."""
    while lo < hi:
        mid = (lo + hi + 1) // 2
        ok, out = many_run(build, machine, mid)
        print(f"socktest: many {mid}: {'ok' if ok else 'FAIL'}", flush=True)
        if not ok:
            print("".join(l for l in out.splitlines(True)
                          if "client:" in l or "many:" in l)[-3000:])
        lo, hi = (mid, hi) if ok else (lo, mid - 1)
    print(f"socktest: the most connections open at once: {lo}")
    return lo


def case_sockopts(build, machine):
    with netns.Netns() as ns:
        p = start_peer(ns)
        g = boot(ns, socktest_image(build), machine,
                 ["sockopts", netns.HOST_IP, str(PEER_PORT)], static_ip())
        ok = finish(g, "sockopts")
        return ok, g.text() + p.text()


def case_echo_reset(build, machine):
    """The echo example, static address; peers reset, others go on."""
    out = []
    with netns.Netns() as ns:
        g = boot(ns, os.path.join(build, "examples/echo/echo.elf"), machine,
                 [], static_ip())
        ok = bool(g.wait(r"echo: listening", timeout=60))
        ok = ok and run_client(ns, out, "echo-reset", netns.GUEST_IP,
                               ECHO_PORT, timeout=120)
        alive = g.proc.poll() is None
        out.append(f"socktest: echo server {'still running' if alive else 'GONE'}\n")
        return ok and alive, g.text() + "".join(out)


def case_linger(build, machine):
    """The guest sends, closes and exits at once; the slow client must
    get every byte."""
    out = []
    with netns.Netns() as ns:
        g = boot(ns, socktest_image(build), machine,
                 ["linger", str(LINGER_BYTES), str(LINGER_PORT)],
                 static_ip())
        ok = bool(g.wait(r"linger: listening", timeout=60))
        ok = ok and run_client(ns, out, "linger", netns.GUEST_IP,
                               LINGER_PORT, LINGER_BYTES, timeout=120)
        ok = finish(g, "linger") and ok
        return ok, g.text() + "".join(out)


def case_sendfile(build, machine):
    """mmap of files as copies (tmpfs, /etc/hosts), then sendfile of a
    tmpfs file to a slow client, which must get every byte."""
    out = []
    with netns.Netns() as ns:
        g = boot(ns, socktest_image(build), machine,
                 ["sendfile", str(SENDFILE_BYTES), str(SENDFILE_PORT)],
                 static_ip())
        ok = bool(g.wait(r"sendfile: listening", timeout=60))
        ok = ok and run_client(ns, out, "linger", netns.GUEST_IP,
                               SENDFILE_PORT, SENDFILE_BYTES, timeout=120)
        ok = finish(g, "sendfile") and ok
        return ok, g.text() + "".join(out)


def case_mmsg(build, machine):
    """The guest's batched receive and send against a host client."""
    out = []
    with netns.Netns() as ns:
        g = boot(ns, socktest_image(build), machine,
                 ["mmsg", str(MMSG_PORT)], static_ip())
        ok = bool(g.wait(r"mmsg: listening", timeout=60))
        ok = ok and run_client(ns, out, "mmsg", netns.GUEST_IP, MMSG_PORT,
                               timeout=60)
        ok = finish(g, "mmsg") and ok
        return ok, g.text() + "".join(out)


CASES = {
    "refused": case_refused,
    "reset": case_reset,
    "resolve": lambda b, m: case_resolve(b, m, False),
    "resolve_static": lambda b, m: case_resolve(b, m, True),
    "many2000": case_many,
    "sockopts": case_sockopts,
    "linger": case_linger,
    "sendfile": case_sendfile,
    "echo_reset": case_echo_reset,
    "mmsg": case_mmsg,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build")
    ap.add_argument("--machine", default="q35")
    ap.add_argument("--peer", type=int, metavar="PORT")
    ap.add_argument("--client", nargs="+", metavar="ARG")
    ap.add_argument("--limit", nargs="*", type=int, metavar="N")
    ap.add_argument("case", nargs="?", choices=sorted(CASES))
    a = ap.parse_args()
    if a.peer:
        peer(a.peer)
        return 0
    if a.client:
        kind, addr, port = a.client[:3]
        n = int(a.client[3]) if len(a.client) > 3 else 0
        return 0 if client(kind, addr, int(port), n) else 1
    if a.limit is not None:
        lo = a.limit[0] if a.limit else 500
        hi = a.limit[1] if len(a.limit) > 1 else 4000
        limit(a.build, a.machine, lo, hi)
        return 0
    if not a.case:
        ap.error("no case")
    ok, out = CASES[a.case](a.build, a.machine)
    print(out)
    print(f"socktest: {a.case} on {a.machine}: {'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
