#!/usr/bin/python3
"""Hostile traffic below the application: the echo example runs in libos
(static address, q35 or --machine) on a tap in a network namespace this script
creates (tools/netns.py); from inside the namespace, raw frames sent with
an AF_PACKET socket on tap0 make a bounded barrage:

    syn-flood      20000 SYNs to port 7 from random addresses and ports
    fragments      overlapping IPv4 fragments, fragments never completed,
                   reassemblies past 64 KiB; the same for IPv6
    ip-options     IPv4 options with bad lengths (and IHL past the data),
                   IPv6 hop-by-hop options with bad lengths
    tcp-options    TCP options with bad lengths, in SYNs and in segments
                   of an established connection's 4-tuple
    truncated      frames shorter than their headers say
    oversized      frames up to the tap's largest (its MTU raised)
    arp-flood      20000 ARP requests from random addresses
    nd-flood       20000 IPv6 neighbour solicitations from random sources
    ptb-mtu-N      ICMPv6 Packet Too Big for the path to the host with
                   MTU 0, 50, 1279 and 9000 (none may change it)
    redirects      ICMPv6 Redirects of the host's address from sources
                   that are not its first hop, to bad targets
    ra-mtu         Router Advertisements with MTU options 0 to 65535
    never-reading  250 connections with 2 KiB receive buffers send until
                   they stall and never read, while a new client's echo
                   is timed against the idle guest's
    out-of-order   100 connections each sent 64 KiB beyond a hole
    mss-injection  one spoofed segment with an MSS option of 1 on an
                   established connection must not slow its echo down

Two echo connections (IPv4 and IPv6 link-local) opened before the barrage
must still echo after each part, and new IPv4 and IPv6 connections must
echo within 10 s of it (right after the SYN flood, the flood's half-open
connections are evicted for them); after each ICMPv6 part pings of 100
and 3000 bytes over IPv6 and IPv4 and a new IPv6 stream must work too;
and after all of it a new connection, a 1 MiB stream and
a UDP datagram, and the guest must still run. The fragments include IPv6
packets that reassemble into another Fragment header.

--nic-opt NAME=VALUE (repeatable) passes a property to the guest's
virtio-net device (tools/run --nic-opt): offloads turned off
(csum=off, guest_tso4=off, ...), or disable-modern=on for legacy
virtio-pci on pc; QEMU's tap offers every offload otherwise.

    hostile.py --build BUILD [--machine M] [--nic-opt NAME=VALUE ...]
               [--seed N]
    hostile.py --inside GUEST_LL [--seed N]    (inside the namespace)
"""
import argparse
import ipaddress
import os
import random
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
from nettest import Lines  # noqa: E402
from echotest import connect, guest_link_local, tcp_stream  # noqa: E402
from vmtest import qmp  # noqa: E402

RUN = os.path.join(ROOT, "tools", "run")
PORT = 7
RATE = 5000          # frames per second, for every part
TAP_MAX_MTU = 65521  # the largest MTU Linux gives a tap (65535 less 14)
rng = random.Random()


# ---- frames

def csum(data):
    """The Internet checksum of data."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def mac(text):
    return bytes.fromhex(text.replace(":", ""))


def rand_mac():
    """A random locally administered unicast MAC."""
    return bytes([rng.randrange(256) & 0xfc | 0x02]) + rng.randbytes(5)


def eth(dst, src, etype, payload):
    return dst + src + struct.pack("!H", etype) + payload


def ip4(src, dst, proto, payload, ident=None, frag=0, options=b"",
        ihl=None, total=None, ttl=64):
    """An IPv4 packet; ihl and total override the true header length
    (in words) and total length; frag is flags and offset."""
    ihl = ihl if ihl is not None else 5 + len(options) // 4
    total = total if total is not None else 20 + len(options) + len(payload)
    ident = ident if ident is not None else rng.randrange(65536)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | (ihl & 15), 0, total & 0xffff,
                      ident, frag, ttl, proto, 0, src, dst) + options
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def pseudo4(src, dst, proto, length):
    return src + dst + struct.pack("!BBH", 0, proto, length & 0xffff)


def pseudo6(src, dst, proto, length):
    return src + dst + struct.pack("!I3xB", length, proto)


def tcp(pseudo, sport, dport, seq, ack, flags, options=b"", payload=b"",
        doff=None, wnd=65535):
    """A TCP segment, checksummed with pseudo(length); doff overrides the
    data offset (in words)."""
    doff = doff if doff is not None else 5 + (len(options) + 3) // 4
    options += b"\0" * (-len(options) % 4)
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (doff & 15) << 4,
                      flags, wnd, 0, 0) + options + payload
    c = csum(pseudo(len(seg)) + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(pseudo, sport, dport, payload, length=None):
    length = length if length is not None else 8 + len(payload)
    seg = struct.pack("!HHHH", sport, dport, length & 0xffff, 0) + payload
    c = csum(pseudo(8 + len(payload)) + seg) or 0xffff
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def icmp_echo(payload, ident=None):
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident or rng.randrange(65536), 1)
    return hdr[:2] + struct.pack("!H", csum(hdr + payload)) + hdr[4:] + payload


def ip6(src, dst, nh, payload, hlim=64, plen=None):
    plen = plen if plen is not None else len(payload)
    return struct.pack("!IHBB16s16s", 6 << 28, plen & 0xffff, nh, hlim,
                       src, dst) + payload


def icmp6(src, dst, mtype, code, body):
    msg = struct.pack("!BBH", mtype, code, 0) + body
    c = csum(pseudo6(src, dst, 58, len(msg)) + msg)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, spa, tha,
                       tpa)


def rand_ip4_onlink():
    """A random 10.0.0.x other than the host's and the guest's."""
    return bytes([10, 0, 0, rng.randrange(3, 255)])


def rand_ip4_any():
    """A random public-looking unicast address."""
    while True:
        a = bytes([rng.randrange(1, 224)]) + rng.randbytes(3)
        if a[0] not in (10, 127):
            return a


# ---- the parts of the barrage; each yields frames

class Env:
    """What the parts need: addresses and the established connections'
    4-tuples."""

    def __init__(self, guest_mac, host_mac, guest_ll, host_ll, old4_port):
        self.gmac, self.hmac = guest_mac, host_mac
        self.gip = socket.inet_aton(netns.GUEST_IP)
        self.hip = socket.inet_aton(netns.HOST_IP)
        self.gll = socket.inet_pton(socket.AF_INET6, guest_ll)
        self.hll = socket.inet_pton(socket.AF_INET6, host_ll)
        self.old4_port = old4_port

    def to_guest4(self, src_ip, proto, payload, src_mac=None, **kw):
        """An Ethernet frame with an IPv4 packet for the guest."""
        return eth(self.gmac, src_mac or self.hmac, 0x0800,
                   ip4(src_ip, self.gip, proto, payload, **kw))

    def to_guest6(self, src_ip, nh, payload, src_mac=None, **kw):
        return eth(self.gmac, src_mac or self.hmac, 0x86dd,
                   ip6(src_ip, self.gll, nh, payload, **kw))


def syn_opts():
    """The options a real SYN carries: MSS, SACK permitted, window scale."""
    return struct.pack("!BBHBBBBBB", 2, 4, 1460, 4, 2, 1, 3, 3, 7)


def syn_flood(env, n=20000):
    """SYNs to the echo port from random addresses (half on the link,
    which the guest must resolve to answer) and random ports."""
    for i in range(n):
        src = rand_ip4_onlink() if i % 2 else rand_ip4_any()
        seg = tcp(lambda l, s=src: pseudo4(s, env.gip, 6, l),
                  rng.randrange(1024, 65536), PORT, rng.randrange(1 << 32), 0,
                  0x02, syn_opts())
        yield env.to_guest4(src, 6, seg, src_mac=rand_mac())


def udp_to_guest(env, payload, sport=None):
    """A UDP datagram from the host for the echo port (unsent)."""
    return udp(lambda l: pseudo4(env.hip, env.gip, 17, l),
               sport or rng.randrange(20000, 60000), PORT, payload)


def fragment(env, data, pieces, ident):
    """Frames carrying (offset, length, more) pieces of IPv4 payload data
    (offsets in bytes, multiples of 8)."""
    for off, length, more in pieces:
        yield env.to_guest4(env.hip, 17, data[off:off + length], ident=ident,
                            frag=(0x2000 if more else 0) | off // 8)


def overlapping(env, n=500):
    """Datagrams whose fragments overlap: a middle piece over both
    neighbours, a duplicate, one inside another."""
    data = udp_to_guest(env, rng.randbytes(3992))
    shapes = [[(0, 1480, 1), (1000, 1480, 1), (2480, 1480, 1), (3960, 40, 0)],
              [(0, 1480, 1), (0, 1480, 1), (1480, 1480, 1), (2960, 1040, 0)],
              [(0, 1480, 1), (504, 800, 1), (1480, 1480, 1), (2960, 1040, 0)],
              [(2960, 1040, 0), (1480, 1480, 1), (1400, 1480, 1), (0, 1480, 1)]]
    for i in range(n):
        yield from fragment(env, data, shapes[i % len(shapes)],
                            rng.randrange(65536))


def incomplete(env, n=3000):
    """First or middle fragments of datagrams that never complete, from
    random sources."""
    for i in range(n):
        src = rand_ip4_any()
        off = 0 if i % 2 else 8 * rng.randrange(1, 1000)
        yield env.to_guest4(src, 17, rng.randbytes(1480), frag=0x2000 | off // 8,
                            src_mac=rand_mac())


def past_64k(env, n=20):
    """Complete sets of fragments whose reassembly passes 65535 bytes
    (the "ping of death"), and lone last fragments past it."""
    data = udp_to_guest(env, rng.randbytes(66600 - 8))
    pieces = [(off, 1480, off + 1480 < 66600) for off in range(0, 66600, 1480)]
    for _ in range(n):
        yield from fragment(env, data, pieces, rng.randrange(65536))
    for _ in range(10 * n):
        yield env.to_guest4(env.hip, 17, rng.randbytes(1000),
                            frag=65528 // 8)


def frag6(env, nh, data, off, more, ident):
    hdr = struct.pack("!BBHI", nh, 0, off | more, ident)
    return env.to_guest6(env.hll, 44, hdr + data)


def fragments6(env, n=500):
    """IPv6: fragments that never complete, overlapping ones, and last
    fragments past 64 KiB."""
    for i in range(n):
        ident = rng.randrange(1 << 32)
        if i % 3 == 0:
            yield frag6(env, 17, rng.randbytes(1232), 0, 1, ident)
        elif i % 3 == 1:
            yield frag6(env, 17, rng.randbytes(1232), 0, 1, ident)
            yield frag6(env, 17, rng.randbytes(1232), 616, 1, ident)
            yield frag6(env, 17, rng.randbytes(64), 1232, 0, ident)
        else:
            yield frag6(env, 17, rng.randbytes(1232), 0, 1, ident)
            yield frag6(env, 17, rng.randbytes(1000), 65528, 0, ident)


def nested6(env, n=100):
    """IPv6 packets reassembled from two fragments whose payload starts
    with another Fragment header (lwIP 2.1.3 asserted on this: a panic;
    see net/lwip-patches/ip6-reassembled-header.patch)."""
    for _ in range(n):
        inner = struct.pack("!BBHI", 17, 0, 1, rng.randrange(1 << 32))
        data = inner + rng.randbytes(64)
        ident = rng.randrange(1 << 32)
        yield frag6(env, 44, data[:16], 0, 1, ident)
        yield frag6(env, 44, data[16:], 16, 0, ident)


def fragments(env):
    yield from overlapping(env)
    yield from incomplete(env)
    yield from past_64k(env)
    yield from fragments6(env)
    yield from nested6(env)


BAD_IP_OPTIONS = [
    b"\x44\x00\x00\x00",                  # timestamp, length 0
    b"\x07\x01\x00\x00",                  # record route, length 1
    b"\x83\xff\x04\x00",                  # loose source route, length 255
    b"\x94\x00\x00\x00",                  # router alert, length 0
    b"\x01\x01\x01\x44",                  # NOPs, then a type with no length
    b"\x89\x27" + b"\0" * 38,             # strict route, length past IHL
    bytes(range(0x80, 0x80 + 40)),        # 40 bytes of junk options
    b"\x07\x03\x02\x00",                  # record route, pointer before data
]


def ip_options(env, n=2000):
    """ICMP echoes, UDP datagrams and SYNs with bad IPv4 options; IHLs
    that claim more than the packet holds, or less than 5; IPv6 hop-by-hop
    and destination options with bad lengths."""
    for i in range(n):
        opts = BAD_IP_OPTIONS[i % len(BAD_IP_OPTIONS)]
        kind = i // len(BAD_IP_OPTIONS) % 3
        if kind == 0:
            body, proto = icmp_echo(rng.randbytes(32)), 1
        elif kind == 1:
            body, proto = udp_to_guest(env, b"options\n"), 17
        else:
            body, proto = tcp(lambda l: pseudo4(env.hip, env.gip, 6, l),
                              rng.randrange(20000, 60000), PORT,
                              rng.randrange(1 << 32), 0, 0x02), 6
        yield env.to_guest4(env.hip, proto, body, options=opts)
    for ihl in (0, 1, 4, 15):
        for _ in range(50):
            yield env.to_guest4(env.hip, 1, icmp_echo(b"ihl"), ihl=ihl)
    yield from ip6_options(env)


BAD_IP6_OPTIONS = [
    b"\x01\xc8" + b"\0" * 4,        # PadN, length 200 (past the header)
    b"\x05\x00\x00\x00\x01\x04",    # router alert, length 0
    b"\xc2\x04\x00\x01\x00\x00",    # jumbo payload, length 4, too small
    b"\x80\x00\x00\x00\x00\x00",    # unknown, "discard + ICMP" action
    b"\x00\x00\x00\x00\x00\x3f",    # Pad1s, then a type in the last byte
]


def ip6_options(env, n=500):
    for i in range(n):
        opts = BAD_IP6_OPTIONS[i % len(BAD_IP6_OPTIONS)]
        body = icmp6(env.hll, env.gll, 128, 0, struct.pack("!HH", 1, i))
        ext = bytes([58, 0]) + opts  # next header ICMPv6, 8 bytes
        nh = 0 if i % 2 else 60      # hop-by-hop or destination options
        yield env.to_guest6(env.hll, nh, ext + body)


BAD_TCP_OPTIONS = [
    b"\x02\x00",                        # MSS, length 0
    b"\x02\x01\x05",                    # MSS, length 1
    b"\x02\x03\x05\xb4",                # MSS, length 3
    b"\x02\xff\x05\xb4",                # MSS, length 255
    b"\x02\x04\x00\x00",                # MSS 0
    b"\x03\x00\x07",                    # window scale, length 0
    b"\x03\x02\x07",                    # window scale, length 2
    b"\x03\x0a\x0e",                    # window scale, length 10
    b"\x03\x03\xff",                    # window scale 255
    b"\x04\x00",                        # SACK permitted, length 0
    b"\x04\x03\x00",                    # SACK permitted, length 3
    b"\x05\x01",                        # SACK, length 1
    b"\x08\x00",                        # timestamps, length 0
    b"\x99\x00",                        # unknown, length 0
    b"\x99\x01",                        # unknown, length 1
    b"\x99\xff",                        # unknown, length 255
    b"\x01" * 39 + b"\x02",             # NOPs, then MSS cut by the header
    b"\x00\x02\x04",                    # EOL, then junk
]


def tcp_options(env, n=2000):
    """SYNs with bad option lengths from the host's address (its kernel
    resets the guest's answers); data offsets below 5 or past the
    segment; and segments with bad options on the established IPv4
    connection's 4-tuple, out of its window and without ACK, RST or SYN
    (so they can only be parsed, never change its state)."""
    p4 = lambda l: pseudo4(env.hip, env.gip, 6, l)  # noqa: E731
    for i in range(n):
        opts = BAD_TCP_OPTIONS[i % len(BAD_TCP_OPTIONS)]
        seg = tcp(p4, rng.randrange(20000, 60000), PORT,
                  rng.randrange(1 << 32), 0, 0x02, opts)
        yield env.to_guest4(env.hip, 6, seg)
    for doff in (0, 2, 4, 15):
        for _ in range(50):
            seg = tcp(p4, rng.randrange(20000, 60000), PORT, 1, 0, 0x02,
                      doff=doff)
            yield env.to_guest4(env.hip, 6, seg)
    for i in range(n // 4):
        opts = BAD_TCP_OPTIONS[i % len(BAD_TCP_OPTIONS)]
        seg = tcp(p4, env.old4_port, PORT, rng.randrange(1 << 32), 0, 0x08,
                  opts)
        yield env.to_guest4(env.hip, 6, seg)


def truncations(env):
    """(name, frame) pairs, each shorter than its headers say."""
    full4 = env.to_guest4(env.hip, 1, icmp_echo(b"x" * 64))
    syn = env.to_guest4(env.hip, 6, tcp(
        lambda l: pseudo4(env.hip, env.gip, 6, l), 40000, PORT, 1, 0, 0x02,
        syn_opts()))
    udp4 = env.to_guest4(env.hip, 17, udp_to_guest(env, b"x" * 64))
    long_udp = env.to_guest4(env.hip, 17, udp(
        lambda l: pseudo4(env.hip, env.gip, 17, l), 40000, PORT, b"x" * 16,
        length=1000))
    ns = nd_solicit(env, env.hmac, env.hll, env.gll)
    arp_req = eth(b"\xff" * 6, env.hmac, 0x0806,
                  arp(1, env.hmac, env.hip, b"\0" * 6, env.gip))
    six = env.to_guest6(env.hll, 58, icmp6(env.hll, env.gll, 128, 0,
                                           b"\0\1\0\1" + b"x" * 64))
    frames = [("ethernet header only, IPv4", full4[:14]),
              ("ethernet header only, IPv6", six[:14]),
              ("ethernet header only, ARP", arp_req[:14]),
              ("IPv4 header cut at 10 bytes", full4[:24]),
              ("IPv4 total length past the frame", full4[:60]),
              ("ICMP header cut", full4[:36]),
              ("TCP header cut at 10 bytes", syn[:44]),
              ("TCP options cut", syn[:54]),
              ("UDP header cut", udp4[:38]),
              ("UDP length past the datagram", long_udp),
              ("ARP cut at 20 bytes", arp_req[:34]),
              ("IPv6 header cut at 20 bytes", six[:34]),
              ("IPv6 payload length past the frame", six[:62]),
              ("ICMPv6 NS cut before the target", ns[:62]),
              ("ICMPv6 NS option cut", ns[:80]),
              ("VLAN tag cut", full4[:12] + b"\x81\x00\x00")]
    bad_len = ip4(env.hip, env.gip, 1, icmp_echo(b"y" * 8), total=1500)
    frames.append(("IPv4 total length 1500 in a 50-byte frame",
                   eth(env.gmac, env.hmac, 0x0800, bad_len)))
    small = ip4(env.hip, env.gip, 17, udp_to_guest(env, b"z" * 40), total=24)
    frames.append(("IPv4 total length 24 with a UDP header in it",
                   eth(env.gmac, env.hmac, 0x0800, small)))
    return frames


def truncated(env, repeat=150):
    for _ in range(repeat):
        for _, frame in truncations(env):
            yield frame


def oversized(env, repeat=20):
    """IPv4 ICMP echoes and UDP datagrams in frames past the guest's MTU,
    up to the tap's largest, and frames of junk as large."""
    sizes = [1515, 1518, 1522, 1600, 4096, 9018, 16384, 32768, 65535,
             TAP_MAX_MTU + 14]
    for _ in range(repeat):
        for size in sizes:
            ip_len = min(size - 14, 65535)
            yield env.to_guest4(env.hip, 1, icmp_echo(rng.randbytes(
                ip_len - 28)))[:size]
            yield env.to_guest4(env.hip, 17, udp_to_guest(
                env, rng.randbytes(ip_len - 28)))[:size]
            yield eth(env.gmac, env.hmac, 0x0800, rng.randbytes(size - 14))


def arp_flood(env, n=20000):
    """ARP requests for the guest from random senders (on the link and
    not), replies nobody asked for, and requests for other addresses;
    never claiming the host's or the guest's own address."""
    for i in range(n):
        sha = rand_mac()
        spa = rand_ip4_onlink() if i % 4 else rand_ip4_any()
        if i % 10 == 9:
            yield eth(env.gmac, sha, 0x0806,
                      arp(2, sha, spa, env.gmac, env.gip))
        elif i % 10 == 8:
            yield eth(b"\xff" * 6, sha, 0x0806,
                      arp(1, sha, spa, b"\0" * 6, rand_ip4_onlink()))
        else:
            yield eth(b"\xff" * 6, sha, 0x0806,
                      arp(1, sha, spa, b"\0" * 6, env.gip))


def solicited_node(target):
    """The solicited-node multicast address of target and its MAC."""
    group = bytes.fromhex("ff02" + "00" * 9 + "01ff") + target[13:]
    return group, b"\x33\x33" + group[12:]


def nd_solicit(env, src_mac, src, target, opt_len=1):
    """A neighbour solicitation for target from src with a link-layer
    address option whose length says opt_len units of 8 bytes (None: no
    option)."""
    group, gmac = solicited_node(target)
    body = b"\0" * 4 + target
    if opt_len is not None:
        body += bytes([1, opt_len]) + src_mac
    return eth(gmac, src_mac, 0x86dd,
               ip6(src, group, 58, icmp6(src, group, 135, 0, body),
                   hlim=255))


def rand_ll():
    return bytes.fromhex("fe800000000000000000") + rng.randbytes(6)


def nd_flood(env, n=20000):
    """Neighbour solicitations for the guest's link-local address from
    random link-local sources; some with option lengths of 0 or past the
    packet, some for duplicate address detection (from ::), some for
    other targets."""
    zero = b"\0" * 16
    for i in range(n):
        m = rand_mac()
        if i % 10 == 9:
            yield nd_solicit(env, m, rand_ll(), env.gll, opt_len=i % 3 * 7)
        elif i % 10 == 8:
            yield nd_solicit(env, m, zero, env.gll, opt_len=None)  # DAD
        elif i % 10 == 7:
            yield nd_solicit(env, m, rand_ll(), rand_ll())
        else:
            yield nd_solicit(env, m, rand_ll(), env.gll)


def packet_too_big(env, mtu):
    """An ICMPv6 Packet Too Big from the host, reporting mtu for the path
    to the host itself and quoting an echo reply the guest sent it."""
    quoted = ip6(env.gll, env.hll, 58, icmp6(env.gll, env.hll, 129, 0,
                                             struct.pack("!HH", 1, 1) +
                                             b"q" * 1200))
    return env.to_guest6(env.hll, 58, icmp6(env.hll, env.gll, 2, 0,
                                            struct.pack("!I", mtu) + quoted))


def ptb(mtu):
    """A part: the same Packet Too Big three times (RFC 8201: MTUs below
    1280 are discarded, none raises the path MTU above the link's)."""
    def part(env):
        for _ in range(3):
            yield packet_too_big(env, mtu)
    return part


def redirect(env, src, target, dest, opt_len=1):
    """An ICMPv6 Redirect of dest to target from src (hop limit 255), with
    a target link-layer address option of opt_len units."""
    body = b"\0" * 4 + target + dest
    if opt_len is not None:
        body += struct.pack("!BB", 2, opt_len) + rand_mac() + \
            b"\0" * max(0, opt_len * 8 - 8)
    return env.to_guest6(src, 58, icmp6(src, env.gll, 137, 0, body),
                         hlim=255)


def redirects(env, n=300):
    """Redirects the guest must refuse (RFC 4861 8.1): the host's own
    address sent elsewhere by a source that is not its first hop, to a
    target that is neither link-local nor the destination, or with a
    zero-length option. Taken, any of them cuts the guest off the host."""
    glob = bytes.fromhex("20010db8") + rng.randbytes(12)
    for i in range(n):
        kind = i % 3
        if kind == 0:
            yield redirect(env, rand_ll(), rand_ll(), env.hll)
        elif kind == 1:
            yield redirect(env, env.hll, glob, env.hll)
        else:
            yield redirect(env, env.hll, rand_ll(), env.hll, opt_len=0)


def router_advert(env, src, mtu):
    """A Router Advertisement with router lifetime 0 (never a default
    router) carrying an MTU option."""
    body = struct.pack("!BBHII", 64, 0, 0, 0, 0) + \
        struct.pack("!BBHI", 5, 1, 0, mtu)
    return env.to_guest6(src, 58, icmp6(src, env.gll, 134, 0, body),
                         hlim=255)


def ra_mtu(env):
    """RAs whose MTU option is 0, 50, 1279 (ignored), 9000 and 65535 (at
    most the link's), 1280 (taken), and last 1500 again: a later RA
    raises the link's IPv6 MTU back."""
    src = rand_ll()
    for mtu in (0, 50, 1279, 9000, 65535, 1280, 1500):
        yield router_advert(env, src, mtu)


PARTS = [("syn-flood", syn_flood), ("fragments", fragments),
         ("ip-options", ip_options), ("tcp-options", tcp_options),
         ("truncated", truncated), ("oversized", oversized),
         ("arp-flood", arp_flood), ("nd-flood", nd_flood),
         ("ptb-mtu-0", ptb(0)), ("ptb-mtu-50", ptb(50)),
         ("ptb-mtu-1279", ptb(1279)), ("ptb-mtu-9000", ptb(9000)),
         ("redirects", redirects), ("ra-mtu", ra_mtu)]

# The parts after which IPv6 traffic of every size is checked as well.
IPV6_CHECKED = ("ptb-", "redirects", "ra-mtu")


# ---- sending and checking, inside the namespace

def counter(name):
    with open(f"/sys/class/net/tap0/statistics/{name}") as f:
        return int(f.read())


class Sender:
    """Frames out of tap0 (to the guest) at a bounded rate."""

    def __init__(self, rate=RATE):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.s.bind(("tap0", 0))
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
        self.rate = rate

    def send_all(self, frames):
        """Send frames paced at self.rate; (sent, bytes, refused)."""
        sent = nbytes = refused = 0
        t0 = time.monotonic()
        for frame in frames:
            try:
                self.s.send(frame)
                sent += 1
                nbytes += len(frame)
            except OSError:
                refused += 1  # e.g. past the MTU: the host kernel says no
            ahead = (sent + refused) / self.rate - (time.monotonic() - t0)
            if ahead > 0.002:
                time.sleep(ahead)
        return sent, nbytes, refused


def echoes(s, msg):
    """msg comes back on s (10 s at most); True if whole."""
    try:
        s.settimeout(10)
        s.sendall(msg)
        got = b""
        while len(got) < len(msg):
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        return got == msg
    except OSError:
        return False


def guest_mac():
    """The guest's MAC from the namespace's ARP table."""
    with open("/proc/net/arp") as f:
        for line in f:
            fields = line.split()
            if fields[0] == netns.GUEST_IP:
                return mac(fields[3])
    raise RuntimeError("the guest is not in the ARP table")


def host_ll():
    """tap0's own link-local address."""
    with open("/proc/net/if_inet6") as f:
        for line in f:
            fields = line.split()
            if fields[5] == "tap0" and fields[0].startswith("fe80"):
                return str(ipaddress.IPv6Address(bytes.fromhex(fields[0])))
    raise RuntimeError("tap0 has no link-local address")


def set_mtu(mtu):
    subprocess.run(["ip", "link", "set", "tap0", "mtu", str(mtu)], check=True)


def run_part(sender, env, name, gen, olds):
    """Send one part; check the old connections and new IPv4 and IPv6
    ones; True if they all echo."""
    if name == "oversized":
        set_mtu(TAP_MAX_MTU)
    drop0, rx0 = counter("tx_dropped"), counter("rx_packets")
    t0 = time.monotonic()
    try:
        sent, nbytes, refused = sender.send_all(gen(env))
    finally:
        if name == "oversized":
            set_mtu(1500)
    dt = time.monotonic() - t0
    dropped = counter("tx_dropped") - drop0
    time.sleep(0.5)
    answers = counter("rx_packets") - rx0
    ok = all(echoes(s, f"after {name}\n".encode()) for s in olds)
    print(f"hostile: {name}: {sent} frames ({nbytes / 1e6:.1f} MB) in "
          f"{dt:.1f} s, {dropped} dropped at the tap, {refused} refused "
          f"by the host, {answers} frames from the guest meanwhile; old "
          f"connections: {'echo' if ok else 'BROKEN'}", flush=True)
    if name.startswith(IPV6_CHECKED):
        ok = ipv6_traffic(env, name) and ok
    ll = socket.inet_ntop(socket.AF_INET6, env.gll) + "%tap0"
    for family, addr in (("IPv4", None), ("IPv6", ll)):
        new, dt = new_connection(addr)
        print(f"hostile: {name}: a new {family} connection "
              f"{'echoes' if new else 'FAILS'} after {dt:.1f} s (at most "
              f"{SYN_FLOOD_WAIT} s allowed)", flush=True)
        ok = ok and new and dt <= SYN_FLOOD_WAIT
    return ok


SYN_FLOOD_WAIT = 10  # s: half-open connections are evicted, not waited out


def pings(addr, size, count=3):
    """True if addr answers count pings of size bytes (one lost is
    retried once)."""
    c = subprocess.run(["ping", "-q", "-c", str(count), "-i", "0.2",
                        "-W", "2", "-s", str(size), addr],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=30)
    return c.returncode == 0


def ipv6_traffic(env, name):
    """After an ICMPv6 part: pings of 100 and 3000 bytes (the guest's
    reply fragmented at its path MTU) over IPv6 and IPv4, and a new IPv6
    connection echoing 64 KiB (an MSS cut to 0 by a path MTU of 60 would
    never send); True if all work."""
    ll = socket.inet_ntop(socket.AF_INET6, env.gll) + "%tap0"
    res = {f"ping6 {n}": pings(ll, n) for n in (100, 3000)}
    res["ping 100"] = pings(netns.GUEST_IP, 100)
    try:
        res["new IPv6 connection"] = tcp_stream(ll, PORT, 1 << 16,
                                               socket.AF_INET6)
    except OSError:
        res["new IPv6 connection"] = False
    bad = [k for k, v in res.items() if not v]
    print(f"hostile: {name}: {', '.join(res)}: "
          f"{'all answered' if not bad else 'FAILED: ' + ', '.join(bad)}",
          flush=True)
    return not bad


def new_connection(addr=None):
    """A new echo connection to addr (the guest's IPv4 address by
    default), retried while the SYN flood's half-open connections hold
    the backlog; (ok, seconds it took)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < 60:
        try:
            s = socket.create_connection((addr or netns.GUEST_IP, PORT),
                                         timeout=30)
        except OSError:
            time.sleep(1)
            continue
        ok = echoes(s, b"a new connection\n")
        s.close()
        return ok, time.monotonic() - t0
    return False, time.monotonic() - t0


def udp_echoes():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(2)
    for _ in range(3):
        u.sendto(b"datagram\n", (netns.GUEST_IP, PORT))
        try:
            return u.recvfrom(100)[0] == b"datagram\n"
        except OSError:
            continue
    return False


def after_all():
    """A new connection, a 1 MiB stream and a UDP datagram; True if all
    echo."""
    ok, dt = new_connection()
    print(f"hostile: new connection after the barrage: "
          f"{'echoes' if ok else 'FAILS'} (after {dt:.1f} s)", flush=True)
    ok = tcp_stream(netns.GUEST_IP, PORT, 1 << 20) and ok
    udp = udp_echoes()
    print(f"hostile: UDP datagram: {'echoes' if udp else 'FAILS'}", flush=True)
    return ok and udp


def echo_time(s, n=1 << 18):
    """Seconds to echo n bytes on s (a writer thread, so that neither side
    stalls), or None if they did not all come back in 30 s."""
    w = threading.Thread(target=s.sendall, args=(b"m" * n,), daemon=True)
    t0 = time.monotonic()
    got = 0
    try:
        s.settimeout(30)
        w.start()
        while got < n:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += len(chunk)
    except OSError:
        pass
    return time.monotonic() - t0 if got == n else None


def mss_injection(env, old4):
    """RFC 9293 3.7.1: MSS is sent in SYNs only. One out-of-window
    segment without ACK on the old connection's 4-tuple, carrying a
    well-formed MSS option of 1, and a 256 KiB echo timed before and
    after it: True unless the echo became more than 20 times slower (and
    slower than 1 s), which an MSS of 1 does (about 250 times)."""
    before = echo_time(old4)
    seg = tcp(lambda l: pseudo4(env.hip, env.gip, 6, l), env.old4_port, PORT,
              rng.randrange(1 << 32), 0, 0x08, b"\x02\x04\x00\x01")
    Sender().send_all([env.to_guest4(env.hip, 6, seg)])
    time.sleep(0.2)
    after = echo_time(old4)
    fmt = lambda t: "no echo in 30 s" if t is None else f"{t * 1000:.0f} ms"  # noqa: E731
    ok = before is not None and after is not None and \
        (after < 1 or after < 20 * before)
    print(f"hostile: mss-injection: 256 KiB echo "
          f"{fmt(before)} before, {fmt(after)} after one spoofed segment "
          f"with MSS 1 on the old connection: {'ok' if ok else 'FAIL'}",
          flush=True)
    return ok


# ---- connection-level memory exhaustion (real sockets, inside)

HOGS = 250          # never-reading connections
HOG_RCVBUF = 2048   # their receive buffers: the guest's echoes stall
OOO_CONNS = 100     # connections flooded with out-of-order data
OOO_BYTES = 64 << 10


LEGIT_BYTES = 64 << 10  # what the legitimate client echoes


def legit_echo_time():
    """Seconds for a new connection to echo LEGIT_BYTES, or None."""
    t0 = time.monotonic()
    try:
        s = socket.create_connection((netns.GUEST_IP, PORT), timeout=30)
    except OSError:
        return None
    ok = echoes(s, rng.randbytes(LEGIT_BYTES))
    s.close()
    return time.monotonic() - t0 if ok else None


def median_echo_time(n=3):
    times = [legit_echo_time() for _ in range(n)]
    return None if None in times else sorted(times)[n // 2]


def hogs(n=HOGS, limit=90):
    """n connections with tiny receive buffers that send until they stall
    and never read: the guest's echoes back up into its send buffers and
    then its receive windows. Returns the sockets and bytes sent."""
    socks, sent = [], 0
    chunk = b"h" * 65536
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, HOG_RCVBUF)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)
        s.settimeout(30)
        try:
            s.connect((netns.GUEST_IP, PORT))
        except OSError:
            s.close()
            continue
        s.setblocking(False)
        socks.append(s)
    end, idle = time.monotonic() + limit, 0
    while time.monotonic() < end and idle < 3:
        moved = 0
        for s in socks:
            try:
                moved += s.send(chunk)
            except OSError:
                pass
        sent += moved
        idle = idle + 1 if moved == 0 else 0
        time.sleep(0.5 if moved == 0 else 0.05)
    return socks, sent


class Sniffer:
    """The guest's and the host's initial sequence numbers of connections
    to the guest's port, read off tap0 (AF_PACKET) while they open."""

    def __init__(self):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                               socket.htons(0x0003))
        self.s.bind(("tap0", 0))
        self.s.settimeout(0.2)
        self.isn = {}  # host port -> (host ISN, guest ISN)

    def read(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                f = self.s.recv(2048)
            except OSError:
                continue
            if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != 6:
                continue
            ihl = (f[14] & 15) * 4
            t = f[14 + ihl:]
            sport, dport, seq = struct.unpack("!HHI", t[:8])
            flags = t[13]
            if dport == PORT and flags & 0x12 == 0x02:      # SYN
                self.isn[sport] = (seq, None)
            elif sport == PORT and flags & 0x12 == 0x12:    # SYN-ACK
                h = self.isn.get(dport, (None, None))[0]
                self.isn[dport] = (h, seq)

    def close(self):
        self.s.close()


def ooo_flood(env, sender, n=OOO_CONNS, nbytes=OOO_BYTES):
    """n new connections, each sent nbytes of data out of order (a hole
    of two segments at the front that is never filled), by raw frames
    with the connections' real sequence numbers. Returns the sockets."""
    sn = Sniffer()
    socks = []
    for _ in range(n):
        try:
            socks.append(socket.create_connection((netns.GUEST_IP, PORT),
                                                  timeout=30))
        except OSError:
            pass
    sn.read(1.0)
    sn.close()
    frames = []
    for s in socks:
        port = s.getsockname()[1]
        hisn, gisn = sn.isn.get(port, (None, None))
        if hisn is None or gisn is None:
            continue
        for off in range(2920, 2920 + nbytes, 1460):
            seg = tcp(lambda l: pseudo4(env.hip, env.gip, 6, l), port, PORT,
                      (hisn + 1 + off) & 0xffffffff, (gisn + 1) & 0xffffffff,
                      0x10, payload=rng.randbytes(1460), wnd=1024)
            frames.append(env.to_guest4(env.hip, 6, seg))
    sender.send_all(frames)
    return socks, len(frames)


def exhaustion(env, olds):
    """Connection-level memory exhaustion: a legitimate client's 64 KiB
    echo on a new connection, timed on the idle guest, must still work
    (within 100 times that or 3 s, at most 15 s) while HOGS never-reading
    connections are held and while OOO_CONNS connections are flooded
    with out-of-order data; the old connections echo throughout and after
    the hogs are gone. True if so."""
    idle = median_echo_time()
    socks, sent = hogs()
    held = median_echo_time()
    bound = min(15.0, max(3.0, 100 * idle)) if idle else 0
    ok = idle is not None and held is not None and held <= bound
    ok = all(echoes(s, b"while held\n") for s in olds) and ok
    print(f"hostile: never-reading: {len(socks)} connections sent "
          f"{sent / 1e6:.1f} MB and stalled; a new client's 64 KiB echo "
          f"took {held if held is None else round(held * 1000)} ms "
          f"(idle guest: {idle if idle is None else round(idle * 1000)} ms,"
          f" bound {bound * 1000:.0f} ms): {'ok' if ok else 'FAIL'}",
          flush=True)
    ooo, nframes = ooo_flood(env, Sender())
    during = median_echo_time()
    ok2 = during is not None and during <= bound
    ok2 = all(echoes(s, b"after ooo\n") for s in olds) and ok2
    print(f"hostile: out-of-order: {nframes} segments on {len(ooo)} "
          f"connections; a new client's echo took "
          f"{during if during is None else round(during * 1000)} ms: "
          f"{'ok' if ok2 else 'FAIL'}", flush=True)
    for s in socks + ooo:
        s.close()
    time.sleep(1)
    after = median_echo_time()
    ok3 = after is not None and all(echoes(s, b"freed\n") for s in olds)
    print(f"hostile: after the hogs closed: "
          f"{'echo' if ok3 else 'BROKEN'}", flush=True)
    return ok and ok2 and ok3


def inside(guest_ll, seed):
    """The barrage and its checks (inside the namespace); exit status."""
    rng.seed(seed)
    print(f"hostile: seed {seed}", flush=True)
    old4 = connect(socket.AF_INET, netns.GUEST_IP, PORT)
    old6 = connect(socket.AF_INET6, guest_ll + "%tap0", PORT)
    olds = [old4, old6]
    ok = all(echoes(s, b"before\n") for s in olds)
    env = Env(guest_mac(), mac(open("/sys/class/net/tap0/address").read()),
              guest_ll, host_ll(), old4.getsockname()[1])
    sender = Sender()
    for name, gen in PARTS:
        if not run_part(sender, env, name, gen, olds):
            print(f"hostile: stopped after {name}: the guest no longer "
                  f"serves", flush=True)
            return 1
    ok = exhaustion(env, olds) and ok
    ok = after_all() and ok
    ok = mss_injection(env, old4) and ok
    for s in olds:
        s.close()
    return 0 if ok else 1


# ---- the driver, outside the namespace

def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build")
    ap.add_argument("--machine", default="q35")
    ap.add_argument("--nic-opt", action="append", default=[],
                    metavar="NAME=VALUE")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--inside", metavar="GUEST_LL")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 32)
    if a.inside:
        return inside(a.inside, seed)
    ok, out = drive(a.build, a.machine, seed, a.nic_opt)
    print(out)
    print(f"hostile: on {a.machine}"
          f"{''.join(' ' + o for o in a.nic_opt)}: {'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


def barrage(ns, g, seed):
    """Run the barrage inside the namespace once the guest listens on
    IPv4 and IPv6; (ok, its output)."""
    if not (g.wait(r"echo: listening", 60) and g.wait(r"IPv6 fe80::", 30)):
        return False, "hostile: the echo example did not come up\n"
    ll = guest_link_local(ns, g.text().splitlines()).split("%")[0]
    try:
        c = ns.run("python3", os.path.abspath(__file__), "--inside", ll,
                   "--seed", str(seed), check=False, timeout=250)
    except subprocess.TimeoutExpired as e:
        part = e.stdout.decode() if isinstance(e.stdout, bytes) else \
            (e.stdout or "")
        return False, part + "hostile: the barrage timed out\n"
    return c.returncode == 0, c.stdout


def power_off(g, sock):
    """Press the guest's power button (SIGTERM to the echo example, which
    ends with status 143 and prints its device counters); True if it
    did."""
    qmp(sock, "system_powerdown")
    try:
        return g.proc.wait(timeout=30) == 143
    except subprocess.TimeoutExpired:
        return False


def drive(build, machine, seed, nic_opts=()):
    """Boot the echo example (its NIC given the properties nic_opts) and
    run the barrage against it; (ok, output)."""
    with netns.Netns() as ns, tempfile.TemporaryDirectory() as tmp:
        sock = os.path.join(tmp, "qmp.sock")
        cmd = [RUN, "-q", os.path.join(build, "examples/echo/echo.elf"),
               "-M", machine, "--net", "tap:tap0", "--timeout", "280",
               "--kopt", f"net.ip={netns.GUEST_IP}/24", "--kopt", "devstats",
               "--qemu-arg=-qmp", f"--qemu-arg=unix:{sock},server=on,wait=off"]
        for o in nic_opts:
            cmd += ["--nic-opt", o]
        p = ns.popen(*cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                     text=True)
        g = Lines(p)
        g.proc = p
        ok, out = barrage(ns, g, seed)
        alive = g.proc.poll() is None
        out += f"hostile: the guest is {'still running' if alive else 'GONE'}\n"
        ok = ok and alive and power_off(g, sock)
        g.thread.join(5)
    return ok, g.text() + out


if __name__ == "__main__":
    sys.exit(main())
