/* lib/dns: what the library knows of RDATA: which types carry names, where
 * those names are, and whether an RDATA is well formed for its type. The
 * zone writer and dns_db_open() check with it, the answer code follows
 * CNAME, DNAME, NS, MX and SRV targets with it. */
#include "dns/wire.h"

/* Where the first name of a type's RDATA starts, how many names follow
 * and how many fixed octets come after them; false for a type without
 * names. */
static bool name_layout(uint16_t type, size_t *pos, unsigned *names,
			size_t *tail)
{
	*pos = 0;
	*names = 1;
	*tail = 0;
	switch (type) {
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_PTR:
	case DNS_TYPE_DNAME:
		return true;
	case DNS_TYPE_MX:
		*pos = 2;
		return true;
	case DNS_TYPE_SRV:
		*pos = 6;
		return true;
	case DNS_TYPE_SOA:
		*names = 2;
		*tail = 20;
		return true;
	default:
		return false;
	}
}

bool dns_rdata_valid(uint16_t type, const uint8_t *rdata, size_t rdlen)
{
	size_t pos, tail, l;
	unsigned names;

	if (type == DNS_TYPE_A)
		return rdlen == 4;
	if (type == DNS_TYPE_AAAA)
		return rdlen == 16;
	if (!name_layout(type, &pos, &names, &tail))
		return rdlen <= 0xffff;
	if (rdlen < pos)
		return false;
	for (unsigned i = 0; i < names; i++) {
		l = dns_name_len(rdata + pos, rdlen - pos);
		if (!l)
			return false;
		pos += l;
	}
	return rdlen - pos == tail;
}

const uint8_t *dns_rdata_target(uint16_t type, const uint8_t *rdata)
{
	size_t pos, tail;
	unsigned names;

	if (type == DNS_TYPE_SOA || type == DNS_TYPE_PTR ||
	    !name_layout(type, &pos, &names, &tail))
		return NULL;
	return rdata + pos;
}
