/* libFuzzer target: raw Ethernet frames into net/netif.c's receive path,
 * from a fake network device, into lwIP built with the guest's options
 * exactly, under the socket layer and the kernel's file layer (with
 * test/unit/host_kernel.c below them, in simulated time). The interface
 * is set up as a guest's with net.ip=10.0.0.2/24 net.gw=10.0.0.1
 * net.ip6=fd00::2/64 (plus its link-local address and SLAAC); a
 * dual-stack TCP socket listens on port 80 and a dual-stack UDP socket is
 * bound to port 7, and both echo what they get, so ARP, ICMP, TCP, UDP,
 * IPv6, neighbour discovery (router advertisements, redirects, Packet
 * Too Big) and both reassemblies are reached. Every input also starts
 * lwIP's DHCP client on the interface, as a guest with net.ip=dhcp does
 * (the static IPv4 address stays until a lease replaces it), so DHCP
 * offers, acks and naks in the input reach its parser and state machine.
 *
 * An input is one frame, or several separated by the 4 bytes "FRAM"
 * (a TCP handshake, fragments of one datagram). Random numbers restart
 * at every input, so the DHCP DISCOVER's transaction id and the first
 * connection's initial sequence number are always the same and seeds can
 * complete a lease or a handshake (make_seeds.py computes both). After
 * each input the stack is brought back near its start (DHCP stopped and
 * the static addresses back, connections closed and aborted, caches
 * flushed, reassembly timed out). An input fails (abort) when a received
 * buffer did not come back to the fake device, when a frame sent is
 * longer than the MTU or is an IPv6 fragment without data (ip6_frag()
 * looping with a path MTU too small for 8 bytes), or when the simulated
 * event loop never ran dry (a timer due again at once: host_stuck()).
 * A loop that never returns inside lwIP is caught by libFuzzer's
 * -timeout (unit.fuzz_netif passes one). FUZZ_NETIF_VERBOSE=1 prints
 * what goes out and is served, and after each input a summary line that
 * check_seeds.sh looks at for some seeds. */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <lwip/dhcp.h>
#include <lwip/dns.h>
#include <lwip/etharp.h>
#include <lwip/ip4_frag.h>
#include <lwip/ip6_frag.h>
#include <lwip/nd6.h>
#include <lwip/netif.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/tcp.h>

#include "host_kernel.h"
#include "net_internal.h"

#define SYS_(nr, a, b, c, d, e, f, ...)                              \
	host_syscall(nr, (long)(a), (long)(b), (long)(c), (long)(d), \
		     (long)(e), (long)(f))
#define SYS(...) SYS_(__VA_ARGS__, 0, 0, 0, 0, 0, 0)

#define RANDOM_SEED 0x2545f491u /* make_seeds.py knows both */
#define DHCP_SEED 0x6c078965u	/* the DHCP transaction id's */
#define MAX_CONNS 16
#define TCP_PORT 80
#define UDP_PORT 7

static const uint8_t sep[4] = { 'F', 'R', 'A', 'M' };

static drv_netdev_rx_fn rx_fn;
static void *rx_ctx;
static long bufs_out; /* received buffers lwIP has not given back */
static struct net_if *nif;
static int tcp_fd, udp_fd, conns[MAX_CONNS], nconns;
static int verbose; /* FUZZ_NETIF_VERBOSE=1: what goes out, what is served */
static unsigned sent, sent_frags; /* frames and IPv6 fragments this input */

/* Say what a frame sent is (verbose): destination, EtherType and its
 * first bytes. */
static void describe(const char *what, const uint8_t *f, size_t len)
{
	fprintf(stderr,
		"%s %zu bytes to %02x:%02x:%02x:%02x:%02x:%02x, type %02x%02x:",
		what, len, f[0], f[1], f[2], f[3], f[4], f[5], f[12], f[13]);
	for (size_t i = 14; i < len && i < 14 + 48; i++)
		fprintf(stderr, " %02x", f[i]);
	fputc('\n', stderr);
}

/* ---- The fake device. */

static int dev_open(struct drv_netdev *nd, drv_netdev_rx_fn rx, void *ctx)
{
	(void)nd;
	rx_fn = rx;
	rx_ctx = ctx;
	return 0;
}

/* Whether frame f (len bytes, at least 14) is an IPv6 fragment, and
 * abort if it carries no data: ip6_frag() puts the Fragment header right
 * after the IPv6 header, and sends one without data only when the path
 * MTU leaves no room for 8 bytes, in a loop that never ends. */
static int ip6_fragment(const uint8_t *f, size_t len)
{
	if (len < 14 + 40 + 8 || f[12] != 0x86 || f[13] != 0xdd ||
	    f[14 + 6] != 44)
		return 0;
	if (((f[14 + 4] << 8) | f[14 + 5]) <= 8) {
		fprintf(stderr, "sent an IPv6 fragment without data\n");
		abort();
	}
	return 1;
}

/* A frame out: no longer than the MTU allows, every byte readable. */
static int dev_send(struct drv_netdev *nd, const void *frame, size_t len)
{
	static uint8_t copy[NET_FRAME_MAX];

	if (len < 14 || len > nd->mtu + 14) {
		fprintf(stderr, "sent a frame of %zu bytes\n", len);
		abort();
	}
	memcpy(copy, frame, len);
	if (verbose)
		describe("sent", copy, len);
	sent++;
	sent_frags += ip6_fragment(copy, len);
	return 0;
}

static void dev_flush(struct drv_netdev *nd)
{
	(void)nd;
}

static void dev_rx_done(struct drv_netdev *nd, struct drv_netbuf *buf)
{
	(void)nd;
	free(buf->data);
	free(buf);
	bufs_out--;
}

static void dev_poll(struct drv_netdev *nd)
{
	(void)nd;
}

static const struct drv_netdev_ops dev_ops = {
	.open = dev_open,
	.send = dev_send,
	.flush = dev_flush,
	.rx_done = dev_rx_done,
	.poll = dev_poll,
};

static struct drv_netdev dev = {
	.name = "net0",
	.mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
	.mtu = 1500,
	.link_up = 1,
	.ops = &dev_ops,
	.driver = "fuzz",
};

/* One frame in, in a buffer of its exact size (so ASan sees any read
 * past its end), as the driver's receive callback does. Frames shorter
 * than the Ethernet minimum stay short: net/netif.c pads them (lwIP
 * 2.1.3's ip4_input reads the IPv4 header's length field before checking
 * that the frame holds it). */
static void feed(const uint8_t *data, size_t len)
{
	struct drv_netbuf *b = calloc(1, sizeof(*b));

	if (!b || !(b->data = calloc(1, len ? len : 1)))
		abort();
	memcpy(b->data, data, len);
	b->len = b->tot_len = len;
	bufs_out++;
	rx_fn(rx_ctx, b);
}

/* ---- The service: accept, echo, and the UDP echo. */

static void serve(void)
{
	static char buf[2048];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	long fd, r;

	while (nconns < MAX_CONNS &&
	       (fd = SYS(SYS_accept4, tcp_fd, 0, 0, SOCK_NONBLOCK)) >= 0) {
		conns[nconns++] = (int)fd;
		if (verbose)
			fprintf(stderr, "accepted fd %ld\n", fd);
	}
	for (int i = 0; i < nconns; i++) {
		r = SYS(SYS_read, conns[i], buf, sizeof(buf));
		if (verbose && r != -EAGAIN)
			fprintf(stderr, "read fd %d: %ld\n", conns[i], r);
		if (r > 0)
			SYS(SYS_write, conns[i], buf, r);
	}
	while ((r = SYS(SYS_recvfrom, udp_fd, buf, sizeof(buf), MSG_DONTWAIT,
			&from, &flen)) >= 0) {
		if (verbose)
			fprintf(stderr, "UDP datagram of %ld bytes\n", r);
		SYS(SYS_sendto, udp_fd, buf, r, 0, &from, flen);
		flen = sizeof(from);
	}
}

/* ---- DHCP, and the static IPv4 address it replaces. */

static void static_ip4(struct netif *n)
{
	ip4_addr_t ip, mask, gw;

	IP4_ADDR(&ip, 10, 0, 0, 2);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	IP4_ADDR(&gw, 10, 0, 0, 1);
	netif_set_addr(n, &ip, &mask, &gw);
}

/* Start the DHCP client: its DISCOVER takes the first random number
 * after DHCP_SEED as transaction id; then the numbers restart at
 * RANDOM_SEED for the input. */
static void dhcp_begin(struct netif *n)
{
	host_random_seed(DHCP_SEED);
	if (dhcp_start(n) != ERR_OK)
		abort();
	if (verbose)
		fprintf(stderr, "DHCP xid %08x\n",
			(unsigned)netif_dhcp_data(n)->xid);
	host_random_seed(RANDOM_SEED);
}

/* Stop it (a lease is released) and put the static address and no DNS
 * servers back. */
static void dhcp_end(struct netif *n)
{
	dhcp_release_and_stop(n);
	static_ip4(n);
	for (int i = 0; i < DNS_MAX_SERVERS; i++)
		dns_setserver((u8_t)i, NULL);
}

/* What an input did (verbose): frames sent, the IPv4 address and whether
 * DHCP gave it, the link's IPv6 MTU and the path MTU to the peer
 * fe80::1 the seeds use (check_seeds.sh looks at them). */
static void summary(struct netif *n)
{
	ip6_addr_t peer;
	char ip[IP4ADDR_STRLEN_MAX];

	IP6_ADDR(&peer, PP_HTONL(0xfe800000), 0, 0, PP_HTONL(1));
	ip6_addr_assign_zone(&peer, IP6_UNICAST, n);
	ip4addr_ntoa_r(netif_ip4_addr(n), ip, sizeof(ip));
	fprintf(stderr,
		"summary: sent %u frames, %u IPv6 fragments; IPv4 %s%s; "
		"IPv6 MTU %u, path MTU to fe80::1 %u\n",
		sent, sent_frags, ip, dhcp_supplied_address(n) ? " (DHCP)" : "",
		netif_mtu6(n), nd6_get_destination_mtu(&peer, n));
}

/* ---- Back to the start between inputs. */

static void abort_all(struct tcp_pcb **list)
{
	while (*list)
		tcp_abort(*list);
}

static void reset_ip6(struct netif *n)
{
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
		u8_t want = i < 2 ? IP6_ADDR_PREFERRED : IP6_ADDR_INVALID;

		if (netif_ip6_addr_state(n, i) != want)
			netif_ip6_addr_set_state(n, i, want);
	}
#if LWIP_ND6_ALLOW_RA_UPDATES
	n->mtu6 = n->mtu;
#endif
	nd6_cleanup_netif(n);
}

static void reset(void)
{
	struct netif *n = &nif->lw;

	for (int i = 0; i < nconns; i++)
		SYS(SYS_close, conns[i]);
	nconns = 0;
	host_advance(2 * HOST_S); /* retransmissions, delayed ACKs ... */
	abort_all(&tcp_active_pcbs);
	abort_all(&tcp_tw_pcbs);
	dhcp_end(n);
	for (int i = 0; i <= IP_REASS_MAXAGE; i++)
		ip_reass_tmr();
	for (int i = 0; i <= IPV6_REASS_MAXAGE; i++)
		ip6_reass_tmr();
	etharp_cleanup_netif(n);
	reset_ip6(n);
	host_run();
	if (bufs_out != 0 || nif->rx_held != 0) {
		fprintf(stderr, "received buffers not given back: %ld (%d)\n",
			bufs_out, nif->rx_held);
		abort();
	}
}

/* ---- Set-up. */

static void static_addresses(struct netif *n)
{
	ip6_addr_t ip6;
	s8_t slot;

	static_ip4(n);
	netif_set_default(n);
	netif_create_ip6_linklocal_address(n, 1);
	netif_set_ip6_autoconfig_enabled(n, 1);
	memset(&ip6, 0, sizeof(ip6));
	IP6_ADDR(&ip6, PP_HTONL(0xfd000000), 0, 0, PP_HTONL(2));
	if (netif_add_ip6_address(n, &ip6, &slot) != ERR_OK || slot != 1)
		abort();
}

/* A dual-stack socket of type bound to [::]:port. */
static int bound_socket(int type, uint16_t port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port) };
	long fd = SYS(SYS_socket, AF_INET6, type | SOCK_NONBLOCK, 0);

	if (fd < 0 || SYS(SYS_bind, fd, &sa, sizeof(sa)) != 0)
		abort();
	return (int)fd;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *v = getenv("FUZZ_NETIF_VERBOSE");

	(void)argc;
	(void)argv;
	host_kernel_init();
	nif = net_netif_add(&dev);
	if (!nif || !rx_fn)
		abort();
	static_addresses(&nif->lw);
	tcp_fd = bound_socket(SOCK_STREAM, TCP_PORT);
	if (SYS(SYS_listen, tcp_fd, MAX_CONNS) != 0)
		abort();
	udp_fd = bound_socket(SOCK_DGRAM, UDP_PORT);
	host_advance(5 * HOST_S); /* duplicate address detection */
	reset();
	verbose = v && *v && *v != '0';
	return 0;
}

/* The next frame of data[0..n): its length up to the separator. */
static size_t frame_len(const uint8_t *data, size_t n)
{
	for (size_t i = 0; i + sizeof(sep) <= n; i++)
		if (!memcmp(data + i, sep, sizeof(sep)))
			return i;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned stuck = host_stuck();

	dhcp_begin(&nif->lw);
	sent = sent_frags = 0;
	for (;;) {
		size_t len = frame_len(data, size);

		feed(data, len);
		host_run();
		serve();
		if (len == size)
			break;
		data += len + sizeof(sep);
		size -= len + sizeof(sep);
	}
	if (verbose)
		summary(&nif->lw);
	reset();
	if (host_stuck() != stuck) {
		fprintf(stderr, "the event loop never ran dry\n");
		abort();
	}
	return 0;
}
