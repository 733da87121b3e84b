#!/usr/bin/python3
"""Write the seed corpus of fuzz_dns_answer (test/fuzz/corpus_dns_answer/
*.bin): queries over the sample zones of examples/dns/zones, so that
every path of dns_answer() is reached from the start: every owner with
every type it has; names under wildcards, at and under empty
non-terminals, under delegations (referrals, glue, DS at the cut), under
DNAMEs (one whose synthesis overflows 255 octets), CNAME chains and
loops, NXDOMAIN, NODATA, REFUSED (outside every zone, AXFR, IXFR, class
CH), class ANY, ANY, mixed case; the large RRsets without EDNS and with
EDNS sizes below 512, 512, 1232, 4096 and 65535, version 1, DO, a
cookie; and malformed queries (QDCOUNT 0 and 2, an answer RR, trailing
octets, two OPT RRs, an OPT not owned by the root, truncation, a
compression loop, a forward pointer, a label of 64 octets, a name over
255 octets, QR set, a short header, opcodes NOTIFY and 15).

The owners below follow examples/dns/zones; update them with the zones.

Usage: make_dns_answer_seeds.py [DIR]   (default: corpus_dns_answer/ next
to this script; its old *.bin files are removed first)
"""
import glob
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_dns_seeds import header, name  # noqa: E402

RD, AD, CD = 0x0100, 0x0020, 0x0010
TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15,
         "TXT": 16, "AAAA": 28, "SRV": 33, "DNAME": 39, "OPT": 41, "DS": 43,
         "IXFR": 251, "AXFR": 252, "ANY": 255, "CAA": 257,
         "TYPE65280": 65280}
IN, CH, CLASS_ANY = 1, 3, 255

# Every owner of the sample zones with the types it has.
ZONES = {
    "example.com": {
        "@": "SOA NS MX TXT CAA", "ns1": "A AAAA", "ns2": "A AAAA",
        "mail": "A AAAA", "www": "A AAAA", "MiXeD": "A", "txt": "TXT",
        "_sip._tcp": "SRV", "sip": "A AAAA", "sip2": "A",
        "unk": "TYPE65280 A", "c1": "CNAME", "c2": "CNAME", "c3": "CNAME",
        "out": "CNAME", "tonet": "CNAME", "dangling": "CNAME",
        "loop1": "CNAME", "loop2": "CNAME", "dname": "DNAME TXT",
        "long": "DNAME", "a.b": "A TXT", "*.wild": "A TXT",
        "host.wild": "A", "x.ent.wild": "A", "*.wc": "CNAME",
        "sub": "NS", "ns1.sub": "A", "ns2.sub": "A AAAA", "ext": "NS",
        "side": "NS", "big": "A", "huge": "TXT", "mid": "AAAA",
        "included": "A TXT", "inc2": "A",
    },
    "example.net": {
        "@": "SOA NS", "ns1": "A", "www": "A AAAA", "mail2": "A",
        "ftp": "CNAME", "a.deep": "TXT",
    },
    "2.0.192.in-addr.arpa": {
        "@": "SOA NS", "1": "PTR", "2": "PTR", "25": "PTR", "80": "PTR",
    },
    "8.b.d.0.1.0.0.2.ip6.arpa": {
        "@": "SOA NS",
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0": "PTR",
        "0.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0": "PTR",
    },
}



def question(qname, qtype, qclass=IN):
    if isinstance(qtype, str):
        qtype = TYPES[qtype]
    return name(qname) + struct.pack(">HH", qtype, qclass)


def opt(size=1232, version=0, do=False, options=b"", owner=b"\0"):
    return owner + struct.pack(">HHBBHH", TYPES["OPT"], size, 0, version,
                               0x8000 if do else 0, len(options)) + options


def query(qid, qname, qtype, edns=1232, flags=RD, qclass=IN, **kw):
    """A query as a stub sends it; edns None for none."""
    if edns is None:
        return header(qid, flags) + question(qname, qtype, qclass)
    return header(qid, flags, ar=1) + question(qname, qtype, qclass) \
        + opt(edns, **kw)


COOKIE = struct.pack(">HH", 10, 8) + bytes(range(1, 9))
LONG = ".".join(["x" * 60] * 3)  # under long.example.com: over 255 octets


def every_owner():
    """One query per owner and type, alternately with and without EDNS."""
    n = 0
    for zone, owners in ZONES.items():
        for owner, types in owners.items():
            fqdn = zone if owner == "@" else owner + "." + zone
            for t in types.split():
                n += 1
                label = (fqdn + "_" + t).replace("*", "star")
                yield label, query(n, fqdn, t,
                                   edns=None if n % 2 else 1232)


def lookups():
    """Names that exist only by synthesis, or not at all."""
    e = "example.com"
    cases = [
        ("wild_match", "foo.wild." + e, "A"),
        ("wild_nodata", "foo.wild." + e, "MX"),
        ("wild_deeper", "a.b.c.wild." + e, "TXT"),
        ("wild_blocked_by_ent", "y.ent.wild." + e, "A"),
        ("wild_ent", "ent.wild." + e, "A"),
        ("wild_literal_star", "*.wild." + e, "ANY"),
        ("wild_cname", "foo.wc." + e, "A"),
        ("ent_nodata", "b." + e, "A"),
        ("under_existing_host", "x.host.wild." + e, "A"),
        ("referral", "www.sub." + e, "A"),
        ("referral_at_cut", "sub." + e, "A"),
        ("ds_at_cut", "sub." + e, "DS"),
        ("ds_apex", e, "DS"),
        ("ds_apex_net", "example.net", "DS"),
        ("ds_under_cut", "x.sub." + e, "DS"),
        ("referral_long_qname", ".".join(["r" * 61] * 3) + ".sub." + e,
         "A"),
        ("glue_query", "ns1.sub." + e, "A"),
        ("referral_ext", "a.ext." + e, "AAAA"),
        ("referral_side", "deep.x.side." + e, "MX"),
        ("dname_synth", "www.dname." + e, "A"),
        ("dname_synth_deep", "a.deep.dname." + e, "TXT"),
        ("dname_synth_nx", "nothere.dname." + e, "A"),
        ("dname_yxdomain", LONG + ".long." + e, "A"),
        ("cname_chain_aaaa", "c1." + e, "AAAA"),
        ("cname_loop_a", "loop1." + e, "A"),
        ("cname_cross_zone", "tonet." + e, "AAAA"),
        ("cname_out", "out." + e, "A"),
        ("nxdomain", "nothere." + e, "A"),
        ("nxdomain_deep", "a.b.nothere." + e, "TXT"),
        ("nodata", "www." + e, "MX"),
        ("refused_org", "www.example.org", "A"),
        ("refused_root", ".", "NS"),
        ("refused_tld", "com", "SOA"),
        ("any_apex", e, "ANY"),
        ("any_big", "big." + e, "ANY"),
        ("axfr", e, "AXFR"),
        ("ixfr", e, "IXFR"),
        ("mixed_case", "WwW.ExAmPlE.CoM", "A"),
        ("mixed_case_owner", "mixed.EXAMPLE.com", "A"),
        ("mixed_case_wild", "FoO.WiLd.example.COM", "TXT"),
        ("mixed_case_dname", "WWW.DNAME.example.com", "AAAA"),
        ("srv_additional", "_SIP._TCP." + e, "SRV"),
        ("mx_additional", e, "MX"),
        ("ns_additional_net", "example.net", "NS"),
        ("ptr_v6_nx", "f.f.8.b.d.0.1.0.0.2.ip6.arpa", "PTR"),
        ("type0", "www." + e, 0),
        ("type_opt", "www." + e, "OPT"),
    ]
    for i, (label, qname, qtype) in enumerate(cases):
        yield label, query(0x100 + i, qname, qtype)
    yield "class_ch", query(0x180, "version.bind", "TXT", qclass=CH)
    yield "class_any", query(0x181, "www." + e, "A", qclass=CLASS_ANY)
    yield "class_ch_zone", query(0x182, "www." + e, "A", qclass=CH)


def edns_variants():
    """The large RRsets at every size a client may advertise."""
    e = "example.com"
    for owner, t in (("big", "A"), ("huge", "TXT"), ("mid", "AAAA"),
                     ("sub", "NS")):
        for size in (None, 100, 512, 1232, 4096, 65535):
            yield "%s_%s_edns%s" % (owner, t, size), \
                query(0x200, owner + "." + e, t, edns=size)
    yield "edns_v1", query(0x210, e, "SOA", version=1)
    yield "edns_do", query(0x211, e, "SOA", do=True)
    yield "edns_cookie", query(0x212, "www." + e, "A", options=COOKIE)
    yield "edns_zero_size", query(0x213, "huge." + e, "TXT", edns=0)
    yield "edns_v1_nx", query(0x214, "nothere." + e, "A", version=1)
    yield "flags_all", query(0x215, "www." + e, "A",
                             flags=RD | AD | CD | 0x0400 | 0x0200 | 0x0080)
    yield "edns_tsig_after", header(0x216, RD, ar=2) \
        + question("www." + e, "A") + opt() + name("key") \
        + struct.pack(">HHIH", 250, 255, 0, 2) + b"\0\0"


def malformed():
    e = "example.com"
    q = question("www." + e, "A")
    yield "qdcount_0", header(0x300, RD, qd=0)
    yield "qdcount_0_opt", header(0x301, RD, qd=0, ar=1) + opt()
    yield "qdcount_2", header(0x302, RD, qd=2) + q + q
    yield "an_1", header(0x303, RD, an=1) + q + b"\xc0\x0c" \
        + struct.pack(">HHIH", 1, 1, 0, 4) + bytes(4)
    yield "trailing", header(0x304, RD) + q + b"\0"
    yield "two_opt", header(0x305, RD, ar=2) + q + opt() + opt()
    yield "opt_not_root", header(0x306, RD, ar=1) + q \
        + opt(owner=b"\xc0\x0c")
    yield "opt_bad_option", header(0x307, RD, ar=1) + q \
        + opt(options=struct.pack(">HH", 10, 9) + bytes(8))
    yield "truncated_question", (header(0x308, RD) + q)[:-3]
    yield "truncated_opt", (header(0x309, RD, ar=1) + q + opt())[:-4]
    yield "loop", header(0x30a, RD) + b"\xc0\x0c" \
        + struct.pack(">HH", 1, 1)
    # The question's name goes on at offset 20, after it: forward.
    yield "forward_pointer", header(0x30b, RD) + b"\1a\xc0\x14" \
        + struct.pack(">HH", 1, 1) + b"\1b\0"
    yield "label_64", header(0x30c, RD) + b"\x40" + b"a" * 64 \
        + b"\0" + struct.pack(">HH", 1, 1)
    yield "name_over_255", header(0x30d, RD) \
        + (b"\x3f" + b"a" * 63) * 4 + b"\0" + struct.pack(">HH", 1, 1)
    yield "qr_set", header(0x30e, 0x8000 | RD) + q
    yield "short_header", header(0x30f, RD)[:11]
    yield "header_only", header(0x310, RD, qd=0)
    yield "notify", header(0x311, 4 << 11) + question(e, "SOA")
    yield "opcode_15_opt", header(0x312, 15 << 11, ar=1) + q + opt()
    yield "notimp_qd2", header(0x313, 2 << 11, qd=2) + q + q


def seeds():
    yield from every_owner()
    yield from lookups()
    yield from edns_variants()
    yield from malformed()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus_dns_answer")
    os.makedirs(out, exist_ok=True)
    for old in glob.glob(os.path.join(out, "*.bin")):
        os.remove(old)
    labels = set()
    for label, data in seeds():
        assert label not in labels, label
        labels.add(label)
        with open(os.path.join(out, label + ".bin"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
