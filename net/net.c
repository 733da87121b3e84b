/* The TCP/IP layer's start-up (see net/net.h): the net.* options, the
 * heap's limit, lwIP, one interface per network device configured from
 * the options, the wait for DHCP, and the log of every address and name
 * server as it is obtained (an lwIP status callback, so SLAAC addresses
 * and later leases are logged when they come). Also lwIP's diagnostics
 * and assertions, and /etc/resolv.conf (a synthetic file of the kernel's
 * file layer, which musl's resolver reads). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <kern/clock.h>
#include <kern/component.h>
#include <kern/cmdline.h>
#include <kern/console.h>
#include <kern/exit.h>
#include <kern/file.h>
#include <kern/loop.h>
#include <lwip/dhcp.h>
#include <lwip/dns.h>
#include <lwip/init.h>
#include <lwip/netif.h>
#include <net/net.h>
#include <os/mem.h>

#include "config.h"
#include "heap.h"
#include "net_internal.h"
#include "sockapi.h"

#define DHCP_WAIT_NS (4ULL * 1000000000)
#define HEAP_SHARE 4 /* the heap may take a quarter of the free RAM */

static struct net_config cfg;
static netif_ext_callback_t status_cb;
static char dns_logged[3 * (INET6_ADDRSTRLEN + 12)];

void net_diag(const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kern_info("lwip: %s", buf);
}

void net_assert_fail(const char *msg, const char *file, int line)
{
	kern_panic("lwIP assertion \"%s\" failed at %s:%d", msg, file, line);
}

/* The name servers, static ones first, at most NET_DNS_MAX; src[i] says
 * where each came from. */
static int dns_servers(char addr[][INET6_ADDRSTRLEN], const char **src)
{
	int n = 0;

	for (int i = 0; i < cfg.ndns; i++) {
		net_addr_format(&cfg.dns[i], 0, addr[n], INET6_ADDRSTRLEN);
		src[n++] = "static";
	}
	for (u8_t i = 0; i < DNS_MAX_SERVERS && n < NET_DNS_MAX; i++) {
		const ip_addr_t *a = dns_getserver(i);
		int dup = 0;

		if (ip_addr_isany(a))
			continue;
		inet_ntop(IP_IS_V6(a) ? AF_INET6 : AF_INET, &a->u_addr, addr[n],
			  INET6_ADDRSTRLEN);
		for (int j = 0; j < n; j++)
			dup |= !strcmp(addr[j], addr[n]);
		if (!dup)
			src[n++] = "DHCP";
	}
	return n;
}

/* The buffer is rewritten only when the servers changed, so a reader of
 * an open /etc/resolv.conf sees stable text. */
const char *net_resolv_conf(void)
{
	static char buf[NET_DNS_MAX * (INET6_ADDRSTRLEN + 12)];
	char addr[NET_DNS_MAX][INET6_ADDRSTRLEN], text[sizeof(buf)];
	const char *src[NET_DNS_MAX];
	int n = dns_servers(addr, src);
	size_t len = 0;

	text[0] = 0;
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"nameserver %s\n", addr[i]);
	if (strcmp(text, buf))
		strcpy(buf, text);
	return buf;
}

/* Log the name servers if they changed since last time. */
static void log_dns(void)
{
	char addr[NET_DNS_MAX][INET6_ADDRSTRLEN], list[sizeof(dns_logged)];
	const char *src[NET_DNS_MAX];
	int n = dns_servers(addr, src);
	size_t len = 0;

	list[0] = 0;
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len,
					"%s%s (%s)", i ? ", " : "", addr[i],
					src[i]);
	if (!n || !strcmp(list, dns_logged))
		return;
	strcpy(dns_logged, list);
	kern_info("net: DNS servers %s", list);
}

static const char *dev_name(struct netif *n)
{
	return ((struct net_if *)n)->nd->name;
}

static void log_ip4(struct netif *n)
{
	char ip[16], gw[16], how[64];
	const struct dhcp *d = netif_dhcp_data(n);

	if (ip4_addr_isany(netif_ip4_addr(n))) {
		kern_info("%s: IPv4 address released", dev_name(n));
		return;
	}
	if (dhcp_supplied_address(n))
		snprintf(how, sizeof(how), "DHCP from %s, lease %u s",
			 ipaddr_ntoa(&d->server_ip_addr),
			 (unsigned)d->offered_t0_lease);
	else
		strcpy(how, "static");
	ip4addr_ntoa_r(netif_ip4_addr(n), ip, sizeof(ip));
	if (ip4_addr_isany(netif_ip4_gw(n)))
		strcpy(gw, "none");
	else
		ip4addr_ntoa_r(netif_ip4_gw(n), gw, sizeof(gw));
	kern_info("%s: IPv4 %s/%d, gateway %s (%s)", dev_name(n), ip,
		  __builtin_popcount(ip4_addr_get_u32(netif_ip4_netmask(n))),
		  gw, how);
	log_dns();
}

/* Log IPv6 address slot i when it became valid or was found in use. */
static void log_ip6(struct netif *n, int i, u8_t old)
{
	struct net_if *nif = (struct net_if *)n;
	u8_t state = netif_ip6_addr_state(n, i);
	char a[INET6_ADDRSTRLEN];
	const char *how = "SLAAC";
	int prefix = 64;

	inet_ntop(AF_INET6, netif_ip6_addr(n, i)->addr, a, sizeof(a));
	if (ip6_addr_isduplicated(state) && !ip6_addr_isduplicated(old))
		kern_error("%s: IPv6 %s is in use by another host", dev_name(n),
			   a);
	if (!ip6_addr_isvalid(state) || ip6_addr_isvalid(old))
		return;
	if (nif->static_ip6 & (1u << i)) {
		how = "static";
		prefix = nif->ip6_prefix[i];
	} else if (ip6_addr_islinklocal(netif_ip6_addr(n, i))) {
		how = "link-local";
	}
	kern_info("%s: IPv6 %s/%d (%s)", dev_name(n), a, prefix, how);
}

static void status_changed(struct netif *n, netif_nsc_reason_t reason,
			   const netif_ext_callback_args_t *args)
{
	if (reason &
	    (LWIP_NSC_IPV4_ADDRESS_CHANGED | LWIP_NSC_IPV4_NETMASK_CHANGED |
	     LWIP_NSC_IPV4_GATEWAY_CHANGED | LWIP_NSC_IPV4_SETTINGS_CHANGED))
		log_ip4(n);
	if (reason & LWIP_NSC_IPV6_ADDR_STATE_CHANGED)
		log_ip6(n, args->ipv6_addr_state_changed.addr_index,
			args->ipv6_addr_state_changed.old_state);
}

static void static_ip4(struct netif *n, const struct net_config *c)
{
	ip4_addr_t ip, mask, gw;

	memcpy(&ip.addr, c->ip4.addr, 4);
	mask.addr = lwip_htonl(~0u << (32 - c->ip4.prefix));
	memcpy(&gw.addr, c->gw4.addr, 4);
	if (!c->have_gw)
		ip4_addr_set_any(&gw);
	netif_set_addr(n, &ip, &mask, &gw);
}

static void static_ip6(struct net_if *nif, const struct net_addr *a)
{
	ip6_addr_t ip;
	s8_t i;

	memset(&ip, 0, sizeof(ip));
	memcpy(ip.addr, a->addr, 16);
	if (netif_add_ip6_address(&nif->lw, &ip, &i) != ERR_OK) {
		kern_error("%s: no room for another IPv6 address",
			   nif->nd->name);
		return;
	}
	nif->static_ip6 |= (uint8_t)(1u << i);
	nif->ip6_prefix[i] = a->prefix;
}

/* Addresses for nif: c's static ones, or DHCP; IPv6 link-local and
 * SLAAC always. */
static void configure(struct net_if *nif, const struct net_config *c)
{
	struct netif *n = &nif->lw;

	if (c->dhcp && dhcp_start(n) != ERR_OK)
		kern_error("%s: DHCP could not start", nif->nd->name);
	if (!c->dhcp)
		static_ip4(n, c);
	netif_create_ip6_linklocal_address(n, 1);
	netif_set_ip6_autoconfig_enabled(n, 1);
	for (int i = 0; i < c->nip6; i++)
		static_ip6(nif, &c->ip6[i]);
}

static int leases_done(void *arg)
{
	struct net_if *nif;

	(void)arg;
	for (int i = 0; (nif = net_netif_get(i)); i++)
		if (netif_dhcp_data(&nif->lw) && netif_is_link_up(&nif->lw) &&
		    !dhcp_supplied_address(&nif->lw))
			return 0;
	return 1;
}

/* With DHCP, run the loop until every interface has a lease, or 4 s;
 * then one line for each still without one. */
static void wait_for_leases(void)
{
	struct net_if *nif;

	if (kern_loop_wait(leases_done, NULL, kern_clock_ns() + DHCP_WAIT_NS,
			   0) == 0)
		return;
	for (int i = 0; (nif = net_netif_get(i)); i++)
		if (netif_dhcp_data(&nif->lw) &&
		    !dhcp_supplied_address(&nif->lw))
			kern_error("%s: no DHCP answer in 4 s, still asking: "
				   "put the VM on a network with a DHCP server "
				   "(tools/run --net user, or a tap with one), "
				   "or give it net.ip=ADDR/PREFIX",
				   nif->nd->name);
}

/* The heap may take a share of the RAM free now (none of the service's
 * memory is promised yet). */
static void heap_init(void)
{
	struct os_mem_stats m;
	size_t avail;

	os_mem_stats(&m);
	avail = m.free > m.reserve ? m.free - m.reserve : 0;
	net_heap_init(avail / HEAP_SHARE);
	kern_debug("net: heap limit %zu MiB", avail / HEAP_SHARE >> 20);
}

static void add_interface(struct drv_netdev *nd, int first)
{
	static const struct net_config dhcp = { .dhcp = 1 };
	struct net_if *nif = net_netif_add(nd);
	const uint8_t *m = nd->mac;

	if (!nif)
		return;
	kern_info("%s: lwIP interface %c%c%u, %02x:%02x:%02x:%02x:%02x:%02x, "
		  "mtu %u, link %s, offloads%s%s%s%s%s%s",
		  nd->name, nif->lw.name[0], nif->lw.name[1], nif->lw.num, m[0],
		  m[1], m[2], m[3], m[4], m[5], nd->mtu,
		  netif_is_link_up(&nif->lw) ? "up" : "down",
		  nif->off ? "" : " none",
		  nif->off & DRV_NETDEV_OFF_TX_CSUM ? " tx-csum" : "",
		  nif->off & DRV_NETDEV_OFF_RX_CSUM ? " rx-csum" : "",
		  nif->off & DRV_NETDEV_OFF_TSO4 ? " tso4" : "",
		  nif->off & DRV_NETDEV_OFF_TSO6 ? " tso6" : "",
		  nif->off & DRV_NETDEV_OFF_RX_LARGE ? " rx-large" : "");
	if (first)
		netif_set_default(&nif->lw);
	configure(nif, first ? &cfg : &dhcp);
}

/* The first net.* option on the command line, or NULL. */
static const char *net_option(const struct kern_cmdline *cl)
{
	for (int i = 0; i < cl->nopt; i++)
		if (strncmp(cl->opt[i], "net.", 4) == 0)
			return cl->opt[i];
	return NULL;
}

void net_init(struct kern_cmdline *cl)
{
	char err[160];
	int n = drv_netdev_count();
	const char *o = net_option(cl);

	if (net_config_parse(&cfg, cl, err, sizeof(err)))
		kern_bootconf_error("%s", err);
	if (n == 0 && o)
		kern_error("net: %s given, but the VM has no network device, "
			   "so the service has no network: boot with tools/run "
			   "--net user (or --net tap:IFNAME), or without the "
			   "net.* options",
			   o);
	else if (n == 0)
		kern_info("net: no network device, so the service's sockets "
			  "reach nothing (tools/run --net user gives it one)");
	if (kern_synth_register("/etc/resolv.conf", net_resolv_conf))
		kern_error("net: cannot register /etc/resolv.conf");
	if (cfg.raw) {
		kern_info("net: net.raw: no TCP/IP; devices left for raw "
			  "frames");
		return;
	}
	heap_init();
	lwip_init();
	net_socket_init(); /* sockets exist even with no device */
	if (n == 0)
		return;
	netif_add_ext_callback(&status_cb, status_changed);
	for (int i = 0; i < n; i++)
		add_interface(drv_netdev_get(i), i == 0);
	net_drain_at_exit();
	wait_for_leases();
	log_dns();
}

/* The network stack is an optional part of the image (kern/component.h):
 * linked in when the service's os_add_executable() says USES net, which
 * forces net_init into the link. */
KERN_COMPONENT(net, .start = net_init);
