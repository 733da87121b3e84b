/* libFuzzer target: arbitrary bytes as a query into lib/dns's whole
 * query-to-answer path, dns_answer() over the database compiled from
 * examples/dns/zones (built into the binary as a C array by bin2c.cmake,
 * so that a crash reproduces from the binary and the input alone). Every
 * input is answered over UDP and over TCP into heap blocks of exactly
 * the sizes dns_answer() documents (4096 and 65535 octets), from a heap
 * copy of exactly the input's size, so that ASan sees any overrun. Then
 * each response must satisfy, or the input aborts with the failed
 * invariant on stderr:
 *   - no answer exactly for a packet shorter than a header or with QR;
 *   - length within the transport's limit (UDP: the query's EDNS size,
 *     at least 512, at most DNS_EDNS_UDP_SIZE, the size the server
 *     advertises, as NSD; TCP: 65535);
 *   - a DNS message by a strict reader written here (every RR its counts
 *     announce, nothing left over, names of at most 255 octets with
 *     compression pointers only backwards, RDATA of name-bearing types
 *     exactly filled, compressed only for NS, CNAME, PTR, MX and SOA);
 *   - QR set, the query's ID and opcode;
 *   - at most one question, and then the query's byte for byte (case
 *     kept); at most one OPT RR, and it is the last RR;
 *   - a query well formed by this reader's own rules (QUERY, one
 *     question, no answer or authority RR, at most one OPT RR of the
 *     root with options tiling its RDATA) is not answered FORMERR, keeps
 *     its question and gets an OPT RR exactly when it has one; any other
 *     query gets no OPT RR;
 *   - answering the same input again, into buffers filled differently,
 *     gives the same bytes (no hidden state, no octet left unwritten).
 * Seeds: corpus_dns_answer/ (make_dns_answer_seeds.py). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/db.h"
#include "dns/wire.h"

/* Written by bin2c.cmake from the compiled examples/dns/zones. */
extern const unsigned char fuzz_dns_zones_db[];
extern const size_t fuzz_dns_zones_db_len;

#define UDP_OUTMAX 4096 /* the smallest UDP buffer dns_answer() takes */
#define OPCODE(flags) (((flags) >> 11) & 0xf)

static struct dns_db db;
static uint8_t *out[2][2]; /* [transport][run] */
static const size_t outmax[2] = { UDP_OUTMAX, DNS_MSG_MAX };

static void fail(const char *what, int line)
{
	fprintf(stderr, "fuzz_dns_answer.c:%d: invariant failed: %s\n", line,
		what);
	abort();
}

#define CHECK(c) ((c) ? (void)0 : fail(#c, __LINE__))

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* What read_msg() found in a message. */
struct msg {
	uint16_t id, flags;
	uint16_t count[4];  /* QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT */
	size_t qsize;	    /* octets of the first question, 0 if none */
	unsigned nopt;	    /* OPT RRs anywhere */
	bool opt_last;	    /* the last RR is an OPT RR */
	uint16_t opt_class; /* the first OPT RR's CLASS (its UDP size) */
};

/* Read the name at *off of p[0..len): labels of at most 63 octets, at
 * most DNS_NAME_MAX octets decoded, each compression pointer to past the
 * header and before the run of labels it ends (so decoding ends). Moves
 * *off past the name as it stands; *dlen gets its decoded length and
 * *ptr whether it holds a pointer. */
static bool read_name(const uint8_t *p, size_t len, size_t *off, size_t *dlen,
		      bool *ptr)
{
	size_t pos = *off, run = *off, n = 0, end = 0;

	for (;;) {
		if (pos >= len)
			return false;
		uint8_t c = p[pos];

		if ((c & 0xc0) == 0xc0) {
			if (len - pos < 2)
				return false;
			size_t to = (size_t)(c & 0x3f) << 8 | p[pos + 1];

			if (to < DNS_HEADER_LEN || to >= run)
				return false;
			if (!end)
				end = pos + 2;
			pos = run = to;
			continue;
		}
		if (c > DNS_LABEL_MAX)
			return false;
		n += 1u + c;
		if (n > DNS_NAME_MAX || len - pos < 1u + c)
			return false;
		pos += 1u + c;
		if (c == 0)
			break;
	}
	*off = end ? end : pos;
	*dlen = n;
	*ptr = end != 0;
	return true;
}

/* A name inside RDATA ending at end, compressed only when may_ptr. */
static bool rdata_name(const uint8_t *p, size_t end, size_t *off, bool may_ptr)
{
	size_t dlen;
	bool ptr;

	return read_name(p, end, off, &dlen, &ptr) && (may_ptr || !ptr);
}

/* EDNS options tiling p[off..end) exactly. */
static bool options_tile(const uint8_t *p, size_t off, size_t end)
{
	while (off < end) {
		if (end - off < 4 || end - off - 4 < get16(p + off + 2))
			return false;
		off += 4u + get16(p + off + 2);
	}
	return true;
}

/* The RDATA p[off..off+rdlen) of a response's RR of type: exactly the
 * fields of the types with names (names compressed only where RFC 3597
 * s4 allows), of A and AAAA, TXT strings and OPT options that tile it. */
static bool rdata_ok(const uint8_t *p, size_t off, size_t rdlen, uint16_t type)
{
	size_t end = off + rdlen;

	switch (type) {
	case DNS_TYPE_A:
		return rdlen == 4;
	case DNS_TYPE_AAAA:
		return rdlen == 16;
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_PTR:
		return rdata_name(p, end, &off, true) && off == end;
	case DNS_TYPE_DNAME:
		return rdata_name(p, end, &off, false) && off == end;
	case DNS_TYPE_MX:
		off += 2;
		return rdlen > 2 && rdata_name(p, end, &off, true) &&
		       off == end;
	case DNS_TYPE_SRV:
		off += 6;
		return rdlen > 6 && rdata_name(p, end, &off, false) &&
		       off == end;
	case DNS_TYPE_SOA:
		return rdata_name(p, end, &off, true) &&
		       rdata_name(p, end, &off, true) && end - off == 20;
	case DNS_TYPE_TXT:
		if (rdlen == 0)
			return false;
		while (off < end)
			off += 1u + p[off];
		return off == end;
	case DNS_TYPE_OPT:
		return options_tile(p, off, end);
	default:
		return true;
	}
}

/* One RR at *off of p[0..len), in section s (1..3). A response's RRs
 * (response) have their RDATA checked by type and an OPT RR only as the
 * root, uncompressed, in the additional section; a query's OPT RR is
 * owned by the root with options that tile its RDATA, the rest opaque. */
static bool read_rr(const uint8_t *p, size_t len, size_t *off, int s,
		    bool response, struct msg *m)
{
	size_t start = *off, dlen;
	bool ptr;

	if (!read_name(p, len, off, &dlen, &ptr) || len - *off < 10)
		return false;
	uint16_t type = get16(p + *off), class = get16(p + *off + 2);
	size_t rdlen = get16(p + *off + 8);

	*off += 10;
	if (len - *off < rdlen)
		return false;
	m->opt_last = type == DNS_TYPE_OPT;
	if (type == DNS_TYPE_OPT) {
		if (m->nopt++ == 0)
			m->opt_class = class;
		if (dlen != 1 || !options_tile(p, *off, *off + rdlen))
			return false;
		if (response && (s != 3 || *off - start != 11))
			return false;
	}
	if (response && !rdata_ok(p, *off, rdlen, type))
		return false;
	*off += rdlen;
	return true;
}

/* Read the message p[0..len) into *m: the header, QDCOUNT questions,
 * every RR the other counts announce, and nothing after them. */
static bool read_msg(const uint8_t *p, size_t len, bool response, struct msg *m)
{
	size_t off = DNS_HEADER_LEN, dlen;
	bool ptr;

	memset(m, 0, sizeof(*m));
	if (len < DNS_HEADER_LEN)
		return false;
	m->id = get16(p);
	m->flags = get16(p + 2);
	for (int s = 0; s < 4; s++)
		m->count[s] = get16(p + 4 + 2 * s);
	for (unsigned i = 0; i < m->count[0]; i++) {
		if (!read_name(p, len, &off, &dlen, &ptr) || len - off < 4)
			return false;
		off += 4;
		if (i == 0)
			m->qsize = off - DNS_HEADER_LEN;
	}
	for (int s = 1; s < 4; s++)
		for (unsigned i = 0; i < m->count[s]; i++)
			if (!read_rr(p, len, &off, s, response, m))
				return false;
	return off == len;
}

/* Whether the query q[0..len) (read into *m) is well formed, by this
 * file's reading of dns_parse_query()'s contract. */
static bool query_ok(const uint8_t *q, size_t len, struct msg *m)
{
	return read_msg(q, len, false, m) && !(m->flags & DNS_FLAG_QR) &&
	       OPCODE(m->flags) == DNS_OPCODE_QUERY && m->count[0] == 1 &&
	       m->count[1] == 0 && m->count[2] == 0 && m->nopt <= 1;
}

/* The largest response transport tr allows the query described by ok
 * and qm: over UDP, at most what the server advertises (1232, below
 * the 4096 of the buffer) whatever the query's EDNS size. */
static size_t limit(enum dns_transport tr, bool ok, const struct msg *qm)
{
	if (tr == DNS_TCP)
		return DNS_MSG_MAX;
	if (!ok || qm->nopt == 0 || qm->opt_class < DNS_UDP_MIN)
		return DNS_UDP_MIN;
	return qm->opt_class < DNS_EDNS_UDP_SIZE ? qm->opt_class :
						   DNS_EDNS_UDP_SIZE;
}

/* The invariants of the response r[0..rlen) to the query q[0..qlen). */
static void check_response(const uint8_t *q, size_t qlen, bool ok,
			   const struct msg *qm, enum dns_transport tr,
			   const uint8_t *r, size_t rlen)
{
	struct msg m;

	CHECK(rlen == 0 ||
	      (qlen >= DNS_HEADER_LEN && !(q[2] & (DNS_FLAG_QR >> 8))));
	if (rlen == 0) {
		CHECK(qlen < DNS_HEADER_LEN || (q[2] & (DNS_FLAG_QR >> 8)));
		return;
	}
	CHECK(rlen <= limit(tr, ok, qm));
	CHECK(read_msg(r, rlen, true, &m));
	CHECK(m.flags & DNS_FLAG_QR);
	CHECK(m.id == get16(q));
	CHECK(OPCODE(m.flags) == OPCODE(get16(q + 2)));
	CHECK(m.count[0] <= 1);
	if (m.count[0] == 1)
		CHECK(qlen >= DNS_HEADER_LEN + m.qsize &&
		      memcmp(r + DNS_HEADER_LEN, q + DNS_HEADER_LEN, m.qsize) ==
			      0);
	CHECK(m.nopt <= 1 && (m.nopt == 0 || m.opt_last));
	if (ok) {
		CHECK((m.flags & 0xf) != DNS_RCODE_FORMERR);
		CHECK(m.count[0] == 1);
		CHECK(m.nopt == qm->nopt);
	} else {
		CHECK(m.nopt == 0);
	}
}

/* Load and open the database; abort when it does not open. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *why = NULL;
	uint8_t *copy = malloc(fuzz_dns_zones_db_len);

	(void)argc;
	(void)argv;
	if (!copy)
		abort();
	memcpy(copy, fuzz_dns_zones_db, fuzz_dns_zones_db_len);
	if (dns_db_open(&db, copy, fuzz_dns_zones_db_len, &why) != 0) {
		fprintf(stderr, "fuzz_dns_answer: dns_db_open: %s\n", why);
		abort();
	}
	for (int t = 0; t < 2; t++)
		for (int run = 0; run < 2; run++)
			if (!(out[t][run] = malloc(outmax[t])))
				abort();
	return 0;
}

/* Answer data[0..size) over both transports, twice, and check. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *q = malloc(size ? size : 1);
	struct msg qm;
	struct dns_stats st = { 0 };

	if (!q)
		abort();
	memcpy(q, data, size);
	bool ok = query_ok(q, size, &qm);

	for (int t = 0; t < 2; t++) {
		enum dns_transport tr = t ? DNS_TCP : DNS_UDP;
		size_t n[2];

		for (int run = 0; run < 2; run++) {
			memset(out[t][run], run ? 0x5a : 0xa5, outmax[t]);
			n[run] = dns_answer(&db, q, size, out[t][run],
					    outmax[t], tr, run ? NULL : &st);
		}
		check_response(q, size, ok, &qm, tr, out[t][0], n[0]);
		CHECK(n[1] == n[0] && memcmp(out[t][1], out[t][0], n[0]) == 0);
	}
	free(q);
	return 0;
}
