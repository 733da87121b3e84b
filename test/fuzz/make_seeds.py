#!/usr/bin/python3
"""Write the seed corpus of fuzz_netif (test/fuzz/corpus/*.bin): valid
Ethernet frames for the interface fuzz_netif.c sets up (MAC
52:54:00:12:34:56, 10.0.0.2/24, fe80::5054:ff:fe12:3456 and fd00::2,
TCP port 80, UDP port 7, a DHCP client), from a peer 02:00:00:00:00:01 at
10.0.0.1 and fe80::1 (also the DHCP server and the IPv6 router). Inputs
of several frames join them with b"FRAM". The TCP session seed
acknowledges the server's first initial sequence number, which is the
first number of host_kernel.c's xorshift32 after fuzz_netif.c's
RANDOM_SEED; the DHCP replies carry the DISCOVER's transaction id, the
first number after DHCP_SEED.

Other files in corpus/ (short_*.bin, ipv6_nested_fragment.bin,
ipv6_routing_at_end.bin, tcp_option_at_end.bin) were found by the fuzzer
and are kept as they are.

Usage: make_seeds.py [DIR]   (default: corpus/ next to this script)
"""
import os
import struct
import sys

SEP = b"FRAM"
RANDOM_SEED = 0x2545F491
DHCP_SEED = 0x6C078965

OUR_MAC = bytes.fromhex("525400123456")
PEER_MAC = bytes.fromhex("020000000001")
BCAST = b"\xff" * 6
OUR_IP = bytes([10, 0, 0, 2])
PEER_IP = bytes([10, 0, 0, 1])
OUR_LL = bytes.fromhex("fe80000000000000505400fffe123456")
OUR_ULA = bytes.fromhex("fd000000000000000000000000000002")
PEER_LL = bytes.fromhex("fe800000000000000000000000000001")
ALL_NODES = bytes.fromhex("ff020000000000000000000000000001")
SOLICITED = bytes.fromhex("ff0200000000000000000001ff123456")
ALL_NODES_MAC = bytes.fromhex("333300000001")
OFF_LINK = bytes.fromhex("fd010000000000000000000000000099")
ROUTER2_LL = bytes.fromhex("fe800000000000000000000000000002")
ROUTER2_MAC = bytes.fromhex("020000000002")
STRANGER_LL = bytes.fromhex("fe800000000000000000000000000003")
LEASED_IP = bytes([10, 0, 0, 50])


def xorshift32(x):
    x ^= (x << 13) & 0xFFFFFFFF
    x ^= x >> 17
    x ^= (x << 5) & 0xFFFFFFFF
    return x


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def eth(dst, ethertype, payload, src=PEER_MAC):
    return dst + src + struct.pack("!H", ethertype) + payload


def ipv4(proto, payload, src=PEER_IP, dst=OUR_IP, ident=1, frag=0):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                      frag, 64, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def l4_v4(proto, seg, src=PEER_IP, dst=OUR_IP):
    return src + dst + struct.pack("!BBH", 0, proto, len(seg))


def l4_v6(nxt, seg, src=PEER_LL, dst=OUR_LL):
    return src + dst + struct.pack("!IxxxB", len(seg), nxt)


def with_csum(seg, at, pseudo):
    c = csum(pseudo + seg)
    return seg[:at] + struct.pack("!H", c) + seg[at + 2:]


def udp(sport, dport, data, pseudo_fn):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = csum(pseudo_fn(seg) + seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def tcp(sport, dport, seq, ack, flags, data=b"", opts=b"", pseudo_fn=None):
    off = (20 + len(opts)) // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags,
                      65535, 0, 0) + opts + data
    return with_csum(seg, 16, pseudo_fn(seg))


def ipv6(nxt, payload, src=PEER_LL, dst=OUR_LL, hlim=64):
    return struct.pack("!IHBB", 0x60000000, len(payload), nxt, hlim) + \
        src + dst + payload


def v4_pseudo(proto, src=PEER_IP, dst=OUR_IP):
    return lambda seg: l4_v4(proto, seg, src, dst)


def v6_pseudo(nxt, src=PEER_LL, dst=OUR_LL):
    return lambda seg: l4_v6(nxt, seg, src, dst)


def icmp6(typ, code, body, src=PEER_LL, dst=OUR_LL):
    msg = struct.pack("!BBH", typ, code, 0) + body
    return with_csum(msg, 2, l4_v6(58, msg, src, dst))


FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16
# MSS 1460, NOP, window scale 7, NOP, NOP, SACK permitted
MSS_OPTS = bytes([2, 4, 0x05, 0xB4, 1, 3, 3, 7, 1, 1, 4, 2])


def arp(op, sha, spa, tha, tpa, dst):
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa
    return eth(dst, 0x0806, body)


# ---- DHCP (RFC 2131, 2132): replies from the server 10.0.0.1.
DHCP_OFFER, DHCP_ACK, DHCP_NAK = 2, 5, 6


def dhcp_opt(code, value):
    return bytes([code, len(value)]) + value


def lease_opts(msg_type):
    """Message type, server id, lease 3600 s, T1, T2, mask, router, two
    DNS servers."""
    return (dhcp_opt(53, bytes([msg_type])) + dhcp_opt(54, PEER_IP) +
            dhcp_opt(51, struct.pack("!I", 3600)) +
            dhcp_opt(58, struct.pack("!I", 1800)) +
            dhcp_opt(59, struct.pack("!I", 3150)) +
            dhcp_opt(1, bytes([255, 255, 255, 0])) + dhcp_opt(3, PEER_IP) +
            dhcp_opt(6, PEER_IP + bytes([10, 0, 0, 53])))


def dhcp_reply(opts, yiaddr=LEASED_IP, dst_ip=LEASED_IP, dst=OUR_MAC,
               sname=b"", file=b""):
    """A BOOTREPLY to the DISCOVER's xid for our MAC, in a UDP datagram
    from port 67 to 68 (unicast to the address offered, or broadcast)."""
    xid = xorshift32(DHCP_SEED)
    msg = struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", 2, 1, 6, 0, xid, 0, 0,
                      b"\0" * 4, yiaddr, PEER_IP, b"\0" * 4, OUR_MAC,
                      sname, file, 0x63825363) + opts + b"\xff"
    return eth(dst, 0x0800, ipv4(17, udp(67, 68, msg, v4_pseudo(
        17, dst=dst_ip)), dst=dst_ip))


def dhcp_seeds(out):
    bcast_ip = b"\xff" * 4
    offer = dhcp_reply(lease_opts(DHCP_OFFER))
    ack = dhcp_reply(lease_opts(DHCP_ACK), dst_ip=bcast_ip, dst=BCAST)
    nak = dhcp_reply(dhcp_opt(53, bytes([DHCP_NAK])) + dhcp_opt(54, PEER_IP),
                     yiaddr=b"\0" * 4, dst_ip=bcast_ip, dst=BCAST)
    out["dhcp_offer"] = offer
    # The client binds 10.0.0.50/24 (fuzz_netif's summary says so).
    out["dhcp_offer_ack"] = SEP.join([offer, ack])
    out["dhcp_offer_nak"] = SEP.join([offer, nak])
    # Option overload (52): the rest of the options are in 'file' and
    # 'sname'.
    more = dhcp_opt(54, PEER_IP) + dhcp_opt(51, struct.pack("!I", 600)) + \
        b"\xff"
    out["dhcp_offer_overload"] = dhcp_reply(
        dhcp_opt(53, bytes([DHCP_OFFER])) + dhcp_opt(52, bytes([3])),
        file=more, sname=dhcp_opt(1, bytes([255, 255, 255, 0])) + b"\xff")


# ---- ICMPv6 that changes MTUs and routes (RFC 4443, 4861, 8201).
def ping6_from(size, src=PEER_LL, dst=OUR_LL, ident=0x42):
    """An echo request of size bytes of data from src."""
    body = struct.pack("!HH", ident, 1) + bytes(i & 0xFF
                                               for i in range(size))
    return eth(OUR_MAC, 0x86DD, ipv6(58, icmp6(128, 0, body, src, dst),
                                     src, dst))


def peer_ns():
    """A neighbour solicitation from the peer fe80::1, with its MAC."""
    ns = icmp6(135, 0, b"\0" * 4 + OUR_LL + bytes([1, 1]) + PEER_MAC,
               dst=SOLICITED)
    return eth(bytes.fromhex("3333ff123456"), 0x86DD,
               ipv6(58, ns, dst=SOLICITED, hlim=255))


def ptb(mtu):
    """Packet Too Big from the peer quoting the start of a packet the
    guest sent it (its echo reply)."""
    quoted = ipv6(58, icmp6(129, 0, b"\0" * 64, OUR_LL, PEER_LL),
                  src=OUR_LL, dst=PEER_LL)
    return eth(OUR_MAC, 0x86DD, ipv6(58, icmp6(2, 0, struct.pack(
        "!I", mtu) + quoted)))


def router_adv(opts, src=PEER_LL, lifetime=1800):
    ra = icmp6(134, 0, struct.pack("!BBHII", 64, 0, lifetime, 0, 0) +
               bytes([1, 1]) + PEER_MAC + opts, src=src, dst=ALL_NODES)
    return eth(ALL_NODES_MAC, 0x86DD, ipv6(58, ra, src=src, dst=ALL_NODES,
                                           hlim=255))


def mtu_opt(mtu):
    return struct.pack("!BBHI", 5, 1, 0, mtu)


def udp6_fragments(size, ident=77):
    """A UDP datagram of size bytes to the echo port in two fragments."""
    d = udp(40005, 7, bytes(i & 0xFF for i in range(size)), v6_pseudo(17))
    half = (len(d) // 2) & ~7
    return [eth(OUR_MAC, 0x86DD, ipv6(44, struct.pack(
        "!BBHI", 17, 0, off | more, ident) + part))
        for off, more, part in ((0, 1, d[:half]), (half, 0, d[half:]))]


def redirect(src, target, tmac):
    """A redirect for OFF_LINK to target (with its MAC) from src."""
    body = b"\0" * 4 + target + OFF_LINK + bytes([2, 1]) + tmac
    return eth(OUR_MAC, 0x86DD, ipv6(58, icmp6(137, 0, body, src), src=src,
                                     hlim=255))


def icmp6_seeds(out):
    # Packet Too Big, each followed by an echo of 200 bytes, whose reply
    # goes through ip6_frag() if the path MTU taken is below 248. 0, 50
    # and 1279 are below IPv6's minimum and 9000 above the link's (RFC
    # 8201: the first are ignored, the last is cut to the link's): the
    # path MTU to fe80::1 stays 1500. 50 made lwIP 2.1.3 loop for good
    # sending empty fragments; after 9000 a reassembled 1600-byte UDP
    # datagram's echo went to the driver unfragmented.
    for mtu in (0, 50, 1279, 9000):
        frames = [peer_ns(), ping6_from(8), ptb(mtu), ping6_from(200)]
        if mtu == 9000:
            frames += udp6_fragments(1600)
        out["icmp6_ptb_%d" % mtu] = SEP.join(frames)
    # A valid one: 1280, after which a 1400-byte reply is fragmented.
    out["icmp6_ptb_1280"] = SEP.join([peer_ns(), ping6_from(8), ptb(1280),
                                      ping6_from(1400)])

    # Router advertisements with an MTU option, each followed by an echo
    # whose reply a 1280-byte MTU fragments. 50 is ignored, 9000 cut to
    # the link's 1500; and a later RA may raise a lowered MTU again.
    for mtu in (50, 1280, 9000):
        out["ipv6_ra_mtu_%d" % mtu] = SEP.join([router_adv(mtu_opt(mtu)),
                                                ping6_from(1400)])
    out["ipv6_ra_mtu_1280_1500"] = SEP.join([router_adv(mtu_opt(1280)),
                                             router_adv(mtu_opt(1500)),
                                             ping6_from(1400)])

    # Redirects: fe80::1 advertises itself as the router; an echo from the
    # off-link fd01::99 is answered through it; then a redirect for
    # fd01::99 to fe80::2 (02:00:00:00:00:02) and the next echo's answer
    # goes there. Only the first hop may redirect: the same from fe80::3
    # is ignored.
    head = [router_adv(b""), ping6_from(8, src=OFF_LINK, dst=OUR_ULA)]
    tail = [ping6_from(8, src=OFF_LINK, dst=OUR_ULA, ident=0x43)]
    out["icmp6_redirect"] = SEP.join(
        head + [redirect(PEER_LL, ROUTER2_LL, ROUTER2_MAC)] + tail)
    out["icmp6_redirect_forged"] = SEP.join(
        head + [redirect(STRANGER_LL, ROUTER2_LL, ROUTER2_MAC)] + tail)


def seeds():
    out = {}
    out["arp_request"] = arp(1, PEER_MAC, PEER_IP, b"\0" * 6, OUR_IP, BCAST)
    arp_reply = arp(2, PEER_MAC, PEER_IP, OUR_MAC, OUR_IP, OUR_MAC)
    echo = struct.pack("!BBHHH", 8, 0, 0, 0x1234, 1) + b"ping" * 8
    echo = echo[:2] + struct.pack("!H", csum(echo)) + echo[4:]
    out["icmp_echo"] = eth(OUR_MAC, 0x0800, ipv4(1, echo))
    t4 = v4_pseudo(6)
    cisn = 1000
    out["tcp_syn"] = eth(OUR_MAC, 0x0800, ipv4(
        6, tcp(40000, 80, cisn, 0, SYN, opts=MSS_OPTS, pseudo_fn=t4)))
    out["udp_echo"] = eth(OUR_MAC, 0x0800, ipv4(
        17, udp(40001, 7, b"hello", v4_pseudo(17))))

    # A whole TCP session: ARP reply (so answers can go out), SYN, ACK of
    # the server's SYN-ACK, a request, FIN.
    isn = xorshift32(RANDOM_SEED)
    req = b"GET / HTTP/1.0\r\n\r\n"
    session = [
        arp_reply,
        out["tcp_syn"],
        eth(OUR_MAC, 0x0800, ipv4(6, tcp(40000, 80, cisn + 1, isn + 1, ACK,
                                         pseudo_fn=t4), ident=2)),
        eth(OUR_MAC, 0x0800, ipv4(6, tcp(40000, 80, cisn + 1, isn + 1,
                                         PSH | ACK, req, pseudo_fn=t4),
                                  ident=3)),
        eth(OUR_MAC, 0x0800, ipv4(6, tcp(40000, 80, cisn + 1 + len(req),
                                         isn + 1, FIN | ACK, pseudo_fn=t4),
                                  ident=4)),
    ]
    out["tcp_session"] = SEP.join(session)

    # With the peer's address known, the answers go out.
    out["arp_icmp_udp"] = SEP.join([arp_reply, out["icmp_echo"],
                                    out["udp_echo"]])

    # A UDP datagram in two IPv4 fragments (offsets in 8-byte units).
    dgram = udp(40002, 7, bytes(range(48)), v4_pseudo(17))
    f1 = ipv4(17, dgram[:32], ident=7, frag=0x2000)
    f2 = ipv4(17, dgram[32:], ident=7, frag=32 // 8)
    out["ipv4_fragment_first"] = eth(OUR_MAC, 0x0800, f1)
    out["ipv4_fragments"] = SEP.join([eth(OUR_MAC, 0x0800, f1),
                                      eth(OUR_MAC, 0x0800, f2)])

    # IPv6: neighbour solicitation, echo, SYN, router advertisement.
    ns = icmp6(135, 0, b"\0" * 4 + OUR_LL + bytes([1, 1]) + PEER_MAC,
               dst=SOLICITED)
    out["ipv6_ns"] = eth(bytes.fromhex("3333ff123456"), 0x86DD,
                         ipv6(58, ns, dst=SOLICITED, hlim=255))
    ping6 = icmp6(128, 0, struct.pack("!HH", 0x42, 1) + b"ping6" * 4)
    out["icmp6_echo"] = eth(OUR_MAC, 0x86DD, ipv6(58, ping6))
    out["tcp6_syn"] = eth(OUR_MAC, 0x86DD, ipv6(6, tcp(
        40003, 80, 5000, 0, SYN, opts=MSS_OPTS, pseudo_fn=v6_pseudo(6))))
    prefix = bytes([3, 4, 64, 0xC0]) + struct.pack("!II", 3600, 1800) + \
        b"\0" * 4 + bytes.fromhex("fd010000000000000000000000000000")
    ra = icmp6(134, 0, struct.pack("!BBHII", 64, 0, 1800, 0, 0) +
               bytes([1, 1]) + PEER_MAC + prefix, dst=ALL_NODES)
    out["ipv6_ra"] = eth(bytes.fromhex("333300000001"), 0x86DD,
                         ipv6(58, ra, dst=ALL_NODES, hlim=255))

    # A UDP datagram over IPv6 in two fragments.
    d6 = udp(40004, 7, bytes(range(40)), v6_pseudo(17))
    def frag6(off, more, data):
        return ipv6(44, struct.pack("!BBHI", 17, 0, off | more, 99) + data)
    out["ipv6_fragments"] = SEP.join([
        eth(OUR_MAC, 0x86DD, frag6(0, 1, d6[:24])),
        eth(OUR_MAC, 0x86DD, frag6(24, 0, d6[24:]))])

    # A Hop-by-Hop header that ends the packet with the type of a PadN
    # option in its last byte: lwIP 2.1.3 read the option's length byte
    # past the frame (net/lwip-patches/ip6-extension-header-bounds.patch).
    out["ipv6_option_at_end"] = eth(OUR_MAC, 0x86DD, ipv6(
        0, bytes([59, 0, 1, 3, 0, 0, 0, 1])))

    # A UDP packet to an address not ours whose IP header (with options)
    # ends the frame: lwIP 2.1.3 read its destination port past the frame
    # (net/lwip-patches/ip4-dhcp-port-bounds.patch).
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | 12, 0, 48, 9, 0, 64, 17, 0,
                      PEER_IP, bytes([10, 0, 0, 99])) + b"\x01" * 28
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    out["ipv4_udp_no_header"] = eth(OUR_MAC, 0x0800, hdr)

    dhcp_seeds(out)
    icmp6_seeds(out)
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here,
                                                                "corpus")
    os.makedirs(outdir, exist_ok=True)
    for name, data in sorted(seeds().items()):
        with open(os.path.join(outdir, name + ".bin"), "wb") as f:
            f.write(data)
        print("%-20s %4d bytes" % (name, len(data)))


if __name__ == "__main__":
    main()
