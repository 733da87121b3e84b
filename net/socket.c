/* The socket system calls (socket, bind, listen, accept4, connect,
 * send/recv and their to/from/msg/mmsg forms, shutdown, get/setsockopt,
 * getsockname/getpeername), registered with the kernel by net_socket_init;
 * a socket is a kernel file whose operations are in this file. The
 * service's pointers are checked and copied as kern/uaccess.h says, all
 * before a call takes anything (a connection, a datagram, data): a bad
 * pointer is EFAULT with nothing lost. What differs between TCP and UDP
 * is the protocol's, reached through s->ops (sock.h), chosen by socket(). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>

#include <lwip/mem.h>

#include <kern/clock.h>
#include <kern/file.h>
#include <kern/prof.h>
#include <kern/syscall.h>
#include <kern/uaccess.h>

#include "sockapi.h"
#include "sock.h"

#define TYPE_MASK 0xf

/* The protocols socket() can make, by type. */
static const struct net_proto_ops *const protos[] = { &net_tcp_proto,
						      &net_udp_proto };

/* The descriptor calls below reach a socket through the kernel's file
 * layer; their time is net/'s (kern/prof.h), as the socket calls'. */
static ssize_t sock_read(struct kern_file *f, void *buf, size_t n)
{
	struct net_sock *s = f->priv;
	int prev = kern_prof_enter(KERN_PROF_NET);
	ssize_t r = s->ops->recv(s, buf, n, 0, NULL);

	kern_prof_leave(prev);
	return r;
}

static ssize_t sock_write(struct kern_file *f, const void *buf, size_t n)
{
	struct net_sock *s = f->priv;
	int prev = kern_prof_enter(KERN_PROF_NET);
	ssize_t r = s->ops->send(s, buf, n, 0, NULL, 0);

	kern_prof_leave(prev);
	return r;
}

/* sendfile's bytes that never change: referenced where the protocol
 * can (TCP), else sent as write sends them. */
static ssize_t sock_write_stable(struct kern_file *f, const void *buf, size_t n)
{
	struct net_sock *s = f->priv;
	int prev = kern_prof_enter(KERN_PROF_NET);
	ssize_t r = s->ops->send_stable ? s->ops->send_stable(s, buf, n) :
					  s->ops->send(s, buf, n, 0, NULL, 0);

	kern_prof_leave(prev);
	return r;
}

static unsigned sock_poll(struct kern_file *f)
{
	struct net_sock *s = f->priv;
	int prev = kern_prof_enter(KERN_PROF_NET);
	unsigned r = s->ops->poll(s);

	kern_prof_leave(prev);
	return r;
}

static long sock_ioctl(struct kern_file *f, unsigned long req, void *arg)
{
	struct net_sock *s = f->priv;
	int n;

	if (req != FIONREAD)
		return -ENOTTY;
	n = (int)s->ops->readable(s);
	return kern_copy_out(arg, &n, sizeof(n));
}

static void sock_release(struct kern_file *f)
{
	struct net_sock *s = f->priv;
	int prev;

	if (!s) /* install() failed: the caller keeps s */
		return;
	prev = kern_prof_enter(KERN_PROF_NET);
	s->ops->close(s);
	mem_free(s);
	kern_prof_leave(prev);
}

static ssize_t sock_readv(struct kern_file *f, const struct iovec *iov,
			  int cnt);
static ssize_t sock_writev(struct kern_file *f, const struct iovec *iov,
			   int cnt);

static const struct kern_file_ops sock_ops = {
	.name = "socket",
	.read = sock_read,
	.write = sock_write,
	.readv = sock_readv,
	.writev = sock_writev,
	.poll = sock_poll,
	.ioctl = sock_ioctl,
	.release = sock_release,
	.write_stable = sock_write_stable,
};

/* The socket behind descriptor fd, or NULL with *err set. */
static struct net_sock *sock_of(long fd, int *err)
{
	struct kern_file *f = kern_fd_file((int)fd);

	*err = !f ? -EBADF : f->ops != &sock_ops ? -ENOTSOCK : 0;
	return *err ? NULL : f->priv;
}

/* Give s a file and a descriptor. On failure s is left as it was, and
 * still the caller's. */
static long install(struct net_sock *s, int flags)
{
	struct kern_file *f = kern_file_new(
		&sock_ops, s,
		O_RDWR | ((flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0));
	int fd;

	if (!f)
		return -ENOMEM;
	s->file = f;
	fd = kern_fd_install(f, !!(flags & SOCK_CLOEXEC));
	if (fd < 0) {
		f->priv = NULL; /* the release below leaves s alone */
		kern_file_put(f);
		s->file = NULL;
	}
	return fd;
}

/* The protocol that makes sockets of type, or NULL. */
static const struct net_proto_ops *proto_of(int type)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i]->type == type)
			return protos[i];
	return NULL;
}

static long sys_socket(const long *a)
{
	int domain = (int)a[0], type = (int)a[1] & TYPE_MASK;
	int proto = (int)a[2];
	const struct net_proto_ops *ops = proto_of(type);
	struct net_sock *s;
	long fd;

	if (domain != AF_INET && domain != AF_INET6)
		return -EAFNOSUPPORT;
	if (!ops)
		return -ESOCKTNOSUPPORT;
	if (a[1] & ~(TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (proto && proto != ops->proto)
		return -EPROTONOSUPPORT;
	s = mem_calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	*s = (struct net_sock){ .ops = ops,
				.domain = domain,
				.type = type,
				.rcvtimeo = -1,
				.sndtimeo = -1 };
	fd = install(s, (int)a[1]);
	if (fd < 0)
		mem_free(s);
	return fd;
}

/* The service's socket address (uaddr, len) as an lwIP address for s:
 * 0, -EINVAL (len negative or beyond any address), -EFAULT, or what
 * net_sockaddr_in says of it. */
static int addr_in(struct net_sock *s, const void *uaddr, socklen_t len,
		   ip_addr_t *ip, uint16_t *port)
{
	struct sockaddr_storage ss;

	if ((int)len < 0 || len > sizeof(ss))
		return -EINVAL;
	if (kern_copy_in(&ss, uaddr, len))
		return -EFAULT;
	return net_sockaddr_in(s->domain, (const struct sockaddr *)&ss, len, ip,
			       port);
}

/* bind's and connect's common part: the socket fd a[0] with its control
 * block made, and the address (a[1], a[2]) in *ip, *port; or NULL with
 * *err set. */
static struct net_sock *sock_and_addr(const long *a, ip_addr_t *ip,
				      uint16_t *port, int *err)
{
	struct net_sock *s = sock_of(a[0], err);

	if (!s)
		return NULL;
	if ((*err = addr_in(s, (const void *)a[1], (socklen_t)a[2], ip,
			    port)) ||
	    (*err = s->ops->open(s)))
		return NULL;
	return s;
}

static long sys_bind(const long *a)
{
	int err;
	ip_addr_t ip;
	uint16_t port;
	struct net_sock *s = sock_and_addr(a, &ip, &port, &err);

	if (!s)
		return err;
	/* "::" on a dual-stack socket takes IPv4 too */
	if (s->domain == AF_INET6 && !s->v6only && ip_addr_isany(&ip))
		ip = *IP_ANY_TYPE;
	return s->ops->bind(s, &ip, port);
}

static long sys_listen(const long *a)
{
	int err;
	struct net_sock *s = sock_of(a[0], &err);

	if (!s)
		return err;
	if (!s->ops->listen)
		return -EOPNOTSUPP;
	if ((err = s->ops->open(s)))
		return err;
	return s->ops->listen(s, (int)a[1]);
}

/* The size of s's addresses. */
static socklen_t addr_size(const struct net_sock *s)
{
	return s->domain == AF_INET ? sizeof(struct sockaddr_in) :
				      sizeof(struct sockaddr_in6);
}

/* Copy an address of s out to the service's uout: at most *len bytes
 * (the kernel's), then *len set to the full size. 0 or -EFAULT. */
static int name_out(struct net_sock *s, const ip_addr_t *ip, uint16_t port,
		    void *uout, socklen_t *len)
{
	struct sockaddr_storage ss;
	socklen_t full = net_sockaddr_out(s->domain, ip, port, &ss);
	int r = kern_copy_out(uout, &ss, *len < full ? *len : full);

	*len = full;
	return r;
}

/* name_out with the length in the service's *ulen, which then gets the
 * full size, as getsockname, accept and recvfrom do. 0, -EFAULT or
 * -EINVAL (a negative length). */
static long put_addr(struct net_sock *s, const ip_addr_t *ip, uint16_t port,
		     void *uout, socklen_t *ulen)
{
	socklen_t len;

	if (kern_copy_in(&len, ulen, sizeof(len)))
		return -EFAULT;
	if ((int)len < 0)
		return -EINVAL;
	if (name_out(s, ip, port, uout, &len))
		return -EFAULT;
	return kern_copy_out(ulen, &len, sizeof(len));
}

/* Whether name_out of len bytes to uout will work: 0, -EINVAL (len is
 * negative) or -EFAULT. */
static int name_ok(struct net_sock *s, void *uout, socklen_t len)
{
	if ((int)len < 0)
		return -EINVAL;
	return kern_user_check(uout, len < addr_size(s) ? len : addr_size(s),
			       KERN_UWRITE);
}

/* Whether put_addr into (uout, ulen) will work, for the calls that must
 * know before they take something (accept, recvfrom): 0 or as put_addr
 * fails. */
static long addr_out_ok(struct net_sock *s, void *uout, socklen_t *ulen)
{
	socklen_t len;

	if (kern_copy_in(&len, ulen, sizeof(len)) ||
	    kern_user_check(ulen, sizeof(len), KERN_UWRITE))
		return -EFAULT;
	return name_ok(s, uout, len);
}

static long sys_accept4(const long *a)
{
	int err;
	struct net_sock *s = sock_of(a[0], &err), *c;
	struct net_peer peer;
	long fd;

	if (!s)
		return err;
	if (!s->ops->accept)
		return -EOPNOTSUPP;
	if (a[3] & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (a[1] &&
	    (err = (int)addr_out_ok(s, (void *)a[1], (socklen_t *)a[2])))
		return err;
	if ((err = s->ops->accept(s, &c, &peer)))
		return err;
	fd = install(c, (int)a[3]);
	if (fd < 0) { /* no descriptor: it waits in the queue, as on Linux */
		s->ops->unaccept(s, c);
		return fd;
	}
	if (a[1])
		put_addr(c, &peer.ip, peer.port, (void *)a[1],
			 (socklen_t *)a[2]); /* checked: cannot fail */
	return fd;
}

static long sys_accept(const long *a)
{
	const long b[6] = { a[0], a[1], a[2], 0 };

	return sys_accept4(b);
}

static long sys_connect(const long *a)
{
	int err;
	ip_addr_t ip;
	uint16_t port;
	struct net_sock *s = sock_and_addr(a, &ip, &port, &err);

	if (!s)
		return err;
	return s->ops->connect(s, &ip, port);
}

static long name(const long *a, int local)
{
	int err;
	struct net_sock *s = sock_of(a[0], &err);
	ip_addr_t ip;
	uint16_t port;

	if (!s)
		return err;
	if (!local && s->state != NS_CONNECTED)
		return -ENOTCONN;
	if ((err = s->ops->addr(s, local, &ip, &port)))
		return err;
	return put_addr(s, &ip, port, (void *)a[1], (socklen_t *)a[2]);
}

static long sys_getsockname(const long *a)
{
	return name(a, 1);
}

static long sys_getpeername(const long *a)
{
	return name(a, 0);
}

static long sys_shutdown(const long *a)
{
	int err;
	struct net_sock *s = sock_of(a[0], &err);

	if (!s)
		return err;
	if (a[1] != SHUT_RD && a[1] != SHUT_WR && a[1] != SHUT_RDWR)
		return -EINVAL;
	return s->ops->shutdown(s, (int)a[1]);
}

/* The service's destination address (uto, len), if any, copied into
 * *ss: the kernel's copy or NULL, with *err 0, -EINVAL or -EFAULT. */
static const struct sockaddr *dest_in(const void *uto, socklen_t len,
				      struct sockaddr_storage *ss, int *err)
{
	*err = 0;
	if (!uto)
		return NULL;
	if ((int)len < 0 || len > sizeof(*ss))
		*err = -EINVAL;
	else if (kern_copy_in(ss, uto, len))
		*err = -EFAULT;
	return (const struct sockaddr *)ss;
}

static long sys_sendto(const long *a)
{
	int err;
	struct net_sock *s = sock_of(a[0], &err);
	struct sockaddr_storage ss;
	const struct sockaddr *to;

	if (!s)
		return err;
	if (kern_user_check((const void *)a[1], (size_t)a[2], KERN_UREAD))
		return -EFAULT;
	to = dest_in((const void *)a[4], (socklen_t)a[5], &ss, &err);
	if (err)
		return err;
	return s->ops->send(s, (const void *)a[1], (size_t)a[2], (int)a[3], to,
			    (socklen_t)a[5]);
}

static long sys_recvfrom(const long *a)
{
	int err;
	struct net_sock *s = sock_of(a[0], &err);
	void *from = (void *)a[4];
	struct net_peer peer = { .named = 0 };
	long r;

	if (!s)
		return err;
	if (kern_user_check((void *)a[1], (size_t)a[2], KERN_UWRITE))
		return -EFAULT;
	if (from && (r = addr_out_ok(s, from, (socklen_t *)a[5])))
		return r;
	r = s->ops->recv(s, (void *)a[1], (size_t)a[2], (int)a[3], &peer);
	if (r >= 0 && from && peer.named) /* checked: cannot fail */
		put_addr(s, &peer.ip, peer.port, from, (socklen_t *)a[5]);
	return r;
}

/* Total length of an iovec array, or -EINVAL. */
static long iov_total(const struct iovec *iov, size_t n)
{
	size_t total = 0;

	if (n > IOV_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (iov[i].iov_len > (size_t)SSIZE_MAX - total)
			return -EINVAL;
		total += iov[i].iov_len;
	}
	return (long)total;
}

/* sendmsg's work on the kernel's m (its segments checked, msg_name the
 * kernel's copy or NULL): the protocol's, once the lengths add up. */
static long send_msg(struct net_sock *s, const struct msghdr *m, int flags)
{
	long total = iov_total(m->msg_iov, (size_t)m->msg_iovlen);

	if (total < 0)
		return total;
	return s->ops->sendmsg(s, m, (size_t)total, flags);
}

/* Scatter n bytes of net_bounce over m's segments: 0 or
 * -EFAULT. */
static int scatter(const struct msghdr *m, size_t n)
{
	size_t off = 0;

	for (size_t i = 0; i < (size_t)m->msg_iovlen && off < n; i++) {
		size_t k = m->msg_iov[i].iov_len < n - off ?
				   m->msg_iov[i].iov_len :
				   n - off;

		if (kern_copy_safe(m->msg_iov[i].iov_base, net_bounce + off, k))
			return -EFAULT;
		off += k;
	}
	return 0;
}

/* recvmsg's work on the kernel's m (its segments and name checked): one
 * receive (a whole datagram) scattered over the segments; MSG_TRUNC in
 * msg_flags when a datagram did not fit; a datagram's sender to
 * msg_name. Returns the bytes stored (the datagram's length if flags has
 * MSG_TRUNC). A stream's receive is never longer than asked for. */
static long recv_msg(struct net_sock *s, struct msghdr *m, int flags)
{
	long total = iov_total(m->msg_iov, (size_t)m->msg_iovlen), r;
	struct net_peer peer = { .named = 0 };
	size_t want;

	if (total < 0)
		return total;
	want = (size_t)(total > NET_BOUNCE ? NET_BOUNCE : total);
	m->msg_flags = 0;
	m->msg_controllen = 0;
	r = s->ops->recv(s, net_bounce, want, flags | MSG_TRUNC, &peer);
	if (r < 0)
		return r;
	if (scatter(m, (size_t)r < want ? (size_t)r : want) ||
	    (peer.named && m->msg_name &&
	     name_out(s, &peer.ip, peer.port, m->msg_name, &m->msg_namelen)))
		return -EFAULT;
	if ((size_t)r <= want)
		return r;
	m->msg_flags |= MSG_TRUNC;
	return flags & MSG_TRUNC ? r : (long)want;
}

/* The service's msghdr um copied into *m, with its segments (checked for
 * access) in the kernel's array: 0, -EFAULT or -EINVAL. */
static int msg_in(const struct msghdr *um, struct msghdr *m, unsigned access)
{
	const struct iovec *iov;
	int err;

	if (kern_copy_in(m, um, sizeof(*m)))
		return -EFAULT;
	if ((err = kern_iov_in(m->msg_iov, m->msg_iovlen, access, &iov)))
		return err;
	m->msg_iov = (struct iovec *)iov;
	return 0;
}

/* sendmsg of the service's msghdr um on s: 0 or more bytes sent, or
 * -errno. */
static long send_one(struct net_sock *s, const struct msghdr *um, int flags)
{
	struct sockaddr_storage ss;
	struct msghdr m;
	int err;

	if ((err = msg_in(um, &m, KERN_UREAD)))
		return err;
	m.msg_name = (void *)dest_in(m.msg_name, m.msg_namelen, &ss, &err);
	return err ? err : send_msg(s, &m, flags);
}

/* recvmsg into the service's msghdr um on s (which gets back its
 * lengths and msg_flags): the bytes received, or -errno with nothing
 * taken when a pointer is bad. */
static long recv_one(struct net_sock *s, struct msghdr *um, int flags)
{
	struct msghdr m;
	long r;
	int err;

	if (kern_user_check(um, sizeof(*um), KERN_UWRITE))
		return -EFAULT; /* msg_flags and the lengths come back */
	if ((err = msg_in(um, &m, KERN_UWRITE)) ||
	    (m.msg_name && (err = name_ok(s, m.msg_name, m.msg_namelen))))
		return err;
	r = recv_msg(s, &m, flags);
	if (r >= 0 && /* checked: these cannot fail */
	    ((m.msg_name && kern_copy_out(&um->msg_namelen, &m.msg_namelen,
					  sizeof(m.msg_namelen))) ||
	     kern_copy_out(&um->msg_controllen, &m.msg_controllen,
			   sizeof(m.msg_controllen)) ||
	     kern_copy_out(&um->msg_flags, &m.msg_flags, sizeof(m.msg_flags))))
		return -EFAULT;
	return r;
}

static long sys_sendmsg(const long *a)
{
	int err;
	struct net_sock *s = sock_of(a[0], &err);

	return s ? send_one(s, (const struct msghdr *)a[1], (int)a[2]) : err;
}

static long sys_recvmsg(const long *a)
{
	int err;
	struct net_sock *s = sock_of(a[0], &err);

	return s ? recv_one(s, (struct msghdr *)a[1], (int)a[2]) : err;
}

/* recvmmsg and sendmmsg: at most this many messages a call (Linux's
 * UIO_MAXIOV); a longer vector is cut to it. */
#define MMSG_MAX 1024
#define NS_PER_S 1000000000LL

/* recvmmsg's timeout, the service's uts (not NULL), as a deadline in
 * *deadline: 0, -EFAULT or -EINVAL. */
static int mmsg_deadline(const struct timespec *uts, uint64_t *deadline)
{
	struct timespec ts;
	int64_t ns;

	if (kern_copy_in(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NS_PER_S)
		return -EINVAL;
	ns = ts.tv_sec >= INT64_MAX / NS_PER_S - 1 ?
		     INT64_MAX :
		     ts.tv_sec * NS_PER_S + ts.tv_nsec;
	*deadline = kern_clock_ns() + (uint64_t)ns;
	return 0;
}

/* Write the time left before deadline back to the service's uts, not
 * minding a fault (as Linux's recvmmsg). */
static void mmsg_left(struct timespec *uts, uint64_t deadline)
{
	uint64_t now = kern_clock_ns(),
		 left = deadline > now ? deadline - now : 0;
	struct timespec ts = { .tv_sec = (time_t)(left / NS_PER_S),
			       .tv_nsec = (long)(left % NS_PER_S) };

	kern_copy_out(uts, &ts, sizeof(ts));
}

/* Before one of recvmmsg's receives under a timeout: wait for s to be
 * readable until deadline (and at most SO_RCVTIMEO). 0 (readable),
 * -EAGAIN (time is up, or s is non-blocking) or -EINTR. */
static int mmsg_wait(struct net_sock *s, uint64_t deadline)
{
	uint64_t now = kern_clock_ns();
	int64_t left = deadline > now ? (int64_t)(deadline - now) : 0;

	if (s->ops->poll(s) & POLLIN)
		return 0;
	if (s->rcvtimeo >= 0 && s->rcvtimeo < left)
		left = s->rcvtimeo;
	return net_sock_wait(s, POLLIN, left);
}

/* Entry i of the service's mmsghdr vector at v: its msghdr and its
 * msg_len (addresses only, computed without touching it). */
static struct msghdr *mmsg_hdr(long v, unsigned i)
{
	return (struct msghdr *)((uintptr_t)v + i * sizeof(struct mmsghdr) +
				 offsetof(struct mmsghdr, msg_hdr));
}

static unsigned *mmsg_len(long v, unsigned i)
{
	return (unsigned *)((uintptr_t)v + i * sizeof(struct mmsghdr) +
			    offsetof(struct mmsghdr, msg_len));
}

/* recvmmsg's receive into entry i of v (its msg_len included): the
 * bytes, or -errno with nothing taken. Under a timeout (timed) it waits
 * only until deadline. */
static long mmsg_recv_one(struct net_sock *s, long v, unsigned i, int flags,
			  int timed, uint64_t deadline)
{
	unsigned *ulen = mmsg_len(v, i), len;
	long r;

	if (kern_user_check(ulen, sizeof(*ulen), KERN_UWRITE))
		return -EFAULT;
	if (timed && !(flags & MSG_DONTWAIT)) {
		if ((r = mmsg_wait(s, deadline)))
			return r;
		flags |= MSG_DONTWAIT;
	}
	r = recv_one(s, mmsg_hdr(v, i), flags);
	len = (unsigned)r;
	if (r >= 0) /* checked: cannot fail */
		kern_copy_out(ulen, &len, sizeof(len));
	return r;
}

/* recvmmsg(fd, msgvec, vlen, flags, timeout): up to vlen recvmsg calls,
 * each entry's msg_len set to its bytes; returns how many were received.
 * MSG_WAITFORONE: only the first may block. The timeout (NULL: none) is
 * a deadline for the whole call: a receive waits at most until then, and
 * once it has passed receives take only what is queued (a call that got
 * nothing is -EAGAIN); the time left is written back, as Linux does. An
 * error once a message has been received ends the call with the count
 * and is not kept: a condition that lasts (a bad pointer) shows on the
 * next call. */
static long sys_recvmmsg(const long *a)
{
	int err, flags = (int)a[3] & ~MSG_WAITFORONE;
	struct net_sock *s = sock_of(a[0], &err);
	struct timespec *uts = (struct timespec *)a[4];
	unsigned n = (unsigned)a[2] > MMSG_MAX ? MMSG_MAX : (unsigned)a[2], i;
	uint64_t deadline = 0;
	long r = 0;

	if (!s)
		return err;
	if (uts && (err = mmsg_deadline(uts, &deadline)))
		return err;
	for (i = 0; i < n; i++) {
		r = mmsg_recv_one(s, a[1], i, flags, !!uts, deadline);
		if (r < 0)
			break;
		if (a[3] & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
	}
	if (i && uts)
		mmsg_left(uts, deadline);
	return i ? (long)i : r;
}

/* sendmmsg(fd, msgvec, vlen, flags): up to vlen sendmsg calls, each
 * entry's msg_len set to the bytes it sent; returns how many were sent.
 * An error ends the call: it is returned if it was the first message's,
 * else the count is (and the error is not kept). */
static long sys_sendmmsg(const long *a)
{
	int err;
	struct net_sock *s = sock_of(a[0], &err);
	unsigned n = (unsigned)a[2] > MMSG_MAX ? MMSG_MAX : (unsigned)a[2], i;
	unsigned *ulen, len;
	long r = 0;

	if (!s)
		return err;
	for (i = 0; i < n; i++) {
		ulen = mmsg_len(a[1], i);
		if (kern_user_check(ulen, sizeof(*ulen), KERN_UWRITE)) {
			r = -EFAULT;
			break;
		}
		r = send_one(s, mmsg_hdr(a[1], i), (int)a[3]);
		if (r < 0)
			break;
		len = (unsigned)r; /* checked: cannot fail */
		kern_copy_out(ulen, &len, sizeof(len));
	}
	return i ? (long)i : r;
}

/* readv and writev on a socket are recvmsg and sendmsg without flags. */
static ssize_t sock_readv(struct kern_file *f, const struct iovec *iov, int cnt)
{
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = cnt };
	int prev;
	ssize_t r;

	if (!iov_total(iov, (size_t)cnt)) /* as read(fd, buf, 0): nothing */
		return 0;
	prev = kern_prof_enter(KERN_PROF_NET);
	r = recv_msg(f->priv, &m, 0);
	kern_prof_leave(prev);
	return r;
}

static ssize_t sock_writev(struct kern_file *f, const struct iovec *iov,
			   int cnt)
{
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = cnt };
	int prev = kern_prof_enter(KERN_PROF_NET);
	ssize_t r = send_msg(f->priv, &m, 0);

	kern_prof_leave(prev);
	return r;
}

static long sys_socketpair(const long *a)
{
	(void)a;
	return -EOPNOTSUPP;
}

void net_socket_init(void)
{
	static const struct {
		long nr;
		kern_syscall_fn fn;
	} calls[] = {
		{ SYS_socket, sys_socket },
		{ SYS_bind, sys_bind },
		{ SYS_listen, sys_listen },
		{ SYS_accept, sys_accept },
		{ SYS_accept4, sys_accept4 },
		{ SYS_connect, sys_connect },
		{ SYS_getsockname, sys_getsockname },
		{ SYS_getpeername, sys_getpeername },
		{ SYS_shutdown, sys_shutdown },
		{ SYS_sendto, sys_sendto },
		{ SYS_recvfrom, sys_recvfrom },
		{ SYS_sendmsg, sys_sendmsg },
		{ SYS_recvmsg, sys_recvmsg },
		{ SYS_sendmmsg, sys_sendmmsg },
		{ SYS_recvmmsg, sys_recvmmsg },
		{ SYS_socketpair, sys_socketpair },
		{ SYS_setsockopt, net_sys_setsockopt },
		{ SYS_getsockopt, net_sys_getsockopt },
	};

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		kern_syscall_register_layer(calls[i].nr, calls[i].fn,
					    KERN_PROF_NET);
}

struct net_sock *net_sock_of_fd(long fd, int *err)
{
	return sock_of(fd, err);
}
