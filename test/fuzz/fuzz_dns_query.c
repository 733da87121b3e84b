/* libFuzzer target: arbitrary bytes into lib/dns's query parser, the only
 * parser of untrusted input in the DNS server (issue 12), then into the
 * response builder the way the server uses it: FORMERR, NOTIMP or BADVERS
 * to a query that asks for it, else NOERROR with an A RR for the
 * question's name and an NS RR in authority, once at the size the query
 * allows and once in a buffer of a size taken from the input (down to
 * what truncates at once). Besides crashes and out-of-bounds reads
 * (ASan, UBSan; libFuzzer's input is a heap block of exactly its size),
 * an input fails (abort) when the parser's result breaks its contract: a
 * name that is not a valid wire name of its stated length, a lower-cased
 * copy that differs other than by case, EDNS fields on a query without
 * OPT; or when a response exceeds its buffer, lacks the question or
 * comes out with counts the builder did not write. Seeds: corpus_dns/
 * (make_dns_seeds.py). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/wire.h"

static void check(int ok)
{
	if (!ok)
		abort();
}

/* The parser's contract on q after result rc. */
static void check_query(int rc, const struct dns_query *q)
{
	check(rc == DNS_PARSE_OK || rc == DNS_PARSE_FORMERR ||
	      rc == DNS_PARSE_NOTIMP);
	check((rc == DNS_PARSE_NOTIMP) == (q->opcode != DNS_OPCODE_QUERY));
	check(!(q->flags & DNS_FLAG_QR));
	if (rc == DNS_PARSE_OK)
		check(q->has_question);
	if (q->has_question) {
		check(q->qname_len >= 1 && q->qname_len <= DNS_NAME_MAX);
		check(dns_name_len(q->qname, q->qname_len) == q->qname_len);
		check(dns_name_equal(q->qname, q->qname_lc));
		check(dns_name_compare(q->qname, q->qname_lc) == 0);
		check(dns_name_is_subdomain(q->qname, q->qname_lc));
	}
	if (!q->edns)
		check(q->edns_udp_size == 0 && q->edns_version == 0 &&
		      !q->edns_do && q->edns_opts_len == 0);
	size_t udp = dns_query_udp_size(q);

	check(udp >= DNS_UDP_MIN && udp <= DNS_MSG_MAX);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Build the response to q (parse result rc) in buf[0..size) and check
 * it. */
static void respond(int rc, const struct dns_query *q, uint8_t *buf,
		    size_t size)
{
	static const uint8_t ns[] = "\3ns1\7example\0";
	static const uint8_t a[4] = { 192, 0, 2, 1 };
	struct dns_builder b;
	unsigned rcode = DNS_RCODE_NOERROR;
	size_t len;

	if (dns_build_start(&b, buf, size, q) != DNS_BUILD_OK) {
		check(size < DNS_UDP_MIN);
		return;
	}
	if (rc == DNS_PARSE_FORMERR)
		rcode = DNS_RCODE_FORMERR;
	else if (rc == DNS_PARSE_NOTIMP)
		rcode = DNS_RCODE_NOTIMP;
	else if (q->edns && q->edns_version > 0)
		rcode = DNS_RCODE_BADVERS;
	check(dns_build_set_rcode(&b, rcode) == DNS_BUILD_OK);
	if (rcode == DNS_RCODE_NOERROR) {
		dns_build_set_flag(&b, DNS_FLAG_AA, true);
		dns_build_rr(&b, q->qname, DNS_TYPE_A, DNS_CLASS_IN, 300, a,
			     sizeof(a));
		check(dns_build_section(&b, DNS_SECTION_AUTHORITY) ==
		      DNS_BUILD_OK);
		dns_build_rr(&b, q->qname_lc, DNS_TYPE_NS, DNS_CLASS_IN, 300,
			     ns, sizeof(ns) - 1);
	}
	len = dns_build_finish(&b);
	check(len >= DNS_HEADER_LEN && len <= size);
	check(buf[2] & 0x80);
	check(get16(buf) == q->id);
	check((buf[3] & 0xf) == (rcode & 0xf));
	check(get16(buf + 4) == (q->has_question ? 1 : 0));
	if (q->has_question)
		check(len >= DNS_HEADER_LEN + q->qname_len + 4u &&
		      memcmp(buf + DNS_HEADER_LEN, q->qname, q->qname_len) ==
			      0);
	check(get16(buf + 6) + get16(buf + 8) <= 2);
	check(get16(buf + 10) == (q->edns ? 1 : 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[DNS_MSG_MAX];
	struct dns_query q;
	int rc = dns_parse_query(data, size, &q);

	if (rc == DNS_PARSE_DROP)
		return 0;
	check_query(rc, &q);
	respond(rc, &q, buf, dns_query_udp_size(&q));
	/* A small buffer from the input's last octet: truncation. */
	respond(rc, &q, buf, DNS_HEADER_LEN + q.qname_len + data[size - 1]);
	return 0;
}
