/* lib/dns: answering a query from a zone database (dns_answer in
 * dns/db.h), the way an authoritative-only server does: find the zone,
 * then the closest encloser of the name in it, and from there a
 * referral, an answer (following CNAMEs), a DNAME synthesis, a wildcard
 * synthesis (RFC 4592), NODATA or NXDOMAIN. Everything is read in place
 * from the database, which dns_db_open() checked; the response is
 * written by the builder into the caller's buffer. */
#include <string.h>

#include "db_internal.h"

#define CHAIN_MAX 8 /* CNAME and DNAME steps followed in one answer */
#define TYPE_DS 43
#define TYPE_IXFR 251
#define TYPE_AXFR 252
#define TYPE_ANY 255
#define RCODE_YXDOMAIN 6

/* The answer being built. */
struct ans {
	const struct dns_db *db;
	struct dns_builder b;
	struct dns_query q;
	uint32_t zone;		       /* the zone answering */
	uint32_t first, count;	       /* its names */
	uint8_t name[DNS_NAME_MAX];    /* the name looked up, its case kept */
	uint8_t name_lc[DNS_NAME_MAX]; /* the same, lower-cased */
};

/* An RRset in the database: where it starts. */
struct rrset {
	const uint8_t *p; /* type, count, then the RRs */
};

static uint16_t set_type(struct rrset s)
{
	return dns_db_le16(s.p);
}

static unsigned set_count(struct rrset s)
{
	return dns_db_le16(s.p + 2);
}

/* The first RR of s: TTL, RDLENGTH, RDATA. */
static const uint8_t *set_first(struct rrset s)
{
	return s.p + 4;
}

static const uint8_t *rr_next(const uint8_t *rr)
{
	return rr + 6 + dns_db_le16(rr + 4);
}

/* The RRset of type at entry i, or {NULL}. */
static struct rrset find_set(const struct dns_db *db, uint32_t i, uint16_t type)
{
	const uint8_t *e = dns_db_entry(db, i);
	const uint8_t *p = db->base + dns_db_le32(e + 4);
	unsigned n = dns_db_le16(e + 8);

	for (unsigned k = 0; k < n; k++) {
		struct rrset s = { p };
		const uint8_t *rr = set_first(s);

		if (set_type(s) == type)
			return s;
		if (set_type(s) > type)
			break;
		for (unsigned r = 0; r < set_count(s); r++)
			rr = rr_next(rr);
		p = rr;
	}
	return (struct rrset){ NULL };
}

/* The i-th RRset of entry e (i < its count). */
static struct rrset nth_set(const struct dns_db *db, uint32_t idx, unsigned i)
{
	const uint8_t *e = dns_db_entry(db, idx);
	struct rrset s = { db->base + dns_db_le32(e + 4) };

	while (i--) {
		const uint8_t *rr = set_first(s);

		for (unsigned r = 0; r < set_count(s); r++)
			rr = rr_next(rr);
		s.p = rr;
	}
	return s;
}

static unsigned flags_of(const struct dns_db *db, uint32_t i)
{
	return dns_db_le16(dns_db_entry(db, i) + 10);
}

/* Add RRset s under owner to the current section; ttl_cap caps every
 * TTL (UINT32_MAX: none). Returns the builder's result. */
static int add_set(struct ans *a, const uint8_t *owner, struct rrset s,
		   uint32_t ttl_cap)
{
	const uint8_t *rr = set_first(s);
	int rc = DNS_BUILD_OK;

	for (unsigned r = 0; r < set_count(s) && rc == DNS_BUILD_OK; r++) {
		uint32_t ttl = dns_db_le32(rr);

		rc = dns_build_rr(&a->b, owner, set_type(s), DNS_CLASS_IN,
				  ttl < ttl_cap ? ttl : ttl_cap, rr + 6,
				  dns_db_le16(rr + 4));
		rr = rr_next(rr);
	}
	return rc;
}

/* The zone holding name (lower-case) most closely, or -1. */
static int64_t find_zone(const struct dns_db *db, const uint8_t *name)
{
	for (const uint8_t *s = name;; s += 1 + *s) {
		uint32_t lo = 0, hi = db->nzones;

		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			int d = dns_name_compare(dns_db_zone_apex(db, mid), s);

			if (d == 0)
				return mid;
			if (d < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!*s)
			return -1;
	}
}

static void set_zone(struct ans *a, uint32_t z)
{
	a->zone = z;
	a->first = dns_db_le32(a->db->zones + z * DNS_DB_ZONE_LEN);
	a->count = dns_db_le32(a->db->zones + z * DNS_DB_ZONE_LEN + 4);
}

/* Index of the closest encloser of a->name_lc in the zone: the longest
 * of its suffixes present (the apex at least). */
static uint32_t closest_encloser(const struct ans *a)
{
	for (const uint8_t *s = a->name_lc;; s += 1 + *s) {
		uint32_t i = dns_db_find(a->db, a->first, a->count, s);

		if (i)
			return i - 1;
	}
}

/* The zone's SOA into the authority section, its TTL capped by its
 * MINIMUM (RFC 2308 s5). */
static void add_soa(struct ans *a)
{
	struct rrset soa = find_set(a->db, a->first, DNS_TYPE_SOA);
	const uint8_t *rr = set_first(soa);
	const uint8_t *end = rr_next(rr);

	dns_build_section(&a->b, DNS_SECTION_AUTHORITY);
	add_set(a, dns_db_owner(a->db, a->first), soa, dns_db_le32(end - 4));
}

/* A and AAAA of target (any case) from the answering zone into the
 * additional section, glue included when glue is set. Additional data
 * that does not fit is left out without TC (RFC 2181 s9), unless it is
 * glue a referral needs. */
static void add_addresses(struct ans *a, const uint8_t *target, bool glue)
{
	static const uint16_t types[2] = { DNS_TYPE_A, DNS_TYPE_AAAA };
	uint8_t lc[DNS_NAME_MAX];
	uint32_t i;

	if (a->b.full)
		return;
	dns_name_lower(lc, target);
	if (!dns_name_is_subdomain(lc, dns_db_owner(a->db, a->first)))
		return;
	i = dns_db_find(a->db, a->first, a->count, lc);
	if (!i || (!glue && flags_of(a->db, i - 1) & DNS_DB_F_OCCLUDED))
		return;
	dns_build_section(&a->b, DNS_SECTION_ADDITIONAL);
	for (int t = 0; t < 2; t++) {
		struct rrset s = find_set(a->db, i - 1, types[t]);

		if (s.p &&
		    add_set(a, target, s, UINT32_MAX) == DNS_BUILD_FULL &&
		    !glue)
			dns_build_set_flag(&a->b, DNS_FLAG_TC, false);
	}
}

/* Additional records for the targets of an RRset of NS, MX or SRV. */
static void add_targets(struct ans *a, struct rrset s, bool glue)
{
	const uint8_t *rr = set_first(s);
	uint16_t type = set_type(s);

	if (type != DNS_TYPE_NS && type != DNS_TYPE_MX && type != DNS_TYPE_SRV)
		return;
	for (unsigned r = 0; r < set_count(s); r++, rr = rr_next(rr))
		add_addresses(a, dns_rdata_target(type, rr + 6), glue);
}

/* A referral to the delegation at entry cut: its NS in authority, glue
 * in additional, AA clear unless an earlier step answered. */
static void referral(struct ans *a, uint32_t cut)
{
	struct rrset ns = find_set(a->db, cut, DNS_TYPE_NS);

	if (!a->b.count[DNS_SECTION_ANSWER])
		dns_build_set_flag(&a->b, DNS_FLAG_AA, false);
	dns_build_section(&a->b, DNS_SECTION_AUTHORITY);
	if (add_set(a, dns_db_owner(a->db, cut), ns, UINT32_MAX) ==
	    DNS_BUILD_OK)
		add_targets(a, ns, true);
}

/* Make target (a wire name, any case) the name looked up next. */
static void follow(struct ans *a, const uint8_t *target)
{
	size_t n = dns_name_len(target, DNS_NAME_MAX);

	memcpy(a->name, target, n);
	dns_name_lower(a->name_lc, a->name);
}

/* RFC 8482: ANY gets one RRset of those at the name. */
static struct rrset any_set(const struct ans *a, uint32_t i)
{
	const uint8_t *e = dns_db_entry(a->db, i);

	if (!dns_db_le16(e + 8))
		return (struct rrset){ NULL };
	return nth_set(a->db, i, 0);
}

/* Results of one lookup step. */
enum step {
	STEP_DONE,
	STEP_FOLLOW
};

/* Answer from the RRsets at entry i for the name looked up (owner is the
 * name as it is written: the question's case, a chain's target or the
 * name a wildcard stands for). */
static enum step answer_at(struct ans *a, uint32_t i)
{
	uint16_t qtype = a->q.qtype;
	struct rrset s;

	if (flags_of(a->db, i) & DNS_DB_F_CNAME && qtype != DNS_TYPE_CNAME) {
		s = find_set(a->db, i, DNS_TYPE_CNAME);
		dns_build_section(&a->b, DNS_SECTION_ANSWER);
		if (add_set(a, a->name, s, UINT32_MAX) != DNS_BUILD_OK)
			return STEP_DONE;
		follow(a, set_first(s) + 6);
		return STEP_FOLLOW;
	}
	s = qtype == TYPE_ANY ? any_set(a, i) : find_set(a->db, i, qtype);
	if (!s.p) {
		add_soa(a);
		return STEP_DONE;
	}
	dns_build_section(&a->b, DNS_SECTION_ANSWER);
	if (add_set(a, a->name, s, UINT32_MAX) == DNS_BUILD_OK)
		add_targets(a, s, false);
	return STEP_DONE;
}

/* DNAME at entry ce, an ancestor of the name: the DNAME, then a CNAME
 * from the name to its substitute (RFC 6672 s3.3), which is followed. */
static enum step dname(struct ans *a, uint32_t ce)
{
	struct rrset d = find_set(a->db, ce, DNS_TYPE_DNAME);
	const uint8_t *rr = set_first(d), *target = rr + 6;
	size_t prefix = 0, tlen = dns_name_len(target, DNS_NAME_MAX);
	unsigned keep = dns_name_labels(a->name) -
			dns_name_labels(dns_db_owner(a->db, ce));
	uint8_t cname[DNS_NAME_MAX];

	for (unsigned l = 0; l < keep; l++)
		prefix += 1u + a->name[prefix];
	dns_build_section(&a->b, DNS_SECTION_ANSWER);
	if (add_set(a, dns_db_owner(a->db, ce), d, UINT32_MAX) != DNS_BUILD_OK)
		return STEP_DONE;
	if (prefix + tlen > DNS_NAME_MAX) {
		dns_build_set_rcode(&a->b, RCODE_YXDOMAIN);
		return STEP_DONE;
	}
	memcpy(cname, a->name, prefix);
	memcpy(cname + prefix, target, tlen);
	if (dns_build_rr(&a->b, a->name, DNS_TYPE_CNAME, DNS_CLASS_IN,
			 dns_db_le32(rr), cname, prefix + tlen) != DNS_BUILD_OK)
		return STEP_DONE;
	follow(a, cname);
	return STEP_FOLLOW;
}

/* The name does not exist: a wildcard at the closest encloser ce stands
 * for it, or NXDOMAIN. */
static enum step no_name(struct ans *a, uint32_t ce)
{
	const uint8_t *ce_name = dns_db_owner(a->db, ce);
	size_t n = dns_name_len(ce_name, DNS_NAME_MAX);
	uint8_t star[DNS_NAME_MAX + 2] = { 1, '*' };
	uint32_t w = 0;

	if (n + 2 <= DNS_NAME_MAX) {
		memcpy(star + 2, ce_name, n);
		w = dns_db_find(a->db, a->first, a->count, star);
	}
	if (w)
		return answer_at(a, w - 1);
	dns_build_set_rcode(&a->b, DNS_RCODE_NXDOMAIN);
	add_soa(a);
	return STEP_DONE;
}

/* One step: look a->name up in the current zone. */
static enum step step(struct ans *a)
{
	uint32_t ce = closest_encloser(a);
	uint32_t cut = dns_db_le32(dns_db_entry(a->db, ce) + 12);
	bool exact = dns_name_equal(dns_db_owner(a->db, ce), a->name_lc);

	if (cut && !(exact && cut - 1 == ce && a->q.qtype == TYPE_DS)) {
		referral(a, cut - 1);
		return STEP_DONE;
	}
	if (exact)
		return answer_at(a, ce);
	if (flags_of(a->db, ce) & DNS_DB_F_DNAME)
		return dname(a, ce);
	return no_name(a, ce);
}

/* Answer a well-formed QUERY of class IN. */
static void lookup(struct ans *a)
{
	int64_t z = find_zone(a->db, a->q.qname_lc);

	if (z < 0 || a->q.qtype == TYPE_AXFR || a->q.qtype == TYPE_IXFR) {
		dns_build_set_rcode(&a->b, DNS_RCODE_REFUSED);
		return;
	}
	set_zone(a, (uint32_t)z);
	dns_build_set_flag(&a->b, DNS_FLAG_AA, true);
	follow(a, a->q.qname);
	for (int n = 0; n <= CHAIN_MAX && !a->b.full; n++) {
		if (step(a) == STEP_DONE)
			return;
		z = find_zone(a->db, a->name_lc);
		if (z != (int64_t)a->zone)
			return; /* the chain leaves the zone */
	}
}

static void count(struct dns_stats *st, const struct ans *a, int parsed)
{
	unsigned rcode = a->b.buf[3] & 0xf;

	if (!st)
		return;
	st->queries++;
	st->formerr += parsed == DNS_PARSE_FORMERR;
	st->notimp += parsed == DNS_PARSE_NOTIMP;
	st->refused += rcode == DNS_RCODE_REFUSED;
	st->nxdomain += rcode == DNS_RCODE_NXDOMAIN;
	st->truncated += !!(a->b.buf[2] & (DNS_FLAG_TC >> 8));
}

size_t dns_answer(const struct dns_db *db, const uint8_t *pkt, size_t len,
		  uint8_t *out, size_t outmax, enum dns_transport tr,
		  struct dns_stats *st)
{
	struct ans a;
	int parsed = dns_parse_query(pkt, len, &a.q);
	size_t size = tr == DNS_TCP ? DNS_MSG_MAX : dns_query_udp_size(&a.q);

	a.db = db;
	if (parsed == DNS_PARSE_DROP ||
	    dns_build_start(&a.b, out, size < outmax ? size : outmax, &a.q)) {
		if (st)
			st->dropped++;
		return 0;
	}
	if (parsed == DNS_PARSE_FORMERR)
		dns_build_set_rcode(&a.b, DNS_RCODE_FORMERR);
	else if (parsed == DNS_PARSE_NOTIMP)
		dns_build_set_rcode(&a.b, DNS_RCODE_NOTIMP);
	else if (a.q.edns && a.q.edns_version > 0)
		dns_build_set_rcode(&a.b, DNS_RCODE_BADVERS);
	else if (a.q.qclass != DNS_CLASS_IN)
		dns_build_set_rcode(&a.b, DNS_RCODE_REFUSED);
	else
		lookup(&a);
	count(st, &a, parsed);
	return dns_build_finish(&a.b);
}
