#!/usr/bin/python3
"""VM tests of the DNS server (examples/dns) with dig, raw sockets and an
initrd, the host side in a network namespace (tools/netns.py), the guest
at netns.GUEST_IP with a static address.

    dnstest.py --build BUILD --machine M [--zones DIR] CASE
      records   every RRset of the zones by dig (rcode, AA, the RRset),
                NXDOMAIN, NODATA, empty non-terminals, REFUSED, CNAME
                chain, wildcards, delegations, DNAME, EDNS sizes, TC then
                +tcp, NOTIMP, BADVERS, AXFR refused, IPv6 transport
      smoke     a few dig queries (the other machine types)
      hostile   a few thousand malformed datagrams and TCP streams, then
                correct answers from a server still running
      tcp       pipelined queries answered in order; a stalled client
                dropped after the idle timeout (-t 2) while another is
                served
      tcp1000   1000 busy TCP clients while UDP queries get answers
      initrd    a changed zone through --initrd, without a rebuild
      initrd_corrupt  a damaged and a truncated database through the
                initrd stop the boot with status 121 and the reason
    dnstest.py --client CASE ZONES ADDR4 ADDR6   (inside the namespace)

Expected answers are derived from the zone files: each *.zone of --zones
($INCLUDE inlined, origin from the file name) is read by ldns-read-zone
-c, and dig's sections are put through ldns-read-zone -c as well, so the
RRsets compare in one canonical text form (TTLs included). A few lines
are also compared exactly as dig prints them. The names the cases use
(c1, *.wild, sub, dname, big ...) are those of examples/dns/zones.
"""
import argparse
import os
import random
import re
import resource
import selectors
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
import guestnet  # noqa: E402
from guestnet import Checks  # noqa: E402

RUN = os.path.join(ROOT, "tools", "run")
ZONES = os.path.join(ROOT, "examples", "dns", "zones")
FORMERR = 1

# service arguments and whether the client needs the guest's IPv6 address
CASES = {"records": ([], True), "smoke": ([], False),
         "hostile": (["-v"], False), "tcp": (["-t", "2"], False),
         "tcp1000": (["-t", "600"], False)}


# ----------------------------------------------------- zone expectations

def canon(lines):
    """The RRs of master-file lines (absolute names) as ldns-read-zone -c
    prints them, sorted; raises on a line ldns cannot read."""
    if not lines:
        return []
    with tempfile.NamedTemporaryFile("w", suffix=".rr") as f:
        f.write("\n".join(lines) + "\n")
        f.flush()
        p = subprocess.run(["ldns-read-zone", "-c", f.name],
                           capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(f"ldns-read-zone: {p.stderr.strip()}: {lines}")
    return sorted(ln for ln in p.stdout.splitlines()
                  if ln.strip() and not ln.startswith(";"))


def inline(path, depth=0):
    """The text of a master file with its $INCLUDEs replaced by the
    included files (relative to the including one), the origin restored
    after each."""
    out, origin = [], None
    for line in open(path):
        m = re.match(r"\$ORIGIN\s+(\S+)", line)
        if m:
            origin = m.group(1)
        m = re.match(r"\$INCLUDE\s+(\S+)", line)
        if m and depth < 8:
            out.append(inline(os.path.join(os.path.dirname(path),
                                           m.group(1)), depth + 1))
            if origin:
                out.append(f"$ORIGIN {origin}\n")
            continue
        out.append(line)
    return "".join(out)


class Zones:
    """The zones of a directory: rrsets {(owner, TYPE): [canonical RR]},
    apexes, cuts (delegation points) and names (owners and empty
    non-terminals), all lower case."""

    def __init__(self, directory):
        self.rrsets, self.apexes, self.names = {}, set(), set()
        for f in sorted(os.listdir(directory)):
            if not f.endswith(".zone"):
                continue
            apex = f[:-5].lower() + "."
            self.apexes.add(apex)
            text = f"$ORIGIN {apex}\n" + inline(os.path.join(directory, f))
            for rr in canon(text.splitlines()):
                owner, _, _, rtype, _ = rr.split(None, 4)
                self.rrsets.setdefault((owner, rtype), []).append(rr)
        for owner, _ in list(self.rrsets):
            apex = self.apex(owner)
            while owner != apex:
                self.names.add(owner)
                owner = owner.split(".", 1)[1]
            self.names.add(apex)
        self.cuts = {o for o, t in self.rrsets
                     if t == "NS" and o not in self.apexes}

    def apex(self, name):
        """The longest apex name is in or under."""
        best = None
        for a in self.apexes:
            if (name == a or name.endswith("." + a)) and \
                    (not best or len(a) > len(best)):
                best = a
        return best

    def below_cut(self, name):
        """True if name is under (not at) a delegation point."""
        return any(name.endswith("." + c) for c in self.cuts)

    def get(self, owner, rtype, as_owner=None):
        """An RRset's canonical lines, the owner replaced by as_owner."""
        rrs = self.rrsets.get((owner, rtype), [])
        if as_owner:
            rrs = [as_owner + rr[len(owner):] for rr in rrs]
        return sorted(rrs)

    def negative_soa(self, apex):
        """The SOA as a negative answer carries it: its TTL capped by its
        MINIMUM field (RFC 2308 s3)."""
        out = []
        for rr in self.get(apex, "SOA"):
            f = rr.split()
            f[1] = str(min(int(f[1]), int(f[-1])))
            out.append("\t".join(f[:4]) + "\t" + " ".join(f[4:]))
        return out

    def rdata(self, owner, rtype):
        """The RDATA fields of an RRset's first RR."""
        return self.rrsets[(owner, rtype)][0].split(None, 4)[4]


# ---------------------------------------------------------------- dig

class Dig:
    """One dig run, parsed: status, flags, sections (raw lines and
    canonical), EDNS size (None without OPT), message size, transport."""

    def __init__(self, server, name, rtype="A", *opts, tries=3):
        cmd = ["dig", f"@{server}", "+norec", "+time=3", f"+tries={tries}",
               name, rtype] + list(opts)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        self.cmd, self.out, self.rc = " ".join(cmd[1:]), p.stdout, p.returncode
        m = re.search(r"status: (\w+),", self.out)
        self.status = m.group(1) if m else "no answer"
        m = re.search(r";; flags:([^;]*);", self.out)
        self.flags = set(m.group(1).split()) if m else set()
        m = re.search(r"; EDNS: version: \d+, flags:[^;]*; udp: (\d+)", self.out)
        self.edns = int(m.group(1)) if m else None
        m = re.search(r"MSG SIZE\s+rcvd: (\d+)", self.out)
        self.size = int(m.group(1)) if m else None
        m = re.search(r";; SERVER: \S+ \((\w+)\)", self.out)
        self.via = m.group(1) if m else None
        self.raw = {}
        for sec in ("ANSWER", "AUTHORITY", "ADDITIONAL"):
            m = re.search(rf";; {sec} SECTION:\n(.*?)(\n\n|\Z)", self.out, re.S)
            self.raw[sec] = m.group(1).splitlines() if m else []
        self._canon = {}

    def sec(self, name):
        """A section's RRs in canonical form, sorted."""
        if name not in self._canon:
            self._canon[name] = canon(self.raw[name])
        return self._canon[name]

    def __str__(self):
        return f"    dig {self.cmd}\n" + "\n".join(
            "    | " + ln for ln in self.out.splitlines() if ln.strip())


def show(want, got):
    """Expected and received RR lists, for a failure report."""
    return ("    expected:\n" + "".join(f"      {r}\n" for r in want)
            + "    got:\n" + "".join(f"      {r}\n" for r in got))


def answer_is(ck, d, title, status, want_an, aa=True, want_ns=None):
    """Check a dig's status, AA and answer section (and authority if
    want_ns is given) against canonical RR lists."""
    ok = ck(d.status == status, f"{title}: status {status}",
            f"    got {d.status}\n{d}")
    ok &= ck(("aa" in d.flags) == aa, f"{title}: AA {'set' if aa else 'clear'}",
             str(d))
    ok &= ck(d.sec("ANSWER") == sorted(want_an), f"{title}: answer section",
             show(sorted(want_an), d.sec("ANSWER")) + str(d))
    if want_ns is not None:
        ck(d.sec("AUTHORITY") == sorted(want_ns), f"{title}: authority section",
           show(sorted(want_ns), d.sec("AUTHORITY")) + str(d))
    return ok


# ------------------------------------------------------------- records

def check_rrsets(ck, z, srv):
    """Every authoritative RRset of the zones, asked for by owner and
    type (EDNS 4096 so that all fit): NOERROR, AA, exactly the RRset;
    MX, SRV and NS targets in the same zone with their addresses in
    additional (as NSD, which adds none from other zones)."""
    for (owner, rtype) in sorted(z.rrsets):
        if z.below_cut(owner) or owner in z.cuts:
            continue
        d = Dig(srv, owner, rtype, "+bufsize=4096")
        if not answer_is(ck, d, f"{owner} {rtype}", "NOERROR",
                         z.get(owner, rtype)):
            continue
        if rtype in ("MX", "SRV", "NS"):
            for rr in z.rrsets[(owner, rtype)]:
                target = rr.split()[-1]
                if z.apex(target) != z.apex(owner):
                    continue  # additional data only from the same zone
                addrs = z.get(target, "A") + z.get(target, "AAAA")
                missing = [a for a in addrs if a not in d.sec("ADDITIONAL")]
                ck(not missing, f"{owner} {rtype}: {target}'s addresses "
                   "in additional", show(addrs, d.sec("ADDITIONAL")))


def check_exact(ck, srv):
    """Lines compared exactly as dig prints them (owner, TTL, type and
    RDATA; whitespace folded)."""
    cases = [
        ("txt.example.com", "TXT",
         'txt.example.com. 3600 IN TXT "quote \\" inside" "semi;colon" "ABC" ""'),
        ("unk.example.com", "TYPE65280",
         "unk.example.com. 3600 IN TYPE65280 \\# 4 0A000001"),
        ("example.com", "CAA",
         'example.com. 3600 IN CAA 128 iodef "mailto:security@example.com"'),
        ("_sip._tcp.example.com", "SRV",
         "_sip._tcp.example.com. 3600 IN SRV 10 60 5060 sip.example.com."),
        ("example.com", "SOA", "example.com. 3600 IN SOA ns1.example.com. "
         "hostmaster.example.com. 2024010101 7200 900 1209600 300"),
        ("ns2.example.com", "A", "ns2.example.com. 7200 IN A 192.0.2.2"),
        ("80.2.0.192.in-addr.arpa", "PTR",
         "80.2.0.192.in-addr.arpa. 86400 IN PTR web.example.com."),
        ("mIxEd.ExAmPlE.cOm", "A", "mIxEd.ExAmPlE.cOm. 3600 IN A 192.0.2.77"),
    ]
    for name, rtype, line in cases:
        d = Dig(srv, name, rtype)
        got = [" ".join(ln.split()) for ln in d.raw["ANSWER"]]
        ck(line in got, f"{name} {rtype}: dig prints {line!r}",
           f"    got {got}\n{d}")


def check_negative(ck, z, srv):
    """NXDOMAIN, NODATA, empty non-terminals, REFUSED; the zone's SOA in
    authority."""
    soa = z.negative_soa("example.com.")
    for name, rtype, status, title in [
            ("nothere.example.com.", "A", "NXDOMAIN", "NXDOMAIN"),
            ("x.y.nothere.example.com.", "AAAA", "NXDOMAIN", "NXDOMAIN deep"),
            ("www.example.com.", "MX", "NOERROR", "NODATA"),
            ("ns1.example.com.", "TXT", "NOERROR", "NODATA"),
            ("b.example.com.", "A", "NOERROR", "empty non-terminal"),
            ("ent.wild.example.com.", "A", "NOERROR",
             "empty non-terminal blocking a wildcard")]:
        answer_is(ck, Dig(srv, name, rtype), f"{title} {name} {rtype}",
                  status, [], want_ns=soa)
    assert "b.example.com." in z.names and ("b.example.com.", "A") not in \
        z.rrsets, "the zones have changed: b.example.com is no ENT"
    d = Dig(srv, "nothere.example.net", "A")
    answer_is(ck, d, "NXDOMAIN in example.net", "NXDOMAIN", [],
              want_ns=z.negative_soa("example.net."))
    for name in ("www.example.org", "com", "."):
        d = Dig(srv, name, "A")
        ck(d.status == "REFUSED" and "aa" not in d.flags and
           not d.raw["ANSWER"], f"REFUSED for {name} (out of every zone)",
           str(d))


def chain(z, name, rtype):
    """The answer a CNAME chain inside the zones gives: each CNAME RRset
    and the final RRset."""
    out = []
    for _ in range(10):
        if (name, "CNAME") not in z.rrsets:
            return out + z.get(name, rtype)
        out += z.get(name, "CNAME")
        name = z.rdata(name, "CNAME").lower()
    return out


def check_lookups(ck, z, srv):
    """CNAME chain, wildcards, delegation, DNAME."""
    want = chain(z, "c1.example.com.", "A")
    ck([r.split()[3] for r in want].count("CNAME") == 3, "the chain has 3 links",
       show(want, []))
    answer_is(ck, Dig(srv, "c1.example.com", "A"), "CNAME chain c1 A",
              "NOERROR", want)
    answer_is(ck, Dig(srv, "tonet.example.com", "A"), "CNAME into example.net",
              "NOERROR", chain(z, "tonet.example.com.", "A"))
    # wildcards: the owner synthesized from the query name
    for q in ("foo.wild.example.com.", "a.b.c.wild.example.com."):
        for t in ("A", "TXT"):
            answer_is(ck, Dig(srv, q, t), f"wildcard {q} {t}", "NOERROR",
                      z.get("*.wild.example.com.", t, as_owner=q))
    answer_is(ck, Dig(srv, "foo.wild.example.com", "MX"), "wildcard NODATA",
              "NOERROR", [], want_ns=z.negative_soa("example.com."))
    answer_is(ck, Dig(srv, "host.wild.example.com", "A"),
              "an existing name beside the wildcard", "NOERROR",
              z.get("host.wild.example.com.", "A"))
    q = "zz.wc.example.com."
    answer_is(ck, Dig(srv, q, "A"), "wildcard CNAME", "NOERROR",
              z.get("*.wc.example.com.", "CNAME", as_owner=q)
              + z.get("www.example.com.", "A"))
    # delegation: a referral, AA clear, NS in authority, glue in additional
    for q in ("www.sub.example.com", "sub.example.com", "a.b.sub.example.com"):
        d = Dig(srv, q, "A")
        answer_is(ck, d, f"referral for {q}", "NOERROR", [], aa=False,
                  want_ns=z.get("sub.example.com.", "NS"))
        glue = (z.get("ns1.sub.example.com.", "A") +
                z.get("ns2.sub.example.com.", "A") +
                z.get("ns2.sub.example.com.", "AAAA"))
        ck(all(g in d.sec("ADDITIONAL") for g in glue) and len(glue) == 3,
           f"referral for {q}: glue in additional",
           show(glue, d.sec("ADDITIONAL")))
    answer_is(ck, Dig(srv, "x.ext.example.com", "A"),
              "referral out of the zone", "NOERROR", [], aa=False,
              want_ns=z.get("ext.example.com.", "NS"))
    # DNAME: the DNAME, the synthesized CNAME, then the target's data
    q = "www.dname.example.com."
    target = "www." + z.rdata("dname.example.com.", "DNAME").lower()
    cname = canon([f"{q} {z.get('dname.example.com.', 'DNAME')[0].split()[1]}"
                   f" IN CNAME {target}"])
    answer_is(ck, Dig(srv, q, "A"), "DNAME synthesis", "NOERROR",
              z.get("dname.example.com.", "DNAME") + cname +
              z.get(target, "A"))
    long_q = "a" * 60 + ".long.example.com"
    d = Dig(srv, long_q, "A")
    ck(d.status == "YXDOMAIN", "DNAME substitution over 255 octets: YXDOMAIN",
       str(d))


def check_sizes(ck, z, srv):
    """EDNS sizes: big (40 A, ~650 octets), mid (20 AAAA, ~600) and huge
    (7 TXT, ~1600): TC where the answer does not fit, whole where it
    does (over UDP at most 1232 octets, what the OPT advertises, whatever
    the query allows, as NSD); the OPT echoed with EDNS, absent without;
    then +tcp whole."""
    fits = {("big", 512): False, ("big", 1232): True, ("big", 4096): True,
            ("mid", 512): False, ("mid", 1232): True,
            ("huge", 512): False, ("huge", 1232): False, ("huge", 4096): False,
            ("big", None): False, ("huge", None): False}
    for (name, size), fit in fits.items():
        owner = name + ".example.com."
        rtype = {"big": "A", "mid": "AAAA", "huge": "TXT"}[name]
        opts = ["+ignore", "+noedns" if size is None else f"+bufsize={size}"]
        d = Dig(srv, owner, rtype, *opts)
        title = f"{name} {rtype} {'without EDNS' if size is None else f'EDNS {size}'}"
        limit = min(size or 512, 1232)
        ck(d.status == "NOERROR" and "aa" in d.flags and d.via == "UDP",
           f"{title}: NOERROR, AA, over UDP", str(d))
        ck(d.size is not None and d.size <= limit,
           f"{title}: {d.size} octets within {limit}", str(d))
        ck((d.edns is not None) == (size is not None),
           f"{title}: OPT {'present' if size else 'absent'}", str(d))
        if fit:
            ck("tc" not in d.flags and d.sec("ANSWER") == z.get(owner, rtype),
               f"{title}: whole, no TC", str(d))
        else:
            ck("tc" in d.flags, f"{title}: TC set", str(d))
    for name, rtype in (("big", "A"), ("huge", "TXT")):
        owner = name + ".example.com."
        d = Dig(srv, owner, rtype, "+tcp", "+bufsize=512")
        answer_is(ck, d, f"{name} {rtype} +tcp", "NOERROR", z.get(owner, rtype))
        ck(d.via == "TCP" and "tc" not in d.flags,
           f"{name} {rtype} +tcp: over TCP, TC clear", str(d))
    d = Dig(srv, "huge.example.com", "TXT", "+bufsize=512")
    ck("Truncated, retrying in TCP mode" in d.out and d.via == "TCP" and
       d.sec("ANSWER") == z.get("huge.example.com.", "TXT"),
       "dig's own TC then TCP retry gets the whole answer", str(d))


def check_protocol(ck, z, srv):
    """NOTIMP, BADVERS, ANY answered minimally, AXFR refused."""
    d = Dig(srv, "example.com", "SOA", "+opcode=2")
    ck(d.status == "NOTIMP", "opcode STATUS: NOTIMP", str(d))
    d = Dig(srv, "example.com", "SOA", "+edns=1", "+noednsnegotiation")
    ck(d.status == "BADVERS" and d.edns is not None, "EDNS version 1: BADVERS",
       str(d))
    d = Dig(srv, "example.com", "ANY")
    ck(d.status == "NOERROR" and len(d.sec("ANSWER")) >= 1 and
       len({r.split()[3] for r in d.sec("ANSWER")}) == 1 and
       all(r in sum((z.get("example.com.", t) for t in
                     {k[1] for k in z.rrsets if k[0] == "example.com."}), [])
           for r in d.sec("ANSWER")),
       "ANY: one RRset of the name (RFC 8482)", str(d))
    p = subprocess.run(["dig", f"@{srv}", "example.com", "AXFR", "+time=3",
                        "+tries=1"], capture_output=True, text=True, timeout=30)
    ck("Transfer failed" in p.stdout and " SOA " not in p.stdout,
       "AXFR refused", p.stdout)


def check_ipv6(ck, z, addr6):
    """UDP and TCP over IPv6 to the guest's link-local address (retried
    for 15 s while the host's own link-local address is tentative)."""
    if not ck(addr6 != "none", "the guest has an IPv6 address"):
        return
    want = z.get("www.example.com.", "AAAA")
    for opt in ("+notcp", "+tcp"):
        end = time.monotonic() + 15
        while True:
            d = Dig(addr6, "www.example.com", "AAAA", "-6", opt, tries=1)
            if d.status != "no answer" or time.monotonic() > end:
                break
            time.sleep(0.5)
        answer_is(ck, d, f"IPv6 {opt[1:]}", "NOERROR", want)
        ck(d.via == ("TCP" if opt == "+tcp" else "UDP"),
           f"IPv6 {opt[1:]}: over {opt[1:].upper()}", str(d))


def smoke(ck, z, srv):
    """A few queries: an A, the SOA, NXDOMAIN, TC then +tcp."""
    answer_is(ck, Dig(srv, "www.example.com", "A"), "www A", "NOERROR",
              z.get("www.example.com.", "A"))
    answer_is(ck, Dig(srv, "example.com", "SOA"), "SOA", "NOERROR",
              z.get("example.com.", "SOA"))
    answer_is(ck, Dig(srv, "nothere.example.com", "A"), "NXDOMAIN",
              "NXDOMAIN", [], want_ns=z.negative_soa("example.com."))
    d = Dig(srv, "big.example.com", "A", "+ignore", "+bufsize=512")
    ck("tc" in d.flags, "big A at 512: TC", str(d))
    answer_is(ck, Dig(srv, "big.example.com", "A", "+tcp"), "big A +tcp",
              "NOERROR", z.get("big.example.com.", "A"))


# ------------------------------------------------------------ wire level

def name_wire(name):
    """The uncompressed wire form of a dotted name."""
    return b"".join(bytes([len(lb)]) + lb.encode()
                    for lb in name.rstrip(".").split(".") if lb) + b"\0"


def query(qid, name, qtype=1, flags=0, qd=1, an=0, ns=0, ar=0, body=None):
    """A query message; body replaces the question."""
    if body is None:
        body = name_wire(name) + struct.pack(">HH", qtype, 1)
    return struct.pack(">HHHHHH", qid, flags, qd, an, ns, ar) + body


def header(msg):
    """(id, flags, rcode, qdcount, ancount) of a message, or None if it
    is shorter than a header or not a response."""
    if len(msg) < 12:
        return None
    qid, flags, qd, an = struct.unpack(">HHHH", msg[:8])
    if not flags & 0x8000:
        return None
    return qid, flags, flags & 0xF, qd, an


def hostile_packets(rng):
    """[(category, bytes, may answer, rcodes allowed)]: malformed queries
    each with a unique ID (where they have one)."""
    pk = []
    ids = iter(range(1, 60000))

    def add(cat, make, n, answer=True, rcodes=(FORMERR,)):
        for i in range(n):
            pk.append((cat, make(next(ids), i), answer, rcodes))

    tail = struct.pack(">HH", 1, 1)
    add("compression loop", lambda q, i: query(
        q, "", body=[b"\xc0\x0c", b"\x03www\xc0\x0c",
                     b"\x01a\xc0\x0e\x01b\xc0\x0c"][i % 3] + tail), 300)
    add("forward pointer", lambda q, i: query(
        q, "", body=b"\xc0\x12" + tail + b"\x03www\0"), 200)
    add("pointer past the end", lambda q, i: query(
        q, "", body=bytes([0xC0 | (i % 0x3F), 0xFF]) + tail), 200)
    add("label over 63", lambda q, i: query(
        q, "", body=bytes([64 + i % 128]) + b"x" * (64 + i % 128) + b"\0"
        + tail), 200)
    add("name over 255", lambda q, i: query(
        q, "", body=(b"\x3f" + b"a" * 63) * (4 + i % 3) + b"\0" + tail), 200)
    add("counts that lie", lambda q, i: query(
        q, "www.example.com", an=[1, 5, 0, 0][i % 4], ns=[0, 0, 3, 0][i % 4],
        ar=[0, 0, 0, 9][i % 4]), 200)
    add("question cut", lambda q, i: query(q, "www.example.com")[
        :12 + 1 + i % 20], 200)
    add("QDCOUNT 0", lambda q, i: query(q, "", qd=0, body=b""), 150)
    add("QDCOUNT 2", lambda q, i: query(q, "", qd=2, body=(
        name_wire("www.example.com") + tail) * 2), 150)
    add("QR set", lambda q, i: query(q, "www.example.com", flags=0x8000), 200,
        answer=False)
    add("short header", lambda q, i: struct.pack(">H", q)[:min(i % 12, 2)]
        + bytes(max(0, i % 12 - 2)), 120, answer=False)
    add("OPT malformed", lambda q, i: query(
        q, "www.example.com", ar=[1, 2, 1][i % 3])
        + [b"\0\x00\x29\x10\x00\0\0\0\0\x00\x20",       # RDLEN past the end
           b"\0\x00\x29\x10\x00\0\0\0\0\0\0" * 2,        # two OPTs
           b"\x01a\0\x00\x29\x10\x00\0\0\0\0\0\0"][i % 3],  # owner not root
        150)
    add("65 KB datagram", lambda q, i: query(q, "www.example.com")
        + bytes(65000), 5, rcodes=tuple(range(16)))
    add("random bytes", lambda q, i: struct.pack(">H", q) + bytes(
        rng.getrandbits(8) for _ in range(rng.randrange(10, 600))), 1000,
        rcodes=tuple(range(16)))
    return pk


def hostile_udp(ck, addr):
    """The malformed datagrams in batches, each batch's answers collected
    before the next; every answer a well-formed response to a packet
    that may be answered, with an allowed rcode."""
    rng = random.Random(12)
    pk = hostile_packets(rng)
    by_id = {struct.unpack(">H", p[:2])[0]: (c, a, r)
             for c, p, a, r in pk if len(p) >= 2}
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    stats, bad = {}, []
    for c, _, _, _ in pk:
        stats.setdefault(c, {"sent": 0, "FORMERR": 0, "other": 0})
    deadline = time.monotonic() + 120
    for at in range(0, len(pk), 64):
        for c, p, _, _ in pk[at:at + 64]:
            try:
                s.sendto(p, (addr, 53))
                stats[c]["sent"] += 1
            except OSError as e:  # a size the host cannot send
                print(f"client: {c}: {e}")
        gap = 0.15 if at + 64 < len(pk) else 1.0  # the last: all answers
        quiet = time.monotonic() + gap
        while time.monotonic() < min(quiet, deadline):
            s.settimeout(max(0.01, quiet - time.monotonic()))
            try:
                msg = s.recv(65535)
            except socket.timeout:
                break
            quiet = time.monotonic() + gap
            h = header(msg)
            if not h or h[0] not in by_id:
                bad.append(f"not a response to a packet sent: {msg[:32].hex()}")
                continue
            cat, may, rcodes = by_id[h[0]]
            stats[cat]["FORMERR" if h[2] == FORMERR else "other"] += 1
            if not may or h[2] not in rcodes:
                bad.append(f"{cat}: answered with rcode {h[2]}")
    s.close()
    print("client: hostile datagrams: category, sent, FORMERR, other "
          "rcode, no answer")
    total = {"sent": 0, "FORMERR": 0, "other": 0}
    for cat, n in stats.items():
        print(f"client:   {cat:22} {n['sent']:5} {n['FORMERR']:5} "
              f"{n['other']:5} {n['sent'] - n['FORMERR'] - n['other']:5}")
        for k in total:
            total[k] += n[k]
    ck(not bad, f"{total['sent']} malformed datagrams: every answer an "
       "allowed response", "\n".join("    " + b for b in bad[:20]))
    ck(total["FORMERR"] > 0, f"{total['FORMERR']} answered FORMERR (some "
       "reached the server)")


def recv_until_closed(s, timeout):
    """(bytes received, True if the peer closed or reset within
    timeout)."""
    got, end = b"", time.monotonic() + timeout
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return got, False
        except ConnectionError:
            return got, True
        if not chunk:
            return got, True
        got += chunk
    return got, False


def hostile_tcp(ck, addr):
    """Malformed TCP streams: each closed by the server (or, after the
    client's shutdown, ended), the good query before a bad one
    answered."""
    good = query(7, "www.example.com")
    frame = lambda m: struct.pack(">H", len(m)) + m  # noqa: E731
    streams = [
        ("length 0", b"\0\0", False, 0),
        ("length over the limit", b"\xff\xff" + bytes(100), False, 0),
        ("a response", frame(query(8, "www.example.com", flags=0x8000)),
         False, 0),
        ("shorter than a header", frame(good) + frame(b"\1\2\3\4\5"), False, 1),
        ("length past the data, then shutdown", b"\0\x64" + good, True, 0),
        ("garbage then shutdown", bytes(random.Random(3).getrandbits(8)
                                        for _ in range(3000)), True, None),
    ]
    for title, data, shut, answers in streams:
        s = socket.create_connection((addr, 53), timeout=10)
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        got, closed = recv_until_closed(s, 20)
        s.close()
        n, off = 0, 0
        while off + 2 <= len(got):
            off += 2 + struct.unpack(">H", got[off:off + 2])[0]
            n += 1
        ck(closed and (answers is None or n == answers),
           f"TCP {title}: closed by the server, {n} answers",
           f"    closed {closed}, {len(got)} octets")


def read_answers(s, n):
    """Up to n length-framed messages from s (fewer if it closes or
    times out)."""
    buf, got = b"", []
    try:
        while len(got) < n:
            while len(buf) < 2 or len(buf) < 2 + struct.unpack(">H", buf[:2])[0]:
                chunk = s.recv(65536)
                if not chunk:
                    raise ConnectionError("closed")
                buf += chunk
            k = struct.unpack(">H", buf[:2])[0]
            got.append(buf[2:2 + k])
            buf = buf[2 + k:]
    except OSError as e:
        print(f"client: {e} after {len(got)} answers")
    return got


def in_order(msgs, got, rcodes):
    """The answers that are not, in order, responses to msgs with the
    rcodes (a list as long as msgs)."""
    wrong = []
    for i, (m, r) in enumerate(zip(msgs, got)):
        h = header(r)
        if not h or r[:2] != m[:2] or r[12:len(m)] != m[12:] or \
                h[2] != rcodes[i]:
            wrong.append(f"answer {i}: {r[:40].hex()}")
    return wrong


def pipelined(ck, addr):
    """100 queries in one send on one connection: 100 answers in order,
    each to its question with the right rcode (huge TXT, 1600 octets,
    among them). Then 300 queries for huge TXT (480 KB of answers) read
    only after a second, so that the server waits for the client to take
    them; then a query sent an octet at a time."""
    names = [("www.example.com", 1, 0), ("nothere.example.com", 1, 3),
             ("huge.example.com", 16, 0), ("www.example.org", 1, 5),
             ("c1.example.com", 1, 0)]
    msgs = [query(1000 + i, names[i % 5][0], names[i % 5][1])
            for i in range(100)]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)  # a slow reader
    s.settimeout(20)
    s.connect((addr, 53))
    s.sendall(b"".join(struct.pack(">H", len(m)) + m for m in msgs))
    got = read_answers(s, len(msgs))
    wrong = in_order(msgs, got, [names[i % 5][2] for i in range(100)])
    ck(len(got) == 100 and not wrong, f"pipelined: {len(got)} of 100 "
       "answers, in order, each to its question", "\n".join(wrong[:10]))
    msgs = [query(3000 + i, "huge.example.com", 16) for i in range(300)]
    s.sendall(b"".join(struct.pack(">H", len(m)) + m for m in msgs))
    time.sleep(1)
    got = read_answers(s, len(msgs))
    wrong = in_order(msgs, got, [0] * len(msgs))
    ck(len(got) == 300 and not wrong, f"slow reader: {len(got)} of 300 "
       "large answers, in order", "\n".join(wrong[:10]))
    m = query(4000, "www.example.com")
    for octet in struct.pack(">H", len(m)) + m:
        s.send(bytes([octet]))
        time.sleep(0.02)
    got = read_answers(s, 1)
    ck(len(got) == 1 and not in_order([m], got, [0]),
       "a query sent an octet at a time is answered")
    s.close()


def idle_timeout(ck, addr, idle=2.0):
    """A client that sends half a query and stalls, and one that sends
    nothing, are closed after the idle timeout (not before 3/4 of it,
    within 15 s) while a third client's queries, one every 0.2 s, are
    all answered (each within 3 s)."""
    half = socket.create_connection((addr, 53), timeout=10)
    mute = socket.create_connection((addr, 53), timeout=10)
    t0 = time.monotonic()
    half.sendall(b"\0\x28" + query(5, "www.example.com")[:10])
    busy = socket.create_connection((addr, 53), timeout=10)
    closed, lat, lost = {}, [], 0
    sel = selectors.DefaultSelector()
    for name, s in (("half", half), ("mute", mute)):
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, name)
    i = 0
    while len(closed) < 2 and time.monotonic() - t0 < 15:
        for key, _ in sel.select(0.2):
            try:
                data = key.fileobj.recv(100)
            except (BlockingIOError, ConnectionError):
                data = b""
            if not data:
                closed[key.data] = time.monotonic() - t0
                sel.unregister(key.fileobj)
        i += 1
        m = query(2000 + i, "www.example.com")
        t = time.monotonic()
        busy.settimeout(3)
        try:
            busy.sendall(struct.pack(">H", len(m)) + m)
            r = busy.recv(2)
            r = busy.recv(struct.unpack(">H", r)[0], socket.MSG_WAITALL)
            if r[:2] == m[:2]:
                lat.append(time.monotonic() - t)
            else:
                lost += 1
        except (OSError, struct.error):
            lost += 1
    for s in (half, mute, busy):
        s.close()
    closed = {k: round(v, 2) for k, v in closed.items()}
    print(f"client: idle clients closed after {closed} s; busy client: "
          f"{len(lat)} answered, {lost} not, slowest "
          f"{max(lat, default=0):.3f} s")
    for name in ("half", "mute"):
        t = closed.get(name)
        ck(t is not None and idle * 0.75 <= t <= 15,
           f"idle {name} client closed after the timeout ({t} s)")
    ck(lost == 0 and len(lat) >= 5,
       f"busy client answered meanwhile ({len(lat)} answers, none lost)")


def many_clients(ck, addr, n=1000, udp_n=200):
    """n TCP connections at once, each sending a query whenever its last
    was answered, while udp_n UDP queries are asked one after another:
    at least 90% of those answered (within 2 s each), and each TCP client
    answered at least once."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    conns = []
    t0 = time.monotonic()
    try:
        for _ in range(n):
            conns.append(socket.create_connection((addr, 53), timeout=30))
    except OSError as e:
        print(f"client: connect {len(conns) + 1}: {e}")
    ck(len(conns) == n, f"{len(conns)} of {n} TCP connections open "
       f"({time.monotonic() - t0:.1f} s)")
    m = query(3, "www.example.com")
    framed = struct.pack(">H", len(m)) + m
    sel = selectors.DefaultSelector()
    answered = [0] * len(conns)
    bufs = [b""] * len(conns)
    for i, s in enumerate(conns):
        s.setblocking(False)
        s.send(framed)
        sel.register(s, selectors.EVENT_READ, i)
    udp_ok, udp_i, closed = 0, 0, 0
    next_udp = time.monotonic()
    pending = None
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setblocking(False)
    deadline = time.monotonic() + 300
    while (udp_i < udp_n or pending) and time.monotonic() < deadline:
        now = time.monotonic()
        if not pending and udp_i < udp_n:
            q = query(10000 + udp_i, "www.example.com")
            u.sendto(q, (addr, 53))
            pending, udp_i = (q, now + 2), udp_i + 1
        try:
            r = u.recv(1500)
            if pending and r[:2] == pending[0][:2]:
                udp_ok += 1
                pending = None
        except BlockingIOError:
            if pending and now > pending[1]:
                pending = None
        for key, _ in sel.select(0.005):
            i, s = key.data, key.fileobj
            try:
                data = s.recv(65536)
            except (BlockingIOError, ConnectionError):
                data = b"" if not isinstance(sys.exc_info()[1],
                                             BlockingIOError) else None
            if data is None:
                continue
            if not data:
                sel.unregister(s)
                closed += 1
                continue
            bufs[i] += data
            while len(bufs[i]) >= 2 and len(bufs[i]) >= 2 + struct.unpack(
                    ">H", bufs[i][:2])[0]:
                bufs[i] = bufs[i][2 + struct.unpack(">H", bufs[i][:2])[0]:]
                answered[i] += 1
                try:
                    s.send(framed)
                except OSError:
                    pass
    u.close()
    total = sum(answered)
    print(f"client: {udp_ok} of {udp_i} UDP queries answered while {n} TCP "
          f"clients asked {total} queries ({closed} closed), "
          f"{time.monotonic() - t0:.1f} s")
    for s in conns:
        s.close()
    ck(udp_ok >= udp_n * 0.9, f"{udp_ok} of {udp_n} UDP queries answered "
       "while the TCP clients were busy")
    ck(min(answered, default=0) >= 1 and closed == 0,
       f"every TCP client answered (min {min(answered, default=0)}, "
       f"closed {closed})")


def still_answers(ck, z, srv):
    """After abuse: correct answers to a few queries over UDP and TCP."""
    answer_is(ck, Dig(srv, "www.example.com", "A"), "afterwards: www A",
              "NOERROR", z.get("www.example.com.", "A"))
    answer_is(ck, Dig(srv, "c1.example.com", "A", "+tcp"),
              "afterwards: CNAME chain over TCP", "NOERROR",
              chain(z, "c1.example.com.", "A"))
    answer_is(ck, Dig(srv, "nothere.example.com", "A"), "afterwards: NXDOMAIN",
              "NXDOMAIN", [], want_ns=z.negative_soa("example.com."))


def client(case, zones, addr, addr6):
    """One case's checks against the server at addr (and addr6); True if
    all passed."""
    ck, z = Checks(), Zones(zones)
    if case == "records":
        check_rrsets(ck, z, addr)
        check_exact(ck, addr)
        check_negative(ck, z, addr)
        check_lookups(ck, z, addr)
        check_sizes(ck, z, addr)
        check_protocol(ck, z, addr)
        check_ipv6(ck, z, addr6)
    elif case in ("smoke", "initrd"):
        smoke(ck, z, addr)
    elif case == "hostile":
        hostile_udp(ck, addr)
        hostile_tcp(ck, addr)
        still_answers(ck, z, addr)
    elif case == "tcp":
        pipelined(ck, addr)
        idle_timeout(ck, addr)
        still_answers(ck, z, addr)
    elif case == "tcp1000":
        many_clients(ck, addr)
        still_answers(ck, z, addr)
    if case == "initrd":
        d = Dig(addr, "www.example.com", "A")
        ck([" ".join(r.split()) for r in d.raw["ANSWER"]] ==
           ["www.example.com. 3600 IN A 192.0.2.180"],
           "www A is the initrd's changed address", str(d))
        answer_is(ck, Dig(addr, "initrd.example.com", "TXT"),
                  "a record only the initrd's zone has", "NOERROR",
                  z.get("initrd.example.com.", "TXT"))
    return ck.ok()


# --------------------------------------------------------------- driver

def boot(ns, build, machine, args, initrd=None, want6=False, wait=90):
    """Start the dns image in ns until it listens (guestnet.boot)."""
    return guestnet.boot(ns, os.path.join(build, "examples/dns/dns.elf"),
                         machine, args, r"^dns: .*listening", initrd, want6,
                         wait)


def make_initrd(build, zones, tmp, damage=None):
    """A directory for --initrd holding etc/dns/zones.db compiled from a
    copy of zones with www's address changed and a TXT record added;
    damage(path) may then spoil the database."""
    zdir = os.path.join(tmp, "zones")
    shutil.copytree(zones, zdir)
    path = os.path.join(zdir, "example.com.zone")
    text = open(path).read()
    changed = re.sub(r"^www(\s+)A\s+192\.0\.2\.80", r"www\1A\t192.0.2.180",
                     text, flags=re.M)
    if changed == text:
        raise RuntimeError("example.com.zone has no www A 192.0.2.80 to change")
    open(path, "w").write(changed + 'initrd\tTXT\t"changed without a rebuild"\n')
    root = os.path.join(tmp, "root")
    os.makedirs(os.path.join(root, "etc", "dns"))
    db = os.path.join(root, "etc", "dns", "zones.db")
    subprocess.run([os.path.join(build, "tools", "dnszonec"), "-o", db, zdir],
                   check=True)
    if damage:
        damage(db)
    return root, zdir


def flip_byte(path):
    """One byte in the middle of the file inverted."""
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xFF
    open(path, "wb").write(bytes(data))


def cut_half(path):
    """The file cut to half its size."""
    data = open(path, "rb").read()
    open(path, "wb").write(data[:len(data) // 2])


def corrupt(build, machine, zones):
    """Boot with each damaged database: status 121 and the reason."""
    ok = True
    for damage, reason in ((flip_byte, "damaged (CRC mismatch)"),
                           (cut_half, "truncated or padded (size differs)")):
        tmp = tempfile.mkdtemp(prefix="dnstest")
        try:
            root, _ = make_initrd(build, zones, tmp, damage)
            p = subprocess.run([RUN, "-q", os.path.join(
                build, "examples/dns/dns.elf"), "-M", machine, "--timeout",
                "60", "--initrd", root], capture_output=True, text=True,
                timeout=120)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        out = p.stdout + p.stderr
        want = f"dns: /etc/dns/zones.db: {reason}"
        good = p.returncode == 121 and want in out and "listening" not in out
        print(out)
        print(f"dnstest: {damage.__name__}: status {p.returncode}, "
              f"{'message' if want in out else 'NO message'} {want!r}: "
              f"{'ok' if good else 'FAIL'}")
        ok &= good
    return ok


def run(build, machine, case, zones):
    """Boot, run the client case in the namespace, check the guest is
    still serving; (ok, guest output)."""
    if case == "initrd_corrupt":
        return corrupt(build, machine, zones), ""
    args, want6 = CASES.get(case, ([], False))
    tmp = tempfile.mkdtemp(prefix="dnstest")
    out = []
    try:
        initrd = None
        if case == "initrd":
            initrd, zones = make_initrd(build, zones, tmp)
        with netns.Netns() as ns:
            t0 = time.monotonic()
            p, out, addr6 = boot(ns, build, machine, args, initrd, want6)
            print(f"dnstest: serving after {time.monotonic() - t0:.1f} s")
            c = ns.run("python3", os.path.abspath(__file__), "--client", case,
                       zones, netns.GUEST_IP, addr6 or "none", check=False)
            print(c.stdout)
            ok = c.returncode == 0
            alive = p.poll() is None
            if not alive:
                time.sleep(1)  # the reader takes the last lines
                print(f"dnstest: the guest ended, status {p.returncode}")
            ok &= alive
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text = "".join(out)
    bad = guestnet.guest_faults(text)
    if bad:
        print("dnstest: the guest reported:\n" + "\n".join(bad))
        ok = False
    return ok, text


def main():
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build")
    ap.add_argument("--machine", default="q35")
    ap.add_argument("--zones", default=ZONES)
    ap.add_argument("--client", nargs=4,
                    metavar=("CASE", "ZONES", "ADDR4", "ADDR6"))
    ap.add_argument("case", nargs="?", choices=list(CASES) +
                    ["initrd", "initrd_corrupt"])
    a = ap.parse_args()
    if a.client:
        return 0 if client(*a.client) else 1
    if not a.case or not a.build:
        ap.error("--build and a case are needed")
    ok, out = run(a.build, a.machine, a.case, a.zones)
    print(out)
    print(f"dnstest: {a.case} on {a.machine}: {'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
