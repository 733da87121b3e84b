/* lib/dns: what db.c and answer.c share about the database's layout: the
 * little-endian reads, entries of the names table and the binary search
 * over one zone's names. Private to lib/dns. */
#ifndef DNS_DB_INTERNAL_H
#define DNS_DB_INTERNAL_H

#include "dns/db.h"
#include "dns/wire.h"

static inline uint16_t dns_db_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t dns_db_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Entry i of the names table. */
static inline const uint8_t *dns_db_entry(const struct dns_db *db, uint32_t i)
{
	return db->names + (size_t)i * DNS_DB_NAME_LEN;
}

/* The owner name of entry i. */
static inline const uint8_t *dns_db_owner(const struct dns_db *db, uint32_t i)
{
	return db->base + dns_db_le32(dns_db_entry(db, i));
}

/* The apex of zone z. */
static inline const uint8_t *dns_db_zone_apex(const struct dns_db *db,
					      uint32_t z)
{
	return dns_db_owner(db, dns_db_le32(db->zones + z * DNS_DB_ZONE_LEN));
}

/* Which types one name's RRsets hold, as db.c checks them. */
struct dns_db_seen {
	unsigned nsets;
	bool ns, soa, cname, dname;
};

/* A lower-case name prepared for many comparisons with owners: where its
 * labels start. Its suffix from label k on is the name at name + off[k]
 * (k == n: the root). */
struct dns_db_key {
	const uint8_t *name;
	uint8_t off[128];
	unsigned n;
};

/* Prepare key k for the valid lower-case wire name lc. */
void dns_db_key_init(struct dns_db_key *k, const uint8_t *lc);

/* Canonical order (RFC 4034 s6.1) of the lower-case owner against the
 * suffix of k from label from on: < 0, 0 or > 0 like memcmp. */
int dns_db_key_cmp(const uint8_t *owner, const struct dns_db_key *k,
		   unsigned from);

/* 1 + the index of the entry of names[first .. first + count) whose
 * owner is the suffix of k from label from on, or 0 when none is. */
static inline uint32_t dns_db_find_key(const struct dns_db *db, uint32_t first,
				       uint32_t count,
				       const struct dns_db_key *k,
				       unsigned from)
{
	uint32_t lo = first, hi = first + count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int d = dns_db_key_cmp(dns_db_owner(db, mid), k, from);

		if (d == 0)
			return mid + 1;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* 1 + the index of the entry of names[first .. first + count) whose
 * owner is the lower-case name, or 0 when none is. */
static inline uint32_t dns_db_find(const struct dns_db *db, uint32_t first,
				   uint32_t count, const uint8_t *name)
{
	struct dns_db_key k;

	dns_db_key_init(&k, name);
	return dns_db_find_key(db, first, count, &k, 0);
}

#endif
