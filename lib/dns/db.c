/* lib/dns: opening a zone database (dns/db.h). Everything dns_answer()
 * will follow is checked here once: the header and its CRC, the tables,
 * every owner name and its order, every RRset and RDATA, the flags and
 * delegation indexes. The CRC catches a damaged file; the structural
 * checks keep a well-formed but wrong one from reading out of bounds. */
#include <string.h>

#include "db_internal.h"

uint32_t dns_db_crc32(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *b = p;

	crc = ~crc;
	while (n--) {
		crc ^= *b++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

void dns_db_key_init(struct dns_db_key *k, const uint8_t *lc)
{
	unsigned o = 0;

	k->name = lc;
	k->n = 0;
	for (; lc[o]; o += 1u + lc[o])
		k->off[k->n++] = (uint8_t)o;
	k->off[k->n] = (uint8_t)o;
}

int dns_db_key_cmp(const uint8_t *owner, const struct dns_db_key *k,
		   unsigned from)
{
	uint8_t oo[128];
	unsigned no = 0, nk = k->n;

	for (unsigned o = 0; owner[o]; o += 1u + owner[o])
		oo[no++] = (uint8_t)o;
	while (no && nk > from) {
		const uint8_t *a = owner + oo[--no],
			      *b = k->name + k->off[--nk];
		int d = memcmp(a + 1, b + 1, a[0] < b[0] ? a[0] : b[0]);

		if (d)
			return d;
		if (a[0] != b[0])
			return (int)a[0] - (int)b[0];
	}
	return (int)no - (int)(nk - from);
}

/* The checks share a reason and stop at the first failure. */
#define CHECK(cond, reason)            \
	do {                           \
		if (!(cond)) {         \
			*why = reason; \
			return -1;     \
		}                      \
	} while (0)

static int check_header(struct dns_db *db, const uint8_t *b, size_t len,
			const char **why)
{
	uint64_t tables;

	CHECK(len >= DNS_DB_HEADER_LEN, "shorter than its header");
	CHECK(!memcmp(b, DNS_DB_MAGIC, 8), "not a zone database (bad magic)");
	CHECK(dns_db_le32(b + 8) == DNS_DB_VERSION,
	      "database version not supported");
	CHECK(dns_db_le32(b + 12) == len, "truncated or padded (size differs)");
	CHECK(dns_db_le32(b + 16) == dns_db_crc32(0, b + 20, len - 20),
	      "damaged (CRC mismatch)");
	CHECK(dns_db_le32(b + 28) == 0, "reserved header field not zero");
	db->base = b;
	db->size = len;
	db->nzones = dns_db_le32(b + 20);
	db->nnames = dns_db_le32(b + 24);
	tables = DNS_DB_HEADER_LEN + (uint64_t)db->nzones * DNS_DB_ZONE_LEN +
		 (uint64_t)db->nnames * DNS_DB_NAME_LEN;
	CHECK(tables <= len, "tables run past the end");
	db->zones = b + DNS_DB_HEADER_LEN;
	db->names = db->zones + (size_t)db->nzones * DNS_DB_ZONE_LEN;
	return 0;
}

static bool lower_case(const uint8_t *n)
{
	for (; *n; n += 1 + *n)
		for (unsigned i = 1; i <= *n; i++)
			if (n[i] >= 'A' && n[i] <= 'Z')
				return false;
	return true;
}

/* The RRsets of name entry e: in bounds, types increasing, RDATA valid.
 * Reports which types were seen through *seen. */
static int check_rrsets(const struct dns_db *db, const uint8_t *e,
			struct dns_db_seen *seen, const char **why)
{
	size_t at = dns_db_le32(e + 4), end = db->size;
	unsigned n = dns_db_le16(e + 8);
	const uint8_t *b = db->base;
	uint32_t last = 0;

	memset(seen, 0, sizeof(*seen));
	seen->nsets = n;
	CHECK(at >= (size_t)(db->names - b) +
				      (size_t)db->nnames * DNS_DB_NAME_LEN &&
		      at <= end,
	      "RRsets outside the data area");
	for (unsigned i = 0; i < n; i++) {
		CHECK(end - at >= 4, "RRset runs past the end");
		uint16_t type = dns_db_le16(b + at),
			 count = dns_db_le16(b + at + 2);

		CHECK(i == 0 || type > last, "RRsets not sorted by type");
		CHECK(count > 0, "empty RRset");
		last = type;
		seen->ns |= type == DNS_TYPE_NS;
		seen->soa |= type == DNS_TYPE_SOA;
		seen->cname |= type == DNS_TYPE_CNAME;
		seen->dname |= type == DNS_TYPE_DNAME;
		at += 4;
		for (unsigned r = 0; r < count; r++) {
			CHECK(end - at >= 6, "RR runs past the end");
			size_t rdlen = dns_db_le16(b + at + 4);

			at += 6;
			CHECK(end - at >= rdlen, "RDATA runs past the end");
			CHECK(dns_rdata_valid(type, b + at, rdlen),
			      "malformed RDATA");
			at += rdlen;
		}
	}
	return 0;
}

/* One name entry, index i of the zone names[first .. first + count), on
 * its own and against the entry before it (already checked). */
static int check_name(const struct dns_db *db, uint32_t i, uint32_t first,
		      const char **why)
{
	const uint8_t *e = dns_db_entry(db, i), *b = db->base;
	size_t owner = dns_db_le32(e),
	       data = (size_t)(db->names - b) +
		      (size_t)db->nnames * DNS_DB_NAME_LEN;
	unsigned flags = dns_db_le16(e + 10), want;
	const uint8_t *name;
	struct dns_db_seen s;

	CHECK(owner >= data && owner < db->size, "owner outside the data area");
	name = b + owner;
	CHECK(dns_name_len(name, db->size - owner), "malformed owner name");
	CHECK(lower_case(name), "owner name not lower-case");
	CHECK(i == first || dns_name_compare(dns_db_owner(db, i - 1), name) < 0,
	      "names out of order");
	CHECK(dns_name_is_subdomain(name, dns_db_owner(db, first)),
	      "name outside its zone");
	if (check_rrsets(db, e, &s, why))
		return -1;
	CHECK(i != first || s.soa, "zone without SOA at its apex");
	CHECK(i == first || !s.soa, "SOA below an apex");
	CHECK(!s.cname || s.nsets == 1, "CNAME beside other data");
	want = (s.ns && i != first ? DNS_DB_F_CUT : 0) |
	       (s.cname ? DNS_DB_F_CNAME : 0) | (s.dname ? DNS_DB_F_DNAME : 0) |
	       (name[0] == 1 && name[1] == '*' ? DNS_DB_F_WILDCARD : 0);
	CHECK((flags & ~(unsigned)DNS_DB_F_OCCLUDED) == want,
	      "flags contradict the data");
	return 0;
}

/* Links between the checked names of a zone: parents, delegations. */
static int check_links(const struct dns_db *db, uint32_t i, uint32_t first,
		       uint32_t count, const char **why)
{
	const uint8_t *e = dns_db_entry(db, i), *name = dns_db_owner(db, i);
	unsigned flags = dns_db_le16(e + 10);
	uint32_t cut = dns_db_le32(e + 12);

	CHECK(i == first || dns_db_find(db, first, count, name + 1 + name[0]),
	      "a name's parent is missing");
	CHECK(cut == 0 || (cut - 1 > first && cut - 1 - first < count),
	      "delegation index outside the zone");
	CHECK(cut == 0 || dns_db_le16(dns_db_entry(db, cut - 1) + 10) &
				  DNS_DB_F_CUT,
	      "delegation index names no delegation");
	CHECK(cut == 0 ||
		      dns_name_is_subdomain(name, dns_db_owner(db, cut - 1)),
	      "delegation index names no ancestor");
	CHECK(!(flags & DNS_DB_F_CUT) || cut, "delegation without its index");
	CHECK(!(flags & DNS_DB_F_OCCLUDED) == (!cut || cut - 1 == i),
	      "occlusion flag contradicts the index");
	return 0;
}

/* The zone table: ranges that tile the names table, apexes in order. */
static int check_zones(const struct dns_db *db, const char **why)
{
	uint32_t next = 0;

	for (uint32_t z = 0; z < db->nzones; z++) {
		uint32_t first = dns_db_le32(db->zones + z * DNS_DB_ZONE_LEN);
		uint32_t count =
			dns_db_le32(db->zones + z * DNS_DB_ZONE_LEN + 4);

		CHECK(first == next && count > 0 && count <= db->nnames - first,
		      "zone table does not tile the names");
		next = first + count;
		for (uint32_t i = first; i < first + count; i++)
			if (check_name(db, i, first, why))
				return -1;
		for (uint32_t i = first; i < first + count; i++)
			if (check_links(db, i, first, count, why))
				return -1;
		CHECK(z == 0 || dns_name_compare(dns_db_zone_apex(db, z - 1),
						 dns_db_owner(db, first)) < 0,
		      "zones out of order");
	}
	CHECK(next == db->nnames, "names outside every zone");
	return 0;
}

int dns_db_open(struct dns_db *db, const void *buf, size_t len,
		const char **why)
{
	struct dns_db d;

	if (check_header(&d, buf, len, why) || check_zones(&d, why))
		return -1;
	*db = d;
	return 0;
}
