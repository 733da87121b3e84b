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

/* 1 + the index of the entry of names[first .. first + count) whose
 * owner is name (lower-case), or 0 when none is. */
static inline uint32_t dns_db_find(const struct dns_db *db, uint32_t first,
				   uint32_t count, const uint8_t *name)
{
	uint32_t lo = first, hi = first + count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int d = dns_name_compare(dns_db_owner(db, mid), name);

		if (d == 0)
			return mid + 1;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

#endif
