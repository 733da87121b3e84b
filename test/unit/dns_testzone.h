/* test/unit: zones made by hand for the tests of lib/dns and of the zone
 * writer: dotted names to wire form, and records gathered into a struct
 * dnsz_zone for tools/dnszone/dbwrite.c's dnsz_build(). Failures are
 * cmocka assertions. */
#ifndef DNS_TESTZONE_H
#define DNS_TESTZONE_H

#include <stddef.h>
#include <stdint.h>

#include "dbwrite.h"

#define TZ_RRS_MAX 600
#define TZ_RDATA_MAX 300

/* A zone being made: its records and the RDATA they point into. */
struct tzone {
	struct dnsz_zone z;
	struct dnsz_rr rrs[TZ_RRS_MAX];
	uint8_t rdata[TZ_RRS_MAX][TZ_RDATA_MAX];
};

/* The dotted name ("www.example.com", "." or "" for the root) in wire
 * form at out (room for its length plus 2); returns its length. */
size_t tz_wire(const char *dotted, uint8_t *out);

/* Start zone t with apex and no records; errors name file. */
void tz_init(struct tzone *t, const char *apex, const char *file);

/* Add a record of class IN and TTL 3600 (file line: its number). */
void tz_rr(struct tzone *t, const char *owner, uint16_t type, const void *rdata,
	   size_t rdlen);

/* Add a record whose RDATA is the name target (NS, CNAME, DNAME, PTR). */
void tz_rr_name(struct tzone *t, const char *owner, uint16_t type,
		const char *target);

/* A query (ID 0x1234, RD clear) for name, type, class IN at q (room for
 * 12 + the name + 15 octets), with an OPT RR advertising edns octets when
 * edns is not 0; returns its length. */
size_t tz_query(uint8_t *q, const char *name, uint16_t type, uint16_t edns);

/* Add an MX record of preference 10 to target. */
void tz_rr_mx(struct tzone *t, const char *owner, const char *target);

#endif
