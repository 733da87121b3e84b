/* The net.* kernel options (see config.h): parsed strictly, so that a typo
 * stops the boot with a message instead of leaving the service on a
 * network it was not meant to be on. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

struct ctx {
	struct kern_cmdline *cl;
	char *err;
	size_t errlen;
};

/* Record "name=value: why" as the error; returns -EINVAL. */
static int fail(struct ctx *x, const char *name, const char *value,
		const char *why)
{
	snprintf(x->err, x->errlen, "%s=%s: %s", name, value, why);
	return -EINVAL;
}

/* The next value of option name that must not appear again, or NULL. */
static const char *take_once(struct ctx *x, const char *name, int *r)
{
	const char *v = kern_cmdline_take(x->cl, name);
	const char *again = v ? kern_cmdline_take(x->cl, name) : NULL;

	*r = again ? fail(x, name, again, "given twice") : 0;
	return v;
}

/* Parse an address of family (AF_INET, AF_INET6, or 0 for either). */
static int parse_addr(const char *s, int family, struct net_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (family != AF_INET6 && inet_pton(AF_INET, s, a->addr) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (family != AF_INET && inet_pton(AF_INET6, s, a->addr) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -1;
}

/* Parse "ADDR/PREFIX" of family; -1 if malformed. */
static int parse_prefixed(const char *s, int family, struct net_addr *a)
{
	char buf[64], *slash, *end;
	long max = family == AF_INET ? 32 : 128, n;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash || slash[1] < '0' || slash[1] > '9')
		return -1;
	*slash = 0;
	n = strtol(slash + 1, &end, 10);
	if (*end || n < 1 || n > max || parse_addr(buf, family, a))
		return -1;
	a->prefix = (int)n;
	return 0;
}

static uint32_t v4(const struct net_addr *a)
{
	return (uint32_t)a->addr[0] << 24 | (uint32_t)a->addr[1] << 16 |
	       (uint32_t)a->addr[2] << 8 | a->addr[3];
}

static uint32_t v4_mask(int prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

/* Why a is no usable host address in its subnet, or NULL. */
static const char *bad_ip4(const struct net_addr *a)
{
	uint32_t ip = v4(a), host = ip & ~v4_mask(a->prefix);

	if (ip == 0 || ip >> 24 == 127 || ip >> 28 >= 14)
		return "not a unicast host address";
	if (a->prefix <= 30 && (host == 0 || host == ~v4_mask(a->prefix)))
		return "the subnet's network or broadcast address";
	return NULL;
}

static int option_ip(struct ctx *x, struct net_config *c)
{
	int r;
	const char *v = take_once(x, "net.ip", &r), *why;

	if (r)
		return r;
	c->dhcp = !v || strcmp(v, "dhcp") == 0;
	if (c->dhcp)
		return 0;
	if (parse_prefixed(v, AF_INET, &c->ip4))
		return fail(x, "net.ip", v,
			    "want ADDR/PREFIX (e.g. 10.0.0.2/24) or dhcp");
	why = bad_ip4(&c->ip4);
	return why ? fail(x, "net.ip", v, why) : 0;
}

static int option_gw(struct ctx *x, struct net_config *c)
{
	int r;
	const char *v = take_once(x, "net.gw", &r);
	uint32_t mask = v4_mask(c->ip4.prefix);

	if (r || !v)
		return r;
	if (c->dhcp)
		return fail(x, "net.gw", v,
			    "needs a static net.ip (DHCP gives the gateway)");
	if (parse_addr(v, AF_INET, &c->gw4))
		return fail(x, "net.gw", v, "not an IPv4 address");
	if ((v4(&c->gw4) & mask) != (v4(&c->ip4) & mask) ||
	    v4(&c->gw4) == v4(&c->ip4))
		return fail(x, "net.gw", v,
			    "not another address in net.ip's subnet");
	c->have_gw = 1;
	return 0;
}

/* Whether IPv4 address a is out of reach: outside a static net.ip's
 * subnet with no gateway. */
static int off_link(const struct net_config *c, const struct net_addr *a)
{
	uint32_t mask = v4_mask(c->ip4.prefix);

	return a->family == AF_INET && !c->dhcp && !c->have_gw &&
	       (v4(a) & mask) != (v4(&c->ip4) & mask);
}

static int option_dns(struct ctx *x, struct net_config *c)
{
	static const uint8_t zero[16];
	const char *v;

	while ((v = kern_cmdline_take(x->cl, "net.dns"))) {
		struct net_addr *a = &c->dns[c->ndns];

		if (c->ndns == NET_DNS_MAX)
			return fail(x, "net.dns", v,
				    "more than 3 name servers");
		if (parse_addr(v, 0, a) || !memcmp(a->addr, zero, 16))
			return fail(x, "net.dns", v,
				    "not an IPv4 or IPv6 address");
		if (off_link(c, a))
			return fail(x, "net.dns", v,
				    "outside net.ip's subnet, with no net.gw "
				    "to reach it: give net.gw=ADDR");
		c->ndns++;
	}
	return 0;
}

/* Why a is no usable static IPv6 address, or NULL. */
static const char *bad_ip6(const struct net_addr *a)
{
	static const uint8_t zero[16];
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (a->addr[0] == 0xff)
		return "a multicast address";
	if (a->addr[0] == 0xfe && (a->addr[1] & 0xc0) == 0x80)
		return "link-local addresses are made automatically";
	if (!memcmp(a->addr, zero, 15) || !memcmp(a->addr, mapped, 12))
		return "not a unicast address";
	return NULL;
}

static int option_ip6(struct ctx *x, struct net_config *c)
{
	const char *v, *why;

	while ((v = kern_cmdline_take(x->cl, "net.ip6"))) {
		struct net_addr *a = &c->ip6[c->nip6];

		if (c->nip6 == NET_IP6_MAX)
			return fail(x, "net.ip6", v,
				    "more than 2 static IPv6 addresses");
		if (parse_prefixed(v, AF_INET6, a))
			return fail(x, "net.ip6", v,
				    "want ADDR/PREFIX (e.g. fd00::2/64)");
		why = bad_ip6(a);
		if (why)
			return fail(x, "net.ip6", v, why);
		c->nip6++;
	}
	return 0;
}

static int option_raw(struct ctx *x, struct net_config *c)
{
	int r;
	const char *v = take_once(x, "net.raw", &r);

	if (r)
		return r;
	if (v && *v)
		return fail(x, "net.raw", v, "a flag, takes no value");
	c->raw = !!v;
	return 0;
}

int net_config_parse(struct net_config *c, struct kern_cmdline *cl, char *err,
		     size_t errlen)
{
	struct ctx x = { cl, err, errlen };
	int r;

	memset(c, 0, sizeof(*c));
	if ((r = option_raw(&x, c)) || (r = option_ip(&x, c)) ||
	    (r = option_gw(&x, c)) || (r = option_dns(&x, c)) ||
	    (r = option_ip6(&x, c)))
		return r;
	return 0;
}

char *net_addr_format(const struct net_addr *a, int with_prefix, char *buf,
		      size_t len)
{
	char s[INET6_ADDRSTRLEN];

	if (!inet_ntop(a->family, a->addr, s, sizeof(s)))
		strcpy(s, "?");
	if (with_prefix)
		snprintf(buf, len, "%s/%d", s, a->prefix);
	else
		snprintf(buf, len, "%s", s);
	return buf;
}
