#!/usr/bin/python3
"""VM tests of the socket layer through the echo example, with the host
side in a network namespace this script creates (tools/netns.py).

    echotest.py --build BUILD --machine M CASE
      tcp16m     a 16 MiB TCP stream comes back intact (SHA-256 compared)
      udp1000    1000 UDP datagrams come back
      conn200    200 TCP connections open at once are all served
      tcp6       the same over IPv6 link-local (a smaller stream)
    echotest.py --client CASE ADDR PORT   (inside the namespace)
"""
import argparse
import hashlib
import os
import re
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import netns  # noqa: E402

RUN = os.path.join(ROOT, "tools", "run")
PORT = 7


def connect(family, addr, port):
    """A connected TCP socket; retries for 10 s while the host's own
    address is not usable yet (IPv6 duplicate address detection)."""
    end = time.monotonic() + 10
    while True:
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(30)
        try:
            s.connect(socket.getaddrinfo(addr, port, family,
                                         socket.SOCK_STREAM)[0][4])
            return s
        except OSError as e:
            s.close()
            if time.monotonic() > end or e.errno not in (22, 99, 101, 113):
                raise
            time.sleep(0.2)


def tcp_stream(addr, port, size, family=socket.AF_INET):
    """Send size pseudo-random bytes, read them back; True if identical."""
    data = hashlib.sha256(b"seed").digest() * (size // 32)
    got = bytearray()
    s = connect(family, addr, port)

    def reader():
        while len(got) < len(data):
            chunk = s.recv(65536)
            if not chunk:
                break
            got.extend(chunk)

    t = threading.Thread(target=reader)
    t.start()
    s.sendall(data)
    t.join(60)
    s.close()
    ok = hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
    print(f"client: tcp {len(data)} bytes sent, {len(got)} back, "
          f"{'identical' if ok else 'DIFFERENT'}")
    return ok


def udp_many(addr, port, n):
    """n datagrams, each waited for (3 tries); True if all came back."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    ok = 0
    for i in range(n):
        msg = f"datagram {i} ".encode() * 8
        for _ in range(3):
            s.sendto(msg, (addr, port))
            try:
                if s.recvfrom(2048)[0] == msg:
                    ok += 1
                    break
            except socket.timeout:
                continue
    print(f"client: udp {ok} of {n} datagrams echoed")
    return ok == n


def many_conns(addr, port, n):
    """n connections open at once, each echoing its own line."""
    socks = []
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect((addr, port))
        socks.append(s)
    for i, s in enumerate(socks):
        s.sendall(f"connection {i}\n".encode())
    good = 0
    for i, s in enumerate(socks):
        want = f"connection {i}\n".encode()
        got = b""
        while len(got) < len(want):
            chunk = s.recv(100)
            if not chunk:
                break
            got += chunk
        good += got == want
        s.close()
    print(f"client: {good} of {n} connections served while all open")
    return good == n


def client(case, addr, port):
    """Run one client case inside the namespace; exit status 0 on success."""
    if case == "tcp16m":
        return tcp_stream(addr, port, 16 << 20)
    if case == "udp1000":
        return udp_many(addr, port, 1000)
    if case == "conn200":
        return many_conns(addr, port, 200)
    if case == "tcp6":
        return tcp_stream(addr, port, 1 << 20, socket.AF_INET6)
    return False


def guest_link_local(ns, out):
    """The guest's IPv6 link-local address from its boot log."""
    for line in out:
        m = re.search(r"(fe80::[0-9a-f:]+)", line)
        if m:
            return m.group(1) + "%tap0"
    return None


def run(build, machine, case, mem=None):
    """Boot echo.elf on a tap in a namespace and run the client case."""
    out = []
    with netns.Netns() as ns:
        cmd = [RUN, "-q", os.path.join(build, "examples/echo/echo.elf"),
               "-M", machine, "--net", "tap:tap0", "--timeout", "120",
               "--kopt", f"net.ip={netns.GUEST_IP}/24"]
        if mem:
            cmd += ["-m", mem]
        p = ns.popen(*cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                     text=True)
        # for IPv6, also wait for the link-local address (after DAD)
        want = r"IPv6 fe80::" if case == "tcp6" else r"echo: listening"
        for line in p.stdout:
            out.append(line)
            if re.search(want, line):
                break
        addr = guest_link_local(ns, out) if case == "tcp6" else netns.GUEST_IP
        c = ns.run("python3", os.path.abspath(__file__), "--client", case,
                   addr or "none", str(PORT), check=False)
        out.append(c.stdout)
        ok = c.returncode == 0
    return ok, "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build")
    ap.add_argument("--machine", default="q35")
    ap.add_argument("--client", nargs=3)
    ap.add_argument("case", nargs="?")
    a = ap.parse_args()
    if a.client:
        return 0 if client(a.client[0], a.client[1], int(a.client[2])) else 1
    ok, out = run(a.build, a.machine, a.case)
    print(out)
    print(f"echotest: {a.case} on {a.machine}: {'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
