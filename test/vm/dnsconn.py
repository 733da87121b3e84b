#!/usr/bin/env python3
"""The DNS server's TCP connection handling (examples/dns/dns.c), run as
dns-linux on the loopback interface: the transport logic is the same file
as the image's, so these cases need no VM.

    dnsconn.py --build BUILD

Cases, each with its own connections:
  split     a length prefix split across two writes, the query in three
  tiny      a query written one octet at a time
  toolong   a length of 65535 (over the 4096-octet limit): closed
  noreader  a client that sends thousands of queries and never reads
            does not keep another client or UDP from being answered
  reset     a client that resets its connection with a response pending
            does not disturb the next one
  full      every one of the 1024 slots held by a client that has sent
            one octet of a length prefix: a new client is still answered,
            and exactly one of the idle holders is closed for it
Exit status 0 when every case passes.
"""
import argparse
import os
import resource
import select
import socket
import struct
import subprocess
import sys
import time

SLOTS = 1024  # TCP_SLOTS in examples/dns/dns.c
WAIT = 20.0   # seconds any single answer may take on a loaded machine


def wire(name):
    return b"".join(bytes([len(l)]) + l.encode()
                    for l in name.split(".") if l) + b"\0"


def query(name, qid=1, qtype=1):
    return struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + wire(name) + \
        struct.pack(">HH", qtype, 1)


def framed(msg):
    return struct.pack(">H", len(msg)) + msg


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, build):
        self.port = free_port()
        db = os.path.join(build, "examples/dns/db/zones.db")
        self.proc = subprocess.Popen(
            [os.path.join(build, "examples/dns/dns-linux"), "-p",
             str(self.port), "-t", "3600", db],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.proc.stdout.readline()
        if "listening" not in line:
            raise SystemExit("dns-linux did not start: " + line)

    def conn(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=WAIT)
        s.settimeout(WAIT)
        return s

    def stop(self):
        self.proc.terminate()
        out = self.proc.communicate(timeout=WAIT)[0]
        return self.proc.returncode, out


def read_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_msg(s):
    """One framed response, or None when the connection closed first."""
    try:
        head = read_exact(s, 2)
        if head is None:
            return None
        return read_exact(s, struct.unpack(">H", head)[0])
    except ConnectionResetError:
        return None


def answered(s, qid):
    msg = read_msg(s)
    return msg is not None and struct.unpack(">H", msg[:2])[0] == qid


def case_split(srv):
    m = framed(query("www.example.com", 7))
    with srv.conn() as s:
        s.sendall(m[:1])
        time.sleep(0.1)
        s.sendall(m[1:5])
        time.sleep(0.1)
        s.sendall(m[5:])
        return answered(s, 7)


def case_tiny(srv):
    with srv.conn() as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for b in framed(query("www.example.com", 8)):
            s.sendall(bytes([b]))
        return answered(s, 8)


def case_toolong(srv):
    with srv.conn() as s:
        s.sendall(b"\xff\xff" + bytes(100))
        return read_msg(s) is None


def case_noreader(srv):
    with srv.conn() as hog:
        hog.setblocking(False)
        big = framed(query("example.com", 9, qtype=255))
        sent = 0
        try:
            while sent < 200000:
                hog.send(big)
                sent += 1
        except BlockingIOError:
            pass
        with srv.conn() as s:
            s.sendall(framed(query("www.example.com", 10)))
            tcp_ok = answered(s, 10)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.settimeout(WAIT)
            u.sendto(query("www.example.com", 11), ("127.0.0.1", srv.port))
            udp_ok = struct.unpack(">H", u.recv(4096)[:2])[0] == 11
        return tcp_ok and udp_ok


def case_reset(srv):
    s = srv.conn()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.sendall(framed(query("example.com", 12, qtype=255)) * 50)
    s.close()
    with srv.conn() as s:
        s.sendall(framed(query("www.example.com", 13)))
        return answered(s, 13)


def case_full(srv):
    holders = []
    try:
        # Each holder proves it has a slot with a query answered, then
        # keeps it with half a length prefix.
        for i in range(SLOTS):
            s = srv.conn()
            holders.append(s)
            s.sendall(framed(query("www.example.com", 100)))
            if not answered(s, 100):
                print("  holder %d not answered" % i)
                return False
            s.sendall(b"\x00")
        with srv.conn() as s:
            s.sendall(framed(query("www.example.com", 14)))
            if not answered(s, 14):
                print("  the new client was not answered")
                return False
        poll = select.poll()
        by_fd = {s.fileno(): s for s in holders}
        for fd in by_fd:
            poll.register(fd, select.POLLIN)
        poll.poll(WAIT * 1000)  # the closed holder's end of file
        time.sleep(0.5)
        closed = 0
        for fd, _ in poll.poll(0):
            s = by_fd[fd]
            try:
                closed += s.recv(1) == b""
            except ConnectionResetError:
                closed += 1
        if closed != 1:
            print("  %d holders closed, want 1" % closed)
        return closed == 1
    finally:
        for s in holders:
            s.close()


CASES = [("split", case_split), ("tiny", case_tiny),
         ("toolong", case_toolong), ("noreader", case_noreader),
         ("reset", case_reset), ("full", case_full)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True)
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = SLOTS + 64
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            print("SKIP: descriptor limit %d under %d" % (hard, want))
            return 77
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    srv = Server(a.build)
    failed = []
    try:
        for name, fn in CASES:
            ok = fn(srv)
            print("%s: %s" % ("PASS" if ok else "FAIL", name))
            if not ok:
                failed.append(name)
    finally:
        rc, out = srv.stop()
    print(out.strip())
    if rc != 0:
        failed.append("exit status %d" % rc)
    if failed:
        print("FAILED: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
