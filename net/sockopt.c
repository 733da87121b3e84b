/* setsockopt and getsockopt for the options libos sockets have:
 * SO_REUSEADDR, SO_KEEPALIVE, SO_RCVBUF, SO_SNDBUF, SO_ERROR,
 * SO_RCVTIMEO, SO_SNDTIMEO, SO_TYPE, SO_DOMAIN, SO_ACCEPTCONN,
 * TCP_NODELAY, IPV6_V6ONLY. Others: ENOPROTOOPT. Values and lengths are
 * the service's, copied in and out (kern/uaccess.h). The protocol (s->ops)
 * has its own level's options (TCP_NODELAY), applies SO_KEEPALIVE and
 * says what the buffer sizes are. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#undef TCP_MSS /* glibc's socket option (host builds); lwIP's is the MSS */
#include <sys/socket.h>
#include <sys/time.h>

#include <kern/uaccess.h>

#include "sockapi.h"

#define NS_PER_US 1000LL
#define NS_PER_S 1000000000LL

/* An int option's value (the service's val), or -EINVAL/-EFAULT. */
static int int_arg(const void *val, socklen_t len, int *out)
{
	if (len < (socklen_t)sizeof(int))
		return -EINVAL;
	return kern_copy_in(out, val, sizeof(int));
}

/* A SO_RCVTIMEO/SO_SNDTIMEO value in ns, as Linux's sock_set_timeout
 * reads it: -EDOM when tv_usec is outside [0, 1000000); 0 (no wait at
 * all) when tv_sec is negative; -1 (forever) for {0, 0} and for times
 * too long to count in int64_t nanoseconds (Linux's too are forever). */
static int64_t timeout_ns(const struct timeval *tv)
{
	if (tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return -EDOM;
	if (tv->tv_sec < 0)
		return 0;
	if (!tv->tv_sec && !tv->tv_usec)
		return -1;
	if (tv->tv_sec > (INT64_MAX - NS_PER_S) / NS_PER_S)
		return -1;
	return (int64_t)tv->tv_sec * NS_PER_S + tv->tv_usec * NS_PER_US;
}

/* A timeout option's value (the service's val) in ns, or -EINVAL,
 * -EFAULT, -EDOM. */
static int time_arg(const void *val, socklen_t len, int64_t *out)
{
	struct timeval tv;
	int64_t ns;

	if (len < (socklen_t)sizeof(tv))
		return -EINVAL;
	if (kern_copy_in(&tv, val, sizeof(tv)))
		return -EFAULT;
	if ((ns = timeout_ns(&tv)) == -EDOM)
		return -EDOM;
	*out = ns;
	return 0;
}

static long set_socket(struct net_sock *s, int opt, const void *val,
		       socklen_t len)
{
	int v, r;

	if (opt == SO_RCVTIMEO || opt == SO_SNDTIMEO)
		return time_arg(val, len,
				opt == SO_RCVTIMEO ? &s->rcvtimeo :
						     &s->sndtimeo);
	if ((r = int_arg(val, len, &v)))
		return r;
	switch (opt) {
	case SO_REUSEADDR:
	case SO_REUSEPORT:
		s->reuseaddr = !!v;
		return 0;
	case SO_KEEPALIVE:
		s->keepalive = !!v;
		if (s->ops->keepalive)
			s->ops->keepalive(s);
		return 0;
	case SO_RCVBUF: /* the stack's buffers are sized in lwipopts.h: */
	case SO_SNDBUF: /* accepted, and reported as they really are */
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static long set_proto(struct net_sock *s, int level, int opt, const void *val,
		      socklen_t len)
{
	int v, r;

	if ((r = int_arg(val, len, &v)))
		return r;
	if (s->ops->setopt &&
	    (r = s->ops->setopt(s, level, opt, v)) != -ENOPROTOOPT)
		return r;
	if (level == IPPROTO_IPV6 && opt == IPV6_V6ONLY &&
	    s->domain == AF_INET6) {
		if (s->pcb || s->udp)
			return -EINVAL; /* fixed once bound or connected */
		s->v6only = !!v;
		return 0;
	}
	return -ENOPROTOOPT;
}

long net_sys_setsockopt(const long *a)
{
	int err;
	struct net_sock *s = net_sock_of_fd(a[0], &err);

	if (!s)
		return err;
	if ((int)a[4] < 0)
		return -EINVAL;
	if (a[1] == SOL_SOCKET)
		return set_socket(s, (int)a[2], (const void *)a[3],
				  (socklen_t)a[4]);
	return set_proto(s, (int)a[1], (int)a[2], (const void *)a[3],
			 (socklen_t)a[4]);
}

/* The value of an option, as an int, or -ENOPROTOOPT. */
static long get_int(struct net_sock *s, int level, int opt, int *v)
{
	if (level == IPPROTO_TCP && opt == TCP_NODELAY)
		*v = s->nodelay;
	else if (level == IPPROTO_IPV6 && opt == IPV6_V6ONLY)
		*v = s->v6only;
	else if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	else if (opt == SO_REUSEADDR || opt == SO_REUSEPORT)
		*v = s->reuseaddr;
	else if (opt == SO_KEEPALIVE)
		*v = s->keepalive;
	else if (opt == SO_RCVBUF)
		*v = s->ops->rcvbuf;
	else if (opt == SO_SNDBUF)
		*v = s->ops->sndbuf;
	else if (opt == SO_ERROR) {
		*v = s->err;
		s->err = 0;
	} else if (opt == SO_TYPE)
		*v = s->type;
	else if (opt == SO_DOMAIN)
		*v = s->domain;
	else if (opt == SO_ACCEPTCONN)
		*v = s->state == NS_LISTEN;
	else
		return -ENOPROTOOPT;
	return 0;
}

/* Copy an option's value v (size bytes) out to the service's val: at
 * most len bytes (what *ulen held), then size to *ulen. 0 or -EFAULT. */
static long put_opt(const void *v, socklen_t size, void *val, socklen_t *ulen,
		    socklen_t len)
{
	if (kern_copy_out(val, v, len < size ? len : size) ||
	    kern_copy_out(ulen, &size, sizeof(size)))
		return -EFAULT;
	return 0;
}

long net_sys_getsockopt(const long *a)
{
	int err, v;
	struct net_sock *s = net_sock_of_fd(a[0], &err);
	void *val = (void *)a[3];
	socklen_t *ulen = (socklen_t *)a[4], len;
	struct timeval tv = { 0, 0 };
	int timeo = a[1] == SOL_SOCKET &&
		    (a[2] == SO_RCVTIMEO || a[2] == SO_SNDTIMEO);
	socklen_t size = timeo ? sizeof(tv) : sizeof(v);

	if (!s)
		return err;
	if (kern_copy_in(&len, ulen, sizeof(len)))
		return -EFAULT;
	if ((int)len < 0)
		return -EINVAL;
	/* before get_int, which may clear SO_ERROR */
	if (kern_user_check(val, len < size ? len : size, KERN_UWRITE) ||
	    kern_user_check(ulen, sizeof(len), KERN_UWRITE))
		return -EFAULT;
	if (timeo) {
		int64_t ns = a[2] == SO_RCVTIMEO ? s->rcvtimeo : s->sndtimeo;

		if (ns > 0) {
			tv.tv_sec = ns / NS_PER_S;
			tv.tv_usec = ns % NS_PER_S / NS_PER_US;
		}
		return put_opt(&tv, sizeof(tv), val, ulen, len);
	}
	if ((err = (int)get_int(s, (int)a[1], (int)a[2], &v)))
		return err;
	return put_opt(&v, sizeof(v), val, ulen, len);
}
