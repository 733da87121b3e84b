/* What the protocols (sock_tcp.c, sock_udp.c) use of the socket layer,
 * declared in sock.h: socket addresses to and from lwIP's, lwIP errors to
 * errno, copies between pbufs and the service's memory, waiting for a
 * socket, and the bounce buffer. It calls no protocol. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>

#include <lwip/err.h>
#include <lwip/pbuf.h>

#include <kern/file.h>
#include <kern/uaccess.h>

#include "sock.h"

uint8_t net_bounce[NET_BOUNCE];

static int is_v4_mapped(const struct in6_addr *a)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0,    0,
					    0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a->s6_addr, prefix, sizeof(prefix)) == 0;
}

static int addr_in6(const struct sockaddr_in6 *sin6, ip_addr_t *ip)
{
	if (is_v4_mapped(&sin6->sin6_addr)) {
		uint32_t v4;

		memcpy(&v4, &sin6->sin6_addr.s6_addr[12], 4);
		ip_addr_set_ip4_u32_val(*ip, v4);
		return 0;
	}
	memcpy(ip_2_ip6(ip)->addr, &sin6->sin6_addr, 16);
	IP_SET_TYPE(ip, IPADDR_TYPE_V6);
	ip_2_ip6(ip)->zone = (u8_t)sin6->sin6_scope_id;
	return 0;
}

int net_sockaddr_in(int domain, const struct sockaddr *sa, socklen_t len,
		    ip_addr_t *ip, uint16_t *port)
{
	if (!sa)
		return -EFAULT;
	if (domain == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		if (len < (socklen_t)sizeof(*sin))
			return -EINVAL;
		if (sin->sin_family != AF_INET)
			return -EAFNOSUPPORT;
		ip_addr_set_ip4_u32_val(*ip, sin->sin_addr.s_addr);
		*port = ntohs(sin->sin_port);
		return 0;
	}
	if (len < (socklen_t)sizeof(struct sockaddr_in6))
		return -EINVAL;
	if (sa->sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	*port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return addr_in6((const void *)sa, ip);
}

socklen_t net_sockaddr_out(int domain, const ip_addr_t *ip, uint16_t port,
			   struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (domain == AF_INET) {
		struct sockaddr_in *sin = (void *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr =
			IP_IS_V4(ip) ? ip4_addr_get_u32(ip_2_ip4(ip)) : 0;
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (void *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	if (IP_IS_V4(ip)) { /* ::ffff:a.b.c.d */
		uint32_t v4 = ip4_addr_get_u32(ip_2_ip4(ip));

		sin6->sin6_addr.s6_addr[10] = 0xff;
		sin6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&sin6->sin6_addr.s6_addr[12], &v4, 4);
	} else {
		memcpy(&sin6->sin6_addr, ip_2_ip6(ip)->addr, 16);
		sin6->sin6_scope_id = ip6_addr_zone(ip_2_ip6(ip));
	}
	return sizeof(*sin6);
}

int net_errno(err_t err)
{
	switch (err) {
	case ERR_OK:
		return 0;
	case ERR_MEM:
	case ERR_BUF:
		return -ENOMEM;
	case ERR_TIMEOUT:
		return -ETIMEDOUT;
	case ERR_RTE:
		return -EHOSTUNREACH;
	case ERR_INPROGRESS:
		return -EINPROGRESS;
	case ERR_VAL:
	case ERR_ARG:
		return -EINVAL;
	case ERR_WOULDBLOCK:
		return -EAGAIN;
	case ERR_USE:
		return -EADDRINUSE;
	case ERR_ALREADY:
		return -EALREADY;
	case ERR_ISCONN:
		return -EISCONN;
	case ERR_CONN:
		return -ENOTCONN;
	case ERR_IF:
		return -ENETDOWN;
	case ERR_ABRT:
		return -ECONNABORTED;
	case ERR_RST:
		return -ECONNRESET;
	case ERR_CLSD:
		return -ENOTCONN;
	default:
		return -EIO;
	}
}

long net_pbuf_copy_out(const struct pbuf *p, void *dst, size_t n)
{
	size_t done = 0;

	for (; p && done < n; p = p->next) {
		size_t k = p->len < n - done ? p->len : n - done;

		if (kern_copy_safe((char *)dst + done, p->payload, k))
			return -EFAULT;
		done += k;
	}
	return (long)done;
}

int net_pbuf_copy_in(struct pbuf *p, const void *src, size_t n)
{
	size_t done = 0;

	for (; p && done < n; p = p->next) {
		size_t k = p->len < n - done ? p->len : n - done;

		if (kern_copy_safe(p->payload, (const char *)src + done, k))
			return -EFAULT;
		done += k;
	}
	return 0;
}

int net_sock_wait(struct net_sock *s, unsigned events, int64_t timeout)
{
	long r;

	if (!s->file || (s->file->flags & O_NONBLOCK) || timeout == 0)
		return -EAGAIN;
	r = kern_file_wait(s->file, events | POLLERR | POLLHUP, timeout);
	return r < 0 ? (int)r : r == 0 ? -EAGAIN : 0;
}
