/* tools/dnszone: the zone database writer. Takes zones as lists of RRs in
 * wire form (the master-file reader, zonec.c, produces them with ldns)
 * and writes the database lib/dns/include/dns/db.h describes: owners
 * lower-cased and sorted in canonical order, empty non-terminals added,
 * duplicates dropped, delegations and flags computed. It refuses what an
 * authoritative server cannot serve, naming the file and line of the
 * record at fault. Host only; no ldns here, so tests drive it directly. */
#ifndef DNSZONE_DBWRITE_H
#define DNSZONE_DBWRITE_H

#include <stddef.h>
#include <stdint.h>

#include <dns/wire.h>

/* One resource record of a zone. */
struct dnsz_rr {
	uint8_t owner[DNS_NAME_MAX]; /* uncompressed wire name, any case */
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t rdlen;
	const uint8_t *rdata; /* uncompressed, as the zone gives it */
	const char *file;     /* where it was read, for errors */
	unsigned line;
};

/* One zone: its apex and its records. */
struct dnsz_zone {
	uint8_t apex[DNS_NAME_MAX]; /* uncompressed wire name, any case */
	const char *file;	    /* the zone's master file, for errors */
	const struct dnsz_rr *rrs;
	size_t nrrs;
};

/* Build the database of zones[0..nzones) into a malloc'd buffer: *out,
 * *outlen. Returns 0, or -1 with err[0..errlen) holding one line
 * "file:line: reason" (file only when no record is at fault) for: a
 * record outside its zone, a class other than IN, a meta or obsolete
 * type (0, OPT, 128..255), a zone without exactly one SOA at its apex or
 * with an SOA elsewhere, CNAME beside other data or more than one CNAME
 * at a name, more than one DNAME at a name or names below a DNAME, NS at
 * a wildcard, RDATA that is malformed for a type with names in it (NS,
 * CNAME, DNAME, PTR, MX, SOA, SRV), two zones with the same apex, a
 * database over 4 GiB. The input is not changed. */
int dnsz_build(const struct dnsz_zone *zones, size_t nzones, uint8_t **out,
	       size_t *outlen, char *err, size_t errlen);

#endif
