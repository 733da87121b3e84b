/* test/unit: zones made by hand for the lib/dns tests (dns_testzone.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "dns_testzone.h"

#define T_MX 15

size_t tz_wire(const char *dotted, uint8_t *out)
{
	size_t n = 0;

	while (*dotted && strcmp(dotted, ".") != 0) {
		const char *dot = strchr(dotted, '.');
		size_t l = dot ? (size_t)(dot - dotted) : strlen(dotted);

		out[n] = (uint8_t)l;
		memcpy(out + n + 1, dotted, l);
		n += 1 + l;
		dotted += l + (dot ? 1 : 0);
	}
	out[n++] = 0;
	return n;
}

void tz_init(struct tzone *t, const char *apex, const char *file)
{
	memset(&t->z, 0, sizeof(t->z));
	tz_wire(apex, t->z.apex);
	t->z.file = file;
	t->z.rrs = t->rrs;
}

void tz_rr(struct tzone *t, const char *owner, uint16_t type, const void *rdata,
	   size_t rdlen)
{
	struct dnsz_rr *r = &t->rrs[t->z.nrrs];
	uint8_t w[TZ_RDATA_MAX];

	assert_true(t->z.nrrs < TZ_RRS_MAX && rdlen <= TZ_RDATA_MAX);
	assert_true(tz_wire(owner, w) <= DNS_NAME_MAX);
	memset(r, 0, sizeof(*r));
	tz_wire(owner, r->owner);
	r->type = type;
	r->rclass = 1;
	r->ttl = 3600;
	memcpy(t->rdata[t->z.nrrs], rdata, rdlen);
	r->rdata = t->rdata[t->z.nrrs];
	r->rdlen = (uint16_t)rdlen;
	r->file = t->z.file;
	r->line = (unsigned)t->z.nrrs + 1;
	t->z.nrrs++;
}

void tz_rr_name(struct tzone *t, const char *owner, uint16_t type,
		const char *target)
{
	uint8_t w[TZ_RDATA_MAX];
	size_t n = tz_wire(target, w);

	assert_true(n <= DNS_NAME_MAX);
	tz_rr(t, owner, type, w, n);
}

void tz_rr_mx(struct tzone *t, const char *owner, const char *target)
{
	uint8_t w[TZ_RDATA_MAX] = { 0, 10 };

	tz_rr(t, owner, T_MX, w, 2 + tz_wire(target, w + 2));
}

size_t tz_query(uint8_t *q, const char *name, uint16_t type, uint16_t edns)
{
	size_t n = 12;

	memset(q, 0, 12);
	q[0] = 0x12;
	q[1] = 0x34;
	q[5] = 1;
	n += tz_wire(name, q + n);
	q[n++] = (uint8_t)(type >> 8);
	q[n++] = (uint8_t)type;
	q[n++] = 0;
	q[n++] = 1;
	if (edns) {
		q[11] = 1;
		memcpy(q + n, "\0\0\x29", 3);
		q[n + 3] = (uint8_t)(edns >> 8);
		q[n + 4] = (uint8_t)edns;
		memset(q + n + 5, 0, 6);
		n += 11;
	}
	return n;
}
