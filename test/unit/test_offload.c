/* Unit test of net/offload.c on the host: what each outgoing frame asks
 * of a device that offloads TCP checksums and segmentation, and which
 * received frames lwIP may trust. Checksums written by the code under
 * test are completed the way a device does (summing from csum_start to
 * the end) and then verified with this file's own TCP checksum over a
 * pseudo-header built from the addresses. Every frame given to the code
 * sits in a heap buffer of exactly the bytes it says are there, so that
 * ASan reports any read past avail. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "offload.h"

#define MTU 1500
#define ALL_TX \
	(DRV_NETDEV_OFF_TX_CSUM | DRV_NETDEV_OFF_TSO4 | DRV_NETDEV_OFF_TSO6)
#define BIG (65535 + 14)

static uint8_t frame[BIG + 64];

/* ---- Frames. */

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* The Internet checksum of n bytes (odd n padded with a zero), added to
 * acc: a plain byte-pair loop, independent of offload.c's. */
static uint32_t add_bytes(uint32_t acc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		acc += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static void eth(uint8_t *f, unsigned type)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };

	memcpy(f, mac, sizeof(mac));
	put16(f + 12, type);
}

/* A TCP header with opt bytes of options (NOPs) and pay bytes of data
 * at t; the header's length. */
static size_t tcp(uint8_t *t, size_t opt, size_t pay)
{
	size_t thl = 20 + opt;

	memset(t, 0, thl);
	put16(t, 40000);
	put16(t + 2, 7);
	t[4] = 0x12, t[5] = 0x34, t[6] = 0x56, t[7] = 0x78; /* seq */
	t[12] = (uint8_t)(thl / 4 << 4);
	t[13] = 0x18; /* PSH ACK */
	put16(t + 14, 65535);
	put16(t + 16, 0xbeef); /* garbage: must be overwritten */
	memset(t + 20, 1, opt);
	for (size_t i = 0; i < pay; i++)
		t[thl + i] = (uint8_t)(i * 7 + 3);
	return thl;
}

/* Ethernet + IPv4 (ihl words) + proto; the frame's length. frag: the
 * flags/offset field. TCP gets opt bytes of options. */
static size_t ip4(uint8_t *f, unsigned ihl, int proto, size_t opt, size_t pay,
		  unsigned frag)
{
	uint8_t *ip = f + 14;
	size_t hl = ihl * 4, l4;

	eth(f, 0x0800);
	memset(ip, 0, hl);
	ip[0] = (uint8_t)(0x40 | ihl);
	ip[8] = 64;
	ip[9] = (uint8_t)proto;
	put16(ip + 6, frag);
	ip[12] = 10, ip[13] = 0, ip[14] = 0, ip[15] = 2;
	ip[16] = 192, ip[17] = 168, ip[18] = 200, ip[19] = 251;
	memset(ip + 20, 1, hl - 20); /* NOP options */
	if (proto == 6) {
		l4 = tcp(ip + hl, opt, pay);
		l4 += pay;
	} else {
		l4 = 8 + pay;
		memset(ip + hl, 0x5a, l4);
	}
	put16(ip + 2, hl + l4);
	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t)~fold(add_bytes(0, ip, hl)));
	return 14 + hl + l4;
}

/* Ethernet + IPv6 + next header nh (44: a fragment header, then TCP). */
static size_t ip6(uint8_t *f, int nh, size_t opt, size_t pay)
{
	uint8_t *ip = f + 14, *l4 = ip + 40;
	size_t n = 0;

	eth(f, 0x86dd);
	memset(ip, 0, 40);
	ip[0] = 0x60;
	ip[6] = (uint8_t)nh;
	ip[7] = 64;
	for (int i = 0; i < 16; i++) {
		ip[8 + i] = (uint8_t)(i ? 0x10 + i : 0xfd);
		ip[24 + i] = (uint8_t)(0x20 + 3 * i);
	}
	if (nh == 44) {
		memset(l4, 0, 8);
		l4[0] = 6;
		l4[3] = 1; /* M */
		n = 8;
		l4 += 8;
	}
	if (nh == 6 || nh == 44)
		n += tcp(l4, opt, pay) + pay;
	else {
		n += 8 + pay;
		memset(l4, 0x5a, 8 + pay);
	}
	put16(ip + 4, n);
	return 14 + 40 + n;
}

/* Ethernet + IPv6 + an 8-byte extension header of type nh, then a
 * fragment header (M set) and TCP with pay bytes. */
static size_t ip6_ext(int nh, size_t pay)
{
	size_t len = ip6(frame, 44, 0, pay);
	uint8_t *ip = frame + 14;

	memmove(ip + 48, ip + 40, len - 54);
	memset(ip + 40, 0, 8);
	ip[40] = 44; /* next: the fragment header */
	ip[6] = (uint8_t)nh;
	put16(ip + 4, get16(ip + 4) + 8);
	return len + 8;
}

/* The TCP checksum of the segment at l4 (n bytes) from scratch over its
 * pseudo-header: 0xffff when the segment's checksum field is right. */
static uint16_t tcp_verify(const uint8_t *f, size_t l4, size_t n)
{
	uint32_t acc = 6 + (uint32_t)n;

	if ((f[14] >> 4) == 4)
		acc = add_bytes(acc, f + 14 + 12, 8);
	else
		acc = add_bytes(acc, f + 14 + 8, 32);
	return fold(add_bytes(acc, f + l4, n));
}

/* What a device does with t: the sum from csum_start to the end of the
 * frame's len bytes, complemented, at csum_start + csum_offset. */
static void device_complete(uint8_t *f, size_t len,
			    const struct drv_netdev_tx *t)
{
	uint16_t c = (uint16_t)~fold(
		add_bytes(0, f + t->csum_start, len - t->csum_start));

	put16(f + t->csum_start + t->csum_offset, c);
}

/* net_offload_tx on a copy of frame[0..len) in a buffer of exactly avail
 * bytes (avail <= len); the copy comes back in out when given. */
static int tx(size_t avail, size_t len, unsigned off, unsigned mtu,
	      unsigned mss, struct drv_netdev_tx *t, uint8_t *out)
{
	uint8_t *b = malloc(avail ? avail : 1);
	int r;

	assert_non_null(b);
	memcpy(b, frame, avail);
	memset(t, 0x55, sizeof(*t)); /* stale fields must be cleared */
	r = net_offload_tx(b, avail, len, off, mtu, mss, t);
	if (out)
		memcpy(out, b, avail);
	free(b);
	return r;
}

static int trusted(size_t avail, size_t len, int csum)
{
	uint8_t *b = malloc(avail ? avail : 1);
	int r;

	assert_non_null(b);
	memcpy(b, frame, avail);
	r = net_offload_rx_trusted(b, avail, len, csum);
	free(b);
	return r;
}

static void assert_nothing_asked(const struct drv_netdev_tx *t)
{
	assert_int_equal(t->csum, 0);
	assert_int_equal(t->gso, DRV_NETDEV_GSO_NONE);
	assert_int_equal(t->csum_start, 0);
	assert_int_equal(t->csum_offset, 0);
	assert_int_equal(t->gso_size, 0);
	assert_int_equal(t->hdr_len, 0);
}

/* Checksum offload of the TCP frame in frame[] (len bytes, TCP at l4):
 * the fields, the frame otherwise untouched, and the completed checksum
 * valid. */
static void check_csum(size_t len, size_t l4)
{
	static uint8_t out[BIG];
	struct drv_netdev_tx t;

	assert_int_equal(tx(len, len, ALL_TX, MTU, 0, &t, out), 0);
	assert_int_equal(t.csum, 1);
	assert_int_equal(t.gso, DRV_NETDEV_GSO_NONE);
	assert_int_equal(t.csum_start, l4);
	assert_int_equal(t.csum_offset, 16);
	assert_memory_equal(out, frame, l4 + 16);
	assert_memory_equal(out + l4 + 18, frame + l4 + 18, len - l4 - 18);
	device_complete(out, len, &t);
	assert_int_equal(tcp_verify(out, l4, len - l4), 0xffff);
	/* and a wrong pseudo-header sum would not pass */
	out[l4 + 17] ^= 1;
	assert_int_not_equal(tcp_verify(out, l4, len - l4), 0xffff);
}

static void test_tcp4_checksum(void **state)
{
	static const size_t pays[] = { 0, 1, 2, 3, 537, 1000, 1459, 1460 };

	(void)state;
	for (unsigned ihl = 5; ihl <= 15; ihl += 5)
		for (size_t opt = 0; opt <= 40; opt += 12)
			for (size_t i = 0; i < sizeof(pays) / sizeof(*pays);
			     i++) {
				size_t pay = pays[i], len;

				if (ihl * 4 + 20 + opt + pay > MTU)
					continue;
				len = ip4(frame, ihl, 6, opt, pay, 0);
				check_csum(len, 14 + ihl * 4);
			}
}

static void test_tcp6_checksum(void **state)
{
	static const size_t pays[] = { 0, 1, 3, 1000, 1439, 1440 };

	(void)state;
	for (size_t opt = 0; opt <= 40; opt += 20)
		for (size_t i = 0; i < sizeof(pays) / sizeof(*pays); i++) {
			if (40 + 20 + opt + pays[i] > MTU)
				continue;
			check_csum(ip6(frame, 6, opt, pays[i]), 54);
		}
}

/* No TX_CSUM offered: the frame is sent as lwIP made it. */
static void test_tcp_no_csum_offload(void **state)
{
	static uint8_t out[2000];
	struct drv_netdev_tx t;
	size_t len = ip4(frame, 5, 6, 0, 100, 0);

	(void)state;
	assert_int_equal(tx(len, len,
			    DRV_NETDEV_OFF_TSO4 | DRV_NETDEV_OFF_RX_CSUM, MTU,
			    1460, &t, out),
			 0);
	assert_nothing_asked(&t);
	assert_memory_equal(out, frame, len);
}

/* A GSO frame: fields, checksum, and the frame otherwise untouched. */
static void check_gso(size_t len, unsigned off, unsigned mtu, unsigned mss,
		      int gso, size_t hdr_len, unsigned gso_size)
{
	static uint8_t out[BIG];
	struct drv_netdev_tx t;
	size_t l4 =
		(frame[14] >> 4) == 4 ? 14 + (size_t)(frame[14] & 0xf) * 4 : 54;

	assert_int_equal(tx(len, len, off, mtu, mss, &t, out), 0);
	assert_int_equal(t.gso, gso);
	assert_int_equal(t.gso_size, gso_size);
	assert_int_equal(t.hdr_len, hdr_len);
	assert_int_equal(t.csum, 1);
	assert_int_equal(t.csum_start, l4);
	assert_int_equal(t.csum_offset, 16);
	assert_memory_equal(out, frame, l4 + 16);
	assert_memory_equal(out + l4 + 18, frame + l4 + 18, len - l4 - 18);
	device_complete(out, len, &t);
	assert_int_equal(tcp_verify(out, l4, len - l4), 0xffff);
}

static void test_gso4(void **state)
{
	size_t len;

	(void)state;
	/* 10 MSS, no options: the connection's MSS */
	len = ip4(frame, 5, 6, 0, 14600, 0);
	check_gso(len, ALL_TX, MTU, 1460, DRV_NETDEV_GSO_TCPV4, 54, 1460);
	check_gso(len, DRV_NETDEV_OFF_TX_CSUM | DRV_NETDEV_OFF_TSO4, MTU, 536,
		  DRV_NETDEV_GSO_TCPV4, 54, 536);
	/* mss 0: what the MTU allows; too large an MSS: the same */
	check_gso(len, ALL_TX, MTU, 0, DRV_NETDEV_GSO_TCPV4, 54, 1460);
	check_gso(len, ALL_TX, MTU, 9000, DRV_NETDEV_GSO_TCPV4, 54, 1460);
	check_gso(len, ALL_TX, 9000, 0, DRV_NETDEV_GSO_TCPV4, 54, 8960);
	/* TCP options (12 bytes: timestamps) come off the MSS */
	len = ip4(frame, 5, 6, 12, 20000, 0);
	check_gso(len, ALL_TX, MTU, 1460, DRV_NETDEV_GSO_TCPV4, 66, 1448);
	check_gso(len, ALL_TX, MTU, 0, DRV_NETDEV_GSO_TCPV4, 66, 1448);
	/* IP options: the segments must still fit the MTU */
	len = ip4(frame, 6, 6, 12, 20000, 0);
	check_gso(len, ALL_TX, MTU, 1460, DRV_NETDEV_GSO_TCPV4, 70, 1444);
	len = ip4(frame, 15, 6, 40, 20000, 0);
	check_gso(len, ALL_TX, MTU, 1000, DRV_NETDEV_GSO_TCPV4, 14 + 60 + 60,
		  960);
	/* the longest: a 64 KiB datagram */
	len = ip4(frame, 5, 6, 0, 65535 - 40, 0);
	assert_int_equal(len, BIG);
	check_gso(len, ALL_TX, MTU, 1460, DRV_NETDEV_GSO_TCPV4, 54, 1460);
	/* one byte over the MTU is cut too */
	len = ip4(frame, 5, 6, 0, 1461, 0);
	check_gso(len, ALL_TX, MTU, 1460, DRV_NETDEV_GSO_TCPV4, 54, 1460);
}

static void test_gso6(void **state)
{
	size_t len;

	(void)state;
	len = ip6(frame, 6, 0, 30000);
	check_gso(len, ALL_TX, MTU, 1440, DRV_NETDEV_GSO_TCPV6, 74, 1440);
	check_gso(len, DRV_NETDEV_OFF_TX_CSUM | DRV_NETDEV_OFF_TSO6, MTU, 0,
		  DRV_NETDEV_GSO_TCPV6, 74, 1440);
	len = ip6(frame, 6, 12, 30000);
	check_gso(len, ALL_TX, MTU, 1440, DRV_NETDEV_GSO_TCPV6, 86, 1428);
	len = ip6(frame, 6, 0, BIG - 74);
	assert_int_equal(len, BIG);
	check_gso(len, ALL_TX, MTU, 1440, DRV_NETDEV_GSO_TCPV6, 74, 1440);
}

/* Exactly the MTU: no GSO. Over it without everything GSO needs:
 * -EMSGSIZE. */
static void test_gso_only_when_needed_and_offered(void **state)
{
	struct drv_netdev_tx t;
	size_t len;

	(void)state;
	len = ip4(frame, 5, 6, 0, 1460, 0);
	assert_int_equal(tx(len, len, ALL_TX, MTU, 1460, &t, NULL), 0);
	assert_int_equal(t.gso, DRV_NETDEV_GSO_NONE);
	assert_int_equal(t.csum, 1);

	len = ip4(frame, 5, 6, 0, 3000, 0);
	assert_int_equal(tx(len, len, DRV_NETDEV_OFF_TSO4, MTU, 1460, &t, NULL),
			 -EMSGSIZE);
	assert_int_equal(
		tx(len, len, DRV_NETDEV_OFF_TX_CSUM, MTU, 1460, &t, NULL),
		-EMSGSIZE);
	assert_int_equal(tx(len, len,
			    DRV_NETDEV_OFF_TX_CSUM | DRV_NETDEV_OFF_TSO6, MTU,
			    1460, &t, NULL),
			 -EMSGSIZE);
	assert_int_equal(tx(len, len, 0, MTU, 1460, &t, NULL), -EMSGSIZE);
	len = ip6(frame, 6, 0, 3000);
	assert_int_equal(tx(len, len,
			    DRV_NETDEV_OFF_TX_CSUM | DRV_NETDEV_OFF_TSO4, MTU,
			    1440, &t, NULL),
			 -EMSGSIZE);
	assert_int_equal(tx(len, len, DRV_NETDEV_OFF_TSO6, MTU, 1440, &t, NULL),
			 -EMSGSIZE);
}

/* UDP, ICMP, ARP: nothing asked, nothing written; too long: -EMSGSIZE. */
static void test_other_frames_ask_nothing(void **state)
{
	static uint8_t out[4000];
	struct drv_netdev_tx t;
	size_t len;

	(void)state;
	len = ip4(frame, 5, 17, 0, 100, 0);
	assert_int_equal(tx(len, len, ALL_TX, MTU, 1460, &t, out), 0);
	assert_nothing_asked(&t);
	assert_memory_equal(out, frame, len);
	len = ip4(frame, 5, 1, 0, 56, 0);
	assert_int_equal(tx(len, len, ALL_TX, MTU, 1460, &t, out), 0);
	assert_nothing_asked(&t);
	assert_memory_equal(out, frame, len);
	len = ip6(frame, 17, 0, 100);
	assert_int_equal(tx(len, len, ALL_TX, MTU, 1440, &t, out), 0);
	assert_nothing_asked(&t);
	assert_memory_equal(out, frame, len);
	len = ip6(frame, 58, 0, 100); /* ICMPv6 */
	assert_int_equal(tx(len, len, ALL_TX, MTU, 1440, &t, out), 0);
	assert_nothing_asked(&t);
	eth(frame, 0x0806); /* ARP: 28 bytes, padded to 60 */
	memset(frame + 14, 0x11, 46);
	assert_int_equal(tx(42, 42, ALL_TX, MTU, 0, &t, out), 0);
	assert_nothing_asked(&t);
	assert_int_equal(tx(60, 60, ALL_TX, MTU, 0, &t, out), 0);
	assert_nothing_asked(&t);
	assert_memory_equal(out, frame, 60);
	/* too long for the MTU and not TCP */
	len = ip4(frame, 5, 17, 0, 3000, 0);
	assert_int_equal(tx(len, len, ALL_TX, MTU, 1460, &t, NULL), -EMSGSIZE);
	len = ip6(frame, 17, 0, 3000);
	assert_int_equal(tx(len, len, ALL_TX, MTU, 1440, &t, NULL), -EMSGSIZE);
	eth(frame, 0x0806);
	assert_int_equal(tx(1515, 1515, ALL_TX, MTU, 0, &t, NULL), -EMSGSIZE);
	assert_int_equal(tx(1514, 1514, ALL_TX, MTU, 0, &t, NULL), 0);
}

/* IP fragments of TCP (the checksum covers other frames): nothing. */
static void test_fragments_ask_nothing(void **state)
{
	static const unsigned frags[] = { 0x2000, 0x0001, 0x2010, 0x1fff };
	static uint8_t out[4000];
	struct drv_netdev_tx t;
	size_t len;

	(void)state;
	for (unsigned i = 0; i < sizeof(frags) / sizeof(*frags); i++) {
		len = ip4(frame, 5, 6, 0, 1000, frags[i]);
		assert_int_equal(tx(len, len, ALL_TX, MTU, 1460, &t, out), 0);
		assert_nothing_asked(&t);
		assert_memory_equal(out, frame, len);
		len = ip4(frame, 5, 6, 0, 3000, frags[i]);
		assert_int_equal(tx(len, len, ALL_TX, MTU, 1460, &t, NULL),
				 -EMSGSIZE);
	}
	/* DF alone is no fragment */
	len = ip4(frame, 5, 6, 0, 1000, 0x4000);
	assert_int_equal(tx(len, len, ALL_TX, MTU, 1460, &t, NULL), 0);
	assert_int_equal(t.csum, 1);
	len = ip6(frame, 44, 0, 1000);
	assert_int_equal(tx(len, len, ALL_TX, MTU, 1440, &t, out), 0);
	assert_nothing_asked(&t);
	assert_memory_equal(out, frame, len);
	len = ip6(frame, 44, 0, 3000);
	assert_int_equal(tx(len, len, ALL_TX, MTU, 1440, &t, NULL), -EMSGSIZE);
}

/* Headers cut at every byte: -EAGAIN until they are all there, then the
 * same answer as for the whole frame; never a read past avail. */
static void check_every_cut(size_t len, size_t hdr, unsigned mss)
{
	struct drv_netdev_tx whole, t;

	assert_int_equal(tx(len, len, ALL_TX, MTU, mss, &whole, NULL), 0);
	for (size_t avail = 0; avail <= len && avail <= hdr + 40; avail++) {
		int r = tx(avail, len, ALL_TX, MTU, mss, &t, NULL);

		if (avail < hdr) {
			assert_int_equal(r, -EAGAIN);
			continue;
		}
		assert_int_equal(r, 0);
		assert_memory_equal(&t, &whole, sizeof(t));
	}
}

static void test_cut_headers_again(void **state)
{
	size_t len;

	(void)state;
	len = ip4(frame, 5, 6, 0, 100, 0);
	check_every_cut(len, 54, 1460);
	len = ip4(frame, 7, 6, 12, 100, 0);
	check_every_cut(len, 14 + 28 + 20, 1460);
	len = ip4(frame, 6, 6, 12, 5000, 0); /* GSO */
	check_every_cut(len, 14 + 24 + 20, 1460);
	len = ip6(frame, 6, 0, 100);
	check_every_cut(len, 74, 1440);
	len = ip6(frame, 6, 20, 5000);
	check_every_cut(len, 74, 1440);
	/* not TCP: only the IP header is needed */
	len = ip4(frame, 5, 17, 0, 100, 0);
	check_every_cut(len, 34, 0);
	len = ip6(frame, 17, 0, 100);
	check_every_cut(len, 54, 0);
}

/* Headers that lie: an error or no offload, never a read past avail nor
 * a checksum field outside the packet. */
static void check_no_harm(size_t len)
{
	struct drv_netdev_tx t;

	for (size_t avail = 0; avail <= len; avail++) {
		int r = tx(avail, len, ALL_TX, MTU, 1460, &t, NULL);

		if (r) {
			assert_true(r == -EAGAIN || r == -EMSGSIZE);
			continue;
		}
		if (t.csum) {
			assert_true(t.csum_start + t.csum_offset + 2u <= avail);
			assert_true(
				t.csum_start + t.csum_offset + 2u <=
				14 + (size_t)((frame[14] >> 4) == 4 ?
						      get16(frame + 16) :
						      40 + get16(frame + 18)));
		}
		if (t.gso)
			assert_true(t.hdr_len < len && t.gso_size > 0);
	}
}

static void test_malformed(void **state)
{
	struct drv_netdev_tx t;
	size_t len;

	(void)state;
	/* IPv4 ethertype, version 6 */
	len = ip4(frame, 5, 6, 0, 100, 0);
	frame[14] = 0x65;
	assert_int_equal(tx(len, len, ALL_TX, MTU, 1460, &t, NULL), -EMSGSIZE);
	check_no_harm(len);
	/* ihl below 5 */
	for (unsigned ihl = 0; ihl < 5; ihl++) {
		len = ip4(frame, 5, 6, 0, 100, 0);
		frame[14] = (uint8_t)(0x40 | ihl);
		assert_int_equal(tx(len, len, ALL_TX, MTU, 1460, &t, NULL),
				 -EMSGSIZE);
		check_no_harm(len);
	}
	/* total length past the frame, or shorter than the header */
	len = ip4(frame, 5, 6, 0, 100, 0);
	put16(frame + 16, len - 14 + 1);
	assert_int_equal(tx(len, len, ALL_TX, MTU, 1460, &t, NULL), -EMSGSIZE);
	check_no_harm(len);
	put16(frame + 16, 19);
	assert_int_equal(tx(len, len, ALL_TX, MTU, 1460, &t, NULL), -EMSGSIZE);
	check_no_harm(len);
	/* ihl past the total length */
	len = ip4(frame, 5, 6, 0, 100, 0);
	frame[14] = 0x4f;
	put16(frame + 16, 40);
	check_no_harm(len);
	/* a TCP packet too short for a TCP header, in a padded frame */
	len = ip4(frame, 5, 6, 0, 100, 0);
	put16(frame + 16, 20 + 10);
	check_no_harm(len);
	/* IPv6: version 4, payload past the frame, a short TCP packet */
	len = ip6(frame, 6, 0, 100);
	frame[14] = 0x40;
	assert_int_equal(tx(len, len, ALL_TX, MTU, 1440, &t, NULL), -EMSGSIZE);
	check_no_harm(len);
	len = ip6(frame, 6, 0, 100);
	put16(frame + 18, len - 54 + 1);
	assert_int_equal(tx(len, len, ALL_TX, MTU, 1440, &t, NULL), -EMSGSIZE);
	check_no_harm(len);
	put16(frame + 18, 6);
	check_no_harm(len);
	/* a large TCP packet whose data offset lies */
	len = ip4(frame, 5, 6, 0, 5000, 0);
	frame[14 + 20 + 12] = 0x40; /* 16 bytes */
	assert_int_equal(tx(len, len, ALL_TX, MTU, 1460, &t, NULL), -EMSGSIZE);
	check_no_harm(len);
	len = ip4(frame, 5, 6, 0, 5000, 0);
	put16(frame + 16, 20 + 40); /* header says 60, data offset 20 */
	frame[14 + 20 + 12] = 0xf0;
	check_no_harm(len);
	/* shorter than an Ethernet header */
	for (len = 0; len < 14; len++)
		assert_int_equal(tx(len, len, ALL_TX, MTU, 1460, &t, NULL),
				 -EMSGSIZE);
}

/* Random bytes under IPv4 and IPv6 ethertypes, exact buffers: the
 * answers stay within the frame. */
static void test_random_frames(void **state)
{
	(void)state;
	srand(15);
	for (int i = 0; i < 3000; i++) {
		size_t len = (size_t)(rand() % 200);

		for (size_t j = 0; j < len; j++)
			frame[j] = (uint8_t)rand();
		if (len >= 14)
			put16(frame + 12, i & 1 ? 0x0800 : 0x86dd);
		if (len > 14 && (i & 2))
			frame[14] = (uint8_t)((i & 1 ? 0x40 : 0x60) |
					      (frame[14] & 0xf));
		if (len > 23 && (i & 4))
			frame[14 + ((i & 1) ? 9 : 6)] = 6;
		check_no_harm(len);
		for (size_t avail = 0; avail <= len; avail++)
			(void)trusted(avail, len, rand() % 3);
	}
}

static void test_rx_trusted(void **state)
{
	size_t len;

	(void)state;
	len = ip4(frame, 5, 6, 0, 100, 0);
	assert_true(trusted(len, len, DRV_NETBUF_CSUM_VALID));
	assert_true(trusted(len, len, DRV_NETBUF_CSUM_PARTIAL));
	assert_false(trusted(len, len, DRV_NETBUF_CSUM_NONE));
	assert_false(trusted(len, len, 7));
	len = ip4(frame, 6, 17, 0, 100, 0);
	assert_true(trusted(len, len, DRV_NETBUF_CSUM_VALID));
	assert_false(trusted(len, len, DRV_NETBUF_CSUM_NONE));
	len = ip6(frame, 6, 0, 100);
	assert_true(trusted(len, len, DRV_NETBUF_CSUM_VALID));
	assert_true(trusted(len, len, DRV_NETBUF_CSUM_PARTIAL));
	assert_false(trusted(len, len, DRV_NETBUF_CSUM_NONE));
	/* a 64 KiB segment */
	len = ip4(frame, 5, 6, 0, 65535 - 40, 0);
	assert_true(trusted(len, len, DRV_NETBUF_CSUM_VALID));
}

static void test_rx_fragments_never_trusted(void **state)
{
	static const unsigned frags[] = { 0x2000, 0x0001, 0x2010, 0x1fff };
	size_t len;

	(void)state;
	for (unsigned i = 0; i < sizeof(frags) / sizeof(*frags); i++) {
		for (int proto = 6; proto <= 17; proto += 11) {
			len = ip4(frame, 5, proto, 0, 100, frags[i]);
			assert_false(trusted(len, len, DRV_NETBUF_CSUM_VALID));
			assert_false(
				trusted(len, len, DRV_NETBUF_CSUM_PARTIAL));
		}
	}
	len = ip6(frame, 44, 0, 100);
	assert_false(trusted(len, len, DRV_NETBUF_CSUM_VALID));
	assert_false(trusted(len, len, DRV_NETBUF_CSUM_PARTIAL));
	/* a fragment header after other extension headers (hop-by-hop,
	 * routing, destination options): still a fragment */
	for (int nh = 0; nh < 3; nh++) {
		static const uint8_t ext[] = { 0, 43, 60 };

		len = ip6_ext(ext[nh], 100);
		assert_false(trusted(len, len, DRV_NETBUF_CSUM_VALID));
		assert_false(trusted(len, len, DRV_NETBUF_CSUM_PARTIAL));
	}
}

static void test_rx_cut_or_malformed_never_trusted(void **state)
{
	size_t len;

	(void)state;
	len = ip4(frame, 5, 6, 0, 100, 0);
	for (size_t avail = 0; avail < 34; avail++)
		assert_false(trusted(avail, len, DRV_NETBUF_CSUM_VALID));
	assert_true(trusted(34, len, DRV_NETBUF_CSUM_VALID));
	len = ip6(frame, 6, 0, 100);
	for (size_t avail = 0; avail < 54; avail++)
		assert_false(trusted(avail, len, DRV_NETBUF_CSUM_VALID));
	assert_true(trusted(54, len, DRV_NETBUF_CSUM_VALID));
	/* IP lengths past the frame; bad version; ihl below 5 */
	len = ip4(frame, 5, 6, 0, 100, 0);
	assert_false(trusted(len, len - 1, DRV_NETBUF_CSUM_VALID));
	frame[14] = 0x44;
	assert_false(trusted(len, len, DRV_NETBUF_CSUM_VALID));
	frame[14] = 0x65;
	assert_false(trusted(len, len, DRV_NETBUF_CSUM_VALID));
	len = ip6(frame, 6, 0, 100);
	assert_false(trusted(len, len - 1, DRV_NETBUF_CSUM_PARTIAL));
	frame[14] = 0x45;
	assert_false(trusted(len, len, DRV_NETBUF_CSUM_VALID));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp4_checksum),
		cmocka_unit_test(test_tcp6_checksum),
		cmocka_unit_test(test_tcp_no_csum_offload),
		cmocka_unit_test(test_gso4),
		cmocka_unit_test(test_gso6),
		cmocka_unit_test(test_gso_only_when_needed_and_offered),
		cmocka_unit_test(test_other_frames_ask_nothing),
		cmocka_unit_test(test_fragments_ask_nothing),
		cmocka_unit_test(test_cut_headers_again),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_random_frames),
		cmocka_unit_test(test_rx_trusted),
		cmocka_unit_test(test_rx_fragments_never_trusted),
		cmocka_unit_test(test_rx_cut_or_malformed_never_trusted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
