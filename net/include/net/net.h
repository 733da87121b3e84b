/* The TCP/IP layer (lwIP on the network devices), as the boot sequence
 * and the rest of the system see it. Configuration comes from the kernel
 * command line: net.ip=ADDR/PREFIX or net.ip=dhcp (the default), net.gw,
 * net.dns (repeatable), net.ip6=ADDR/PREFIX, and net.raw to leave the
 * devices to include/os/net.h's raw frames instead. */
#ifndef NET_NET_H
#define NET_NET_H

struct kern_cmdline;

/* Take the net.* options (a bad value stops the boot, naming it), then,
 * unless net.raw is given, give every network device an lwIP interface:
 * static IPv4 or DHCP on net0 (DHCP on the others), IPv6 link-local and
 * SLAAC everywhere, static IPv6 on net0. With DHCP, wait (running the
 * event loop) up to 4 s for a lease. Logs each interface, its addresses
 * and where they came from, and the name servers. Call once at boot,
 * after the drivers have registered their devices. */
void net_init(struct kern_cmdline *cl);

/* The text of /etc/resolv.conf (net_init registers it as a synthetic
 * file): a "nameserver ADDR" line for each server from net.dns, then those
 * DHCP gave, three at most (musl reads no more). Empty when there are
 * none. The buffer stays valid; it changes only when the servers do. */
const char *net_resolv_conf(void);

#endif
