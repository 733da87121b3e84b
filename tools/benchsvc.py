"""benchsvc: the three example services tools/bench compares, each in its
three forms: the libos image, the same source as a static musl program in
a Linux VM (tools/linuxvm.py), and the same source as a host program.

For each service this module knows where the build put the image and the
host program, how to build the Linux VM's program and what data its
initramfs carries (the same files the image bakes, at the same paths, so
every form runs with the same arguments), the line each form prints once
it serves, and a probe: one request from the client side that is true
only when a real answer came back (an echoed datagram, a DNS answer with
records, an HTTP 200)."""
import glob
import os
import socket
import struct
import time

import benchlib
import linuxvm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = ("echo", "dns", "http")
DNS_PROBE = ("www.example.com", 1)            # name, QTYPE A
HTTP_PROBE = "/index.html"


class Service:
    """One example service: name, port, the line every form prints once
    it serves (ready), the service arguments all forms get (args) and the
    probe (a function (addr, timeout) -> True when it answered)."""

    def __init__(self, name, port, ready, args, probe):
        self.name, self.port, self.ready = name, port, ready
        self.args, self.probe = list(args), probe

    def elf(self, build):
        """The libos image in build."""
        return os.path.join(build, "examples", self.name, self.name + ".elf")

    def host_program(self, build):
        """The host program in build (built with gcc against glibc)."""
        return os.path.join(build, "examples", self.name,
                            self.name + "-linux")

    def native_args(self, build):
        """The host program's arguments: the service's, with the data the
        image bakes named where the build keeps it."""
        if self.name == "dns":
            return self.args + [os.path.join(build, "examples", "dns", "db",
                                             "zones.db")]
        if self.name == "http":
            return self.args + ["-r", cache_value(build, "HTTP_WWW_DIR")]
        return list(self.args)

    def linuxvm_files(self, build):
        """{path in the VM: host path}: the data the image bakes, at the
        same place (so the program's defaults find it)."""
        if self.name == "dns":
            return {"etc/dns/zones.db": os.path.join(
                build, "examples", "dns", "db", "zones.db")}
        if self.name == "http":
            return {"srv/www": cache_value(build, "HTTP_WWW_DIR")}
        return {}

    def linuxvm_program(self, build):
        """The program built static with musl-gcc from the same sources as
        the image (cached by linuxvm.build_static)."""
        ex = os.path.join(ROOT, "examples", self.name)
        if self.name == "echo":
            return linuxvm.build_static("echo", [os.path.join(ex, "echo.c")])
        if self.name == "dns":
            lib = os.path.join(ROOT, "lib", "dns")
            return linuxvm.build_static(
                "dns", [os.path.join(ex, "dns.c")],
                sorted(glob.glob(os.path.join(lib, "*.c"))),
                ["-DDNS_LINUX", "-I" + os.path.join(lib, "include")])
        lib = os.path.join(ROOT, "lib", "http")
        hp = cache_value(build, "OS_HTTP_PARSER_DIR")
        return linuxvm.build_static(
            "http", [os.path.join(ex, "http.c"), os.path.join(ex, "service.c")],
            sorted(glob.glob(os.path.join(lib, "*.c")))
            + [os.path.join(hp, "http_parser.c")],
            ["-DHTTP_LINUX", "-I" + os.path.join(lib, "include"), "-I" + hp,
             "-I" + os.path.join(ROOT, "lib", "tls", "include")])

    def linuxvm_initramfs(self, build):
        """(program, initramfs) of the Linux VM, built if missing."""
        prog = self.linuxvm_program(build)
        return prog, linuxvm.initramfs(prog, self.linuxvm_files(build))

    def forms(self, build):
        """The three forms a subject compares, in column order, as
        [(name, kind, file)] (kind libos, linuxvm or native; file the
        image, the Linux VM's program, the host program): the image and
        the host program checked, the Linux VM's initramfs built if
        missing. RuntimeError if the build lacks one."""
        elf, native = self.elf(build), self.host_program(build)
        for f in (elf, native):
            if not os.access(f, os.X_OK):
                raise RuntimeError(f"{f} not found: build first")
        benchlib.say(f"{self.name}: preparing the Linux VM (Debian kernel, busybox, "
            f"static {self.name} and its data)")
        prog, _ = self.linuxvm_initramfs(build)
        return [("libos", "libos", elf), ("linuxvm", "linuxvm", prog),
                ("native", "native", native)]


def cache_value(build, key):
    """The value of key in build's CMakeCache.txt; RuntimeError if it has
    none."""
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        for line in f:
            if line.startswith(key + ":"):
                return line.split("=", 1)[1].strip()
    raise RuntimeError(f"{build}/CMakeCache.txt: no {key} (configure first)")


def probe_echo(addr, timeout, port=7):
    """True if a datagram sent to the echo at addr comes back."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        token = os.urandom(8)
        try:
            s.sendto(token, (addr, port))
            while True:
                data, _ = s.recvfrom(2048)
                if data == token:
                    return True
        except OSError:
            return False


def dns_query(name, qtype, qid):
    """A DNS query message for name (dotted, no final dot), qtype, IN."""
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split("."))
    return struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + qname + b"\0" + \
        struct.pack("!HH", qtype, 1)


def probe_dns(addr, timeout, port=53):
    """True if the DNS server at addr answers DNS_PROBE with NOERROR and at
    least one answer record."""
    qid = int.from_bytes(os.urandom(2), "big")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(dns_query(*DNS_PROBE, qid), (addr, port))
            while True:
                data, _ = s.recvfrom(4096)
                if len(data) < 12:
                    continue
                rid, flags, _, an = struct.unpack("!HHHH", data[:8])
                if rid == qid and flags & 0x8000:
                    return flags & 0xf == 0 and an > 0
        except OSError:
            return False


def http_get_ok(s, addr, deadline):
    """Send GET HTTP_PROBE for host addr on the connected blocking socket
    s; True if the status line that comes back by time.monotonic()
    deadline says 200."""
    try:
        s.sendall(f"GET {HTTP_PROBE} HTTP/1.1\r\nHost: {addr}\r\n"
                  "Connection: close\r\n\r\n".encode())
        head = b""
        while b"\r\n" not in head:
            s.settimeout(max(0.001, deadline - time.monotonic()))
            chunk = s.recv(4096)
            if not chunk:
                break
            head += chunk
        return head.startswith(b"HTTP/1.1 200 ")
    except OSError:
        return False


def probe_http(addr, timeout, port=80):
    """True if GET HTTP_PROBE at addr is answered 200."""
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((addr, port), timeout=timeout) as s:
            return http_get_ok(s, addr, deadline)
    except OSError:
        return False


SERVICES = {
    "echo": Service("echo", 7, "echo: listening", ["7"], probe_echo),
    "dns": Service("dns", 53, "listening on port", [], probe_dns),
    "http": Service("http", 80, "http: serving", [], probe_http),
}
