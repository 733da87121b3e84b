/* tools/dnszone: the zone database writer (dbwrite.h). Each zone's records
 * are sorted by owner in canonical order, then type, then RDATA; the
 * names table holds every owner and every empty non-terminal between an
 * owner and its apex; the semantic checks run over that sorted view, and
 * the output is laid out as lib/dns/include/dns/db.h describes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dns/db.h>

#include "dbwrite.h"

/* A record of one zone, its owner lower-cased. */
struct rec {
	const struct dnsz_rr *rr;
	uint8_t owner[DNS_NAME_MAX];
};

/* A name of the names table while it is being built. */
struct name {
	uint8_t owner[DNS_NAME_MAX];
	size_t first, nrec; /* its records: recs[first .. first + nrec) */
	unsigned flags;
	size_t cut; /* 1 + index of the topmost cut at or above, or 0 */
	const struct dnsz_rr *where; /* its last record read, for errors */
};

/* One zone being built. */
struct zone {
	const struct dnsz_zone *in;
	uint8_t apex[DNS_NAME_MAX];
	struct rec *recs;
	size_t nrecs;
	struct name *names;
	size_t nnames;
};

struct ctx {
	char *err;
	size_t errlen;
};

/* The name's presentation form (escapes for dots, backslashes and
 * octets outside printable ASCII), for messages. */
static void name_text(const uint8_t *n, char *out, size_t max)
{
	size_t o = 0;

	if (!*n)
		snprintf(out, max, ".");
	for (; *n && o + 6 < max; n += 1 + *n) {
		for (unsigned i = 1; i <= *n && o + 6 < max; i++) {
			uint8_t c = n[i];

			if (c == '.' || c == '\\')
				o += (size_t)snprintf(out + o, max - o, "\\%c",
						      c);
			else if (c > 32 && c < 127)
				out[o++] = (char)c;
			else
				o += (size_t)snprintf(out + o, max - o,
						      "\\%03u", c);
		}
		out[o++] = '.';
		out[o] = 0;
	}
}

static int fail(struct ctx *c, const char *file, unsigned line, const char *fmt,
		...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		snprintf(c->err, c->errlen, "%s:%u: %s", file, line, msg);
	else
		snprintf(c->err, c->errlen, "%s: %s", file, msg);
	return -1;
}

static int fail_rr(struct ctx *c, const struct dnsz_rr *rr, const char *fmt,
		   const uint8_t *name)
{
	char text[1024];

	name_text(name, text, sizeof(text));
	return fail(c, rr->file, rr->line, fmt, text);
}

static bool meta_type(uint16_t t)
{
	return t == 0 || t == DNS_TYPE_OPT || (t >= 128 && t <= 255);
}

/* Check one record on its own and fill its lower-cased owner. */
static int take_rec(struct ctx *c, const struct zone *z,
		    const struct dnsz_rr *rr, struct rec *r)
{
	if (!dns_name_len(rr->owner, DNS_NAME_MAX))
		return fail(c, rr->file, rr->line, "malformed owner name");
	dns_name_lower(r->owner, rr->owner);
	r->rr = rr;
	if (!dns_name_is_subdomain(r->owner, z->apex))
		return fail_rr(c, rr, "%s is outside the zone", r->owner);
	if (rr->rclass != DNS_CLASS_IN)
		return fail(c, rr->file, rr->line,
			    "class %u: only IN is served", rr->rclass);
	if (meta_type(rr->type))
		return fail(c, rr->file, rr->line,
			    "type %u is a meta type, not data", rr->type);
	if (!dns_rdata_valid(rr->type, rr->rdata, rr->rdlen))
		return fail(c, rr->file, rr->line,
			    "malformed RDATA for type %u", rr->type);
	return 0;
}

static int rdata_cmp(const struct dnsz_rr *a, const struct dnsz_rr *b)
{
	size_t n = a->rdlen < b->rdlen ? a->rdlen : b->rdlen;
	int d = n ? memcmp(a->rdata, b->rdata, n) : 0;

	return d ? d : (int)a->rdlen - (int)b->rdlen;
}

static int rec_cmp(const void *pa, const void *pb)
{
	const struct rec *a = pa, *b = pb;
	int d = dns_name_compare(a->owner, b->owner);

	if (d)
		return d;
	if (a->rr->type != b->rr->type)
		return a->rr->type < b->rr->type ? -1 : 1;
	d = rdata_cmp(a->rr, b->rr);
	if (d)
		return d;
	/* Equal records: keep the first read first, so it is the one kept. */
	return a->rr < b->rr ? -1 : a->rr > b->rr;
}

static int name_cmp(const void *pa, const void *pb)
{
	const struct name *a = pa, *b = pb;

	return dns_name_compare(a->owner, b->owner);
}

/* Read, check, sort and deduplicate the zone's records. */
static int zone_recs(struct ctx *c, struct zone *z)
{
	size_t n = 0;

	z->recs = calloc(z->in->nrrs + 1, sizeof(*z->recs));
	if (!z->recs)
		return fail(c, z->in->file, 0, "out of memory");
	for (size_t i = 0; i < z->in->nrrs; i++)
		if (take_rec(c, z, &z->in->rrs[i], &z->recs[i]))
			return -1;
	qsort(z->recs, z->in->nrrs, sizeof(*z->recs), rec_cmp);
	for (size_t i = 0; i < z->in->nrrs; i++) {
		struct rec *r = &z->recs[i];

		if (n && !dns_name_compare(z->recs[n - 1].owner, r->owner) &&
		    z->recs[n - 1].rr->type == r->rr->type &&
		    !rdata_cmp(z->recs[n - 1].rr, r->rr))
			continue;
		z->recs[n++] = *r;
	}
	z->nrecs = n;
	return 0;
}

/* The parent of a wire name (its first label dropped). */
static const uint8_t *parent(const uint8_t *n)
{
	return n + 1 + n[0];
}

/* The names table: owners, then every ancestor down to the apex. */
static int zone_names(struct ctx *c, struct zone *z)
{
	size_t cap = 0, n = 0;
	unsigned apex_labels = dns_name_labels(z->apex);

	for (size_t i = 0; i < z->nrecs; i++)
		cap += dns_name_labels(z->recs[i].owner) - apex_labels + 1;
	z->names = calloc(cap + 1, sizeof(*z->names));
	if (!z->names)
		return fail(c, z->in->file, 0, "out of memory");
	for (size_t i = 0; i < z->nrecs; i++) {
		const uint8_t *o = z->recs[i].owner;

		if (i && !dns_name_compare(o, z->recs[i - 1].owner))
			continue;
		for (unsigned l = dns_name_labels(o); l >= apex_labels; l--) {
			memcpy(z->names[n++].owner, o,
			       dns_name_len(o, DNS_NAME_MAX));
			o = parent(o);
			if (l == 0)
				break;
		}
	}
	qsort(z->names, n, sizeof(*z->names), name_cmp);
	z->nnames = 0;
	for (size_t i = 0; i < n; i++)
		if (!z->nnames ||
		    dns_name_compare(z->names[z->nnames - 1].owner,
				     z->names[i].owner))
			z->names[z->nnames++] = z->names[i];
	return 0;
}

static struct name *find(struct zone *z, const uint8_t *owner)
{
	struct name key;

	memcpy(key.owner, owner, dns_name_len(owner, DNS_NAME_MAX));
	return bsearch(&key, z->names, z->nnames, sizeof(*z->names), name_cmp);
}

/* Attach records to names and set the flags a name has on its own. */
static int name_flags(struct ctx *c, struct zone *z, struct name *nm, bool apex)
{
	unsigned soa = 0, cname = 0, dname = 0, types = 0;
	uint16_t last = 0;

	for (size_t i = nm->first; i < nm->first + nm->nrec; i++) {
		const struct dnsz_rr *rr = z->recs[i].rr;

		if (i == nm->first || rr->type != last)
			types++;
		last = rr->type;
		soa += rr->type == DNS_TYPE_SOA;
		cname += rr->type == DNS_TYPE_CNAME;
		dname += rr->type == DNS_TYPE_DNAME;
		if (rr->type == DNS_TYPE_NS && !apex)
			nm->flags |= DNS_DB_F_CUT;
		if (rr->type == DNS_TYPE_SOA && !apex)
			return fail_rr(c, rr, "SOA at %s, not the apex",
				       nm->owner);
		if (rr->type == DNS_TYPE_NS && nm->owner[0] == 1 &&
		    nm->owner[1] == '*')
			return fail_rr(c, rr, "NS at the wildcard %s",
				       nm->owner);
		if (!nm->where || rr > nm->where)
			nm->where = rr; /* the latest in the file */
	}
	if (apex && soa != 1)
		return soa ? fail_rr(c, nm->where, "%s has more than one SOA",
				     nm->owner) :
			     fail(c, z->in->file, 0, "no SOA at the apex");
	if (cname > 1 || (cname && types > 1))
		return fail_rr(c, nm->where, "CNAME and other data at %s",
			       nm->owner);
	if (dname > 1)
		return fail_rr(c, nm->where, "more than one DNAME at %s",
			       nm->owner);
	nm->flags |= cname ? DNS_DB_F_CNAME : 0;
	nm->flags |= dname ? DNS_DB_F_DNAME : 0;
	if (nm->owner[0] == 1 && nm->owner[1] == '*')
		nm->flags |= DNS_DB_F_WILDCARD;
	return 0;
}

/* Flags that depend on ancestors: cuts above, DNAMEs above. */
static int name_ancestry(struct ctx *c, struct zone *z, struct name *nm)
{
	const uint8_t *a = nm->owner;

	while (dns_name_compare(a, z->apex)) {
		a = parent(a);
		struct name *up = find(z, a);

		if (up->flags & DNS_DB_F_DNAME && nm->nrec)
			return fail_rr(c, nm->where, "%s is below a DNAME",
				       nm->owner);
		if (up->flags & DNS_DB_F_CUT) {
			nm->flags |= DNS_DB_F_OCCLUDED;
			nm->cut = (size_t)(up - z->names) + 1;
		}
	}
	if (!nm->cut && nm->flags & DNS_DB_F_CUT)
		nm->cut = (size_t)(nm - z->names) + 1;
	return 0;
}

static int zone_check(struct ctx *c, struct zone *z)
{
	size_t r = 0;

	for (size_t i = 0; i < z->nnames; i++) {
		struct name *nm = &z->names[i];

		nm->first = r;
		while (r < z->nrecs &&
		       !dns_name_compare(z->recs[r].owner, nm->owner))
			r++;
		nm->nrec = r - nm->first;
		if (name_flags(c, z, nm, i == 0))
			return -1;
	}
	if (!z->nnames)
		return fail(c, z->in->file, 0, "no SOA at the apex");
	for (size_t i = 0; i < z->nnames; i++)
		if (name_ancestry(c, z, &z->names[i]))
			return -1;
	return 0;
}

/* The output buffer. */
struct out {
	uint8_t *p;
	size_t len, cap;
	bool nomem;
};

static void grow(struct out *o, size_t need)
{
	size_t cap = o->cap ? o->cap : 4096;
	uint8_t *p;

	while (cap < o->len + need)
		cap *= 2;
	if (cap == o->cap)
		return;
	p = realloc(o->p, cap);
	if (!p) {
		o->nomem = true;
		return;
	}
	memset(p + o->cap, 0, cap - o->cap);
	o->p = p;
	o->cap = cap;
}

static void put(struct out *o, const void *p, size_t n)
{
	grow(o, n);
	if (o->nomem)
		return;
	memcpy(o->p + o->len, p, n);
	o->len += n;
}

static void put16(struct out *o, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	put(o, b, 2);
}

static void put32(struct out *o, uint32_t v)
{
	put16(o, (uint16_t)v);
	put16(o, (uint16_t)(v >> 16));
}

static void set32(struct out *o, size_t at, uint32_t v)
{
	if (o->nomem)
		return;
	for (int i = 0; i < 4; i++)
		o->p[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

/* Write one name's owner and RRsets; fill its names-table entry at ent. */
static void write_name(struct out *o, const struct zone *z,
		       const struct name *nm, size_t ent, size_t base)
{
	uint16_t nsets = 0;
	size_t owner = o->len;

	put(o, nm->owner, dns_name_len(nm->owner, DNS_NAME_MAX));
	set32(o, ent, (uint32_t)owner);
	set32(o, ent + 4, (uint32_t)o->len);
	for (size_t i = nm->first; i < nm->first + nm->nrec;) {
		uint16_t type = z->recs[i].rr->type;
		size_t j = i;

		while (j < nm->first + nm->nrec && z->recs[j].rr->type == type)
			j++;
		put16(o, type);
		put16(o, (uint16_t)(j - i));
		for (; i < j; i++) {
			const struct dnsz_rr *rr = z->recs[i].rr;

			put32(o, rr->ttl);
			put16(o, rr->rdlen);
			put(o, rr->rdata, rr->rdlen);
		}
		nsets++;
	}
	if (o->nomem)
		return;
	o->p[ent + 8] = (uint8_t)nsets;
	o->p[ent + 9] = (uint8_t)(nsets >> 8);
	o->p[ent + 10] = (uint8_t)nm->flags;
	o->p[ent + 11] = (uint8_t)(nm->flags >> 8);
	set32(o, ent + 12, nm->cut ? (uint32_t)(base + nm->cut) : 0);
}

static int zone_apex_cmp(const void *pa, const void *pb)
{
	const struct zone *a = pa, *b = pb;

	return dns_name_compare(a->apex, b->apex);
}

static int write_db(struct ctx *c, struct zone *zs, size_t nz, uint8_t **out,
		    size_t *outlen)
{
	struct out o = { 0 };
	size_t nnames = 0, names_at, base = 0;

	for (size_t i = 0; i < nz; i++)
		nnames += zs[i].nnames;
	put(&o, DNS_DB_MAGIC, 8);
	put32(&o, DNS_DB_VERSION);
	put32(&o, 0); /* size */
	put32(&o, 0); /* crc */
	put32(&o, (uint32_t)nz);
	put32(&o, (uint32_t)nnames);
	put32(&o, 0);
	for (size_t i = 0; i < nz; i++) {
		put32(&o, (uint32_t)base);
		put32(&o, (uint32_t)zs[i].nnames);
		base += zs[i].nnames;
	}
	names_at = o.len;
	grow(&o, nnames * DNS_DB_NAME_LEN);
	o.len += nnames * DNS_DB_NAME_LEN;
	base = 0;
	for (size_t i = 0; i < nz; i++) {
		for (size_t j = 0; j < zs[i].nnames; j++)
			write_name(&o, &zs[i], &zs[i].names[j],
				   names_at + (base + j) * DNS_DB_NAME_LEN,
				   base);
		base += zs[i].nnames;
		if (o.len > UINT32_MAX)
			break;
	}
	if (o.nomem || o.len > UINT32_MAX) {
		free(o.p);
		return fail(c, "database", 0,
			    o.nomem ? "out of memory" : "over 4 GiB");
	}
	set32(&o, 12, (uint32_t)o.len);
	set32(&o, 16, dns_db_crc32(0, o.p + 20, o.len - 20));
	*out = o.p;
	*outlen = o.len;
	return 0;
}

static void free_zones(struct zone *zs, size_t nz)
{
	for (size_t i = 0; zs && i < nz; i++) {
		free(zs[i].recs);
		free(zs[i].names);
	}
	free(zs);
}

static int build_zone(struct ctx *c, struct zone *z)
{
	if (!dns_name_len(z->in->apex, DNS_NAME_MAX))
		return fail(c, z->in->file, 0, "malformed origin");
	dns_name_lower(z->apex, z->in->apex);
	if (zone_recs(c, z) || zone_names(c, z))
		return -1;
	return zone_check(c, z);
}

int dnsz_build(const struct dnsz_zone *zones, size_t nzones, uint8_t **out,
	       size_t *outlen, char *err, size_t errlen)
{
	struct ctx c = { err, errlen };
	struct zone *zs = calloc(nzones + 1, sizeof(*zs));
	int rc = -1;

	if (!zs)
		return fail(&c, "database", 0, "out of memory");
	for (size_t i = 0; i < nzones; i++) {
		zs[i].in = &zones[i];
		if (build_zone(&c, &zs[i]))
			goto out;
	}
	qsort(zs, nzones, sizeof(*zs), zone_apex_cmp);
	for (size_t i = 1; i < nzones; i++)
		if (!dns_name_compare(zs[i - 1].apex, zs[i].apex)) {
			char text[1024];

			name_text(zs[i].apex, text, sizeof(text));
			fail(&c, zs[i].in->file, 0, "zone %s also in %s", text,
			     zs[i - 1].in->file);
			goto out;
		}
	rc = write_db(&c, zs, nzones, out, outlen);
out:
	free_zones(zs, nzones);
	return rc;
}
