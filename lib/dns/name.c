/* lib/dns: names in uncompressed wire form: length, case folding,
 * comparison (case-insensitive equality and RFC 4034 s6.1 canonical
 * order) and the subdomain test. */
#include <string.h>

#include "dns/wire.h"

/* ASCII lower case of one octet: DNS names compare case-insensitively
 * for A-Z only (RFC 4343). */
static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

size_t dns_name_len(const uint8_t *name, size_t max)
{
	size_t off = 0;

	while (off < max) {
		uint8_t n = name[off];

		if (n > DNS_LABEL_MAX)
			return 0;
		off += 1 + n;
		if (off > DNS_NAME_MAX)
			return 0;
		if (n == 0)
			return off;
	}
	return 0;
}

unsigned dns_name_labels(const uint8_t *name)
{
	unsigned labels = 0;

	for (; *name; name += 1 + *name)
		labels++;
	return labels;
}

size_t dns_name_lower(uint8_t *dst, const uint8_t *src)
{
	size_t off = 0;

	for (;;) {
		uint8_t n = src[off];

		dst[off] = n;
		for (size_t i = 1; i <= n; i++)
			dst[off + i] = lower(src[off + i]);
		off += 1 + n;
		if (n == 0)
			return off;
	}
}

/* Whether labels a and b (length octet first) are equal ignoring case. */
static bool label_equal(const uint8_t *a, const uint8_t *b)
{
	if (a[0] != b[0])
		return false;
	for (unsigned i = 1; i <= a[0]; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

bool dns_name_equal(const uint8_t *a, const uint8_t *b)
{
	for (;;) {
		if (!label_equal(a, b))
			return false;
		if (a[0] == 0)
			return true;
		a += 1 + a[0];
		b += 1 + b[0];
	}
}

/* Offsets of the labels of valid wire name name in off[] (at most 127 of
 * them: 255 octets hold no more), returns their count. */
static unsigned label_offsets(const uint8_t *name, uint8_t off[128])
{
	unsigned n = 0;

	for (unsigned o = 0; name[o]; o += 1 + name[o])
		off[n++] = (uint8_t)o;
	return n;
}

/* Labels a and b compared as lower-cased octet strings, a prefix first. */
static int label_compare(const uint8_t *a, const uint8_t *b)
{
	unsigned n = a[0] < b[0] ? a[0] : b[0];

	for (unsigned i = 1; i <= n; i++) {
		int d = (int)lower(a[i]) - (int)lower(b[i]);

		if (d)
			return d;
	}
	return (int)a[0] - (int)b[0];
}

int dns_name_compare(const uint8_t *a, const uint8_t *b)
{
	uint8_t oa[128], ob[128];
	unsigned na = label_offsets(a, oa), nb = label_offsets(b, ob);

	while (na && nb) {
		int d = label_compare(a + oa[--na], b + ob[--nb]);

		if (d)
			return d;
	}
	return (int)na - (int)nb;
}

bool dns_name_is_subdomain(const uint8_t *name, const uint8_t *sub)
{
	unsigned ln = dns_name_labels(name), ls = dns_name_labels(sub);

	if (ln < ls)
		return false;
	for (; ln > ls; ln--)
		name += 1 + name[0];
	return dns_name_equal(name, sub);
}
