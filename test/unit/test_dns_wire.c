/* Unit tests of lib/dns (dns/wire.h): the query parser against every
 * hostile packet of issue 12 (compression loops and forward pointers,
 * pointers past the end or into the header, long labels and names, counts
 * that lie, QR set, truncation anywhere, bad OPT RRs), the name order of
 * RFC 4034 s6.1, and the builder: responses with RRs of every type read
 * back by a small reader of this file, compression used where RFC 3597
 * allows it and only there, and truncation at an RRset boundary. Packets
 * are parsed from heap blocks of exactly their size, so that a read past
 * the end is caught by ASan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns/wire.h"
#include "dns_testzone.h"

/* ---- Writing packets. */

struct pkt {
	uint8_t b[2048];
	size_t n;
};

static void put(struct pkt *p, const void *d, size_t n)
{
	assert_true(p->n + n <= sizeof(p->b));
	if (n)
		memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void put8(struct pkt *p, uint8_t v)
{
	put(p, &v, 1);
}

static void put16(struct pkt *p, uint16_t v)
{
	put8(p, (uint8_t)(v >> 8));
	put8(p, (uint8_t)v);
}

static void put32(struct pkt *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p, (uint16_t)v);
}

static void put_name(struct pkt *p, const char *dotted)
{
	uint8_t w[512];

	put(p, w, tz_wire(dotted, w));
}

static void header(struct pkt *p, uint16_t flags, uint16_t qd, uint16_t an,
		   uint16_t ns, uint16_t ar)
{
	p->n = 0;
	put16(p, 0x1234);
	put16(p, flags);
	put16(p, qd);
	put16(p, an);
	put16(p, ns);
	put16(p, ar);
}

/* A query for name/type IN with RD and the given additional count. */
static void query(struct pkt *p, const char *name, uint16_t type, uint16_t ar)
{
	header(p, DNS_FLAG_RD, 1, 0, 0, ar);
	put_name(p, name);
	put16(p, type);
	put16(p, DNS_CLASS_IN);
}

/* An OPT RR: payload size, extended RCODE, version, DO, options. */
static void opt(struct pkt *p, uint16_t size, uint8_t ext, uint8_t version,
		bool do_bit, const void *opts, uint16_t optlen)
{
	put8(p, 0);
	put16(p, DNS_TYPE_OPT);
	put16(p, size);
	put8(p, ext);
	put8(p, version);
	put16(p, do_bit ? 0x8000 : 0);
	put16(p, optlen);
	put(p, opts, optlen);
}

/* Parse p->b[0..len) from a heap block of exactly that size. */
static int parse_n(const struct pkt *p, size_t len, struct dns_query *q)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, p->b, len);
	rc = dns_parse_query(copy, len, q);
	free(copy);
	return rc;
}

static int parse(const struct pkt *p, struct dns_query *q)
{
	return parse_n(p, p->n, q);
}

/* ---- The parser. */

static void test_parse_plain(void **state)
{
	struct pkt p;
	struct dns_query q;
	uint8_t w[64];

	(void)state;
	query(&p, "WwW.ExAmple.COM", DNS_TYPE_AAAA, 0);
	assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
	assert_int_equal(q.id, 0x1234);
	assert_true(q.rd);
	assert_false(q.cd);
	assert_int_equal(q.opcode, 0);
	assert_true(q.has_question);
	assert_int_equal(q.qname_len, tz_wire("WwW.ExAmple.COM", w));
	assert_memory_equal(q.qname, w, q.qname_len);
	tz_wire("www.example.com", w);
	assert_memory_equal(q.qname_lc, w, q.qname_len);
	assert_int_equal(q.qtype, DNS_TYPE_AAAA);
	assert_int_equal(q.qclass, DNS_CLASS_IN);
	assert_false(q.edns);
	assert_int_equal(dns_query_udp_size(&q), 512);

	query(&p, ".", DNS_TYPE_NS, 0); /* the root */
	assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
	assert_int_equal(q.qname_len, 1);
}

static void test_parse_short_and_qr(void **state)
{
	struct pkt p;
	struct dns_query q;

	(void)state;
	query(&p, "example.com", DNS_TYPE_A, 0);
	for (size_t n = 0; n < DNS_HEADER_LEN; n++)
		assert_int_equal(parse_n(&p, n, &q), DNS_PARSE_DROP);
	/* Cut anywhere in the question: FORMERR. */
	for (size_t n = DNS_HEADER_LEN; n < p.n; n++)
		assert_int_equal(parse_n(&p, n, &q), DNS_PARSE_FORMERR);
	p.b[2] |= 0x80; /* QR: a response */
	assert_int_equal(parse(&p, &q), DNS_PARSE_DROP);
}

static void test_parse_counts(void **state)
{
	struct pkt p;
	struct dns_query q;

	(void)state;
	header(&p, 0, 0, 0, 0, 0); /* QDCOUNT 0 */
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	assert_false(q.has_question);
	header(&p, 0, 2, 0, 0, 0); /* QDCOUNT 2, two questions */
	for (int i = 0; i < 2; i++) {
		put_name(&p, "a.example");
		put16(&p, DNS_TYPE_A);
		put16(&p, DNS_CLASS_IN);
	}
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	header(&p, 0, 2, 0, 0, 0); /* QDCOUNT 2, one question */
	put_name(&p, "a.example");
	put16(&p, DNS_TYPE_A);
	put16(&p, DNS_CLASS_IN);
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	/* ANCOUNT 1 and NSCOUNT 1, with and without an RR there. */
	for (int sec = 0; sec < 2; sec++) {
		header(&p, 0, 1, sec == 0, sec == 1, 0);
		put_name(&p, "a.example");
		put16(&p, DNS_TYPE_A);
		put16(&p, DNS_CLASS_IN);
		assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
		assert_true(q.has_question); /* for the FORMERR answer */
		put_name(&p, "a.example");
		put16(&p, DNS_TYPE_A);
		put16(&p, DNS_CLASS_IN);
		put32(&p, 60);
		put16(&p, 4);
		put32(&p, 0x7f000001);
		assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	}
	/* ARCOUNT 1 with nothing, then with garbage, then 2 with one RR. */
	query(&p, "a.example", DNS_TYPE_A, 1);
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	put(&p, "\x07garbage", 8);
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	query(&p, "a.example", DNS_TYPE_A, 2);
	opt(&p, 1232, 0, 0, false, NULL, 0);
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	p.b[11] = 1; /* ARCOUNT 1: the same packet is fine */
	assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
}

static void test_parse_trailing(void **state)
{
	struct pkt p;
	struct dns_query q;

	(void)state;
	query(&p, "a.example", DNS_TYPE_A, 0);
	put8(&p, 0);
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	query(&p, "a.example", DNS_TYPE_A, 1);
	opt(&p, 1232, 0, 0, false, NULL, 0);
	assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
	put(&p, "xyz", 3);
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

/* A query for a.example with one additional TXT RR whose owner is
 * "foo" then the compression pointer ptr. */
static void query_with_owner_pointer(struct pkt *p, uint16_t ptr)
{
	query(p, "a.example", DNS_TYPE_A, 1);
	put(p,
	    "\x03"
	    "foo",
	    4);
	put16(p, 0xc000 | ptr);
	put16(p, DNS_TYPE_TXT);
	put16(p, DNS_CLASS_IN);
	put32(p, 0);
	put16(p, 1);
	put8(p, 0);
}

static void test_parse_pointers(void **state)
{
	struct pkt p;
	struct dns_query q;

	(void)state;
	/* Backwards, into the question's name: fine. */
	query_with_owner_pointer(&p, 12);
	assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
	query_with_owner_pointer(&p, 14); /* its second label, "example" */
	assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
	/* Into the header. */
	for (uint16_t to = 0; to < DNS_HEADER_LEN; to++) {
		query_with_owner_pointer(&p, to);
		assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	}
	/* At itself (a loop) and at its own "foo" label (a loop too). */
	size_t owner = DNS_HEADER_LEN + 11 + 4;

	query_with_owner_pointer(&p, (uint16_t)(owner + 4));
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	query_with_owner_pointer(&p, (uint16_t)owner);
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	/* Forward (to the RR's RDATA's empty string, a root label), and
	 * past the end. */
	query_with_owner_pointer(&p, (uint16_t)(owner + 16));
	assert_int_equal(p.b[owner + 16], 0);
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	query_with_owner_pointer(&p, 0x3fff);
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	/* A pointer cut after its first octet. */
	query(&p, "a.example", DNS_TYPE_A, 1);
	put8(&p, 0xc0);
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	/* The question's name itself a pointer: only the header is before. */
	header(&p, 0, 1, 0, 0, 0);
	put16(&p, 0xc000 | 12);
	put16(&p, DNS_TYPE_A);
	put16(&p, DNS_CLASS_IN);
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	/* Two pointers each pointing at the other: one goes forward. */
	query(&p, "a.example", DNS_TYPE_A, 2);
	size_t first = p.n;

	for (int i = 0; i < 2; i++) {
		put16(&p, (uint16_t)(0xc000 | (i ? first : first + 12)));
		put16(&p, DNS_TYPE_TXT);
		put16(&p, DNS_CLASS_IN);
		put32(&p, 0);
		put16(&p, 0);
	}
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

/* A query whose second additional RR's owner is reached through k + 1
 * pointers: a chain of k pointers in the first RR's RDATA, each to the
 * one before, the first to a root label. */
static void query_with_chain(struct pkt *p, int k)
{
	size_t rdata;

	query(p, "a.example", DNS_TYPE_A, 2);
	put8(p, 0);
	put16(p, DNS_TYPE_TXT);
	put16(p, DNS_CLASS_IN);
	put32(p, 0);
	put16(p, (uint16_t)(1 + 2 * k));
	rdata = p->n;
	put8(p, 0);
	for (int i = 0; i < k; i++)
		put16(p, (uint16_t)(0xc000 |
				    (i ? rdata + 1 + 2 * (i - 1) : rdata)));
	put16(p, (uint16_t)(0xc000 | (rdata + 1 + 2 * (k - 1))));
	put16(p, DNS_TYPE_TXT);
	put16(p, DNS_CLASS_IN);
	put32(p, 0);
	put16(p, 0);
}

/* Decoding a name takes at most 127 jumps (as many as labels fit in 255
 * octets): a long chain of pointers costs no more than that. */
static void test_parse_jumps(void **state)
{
	struct pkt p;
	struct dns_query q;

	(void)state;
	query_with_chain(&p, 126);
	assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
	query_with_chain(&p, 127);
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_labels(void **state)
{
	struct pkt p;
	struct dns_query q;
	char name[400];

	(void)state;
	/* 63 octets: fine; 64: refused (it is a 0x40 label type). */
	memset(name, 'a', 63);
	strcpy(name + 63, ".example");
	query(&p, name, DNS_TYPE_A, 0);
	assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
	memset(name, 'a', 64);
	strcpy(name + 64, ".example");
	query(&p, name, DNS_TYPE_A, 0);
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	/* The reserved label types 0x40 (EDNS0 extended) and 0x80. */
	for (int t = 0; t < 2; t++) {
		header(&p, 0, 1, 0, 0, 0);
		put8(&p, t ? 0x80 : 0x41);
		put(&p, "x", 1);
		put8(&p, 0);
		put16(&p, DNS_TYPE_A);
		put16(&p, DNS_CLASS_IN);
		assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	}
}

/* A name of exactly len octets in wire form (len >= 2), dotted. */
static void name_of_len(char *out, size_t len)
{
	size_t n = 0, left = len - 1; /* the root octet */

	while (left) {
		size_t l = left - 1 > 63 ? 63 : left - 1;

		if (left - (l + 1) == 1) /* a 0-octet label cannot follow */
			l--;
		if (n)
			out[n++] = '.';
		memset(out + n, 'x', l);
		n += l;
		left -= l + 1;
	}
	out[n] = 0;
}

static void test_parse_name_length(void **state)
{
	struct pkt p;
	struct dns_query q;
	char name[400];
	uint8_t w[400];

	(void)state;
	name_of_len(name, 255);
	assert_int_equal(tz_wire(name, w), 255);
	query(&p, name, DNS_TYPE_A, 0);
	assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
	assert_int_equal(q.qname_len, 255);
	name_of_len(name, 256);
	assert_int_equal(tz_wire(name, w), 256);
	query(&p, name, DNS_TYPE_A, 0);
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	/* Over 255 only through a pointer: "foo" + a 253-octet name. */
	name_of_len(name, 253);
	query(&p, name, DNS_TYPE_A, 1);
	put(&p,
	    "\x01"
	    "f",
	    2);
	put16(&p, 0xc000 | 12);
	put16(&p, DNS_TYPE_TXT);
	put16(&p, DNS_CLASS_IN);
	put32(&p, 0);
	put16(&p, 0);
	assert_int_equal(parse(&p, &q), DNS_PARSE_OK); /* 255 */
	query(&p, name, DNS_TYPE_A, 1);
	put(&p,
	    "\x02"
	    "fo",
	    3);
	put16(&p, 0xc000 | 12);
	put16(&p, DNS_TYPE_TXT);
	put16(&p, DNS_CLASS_IN);
	put32(&p, 0);
	put16(&p, 0);
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR); /* 256 */
}

static void test_parse_edns(void **state)
{
	struct pkt p;
	struct dns_query q;
	/* A cookie option (10, 8 octets) and a padding option (12, 0). */
	static const uint8_t opts[] = { 0, 10, 0, 8, 1, 2,  3, 4,
					5, 6,  7, 8, 0, 12, 0, 0 };

	(void)state;
	query(&p, "a.example", DNS_TYPE_A, 1);
	opt(&p, 4096, 0, 0, true, opts, sizeof(opts));
	assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
	assert_true(q.edns);
	assert_int_equal(q.edns_udp_size, 4096);
	assert_true(q.edns_do);
	assert_int_equal(q.edns_version, 0);
	assert_int_equal(q.edns_opts_len, sizeof(opts));
	assert_int_equal(dns_query_udp_size(&q), 4096);
	/* Cut anywhere in the OPT RR. */
	for (size_t n = p.n - 1; n > DNS_HEADER_LEN + 15; n--)
		assert_int_equal(parse_n(&p, n, &q), DNS_PARSE_FORMERR);

	/* A payload size under 512 counts as 512; version 1 is reported. */
	query(&p, "a.example", DNS_TYPE_A, 1);
	opt(&p, 100, 0, 1, false, NULL, 0);
	assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
	assert_int_equal(dns_query_udp_size(&q), 512);
	assert_int_equal(q.edns_version, 1);
	assert_false(q.edns_do);

	/* Two OPT RRs. */
	query(&p, "a.example", DNS_TYPE_A, 2);
	opt(&p, 1232, 0, 0, false, NULL, 0);
	opt(&p, 1232, 0, 0, false, NULL, 0);
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	/* An OPT RR owned by a name other than the root. */
	query(&p, "a.example", DNS_TYPE_A, 1);
	put_name(&p, "a.example");
	p.n--; /* the root label again comes from opt() */
	opt(&p, 1232, 0, 0, false, NULL, 0);
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	query(&p, "a.example", DNS_TYPE_A, 1);
	put16(&p, 0xc000 | 12); /* the question's name, compressed */
	opt(&p, 1232, 0, 0, false, NULL, 0);
	memmove(p.b + p.n - 11, p.b + p.n - 10, 10);
	p.n--;
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_edns_options(void **state)
{
	struct pkt p;
	struct dns_query q;
	/* An option whose length runs past the RDATA; a partial option
	 * header; one option fine and a second one short by an octet. */
	static const uint8_t past[] = { 0, 10, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t partial[] = { 0, 10, 0 };
	static const uint8_t second[] = { 0, 12, 0, 0, 0, 10, 0, 2, 1 };
	static const uint8_t good[] = { 0, 12, 0, 0, 0, 10, 0, 2, 1, 2 };

	(void)state;
	query(&p, "a.example", DNS_TYPE_A, 1);
	opt(&p, 1232, 0, 0, false, past, sizeof(past));
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	query(&p, "a.example", DNS_TYPE_A, 1);
	opt(&p, 1232, 0, 0, false, partial, sizeof(partial));
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	query(&p, "a.example", DNS_TYPE_A, 1);
	opt(&p, 1232, 0, 0, false, second, sizeof(second));
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
	query(&p, "a.example", DNS_TYPE_A, 1);
	opt(&p, 1232, 0, 0, false, good, sizeof(good));
	assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
	/* RDLENGTH past the end of the packet. */
	query(&p, "a.example", DNS_TYPE_A, 1);
	opt(&p, 1232, 0, 0, false, good, sizeof(good));
	p.b[p.n - sizeof(good) - 1]++;
	assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_notimp(void **state)
{
	struct pkt p;
	struct dns_query q;

	(void)state;
	query(&p, "Zone.example", DNS_TYPE_SOA, 0);
	p.b[2] = (uint8_t)(4 << 3); /* NOTIFY */
	assert_int_equal(parse(&p, &q), DNS_PARSE_NOTIMP);
	assert_int_equal(q.opcode, 4);
	assert_true(q.has_question);
	assert_int_equal(q.qtype, DNS_TYPE_SOA);
	assert_int_equal(q.qname[1], 'Z');
	header(&p, 2 << 11, 0, 0, 0, 0); /* STATUS, no question */
	assert_int_equal(parse(&p, &q), DNS_PARSE_NOTIMP);
	assert_false(q.has_question);
	assert_int_equal(q.opcode, 2);
	/* UPDATE with a mangled zone section: still NOTIMP, no question. */
	header(&p, 5 << 11, 1, 0, 0, 0);
	put8(&p, 0xc0);
	assert_int_equal(parse(&p, &q), DNS_PARSE_NOTIMP);
	assert_false(q.has_question);
}

/* ---- Names. */

static void test_names(void **state)
{
	/* RFC 4034 s6.1's example, in canonical order. */
	static const char *const order[] = {
		"example",	  "a.example",	    "yljkjljk.a.example",
		"Z.a.example",	  "zABC.a.EXAMPLE", "z.example",
		"\001.z.example", "*.z.example",    "\200.z.example",
	};
	uint8_t a[300], b[300];
	size_t n = sizeof(order) / sizeof(order[0]);

	(void)state;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int c;

			tz_wire(order[i], a);
			tz_wire(order[j], b);
			c = dns_name_compare(a, b);
			if (i < j)
				assert_true(c < 0);
			else if (i > j)
				assert_true(c > 0);
			else
				assert_int_equal(c, 0);
		}
	tz_wire(".", a);
	tz_wire("example", b);
	assert_true(dns_name_compare(a, b) < 0);
	assert_true(dns_name_compare(b, a) > 0);

	tz_wire("WWW.Example.COM", a);
	tz_wire("www.example.com", b);
	assert_true(dns_name_equal(a, b));
	assert_int_equal(dns_name_compare(a, b), 0);
	tz_wire("www.example.co", b);
	assert_false(dns_name_equal(a, b));
	tz_wire("wwx.example.com", b);
	assert_false(dns_name_equal(a, b));
	assert_int_equal(dns_name_labels(a), 3);
	assert_int_equal(dns_name_lower(b, a), 17);
	tz_wire("www.example.com", a);
	assert_memory_equal(a, b, 17);
	/* Only A-Z fold: '[' (0x5b) is not '{' (0x7b). */
	tz_wire("[", a);
	tz_wire("{", b);
	assert_false(dns_name_equal(a, b));
	/* Nor do octets over 0x7f: Latin-1 0xc1 is not 0xe1 (0xc1 | 0x20). */
	memcpy(a, "\1\xc1", 3);
	memcpy(b, "\1\xe1", 3);
	assert_false(dns_name_equal(a, b));
	assert_true(dns_name_compare(a, b) < 0);
	dns_name_lower(a, a);
	assert_int_equal(a[1], 0xc1);

	tz_wire("a.b.Example.com", a);
	tz_wire("example.COM", b);
	assert_true(dns_name_is_subdomain(a, b));
	assert_true(dns_name_is_subdomain(b, b));
	assert_false(dns_name_is_subdomain(b, a));
	tz_wire("b.example.com", a);
	tz_wire("xample.com", b);
	assert_false(dns_name_is_subdomain(a, b));
	tz_wire(".", b);
	assert_true(dns_name_is_subdomain(a, b));

	assert_int_equal(dns_name_len(a, sizeof(a)), 15);
	assert_int_equal(dns_name_len(a, 14), 0); /* no root within max */
	a[0] = 64;
	assert_int_equal(dns_name_len(a, sizeof(a)), 0);
	a[0] = 0xc0;
	assert_int_equal(dns_name_len(a, sizeof(a)), 0);
	name_of_len((char *)b, 256);
	tz_wire((char *)b, a);
	assert_int_equal(dns_name_len(a, sizeof(a)), 0);
}

/* ---- Reading responses back (trusting only the bounds). */

struct rr {
	uint8_t owner[256];
	uint16_t type, class;
	uint32_t ttl;
	size_t rdoff, rdlen; /* the RDATA as in the message */
	uint8_t rdata[512];  /* ... with its names decompressed */
	size_t dlen;
};

struct msg {
	uint16_t id, flags, count[4];
	uint8_t qname[256];
	uint16_t qtype, qclass;
	struct rr rr[64];
	size_t nrr;
};

/* Decompress the name at *off into out; *off moves past it. */
static void read_name(const uint8_t *m, size_t len, size_t *off, uint8_t *out,
		      size_t *out_len)
{
	size_t pos = *off, n = 0;
	bool jumped = false;
	int jumps = 0;

	for (;;) {
		assert_true(pos < len);
		uint8_t c = m[pos];

		if ((c & 0xc0) == 0xc0) {
			assert_true(pos + 1 < len && ++jumps < 128);
			if (!jumped)
				*off = pos + 2;
			jumped = true;
			size_t to = (size_t)(c & 0x3f) << 8 | m[pos + 1];

			assert_true(to < pos);
			pos = to;
			continue;
		}
		assert_true(c <= 63 && pos + 1 + c <= len && n + 1 + c <= 255);
		memcpy(out + n, m + pos, 1 + c);
		n += 1 + c;
		pos += 1 + c;
		if (!c)
			break;
	}
	if (!jumped)
		*off = pos;
	*out_len = n;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RDATA of r with the names of NS, CNAME, PTR, MX, SOA, SRV and DNAME
 * decompressed (a reader knows SRV and DNAME and may decompress them). */
static void read_rdata(const uint8_t *m, size_t len, struct rr *r)
{
	size_t off = r->rdoff, end = r->rdoff + r->rdlen, l, pre = 0;
	int names = 1;

	switch (r->type) {
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_PTR:
	case DNS_TYPE_DNAME:
		break;
	case DNS_TYPE_MX:
		pre = 2;
		break;
	case DNS_TYPE_SRV:
		pre = 6;
		break;
	case DNS_TYPE_SOA:
		names = 2;
		break;
	default:
		memcpy(r->rdata, m + off, r->rdlen);
		r->dlen = r->rdlen;
		return;
	}
	memcpy(r->rdata, m + off, pre);
	r->dlen = pre;
	off += pre;
	for (int i = 0; i < names; i++) {
		read_name(m, end, &off, r->rdata + r->dlen, &l);
		r->dlen += l;
	}
	assert_true(off <= end);
	memcpy(r->rdata + r->dlen, m + off, end - off);
	r->dlen += end - off;
	(void)len;
}

static void read_msg(const uint8_t *m, size_t len, struct msg *g)
{
	size_t off = DNS_HEADER_LEN, l;

	assert_true(len >= DNS_HEADER_LEN);
	memset(g, 0, sizeof(*g));
	g->id = get16(m);
	g->flags = get16(m + 2);
	for (int s = 0; s < 4; s++)
		g->count[s] = get16(m + 4 + 2 * s);
	assert_true(g->count[0] <= 1);
	if (g->count[0]) {
		read_name(m, len, &off, g->qname, &l);
		assert_true(off + 4 <= len);
		g->qtype = get16(m + off);
		g->qclass = get16(m + off + 2);
		off += 4;
	}
	g->nrr = (size_t)g->count[1] + g->count[2] + g->count[3];
	assert_true(g->nrr <= 64);
	for (size_t i = 0; i < g->nrr; i++) {
		struct rr *r = &g->rr[i];

		read_name(m, len, &off, r->owner, &l);
		assert_true(off + 10 <= len);
		r->type = get16(m + off);
		r->class = get16(m + off + 2);
		r->ttl =
			(uint32_t)get16(m + off + 4) << 16 | get16(m + off + 6);
		r->rdlen = get16(m + off + 8);
		r->rdoff = off + 10;
		assert_true(r->rdoff + r->rdlen <= len);
		read_rdata(m, len, r);
		off = r->rdoff + r->rdlen;
	}
	assert_int_equal(off, len); /* nothing after the last RR */
}

/* ---- The builder. */

/* A parsed query for name/type, with EDNS of the given size when edns. */
static void make_query(struct dns_query *q, const char *name, uint16_t type,
		       uint16_t edns)
{
	struct pkt p;

	query(&p, name, type, edns ? 1 : 0);
	if (edns)
		opt(&p, edns, 0, 0, true, NULL, 0);
	assert_int_equal(parse(&p, q), DNS_PARSE_OK);
}

/* The RRs of the round trip: owner, type, section, RDATA. */
struct spec {
	const char *owner;
	uint16_t type;
	enum dns_section section;
	uint8_t rdata[300];
	size_t rdlen;
};

static size_t cat(uint8_t *out, const char *pre, size_t npre, const char *name,
		  const char *post, size_t npost)
{
	size_t n = npre;

	memcpy(out, pre, npre);
	n += tz_wire(name, out + n);
	memcpy(out + n, post, npost);
	return n + npost;
}

static void fill_specs(struct spec *s, size_t *n)
{
	static const char soa_tail[20] = { 0,	 0,    0, 1,	0,    0,   0x0e,
					   0x10, 0,    0, 0x07, 0x08, 0,   0x09,
					   0x3a, 0x80, 0, 0,	0x0e, 0x10 };
	size_t i = 0, l;

	s[i] = (struct spec){ "www.Example.com",
			      DNS_TYPE_A,
			      DNS_SECTION_ANSWER,
			      { 192, 0, 2, 1 },
			      4 };
	i++;
	s[i] = (struct spec){ "www.example.com",
			      DNS_TYPE_A,
			      DNS_SECTION_ANSWER,
			      { 192, 0, 2, 2 },
			      4 };
	i++;
	s[i] = (struct spec){ "www.example.com",
			      DNS_TYPE_AAAA,
			      DNS_SECTION_ANSWER,
			      { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
			      16 };
	i++;
	s[i] = (struct spec){ "alias.example.com",
			      DNS_TYPE_CNAME,
			      DNS_SECTION_ANSWER,
			      { 0 },
			      0 };
	s[i].rdlen = tz_wire("www.example.com", s[i].rdata);
	i++;
	s[i] = (struct spec){
		"example.com", DNS_TYPE_MX, DNS_SECTION_ANSWER, { 0 }, 0
	};
	s[i].rdlen = cat(s[i].rdata, "\0\x0a", 2, "mail.example.com", "", 0);
	i++;
	s[i] = (struct spec){ "example.com", DNS_TYPE_TXT, DNS_SECTION_ANSWER,
			      "\x05hello\x03"
			      "a.b",
			      10 };
	i++;
	s[i] = (struct spec){ "_sip._udp.example.com",
			      DNS_TYPE_SRV,
			      DNS_SECTION_ANSWER,
			      { 0 },
			      0 };
	s[i].rdlen = cat(s[i].rdata, "\0\x01\0\x02\x13\xc4", 6,
			 "sip.example.com", "", 0);
	i++;
	s[i] = (struct spec){ "1.2.0.192.in-addr.arpa",
			      DNS_TYPE_PTR,
			      DNS_SECTION_ANSWER,
			      { 0 },
			      0 };
	s[i].rdlen = tz_wire("www.example.com", s[i].rdata);
	i++;
	s[i] = (struct spec){ "example.com", DNS_TYPE_CAA, DNS_SECTION_ANSWER,
			      "\x00\x05issueca.example.net", 21 };
	i++;
	s[i] = (struct spec){
		"old.example.com", DNS_TYPE_DNAME, DNS_SECTION_ANSWER, { 0 }, 0
	};
	s[i].rdlen = tz_wire("new.example.com", s[i].rdata);
	i++;
	/* Unknown type 65280: RDATA that looks like a name, not touched. */
	s[i] = (struct spec){
		"example.com", 65280, DNS_SECTION_ANSWER, { 0 }, 0
	};
	s[i].rdlen = tz_wire("example.com", s[i].rdata);
	i++;
	s[i] = (struct spec){
		"example.com", DNS_TYPE_NS, DNS_SECTION_AUTHORITY, { 0 }, 0
	};
	s[i].rdlen = tz_wire("ns1.example.com", s[i].rdata);
	i++;
	s[i] = (struct spec){
		"example.com", DNS_TYPE_SOA, DNS_SECTION_AUTHORITY, { 0 }, 0
	};
	l = tz_wire("ns1.example.com", s[i].rdata);
	s[i].rdlen = l + cat(s[i].rdata + l, "", 0, "hostmaster.example.com",
			     soa_tail, 20);
	i++;
	s[i] = (struct spec){ "ns1.example.com",
			      DNS_TYPE_A,
			      DNS_SECTION_ADDITIONAL,
			      { 192, 0, 2, 53 },
			      4 };
	i++;
	*n = i;
}

/* Whether a and b hold the same n octets, ASCII letters in any case. */
static bool same_ignoring_case(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i] &&
		    !(a[i] >= 'A' && a[i] <= 'z' &&
		      (a[i] | 0x20) == (b[i] | 0x20) && (a[i] | 0x20) >= 'a' &&
		      (a[i] | 0x20) <= 'z'))
			return false;
	return true;
}

/* Whether the RDATA of r in message m holds a compression pointer. */
static bool has_pointer(const uint8_t *m, const struct rr *r)
{
	for (size_t i = 0; i < r->rdlen; i++)
		if ((m[r->rdoff + i] & 0xc0) == 0xc0)
			return true;
	return false;
}

static void test_build_round_trip(void **state)
{
	struct spec s[20];
	size_t n, len;
	struct dns_query q;
	struct dns_builder b;
	static uint8_t buf[4096];
	struct msg g;
	uint8_t w[256];

	(void)state;
	fill_specs(s, &n);
	make_query(&q, "WWW.example.COM", 255 /* ANY */, 4096);
	assert_int_equal(dns_build_start(&b, buf, dns_query_udp_size(&q), &q),
			 DNS_BUILD_OK);
	dns_build_set_flag(&b, DNS_FLAG_AA, true);
	for (size_t i = 0; i < n; i++) {
		uint8_t owner[256];

		tz_wire(s[i].owner, owner);
		assert_int_equal(dns_build_section(&b, s[i].section),
				 DNS_BUILD_OK);
		assert_int_equal(dns_build_rr(&b, owner, s[i].type,
					      DNS_CLASS_IN, 3600 + (uint32_t)i,
					      s[i].rdata, s[i].rdlen),
				 DNS_BUILD_OK);
	}
	len = dns_build_finish(&b);
	read_msg(buf, len, &g);
	assert_int_equal(g.id, 0x1234);
	assert_int_equal(g.flags, DNS_FLAG_QR | DNS_FLAG_AA | DNS_FLAG_RD);
	/* The question keeps the query's case. */
	assert_memory_equal(g.qname, q.qname, q.qname_len);
	assert_int_equal(g.count[1], 11);
	assert_int_equal(g.count[2], 2);
	assert_int_equal(g.count[3], 2); /* the A RR and the OPT RR */
	for (size_t i = 0; i < n; i++) {
		struct rr *r = &g.rr[i];

		tz_wire(s[i].owner, w);
		assert_true(dns_name_equal(r->owner, w));
		assert_int_equal(r->type, s[i].type);
		assert_int_equal(r->class, DNS_CLASS_IN);
		assert_int_equal(r->ttl, 3600 + i);
		assert_int_equal(r->dlen, s[i].rdlen);
		/* Names compressed to the question take its case. */
		assert_true(
			same_ignoring_case(r->rdata, s[i].rdata, s[i].rdlen));
		switch (r->type) {
		case DNS_TYPE_NS:
		case DNS_TYPE_CNAME:
		case DNS_TYPE_PTR:
		case DNS_TYPE_MX:
		case DNS_TYPE_SOA:
			assert_true(has_pointer(buf, r));
			assert_true(r->rdlen < s[i].rdlen);
			break;
		default:
			assert_int_equal(r->rdlen, s[i].rdlen);
			assert_memory_equal(buf + r->rdoff, s[i].rdata,
					    s[i].rdlen);
		}
	}
	/* SOA: both MNAME and RNAME compressed (ns1 -> pointer to the NS
	 * RDATA, hostmaster + pointer to example.com). */
	assert_int_equal(g.rr[12].rdlen, 2 + 11 + 2 + 20);
	/* The owner www.example.com of the answer is a pointer to the
	 * question, whose case it then has. */
	assert_int_equal(get16(buf + g.rr[0].rdoff - 12), 0xc000 | 12);
	/* The OPT RR: 4096 advertised as DNS_EDNS_UDP_SIZE, DO copied. */
	struct rr *o = &g.rr[n];

	assert_int_equal(o->owner[0], 0);
	assert_int_equal(o->type, DNS_TYPE_OPT);
	assert_int_equal(o->class, DNS_EDNS_UDP_SIZE);
	assert_int_equal(o->ttl, 0x8000);
	assert_int_equal(o->rdlen, 0);
}

static void test_build_start(void **state)
{
	struct dns_query q;
	struct dns_builder b;
	uint8_t buf[512];
	struct pkt p;
	size_t len;
	struct msg g;

	(void)state;
	/* No question (NOTIMP to a STATUS query), CD copied, rcode. */
	header(&p, 2 << 11 | DNS_FLAG_CD, 0, 0, 0, 0);
	assert_int_equal(parse(&p, &q), DNS_PARSE_NOTIMP);
	assert_int_equal(dns_build_start(&b, buf, sizeof(buf), &q),
			 DNS_BUILD_OK);
	assert_int_equal(dns_build_set_rcode(&b, DNS_RCODE_NOTIMP),
			 DNS_BUILD_OK);
	/* BADVERS needs EDNS. */
	assert_int_equal(dns_build_set_rcode(&b, DNS_RCODE_BADVERS),
			 DNS_BUILD_INVAL);
	len = dns_build_finish(&b);
	assert_int_equal(len, DNS_HEADER_LEN);
	read_msg(buf, len, &g);
	assert_int_equal(g.flags, DNS_FLAG_QR | 2 << 11 | DNS_FLAG_CD |
					  DNS_RCODE_NOTIMP);
	/* Too small for the question: nothing written. */
	make_query(&q, "a.example", DNS_TYPE_A, 0);
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(dns_build_start(&b, buf, DNS_HEADER_LEN + 14, &q),
			 DNS_BUILD_INVAL);
	assert_int_equal(buf[0], 0xaa);
	assert_int_equal(dns_build_start(&b, buf, DNS_HEADER_LEN + 15, &q),
			 DNS_BUILD_OK);
	assert_int_equal(dns_build_finish(&b), DNS_HEADER_LEN + 15);
	/* With EDNS the OPT RR's room is kept from the start. */
	make_query(&q, "a.example", DNS_TYPE_A, 1232);
	assert_int_equal(dns_build_start(&b, buf, DNS_HEADER_LEN + 25, &q),
			 DNS_BUILD_INVAL);
	assert_int_equal(dns_build_start(&b, buf, DNS_HEADER_LEN + 26, &q),
			 DNS_BUILD_OK);
	assert_int_equal(dns_build_finish(&b), DNS_HEADER_LEN + 26);
}

static void test_build_badvers(void **state)
{
	struct pkt p;
	struct dns_query q;
	struct dns_builder b;
	uint8_t buf[512];
	struct msg g;
	size_t len;

	(void)state;
	query(&p, "a.example", DNS_TYPE_A, 1);
	opt(&p, 1232, 0, 1, false, NULL, 0);
	assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
	assert_int_equal(q.edns_version, 1);
	assert_int_equal(dns_build_start(&b, buf, sizeof(buf), &q),
			 DNS_BUILD_OK);
	assert_int_equal(dns_build_set_rcode(&b, DNS_RCODE_BADVERS),
			 DNS_BUILD_OK);
	len = dns_build_finish(&b);
	read_msg(buf, len, &g);
	assert_int_equal(g.flags & 0xf, 0);
	assert_int_equal(g.nrr, 1);
	assert_int_equal(g.rr[0].type, DNS_TYPE_OPT);
	assert_int_equal(g.rr[0].ttl, 1u << 24); /* ext 1, version 0, no DO */
}

static void test_build_invalid(void **state)
{
	struct dns_query q;
	struct dns_builder b;
	uint8_t buf[512], owner[64], rd[64];
	size_t len;

	(void)state;
	make_query(&q, "a.example", DNS_TYPE_A, 0);
	assert_int_equal(dns_build_start(&b, buf, sizeof(buf), &q),
			 DNS_BUILD_OK);
	len = b.len;
	tz_wire("a.example", owner);
	/* MX without its name, NS with trailing octets, SOA short of its
	 * 20 octets, a bad owner. */
	memcpy(rd, "\0\x0a", 2);
	assert_int_equal(dns_build_rr(&b, owner, DNS_TYPE_MX, 1, 0, rd, 2),
			 DNS_BUILD_INVAL);
	size_t l = tz_wire("ns.example", rd);

	assert_int_equal(dns_build_rr(&b, owner, DNS_TYPE_NS, 1, 0, rd, l + 1),
			 DNS_BUILD_INVAL);
	assert_int_equal(dns_build_rr(&b, owner, DNS_TYPE_SOA, 1, 0, rd, l),
			 DNS_BUILD_INVAL);
	owner[0] = 0x40;
	assert_int_equal(dns_build_rr(&b, owner, DNS_TYPE_A, 1, 0, rd, 4),
			 DNS_BUILD_INVAL);
	assert_int_equal(b.len, len);
	/* Sections go forward only. */
	assert_int_equal(dns_build_section(&b, DNS_SECTION_ADDITIONAL),
			 DNS_BUILD_OK);
	assert_int_equal(dns_build_section(&b, DNS_SECTION_ANSWER),
			 DNS_BUILD_INVAL);
	assert_int_equal(dns_build_section(&b, DNS_SECTION_QUESTION),
			 DNS_BUILD_INVAL);
}

/* Append n A RRs named owner (192.0.2.x) to b; the last result. */
static int add_a_set(struct dns_builder *b, const char *owner, int n)
{
	uint8_t w[256], rd[4] = { 192, 0, 2, 0 };
	int rc = DNS_BUILD_OK;

	tz_wire(owner, w);
	for (int i = 0; i < n && rc == DNS_BUILD_OK; i++) {
		rd[3] = (uint8_t)i;
		rc = dns_build_rr(b, w, DNS_TYPE_A, DNS_CLASS_IN, 60, rd, 4);
	}
	return rc;
}

static void test_build_truncation(void **state)
{
	struct dns_query q;
	struct dns_builder b;
	uint8_t buf[512];
	struct msg g;
	size_t len, before;

	(void)state;
	/* 512 octets: header 12, question 17+4; each A RR 16 octets. A set
	 * of 10 fits, a second of 20 does not: it goes, TC is set. */
	make_query(&q, "www.example.com", DNS_TYPE_A, 0);
	assert_int_equal(dns_build_start(&b, buf, sizeof(buf), &q),
			 DNS_BUILD_OK);
	assert_int_equal(add_a_set(&b, "www.example.com", 10), DNS_BUILD_OK);
	before = b.len;
	assert_int_equal(before, 12 + 21 + 10 * 16);
	assert_int_equal(add_a_set(&b, "x.example.com", 20), DNS_BUILD_FULL);
	assert_int_equal(b.len, before);
	/* Stopped: even a small RR is refused now. */
	assert_int_equal(add_a_set(&b, "www.example.com", 1), DNS_BUILD_FULL);
	len = dns_build_finish(&b);
	assert_int_equal(len, before);
	read_msg(buf, len, &g);
	assert_true(g.flags & DNS_FLAG_TC);
	assert_int_equal(g.count[1], 10);
	assert_int_equal(g.count[2] + g.count[3], 0);

	/* A set that fits exactly, then one RR of a new set does not fit:
	 * the earlier set stays whole. With EDNS at 512, the OPT's 11. */
	make_query(&q, "www.example.com", DNS_TYPE_A, 512);
	assert_int_equal(dns_build_start(&b, buf, sizeof(buf), &q),
			 DNS_BUILD_OK);
	/* 512 - 33 - 11 = 468 = 29 RRs of 16 and 4 octets spare. */
	assert_int_equal(add_a_set(&b, "www.example.com", 29), DNS_BUILD_OK);
	assert_int_equal(dns_build_section(&b, DNS_SECTION_AUTHORITY),
			 DNS_BUILD_OK);
	/* 4 octets spare but 15 without the OPT's room: a TXT RR of 15
	 * (owner pointer 2, 10, RDATA 3) must not take the OPT's place. */
	uint8_t owner[32];

	tz_wire("www.example.com", owner);
	assert_int_equal(dns_build_rr(&b, owner, DNS_TYPE_TXT, DNS_CLASS_IN, 60,
				      (const uint8_t *)"\x02hi", 3),
			 DNS_BUILD_FULL);
	len = dns_build_finish(&b);
	assert_int_equal(len, 508);
	read_msg(buf, len, &g);
	assert_true(g.flags & DNS_FLAG_TC);
	assert_int_equal(g.count[1], 29);
	assert_int_equal(g.count[2], 0);
	assert_int_equal(g.count[3], 1); /* the OPT RR */
	assert_int_equal(g.rr[29].type, DNS_TYPE_OPT);

	/* Over TCP's size the same 20 fit. */
	static uint8_t big[DNS_MSG_MAX];

	make_query(&q, "www.example.com", DNS_TYPE_A, 0);
	assert_int_equal(dns_build_start(&b, big, DNS_MSG_MAX, &q),
			 DNS_BUILD_OK);
	assert_int_equal(add_a_set(&b, "x.example.com", 20), DNS_BUILD_OK);
	len = dns_build_finish(&b);
	read_msg(big, len, &g);
	assert_false(g.flags & DNS_FLAG_TC);
	assert_int_equal(g.count[1], 20);
}

/* A set interrupted by another owner is two sets: the rollback takes out
 * only the second. */
static void test_build_rrset_boundary(void **state)
{
	struct dns_query q;
	struct dns_builder b;
	uint8_t buf[512];
	size_t mark;

	(void)state;
	make_query(&q, "www.example.com", DNS_TYPE_A, 0);
	assert_int_equal(dns_build_start(&b, buf, sizeof(buf), &q),
			 DNS_BUILD_OK);
	assert_int_equal(add_a_set(&b, "a.example.com", 3), DNS_BUILD_OK);
	assert_int_equal(add_a_set(&b, "A.EXAMPLE.COM", 3), DNS_BUILD_OK);
	mark = b.len;
	assert_int_equal(add_a_set(&b, "b.example.com", 40), DNS_BUILD_FULL);
	assert_int_equal(b.len, mark);
	assert_int_equal(b.count[DNS_SECTION_ANSWER], 6);
	/* The same owner with another type is a new set. */
	assert_int_equal(dns_build_start(&b, buf, sizeof(buf), &q),
			 DNS_BUILD_OK);
	assert_int_equal(add_a_set(&b, "a.example.com", 3), DNS_BUILD_OK);
	mark = b.len;
	uint8_t owner[32], rd[16] = { 0x20, 0x01 };

	tz_wire("a.example.com", owner);
	for (int i = 0; i < 40; i++) {
		rd[15] = (uint8_t)i;
		if (dns_build_rr(&b, owner, DNS_TYPE_AAAA, DNS_CLASS_IN, 60, rd,
				 16) != DNS_BUILD_OK)
			break;
	}
	assert_true(b.full);
	assert_int_equal(b.len, mark);
	assert_int_equal(b.count[DNS_SECTION_ANSWER], 3);
	/* ... and with another class. */
	assert_int_equal(dns_build_start(&b, buf, sizeof(buf), &q),
			 DNS_BUILD_OK);
	assert_int_equal(add_a_set(&b, "a.example.com", 3), DNS_BUILD_OK);
	mark = b.len;
	for (int i = 0; i < 40; i++)
		if (dns_build_rr(&b, owner, DNS_TYPE_A, 3 /* CH */, 60, rd,
				 4) != DNS_BUILD_OK)
			break;
	assert_true(b.full);
	assert_int_equal(b.len, mark);
	/* The same owner in a later section is a new set. */
	assert_int_equal(dns_build_start(&b, buf, sizeof(buf), &q),
			 DNS_BUILD_OK);
	assert_int_equal(add_a_set(&b, "a.example.com", 3), DNS_BUILD_OK);
	mark = b.len;
	assert_int_equal(dns_build_section(&b, DNS_SECTION_ADDITIONAL),
			 DNS_BUILD_OK);
	assert_int_equal(add_a_set(&b, "a.example.com", 40), DNS_BUILD_FULL);
	assert_int_equal(b.len, mark);
	assert_int_equal(b.count[DNS_SECTION_ANSWER], 3);
	assert_int_equal(b.count[DNS_SECTION_ADDITIONAL], 0);
}

/* The builder at its limits, in heap blocks of exactly the size given
 * (ASan catches a write past it): a 255-octet question with EDNS in just
 * its room, a bare header, RDATA of 65535 and 65536 octets over TCP. */
static void test_build_limits(void **state)
{
	struct dns_query q;
	struct dns_builder b;
	char name[300];
	size_t need = DNS_HEADER_LEN + 255 + 4 + 11;
	uint8_t *buf = malloc(DNS_MSG_MAX), *rd = calloc(1, 0x10000);

	(void)state;
	assert_non_null(buf);
	assert_non_null(rd);
	name_of_len(name, 255);
	make_query(&q, name, DNS_TYPE_A, 512);
	assert_int_equal(q.qname_len, 255);
	free(buf);
	buf = malloc(need);
	assert_int_equal(dns_build_start(&b, buf, need - 1, &q),
			 DNS_BUILD_INVAL);
	assert_int_equal(dns_build_start(&b, buf, need, &q), DNS_BUILD_OK);
	assert_int_equal(dns_build_set_rcode(&b, 0xfff), DNS_BUILD_OK);
	assert_int_equal(dns_build_rr(&b, (const uint8_t *)"", DNS_TYPE_TXT,
				      DNS_CLASS_IN, 0, rd, 0),
			 DNS_BUILD_FULL);
	assert_int_equal(dns_build_finish(&b), need);
	assert_int_equal(dns_build_finish(&b), need); /* no second OPT */
	assert_int_equal(buf[3] & 0xf, 0xf);
	assert_int_equal(buf[need - 6], 0xff); /* the OPT's extended RCODE */
	assert_int_equal(buf[11], 1);	       /* ARCOUNT */
	free(buf);

	/* Just a header: no question, no EDNS, 12 octets. */
	memset(&q, 0, sizeof(q));
	buf = malloc(DNS_HEADER_LEN);
	assert_int_equal(dns_build_start(&b, buf, DNS_HEADER_LEN, &q),
			 DNS_BUILD_OK);
	assert_int_equal(dns_build_rr(&b, (const uint8_t *)"", DNS_TYPE_TXT,
				      DNS_CLASS_IN, 0, rd, 0),
			 DNS_BUILD_FULL);
	assert_int_equal(dns_build_finish(&b), DNS_HEADER_LEN);
	assert_true(buf[2] & (DNS_FLAG_TC >> 8));
	free(buf);

	/* Over TCP: 65536 octets of RDATA are refused, 65535 do not fit
	 * (the header and RR around them), 65535 - 23 fill the message. */
	buf = malloc(DNS_MSG_MAX);
	assert_int_equal(dns_build_start(&b, buf, (size_t)-1, &q),
			 DNS_BUILD_OK);
	assert_int_equal(dns_build_rr(&b, (const uint8_t *)"", DNS_TYPE_TXT,
				      DNS_CLASS_IN, 0, rd, 0x10000),
			 DNS_BUILD_INVAL);
	assert_int_equal(dns_build_rr(&b, (const uint8_t *)"", DNS_TYPE_TXT,
				      DNS_CLASS_IN, 0, rd, 0xffff),
			 DNS_BUILD_FULL);
	assert_int_equal(b.len, DNS_HEADER_LEN);
	assert_int_equal(dns_build_start(&b, buf, DNS_MSG_MAX, &q),
			 DNS_BUILD_OK);
	assert_int_equal(dns_build_rr(&b, (const uint8_t *)"", DNS_TYPE_TXT,
				      DNS_CLASS_IN, 0, rd, 0xffff - 23),
			 DNS_BUILD_OK);
	assert_int_equal(dns_build_finish(&b), DNS_MSG_MAX);
	assert_int_equal(buf[DNS_MSG_MAX - 1 - (0xffff - 23) - 1], 0xff);
	assert_int_equal(buf[DNS_MSG_MAX - 1 - (0xffff - 23)], 0xe8);
	free(buf);
	free(rd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_plain),
		cmocka_unit_test(test_parse_short_and_qr),
		cmocka_unit_test(test_parse_counts),
		cmocka_unit_test(test_parse_trailing),
		cmocka_unit_test(test_parse_pointers),
		cmocka_unit_test(test_parse_jumps),
		cmocka_unit_test(test_parse_labels),
		cmocka_unit_test(test_parse_name_length),
		cmocka_unit_test(test_parse_edns),
		cmocka_unit_test(test_parse_edns_options),
		cmocka_unit_test(test_parse_notimp),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_build_start),
		cmocka_unit_test(test_build_round_trip),
		cmocka_unit_test(test_build_badvers),
		cmocka_unit_test(test_build_invalid),
		cmocka_unit_test(test_build_truncation),
		cmocka_unit_test(test_build_rrset_boundary),
		cmocka_unit_test(test_build_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
