/* Unit tests of lib/dns at its limits: databases written by
 * tools/dnszone/dbwrite.c that push dns_answer() to the edges (names of
 * exactly 255 octets and 127 labels, a wildcard under a 253-octet name,
 * DNAME substitutions reaching 255 and 256 octets, CNAME chains of 16
 * and 17 links across zones, a full compression table, additional data
 * cut at the UDP limit, owners met twice through a wildcard). Every
 * response is read back by a strict decoder written here: counts, names
 * (pointers only backwards, at most 255 octets), RDATA filled exactly,
 * nothing left over. */
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
#define T_DNAME 39
#define T_OPT 41

/* ---- Building databases. */

static void rr_a(struct tzone *t, const char *owner, uint8_t x, uint8_t y)
{
	uint8_t a[4] = { 192, 0, x, y };

	tz_rr(t, owner, T_A, a, 4);
}

static void zone_init(struct tzone *t, const char *apex)
{
	uint8_t w[600];
	size_t n;

	tz_init(t, apex, "h.zone");
	n = tz_wire("ns.example", w);
	n += tz_wire("hostmaster.example", w + n);
	memset(w + n, 0, 20);
	w[n + 19] = 60; /* MINIMUM */
	tz_rr(t, apex, T_SOA, w, n + 20);
}

static struct dns_db DB;
static uint8_t *DBBUF;

/* Build and open zones t[0..n) as DB (the previous one freed). */
static void load(struct tzone *t, size_t n)
{
	struct dnsz_zone zs[4];
	char err[256];
	const char *why;
	size_t len;

	free(DBBUF);
	DBBUF = NULL;
	for (size_t i = 0; i < n; i++)
		zs[i] = t[i].z;
	if (dnsz_build(zs, n, &DBBUF, &len, err, sizeof(err)))
		fail_msg("%s", err);
	if (dns_db_open(&DB, DBBUF, len, &why))
		fail_msg("%s", why);
}

/* ---- Names made long on purpose. */

/* A dotted name of len octets in wire form ending in suffix (dotted,
 * wire length slen): labels of 'c' of at most 63 octets in front. */
static void long_name(char *out, size_t len, char c, const char *suffix)
{
	uint8_t w[300];
	size_t slen = tz_wire(suffix, w), left = len - slen;

	out[0] = 0;
	while (left) {
		size_t l = left - 1 > 63 ? 63 : left - 1;
		size_t at = strlen(out);

		if (left - (l + 1) == 1) /* no 1-octet remainder: a label */
			l--;		 /* needs 2 octets at least */
		memset(out + at, c, l);
		out[at + l] = '.';
		out[at + l + 1] = 0;
		left -= l + 1;
	}
	strcat(out, suffix);
	assert_int_equal(tz_wire(out, w), len);
}

/* ---- Reading responses strictly. */

struct rrec {
	uint8_t owner[DNS_NAME_MAX];
	uint16_t type;
	uint16_t rdlen;
	uint8_t rname[DNS_NAME_MAX]; /* the first name in RDATA, if any */
};

struct resp {
	uint8_t b[DNS_MSG_MAX];
	size_t n;
	unsigned rcode, flags, count[4];
	struct rrec rr[1024];
	unsigned nrr;
	size_t ede_len; /* octets of the EDE option's text, or none: -1 */
	int ede_code;
};

/* Decode the possibly compressed name at *off into out: pointers only to
 * earlier octets, at most 255 octets in all. */
static void get_name(const struct resp *r, size_t *off, size_t end,
		     uint8_t *out)
{
	size_t pos = *off, n = 0, limit = *off;
	bool jumped = false;

	for (;;) {
		assert_true(pos < end);
		uint8_t c = r->b[pos];

		if ((c & 0xc0) == 0xc0) {
			assert_true(pos + 1 < end);
			size_t to = (size_t)(c & 0x3f) << 8 | r->b[pos + 1];

			assert_true(to < limit && to >= 12);
			if (!jumped)
				*off = pos + 2;
			jumped = true;
			pos = limit = to;
			continue;
		}
		assert_true(c <= 63);
		assert_true(pos + 1 + c <= end);
		assert_true(n + 1 + c <= DNS_NAME_MAX);
		memcpy(out + n, r->b + pos, 1u + c);
		n += 1u + c;
		pos += 1u + c;
		if (c == 0)
			break;
	}
	if (!jumped)
		*off = pos;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The OPT RR's options: only an EDE (code 15) is expected. */
static void read_opt(struct resp *r, size_t at, size_t rdlen)
{
	size_t end = at + rdlen;

	while (at < end) {
		assert_true(end - at >= 4);
		uint16_t code = get16(r->b + at), len = get16(r->b + at + 2);

		assert_true(end - at - 4 >= len);
		assert_int_equal(code, 15);
		assert_true(len >= 2);
		r->ede_code = get16(r->b + at + 4);
		r->ede_len = len - 2u;
		at += 4u + len;
	}
}

/* Every RR of the response, checked. */
static void decode(struct resp *r)
{
	size_t off = 12, end = r->n;
	uint8_t name[DNS_NAME_MAX];
	unsigned total;

	r->flags = get16(r->b + 2);
	r->rcode = r->flags & 0xf;
	for (int s = 0; s < 4; s++)
		r->count[s] = get16(r->b + 4 + 2 * s);
	assert_true(r->count[0] <= 1);
	if (r->count[0]) {
		get_name(r, &off, end, name);
		off += 4;
	}
	total = r->count[1] + r->count[2] + r->count[3];
	assert_true(total <= 1024);
	r->nrr = 0;
	r->ede_len = (size_t)-1;
	for (unsigned k = 0; k < total; k++) {
		struct rrec *x = &r->rr[r->nrr++];
		size_t at;

		get_name(r, &off, end, x->owner);
		assert_true(end - off >= 10);
		x->type = get16(r->b + off);
		x->rdlen = get16(r->b + off + 8);
		off += 10;
		assert_true(end - off >= x->rdlen);
		at = off;
		if (x->type == T_NS || x->type == T_CNAME ||
		    x->type == T_DNAME || x->type == T_MX) {
			at += x->type == T_MX ? 2 : 0;
			get_name(r, &at, off + x->rdlen, x->rname);
			assert_int_equal(at, off + x->rdlen);
		} else if (x->type == T_OPT) {
			assert_int_equal(k, total - 1); /* the last RR */
			read_opt(r, off, x->rdlen);
		}
		off += x->rdlen;
	}
	assert_int_equal(off, end); /* nothing left over */
}

/* Ask name/type over transport tr with EDNS size edns (0: none). */
static void ask(struct resp *r, const char *name, uint16_t type, uint16_t edns,
		enum dns_transport tr)
{
	uint8_t q[600];
	size_t n = tz_query(q, name, type, edns);

	r->n = dns_answer(&DB, q, n, r->b, sizeof(r->b), tr, NULL);
	assert_true(r->n >= 12);
	assert_true(r->n <= (tr == DNS_UDP ? 1232u : DNS_MSG_MAX));
	decode(r);
}

/* The index of the first RR of type in the response, or -1. */
static int find_rr(const struct resp *r, uint16_t type)
{
	for (unsigned k = 0; k < r->nrr; k++)
		if (r->rr[k].type == type)
			return (int)k;
	return -1;
}

static bool name_is(const uint8_t *w, const char *dotted)
{
	uint8_t x[300];
	size_t n = tz_wire(dotted, x);

	return n <= DNS_NAME_MAX && dns_name_equal(w, x);
}

static struct tzone T[3];

/* ---- Long names. */

/* A 255-octet query matching a wildcard under a 253-octet name: the
 * wildcard's own owner is 255 octets long. */
static void test_wildcard_under_253(void **state)
{
	char parent[300], wild[304], q[304];

	(void)state;
	long_name(parent, 253, 'p', "example");
	snprintf(wild, sizeof(wild), "*.%s", parent);
	snprintf(q, sizeof(q), "x.%s", parent);
	zone_init(&T[0], "example");
	rr_a(&T[0], wild, 1, 1);
	load(T, 1);

	struct resp *r = malloc(sizeof(*r));

	ask(r, q, T_A, 1232, DNS_UDP);
	assert_int_equal(r->rcode, 0);
	assert_int_equal(r->count[1], 1);
	assert_true(name_is(r->rr[0].owner, q));
	ask(r, parent, T_A, 1232, DNS_UDP); /* empty non-terminal */
	assert_int_equal(r->rcode, 0);
	assert_int_equal(r->count[1], 0);
	ask(r, wild, T_A, 1232, DNS_UDP); /* the wildcard itself */
	assert_int_equal(r->count[1], 1);
	ask(r, q, T_TXT, 0, DNS_TCP); /* NODATA from the wildcard */
	assert_int_equal(r->rcode, 0);
	assert_int_equal(r->count[1], 0);
	assert_int_equal(r->count[2], 1);
	free(r);
}

/* A name of 127 labels (255 octets) and a wildcard of 127 labels. */
static void test_127_labels(void **state)
{
	char deep[300] = "", wild[300], q[300];

	(void)state;
	for (int i = 0; i < 126; i++)
		strcat(deep, "a.");
	strcat(deep, "z"); /* 127 labels, 255 octets */
	strcpy(wild, deep);
	wild[0] = '*';
	strcpy(q, deep);
	q[0] = 'b';
	zone_init(&T[0], "z");
	rr_a(&T[0], deep, 1, 2);
	rr_a(&T[0], wild, 1, 3);
	load(T, 1);

	struct resp *r = malloc(sizeof(*r));

	ask(r, deep, T_A, 0, DNS_TCP);
	assert_int_equal(r->count[1], 1);
	assert_true(name_is(r->rr[0].owner, deep));
	ask(r, q, T_A, 0, DNS_TCP);
	assert_int_equal(r->rcode, 0);
	assert_int_equal(r->count[1], 1);
	assert_true(name_is(r->rr[0].owner, q));
	ask(r, deep + 2, T_A, 0, DNS_TCP); /* 126 labels: non-terminal */
	assert_int_equal(r->rcode, 0);
	assert_int_equal(r->count[1], 0);
	free(r);
}

/* DNAME substitution reaching exactly 255 octets: the CNAME is made;
 * 256 octets: YXDOMAIN with the DNAME and an EDE (RFC 6672 s2.2). */
static void test_dname_255_256(void **state)
{
	char target[300], q[300];

	(void)state;
	/* d.example -> a 200-octet target under t.example */
	long_name(target, 200, 't', "t.example");
	zone_init(&T[0], "example");
	tz_rr_name(&T[0], "d.example", T_DNAME, target);
	rr_a(&T[0], "*.t.example", 9, 9);
	load(T, 1);

	struct resp *r = malloc(sizeof(*r));

	/* The query is prefix + "d.example" (11 octets); the substitute
	 * is prefix + target: 255 when prefix is 55 octets. */
	long_name(q, 55 + 11, 'q', "d.example");
	ask(r, q, T_A, 1232, DNS_UDP);
	assert_int_equal(r->rcode, 0);
	assert_int_equal(r->rr[0].type, T_DNAME);
	assert_int_equal(r->rr[1].type, T_CNAME);
	assert_true(name_is(r->rr[1].owner, q));
	assert_int_equal(dns_name_len(r->rr[1].rname, DNS_NAME_MAX), 255);
	assert_int_equal(r->rr[2].type, T_A); /* from *.t.example */
	assert_true(dns_name_equal(r->rr[2].owner, r->rr[1].rname));
	long_name(q, 56 + 11, 'q', "d.example");
	ask(r, q, T_A, 1232, DNS_UDP);
	assert_int_equal(r->rcode, 6); /* YXDOMAIN */
	assert_int_equal(r->count[1], 1);
	assert_int_equal(r->rr[0].type, T_DNAME);
	assert_true(r->ede_len != (size_t)-1);
	ask(r, q, T_A, 0, DNS_UDP); /* no EDNS: no EDE, still YXDOMAIN */
	assert_int_equal(r->rcode, 6);
	free(r);
}

/* A DNAME whose substitute lands under a wildcard, 255 octets long. */
static void test_dname_to_wildcard_255(void **state)
{
	char q[300];

	(void)state;
	zone_init(&T[0], "example");
	tz_rr_name(&T[0], "d.example", T_DNAME, "t.example");
	rr_a(&T[0], "*.t.example", 9, 9);
	load(T, 1);

	struct resp *r = malloc(sizeof(*r));

	/* 255 octets in, 255 out: the wildcard covers every name below
	 * t.example, the substitute's four labels included. */
	long_name(q, 255, 'q', "d.example");
	ask(r, q, T_A, 0, DNS_TCP);
	assert_int_equal(r->rcode, 0);
	assert_int_equal(r->count[1], 3);
	assert_int_equal(r->rr[2].type, T_A);
	assert_true(dns_name_equal(r->rr[2].owner, r->rr[1].rname));
	assert_int_equal(dns_name_len(r->rr[2].owner, DNS_NAME_MAX), 255);
	/* One label in front: the wildcard answers. */
	ask(r, "x.d.example", T_A, 0, DNS_TCP);
	assert_int_equal(r->count[1], 3);
	assert_int_equal(r->rr[2].type, T_A);
	assert_true(name_is(r->rr[2].owner, "x.t.example"));
	free(r);
}

/* ---- Chains. */

/* CNAME chains alternating between two zones: 16 links are followed to
 * the address, 17 stop after the 17th CNAME. */
static void chain(struct resp *r, unsigned links)
{
	char o[64], t[64];

	zone_init(&T[0], "one");
	zone_init(&T[1], "two");
	for (unsigned i = 0; i < links; i++) {
		snprintf(o, sizeof(o), "c%u.%s", i, i % 2 ? "two" : "one");
		snprintf(t, sizeof(t), "c%u.%s", i + 1,
			 (i + 1) % 2 ? "two" : "one");
		tz_rr_name(&T[i % 2], o, T_CNAME, t);
	}
	snprintf(o, sizeof(o), "c%u.%s", links, links % 2 ? "two" : "one");
	rr_a(&T[links % 2], o, 7, 7);
	load(T, 2);
	ask(r, "c0.one", T_A, 0, DNS_TCP);
}

static void test_cname_chains(void **state)
{
	struct resp *r = malloc(sizeof(*r));

	(void)state;
	chain(r, 16);
	assert_int_equal(r->rcode, 0);
	assert_int_equal(r->count[1], 17);
	assert_int_equal(r->rr[16].type, T_A);
	chain(r, 17);
	assert_int_equal(r->rcode, 0);
	assert_int_equal(r->count[1], 17);
	assert_int_equal(r->rr[16].type, T_CNAME);
	free(r);
}

/* A DNAME that points into itself, and two DNAMEs pointing at each
 * other: the answer ends, inside the limit on steps. */
static void test_dname_loops(void **state)
{
	struct resp *r = malloc(sizeof(*r));

	(void)state;
	zone_init(&T[0], "example");
	tz_rr_name(&T[0], "self.example", T_DNAME, "x.self.example");
	tz_rr_name(&T[0], "p.example", T_DNAME, "q.example");
	tz_rr_name(&T[0], "q.example", T_DNAME, "p.example");
	load(T, 1);
	ask(r, "a.self.example", T_A, 0, DNS_TCP);
	assert_int_equal(r->rr[0].type, T_DNAME);
	assert_true(r->count[1] <= 34);
	ask(r, "a.p.example", T_A, 0, DNS_TCP);
	assert_true(r->count[1] >= 3 && r->count[1] <= 34);
	free(r);
}

/* ---- The builder. */

/* An MX RRset of 40 exchanges whose names share no label but the
 * zone's, each with an address: 80 labels and more to remember, past
 * the compression table's 64 entries (and 41 RRsets, inside the 64 a
 * response plans). Every name reads back as written. */
static void test_compression_table_full(void **state)
{
	char o[64];
	struct resp *r = malloc(sizeof(*r));

	(void)state;
	zone_init(&T[0], "example");
	for (unsigned i = 0; i < 40; i++) {
		snprintf(o, sizeof(o), "m%u.h%u.example", i, i);
		tz_rr_mx(&T[0], "mx.example", o);
		rr_a(&T[0], o, 1, (uint8_t)i);
	}
	load(T, 1);
	ask(r, "mx.example", T_MX, 0, DNS_TCP);
	assert_int_equal(r->count[1], 40);
	assert_int_equal(r->count[3], 40);
	for (unsigned k = 0; k < 40; k++) {
		const struct rrec *mx = &r->rr[k], *a = &r->rr[40 + k];
		char want[64];
		unsigned i;

		assert_true(name_is(mx->owner, "mx.example"));
		/* the exchanges in database order: as written by RDATA */
		assert_int_equal(a->type, T_A);
		assert_true(dns_name_equal(a->owner, mx->rname));
		assert_int_equal(sscanf((const char *)mx->rname + 1, "m%u", &i),
				 1);
		snprintf(want, sizeof(want), "m%u.h%u.example", i, i);
		assert_true(name_is(mx->rname, want));
	}
	free(r);
}

/* Additional data cut at the UDP limit: whole RRsets only, counts that
 * match, the OPT RR last (the decoder checks), no TC for optional
 * data. Every EDNS size from 512 to 1232 moves the cut. */
static void test_additional_rollback(void **state)
{
	char o[64];
	struct resp *r = malloc(sizeof(*r));

	(void)state;
	zone_init(&T[0], "example");
	for (unsigned i = 0; i < 6; i++) {
		snprintf(o, sizeof(o), "mail%u.example", i);
		tz_rr_mx(&T[0], "example", o);
		for (unsigned k = 0; k < 9; k++)
			rr_a(&T[0], o, (uint8_t)i, (uint8_t)k);
	}
	load(T, 1);
	for (unsigned size = 512; size <= 1232; size += 7) {
		ask(r, "example", T_MX, (uint16_t)size, DNS_UDP);
		assert_true(r->n <= size);
		assert_int_equal(r->count[1], 6);
		assert_false(r->flags & DNS_FLAG_TC);
		unsigned as = 0;

		for (unsigned k = 0; k < r->nrr; k++)
			as += r->rr[k].type == T_A;
		assert_int_equal(as % 9, 0); /* whole RRsets */
		assert_int_equal(find_rr(r, T_OPT), (int)r->nrr - 1);
	}
	free(r);
}

/* Two MX records whose exchanges are the same name, covered by a
 * wildcard, and an NS naming it too: its address goes into additional
 * once (RFC 2181 s5: no duplicate RRs), as for a name that exists. */
static void test_additional_once_from_wildcard(void **state)
{
	uint8_t mx2[64] = { 0, 20 };
	struct resp *r = malloc(sizeof(*r));
	unsigned as = 0;

	(void)state;
	zone_init(&T[0], "example");
	tz_rr_name(&T[0], "example", T_NS, "a.w.example");
	tz_rr_mx(&T[0], "example", "a.w.example");
	tz_rr(&T[0], "example", T_MX, mx2, 2 + tz_wire("A.w.example", mx2 + 2));
	rr_a(&T[0], "*.w.example", 5, 5);
	load(T, 1);
	ask(r, "example", T_MX, 0, DNS_TCP);
	assert_int_equal(r->count[1], 2);
	for (unsigned k = 0; k < r->nrr; k++)
		as += r->rr[k].type == T_A;
	assert_int_equal(as, 1);
	free(r);
}

/* A wildcard CNAME that leads back under its own wildcard: the answer
 * holds each CNAME once, not the same RR again at every step. */
static void test_wildcard_cname_loop(void **state)
{
	struct resp *r = malloc(sizeof(*r));

	(void)state;
	zone_init(&T[0], "example");
	tz_rr_name(&T[0], "*.cw.example", T_CNAME, "x.cw.example");
	load(T, 1);
	ask(r, "a.cw.example", T_A, 0, DNS_TCP);
	assert_int_equal(r->rcode, 0);
	assert_int_equal(r->count[1], 2);
	assert_true(name_is(r->rr[0].owner, "a.cw.example"));
	assert_true(name_is(r->rr[1].owner, "x.cw.example"));
	free(r);
}

static int main_exit(void)
{
	free(DBBUF);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wildcard_under_253),
		cmocka_unit_test(test_127_labels),
		cmocka_unit_test(test_dname_255_256),
		cmocka_unit_test(test_dname_to_wildcard_255),
		cmocka_unit_test(test_cname_chains),
		cmocka_unit_test(test_dname_loops),
		cmocka_unit_test(test_compression_table_full),
		cmocka_unit_test(test_additional_rollback),
		cmocka_unit_test(test_additional_once_from_wildcard),
		cmocka_unit_test(test_wildcard_cname_loop),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	main_exit();
	return rc;
}
