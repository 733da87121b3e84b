/* lib/dns: the response builder. Writes into the caller's buffer with a
 * bound check on every octet; names are compressed against a small table
 * of offsets of labels already written (RFC 1035 s4.1.4), inside RDATA
 * only for the types RFC 3597 s4 allows; an RR that does not fit takes
 * its whole RRset out again and sets TC (RFC 2181 s9). */
#include <string.h>

#include "dns/wire.h"

#define OPT_RR_LEN 11 /* root, type, class, TTL, RDLENGTH 0 */
#define POINTER_MAX 0x3fff

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static void set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Room for n more octets? */
static bool room(const struct dns_builder *b, size_t n)
{
	return b->max - b->len >= n;
}

static bool put(struct dns_builder *b, const void *p, size_t n)
{
	if (!room(b, n))
		return false;
	if (n)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
	return true;
}

static bool put16(struct dns_builder *b, uint16_t v)
{
	uint8_t p[2];

	set16(p, v);
	return put(b, p, 2);
}

static bool put32(struct dns_builder *b, uint32_t v)
{
	return put16(b, (uint16_t)(v >> 16)) && put16(b, (uint16_t)v);
}

/* Whether the name written at buf[off] (possibly compressed, by us) is
 * the valid wire name s, ignoring case. */
static bool match_at(const uint8_t *buf, size_t off, const uint8_t *s)
{
	for (;;) {
		uint8_t c = buf[off];

		if ((c & 0xc0) == 0xc0) {
			off = (size_t)(c & 0x3f) << 8 | buf[off + 1];
			continue;
		}
		if (c != s[0])
			return false;
		for (unsigned i = 1; i <= c; i++)
			if (lower(buf[off + i]) != lower(s[i]))
				return false;
		if (c == 0)
			return true;
		off += 1 + c;
		s += 1 + c;
	}
}

/* The offset of an earlier name equal to s, or 0 for none. */
static size_t find_name(const struct dns_builder *b, const uint8_t *s)
{
	for (unsigned i = 0; i < b->ncomp; i++)
		if (match_at(b->buf, b->comp[i], s))
			return b->comp[i];
	return 0;
}

/* Write valid wire name name compressed: its longest suffix written
 * before becomes a pointer; the offsets of its labels written in full
 * join the table while it has room. */
static bool put_name(struct dns_builder *b, const uint8_t *name)
{
	size_t at = 0, ptr = 0;

	for (; name[at]; at += 1 + name[at]) {
		ptr = find_name(b, name + at);
		if (ptr)
			break;
	}
	for (size_t o = 0; o < at; o += 1 + name[o])
		if (b->ncomp < DNS_COMPRESS_MAX && b->len + o <= POINTER_MAX)
			b->comp[b->ncomp++] = (uint16_t)(b->len + o);
	if (!put(b, name, at))
		return false;
	if (ptr)
		return put16(b, (uint16_t)(0xc000 | ptr));
	return put(b, "", 1);
}

int dns_build_start(struct dns_builder *b, uint8_t *buf, size_t size,
		    const struct dns_query *q)
{
	size_t need = DNS_HEADER_LEN + (q->edns ? OPT_RR_LEN : 0);
	uint16_t flags = DNS_FLAG_QR | (uint16_t)(q->opcode << 11);

	if (q->has_question)
		need += q->qname_len + 4u;
	if (size > DNS_MSG_MAX)
		size = DNS_MSG_MAX;
	if (size < need)
		return DNS_BUILD_INVAL;
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->max = size - (q->edns ? OPT_RR_LEN : 0);
	b->edns = q->edns;
	b->edns_do = q->edns_do;
	b->opt_udp_size = DNS_EDNS_UDP_SIZE;
	flags |= q->flags & (DNS_FLAG_RD | DNS_FLAG_CD);
	memset(buf, 0, DNS_HEADER_LEN);
	set16(buf, q->id);
	set16(buf + 2, flags);
	b->len = DNS_HEADER_LEN;
	if (q->has_question) {
		put_name(b, q->qname);
		put16(b, q->qtype);
		put16(b, q->qclass);
		b->count[DNS_SECTION_QUESTION] = 1;
	}
	b->section = DNS_SECTION_ANSWER;
	return DNS_BUILD_OK;
}

int dns_build_set_rcode(struct dns_builder *b, unsigned rcode)
{
	if (rcode > 0xfff || (rcode > 0xf && !b->edns))
		return DNS_BUILD_INVAL;
	b->buf[3] = (uint8_t)((b->buf[3] & 0xf0) | (rcode & 0xf));
	b->ext_rcode = (uint8_t)(rcode >> 4);
	return DNS_BUILD_OK;
}

void dns_build_set_flag(struct dns_builder *b, uint16_t flag, bool on)
{
	uint16_t flags = (uint16_t)(b->buf[2] << 8 | b->buf[3]);

	flags = on ? flags | flag : flags & ~flag;
	set16(b->buf + 2, flags);
}

int dns_build_section(struct dns_builder *b, enum dns_section s)
{
	if (s < b->section || s > DNS_SECTION_ADDITIONAL)
		return DNS_BUILD_INVAL;
	if (s != b->section)
		b->in_set = false;
	b->section = s;
	return DNS_BUILD_OK;
}

/* For types whose RDATA holds names to compress: where the names are
 * (off[], *n of them), with false when rdata is not a valid RDATA of the
 * type (names, then fixed octets). Other types: *n 0, any RDATA. */
static bool rdata_names(uint16_t type, const uint8_t *rdata, size_t rdlen,
			size_t off[2], unsigned *n)
{
	size_t pos = 0, tail = 0, l;
	unsigned names = 1;

	*n = 0;
	switch (type) {
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_PTR:
		break;
	case DNS_TYPE_MX:
		pos = 2;
		break;
	case DNS_TYPE_SOA:
		names = 2;
		tail = 20;
		break;
	default:
		return true;
	}
	if (rdlen < pos)
		return false;
	for (unsigned i = 0; i < names; i++) {
		off[i] = pos;
		l = dns_name_len(rdata + pos, rdlen - pos);
		if (!l)
			return false;
		pos += l;
	}
	*n = names;
	return rdlen - pos == tail;
}

/* Take the current RRset out again and stop: the message is full. */
static int truncate_set(struct dns_builder *b)
{
	b->len = b->set_len;
	b->count[b->section] = b->set_count;
	b->ncomp = b->set_ncomp;
	b->full = true;
	dns_build_set_flag(b, DNS_FLAG_TC, true);
	return DNS_BUILD_FULL;
}

/* Note the start of a new RRset unless owner/type/class continue one. */
static void track_set(struct dns_builder *b, const uint8_t *owner,
		      uint16_t type, uint16_t class)
{
	if (b->in_set && type == b->set_type && class == b->set_class &&
	    dns_name_equal(owner, b->set_owner))
		return;
	b->in_set = true;
	b->set_type = type;
	b->set_class = class;
	memcpy(b->set_owner, owner, dns_name_len(owner, DNS_NAME_MAX));
	b->set_len = b->len;
	b->set_count = b->count[b->section];
	b->set_ncomp = b->ncomp;
}

/* RDATA with its names compressed (off[], n from rdata_names()). */
static bool put_rdata(struct dns_builder *b, const uint8_t *rdata, size_t rdlen,
		      const size_t off[2], unsigned n)
{
	size_t pos = 0;

	for (unsigned i = 0; i < n; i++) {
		if (!put(b, rdata + pos, off[i] - pos))
			return false;
		if (!put_name(b, rdata + off[i]))
			return false;
		pos = off[i] + dns_name_len(rdata + off[i], DNS_NAME_MAX);
	}
	return put(b, rdata + pos, rdlen - pos);
}

int dns_build_rr(struct dns_builder *b, const uint8_t *owner, uint16_t type,
		 uint16_t class, uint32_t ttl, const uint8_t *rdata,
		 size_t rdlen)
{
	size_t off[2], rdstart;
	unsigned n;

	if (b->full)
		return DNS_BUILD_FULL;
	if (b->section == DNS_SECTION_QUESTION || rdlen > 0xffff ||
	    !dns_name_len(owner, DNS_NAME_MAX) ||
	    !rdata_names(type, rdata, rdlen, off, &n) ||
	    b->count[b->section] == 0xffff)
		return DNS_BUILD_INVAL;
	track_set(b, owner, type, class);
	if (!put_name(b, owner) || !put16(b, type) || !put16(b, class) ||
	    !put32(b, ttl) || !put16(b, 0))
		return truncate_set(b);
	rdstart = b->len;
	if (!put_rdata(b, rdata, rdlen, off, n))
		return truncate_set(b);
	set16(b->buf + rdstart - 2, (uint16_t)(b->len - rdstart));
	b->count[b->section]++;
	return DNS_BUILD_OK;
}

void dns_build_mark(const struct dns_builder *b, struct dns_build_mark *m)
{
	m->len = b->len;
	memcpy(m->count, b->count, sizeof(m->count));
	m->ncomp = b->ncomp;
	m->section = b->section;
	memcpy(m->flags, b->buf + 2, 2);
	m->full = b->full;
}

void dns_build_rollback(struct dns_builder *b, const struct dns_build_mark *m)
{
	b->len = m->len;
	memcpy(b->count, m->count, sizeof(b->count));
	b->ncomp = m->ncomp;
	b->section = m->section;
	memcpy(b->buf + 2, m->flags, 2);
	b->full = m->full;
	b->in_set = false;
}

void dns_build_set_ede(struct dns_builder *b, uint16_t code, const char *text)
{
	b->has_ede = b->edns;
	b->ede_code = code;
	b->ede_text = text;
}

/* The EDE option (code 15) at p when it fits in room octets: its length
 * (0 when it does not fit or there is none). */
static size_t put_ede(const struct dns_builder *b, uint8_t *p, size_t room)
{
	size_t tlen = b->ede_text ? strlen(b->ede_text) : 0;

	if (!b->has_ede || room < 6 + tlen || tlen > 0xff)
		return 0;
	set16(p, 15);
	set16(p + 2, (uint16_t)(2 + tlen));
	set16(p + 4, b->ede_code);
	if (tlen)
		memcpy(p + 6, b->ede_text, tlen);
	return 6 + tlen;
}

size_t dns_build_finish(struct dns_builder *b)
{
	if (b->edns) {
		/* Room for the bare OPT RR was kept by dns_build_start(). */
		uint8_t *p = b->buf + b->len;
		size_t opts = put_ede(b, p + OPT_RR_LEN, b->max - b->len);

		p[0] = 0;
		set16(p + 1, DNS_TYPE_OPT);
		set16(p + 3, b->opt_udp_size);
		p[5] = b->ext_rcode;
		p[6] = 0; /* version */
		set16(p + 7, b->edns_do ? 0x8000 : 0);
		set16(p + 9, (uint16_t)opts);
		b->len += OPT_RR_LEN + opts;
		b->count[DNS_SECTION_ADDITIONAL]++;
		b->edns = false; /* finishing twice adds no second OPT */
	}
	for (int s = 0; s < 4; s++)
		set16(b->buf + 4 + 2 * s, b->count[s]);
	return b->len;
}
