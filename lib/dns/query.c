/* lib/dns: the strict parser of queries (RFC 1035 s4.1, EDNS0 OPT of
 * RFC 6891 s6.1). Every read is bounded by the packet's length; a name is
 * decoded with compression pointers allowed only strictly backwards and
 * past the header, so that decoding ends, and with RFC 1035's limits. */
#include <string.h>

#include "dns/wire.h"

/* More jumps than a 255-octet name has labels cannot be a real name. */
#define MAX_JUMPS 127

/* A cursor over the packet. */
struct rd {
	const uint8_t *pkt;
	size_t len, off;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Read a 16-bit value at the cursor; false when it is not there. */
static bool rd16(struct rd *r, uint16_t *v)
{
	if (r->len - r->off < 2)
		return false;
	*v = get16(r->pkt + r->off);
	r->off += 2;
	return true;
}

/* Decode the name at the cursor into out (DNS_NAME_MAX octets, may be
 * NULL) and its length into *out_len; the cursor moves past the name as
 * it is in the packet (up to and including its first pointer). A pointer
 * must point before the run of labels it ends (so strictly backwards) and
 * past the header. */
static bool read_name(struct rd *r, uint8_t *out, uint16_t *out_len)
{
	size_t pos = r->off, end = 0, n = 0, run = r->off;
	unsigned jumps = 0;

	for (;;) {
		if (pos >= r->len)
			return false;
		uint8_t c = r->pkt[pos];

		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= r->len || ++jumps > MAX_JUMPS)
				return false;
			size_t to = (size_t)(c & 0x3f) << 8 | r->pkt[pos + 1];

			/* Before the labels read since the last jump: each
			 * jump goes further back, so there is no loop. */
			if (to >= run || to < DNS_HEADER_LEN)
				return false;
			if (!end)
				end = pos + 2;
			pos = run = to;
			continue;
		}
		if (c > DNS_LABEL_MAX) /* 0x40 and 0x80: refused */
			return false;
		if (n + 1 + c > DNS_NAME_MAX || r->len - pos < 1u + c)
			return false;
		if (out)
			memcpy(out + n, r->pkt + pos, 1 + c);
		n += 1 + c;
		pos += 1 + c;
		if (c == 0)
			break;
	}
	r->off = end ? end : pos;
	if (out_len)
		*out_len = (uint16_t)n;
	return true;
}

/* The question (name, type, class) into q. */
static bool read_question(struct rd *r, struct dns_query *q)
{
	if (!read_name(r, q->qname, &q->qname_len))
		return false;
	if (!rd16(r, &q->qtype) || !rd16(r, &q->qclass))
		return false;
	dns_name_lower(q->qname_lc, q->qname);
	q->has_question = true;
	return true;
}

/* Options of an OPT RR's RDATA: each code, length and data inside it,
 * tiling it exactly. */
static bool check_options(const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (off < len) {
		if (len - off < 4)
			return false;
		uint16_t olen = get16(p + off + 2);

		off += 4;
		if (len - off < olen)
			return false;
		off += olen;
	}
	return true;
}

/* One RR of the additional section; an OPT RR goes into q's EDNS fields
 * (one at most, owned by the root). */
static bool read_additional(struct rd *r, struct dns_query *q)
{
	uint16_t name_len, type, class, ttl_hi, ttl_lo, rdlen;

	if (!read_name(r, NULL, &name_len))
		return false;
	if (!rd16(r, &type) || !rd16(r, &class) || !rd16(r, &ttl_hi) ||
	    !rd16(r, &ttl_lo) || !rd16(r, &rdlen))
		return false;
	if (r->len - r->off < rdlen)
		return false;
	if (type == DNS_TYPE_OPT) {
		if (q->edns || name_len != 1)
			return false;
		if (!check_options(r->pkt + r->off, rdlen))
			return false;
		q->edns = true;
		q->edns_udp_size = class;
		q->edns_ext_rcode = (uint8_t)(ttl_hi >> 8);
		q->edns_version = (uint8_t)ttl_hi;
		q->edns_do = (ttl_lo & 0x8000) != 0;
		q->edns_opts_len = rdlen;
	}
	r->off += rdlen;
	return true;
}

int dns_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q)
{
	struct rd r = { pkt, len, DNS_HEADER_LEN };

	if (len < DNS_HEADER_LEN || (pkt[2] & 0x80))
		return DNS_PARSE_DROP;
	memset(q, 0, sizeof(*q));
	q->id = get16(pkt);
	q->flags = get16(pkt + 2);
	q->opcode = (q->flags >> 11) & 0xf;
	q->rd = (q->flags & DNS_FLAG_RD) != 0;
	q->cd = (q->flags & DNS_FLAG_CD) != 0;
	uint16_t qd = get16(pkt + 4), an = get16(pkt + 6), ns = get16(pkt + 8);
	uint16_t ar = get16(pkt + 10);

	if (q->opcode != DNS_OPCODE_QUERY) {
		if (qd == 1)
			read_question(&r, q);
		return DNS_PARSE_NOTIMP;
	}
	if (qd != 1 || !read_question(&r, q) || an || ns)
		return DNS_PARSE_FORMERR;
	for (unsigned i = 0; i < ar; i++)
		if (!read_additional(&r, q))
			return DNS_PARSE_FORMERR;
	if (r.off != len)
		return DNS_PARSE_FORMERR;
	return DNS_PARSE_OK;
}

size_t dns_query_udp_size(const struct dns_query *q)
{
	if (!q->edns || q->edns_udp_size < DNS_UDP_MIN)
		return DNS_UDP_MIN;
	return q->edns_udp_size;
}
