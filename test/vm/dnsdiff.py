#!/usr/bin/python3
"""The differential check of examples/dns against NSD (issue 12): NSD and
the server under test serve the same zones (examples/dns/zones) in a
network namespace (tools/netns.py); several hundred queries generated from
the zones, plus hand-written edge cases, go to both over UDP without EDNS,
over UDP with EDNS and over TCP (pipelined on one connection), and the
answers are compared: rcode, opcode and flags, the question exactly (case
kept), each section as a multiset of RRs (names case-insensitive, TTLs
exact, order ignored), the OPT record. A difference not in EXPLAINED
(mirrored in docs/dns.md, "Differences from NSD") prints the query and
both answers and fails the check.

    dnsdiff.py --build BUILD --zones DIR linux     dns-linux in the namespace
    dnsdiff.py --build BUILD --zones DIR vm [--machine M]   the dns image
    dnsdiff.py --zones DIR nsd      a second NSD: proves the harness itself
    dnsdiff.py --client REF TEST --zones DIR   (inside the namespace)
    dnsdiff.py --ask HOST:PORT NAME TYPE [EDNS-SIZE]   one query, decoded
"""
import argparse
import ipaddress
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import netns  # noqa: E402

RUN = os.path.join(ROOT, "tools", "run")
NSD_PORT = 53          # NSD, the reference, on netns.HOST_IP
TEST_PORT = 5300       # dns-linux or a second NSD, also on netns.HOST_IP

T = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "HINFO": 13, "MX": 15,
     "TXT": 16, "AAAA": 28, "SRV": 33, "OPT": 41, "DS": 43, "RRSIG": 46,
     "NSEC": 47, "DNSKEY": 48, "DNAME": 39, "CAA": 257, "TYPE65280": 65280,
     "IXFR": 251, "AXFR": 252, "MAILB": 253, "MAILA": 254, "ANY": 255,
     "TKEY": 249, "TSIG": 250, "TYPE0": 0}
TNAME = {v: k for k, v in T.items()}
C_IN, C_CH, C_HS, C_NONE, C_ANY = 1, 3, 4, 254, 255
RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
          "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"]
# the layout of RDATA that holds domain names: n a name, H 16 bits, I 32
# bits (RFC 3597 §4 lists those a server may compress; SRV's is never
# compressed but is a name all the same)
NAMES_IN = {2: "n", 5: "n", 12: "n", 39: "n", 6: "nnIIIII", 15: "Hn",
            33: "HHHn"}


# ---------------------------------------------------------------- wire

def name_wire(name):
    """The uncompressed wire form of a dotted name, case kept; "." is the
    root. Labels are plain text (no escapes in our names)."""
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(qid, qname, qtype, qclass=C_IN, opcode=0, rd=False, cd=False,
          ad=False, z=False, edns=None):
    """A query message. edns is None or a dict: size, version, do,
    options (list of (code, bytes))."""
    flags = (opcode << 11) | (rd << 8) | (z << 6) | (ad << 5) | (cd << 4)
    msg = struct.pack(">HHHHHH", qid, flags, 1, 0, 0, 1 if edns else 0)
    msg += name_wire(qname) + struct.pack(">HH", qtype, qclass)
    if edns:
        opts = b"".join(struct.pack(">HH", c, len(d)) + d
                        for c, d in edns.get("options", []))
        ttl = (edns.get("version", 0) << 16) | (0x8000 if edns.get("do") else 0)
        msg += b"\0" + struct.pack(">HHIH", 41, edns.get("size", 1232), ttl,
                                   len(opts)) + opts
    return msg


class Malformed(Exception):
    """A response this decoder cannot read."""


def read_name(msg, off):
    """(dotted name with its case, offset after it) of the possibly
    compressed name at off."""
    labels, end, jumps = [], None, 0
    while True:
        if off >= len(msg):
            raise Malformed("name runs past the end")
        n = msg[off]
        if n >= 0xC0:
            if off + 1 >= len(msg) or jumps > 64:
                raise Malformed("bad compression pointer")
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            jumps += 1
            continue
        if n > 63:
            raise Malformed("label type %#x" % n)
        if n == 0:
            name = ".".join(labels) + "."
            return name, (end if end is not None else off + 1)
        label = msg[off + 1:off + 1 + n]
        labels.append("".join(chr(c) if 0x21 <= c < 0x7F and c not in b".\\"
                              else "\\%03d" % c for c in label))
        off += 1 + n


def rdata_key(msg, off, rtype, rdlen):
    """A comparable form of the RDATA at off: for types with names in it a
    tuple of its fields, the names decompressed and lower-cased (they
    compare case-insensitively); otherwise the bytes."""
    layout = NAMES_IN.get(rtype)
    end = off + rdlen
    if not layout:
        return msg[off:end]
    parts = []
    for step in layout:
        if step == "n":
            name, off = read_name(msg, off)
            parts.append(name.lower())
        else:
            n = 2 if step == "H" else 4
            if off + n > end:
                raise Malformed("RDATA of type %d cut" % rtype)
            parts.append(int.from_bytes(msg[off:off + n], "big"))
            off += n
    if off != end:
        raise Malformed("RDATA of type %d has %d octets left" % (rtype, end - off))
    return tuple(parts)


def show_rdata(rtype, key):
    """RDATA in roughly master-file form, for reports."""
    if isinstance(key, tuple):
        return " ".join(str(p) for p in key)
    if rtype == 1 and len(key) == 4:
        return str(ipaddress.IPv4Address(key))
    if rtype == 28 and len(key) == 16:
        return str(ipaddress.IPv6Address(key))
    if rtype == 16:
        out, i = [], 0
        while i < len(key):
            n = key[i]
            text = key[i + 1:i + 1 + n].decode("latin-1")
            out.append('"%s"' % (text[:40].replace("\\", "\\\\")
                                 .replace('"', '\\"') + ("..." if n > 40 else "")))
            i += 1 + n
        return " ".join(out)
    return "\\# %d %s" % (len(key), key.hex())


def parse(msg):
    """A response as a dict: id, flags, rcode (with the OPT's extended
    bits), question [(name, type, class)], an/ns/ar [RR keys], opt (None
    or (size, version, do, options))."""
    if len(msg) < 12:
        raise Malformed("%d octets" % len(msg))
    qid, flags, qd, an, ns, ar = struct.unpack(">HHHHHH", msg[:12])
    off = 12
    r = {"id": qid, "flags": flags & ~0xF, "rcode": flags & 0xF, "opt": None,
         "question": [], "an": [], "ns": [], "ar": [], "size": len(msg)}
    for _ in range(qd):
        name, off = read_name(msg, off)
        if off + 4 > len(msg):
            raise Malformed("question cut")
        r["question"].append((name,) + struct.unpack(">HH", msg[off:off + 4]))
        off += 4
    for sec, count in (("an", an), ("ns", ns), ("ar", ar)):
        for _ in range(count):
            owner, off = read_name(msg, off)
            if off + 10 > len(msg):
                raise Malformed("RR header cut")
            rtype, rclass, ttl, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
            off += 10
            if off + rdlen > len(msg):
                raise Malformed("RDATA cut")
            if rtype == 41:
                if sec != "ar" or r["opt"] is not None or owner != ".":
                    raise Malformed("OPT misplaced or repeated")
                r["opt"] = (rclass, (ttl >> 16) & 0xFF, bool(ttl & 0x8000),
                            msg[off:off + rdlen].hex())
                r["rcode"] |= (ttl >> 24) << 4
            else:
                r[sec].append((owner.lower(), rtype, rclass, ttl,
                               rdata_key(msg, off, rtype, rdlen)))
            off += rdlen
    if off != len(msg):
        raise Malformed("%d octets after the last RR" % (len(msg) - off))
    return r


def show(resp):
    """A response in dig's style, for reports."""
    if isinstance(resp, str):
        return "    " + resp
    f = resp["flags"]
    names = [n for n, bit in (("qr", 15), ("aa", 10), ("tc", 9), ("rd", 8),
                              ("ra", 7), ("z", 6), ("ad", 5), ("cd", 4))
             if f >> bit & 1]
    rc = resp["rcode"]
    lines = ["    opcode %d, %s, flags: %s; %d octets" % (
        f >> 11 & 0xF, RCODES[rc] if rc < len(RCODES) else "RCODE%d" % rc,
        " ".join(names), resp["size"])]
    if resp["opt"]:
        lines.append("    OPT: udp %d, version %d, do %d, options %s" %
                     (resp["opt"][0], resp["opt"][1], resp["opt"][2],
                      resp["opt"][3] or "none"))
    for q in resp["question"]:
        lines.append("    QUESTION %s %s class %d" % (q[0], TNAME.get(q[1], q[1]), q[2]))
    for sec, title in (("an", "ANSWER"), ("ns", "AUTHORITY"), ("ar", "ADDITIONAL")):
        for rr in sorted(resp[sec], key=repr):
            lines.append("    %-10s %s %d %s %s" % (
                title, rr[0], rr[3], TNAME.get(rr[1], "TYPE%d" % rr[1]),
                show_rdata(rr[1], rr[4]) + ("" if rr[2] == 1 else " class %d" % rr[2])))
    return "\n".join(lines)


# ----------------------------------------------------------- transport

def udp_ask(sock, addr, msg, tries=2, timeout=2.0):
    """Send msg over UDP; the response with msg's ID, or a string saying why
    there is none."""
    for _ in range(tries):
        sock.sendto(msg, addr)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            sock.settimeout(max(0.01, end - time.monotonic()))
            try:
                data = sock.recv(65535)
            except socket.timeout:
                break
            if len(data) >= 2 and data[:2] == msg[:2]:
                return data
    return "no answer over UDP"


class Tcp:
    """One TCP connection to a server, reopened when the server closes it;
    queries pipelined, answers matched by ID (RFC 7766 §6.2.1.1 lets them
    come in any order)."""

    def __init__(self, addr):
        self.addr, self.sock, self.buf = addr, None, b""

    def _open(self):
        if not self.sock:
            self.sock = socket.create_connection(self.addr, timeout=10)
            self.buf = b""

    def close(self):
        if self.sock:
            self.sock.close()
        self.sock = None

    def ask(self, msgs):
        """Send msgs (each with a distinct ID) at once; {id: response or
        reason there is none}."""
        self._open()
        got = {}
        try:
            self.sock.sendall(b"".join(struct.pack(">H", len(m)) + m for m in msgs))
            want = {m[:2] for m in msgs}
            while want:
                while len(self.buf) < 2 or len(self.buf) < 2 + struct.unpack(
                        ">H", self.buf[:2])[0]:
                    data = self.sock.recv(65536)
                    if not data:
                        raise ConnectionError("closed by the server")
                    self.buf += data
                n = struct.unpack(">H", self.buf[:2])[0]
                resp, self.buf = self.buf[2:2 + n], self.buf[2 + n:]
                want.discard(resp[:2])
                got[resp[:2]] = resp
        except (OSError, ConnectionError) as e:
            self.close()
            for m in msgs:
                got.setdefault(m[:2], "no answer over TCP (%s)" % e)
        return got


# -------------------------------------------------------------- queries

def zone_names(zones):
    """{apex: {owner: set of type numbers}} of every *.zone in zones, read
    through nsd-checkzone -p (which expands $INCLUDE relative to its
    working directory, as NSD does); empty non-terminals included with
    no types."""
    out = {}
    for f in sorted(os.listdir(zones)):
        if not f.endswith(".zone"):
            continue
        apex = f[:-5].lower() + "."
        p = subprocess.run(["nsd-checkzone", "-p", apex, f], cwd=zones,
                           capture_output=True, text=True, check=True)
        names, origin, owner = {}, apex, None
        for line in p.stdout.splitlines():
            if line.startswith("$ORIGIN"):
                origin = line.split()[1].lower()
                continue
            if not line.strip() or line.startswith(";"):
                continue
            fields = line.split()
            if not line[0].isspace():
                owner = fields[0].lower()
                owner = owner if owner.endswith(".") else owner + "." + origin
                fields = fields[1:]
            if len(fields) < 3 or fields[1] != "IN":
                continue          # an SOA's continuation line
            names.setdefault(owner, set()).add(T.get(fields[2], None) or
                                               int(fields[2][4:]))
        for owner in list(names):
            labels = owner.split(".")
            for i in range(1, len(labels)):
                parent = ".".join(labels[i:])
                if len(parent) <= len(apex) or not parent.endswith("." + apex):
                    break
                names.setdefault(parent, set())
        out[apex] = names
    return out


def mixcase(name):
    """name with every other letter upper-cased."""
    return "".join(c.upper() if i % 2 else c for i, c in enumerate(name))


class Q:
    """One query: what to send and how, and a title for reports."""

    def __init__(self, title, qname=None, qtype=1, qclass=C_IN, via="udp",
                 edns=None, raw=None, **flags):
        self.title, self.qname, self.qtype, self.qclass = title, qname, qtype, qclass
        self.via, self.edns, self.raw, self.flags = via, edns, raw, flags

    def wire(self, qid):
        """The message with ID qid."""
        if self.raw is not None:
            return struct.pack(">H", qid) + self.raw[2:]
        return query(qid, self.qname, self.qtype, self.qclass, edns=self.edns,
                     **self.flags)

    def __str__(self):
        e = "no EDNS"
        if self.edns:
            e = "EDNS size %d version %d%s%s" % (
                self.edns.get("size", 1232), self.edns.get("version", 0),
                " DO" if self.edns.get("do") else "",
                " options" if self.edns.get("options") else "")
        what = self.title if self.raw is not None else "%s %s class %d %s" % (
            self.qname, TNAME.get(self.qtype, self.qtype), self.qclass,
            " ".join(k for k, v in self.flags.items() if v and k != "opcode")
            + (" opcode %d" % self.flags["opcode"] if self.flags.get("opcode") else ""))
        return "%s over %s, %s (%s)" % (what, self.via.upper(), e, self.title)


COMMON = ["A", "AAAA", "MX", "TXT", "ANY", "CNAME", "HINFO"]
AT_CUTS = ["NS", "DS", "SOA"]


def generated(zones):
    """Queries from the zones: every name (owners and empty non-terminals)
    with the types it has and COMMON, the delegations' with AT_CUTS; each
    over UDP without EDNS, over UDP with EDNS 1232, and over TCP (with
    EDNS 4096 for every other one); RD set on every other one."""
    qs, i = [], 0
    for apex, names in zones.items():
        for owner in sorted(names):
            types = {T[t] for t in COMMON} | names[owner]
            if T["NS"] in names[owner] or owner == apex:
                types |= {T[t] for t in AT_CUTS}
            for t in sorted(types):
                rd = bool(i % 2)
                qs.append(Q("zone name", owner, t, rd=rd))
                qs.append(Q("zone name", owner, t, edns={"size": 1232}, rd=rd))
                qs.append(Q("zone name", owner, t, via="tcp", rd=rd,
                            edns={"size": 4096} if i % 2 else None))
                i += 1
    return qs


def by_hand():
    """The edge cases, names relative to example.com where they end in
    '+'."""
    qs = []

    def add(title, names, types, vias=("udp", "tcp"), edns_list=(None,), **kw):
        for n in names.split():
            n = n[:-1] + ".example.com." if n.endswith("+") else n
            for t in types.split():
                for via in vias:
                    for e in edns_list:
                        qs.append(Q(title, n, T[t] if t in T else int(t),
                                    via=via, edns=e, **kw))

    e1232 = {"size": 1232}
    add("nonexistent", "nx+ nx.nx+ nx.example.net. nx.2.0.192.in-addr.arpa. "
        "nx.8.b.d.0.1.0.0.2.ip6.arpa. " + "a" * 63 + "." + "b" * 63 + "." +
        "c" * 63 + "." + "d" * 48 + ".example.com.", "A", edns_list=(None, e1232))
    add("empty non-terminal", "b+ x.b+ ent.wild+ B+", "A ANY NS SOA TXT",
        vias=("udp",), edns_list=(None, e1232))
    add("wildcard", "foo.wild+ a.b.wild+ FoO.WiLd+ *.wild+ foo.wc+ *.wc+ "
        "x.y.wc+", "A TXT AAAA MX ANY CNAME", vias=("udp",))
    add("wildcard blocked", "host.wild+ x.host.wild+ foo.ent.wild+ x.ent.wild+ "
        "y.x.ent.wild+", "A TXT ANY", vias=("udp",))
    add("delegation", "sub+ ns1.sub+ ns2.sub+ x.sub+ a.b.sub+ ext+ x.ext+ "
        "side+ x.side+ SuB+", "A AAAA NS DS SOA ANY MX", vias=("udp",),
        edns_list=(None, e1232))
    add("delegation over TCP", "sub+ x.sub+ ext+", "A NS DS", vias=("tcp",))
    add("DNAME", "www.dname+ ftp.dname+ a.deep.dname+ nx.dname+ mail2.dname+ "
        "WwW.DnAmE+ dname+ x.y.z.dname+ www.long+", "A AAAA MX TXT CNAME DNAME ANY",
        vias=("udp",), edns_list=(None, e1232))
    add("DNAME too long (YXDOMAIN)", ("x" * 63 + ".y" * 10 + ".long+"), "A",
        edns_list=(None, e1232))
    add("CNAME", "c1+ C2+ c3+ out+ tonet+ dangling+ loop1+ ftp.example.net.",
        "A AAAA MX TXT CNAME ANY", vias=("udp",), edns_list=(None, e1232))
    add("CNAME over TCP", "c1+ tonet+ loop1+", "A", vias=("tcp",))
    add("mixed case", " ".join(mixcase(n) for n in (
        "www.example.com.", "mail.example.com.", "example.com.", "_sip._tcp.example.com.",
        "txt.example.com.", "unk.example.com.", "80.2.0.192.in-addr.arpa.",
        "www.example.net.", "mixed.example.com.", "big.example.com.")),
        "A TXT ANY SRV PTR MX 65280")
    add("outside every zone", "example.org. www.example.org. com. . net. "
        "0.192.in-addr.arpa. 192.in-addr.arpa. ip6.arpa. xexample.com. "
        "example.com.example.org. 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
        ".0.0.8.b.d.0.1.0.0.2.ip6.arpa.example.", "A NS SOA ANY")
    # sizes: the big RRsets with every EDNS size, over both transports
    sizes = [None, {"size": 512}, {"size": 1232}, {"size": 4096},
             {"size": 0}, {"size": 511}, {"size": 65535}, {"size": 1232, "do": True}]
    add("EDNS sizes", "big+ huge+ mid+ example.com.", "A AAAA TXT ANY MX NS",
        edns_list=sizes)
    add("EDNS sizes, referral", "x.sub+", "A", edns_list=sizes)
    add("EDNS version 1", "www+ nx+ example.org.", "A",
        edns_list=({"version": 1}, {"version": 1, "do": True}, {"version": 255}))
    add("EDNS DO", "www+ nx+ b+ foo.wild+ x.sub+", "A",
        edns_list=({"size": 4096, "do": True},))
    add("EDNS options", "www+", "A", edns_list=(
        {"options": [(65001, b"xyz")]}, {"options": [(3, b"")]},
        {"options": [(10, bytes(8))]}, {"options": [(8, bytes.fromhex("0001180000c00002"))]}))
    add("RD CD AD Z flags", "www+ nx+", "A", rd=True, cd=True, ad=True)
    add("Z flag", "www+", "A", z=True)
    add("class CH", "version.bind. id.server. hostname.bind. version.server. "
        "authors.bind. example.com. www+", "TXT A SOA", qclass=C_CH)
    add("class ANY", "www+ example.com. nx+", "A SOA ANY", qclass=C_ANY)
    add("class NONE and HS", "www+", "A", qclass=C_NONE)
    add("class NONE and HS", "www+", "A", qclass=C_HS)
    add("class 2", "www+", "A", qclass=2)
    add("meta and odd types", "example.com. www+ nx+", "AXFR IXFR MAILA MAILB "
        "TYPE0 OPT TSIG TKEY RRSIG NSEC DNSKEY 65535 128",
        edns_list=(None, e1232))
    for op in (1, 2, 3, 4, 5, 6, 15):
        add("opcode", "example.com.", "SOA", opcode=op)
    add("reverse zones", "1.2.0.192.in-addr.arpa. 80.2.0.192.in-addr.arpa. "
        "2.0.192.in-addr.arpa. 99.2.0.192.in-addr.arpa. "
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. "
        "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
        "PTR ANY NS SOA A")
    # malformed queries: answered FORMERR or dropped (compared all the same)
    base = query(0, "www.example.com.", 1)
    bad = [("QDCOUNT 0", base[:4] + b"\0\0" + base[6:12]),
           ("QDCOUNT 2", base[:4] + b"\0\2" + base[6:] + base[12:]),
           ("QR set", base[:2] + b"\x80\0" + base[4:]),
           ("question cut", base[:-3]),
           ("header only", base[:12]),
           ("trailing octets", base + b"\0\0\0"),
           ("ANCOUNT 1 without data", base[:6] + b"\0\1" + base[8:]),
           ("two OPT", query(0, "www.example.com.", 1, edns={})[:10] + b"\0\2"
            + query(0, "www.example.com.", 1, edns={})[12:] + query(
                0, "www.example.com.", 1, edns={})[-11:]),
           ("OPT with a name", query(0, "www.example.com.", 1, edns={})[:-11] +
            b"\3com\0" + query(0, "www.example.com.", 1, edns={})[-10:]),
           ("compression loop", base[:12] + b"\xc0\x0c\0\1\0\1"),
           ("label of 64", base[:12] + b"\x40" + b"a" * 64 + b"\0\0\1\0\1"),
           ("TC set", base[:2] + b"\x02\0" + base[4:])]
    for title, raw in bad:
        qs.append(Q(title, raw=raw, via="udp"))
        qs.append(Q(title, raw=raw, via="tcp"))
    return qs


# ----------------------------------------------------------- comparing

def diff(q, ref, test):
    """The differences between two responses to q: a list of (tag, text)."""
    if isinstance(ref, str) or isinstance(test, str):
        if isinstance(ref, str) and isinstance(test, str):
            return []
        return [("presence", "one side did not answer")]
    d = []
    if ref["rcode"] != test["rcode"]:
        d.append(("rcode", "rcode %d vs %d" % (ref["rcode"], test["rcode"])))
    if ref["flags"] != test["flags"]:
        d.append(("flags", "flags %#06x vs %#06x" % (ref["flags"], test["flags"])))
    if ref["question"] != test["question"]:
        d.append(("question", "question %s vs %s" % (ref["question"], test["question"])))
    for sec in ("an", "ns", "ar"):
        if sorted(ref[sec], key=repr) != sorted(test[sec], key=repr):
            d.append((sec, "%s section differs" % sec))
    ro, to = ref["opt"], test["opt"]
    if (ro is None) != (to is None):
        d.append(("opt", "OPT present in one only"))
    elif ro and ro[1:] != to[1:]:
        d.append(("opt", "OPT %s vs %s" % (ro, to)))
    elif ro and ro[0] != to[0]:
        d.append(("opt.size", "OPT UDP size %d vs %d" % (ro[0], to[0])))
    return d


def udp_limit(q):
    """The largest UDP response q allows: its EDNS size, at least 512."""
    if q.raw is not None or q.via != "udp":
        return 65535
    return max(512, q.edns.get("size", 1232)) if q.edns else 512


def one_rrset_at_qname(q, resp):
    """True if resp's answer is exactly one RRset owned by q's name."""
    an = resp["an"]
    return bool(an) and len({(rr[0], rr[1]) for rr in an}) == 1 and \
        an[0][0] == q.qname.lower()


def only_ede(options):
    """True if the hex OPT RDATA options holds nothing but Extended DNS
    Error options (code 15)."""
    raw = bytes.fromhex(options)
    while raw:
        code, n = struct.unpack(">HH", raw[:4])
        if code != 15:
            return False
        raw = raw[4 + n:]
    return True


def is_error(resp):
    """True if resp is an error response: no answer, an rcode that is
    neither NOERROR nor NXDOMAIN."""
    return resp["rcode"] not in (0, 3) and not resp["an"]


# Differences that are not faults, each with its reason (mirrored in
# docs/dns.md, "Differences from NSD"): (name, reason, tags it may
# explain, predicate on (query, NSD's response, the test's)).
EXPLAINED = [
    ("opt-size",
     "The OPT record's UDP payload size is the responder's own limit "
     "(RFC 6891 §6.2.3), not an echo of the query's: NSD advertises its "
     "configured ipv4-edns-size.",
     {"opt.size"}, lambda q, r, t: True),
    ("any-choice",
     "ANY is answered with one RRset of the name (RFC 8482 §4.1), which "
     "one is the responder's choice: NSD takes the first in its own order "
     "(the SOA at an apex), so the answer and the additional data that "
     "goes with it may differ.",
     {"an", "ar"}, lambda q, r, t: q.qtype == 255 and r["rcode"] == t["rcode"]
     and one_rrset_at_qname(q, r) and one_rrset_at_qname(q, t)),
    ("error-question",
     "An error response (FORMERR, NOTIMP, REFUSED) may or may not repeat "
     "the question (RFC 1035 §4.1.1 does not say): both leave it out of "
     "FORMERR and NOTIMP; NSD also leaves it out when it refuses a class "
     "other than IN, CH and ANY, where we repeat it as in every REFUSED.",
     {"question"}, lambda q, r, t: is_error(r) and is_error(t)
     and r["rcode"] == t["rcode"] and not r["question"]),
    ("ede",
     "Extended DNS Error options (RFC 8914) are advisory: NSD and we add "
     "them to different errors (NSD: REFUSED outside every zone, a refused "
     "transfer, YXDOMAIN after DNAME; we: what we refuse); the rest of the "
     "OPT is the same.",
     {"opt"}, lambda q, r, t: r["opt"] and t["opt"] and r["opt"][:3] == t["opt"][:3]
     and only_ede(r["opt"][3]) and only_ede(t["opt"][3])),
    ("badvers-do",
     "In a BADVERS response we copy the DO bit from the query, as RFC 3225 "
     "§3 says for every response; NSD clears it.",
     {"opt"}, lambda q, r, t: (r["rcode"] == t["rcode"] == 16 and q.edns
                               and q.edns.get("do") and r["opt"][:2] == t["opt"][:2]
                               and t["opt"][2] and not r["opt"][2])),
    ("cd-copied",
     "We copy the CD bit from the query into the response as RFC 4035 "
     "§3.1.6 requires; NSD clears it.",
     {"flags"}, lambda q, r, t: q.flags.get("cd") and t["flags"] == r["flags"] | 0x10),
    ("notify-notimp",
     "NOTIFY (opcode 4): NSD refuses it when no zone allows notifies; we "
     "implement no opcode but QUERY and answer NOTIMP, as issue 12 asks.",
     {"rcode", "question"}, lambda q, r, t: q.flags.get("opcode") == 4
     and r["rcode"] == 5 and t["rcode"] == 4),
    ("xfr-refused",
     "Zone transfers (AXFR, IXFR) are declined: we answer REFUSED as issue "
     "12 asks; NSD answers NOTIMP to AXFR over UDP (RFC 5936 §4.2 allows "
     "only TCP) and NOTAUTH when the name is not a zone's apex.",
     {"rcode", "opt"}, lambda q, r, t: q.qtype in (251, 252)
     and r["rcode"] in (4, 5, 9) and t["rcode"] == 5 and not t["an"]),
    ("trailing-octets",
     "Octets after the last record the counts announce: NSD ignores them "
     "(it is built without STRICT_MESSAGE_PARSE); our parser has no "
     "leniency to get wrong and answers FORMERR, without the question, "
     "as NSD answers its own FORMERRs.",
     {"rcode", "flags", "question", "an", "ns", "ar", "opt"},
     lambda q, r, t: q.title == "trailing octets" and r["rcode"] == 0
     and t["rcode"] == 1 and not t["question"] and not t["an"]),
    ("tcp-bad-header",
     "A TCP message shorter than a question: NSD resets the connection, "
     "we answer FORMERR (issue 12 allows either, answer or drop).",
     {"presence"}, lambda q, r, t: q.raw is not None and q.via == "tcp"
     and isinstance(r, str) and not isinstance(t, str) and t["rcode"] == 1),
]


def explain(q, ref, test, diffs):
    """The EXPLAINED names that account for every difference in diffs, or
    None if one is left unexplained."""
    used = []
    for tag, _ in diffs:
        for name, _, tags, pred in EXPLAINED:
            if tag in tags and pred(q, ref, test):
                used.append(name)
                break
        else:
            return None
    return used


def ask_all(qs, addr):
    """Responses of the server at addr to every query of qs: a list of
    raw messages or strings saying why there is none. UDP queries one at
    a time; TCP ones pipelined eight at a time on one connection."""
    out = [None] * len(qs)
    us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tcp = Tcp(addr)
    batch = []

    def flush():
        got = tcp.ask([qs[i].wire(i & 0xFFFF) for i in batch])
        for i in batch:
            out[i] = got[struct.pack(">H", i & 0xFFFF)]
        batch.clear()

    for i, q in enumerate(qs):
        if q.via == "udp":
            out[i] = udp_ask(us, addr, q.wire(i & 0xFFFF),
                             tries=1 if q.raw is not None else 2)
        elif q.raw is not None:      # alone, on its own connection
            flush() if batch else None
            one = Tcp(addr)
            out[i] = one.ask([q.wire(i & 0xFFFF)])[struct.pack(">H", i & 0xFFFF)]
            one.close()
        else:
            batch.append(i)
            if len(batch) == 8:
                flush()
    if batch:
        flush()
    tcp.close()
    us.close()
    return out


def decode(raw):
    """parse(raw), or a string saying why it cannot be read."""
    if isinstance(raw, str):
        return raw
    try:
        return parse(raw)
    except Malformed as e:
        return "unreadable response (%s): %s" % (e, raw.hex())


def compare(zones, ref_addr, test_addr):
    """Send the queries to both servers and compare; True if every
    difference is explained."""
    qs = generated(zone_names(zones)) + by_hand()
    print("dnsdiff: %d queries to %s:%d (NSD) and %s:%d" % (
        (len(qs),) + ref_addr + test_addr), flush=True)
    if len(qs) < 300:
        print("dnsdiff: fewer than 300 queries")
        return False
    ref = [decode(r) for r in ask_all(qs, ref_addr)]
    test = [decode(r) for r in ask_all(qs, test_addr)]
    bad, explained, same, noanswer = 0, {}, 0, 0
    for q, r, t in zip(qs, ref, test):
        d = diff(q, r, t)
        if isinstance(r, str) and r.startswith("unreadable"):
            d.append(("unreadable", r))
        if isinstance(t, str) and t.startswith("unreadable"):
            d.append(("unreadable", t))
        for name, resp in (("NSD", r), ("test", t)):
            if not isinstance(resp, str) and resp["size"] > udp_limit(q):
                d.append(("size", "%s's answer of %d octets is over the "
                          "query's limit %d" % (name, resp["size"], udp_limit(q))))
        noanswer += isinstance(r, str)
        if not d:
            same += 1
            continue
        names = explain(q, r, t, d)
        if names is not None:
            for n in names:
                explained[n] = explained.get(n, 0) + 1
            continue
        bad += 1
        print("DIFFERENCE: %s\n  %s\n  NSD:\n%s\n  test:\n%s\n" % (
            q, "; ".join(text for _, text in d), show(r), show(t)), flush=True)
    print("dnsdiff: %d queries, %d identical, %d explained %s, %d unexplained "
          "(%d that NSD did not answer)" % (len(qs), same, sum(explained.values()),
                                            explained, bad, noanswer))
    return bad == 0


# ------------------------------------------------------------- servers

def nsd_conf(tmp, name, zones, port):
    """Write a private nsd.conf for one NSD instance in tmp; its path."""
    d = os.path.join(tmp, name)
    os.makedirs(d)
    lines = ["server:",
             "  ip-address: %s@%d" % (netns.HOST_IP, port),
             "  do-ip6: no", "  hide-version: yes", "  hide-identity: yes",
             "  server-count: 1", '  username: ""', '  chroot: ""',
             '  zonesdir: "%s"' % os.path.abspath(zones),
             '  pidfile: "%s/nsd.pid"' % d, '  database: ""',
             '  zonelistfile: "%s/zone.list"' % d,
             '  xfrdfile: "%s/xfrd.state"' % d, '  xfrdir: "%s"' % d,
             '  logfile: "%s/nsd.log"' % d, "  verbosity: 1",
             "  rrl-ratelimit: 0", "  rrl-whitelist-ratelimit: 0",
             "remote-control:", "  control-enable: no"]
    for f in sorted(os.listdir(zones)):
        if f.endswith(".zone"):
            lines += ["zone:", "  name: %s" % f[:-5], '  zonefile: "%s"' % f]
    path = os.path.join(d, "nsd.conf")
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    subprocess.run(["nsd-checkconf", path], check=True)
    return path


def wait_serving(ns, addr, proc, timeout=60):
    """Wait until the server at addr answers an SOA query over UDP (from
    inside the namespace); False if it does not within timeout or proc
    ends."""
    end = time.monotonic() + timeout
    probe = ("import socket,sys;s=socket.socket(2,2);s.settimeout(0.5);"
             "s.sendto(bytes.fromhex(sys.argv[1]),(sys.argv[2],int(sys.argv[3])));"
             "s.recv(512)")
    msg = query(1, "example.com.", 6).hex()
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        if ns.run("python3", "-c", probe, msg, addr[0], str(addr[1]),
                  check=False).returncode == 0:
            return True
        time.sleep(0.3)
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build")
    ap.add_argument("--machine", default="q35")
    ap.add_argument("--zones", default=os.path.join(ROOT, "examples/dns/zones"))
    ap.add_argument("--db", help="the zone database (default "
                    "BUILD/examples/dns/db/zones.db)")
    ap.add_argument("--test-zones", help="in mode nsd, the second NSD's "
                    "zones (to see the check catch differences)")
    ap.add_argument("--client", nargs=2, metavar=("REF", "TEST"))
    ap.add_argument("--ask", nargs="+", metavar="ARG")
    ap.add_argument("mode", nargs="?", choices=["linux", "vm", "nsd"])
    a = ap.parse_args()
    if a.ask:
        host, port = a.ask[0].rsplit(":", 1)
        q = Q("asked", a.ask[1], T.get(a.ask[2]) or int(a.ask[2]),
              edns={"size": int(a.ask[3])} if len(a.ask) > 3 else None)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        print(q)
        print(show(decode(udp_ask(s, (host, int(port)), q.wire(7)))))
        print(show(decode(Tcp((host, int(port))).ask([q.wire(8)])[b"\0\x08"])))
        return 0
    if a.client:
        ref, test = ((h, int(p)) for h, p in (x.rsplit(":", 1) for x in a.client))
        return 0 if compare(a.zones, ref, test) else 1
    if not a.mode:
        ap.error("a mode or --client is needed")
    tmp = tempfile.mkdtemp(prefix="dnsdiff")
    out = []
    try:
        with netns.Netns() as ns:
            ref = (netns.HOST_IP, NSD_PORT)
            nsd = ns.popen("nsd", "-d", "-c", nsd_conf(tmp, "ref", a.zones, NSD_PORT),
                           stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            if a.mode == "nsd":
                test = (netns.HOST_IP, TEST_PORT)
                srv = ns.popen("nsd", "-d", "-c",
                               nsd_conf(tmp, "test", a.test_zones or a.zones,
                                        TEST_PORT),
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            elif a.mode == "linux":
                test = (netns.HOST_IP, TEST_PORT)
                db = a.db or os.path.join(a.build, "examples/dns/db/zones.db")
                log = open(os.path.join(tmp, "dns-linux.log"), "w")
                srv = ns.popen(os.path.join(a.build, "examples/dns/dns-linux"),
                               "-p", str(TEST_PORT), db, stdout=log,
                               stderr=subprocess.STDOUT)
            else:
                test = (netns.GUEST_IP, 53)
                log = open(os.path.join(tmp, "guest.log"), "w")
                cmd = [RUN, "-q", os.path.join(a.build, "examples/dns/dns.elf"),
                       "-M", a.machine, "--net", "tap:tap0", "--timeout", "600",
                       "--kopt", f"net.ip={netns.GUEST_IP}/24"]
                if a.db:  # the initrd's /etc/dns/zones.db replaces the image's
                    tree = os.path.join(tmp, "initrd", "etc", "dns")
                    os.makedirs(tree)
                    shutil.copy(a.db, os.path.join(tree, "zones.db"))
                    cmd += ["--initrd", os.path.join(tmp, "initrd")]
                srv = ns.popen(*cmd, stdout=log, stderr=subprocess.STDOUT)
            for what, addr, proc in (("NSD", ref, nsd), ("server under test", test, srv)):
                if not wait_serving(ns, addr, proc):
                    print(f"dnsdiff: {what} at {addr} does not answer")
                    for f in ("ref/nsd.log", "test/nsd.log", "dns-linux.log",
                              "guest.log"):
                        p = os.path.join(tmp, f)
                        if os.path.exists(p):
                            print(f"--- {f}\n" + open(p).read())
                    return 1
            c = ns.run("python3", os.path.abspath(__file__), "--zones", a.zones,
                       "--client", "%s:%d" % ref, "%s:%d" % test, check=False)
            print(c.stdout)
            ok = c.returncode == 0
            if srv.poll() is not None:
                print(f"dnsdiff: the server under test ended, status {srv.returncode}")
                ok = False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"dnsdiff: {a.mode}: {'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
