/* libFuzzer target: hostile zone databases. The input is a database
 * (lib/dns/include/dns/db.h) whose size field and CRC this target makes
 * right again before dns_db_open(), so that mutations reach the
 * structural checks instead of the CRC. When the database is accepted,
 * a fixed set of queries derived from its own owner names (each name,
 * a child "zz." of it, a child "*." and a long child, under qtypes A,
 * NS, CNAME, SOA, MX, TXT, AAAA, SRV, DS, ANY) is answered over UDP and
 * TCP into heap blocks of exactly 4096 and 65535 octets from a heap copy
 * of exactly the database's size, so ASan and UBSan see any read
 * outside the database or write past the output; every response must
 * stay within its transport's limit. ctest's unit.fuzz_dns_db runs 30000
 * inputs from the sample zones' database (about 200 inputs/s: each
 * accepted database gets some 2000 answers). Longer runs by hand, seeded
 * with any databases (build/examples/dns/db/zones.db, or ones dbwrite.c
 * wrote):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -Ilib/dns/include -Ilib/dns test/fuzz/fuzz_dns_db.c lib/dns/[a-z]*.c \
 *     -o fuzz_dns_db && ./fuzz_dns_db -max_len=9000 NEWDIR SEEDDIR */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/db.h"
#include "dns/wire.h"

#define UDP_OUTMAX 4096
#define NAMES_MAX 48 /* owner names queried per database */

static void fail(const char *what, int line)
{
	fprintf(stderr, "fuzz_dns_db.c:%d: invariant failed: %s\n", line, what);
	abort();
}

#define CHECK(c) ((c) ? (void)0 : fail(#c, __LINE__))

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* A query for name (prefix labels prepended) of qtype, with EDNS. */
static size_t query(uint8_t *q, const uint8_t *prefix, size_t plen,
		    const uint8_t *name, uint16_t qtype)
{
	size_t n = dns_name_len(name, DNS_NAME_MAX), at = 12;

	if (plen + n > DNS_NAME_MAX)
		plen = 0;
	memset(q, 0, 12);
	q[0] = 0x12;
	q[1] = 0x34;
	q[5] = 1;  /* QDCOUNT */
	q[11] = 1; /* ARCOUNT: OPT */
	if (plen)
		memcpy(q + at, prefix, plen);
	memcpy(q + at + plen, name, n);
	at += plen + n;
	q[at++] = (uint8_t)(qtype >> 8);
	q[at++] = (uint8_t)qtype;
	q[at++] = 0;
	q[at++] = 1;
	/* OPT: root, type 41, size 4096, rcode/version/flags 0, rdlen 0 */
	static const uint8_t opt[] = { 0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 0 };
	memcpy(q + at, opt, sizeof(opt));
	return at + sizeof(opt);
}

static void ask(const struct dns_db *db, const uint8_t *q, size_t qlen,
		uint8_t *udp, uint8_t *tcp)
{
	uint8_t *pkt = malloc(qlen);
	size_t n;

	memcpy(pkt, q, qlen);
	n = dns_answer(db, pkt, qlen, udp, UDP_OUTMAX, DNS_UDP, NULL);
	CHECK(n <= DNS_EDNS_UDP_SIZE);
	n = dns_answer(db, pkt, qlen, tcp, DNS_MSG_MAX, DNS_TCP, NULL);
	CHECK(n <= DNS_MSG_MAX);
	free(pkt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { 1, 2, 5, 6, 15, 16, 28, 33, 43, 255 };
	static const uint8_t zz[] = { 2, 'z', 'z' }, star[] = { 1, '*' };
	uint8_t longp[64], q[DNS_NAME_MAX + 64];
	struct dns_db db;
	const char *why;
	uint8_t *buf, *udp, *tcp;

	if (size < DNS_DB_HEADER_LEN || size > (1u << 20))
		return 0;
	buf = malloc(size);
	memcpy(buf, data, size);
	put_le32(buf + 12, (uint32_t)size);
	put_le32(buf + 16, dns_db_crc32(0, buf + 20, size - 20));
	if (dns_db_open(&db, buf, size, &why)) {
		free(buf);
		return 0;
	}
	udp = malloc(UDP_OUTMAX);
	tcp = malloc(DNS_MSG_MAX);
	longp[0] = 62;
	memset(longp + 1, 'l', 62);
	for (uint32_t i = 0; i < db.nnames && i < NAMES_MAX; i++) {
		const uint8_t *owner = buf + le32(db.names + 16 * i);

		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			size_t n = query(q, NULL, 0, owner, types[t]);

			ask(&db, q, n, udp, tcp);
			n = query(q, zz, sizeof(zz), owner, types[t]);
			ask(&db, q, n, udp, tcp);
		}
		ask(&db, q, query(q, star, sizeof(star), owner, 1), udp, tcp);
		ask(&db, q, query(q, longp, 63, owner, 1), udp, tcp);
		ask(&db, q, query(q, longp, 63, owner, 5), udp, tcp);
	}
	free(tcp);
	free(udp);
	free(buf);
	return 0;
}
