#!/usr/bin/python3
"""Write the seed corpus of fuzz_dns_query (test/fuzz/corpus_dns/*.bin):
queries as dig sends them (RD and AD set, an EDNS0 OPT RR of 1232 octets
with a DNS cookie option; +norec; +noedns; +dnssec with DO; EDNS version
1), queries for several types and for the root, a question whose name
uses mixed case, an additional RR owned by a compressed name, a NOTIFY
(opcode 4), and hostile ones (a compression loop, a forward pointer, a
label of 64 octets, QDCOUNT 2, two OPT RRs, a truncated OPT RR, a bad
option length), so that the parser's every exit is reached from the
start.

Usage: make_dns_seeds.py [DIR]   (default: corpus_dns/ next to this
script)
"""
import os
import struct
import sys

RD, AD, CD = 0x0100, 0x0020, 0x0010
A, NS, SOA, MX, TXT, AAAA, SRV, OPT, ANY, CAA = 1, 2, 6, 15, 16, 28, 33, \
    41, 255, 257


def name(dotted):
    out = b""
    for label in dotted.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(qid, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack(">HHHHHH", qid, flags, qd, an, ns, ar)


def question(qname, qtype, qclass=1):
    return name(qname) + struct.pack(">HH", qtype, qclass)


def opt(size=1232, version=0, do=False, options=b""):
    return b"\0" + struct.pack(">HHBBHH", OPT, size, 0, version,
                               0x8000 if do else 0, len(options)) + options


COOKIE = struct.pack(">HH", 10, 8) + bytes(range(1, 9))


def seeds():
    q = question
    yield "dig_a", header(0x1a2b, RD | AD, ar=1) + q("www.example.com", A) \
        + opt(options=COOKIE)
    yield "dig_norec_aaaa", header(2, AD, ar=1) + q("example.com", AAAA) \
        + opt(options=COOKIE)
    yield "noedns_mx", header(3, RD) + q("example.com", MX)
    yield "dnssec_soa", header(4, RD | AD, ar=1) + q("example.com", SOA) \
        + opt(do=True, options=COOKIE)
    yield "badvers", header(5, RD, ar=1) + q("example.com", A) \
        + opt(version=1)
    yield "root_ns", header(6, 0, ar=1) + q(".", NS) + opt(size=4096)
    yield "mixed_case_srv", header(7, RD | CD) \
        + q("_SIP._udp.ExAmPlE.CoM", SRV)
    yield "any_txt_caa", header(8, RD) + q("a.b.c.example.org", ANY)
    # An additional TXT RR owned by "x" + a pointer to the question.
    yield "compressed_additional", header(9, RD, ar=1) \
        + q("example.com", CAA) + b"\1x\xc0\x0c" \
        + struct.pack(">HHIH", TXT, 1, 0, 1) + b"\0"
    yield "notify", header(10, 4 << 11) + q("example.com", SOA)
    yield "loop", header(11, RD) + b"\xc0\x0c" + struct.pack(">HH", A, 1)
    yield "forward_pointer", header(12, RD, ar=1) + b"\1a\xc0\x19" \
        + struct.pack(">HH", A, 1) + opt()
    yield "label_64", header(13, RD) + b"\x40" + b"a" * 64 + b"\0" \
        + struct.pack(">HH", A, 1)
    yield "qdcount_2", header(14, RD, qd=2) + q("a.example", A) \
        + q("b.example", A)
    yield "two_opt", header(15, RD, ar=2) + q("a.example", A) + opt() \
        + opt()
    yield "truncated_opt", (header(16, RD, ar=1) + q("a.example", A)
                            + opt(options=COOKIE))[:-5]
    yield "bad_option_length", header(17, RD, ar=1) + q("a.example", A) \
        + opt(options=struct.pack(">HH", 10, 9) + bytes(8))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus_dns")
    os.makedirs(out, exist_ok=True)
    for label, data in seeds():
        with open(os.path.join(out, label + ".bin"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
