/* lib/dns: the compiled zone database a DNS server answers from, and the
 * answers themselves. tools/dnszone compiles master files into it on the
 * host; the server maps the file, dns_db_open() checks every offset and
 * name in it once, and dns_answer() then turns a query packet into a
 * response with binary searches over it, copying nothing and allocating
 * nothing.
 *
 * The format (version 1). Integers are little-endian; names are
 * uncompressed wire names (length-prefixed labels ending with the root
 * label), owners lower-cased (ASCII), RDATA as in the zone (case kept).
 *
 *   header   32 octets at offset 0:
 *            magic[8] "LIBOSDNS", u32 version (1), u32 size (octets of
 *            the whole database), u32 crc (CRC-32/IEEE of octets
 *            [20, size)), u32 nzones,
 *            u32 nnames, u32 reserved (0).
 *   zones    nzones entries of 8 octets at offset 32:
 *            u32 first, u32 count: the zone's names are names[first ..
 *            first + count), its apex is names[first]. Zones are sorted
 *            by apex in canonical order (RFC 4034 s6.1), apexes distinct;
 *            their name ranges follow each other without gaps, in order.
 *   names    nnames entries of 16 octets right after the zones:
 *            u32 owner (offset of the owner name), u32 rrsets (offset of
 *            the first RRset), u16 nrrsets, u16 flags (DNS_DB_F_*),
 *            u32 cut (1 + index of the topmost delegation point at or
 *            above this name inside its zone, 0 when none).
 *            Inside a zone the owners are strictly increasing in canonical
 *            order, each at or under the apex; every name between an
 *            owner and the apex is present (empty non-terminals have no
 *            RRsets).
 *   data     owner names and RRsets, anywhere after the names table. An
 *            RRset is u16 type, u16 count (>= 1), then count RRs of u32
 *            TTL, u16 rdlength, RDATA. The RRsets of a name are
 *            consecutive, sorted by type, each type once.
 */
#ifndef DNS_DB_H
#define DNS_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_DB_MAGIC "LIBOSDNS"
#define DNS_DB_VERSION 1
#define DNS_DB_HEADER_LEN 32
#define DNS_DB_ZONE_LEN 8
#define DNS_DB_NAME_LEN 16

/* Flags of a name. */
#define DNS_DB_F_CUT 0x1      /* NS here and not the apex: a delegation */
#define DNS_DB_F_OCCLUDED 0x2 /* below a delegation: glue, not answers */
#define DNS_DB_F_WILDCARD 0x4 /* the first label is "*" */
#define DNS_DB_F_DNAME 0x8    /* a DNAME RRset is here */
#define DNS_DB_F_CNAME 0x10   /* a CNAME RRset is here (and nothing else) */
#define DNS_DB_F_ALL 0x1f

/* An opened database: the checked buffer and where its tables are. */
struct dns_db {
	const uint8_t *base;
	size_t size;
	uint32_t nzones, nnames;
	const uint8_t *zones; /* nzones * DNS_DB_ZONE_LEN */
	const uint8_t *names; /* nnames * DNS_DB_NAME_LEN */
};

/* Check the database buf[0..len) and fill *db. Returns 0, or -1 with *why
 * set to a static sentence naming the first problem found (bad magic or
 * version, a size or CRC that does not match, a table, offset, name or
 * RRset out of bounds or malformed, names out of order, a flag or cut
 * that contradicts the data, a zone without SOA at its apex). After 0,
 * every lookup in db stays inside buf: dns_answer() checks nothing again.
 * buf must stay mapped and unchanged while db is used. */
int dns_db_open(struct dns_db *db, const void *buf, size_t len,
		const char **why);

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32) of p[0..n), continuing
 * from crc (0 to start). The compiler and dns_db_open() share it. */
uint32_t dns_db_crc32(uint32_t crc, const void *p, size_t n);

/* How a response leaves: the limit on its size differs. */
enum dns_transport {
	DNS_UDP, /* the query's EDNS size (at most DNS_EDNS_UDP_SIZE), or 512 */
	DNS_TCP, /* 65535 */
};

/* Per-server counters dns_answer() keeps (the caller zeroes them). */
struct dns_stats {
	uint64_t queries, dropped, formerr, notimp, refused, nxdomain,
		truncated;
};

/* Answer the query pkt[0..len) from db into out[0..outmax), outmax at
 * least DNS_MSG_MAX for TCP and at least 4096 for UDP (larger EDNS sizes
 * are cut to outmax). Returns the response's length, or 0 when the
 * packet gets no answer (shorter than a header, or a response). Behaves
 * as an authoritative-only server: AA on answers from a zone, CNAME
 * chains followed, DNAME synthesis, wildcards (RFC 4592), referrals with
 * glue, NXDOMAIN and NODATA with the SOA, REFUSED outside every zone and
 * for AXFR/IXFR, FORMERR, NOTIMP, BADVERS, minimal ANY (RFC 8482), and
 * TC when the answer does not fit. st may be NULL. */
size_t dns_answer(const struct dns_db *db, const uint8_t *pkt, size_t len,
		  uint8_t *out, size_t outmax, enum dns_transport tr,
		  struct dns_stats *st);

#endif
