/* lwIP's configuration for libos: no operating-system layer (NO_SYS, the
 * raw API driven from the kernel's one event loop), IPv4 and IPv6 with
 * DHCP, SLAAC and MLD, TCP with window scaling and SACK, and every pool
 * allocated on demand from the net/ heap (net/heap.c), whose limit is a
 * share of the RAM found at boot: the numbers of PCBs, segments and pbufs
 * are bounded by memory, not by compile-time tables. Options not named
 * here keep lwIP's defaults (src/include/lwip/opt.h). */
#ifndef NET_LWIPOPTS_H
#define NET_LWIPOPTS_H

/* ---- System: one thread, no RTOS, the raw API only. */
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_NETIF_API 0
#define LWIP_TIMERS 1 /* run by net/timers.c from a kernel timer */
#define LWIP_ALTCP 1
#define LWIP_ALTCP_TLS 0

/* Every raw-API entry point asserts "core locked": we use that as the
 * signal that lwIP's state changed, to run its due timeouts and recompute
 * the next one at the end of the loop's pass (net/timers.c). */
#define LWIP_ASSERT_CORE_LOCKED() net_lwip_touched()

/* ---- Memory: the net/ heap for everything (size classes over frames). */
#define MEM_LIBC_MALLOC 1
#define mem_clib_malloc net_malloc
#define mem_clib_calloc net_calloc
#define mem_clib_free net_free
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8
#define MEM_USE_POOLS 0
/* Nominal pool sizes: with MEMP_MEM_MALLOC they are no limits, only the
 * figures lwIP's own consistency checks read. */
#define MEMP_NUM_TCP_PCB 4096
#define MEMP_NUM_TCP_PCB_LISTEN 64
#define MEMP_NUM_UDP_PCB 256
#define MEMP_NUM_TCP_SEG 8192
#define MEMP_NUM_PBUF 1024
#define MEMP_NUM_REASSDATA 64
#define MEMP_NUM_FRAG_PBUF 256
#define MEMP_NUM_ARP_QUEUE 256
#define MEMP_NUM_ND6_QUEUE 256
#define PBUF_POOL_SIZE 1024

/* ---- Link layer: Ethernet, ARP. */
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define ARP_TABLE_SIZE 64
#define ARP_QUEUEING 1
#define ETH_PAD_SIZE 0
#define LWIP_NETIF_EXT_STATUS_CALLBACK 1 /* boot log of address changes */
#define LWIP_NETIF_HOSTNAME 0
#define LWIP_NETIF_TX_SINGLE_PBUF 0 /* chains are copied once anyway */
#define LWIP_SUPPORT_CUSTOM_PBUF 1  /* zero-copy receive */
#define LWIP_HAVE_LOOPIF 0
#define LWIP_NETIF_LOOPBACK 0

/* ---- IPv4: DHCP, ICMP, fragments; no AutoIP, no IGMP. */
#define LWIP_IPV4 1
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 0 /* probing would add up to 1 s to every boot */
#define LWIP_AUTOIP 0
#define LWIP_ICMP 1
#define LWIP_IGMP 0
#define LWIP_RAW 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define IP_REASS_MAX_PBUFS 64
#define IP_REASS_MAXAGE 5 /* seconds */
#define IP_DEFAULT_TTL 64

/* ---- IPv6: link-local, SLAAC from router advertisements, fragments; no
 * DHCPv6, no MLD. Neighbour discovery needs no MLD: without it lwIP
 * accepts the all-nodes group and the solicited-node groups of its own
 * addresses, and virtio-net delivers all multicast. MLD would add a
 * 100 ms timer, waking the CPU ten times a second. */
#define LWIP_IPV6 1
#define LWIP_IPV6_NUM_ADDRESSES 4 /* link-local, static, 2 x SLAAC */
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 1
#define LWIP_IPV6_MLD 0
#define LWIP_ICMP6 1
#define LWIP_IPV6_FRAG 1
#define LWIP_IPV6_REASS 1
#define IPV6_FRAG_COPYHEADER 1 /* 64-bit pointers do not fit otherwise */
#define LWIP_IPV6_DHCP6 0
#define LWIP_ND6_NUM_NEIGHBORS 64
#define LWIP_ND6_NUM_DESTINATIONS 64 /* lwIP indexes them with s8_t */
#define LWIP_ND6_QUEUEING 1
#define LWIP_ND6_ALLOW_RA_UPDATES 1

/* ---- DNS: musl resolves names itself (from /etc/resolv.conf). lwIP's
 * DNS module is on only so that DHCP asks for and keeps the servers;
 * its resolver is never called (and the linker drops it). */
#define LWIP_DNS 1
#define DNS_MAX_SERVERS 3 /* musl reads at most three */
#define DNS_TABLE_SIZE 2
#define LWIP_DHCP_MAX_DNS_SERVERS 3
#define LWIP_ND6_RDNSS_MAX_DNS_SERVERS 0 /* would overwrite DHCP's */

/* ---- UDP, TCP. */
#define LWIP_UDP 1
#define LWIP_UDPLITE 0
#define LWIP_TCP 1
#define TCP_MSS 1460 /* 1500-byte MTU less IPv4 and TCP headers */
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 4 /* windows up to 1 MiB */
/* TCP_WND, TCP_SND_BUF, TCP_OVERSIZE (and net/offload.h's
 * NET_TCP_SEG_MAX_MSS, net/netif.c's RX_HELD) may be set at configure
 * time, -DOS_NET_TUNING="TCP_WND=65536;...", to measure other values
 * (tools/bench-tune; docs/networking.md has what was measured). */
#ifndef TCP_WND
#define TCP_WND (128 * 1024) /* receive window */
#endif
#ifndef TCP_SND_BUF
#define TCP_SND_BUF (128 * 1024) /* send buffer */
#endif
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define TCP_SNDLOWAT (32 * 1024) /* "writable" above this much room */
#define TCP_QUEUE_OOSEQ 1
/* A peer that sends out of order (or only ever fills holes it leaves)
 * holds at most this much per connection, not a window of tiny pbufs. */
#define TCP_OOSEQ_MAX_BYTES (64 * 1024)
#define TCP_OOSEQ_MAX_PBUFS 64
#define LWIP_TCP_SACK_OUT 1
#define LWIP_TCP_MAX_SACK_NUM 4
#define TCP_LISTEN_BACKLOG 1
#define LWIP_TCP_KEEPALIVE 1
#define SO_REUSE 1 /* SO_REUSEADDR for the socket layer */
#define LWIP_TCP_TIMESTAMPS 0
/* Off: the bytes are checksummed when the segment goes out, in software
 * or by the device (checksum offload), never while they are copied in. */
#define LWIP_CHECKSUM_ON_COPY 0
#define LWIP_TCP_PCB_NUM_EXT_ARGS 1 /* for the sockets layer */
/* Initial sequence numbers from the kernel's random pool, not lwIP's
 * predictable counter. */
#define LWIP_HOOK_TCP_ISN(lip, lport, rip, rport) net_tcp_isn()
/* Memory charged to connections: under heap pressure, data for a
 * connection that holds its share already is dropped (and retransmitted
 * by the peer later), as is out-of-order data (net/sock_tcp.c). */
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) \
	(net_tcp_inpacket(pcb, hdr, p) ? ERR_MEM : ERR_OK)

/* ---- Segmentation offload (net/lwip-patches/tcp-segmentation-offload
 * .patch): on an interface whose device cuts large TCP segments itself,
 * tcp_write builds segments of up to TCP_SEG_MAX bytes and IP does not
 * fragment them; the frame goes to the device with its segment size
 * (net/netif.c). TCP_OVERSIZE lets small writes fill such a segment in
 * one buffer rather than a chain of many. */
#define TCP_SEG_OFFLOAD 1
#define TCP_SEG_MAX(pcb) net_tcp_seg_max(pcb)
#define IP_SEG_OFFLOAD(netif, proto, v, p) net_ip_seg_offload(netif, proto, v, p)
#ifndef TCP_OVERSIZE
#define TCP_OVERSIZE (8 * TCP_MSS)
#endif
/* the segment's MSS for the device, recorded as each segment goes out */
#define LWIP_HOOK_TCP_OUT_ADD_TCPOPTS(p, hdr, pcb, opts) \
	net_tcp_out_seg(p, pcb, opts)

/* ---- Checksums: in software, except that an interface whose device
 * offloads them turns off lwIP's TCP checksums per frame
 * (LWIP_CHECKSUM_CTRL_PER_NETIF, net/netif.c): sending, the device
 * completes them; receiving, lwIP skips those the device vouched for. */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_GEN_ICMP6 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_ICMP 1
#define CHECKSUM_CHECK_ICMP6 1
#define LWIP_CHKSUM_ALGORITHM 3

/* ---- Statistics: per-pool counts and the interfaces' MIB-2 counters. */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define MEM_STATS 0 /* the net/ heap counts for itself */
#define MEMP_STATS 1
#define MIB2_STATS 1

/* ---- Debugging: LWIP_DEBUG stays undefined (defining it, even to 0,
 * turns lwIP's debug output on); assertions stay on and panic. */

#endif
