/* Unit tests of the zone database: tools/dnszone/dbwrite.c writes it from
 * records made here, lib/dns/db.c opens it and lib/dns/answer.c answers
 * from it. Checks the writer's refusals (with file:line), that every
 * damaged database is refused or, with its CRC made right again, still
 * answers inside its buffers (ASan watches), and the answers: exact,
 * NODATA, NXDOMAIN, empty non-terminal, CNAME chain, wildcard, DNAME,
 * referral with glue, DS at a cut, REFUSED, AXFR, ANY, BADVERS, TC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dbwrite.h"
#include "dns_testzone.h"
#include "dns/db.h"

#define T_A 1
#define T_NS 2
#define T_CNAME 5
#define T_SOA 6
#define T_MX 15
#define T_TXT 16
#define T_AAAA 28
#define T_DNAME 39
#define T_DS 43

/* ---- Names and records. */

static void rr_a(struct tzone *t, const char *owner, uint8_t last)
{
	uint8_t a[4] = { 192, 0, 2, last };

	tz_rr(t, owner, T_A, a, 4);
}

static void rr_soa(struct tzone *t, const char *apex)
{
	uint8_t w[600];
	size_t n = tz_wire("ns1.example.com", w);

	n += tz_wire("hostmaster.example.com", w + n);
	for (int i = 0; i < 4; i++) {
		memcpy(w + n, "\0\0\x0e\x10", 4); /* 3600 */
		n += 4;
	}
	memcpy(w + n, "\0\0\x01\x2c", 4); /* minimum 300 */
	tz_rr(t, apex, T_SOA, w, n + 4);
}

static void zone_init(struct tzone *t, const char *apex)
{
	tz_init(t, apex, "t.zone");
}

/* The sample zone of these tests. */
static void sample(struct tzone *t)
{
	zone_init(t, "example.com");
	rr_soa(t, "example.com");
	tz_rr_name(t, "example.com", T_NS, "ns1.example.com");
	tz_rr_mx(t, "example.com", "mail.example.com");
	rr_a(t, "ns1.example.com", 1);
	rr_a(t, "mail.example.com", 25);
	rr_a(t, "WWW.example.com", 80);
	rr_a(t, "www.example.com", 80); /* a duplicate, dropped */
	rr_a(t, "a.b.example.com", 9);	/* b.example.com: non-terminal */
	tz_rr_name(t, "c1.example.com", T_CNAME, "c2.example.com");
	tz_rr_name(t, "c2.example.com", T_CNAME, "www.example.com");
	tz_rr_name(t, "out.example.com", T_CNAME, "www.example.org");
	rr_a(t, "*.wild.example.com", 42);
	rr_a(t, "x.wild.example.com", 43);
	tz_rr_name(t, "sub.example.com", T_NS, "ns.sub.example.com");
	tz_rr_name(t, "sub.example.com", T_NS, "ns.elsewhere.org");
	rr_a(t, "ns.sub.example.com", 53);
	tz_rr_name(t, "dn.example.com", T_DNAME, "example.net");
	tz_rr_name(t, "loop1.example.com", T_CNAME, "loop2.example.com");
	tz_rr_name(t, "loop2.example.com", T_CNAME, "LOOP1.example.com");
	for (uint8_t i = 0; i < 40; i++)
		rr_a(t, "many.example.com", (uint8_t)(100 + i));
}

static uint8_t *build(struct tzone *t, size_t n, size_t *len, char *err)
{
	struct dnsz_zone zs[4];
	uint8_t *db = NULL;

	for (size_t i = 0; i < n; i++)
		zs[i] = t[i].z;
	if (dnsz_build(zs, n, &db, len, err, 256))
		return NULL;
	return db;
}

/* ---- Queries and answers. */

struct resp {
	uint8_t b[65535];
	size_t n;
	unsigned rcode, flags, count[4];
};

static struct dns_db DB;

static void ask_pkt(struct resp *r, const uint8_t *q, size_t qn,
		    enum dns_transport tr)
{
	r->n = dns_answer(&DB, q, qn, r->b, sizeof(r->b), tr, NULL);
	assert_true(r->n >= 12);
	r->flags = (unsigned)(r->b[2] << 8 | r->b[3]);
	r->rcode = r->flags & 0xf;
	for (int s = 0; s < 4; s++)
		r->count[s] =
			(unsigned)(r->b[4 + 2 * s] << 8 | r->b[5 + 2 * s]);
}

static void ask(struct resp *r, const char *name, uint16_t type)
{
	uint8_t q[512];

	ask_pkt(r, q, tz_query(q, name, type, 0), DNS_UDP);
}

/* Skip a possibly compressed name at off. */
static size_t skip_name(const uint8_t *b, size_t off)
{
	while (b[off] && (b[off] & 0xc0) != 0xc0)
		off += 1u + b[off];
	return off + (b[off] ? 2 : 1);
}

/* The type of RR number k (0-based, over all sections after the
 * question) and where its RDATA starts. */
static uint16_t rr_type(const struct resp *r, unsigned k, size_t *rdata)
{
	size_t off = skip_name(r->b, 12) + 4;

	for (unsigned i = 0;; i++) {
		size_t at = skip_name(r->b, off);
		uint16_t type = (uint16_t)(r->b[at] << 8 | r->b[at + 1]);
		size_t rdlen = (size_t)(r->b[at + 8] << 8 | r->b[at + 9]);

		if (i == k) {
			if (rdata)
				*rdata = at + 10;
			return type;
		}
		off = at + 10 + rdlen;
	}
}

static void expect(const struct resp *r, unsigned rcode, bool aa, unsigned an,
		   unsigned ns, unsigned ar)
{
	assert_int_equal(r->rcode, rcode);
	assert_int_equal(!!(r->flags & DNS_FLAG_AA), aa);
	assert_int_equal(r->count[1], an);
	assert_int_equal(r->count[2], ns);
	assert_int_equal(r->count[3], ar);
}

static uint8_t *DBBUF;
static size_t DBLEN;

static int setup(void **state)
{
	static struct tzone t[2];
	char err[256];
	const char *why;

	(void)state;
	sample(&t[0]);
	zone_init(&t[1], "example.net");
	rr_soa(&t[1], "example.net");
	tz_rr_name(&t[1], "example.net", T_NS, "ns1.example.com");
	rr_a(&t[1], "foo.example.net", 7);
	DBBUF = build(t, 2, &DBLEN, err);
	if (!DBBUF)
		fail_msg("%s", err);
	assert_int_equal(dns_db_open(&DB, DBBUF, DBLEN, &why), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(DBBUF);
	return 0;
}

/* ---- The writer. */

static void refused(struct tzone *t, const char *want)
{
	char err[256];
	size_t len;

	assert_null(build(t, 1, &len, err));
	assert_string_equal(err, want);
}

static void test_writer_refusals(void **state)
{
	struct tzone t;

	(void)state;
	zone_init(&t, "example.com");
	rr_a(&t, "www.example.com", 1);
	refused(&t, "t.zone: no SOA at the apex");
	rr_a(&t, "www.example.org", 1);
	rr_soa(&t, "example.com");
	refused(&t, "t.zone:2: www.example.org. is outside the zone");

	sample(&t);
	rr_a(&t, "c1.example.com", 1);
	refused(&t, "t.zone:60: CNAME and other data at c1.example.com.");
	sample(&t);
	rr_soa(&t, "www.example.com");
	refused(&t, "t.zone:60: SOA at www.example.com., not the apex");
	sample(&t);
	rr_a(&t, "x.dn.example.com", 1);
	refused(&t, "t.zone:60: x.dn.example.com. is below a DNAME");
	sample(&t);
	tz_rr_name(&t, "*.example.com", T_NS, "ns1.example.com");
	refused(&t, "t.zone:60: NS at the wildcard *.example.com.");
	sample(&t);
	tz_rr(&t, "bad.example.com", T_A, "\1\2\3", 3);
	refused(&t, "t.zone:60: malformed RDATA for type 1");
	sample(&t);
	tz_rr(&t, "opt.example.com", 41, "", 0);
	refused(&t, "t.zone:60: type 41 is a meta type, not data");
	sample(&t);
	t.rrs[20].rclass = 3; /* line 21 */
	refused(&t, "t.zone:21: class 3: only IN is served");
}

static void test_writer_two_apexes(void **state)
{
	struct tzone t[2];
	char err[256];
	size_t len;

	(void)state;
	sample(&t[0]);
	sample(&t[1]);
	t[1].z.file = "u.zone";
	assert_null(build(t, 2, &len, err));
	assert_string_equal(err, "u.zone: zone example.com. also in t.zone");
}

/* ---- Opening. */

static void test_open_refuses_damage(void **state)
{
	uint8_t *copy = malloc(DBLEN);
	struct dns_db db;
	const char *why;

	(void)state;
	/* Every truncation. */
	for (size_t n = 0; n < DBLEN; n++) {
		memcpy(copy, DBBUF, n);
		assert_int_equal(dns_db_open(&db, copy, n, &why), -1);
	}
	/* Every octet changed: the CRC catches it. */
	for (size_t i = 0; i < DBLEN; i++) {
		memcpy(copy, DBBUF, DBLEN);
		copy[i] ^= 0x41;
		assert_int_equal(dns_db_open(&db, copy, DBLEN, &why), -1);
	}
	free(copy);
}

/* With the CRC made right, a damaged database is refused or answers
 * inside its bounds; ASan reports any read outside the heap block. */
static void test_open_structure(void **state)
{
	static const char *names[] = {
		"www.example.com",    "x.b.example.com",   "c1.example.com",
		"a.wild.example.com", "x.sub.example.com", "q.dn.example.com",
		"example.com",	      "foo.example.net"
	};
	uint8_t *copy = malloc(DBLEN), q[512], *out = malloc(65535);
	unsigned opened = 0;
	struct dns_db db;
	const char *why;

	(void)state;
	for (size_t i = 20; i < DBLEN; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			uint32_t crc;

			memcpy(copy, DBBUF, DBLEN);
			copy[i] ^= (uint8_t)(1u << bit);
			crc = dns_db_crc32(0, copy + 20, DBLEN - 20);
			memcpy(copy + 16, &crc, 4);
			if (dns_db_open(&db, copy, DBLEN, &why))
				continue;
			opened++;
			for (size_t k = 0; k < 8; k++)
				for (uint16_t t = 1; t < 30; t += 14)
					dns_answer(
						&db, q,
						tz_query(q, names[k], t, 4096),
						out, 65535, DNS_UDP, NULL);
		}
	}
	/* Changes inside RDATA of A records or TTLs keep the database
	 * valid: the loop did answer from some damaged ones. */
	assert_true(opened > 0);
	free(copy);
	free(out);
}

static void test_open_reasons(void **state)
{
	uint8_t *copy = malloc(DBLEN);
	struct dns_db db;
	const char *why;

	(void)state;
	memcpy(copy, DBBUF, DBLEN);
	copy[0] = 'X';
	assert_int_equal(dns_db_open(&db, copy, DBLEN, &why), -1);
	assert_string_equal(why, "not a zone database (bad magic)");
	assert_int_equal(dns_db_open(&db, DBBUF, DBLEN - 1, &why), -1);
	assert_string_equal(why, "truncated or padded (size differs)");
	memcpy(copy, DBBUF, DBLEN);
	copy[DBLEN - 1] ^= 1;
	assert_int_equal(dns_db_open(&db, copy, DBLEN, &why), -1);
	assert_string_equal(why, "damaged (CRC mismatch)");
	free(copy);
}

/* ---- Answers. */

static void test_exact(void **state)
{
	struct resp r;
	size_t rd;

	(void)state;
	ask(&r, "WwW.Example.COM", T_A); /* with the zone's NS, as NSD */
	expect(&r, 0, true, 1, 1, 1);
	assert_memory_equal(r.b + 12, "\3WwW\7Example\3COM", 17);
	assert_int_equal(rr_type(&r, 0, &rd), T_A);
	assert_memory_equal(r.b + rd, "\xc0\x00\x02\x50", 4);
	ask(&r, "example.com", T_MX); /* MX: its target's address added */
	expect(&r, 0, true, 1, 1, 2);
	assert_int_equal(rr_type(&r, 2, NULL), T_A);
	ask(&r, "example.com", T_NS); /* the NS once, in the answer */
	expect(&r, 0, true, 1, 0, 1);
}

static void test_negative(void **state)
{
	struct resp r;
	size_t rd;

	(void)state;
	ask(&r, "www.example.com", T_AAAA); /* NODATA */
	expect(&r, 0, true, 0, 1, 0);
	assert_int_equal(rr_type(&r, 0, NULL), T_SOA);
	ask(&r, "nope.example.com", T_A); /* NXDOMAIN */
	expect(&r, DNS_RCODE_NXDOMAIN, true, 0, 1, 0);
	/* The SOA's TTL capped by its MINIMUM, 300 (RFC 2308 s3). */
	assert_int_equal(rr_type(&r, 0, &rd), T_SOA);
	assert_memory_equal(r.b + rd - 6, "\0\0\x01\x2c", 4);
	ask(&r, "b.example.com", T_A); /* empty non-terminal: NODATA */
	expect(&r, 0, true, 0, 1, 0);
	ask(&r, "www.example.org", T_A);
	expect(&r, DNS_RCODE_REFUSED, false, 0, 0, 0);
	ask(&r, "example.com", 252);
	expect(&r, DNS_RCODE_REFUSED, false, 0, 0, 0);
}

static void test_chains(void **state)
{
	struct resp r;

	(void)state;
	ask(&r, "c1.example.com", T_A);
	expect(&r, 0, true, 3, 1, 1);
	assert_int_equal(rr_type(&r, 0, NULL), T_CNAME);
	assert_int_equal(rr_type(&r, 1, NULL), T_CNAME);
	assert_int_equal(rr_type(&r, 2, NULL), T_A);
	ask(&r, "c1.example.com", T_CNAME); /* the CNAME is the answer */
	expect(&r, 0, true, 1, 1, 1);
	ask(&r, "out.example.com", T_A); /* leaves the zone: CNAME only */
	expect(&r, 0, true, 1, 0, 0);
	/* DNAME: the DNAME, a CNAME made from it, then example.net's A
	 * with example.net's NS (whose address is not in example.net). */
	ask(&r, "foo.dn.example.com", T_A);
	expect(&r, 0, true, 3, 1, 0);
	assert_int_equal(rr_type(&r, 0, NULL), T_DNAME);
	assert_int_equal(rr_type(&r, 1, NULL), T_CNAME);
}

static void test_wildcard(void **state)
{
	struct resp r;
	size_t rd;

	(void)state;
	ask(&r, "a.b.wild.example.com", T_A);
	expect(&r, 0, true, 1, 1, 1);
	assert_memory_equal(r.b + 12, "\1a\1b\4wild", 9);
	assert_int_equal(rr_type(&r, 0, &rd), T_A);
	assert_int_equal(r.b[rd + 3], 42);
	ask(&r, "x.wild.example.com", T_A); /* exists: no wildcard */
	assert_int_equal(rr_type(&r, 0, &rd), T_A);
	assert_int_equal(r.b[rd + 3], 43);
	ask(&r, "y.x.wild.example.com", T_A); /* closest encloser x: none */
	expect(&r, DNS_RCODE_NXDOMAIN, true, 0, 1, 0);
	ask(&r, "z.wild.example.com", T_TXT); /* wildcard NODATA */
	expect(&r, 0, true, 0, 1, 0);
}

static void test_referral(void **state)
{
	struct resp r;

	(void)state;
	ask(&r, "www.sub.example.com", T_A);
	expect(&r, 0, false, 0, 2, 1);
	assert_int_equal(rr_type(&r, 0, NULL), T_NS);
	assert_int_equal(rr_type(&r, 2, NULL), T_A);
	ask(&r, "ns.sub.example.com", T_A); /* glue is not an answer */
	expect(&r, 0, false, 0, 2, 1);
	ask(&r, "sub.example.com", T_NS);
	expect(&r, 0, false, 0, 2, 1);
	ask(&r, "sub.example.com", T_DS); /* the parent's side: NODATA */
	expect(&r, 0, true, 0, 1, 0);
}

static void test_truncation(void **state)
{
	uint8_t q[512];
	struct resp r;

	(void)state;
	ask(&r, "many.example.com", T_A); /* 40 A: 656 octets */
	assert_true(r.flags & DNS_FLAG_TC);
	assert_int_equal(r.count[1], 0);
	assert_true(r.n <= 512);
	ask_pkt(&r, q, tz_query(q, "many.example.com", T_A, 1232), DNS_UDP);
	expect(&r, 0, true, 40, 1, 2);
	assert_false(r.flags & DNS_FLAG_TC);
	ask_pkt(&r, q, tz_query(q, "many.example.com", T_A, 0), DNS_TCP);
	expect(&r, 0, true, 40, 1, 1);
	/* Over UDP at most 1232 octets, what the OPT RR advertises, even
	 * when the query allows more (as NSD). */
	{
		struct tzone *big = malloc(sizeof(*big));
		uint8_t txt[256] = { 255 }, *db, *out = malloc(65535);
		struct dns_db d;
		const char *why;
		char err[256];
		size_t len, n;

		zone_init(big, "example.com");
		rr_soa(big, "example.com");
		memset(txt + 1, 'x', 255);
		for (int i = 0; i < 5; i++) {
			txt[1] = (uint8_t)('a' + i);
			tz_rr(big, "big.example.com", T_TXT, txt, 256);
		}
		db = build(big, 1, &len, err);
		assert_non_null(db);
		assert_int_equal(dns_db_open(&d, db, len, &why), 0);
		n = dns_answer(&d, q,
			       tz_query(q, "big.example.com", T_TXT, 4096), out,
			       65535, DNS_UDP, NULL);
		assert_true(n <= 1232);
		assert_true(out[2] & (DNS_FLAG_TC >> 8));
		n = dns_answer(&d, q,
			       tz_query(q, "big.example.com", T_TXT, 4096), out,
			       65535, DNS_TCP, NULL);
		assert_true(n > 1232);
		free(db);
		free(out);
		free(big);
	}
}

static void test_any_and_edns(void **state)
{
	uint8_t q[512];
	struct resp r;
	size_t n;

	(void)state;
	ask(&r, "example.com", 255); /* one RRset (RFC 8482) */
	assert_int_equal(r.count[1] > 0, 1);
	for (unsigned k = 1; k < r.count[1]; k++)
		assert_int_equal(rr_type(&r, k, NULL), rr_type(&r, 0, NULL));
	n = tz_query(q, "www.example.com", T_A, 1232);
	q[n - 5] = 1; /* EDNS version 1 */
	ask_pkt(&r, q, n, DNS_UDP);
	assert_int_equal(r.rcode, 0); /* BADVERS = 16: 0 in the header */
	assert_int_equal(r.count[1], 0);
	assert_int_equal(r.b[r.n - 6], 1); /* extended RCODE 1 << 4 */
	q[2] = 0x28;			   /* opcode 5 (UPDATE) */
	ask_pkt(&r, q, n, DNS_UDP);
	assert_int_equal(r.rcode, DNS_RCODE_NOTIMP);
	q[2] = 0x80; /* a response: no answer */
	assert_int_equal(dns_answer(&DB, q, n, r.b, sizeof(r.b), DNS_UDP, NULL),
			 0);
}

static void test_loops_and_errors(void **state)
{
	uint8_t q[512];
	struct resp r;
	size_t n;

	(void)state;
	ask(&r, "loop1.example.com", T_A); /* each CNAME once, as NSD */
	expect(&r, 0, true, 2, 0, 0);
	/* REFUSED outside the zones: EDE 20 (Not Authoritative). */
	n = tz_query(q, "www.example.org", T_A, 1232);
	ask_pkt(&r, q, n, DNS_UDP);
	assert_int_equal(r.rcode, DNS_RCODE_REFUSED);
	assert_memory_equal(r.b + r.n - 6, "\0\x0f\0\x02\0\x14", 6);
	/* Class ANY: the answer without AA, SOA or NS beside it. */
	n = tz_query(q, "www.example.com", T_A, 0);
	q[n - 1] = 255;
	ask_pkt(&r, q, n, DNS_UDP);
	expect(&r, 0, false, 1, 0, 0);
	/* Class CH: REFUSED. */
	q[n - 1] = 3;
	ask_pkt(&r, q, n, DNS_UDP);
	expect(&r, DNS_RCODE_REFUSED, false, 0, 0, 0);
	/* FORMERR and NOTIMP carry no question. */
	q[5] = 2;
	ask_pkt(&r, q, n, DNS_UDP);
	assert_int_equal(r.rcode, DNS_RCODE_FORMERR);
	assert_int_equal(r.n, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer_refusals),
		cmocka_unit_test(test_writer_two_apexes),
		cmocka_unit_test(test_open_refuses_damage),
		cmocka_unit_test(test_open_structure),
		cmocka_unit_test(test_open_reasons),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_negative),
		cmocka_unit_test(test_chains),
		cmocka_unit_test(test_wildcard),
		cmocka_unit_test(test_referral),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_any_and_edns),
		cmocka_unit_test(test_loops_and_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
