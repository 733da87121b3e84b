/* The network configuration from the kernel command line. Pure code (the
 * command-line table and inet_pton), so it runs on the host too:
 *   net.ip=ADDR/PREFIX | net.ip=dhcp   IPv4 of net0 (default: DHCP)
 *   net.gw=ADDR                        IPv4 default gateway (static only)
 *   net.dns=ADDR                       a name server, v4 or v6 (up to 3;
 *                                      an IPv4 one outside a static
 *                                      net.ip's subnet needs net.gw)
 *   net.ip6=ADDR/PREFIX                a static IPv6 address of net0
 *   net.raw                            no TCP/IP: devices stay raw */
#ifndef NET_CONFIG_H
#define NET_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <kern/cmdline.h>

#define NET_DNS_MAX 3
#define NET_IP6_MAX 2

struct net_addr {
	int family;	  /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network byte order; IPv4 in the first 4 */
	int prefix;	  /* prefix length (addresses with one) */
};

struct net_config {
	int raw;  /* net.raw */
	int dhcp; /* no static net.ip */
	struct net_addr ip4, gw4;
	int have_gw;
	struct net_addr ip6[NET_IP6_MAX];
	int nip6;
	struct net_addr dns[NET_DNS_MAX];
	int ndns;
};

/* Take the net.* options from cl into c. Returns 0, or -EINVAL with a
 * message naming the option and what is wrong with it in err. */
int net_config_parse(struct net_config *c, struct kern_cmdline *cl, char *err,
		     size_t errlen);

/* Format a into buf (with "/prefix" if with_prefix); returns buf. */
char *net_addr_format(const struct net_addr *a, int with_prefix, char *buf,
		      size_t len);

#endif
