/* lib/dns: answering a query from a zone database (dns_answer in
 * dns/db.h) the way NSD does. A first pass plans the response: it finds
 * the zone, the closest encloser of the name in it, and from there a
 * referral, an answer (following CNAMEs, also into other zones served
 * here), a DNAME synthesis, a wildcard synthesis (RFC 4592), NODATA or
 * NXDOMAIN, and lists the RRsets each section gets, additional records
 * for NS, MX and SRV targets included, each RRset once. A second pass
 * writes the list in section order: an answer or authority RRset that
 * does not fit sets TC; optional data (the zone's NS beside an answer,
 * additional records) that does not fit, or that would take a UDP
 * response past 1232 octets, is left out with everything after it.
 * Everything is read in place from the database dns_db_open() checked. */
#include <string.h>

#include "db_internal.h"

#define CHAIN_MAX 16	  /* CNAME and DNAME steps followed in one answer */
#define PLAN_MAX 64	  /* RRsets of one response */
#define MINIMAL_SIZE 1232 /* optional data stops here over UDP */
#define TYPE_DS 43
#define TYPE_DNSKEY 48
#define TYPE_RRSIG 46
#define TYPE_NSEC 47
#define TYPE_IXFR 251
#define TYPE_AXFR 252
#define TYPE_ANY 255
#define CLASS_ANY 255
#define RCODE_YXDOMAIN 6
#define EDE_OTHER 0
#define EDE_PROHIBITED 18
#define EDE_NOT_AUTHORITATIVE 20
#define EDE_NOT_SUPPORTED 21

/* Where a planned RRset goes; the order is the writing order. */
enum part {
	P_ANSWER,
	P_AUTHORITY,
	P_OPT_AUTHORITY, /* the zone's NS beside an answer */
	P_ADD_A,
	P_ADD_AAAA,
	P_COUNT,
};

/* One planned RRset: from the database (set), or a CNAME synthesized from
 * a DNAME (set NULL, target and ttl). */
struct item {
	enum part part;
	const uint8_t *owner; /* the name written as owner */
	uint32_t id;	      /* the owner's identity, for duplicates */
	const uint8_t *set;   /* type, count, RRs */
	const uint8_t *target;
	uint32_t ttl; /* a synthesized CNAME's TTL; else a cap on TTLs */
};

/* The response being planned and written. */
struct ans {
	const struct dns_db *db;
	struct dns_builder b;
	struct dns_query q;
	enum dns_transport tr;
	uint32_t first, count; /* the current zone's names */
	unsigned steps;	       /* CNAMEs and DNAMEs followed */
	bool referral;
	struct item plan[PLAN_MAX];
	unsigned nplan;
	uint8_t synth[CHAIN_MAX][DNS_NAME_MAX]; /* DNAME substitutes */
};

/* Owner identities: an entry of the database, or a name made here. */
#define ID_ENTRY(i) ((i) + 1)
#define ID_MADE(k) (0x80000000u | (k))

/* ---- Reading RRsets in place. */

static uint16_t set_type(const uint8_t *s)
{
	return dns_db_le16(s);
}

static unsigned set_count(const uint8_t *s)
{
	return dns_db_le16(s + 2);
}

/* RR k of RRset s: TTL, RDLENGTH, RDATA. */
static const uint8_t *set_rr(const uint8_t *s, unsigned k)
{
	const uint8_t *rr = s + 4;

	while (k--)
		rr += 6 + dns_db_le16(rr + 4);
	return rr;
}

/* The RRset after s. */
static const uint8_t *set_next(const uint8_t *s)
{
	return set_rr(s, set_count(s));
}

static unsigned nsets(const struct dns_db *db, uint32_t i)
{
	return dns_db_le16(dns_db_entry(db, i) + 8);
}

static const uint8_t *first_set(const struct dns_db *db, uint32_t i)
{
	return db->base + dns_db_le32(dns_db_entry(db, i) + 4);
}

/* The RRset of type at entry i, or NULL. */
static const uint8_t *find_set(const struct dns_db *db, uint32_t i,
			       uint16_t type)
{
	const uint8_t *s = first_set(db, i);

	for (unsigned k = 0; k < nsets(db, i); k++, s = set_next(s)) {
		if (set_type(s) == type)
			return s;
		if (set_type(s) > type)
			break;
	}
	return NULL;
}

static unsigned flags_of(const struct dns_db *db, uint32_t i)
{
	return dns_db_le16(dns_db_entry(db, i) + 10);
}

/* ---- Zones and names. */

/* The zone holding the suffix of key k from label from on most closely,
 * or -1. */
static int64_t find_zone(const struct dns_db *db, const struct dns_db_key *k,
			 unsigned from)
{
	for (; from <= k->n; from++) {
		uint32_t lo = 0, hi = db->nzones;

		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			int d = dns_db_key_cmp(dns_db_zone_apex(db, mid), k,
					       from);

			if (d == 0)
				return mid;
			if (d < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return -1;
}

static void set_zone(struct ans *a, uint32_t z)
{
	a->first = dns_db_le32(a->db->zones + z * DNS_DB_ZONE_LEN);
	a->count = dns_db_le32(a->db->zones + z * DNS_DB_ZONE_LEN + 4);
}

/* Index of the longest suffix of the name of key k (in the zone) present
 * in the current zone: the name itself (*exact set), or its closest
 * encloser. */
static uint32_t closest(const struct ans *a, const struct dns_db_key *k,
			bool *exact)
{
	for (unsigned from = 0;; from++) {
		uint32_t i =
			dns_db_find_key(a->db, a->first, a->count, k, from);

		if (i) {
			*exact = from == 0;
			return i - 1;
		}
	}
}

/* The wildcard "*" under entry ce in the current zone: 1 + its index,
 * or 0. */
static uint32_t wildcard_of(const struct ans *a, uint32_t ce)
{
	const uint8_t *name = dns_db_owner(a->db, ce);
	size_t n = dns_name_len(name, DNS_NAME_MAX);
	uint8_t star[DNS_NAME_MAX + 2] = { 1, '*' };

	if (n + 2 > DNS_NAME_MAX)
		return 0;
	memcpy(star + 2, name, n);
	return dns_db_find(a->db, a->first, a->count, star);
}

/* ---- Planning. */

/* Plan set (an RRset of the database) under owner in part p, unless it
 * is planned already for the same owner (the same identity, or a name
 * equal to it: a wildcard's set stands for each name it covers under
 * identities made apart, and one name met twice is one owner): then it
 * moves to p when p comes earlier. Returns whether it was newly
 * planned. */
static bool plan(struct ans *a, enum part p, const uint8_t *owner, uint32_t id,
		 const uint8_t *set, uint32_t ttl_cap)
{
	for (unsigned k = 0; k < a->nplan; k++) {
		struct item *it = &a->plan[k];

		if (it->set == set &&
		    (it->id == id || dns_name_equal(it->owner, owner))) {
			if (p < it->part)
				it->part = p;
			return false;
		}
	}
	if (a->nplan == PLAN_MAX)
		return false;
	a->plan[a->nplan++] = (struct item){ p, owner, id, set, NULL, ttl_cap };
	return true;
}

static void plan_set(struct ans *a, enum part p, const uint8_t *owner,
		     uint32_t id, const uint8_t *set);

/* A and AAAA of target from the current zone, as additional data; glue
 * (names below a delegation) only when glue is set. A name that does not
 * exist takes them from a wildcard that covers it. */
static void plan_addresses(struct ans *a, const uint8_t *target, bool glue,
			   uint32_t made)
{
	uint8_t lc[DNS_NAME_MAX];
	struct dns_db_key k;
	uint32_t i, id;
	bool exact;

	dns_name_lower(lc, target);
	if (!dns_name_is_subdomain(lc, dns_db_owner(a->db, a->first)))
		return;
	dns_db_key_init(&k, lc);
	i = closest(a, &k, &exact);
	id = ID_ENTRY(i);
	if (!glue && flags_of(a->db, i) & DNS_DB_F_OCCLUDED)
		return;
	if (!exact) {
		uint32_t w = wildcard_of(a, i);

		if (!w)
			return;
		i = w - 1;
		id = ID_MADE(made);
	}
	const uint8_t *s4 = find_set(a->db, i, DNS_TYPE_A);
	const uint8_t *s6 = find_set(a->db, i, DNS_TYPE_AAAA);

	if (s4)
		plan(a, P_ADD_A, target, id, s4, UINT32_MAX);
	if (s6)
		plan(a, P_ADD_AAAA, target, id, s6, UINT32_MAX);
}

/* Plan set and the additional data its type calls for (RFC 1035 s3.3:
 * addresses of NS, MX and SRV targets). */
static void plan_set(struct ans *a, enum part p, const uint8_t *owner,
		     uint32_t id, const uint8_t *set)
{
	uint16_t type = set_type(set);

	if (!plan(a, p, owner, id, set, UINT32_MAX))
		return;
	if (type != DNS_TYPE_NS && type != DNS_TYPE_MX && type != DNS_TYPE_SRV)
		return;
	for (unsigned k = 0; k < set_count(set); k++)
		plan_addresses(a, dns_rdata_target(type, set_rr(set, k) + 6),
			       type == DNS_TYPE_NS, a->nplan * 256 + k);
}

/* The zone's SOA in authority, its TTL capped by its MINIMUM (RFC 2308
 * s5); not for class ANY. */
static void plan_soa(struct ans *a)
{
	const uint8_t *soa = find_set(a->db, a->first, DNS_TYPE_SOA);
	const uint8_t *rr = set_rr(soa, 0);
	const uint8_t *min = rr + 6 + dns_db_le16(rr + 4) - 4;

	uint32_t minimum = (uint32_t)min[0] << 24 | (uint32_t)min[1] << 16 |
			   (uint32_t)min[2] << 8 |
			   min[3]; /* RDATA: wire order */

	if (a->q.qclass != CLASS_ANY)
		plan(a, P_AUTHORITY, dns_db_owner(a->db, a->first),
		     ID_ENTRY(a->first), soa, minimum);
}

/* RFC 8482: ANY gets one RRset, as NSD picks it: the first of A, AAAA,
 * SOA, MX or PTR, else the last of the others, else the last of DNSKEY,
 * RRSIG or NSEC. NULL when the name has none. */
static const uint8_t *any_set(const struct ans *a, uint32_t i)
{
	const uint8_t *s = first_set(a->db, i), *normal = NULL, *last = NULL;

	for (unsigned k = 0; k < nsets(a->db, i); k++, s = set_next(s)) {
		switch (set_type(s)) {
		case DNS_TYPE_A:
		case DNS_TYPE_AAAA:
		case DNS_TYPE_SOA:
		case DNS_TYPE_MX:
		case DNS_TYPE_PTR:
			return s;
		case TYPE_DNSKEY:
		case TYPE_RRSIG:
		case TYPE_NSEC:
			last = s;
			break;
		default:
			normal = s;
		}
	}
	return normal ? normal : last;
}

static void lookup(struct ans *a, const uint8_t *name);

/* Answer at entry i (the name, or the wildcard standing for it), owner
 * written as owner with identity id. */
static void answer_at(struct ans *a, uint32_t i, const uint8_t *owner,
		      uint32_t id)
{
	uint16_t qtype = a->q.qtype;
	const uint8_t *s =
		qtype == TYPE_ANY ? any_set(a, i) : find_set(a->db, i, qtype);
	const uint8_t *ns = find_set(a->db, a->first, DNS_TYPE_NS);

	if (!s && (s = find_set(a->db, i, DNS_TYPE_CNAME))) {
		if (plan(a, P_ANSWER, owner, id, s, UINT32_MAX) &&
		    a->steps++ < CHAIN_MAX)
			lookup(a, set_rr(s, 0) + 6);
		return;
	}
	if (!s) {
		plan_soa(a);
		return;
	}
	plan_set(a, P_ANSWER, owner, id, s);
	if (ns && a->q.qclass != CLASS_ANY && qtype != TYPE_DS &&
	    qtype != TYPE_DNSKEY && qtype != TYPE_ANY)
		plan_set(a, P_OPT_AUTHORITY, dns_db_owner(a->db, a->first),
			 ID_ENTRY(a->first), ns);
}

/* Whether the answer holds a CNAME from owner (any case) to target
 * already: a DNAME loop. */
static bool cname_planned(const struct ans *a, const uint8_t *owner,
			  const uint8_t *target)
{
	for (unsigned k = 0; k < a->nplan; k++)
		if (!a->plan[k].set &&
		    dns_name_equal(a->plan[k].owner, owner) &&
		    dns_name_equal(a->plan[k].target, target))
			return true;
	return false;
}

/* DNAME at entry ce, a proper ancestor of name: the DNAME, a CNAME from
 * name to its substitute (RFC 6672 s3.3), then the substitute. */
static void dname(struct ans *a, uint32_t ce, const uint8_t *name)
{
	const uint8_t *d = find_set(a->db, ce, DNS_TYPE_DNAME);
	const uint8_t *rr = set_rr(d, 0), *target = rr + 6;
	size_t prefix = 0, tlen = dns_name_len(target, DNS_NAME_MAX);
	unsigned keep = dns_name_labels(name) -
			dns_name_labels(dns_db_owner(a->db, ce));
	uint8_t *sub = a->synth[a->steps < CHAIN_MAX ? a->steps : 0];

	if (!plan(a, P_ANSWER, dns_db_owner(a->db, ce), ID_ENTRY(ce), d,
		  UINT32_MAX) &&
	    dns_name_is_subdomain(target, dns_db_owner(a->db, ce)))
		return; /* the DNAME again, into itself: a loop */
	for (unsigned l = 0; l < keep; l++)
		prefix += 1u + name[prefix];
	if (prefix + tlen > DNS_NAME_MAX) {
		dns_build_set_rcode(&a->b, RCODE_YXDOMAIN);
		dns_build_set_ede(&a->b, EDE_OTHER,
				  "DNAME expansion became too large");
		return;
	}
	if (a->steps >= CHAIN_MAX || a->nplan == PLAN_MAX)
		return;
	memcpy(sub, name, prefix);
	memcpy(sub + prefix, target, tlen);
	if (cname_planned(a, name, sub))
		return;
	a->plan[a->nplan++] = (struct item){ P_ANSWER, name, ID_MADE(a->steps),
					     NULL,     sub,  dns_db_le32(rr) };
	a->steps++;
	if (a->q.qtype != DNS_TYPE_CNAME)
		lookup(a, sub);
}

/* Answer with authority from the current zone: ce is the closest
 * encloser of name, exact whether it is the name. */
static void authoritative(struct ans *a, uint32_t ce, bool exact,
			  const uint8_t *name)
{
	uint32_t w;

	if (exact) {
		answer_at(a, ce, a->steps ? name : a->q.qname, ID_ENTRY(ce));
	} else if (flags_of(a->db, ce) & DNS_DB_F_DNAME) {
		dname(a, ce, name);
	} else if ((w = wildcard_of(a, ce))) {
		answer_at(a, w - 1, a->steps ? name : a->q.qname,
			  ID_MADE(0x10000 + a->steps));
	} else {
		dns_build_set_rcode(&a->b, DNS_RCODE_NXDOMAIN);
		plan_soa(a);
	}
}

/* A referral to the delegation at entry cut: its NS in authority with
 * their addresses, glue included; AA only when a CNAME led here. */
static void referral(struct ans *a, uint32_t cut)
{
	dns_build_set_flag(&a->b, DNS_FLAG_AA, a->steps > 0);
	a->referral = true;
	plan_set(a, P_AUTHORITY, dns_db_owner(a->db, cut), ID_ENTRY(cut),
		 find_set(a->db, cut, DNS_TYPE_NS));
}

/* A DS query at the apex of the current zone is answered from the parent
 * zone when that is served here (RFC 4035 s3.1.4.1): switch to it and
 * find ce and exact again. Returns false when no parent is served. */
static bool ds_parent(struct ans *a, const struct dns_db_key *k, uint32_t *ce,
		      bool *exact)
{
	struct dns_db_key apex;
	int64_t z = -1;

	dns_db_key_init(&apex, dns_db_owner(a->db, a->first));
	if (apex.n)
		z = find_zone(a->db, &apex, 1);
	if (z < 0)
		return false;
	set_zone(a, (uint32_t)z);
	*ce = closest(a, k, exact);
	return true;
}

/* Look name (any case) up: the query's name, or a step of a chain. */
static void lookup(struct ans *a, const uint8_t *name)
{
	uint8_t lc[DNS_NAME_MAX];
	struct dns_db_key k;
	uint32_t ce, cut;
	int64_t z;
	bool exact;

	dns_name_lower(lc, name);
	dns_db_key_init(&k, lc);
	z = find_zone(a->db, &k, 0);
	if (z < 0) {
		if (!a->steps) {
			dns_build_set_rcode(&a->b, DNS_RCODE_REFUSED);
			dns_build_set_ede(&a->b, EDE_NOT_AUTHORITATIVE, NULL);
		}
		return;
	}
	set_zone(a, (uint32_t)z);
	ce = closest(a, &k, &exact);
	if (exact && a->q.qtype == TYPE_DS && ce == a->first &&
	    !ds_parent(a, &k, &ce, &exact)) {
		/* DS at an apex whose parent is not here: NODATA. */
		dns_build_set_flag(&a->b, DNS_FLAG_AA,
				   a->q.qclass != CLASS_ANY);
		plan_soa(a);
		return;
	}
	cut = dns_db_le32(dns_db_entry(a->db, ce) + 12);
	if (cut && !(exact && a->q.qtype == TYPE_DS && cut - 1 == ce)) {
		referral(a, cut - 1);
		return;
	}
	dns_build_set_flag(&a->b, DNS_FLAG_AA, a->q.qclass != CLASS_ANY);
	authoritative(a, ce, exact, name);
}

/* ---- Writing. */

/* Write item it; returns the builder's result. */
static int write_item(struct ans *a, const struct item *it)
{
	int rc = DNS_BUILD_OK;

	if (!it->set)
		return dns_build_rr(&a->b, it->owner, DNS_TYPE_CNAME,
				    DNS_CLASS_IN, it->ttl, it->target,
				    dns_name_len(it->target, DNS_NAME_MAX));
	for (unsigned k = 0; k < set_count(it->set) && rc == DNS_BUILD_OK;
	     k++) {
		const uint8_t *rr = set_rr(it->set, k);
		uint32_t ttl = dns_db_le32(rr);

		rc = dns_build_rr(&a->b, it->owner, set_type(it->set),
				  DNS_CLASS_IN, ttl < it->ttl ? ttl : it->ttl,
				  rr + 6, dns_db_le16(rr + 4));
	}
	return rc;
}

static const enum dns_section section_of[P_COUNT] = {
	DNS_SECTION_ANSWER, DNS_SECTION_AUTHORITY, DNS_SECTION_AUTHORITY,
	DNS_SECTION_ADDITIONAL, DNS_SECTION_ADDITIONAL
};

/* Write optional item it, or take it out again and return false when it
 * does not fit or takes a UDP response past MINIMAL_SIZE. */
static bool write_optional(struct ans *a, const struct item *it)
{
	struct dns_build_mark m;

	dns_build_mark(&a->b, &m);
	if (write_item(a, it) == DNS_BUILD_OK &&
	    (a->tr == DNS_TCP || a->b.len <= MINIMAL_SIZE))
		return true;
	dns_build_rollback(&a->b, &m);
	return false;
}

/* Write the plan in section order. */
static void write_plan(struct ans *a)
{
	for (enum part p = P_ANSWER; p < P_COUNT; p++) {
		unsigned written = 0;

		dns_build_section(&a->b, section_of[p]);
		for (unsigned k = 0; k < a->nplan; k++) {
			const struct item *it = &a->plan[k];

			if (it->part != p)
				continue;
			if (p <= P_AUTHORITY) {
				if (write_item(a, it) != DNS_BUILD_OK)
					return; /* TC is set */
			} else if (!write_optional(a, it)) {
				if (p == P_ADD_A && !written && a->referral)
					dns_build_set_flag(&a->b, DNS_FLAG_TC,
							   true);
				return;
			}
			written++;
		}
	}
}

/* ---- The query. */

/* Answer a well-formed QUERY. */
static void answer_query(struct ans *a)
{
	uint16_t qclass = a->q.qclass, qtype = a->q.qtype;

	if (a->q.edns && a->q.edns_version > 0) {
		dns_build_set_rcode(&a->b, DNS_RCODE_BADVERS);
	} else if (qclass != DNS_CLASS_IN && qclass != CLASS_ANY) {
		dns_build_set_rcode(&a->b, DNS_RCODE_REFUSED);
		dns_build_set_ede(&a->b, EDE_NOT_SUPPORTED, NULL);
	} else if (qtype == TYPE_AXFR || qtype == TYPE_IXFR) {
		dns_build_set_rcode(&a->b, DNS_RCODE_REFUSED);
		dns_build_set_ede(&a->b, EDE_PROHIBITED, NULL);
	} else {
		lookup(a, a->q.qname);
		write_plan(a);
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
	size_t size;

	a.db = db;
	a.tr = tr;
	a.steps = 0;
	a.nplan = 0;
	a.referral = false;
	if (parsed == DNS_PARSE_FORMERR || parsed == DNS_PARSE_NOTIMP) {
		/* As NSD: no question and no OPT RR in the error. */
		a.q.has_question = false;
		a.q.edns = false;
	}
	if (parsed == DNS_PARSE_DROP)
		goto drop;
	size = tr == DNS_TCP ? DNS_MSG_MAX : dns_query_udp_size(&a.q);
	if (tr == DNS_UDP && size > DNS_EDNS_UDP_SIZE)
		size = DNS_EDNS_UDP_SIZE; /* as NSD: at most what we advertise
					   */
	if (dns_build_start(&a.b, out, size < outmax ? size : outmax, &a.q))
		goto drop;
	if (parsed == DNS_PARSE_FORMERR) {
		dns_build_set_rcode(&a.b, DNS_RCODE_FORMERR);
		dns_build_set_flag(&a.b, DNS_FLAG_CD, false); /* RD only */
	} else if (parsed == DNS_PARSE_NOTIMP)
		dns_build_set_rcode(&a.b, DNS_RCODE_NOTIMP);
	else
		answer_query(&a);
	count(st, &a, parsed);
	return dns_build_finish(&a.b);
drop:
	if (st)
		st->dropped++;
	return 0;
}
