/* rawnet: raw Ethernet frames through include/os/net.h, for the VM tests
 * and benchmarks of the network drivers. Modes:
 *   info                  print the devices
 *   gateway               (QEMU user networking) ARP for 10.0.2.2 and ping
 *                         it: a frame out and the answer back
 *   answer IP N           answer ARP and ping for IP until N pings
 *   sink SECONDS          count frames arriving for SECONDS, print the rate
 *   blast N SIZE          send N frames of SIZE bytes, print the rate
 * Each prints "rawnet: ..." lines and exits 0 on success. */
#include <arpa/inet.h>
#include <os/loop.h>
#include <os/net.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ETH_ARP 0x0806
#define ETH_IP 0x0800

static uint8_t mac[6];
static uint8_t frame[2048];

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += get16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* An ARP packet (op 1 request, 2 reply) in frame; returns its length. */
static size_t arp(int op, const uint8_t *dst_mac, uint32_t sip, uint32_t tip)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *a = frame + 14;

	memcpy(frame, op == 1 ? bcast : dst_mac, 6);
	memcpy(frame + 6, mac, 6);
	put16(frame + 12, ETH_ARP);
	put16(a, 1);
	put16(a + 2, ETH_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, (uint16_t)op);
	memcpy(a + 8, mac, 6);
	memcpy(a + 14, &sip, 4);
	memset(a + 18, 0, 6);
	if (op == 2)
		memcpy(a + 18, dst_mac, 6);
	memcpy(a + 24, &tip, 4);
	return 60;
}

/* An ICMP echo (type 8) or reply (0) of id/seq from sip to tip. */
static size_t icmp(int type, const uint8_t *dst_mac, uint32_t sip, uint32_t tip,
		   const uint8_t *payload, size_t plen)
{
	uint8_t *ip = frame + 14, *ic = ip + 20;

	memcpy(frame, dst_mac, 6);
	memcpy(frame + 6, mac, 6);
	put16(frame + 12, ETH_IP);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + plen));
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, &sip, 4);
	memcpy(ip + 16, &tip, 4);
	put16(ip + 10, csum(ip, 20));
	memcpy(ic, payload, plen);
	ic[0] = (uint8_t)type;
	ic[1] = 0;
	put16(ic + 2, 0);
	put16(ic + 2, csum(ic, plen));
	return 14 + 20 + plen;
}

static int is_arp_for(const uint8_t *f, ssize_t n, int op, uint32_t ip)
{
	return n >= 42 && get16(f + 12) == ETH_ARP && get16(f + 20) == op &&
	       !memcmp(f + 38, &ip, 4);
}

static int is_icmp(const uint8_t *f, ssize_t n, int type, uint32_t dst)
{
	return n >= 42 && get16(f + 12) == ETH_IP && f[23] == 1 &&
	       !memcmp(f + 30, &dst, 4) && f[34] == type;
}

static int info(void)
{
	for (int i = 0; i < os_net_count(); i++) {
		struct os_net_info in;

		os_net_info(i, &in);
		printf("rawnet: %s %02x:%02x:%02x:%02x:%02x:%02x mtu %u link "
		       "%s driver %s\n",
		       in.name, in.mac[0], in.mac[1], in.mac[2], in.mac[3],
		       in.mac[4], in.mac[5], in.mtu, in.link_up ? "up" : "down",
		       in.driver);
	}
	return os_net_count() > 0;
}

/* Wait up to 2 s for a frame matching want; returns its length or 0. */
static ssize_t wait_for(int (*want)(const uint8_t *, ssize_t, int, uint32_t),
			int arg, uint32_t ip)
{
	uint64_t end = os_clock_ns() + 2000000000ULL;
	ssize_t n;

	while (os_clock_ns() < end) {
		n = os_net_recv(0, frame, sizeof(frame),
				(int64_t)(end - os_clock_ns()));
		if (n > 0 && want(frame, n, arg, ip))
			return n;
	}
	return 0;
}

static int gateway(void)
{
	uint32_t me = inet_addr("10.0.2.15"), gw = inet_addr("10.0.2.2");
	uint8_t gw_mac[6], payload[40] = { 0 };

	os_net_send(0, frame, arp(1, NULL, me, gw));
	if (!wait_for(is_arp_for, 2, me))
		return 0;
	memcpy(gw_mac, frame + 22, 6);
	printf("rawnet: gateway 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x\n",
	       gw_mac[0], gw_mac[1], gw_mac[2], gw_mac[3], gw_mac[4],
	       gw_mac[5]);
	memcpy(payload + 8, "libos raw ping", 14);
	put16(payload + 4, 0x1234);
	put16(payload + 6, 1);
	os_net_send(0, frame,
		    icmp(8, gw_mac, me, gw, payload, sizeof(payload)));
	if (!wait_for(is_icmp, 0, me))
		return 0;
	printf("rawnet: echo reply from 10.0.2.2\n");
	return 1;
}

/* Answer ARP requests for ip and pings to ip, until n pings. */
static int answer(uint32_t ip, int n)
{
	int pings = 0;

	printf("rawnet: answering for %s\n", inet_ntoa(*(struct in_addr *)&ip));
	fflush(stdout);
	while (pings < n) {
		ssize_t len =
			os_net_recv(0, frame, sizeof(frame), 30000000000LL);
		uint8_t peer[6];
		uint32_t pip;

		if (len <= 0)
			return 0;
		memcpy(peer, frame + 6, 6);
		if (is_arp_for(frame, len, 1, ip)) {
			memcpy(&pip, frame + 28, 4);
			os_net_send(0, frame, arp(2, peer, ip, pip));
		} else if (is_icmp(frame, len, 8, ip)) {
			uint8_t payload[1500];
			size_t plen = (size_t)get16(frame + 16) - 20;

			memcpy(&pip, frame + 26, 4);
			memcpy(payload, frame + 34, plen);
			os_net_send(0, frame,
				    icmp(0, peer, ip, pip, payload, plen));
			pings++;
		}
	}
	printf("rawnet: answered %d pings\n", pings);
	return 1;
}

static void print_stats(const char *what, uint64_t frames, uint64_t ns)
{
	struct os_net_stats st;

	os_net_stats(0, &st);
	printf("rawnet: %s %llu frames in %llu ms: %llu frames/s; "
	       "interrupts %llu, notifications %llu, ring full %llu, "
	       "rx drops %llu\n",
	       what, (unsigned long long)frames,
	       (unsigned long long)(ns / 1000000),
	       (unsigned long long)(ns ? frames * 1000000000ULL / ns : 0),
	       (unsigned long long)st.interrupts,
	       (unsigned long long)st.notifications,
	       (unsigned long long)st.tx_ring_full,
	       (unsigned long long)st.rx_drops);
}

static int sink(int seconds)
{
	uint64_t first = 0, last = 0, n = 0;
	uint64_t end = os_clock_ns() + (uint64_t)seconds * 1000000000ULL;

	printf("rawnet: sinking\n");
	fflush(stdout);
	while (os_clock_ns() < end) {
		if (os_net_recv(0, frame, sizeof(frame), 200000000) <= 0) {
			if (n)
				break; /* the sender is done */
			continue;
		}
		last = os_clock_ns();
		if (!n++)
			first = last;
	}
	print_stats("received", n, last - first);
	return n > 0;
}

static int blast(int n, int size)
{
	uint64_t t0 = os_clock_ns();
	int sent = 0;

	memset(frame, 0xff, 6);
	memcpy(frame + 6, mac, 6);
	put16(frame + 12, 0x88b5); /* local experimental ethertype */
	memset(frame + 14, 0x5a, (size_t)size - 14);
	while (sent < n) {
		int r = os_net_send(0, frame, (size_t)size);

		if (r == 0)
			sent++;
		else if (r != -11) /* -EAGAIN: the ring is full, go on */
			return 0;
	}
	print_stats("sent", (uint64_t)sent, os_clock_ns() - t0);
	return 1;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "info";
	struct os_net_info in;
	int ok;

	setvbuf(stdout, 0, _IOLBF, 0);
	if (!info() || os_net_open(0)) {
		printf("rawnet: no network device\n");
		return 1;
	}
	os_net_info(0, &in);
	memcpy(mac, in.mac, 6);
	if (!strcmp(m, "gateway"))
		ok = gateway();
	else if (!strcmp(m, "answer") && argc > 3)
		ok = answer(inet_addr(argv[2]), atoi(argv[3]));
	else if (!strcmp(m, "sink"))
		ok = sink(argc > 2 ? atoi(argv[2]) : 10);
	else if (!strcmp(m, "blast") && argc > 3)
		ok = blast(atoi(argv[2]), atoi(argv[3]));
	else
		ok = !strcmp(m, "info");
	printf("rawnet: %s %s\n", m, ok ? "ok" : "FAILED");
	return !ok;
}
