/* Unit tests of the socket layer (net/socket.c, sock_tcp.c, sock_udp.c,
 * sockopt.c, sock_common.c) on the host: lwIP built for the host with its
 * loopback interface, the kernel's file layer, and host_kernel.c's event
 * loop in simulated time. Every call goes through the system-call
 * functions net/ registers (and the kernel's read, write, close, poll,
 * epoll), over 127.0.0.1 and ::1: connection set-up and teardown, resets,
 * shutdown, readiness for poll and epoll, UDP, recvmmsg and sendmmsg,
 * addresses, options,
 * 1 MiB through one connection, and sendfile (kernel/fs/sendfile.c) with
 * TCP's zero-copy write_stable. Blocking calls are woken by timers that
 * act "later", as another program would. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <cmocka.h>

#include <kern/file.h>
#include <lwip/priv/tcp_priv.h>

#include "host_kernel.h"
#include "sock.h"

/* SYS(nr, args...): a system call with up to six arguments. */
#define SYS_(nr, a, b, c, d, e, f, ...)                              \
	host_syscall(nr, (long)(a), (long)(b), (long)(c), (long)(d), \
		     (long)(e), (long)(f))
#define SYS(...) SYS_(__VA_ARGS__, 0, 0, 0, 0, 0, 0)

#define BULK (1 << 20)
#define CLOSED_PORT 1

static unsigned stuck_before;

/* ---- Helpers: sockets, addresses, readiness. */

static int new_socket(int domain, int type)
{
	long fd = SYS(SYS_socket, domain, type, 0);

	assert_true(fd >= 3);
	return (int)fd;
}

static void close_fd(int fd)
{
	assert_int_equal(SYS(SYS_close, fd), 0);
}

static void set_int(int fd, int level, int opt, int v)
{
	assert_int_equal(SYS(SYS_setsockopt, fd, level, opt, &v, sizeof(v)), 0);
}

static int get_int(int fd, int level, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);

	assert_int_equal(SYS(SYS_getsockopt, fd, level, opt, &v, &len), 0);
	assert_int_equal(len, sizeof(v));
	return v;
}

static void set_nonblock(int fd)
{
	long fl = SYS(SYS_fcntl, fd, F_GETFL);

	assert_true(fl >= 0);
	assert_int_equal(SYS(SYS_fcntl, fd, F_SETFL, fl | O_NONBLOCK), 0);
}

/* The loopback address of domain (or ::ffff:127.0.0.1 if mapped) with
 * port; returns its length. */
static socklen_t loop_addr(int domain, int mapped, uint16_t port,
			   struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (domain == AF_INET) {
		struct sockaddr_in *sin = (void *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (void *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	if (mapped) {
		sin6->sin6_addr.s6_addr[10] = 0xff;
		sin6->sin6_addr.s6_addr[11] = 0xff;
		sin6->sin6_addr.s6_addr[12] = 127;
		sin6->sin6_addr.s6_addr[15] = 1;
	} else {
		sin6->sin6_addr = in6addr_loopback;
	}
	return sizeof(*sin6);
}

/* The wildcard address of domain with port. */
static socklen_t any_addr(int domain, uint16_t port,
			  struct sockaddr_storage *ss)
{
	socklen_t len = loop_addr(domain, 0, port, ss);

	if (domain == AF_INET)
		((struct sockaddr_in *)ss)->sin_addr.s_addr = htonl(INADDR_ANY);
	else
		((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_any;
	return len;
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET ?
			     ((const struct sockaddr_in *)ss)->sin_port :
			     ((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* getsockname (local) or getpeername of fd, expecting success. */
static socklen_t name_of(int fd, int local, struct sockaddr_storage *ss)
{
	socklen_t len = sizeof(*ss);

	memset(ss, 0xa5, sizeof(*ss));
	assert_int_equal(
		SYS(local ? SYS_getsockname : SYS_getpeername, fd, ss, &len),
		0);
	return len;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;

	name_of(fd, 1, &ss);
	return port_of(&ss);
}

/* Assert ss is the loopback address of domain (mapped for ::ffff:...)
 * with port. */
static void assert_loop_addr(const struct sockaddr_storage *ss, socklen_t len,
			     int domain, int mapped, uint16_t port)
{
	struct sockaddr_storage want;
	socklen_t wlen = loop_addr(domain, mapped, port, &want);

	assert_int_equal(len, wlen);
	assert_memory_equal(ss, &want, wlen);
}

/* Bind addr with port 0. */
static void bind_any_port(int fd, const struct sockaddr_storage *ss,
			  socklen_t len)
{
	assert_int_equal(SYS(SYS_bind, fd, ss, len), 0);
}

/* A TCP socket of domain listening on its loopback address; *port set. */
static int listener(int domain, int backlog, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t len = loop_addr(domain, 0, 0, &ss);
	int fd = new_socket(domain, SOCK_STREAM);

	bind_any_port(fd, &ss, len);
	assert_int_equal(SYS(SYS_listen, fd, backlog), 0);
	*port = local_port(fd);
	assert_true(*port != 0);
	return fd;
}

static long connect_to(int fd, int domain, int mapped, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = loop_addr(domain, mapped, port, &ss);

	return SYS(SYS_connect, fd, &ss, len);
}

/* A connected pair over loopback of domain: *c the client, *s the
 * accepted server side. */
static void tcp_pair(int domain, int *c, int *s)
{
	uint16_t port;
	int l = listener(domain, 4, &port);

	*c = new_socket(domain, SOCK_STREAM);
	assert_int_equal(connect_to(*c, domain, 0, port), 0);
	*s = (int)SYS(SYS_accept, l, NULL, NULL);
	assert_true(*s >= 3);
	close_fd(l);
}

/* poll() of one descriptor: its revents, 0 on timeout. */
static short poll1(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	long r = SYS(SYS_poll, &p, 1, timeout_ms);

	assert_true(r == 0 || r == 1);
	return r ? p.revents : 0;
}

static int fionread(int fd)
{
	int n = -1;

	assert_int_equal(SYS(SYS_ioctl, fd, FIONREAD, &n), 0);
	return n;
}

static void write_all(int fd, const char *s)
{
	size_t n = strlen(s);

	assert_int_equal(SYS(SYS_write, fd, s, n), (long)n);
}

/* Read exactly strlen(want) bytes and compare. */
static void read_expect(int fd, const char *want)
{
	char buf[256] = { 0 };
	size_t n = strlen(want);

	assert_true(n < sizeof(buf));
	assert_int_equal(SYS(SYS_recvfrom, fd, buf, n, MSG_WAITALL), (long)n);
	assert_string_equal(buf, want);
}

/* Something done later, from a timer, while the test blocks in a call. */
struct later {
	struct kern_timer t;
	void (*fn)(struct later *l);
	int fd, fd2, done;
};

static void later_fire(struct kern_timer *t, void *arg)
{
	struct later *l = arg;

	(void)t;
	l->fn(l);
	l->done = 1;
}

static void at(struct later *l, uint64_t delay_ns)
{
	assert_int_equal(kern_timer_start(&l->t, host_now() + delay_ns, 0,
					  later_fire, l),
			 0);
}

/* ---- Fixtures. */

static int group_setup(void **state)
{
	(void)state;
	host_kernel_init();
	return 0;
}

static int setup(void **state)
{
	(void)state;
	stuck_before = host_stuck();
	return 0;
}

/* Every test closes what it opened and never waits forever. What a
 * failed test left open is closed here, for the next test. */
static int teardown(void **state)
{
	int left = host_fd_count() - 3;

	(void)state;
	for (int fd = 3; host_fd_count() > 3 && fd < KERN_FD_MAX; fd++)
		SYS(SYS_close, fd);
	host_advance(5 * HOST_S); /* let closing connections finish */
	if (left) {
		fprintf(stderr, "descriptors left open: %d\n", left);
		return -1;
	}
	if (host_stuck() != stuck_before) {
		fprintf(stderr, "a call waited forever\n");
		return -1;
	}
	return 0;
}

/* ---- Argument and descriptor errors. */

static void test_bad_descriptors(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len = loop_addr(AF_INET, 0, 80, &ss);
	int v, fd;

	(void)state;
	assert_int_equal(SYS(SYS_bind, 999, &ss, len), -EBADF);
	assert_int_equal(SYS(SYS_connect, -1, &ss, len), -EBADF);
	assert_int_equal(SYS(SYS_listen, 1, 1), -ENOTSOCK);
	assert_int_equal(SYS(SYS_accept, 0, NULL, NULL), -ENOTSOCK);
	assert_int_equal(SYS(SYS_getsockopt, 2, SOL_SOCKET, SO_TYPE, &v, &len),
			 -ENOTSOCK);
	assert_int_equal(SYS(SYS_shutdown, 2, SHUT_RD), -ENOTSOCK);
	fd = new_socket(AF_INET, SOCK_STREAM);
	close_fd(fd);
	assert_int_equal(SYS(SYS_connect, fd, &ss, len), -EBADF);
	assert_int_equal(SYS(SYS_sendto, fd, "x", 1, 0, NULL, 0), -EBADF);
	assert_int_equal(SYS(SYS_close, fd), -EBADF);
}

static void test_bad_arguments(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len = loop_addr(AF_INET, 0, 80, &ss);
	char buf[4];
	int t, u;

	(void)state;
	assert_int_equal(SYS(SYS_socket, AF_UNIX, SOCK_STREAM, 0),
			 -EAFNOSUPPORT);
	assert_int_equal(SYS(SYS_socket, AF_INET, SOCK_STREAM, IPPROTO_UDP),
			 -EPROTONOSUPPORT);
	t = new_socket(AF_INET, SOCK_STREAM);
	u = new_socket(AF_INET, SOCK_DGRAM);
	assert_int_equal(SYS(SYS_bind, t, &ss, len - 1), -EINVAL);
	assert_int_equal(SYS(SYS_listen, u, 1), -EOPNOTSUPP);
	assert_int_equal(SYS(SYS_accept, t, NULL, NULL), -EINVAL);
	assert_int_equal(SYS(SYS_accept4, t, NULL, NULL, 0x4000000), -EINVAL);
	assert_int_equal(SYS(SYS_recvfrom, t, buf, 4, 0), -ENOTCONN);
	assert_int_equal(SYS(SYS_getpeername, t, &ss, &len), -ENOTCONN);
	assert_int_equal(SYS(SYS_shutdown, t, SHUT_WR), -ENOTCONN);
	assert_int_equal(SYS(SYS_shutdown, t, 7), -EINVAL);
	assert_int_equal(SYS(SYS_sendto, u, "x", 1, 0, NULL, 0), -EDESTADDRREQ);
	close_fd(t);
	close_fd(u);
}

/* ---- TCP connection set-up. */

/* Blocking connect and accept over 127.0.0.1; addresses both ways. */
static void test_connect_accept_v4(void **state)
{
	struct sockaddr_storage peer, ss;
	socklen_t plen = sizeof(peer);
	uint16_t port;
	int l = listener(AF_INET, 4, &port), c, s;

	(void)state;
	assert_int_equal(get_int(l, SOL_SOCKET, SO_ACCEPTCONN), 1);
	c = new_socket(AF_INET, SOCK_STREAM);
	assert_int_equal(get_int(c, SOL_SOCKET, SO_ACCEPTCONN), 0);
	assert_int_equal(connect_to(c, AF_INET, 0, port), 0);
	s = (int)SYS(SYS_accept, l, &peer, &plen);
	assert_true(s >= 3);
	assert_loop_addr(&peer, plen, AF_INET, 0, local_port(c));
	assert_loop_addr(&ss, name_of(c, 0, &ss), AF_INET, 0, port);
	assert_loop_addr(&ss, name_of(s, 1, &ss), AF_INET, 0, port);
	assert_loop_addr(&ss, name_of(s, 0, &ss), AF_INET, 0, local_port(c));
	write_all(c, "hello");
	read_expect(s, "hello");
	write_all(s, "world");
	read_expect(c, "world");
	assert_int_equal(connect_to(c, AF_INET, 0, port), -EISCONN);
	close_fd(c);
	close_fd(s);
	close_fd(l);
}

/* Non-blocking connect: EINPROGRESS, EALREADY, then writable with
 * SO_ERROR 0, then EISCONN; non-blocking accept says EAGAIN when no
 * connection waits. */
static void test_connect_nonblocking(void **state)
{
	uint16_t port;
	int l = listener(AF_INET, 4, &port), c, s;
	short ev;

	(void)state;
	set_nonblock(l);
	assert_int_equal(SYS(SYS_accept, l, NULL, NULL), -EAGAIN);
	c = new_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
	assert_int_equal(connect_to(c, AF_INET, 0, port), -EINPROGRESS);
	assert_int_equal(connect_to(c, AF_INET, 0, port), -EALREADY);
	ev = poll1(c, POLLOUT, 1000);
	assert_true(ev & POLLOUT);
	assert_false(ev & (POLLERR | POLLHUP));
	assert_int_equal(get_int(c, SOL_SOCKET, SO_ERROR), 0);
	assert_int_equal(connect_to(c, AF_INET, 0, port), -EISCONN);
	s = (int)SYS(SYS_accept, l, NULL, NULL);
	assert_true(s >= 3);
	assert_int_equal(SYS(SYS_accept, l, NULL, NULL), -EAGAIN);
	close_fd(s);
	close_fd(c);
	close_fd(l);
}

static void connect_later(struct later *l)
{
	assert_int_equal(connect_to(l->fd, AF_INET, 0, (uint16_t)l->fd2),
			 -EINPROGRESS);
}

/* A blocking accept waits in the loop until a connection arrives. */
static void test_accept_blocks_until_connect(void **state)
{
	struct later lt = { .fn = connect_later };
	uint16_t port;
	int l = listener(AF_INET, 4, &port), s;
	uint64_t t0 = host_now();

	(void)state;
	lt.fd = new_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
	lt.fd2 = port;
	at(&lt, 50 * HOST_MS);
	s = (int)SYS(SYS_accept, l, NULL, NULL);
	assert_true(s >= 3);
	assert_true(lt.done);
	assert_true(host_now() >= t0 + 50 * HOST_MS);
	assert_true(poll1(lt.fd, POLLOUT, 1000) & POLLOUT);
	close_fd(s);
	close_fd(lt.fd);
	close_fd(l);
}

static void test_accept4_flags(void **state)
{
	uint16_t port;
	int l = listener(AF_INET, 4, &port), c, s;
	char b;

	(void)state;
	c = new_socket(AF_INET, SOCK_STREAM);
	assert_int_equal(connect_to(c, AF_INET, 0, port), 0);
	s = (int)SYS(SYS_accept4, l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	assert_true(s >= 3);
	assert_true(SYS(SYS_fcntl, s, F_GETFL) & O_NONBLOCK);
	assert_int_equal(SYS(SYS_fcntl, s, F_GETFD), FD_CLOEXEC);
	assert_int_equal(SYS(SYS_read, s, &b, 1), -EAGAIN);
	close_fd(c);
	close_fd(s);
	close_fd(l);
}

/* listen(2) queues at most backlog connections; one more is reset. A
 * freed slot takes the next connection. */
static void test_backlog(void **state)
{
	uint16_t port;
	int l = listener(AF_INET, 2, &port), c[4], s[3];

	(void)state;
	set_nonblock(l);
	for (int i = 0; i < 3; i++) {
		c[i] = new_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
		assert_int_equal(connect_to(c[i], AF_INET, 0, port),
				 -EINPROGRESS);
	}
	host_run();
	assert_true(poll1(l, POLLIN, 0) & POLLIN);
	s[0] = (int)SYS(SYS_accept, l, NULL, NULL);
	s[1] = (int)SYS(SYS_accept, l, NULL, NULL);
	assert_true(s[0] >= 3 && s[1] >= 3);
	/* the third SYN found the backlog full: ignored, as on Linux; the
	 * client is still connecting, and gets in when it sends it again */
	assert_int_equal(SYS(SYS_accept, l, NULL, NULL), -EAGAIN);
	assert_false(poll1(l, POLLIN, 0) & POLLIN);
	assert_false(poll1(c[2], POLLOUT, 0) & (POLLOUT | POLLERR));
	host_advance(4 * HOST_S);
	assert_true(poll1(c[2], POLLOUT, 0) & POLLOUT);
	assert_int_equal(get_int(c[2], SOL_SOCKET, SO_ERROR), 0);
	s[2] = (int)SYS(SYS_accept, l, NULL, NULL);
	assert_true(s[2] >= 3);
	c[3] = new_socket(AF_INET, SOCK_STREAM);
	assert_int_equal(connect_to(c[3], AF_INET, 0, port), 0);
	close_fd(s[2]);
	s[2] = (int)SYS(SYS_accept, l, NULL, NULL);
	assert_true(s[2] >= 3);
	for (int i = 0; i < 4; i++)
		close_fd(c[i]);
	for (int i = 0; i < 3; i++)
		close_fd(s[i]);
	close_fd(l);
}

/* Connections waiting to be accepted are reset when the listener
 * closes. */
static void test_close_listener_resets_queue(void **state)
{
	uint16_t port;
	int l = listener(AF_INET, 4, &port), c;
	char b;

	(void)state;
	c = new_socket(AF_INET, SOCK_STREAM);
	assert_int_equal(connect_to(c, AF_INET, 0, port), 0);
	close_fd(l);
	host_run();
	assert_int_equal(SYS(SYS_read, c, &b, 1), -ECONNRESET);
	close_fd(c);
}

static void test_connect_refused(void **state)
{
	int c;
	short ev;

	(void)state;
	c = new_socket(AF_INET, SOCK_STREAM);
	assert_int_equal(connect_to(c, AF_INET, 0, CLOSED_PORT), -ECONNREFUSED);
	/* a new attempt, refused again (not ECONNABORTED) */
	assert_int_equal(connect_to(c, AF_INET, 0, CLOSED_PORT), -ECONNREFUSED);
	close_fd(c);
	c = new_socket(AF_INET6, SOCK_STREAM);
	assert_int_equal(connect_to(c, AF_INET6, 0, CLOSED_PORT),
			 -ECONNREFUSED);
	close_fd(c);
	c = new_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
	assert_int_equal(connect_to(c, AF_INET, 0, CLOSED_PORT), -EINPROGRESS);
	ev = poll1(c, POLLOUT, 1000);
	assert_true(ev & POLLERR);
	assert_true(ev & POLLHUP);
	assert_int_equal(get_int(c, SOL_SOCKET, SO_ERROR), ECONNREFUSED);
	assert_int_equal(get_int(c, SOL_SOCKET, SO_ERROR), 0);
	close_fd(c);
}

/* ---- TCP teardown. */

/* Data then FIN: POLLIN and POLLRDHUP, the data, then EOF for good. */
static void test_read_after_peer_close(void **state)
{
	int c, s;
	char buf[8];
	short ev;

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	write_all(s, "bye");
	close_fd(s);
	ev = poll1(c, POLLIN | POLLRDHUP, 1000);
	assert_true(ev & POLLIN);
	assert_true(ev & POLLRDHUP);
	assert_false(ev & POLLERR);
	read_expect(c, "bye");
	assert_int_equal(SYS(SYS_read, c, buf, sizeof(buf)), 0);
	assert_int_equal(SYS(SYS_read, c, buf, sizeof(buf)), 0);
	close_fd(c);
}

/* Closing with unread data resets the connection (as Linux does): the
 * peer sees POLLERR and ECONNRESET once, then EOF, and EPIPE writing. */
static void test_close_unread_resets_peer(void **state)
{
	int c, s;
	char buf[8];
	short ev;

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	write_all(c, "unread");
	host_run();
	assert_int_equal(fionread(s), 6);
	close_fd(s);
	host_run();
	ev = poll1(c, POLLIN, 0);
	assert_true(ev & POLLERR);
	assert_true(ev & POLLHUP);
	assert_int_equal(SYS(SYS_read, c, buf, sizeof(buf)), -ECONNRESET);
	assert_int_equal(SYS(SYS_read, c, buf, sizeof(buf)), 0);
	assert_int_equal(SYS(SYS_write, c, "x", 1), -EPIPE);
	close_fd(c);
}

/* Writing to a peer that has closed: the first write is taken, the
 * peer answers with a reset, then ECONNRESET once and EPIPE after. */
static void test_write_after_peer_close(void **state)
{
	int c, s;

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	close_fd(s);
	host_run();
	assert_int_equal(SYS(SYS_write, c, "x", 1), 1);
	assert_true(poll1(c, POLLOUT, 1000) & POLLERR);
	assert_int_equal(SYS(SYS_write, c, "x", 1), -ECONNRESET);
	assert_int_equal(SYS(SYS_write, c, "x", 1), -EPIPE);
	close_fd(c);
}

static void close_later(struct later *l)
{
	close_fd(l->fd);
}

/* A reader blocked in read() is woken by the peer's reset. */
static void test_peer_abort_wakes_reader(void **state)
{
	struct later lt = { .fn = close_later };
	int c, s;
	char buf[8];

	(void)state;
	tcp_pair(AF_INET6, &c, &s);
	write_all(c, "left");
	lt.fd = s;
	at(&lt, 30 * HOST_MS);
	assert_int_equal(SYS(SYS_read, c, buf, sizeof(buf)), -ECONNRESET);
	assert_true(lt.done);
	close_fd(c);
}

/* shutdown(SHUT_WR): the peer reads EOF and may still send; writing
 * after it is EPIPE; the peer's close then hangs the socket up. */
static void test_shutdown_write(void **state)
{
	int c, s;
	char buf[8];
	short ev;

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	assert_int_equal(SYS(SYS_shutdown, c, SHUT_WR), 0);
	assert_int_equal(SYS(SYS_read, s, buf, sizeof(buf)), 0);
	ev = poll1(s, POLLIN | POLLRDHUP | POLLOUT, 0);
	assert_true(ev & POLLRDHUP);
	assert_true(ev & POLLOUT);
	assert_false(ev & POLLHUP);
	assert_int_equal(SYS(SYS_write, c, "x", 1), -EPIPE);
	assert_int_equal(SYS(SYS_sendto, c, "x", 1, MSG_NOSIGNAL, NULL, 0),
			 -EPIPE);
	/* writable, so that a writer wakes to learn EPIPE (as on Linux) */
	assert_true(poll1(c, POLLOUT, 0) & POLLOUT);
	write_all(s, "half");
	read_expect(c, "half");
	close_fd(s);
	assert_int_equal(SYS(SYS_read, c, buf, sizeof(buf)), 0);
	ev = poll1(c, POLLIN, 0);
	assert_true(ev & POLLHUP);
	assert_true(ev & POLLIN);
	close_fd(c);
}

/* Both FINs through while the socket stays open: after the peer's FIN,
 * shutdown(SHUT_WR) ends the connection cleanly (lwIP's ERR_CLSD is no
 * error), reads keep saying EOF. */
static void test_shutdown_after_peer_fin(void **state)
{
	int c, s;
	char buf[8];
	short ev;

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	close_fd(s);
	assert_int_equal(SYS(SYS_read, c, buf, sizeof(buf)), 0);
	assert_int_equal(SYS(SYS_shutdown, c, SHUT_WR), 0);
	host_advance(HOST_S);
	assert_int_equal(SYS(SYS_read, c, buf, sizeof(buf)), 0);
	assert_int_equal(get_int(c, SOL_SOCKET, SO_ERROR), 0);
	ev = poll1(c, POLLIN | POLLOUT, 0);
	assert_true(ev & POLLHUP);
	assert_false(ev & POLLERR);
	close_fd(c);
}

/* The side that closes first ends in TIME_WAIT, which lwIP frees
 * without a callback after 2 MSL: a socket still open then must not
 * touch the freed pcb (ASan watches). */
static void test_time_wait_then_close(void **state)
{
	int c, s;
	char buf[8];

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	assert_int_equal(SYS(SYS_shutdown, c, SHUT_WR), 0);
	assert_int_equal(SYS(SYS_read, s, buf, sizeof(buf)), 0);
	close_fd(s);
	assert_int_equal(SYS(SYS_read, c, buf, sizeof(buf)), 0);
	host_advance(300 * HOST_S); /* c's pcb: TIME_WAIT, then freed */
	assert_int_equal(SYS(SYS_read, c, buf, sizeof(buf)), 0);
	assert_true(poll1(c, POLLIN, 0) & POLLHUP);
	assert_int_equal(SYS(SYS_write, c, "x", 1), -EPIPE);
	close_fd(c);
}

/* shutdown(SHUT_RD): reads return EOF at once. */
static void test_shutdown_read(void **state)
{
	int c, s;
	char buf[8];

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	assert_int_equal(SYS(SYS_shutdown, c, SHUT_RD), 0);
	assert_int_equal(SYS(SYS_read, c, buf, sizeof(buf)), 0);
	assert_true(poll1(c, POLLIN, 0) & POLLIN);
	write_all(c, "still");
	read_expect(s, "still");
	close_fd(c);
	close_fd(s);
}

/* ---- Readiness. */

static void test_poll_readiness(void **state)
{
	uint16_t port;
	int l = listener(AF_INET, 4, &port), c, s;
	uint64_t t0 = host_now();
	char buf[4];

	(void)state;
	assert_int_equal(poll1(l, POLLIN, 100), 0);
	assert_true(host_now() >= t0 + 100 * HOST_MS);
	c = new_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
	/* unconnected: hung up but writable, as on Linux */
	assert_int_equal(poll1(c, POLLIN | POLLOUT, 0), POLLOUT | POLLHUP);
	assert_int_equal(connect_to(c, AF_INET, 0, port), -EINPROGRESS);
	assert_int_equal(poll1(l, POLLIN | POLLOUT, 1000), POLLIN);
	s = (int)SYS(SYS_accept, l, NULL, NULL);
	assert_true(s >= 3);
	assert_int_equal(poll1(c, POLLIN | POLLOUT, 0), POLLOUT);
	write_all(s, "0123456789");
	assert_true(poll1(c, POLLIN, 1000) & POLLIN);
	assert_int_equal(fionread(c), 10);
	assert_int_equal(SYS(SYS_read, c, buf, 4), 4);
	assert_int_equal(fionread(c), 6);
	close_fd(s);
	close_fd(c);
	close_fd(l);
	assert_int_equal(poll1(c, POLLIN, 0), POLLNVAL);
}

static int ep_wait(int ep, struct epoll_event *ev, int ms)
{
	long r = SYS(SYS_epoll_wait, ep, ev, 4, ms);

	assert_true(r >= 0);
	return (int)r;
}

static void ep_add(int ep, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	assert_int_equal(SYS(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, fd, &ev), 0);
}

/* Edge-triggered: one report per arrival, none while data merely sits;
 * EPOLLRDHUP at FIN. */
static void test_epoll_edge(void **state)
{
	struct epoll_event ev[4];
	int c, s, ep = (int)SYS(SYS_epoll_create1, 0);

	(void)state;
	assert_true(ep >= 3);
	tcp_pair(AF_INET, &c, &s);
	ep_add(ep, c, EPOLLIN | EPOLLET | EPOLLRDHUP);
	assert_int_equal(ep_wait(ep, ev, 0), 0);
	write_all(s, "a");
	assert_int_equal(ep_wait(ep, ev, 1000), 1);
	assert_int_equal(ev[0].data.fd, c);
	assert_int_equal(ev[0].events, EPOLLIN);
	assert_int_equal(ep_wait(ep, ev, 0), 0);
	write_all(s, "b");
	assert_int_equal(ep_wait(ep, ev, 1000), 1);
	assert_int_equal(SYS(SYS_shutdown, s, SHUT_WR), 0);
	assert_int_equal(ep_wait(ep, ev, 1000), 1);
	assert_int_equal(ev[0].events, EPOLLIN | EPOLLRDHUP);
	close_fd(c); /* leaves the set */
	assert_int_equal(ep_wait(ep, ev, 0), 0);
	close_fd(s);
	close_fd(ep);
}

/* Level-triggered and one-shot; a listener is readable while a
 * connection waits. */
static void test_epoll_level_oneshot(void **state)
{
	struct epoll_event ev[4], mod = { .events = EPOLLIN | EPOLLONESHOT };
	uint16_t port;
	int l = listener(AF_INET6, 4, &port), c, s;
	int ep = (int)SYS(SYS_epoll_create1, EPOLL_CLOEXEC);

	(void)state;
	ep_add(ep, l, EPOLLIN);
	assert_int_equal(ep_wait(ep, ev, 0), 0);
	c = new_socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK);
	assert_int_equal(connect_to(c, AF_INET6, 0, port), -EINPROGRESS);
	assert_int_equal(ep_wait(ep, ev, 1000), 1);
	assert_int_equal(ev[0].data.fd, l);
	assert_int_equal(ep_wait(ep, ev, 0), 1); /* still waiting */
	s = (int)SYS(SYS_accept, l, NULL, NULL);
	assert_true(s >= 3);
	assert_int_equal(ep_wait(ep, ev, 0), 0);
	ep_add(ep, s, EPOLLIN | EPOLLONESHOT);
	write_all(c, "xy");
	assert_int_equal(ep_wait(ep, ev, 1000), 1);
	assert_int_equal(ev[0].data.fd, s);
	assert_int_equal(ep_wait(ep, ev, 0), 0); /* disabled */
	mod.data.fd = s;
	assert_int_equal(SYS(SYS_epoll_ctl, ep, EPOLL_CTL_MOD, s, &mod), 0);
	assert_int_equal(ep_wait(ep, ev, 0), 1);
	close_fd(s);
	close_fd(c);
	close_fd(l);
	close_fd(ep);
}

/* A reset reports EPOLLERR and EPOLLHUP, asked for or not. */
static void test_epoll_reset(void **state)
{
	struct epoll_event ev[4];
	int c, s, ep = (int)SYS(SYS_epoll_create1, 0);

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	ep_add(ep, c, EPOLLIN | EPOLLET);
	write_all(c, "unread");
	host_run();
	close_fd(s);
	assert_int_equal(ep_wait(ep, ev, 1000), 1);
	assert_int_equal(ev[0].events, EPOLLIN | EPOLLERR | EPOLLHUP);
	close_fd(c);
	close_fd(ep);
}

/* ---- UDP. */

static int udp_bound(int domain, struct sockaddr_storage *ss, socklen_t *len)
{
	int fd = new_socket(domain, SOCK_DGRAM);

	*len = loop_addr(domain, 0, 0, ss);
	bind_any_port(fd, ss, *len);
	*len = name_of(fd, 1, ss);
	return fd;
}

/* sendto/recvfrom with addresses; MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT and
 * FIONREAD on datagrams, whose boundaries are kept. */
static void test_udp_v4(void **state)
{
	struct sockaddr_storage aa, ba, from;
	socklen_t alen, blen, flen = sizeof(from);
	int a = udp_bound(AF_INET, &aa, &alen),
	    b = udp_bound(AF_INET, &ba, &blen);
	char buf[16] = { 0 };

	(void)state;
	assert_int_equal(SYS(SYS_sendto, b, "one", 3, 0, &aa, alen), 3);
	assert_int_equal(SYS(SYS_sendto, b, "two2", 4, 0, &aa, alen), 4);
	host_run();
	assert_int_equal(fionread(a), 3);
	assert_int_equal(
		SYS(SYS_recvfrom, a, buf, sizeof(buf), MSG_PEEK, &from, &flen),
		3);
	assert_int_equal(flen, blen);
	assert_memory_equal(&from, &ba, blen);
	assert_int_equal(fionread(a), 3);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(SYS(SYS_recvfrom, a, buf, 2, MSG_TRUNC, NULL, NULL),
			 3);
	assert_string_equal(buf, "on");
	assert_int_equal(SYS(SYS_recvfrom, a, buf, sizeof(buf), 0, NULL, NULL),
			 4);
	assert_memory_equal(buf, "two2", 4);
	assert_int_equal(SYS(SYS_recvfrom, a, buf, sizeof(buf), MSG_DONTWAIT),
			 -EAGAIN);
	assert_int_equal(poll1(a, POLLIN | POLLOUT | POLLWRNORM, 0),
			 POLLOUT | POLLWRNORM);
	close_fd(a);
	close_fd(b);
}

/* connect() sets the default peer: send/read without addresses,
 * getpeername. */
static void test_udp_connected(void **state)
{
	struct sockaddr_storage aa, ba, ss, from;
	socklen_t alen, blen, flen = sizeof(from);
	int a = udp_bound(AF_INET, &aa, &alen),
	    b = udp_bound(AF_INET, &ba, &blen);
	char buf[8];

	(void)state;
	assert_int_equal(SYS(SYS_connect, a, &ba, blen), 0);
	assert_int_equal(name_of(a, 0, &ss), blen);
	assert_memory_equal(&ss, &ba, blen);
	assert_int_equal(SYS(SYS_write, a, "hi", 2), 2);
	assert_int_equal(
		SYS(SYS_recvfrom, b, buf, sizeof(buf), 0, &from, &flen), 2);
	assert_memory_equal(&from, &aa, alen);
	assert_int_equal(SYS(SYS_sendto, b, "yo", 2, 0, &aa, alen), 2);
	assert_int_equal(SYS(SYS_read, a, buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "yo", 2);
	close_fd(a);
	close_fd(b);
}

/* One datagram gathered by sendmsg, scattered by recvmsg with the
 * sender's address; MSG_TRUNC in msg_flags when it did not fit. */
static void test_udp_msg(void **state)
{
	struct sockaddr_storage aa, ba, from;
	socklen_t alen, blen;
	int a = udp_bound(AF_INET6, &aa, &alen),
	    b = udp_bound(AF_INET6, &ba, &blen);
	char p1[3], p2[8] = { 0 };
	struct iovec out[2] = { { "abc", 3 }, { "defgh", 5 } };
	struct iovec in[2] = { { p1, sizeof(p1) }, { p2, 4 } };
	struct msghdr m = { .msg_name = &aa,
			    .msg_namelen = alen,
			    .msg_iov = out,
			    .msg_iovlen = 2 };

	(void)state;
	assert_int_equal(SYS(SYS_sendmsg, b, &m, 0), 8);
	m = (struct msghdr){ .msg_name = &from,
			     .msg_namelen = sizeof(from),
			     .msg_iov = in,
			     .msg_iovlen = 2 };
	assert_int_equal(SYS(SYS_recvmsg, a, &m, 0), 7);
	assert_memory_equal(p1, "abc", 3);
	assert_memory_equal(p2, "defg", 4);
	assert_true(m.msg_flags & MSG_TRUNC);
	assert_int_equal(m.msg_namelen, blen);
	assert_memory_equal(&from, &ba, blen);
	close_fd(a);
	close_fd(b);
}

/* SO_RCVTIMEO bounds a blocking receive (in simulated time). */
static void test_udp_rcvtimeo(void **state)
{
	struct sockaddr_storage aa;
	socklen_t alen;
	int a = udp_bound(AF_INET, &aa, &alen);
	struct timeval tv = { 0, 200000 };
	uint64_t t0 = host_now();
	char buf[4];

	(void)state;
	assert_int_equal(SYS(SYS_setsockopt, a, SOL_SOCKET, SO_RCVTIMEO, &tv,
			     sizeof(tv)),
			 0);
	assert_int_equal(SYS(SYS_read, a, buf, sizeof(buf)), -EAGAIN);
	assert_true(host_now() >= t0 + 200 * HOST_MS);
	assert_true(host_now() < t0 + 1000 * HOST_MS);
	close_fd(a);
}

/* A dual-stack socket receives from IPv4 senders, named ::ffff:a.b.c.d. */
static void test_udp_dual_stack(void **state)
{
	struct sockaddr_storage ss, from, v4;
	socklen_t len = any_addr(AF_INET6, 0, &ss), flen = sizeof(from);
	int a = new_socket(AF_INET6, SOCK_DGRAM), b;
	char buf[4];

	(void)state;
	bind_any_port(a, &ss, len);
	b = new_socket(AF_INET, SOCK_DGRAM);
	len = loop_addr(AF_INET, 0, local_port(a), &v4);
	assert_int_equal(SYS(SYS_sendto, b, "v4", 2, 0, &v4, len), 2);
	assert_int_equal(
		SYS(SYS_recvfrom, a, buf, sizeof(buf), 0, &from, &flen), 2);
	assert_loop_addr(&from, flen, AF_INET6, 1, local_port(b));
	close_fd(a);
	close_fd(b);
}

/* ---- recvmmsg and sendmmsg. */

/* Entry i of v (n entries) receives into bufs[i] (16 bytes) with its
 * sender in names[i]. */
static void mmsg_in(struct mmsghdr *v, struct iovec *iov, char (*bufs)[16],
		    struct sockaddr_storage *names, int n)
{
	memset(v, 0, sizeof(*v) * (size_t)n);
	for (int i = 0; i < n; i++) {
		memset(bufs[i], 0, sizeof(bufs[i]));
		iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
		v[i].msg_hdr.msg_iov = &iov[i];
		v[i].msg_hdr.msg_iovlen = 1;
		v[i].msg_hdr.msg_name = &names[i];
		v[i].msg_hdr.msg_namelen = sizeof(names[i]);
		v[i].msg_len = 0xdead;
	}
}

/* Entry i of v sends the string msgs[i] to (to, tolen). */
static void mmsg_out(struct mmsghdr *v, struct iovec *iov, const char **msgs,
		     int n, struct sockaddr_storage *to, socklen_t tolen)
{
	memset(v, 0, sizeof(*v) * (size_t)n);
	for (int i = 0; i < n; i++) {
		iov[i] = (struct iovec){ (void *)msgs[i], strlen(msgs[i]) };
		v[i].msg_hdr.msg_iov = &iov[i];
		v[i].msg_hdr.msg_iovlen = 1;
		v[i].msg_hdr.msg_name = to;
		v[i].msg_hdr.msg_namelen = tolen;
		v[i].msg_len = 0xdead;
	}
}

/* A batch sent by sendmmsg (msg_len: each one's bytes, gathered from two
 * segments for one), received by recvmmsg with a vector longer than the
 * queue: what is there, each entry's msg_len, bytes and sender; vlen 0
 * is 0 for both; a datagram longer than its entry is cut (MSG_TRUNC in
 * its msg_flags, msg_len the bytes stored). */
static void test_mmsg_udp(void **state)
{
	static const char *msgs[] = { "one", "second", "3" };
	struct sockaddr_storage aa, ba, names[8];
	socklen_t alen, blen;
	int a = udp_bound(AF_INET, &aa, &alen),
	    b = udp_bound(AF_INET, &ba, &blen);
	struct mmsghdr v[8];
	struct iovec iov[8], two[2] = { { "sec", 3 }, { "ond", 3 } };
	char bufs[8][16];

	(void)state;
	mmsg_out(v, iov, msgs, 3, &aa, alen);
	v[1].msg_hdr.msg_iov = two;
	v[1].msg_hdr.msg_iovlen = 2;
	assert_int_equal(SYS(SYS_sendmmsg, b, v, 0, 0), 0);
	assert_int_equal(v[0].msg_len, 0xdead);
	assert_int_equal(SYS(SYS_sendmmsg, b, v, 3, 0), 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(v[i].msg_len, strlen(msgs[i]));
	host_run();
	mmsg_in(v, iov, bufs, names, 8);
	assert_int_equal(SYS(SYS_recvmmsg, a, v, 0, MSG_DONTWAIT, NULL), 0);
	assert_int_equal(v[0].msg_len, 0xdead);
	assert_int_equal(SYS(SYS_recvmmsg, a, v, 8, MSG_DONTWAIT, NULL), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(v[i].msg_len, strlen(msgs[i]));
		assert_string_equal(bufs[i], msgs[i]);
		assert_int_equal(v[i].msg_hdr.msg_flags, 0);
		assert_int_equal(v[i].msg_hdr.msg_namelen, blen);
		assert_memory_equal(&names[i], &ba, blen);
	}
	assert_int_equal(v[3].msg_len, 0xdead); /* untouched */
	assert_int_equal(SYS(SYS_recvmmsg, a, v, 8, MSG_DONTWAIT, NULL),
			 -EAGAIN);
	assert_int_equal(
		SYS(SYS_sendto, b, "0123456789abcdefXYZ", 19, 0, &aa, alen),
		19);
	host_run();
	mmsg_in(v, iov, bufs, names, 8);
	assert_int_equal(SYS(SYS_recvmmsg, a, v, 8, MSG_DONTWAIT, NULL), 1);
	assert_int_equal(v[0].msg_len, 16);
	assert_memory_equal(bufs[0], "0123456789abcdef", 16);
	assert_true(v[0].msg_hdr.msg_flags & MSG_TRUNC);
	close_fd(a);
	close_fd(b);
}

static void send_late(struct later *l)
{
	assert_int_equal(SYS(SYS_write, l->fd, "late", 4), 4);
}

/* Blocking recvmmsg: without MSG_WAITFORONE it waits to fill the vector
 * (the second datagram comes later); with it, it returns what is queued
 * at once, and waits only when nothing is. */
static void test_mmsg_waitforone(void **state)
{
	struct sockaddr_storage aa, ba, names[4];
	socklen_t alen, blen;
	int a = udp_bound(AF_INET, &aa, &alen),
	    b = udp_bound(AF_INET, &ba, &blen);
	struct later lt = { .fn = send_late };
	struct mmsghdr v[4];
	struct iovec iov[4];
	char bufs[4][16];
	uint64_t t0;

	(void)state;
	assert_int_equal(SYS(SYS_connect, b, &aa, alen), 0);
	lt.fd = b;
	assert_int_equal(SYS(SYS_write, b, "now", 3), 3);
	host_run();
	mmsg_in(v, iov, bufs, names, 4);
	t0 = host_now();
	at(&lt, 300 * HOST_MS);
	assert_int_equal(SYS(SYS_recvmmsg, a, v, 2, 0, NULL), 2);
	assert_true(lt.done && host_now() >= t0 + 300 * HOST_MS);
	assert_string_equal(bufs[0], "now");
	assert_string_equal(bufs[1], "late");
	assert_int_equal(v[1].msg_len, 4);

	/* with MSG_WAITFORONE: two queued, four asked for, no wait */
	assert_int_equal(SYS(SYS_write, b, "x", 1), 1);
	assert_int_equal(SYS(SYS_write, b, "yy", 2), 2);
	host_run();
	mmsg_in(v, iov, bufs, names, 4);
	t0 = host_now();
	assert_int_equal(SYS(SYS_recvmmsg, a, v, 4, MSG_WAITFORONE, NULL), 2);
	assert_true(host_now() == t0);
	assert_int_equal(v[0].msg_len, 1);
	assert_int_equal(v[1].msg_len, 2);
	assert_string_equal(bufs[1], "yy");

	/* nothing queued: it waits for the first */
	lt.done = 0;
	at(&lt, 200 * HOST_MS);
	mmsg_in(v, iov, bufs, names, 4);
	assert_int_equal(SYS(SYS_recvmmsg, a, v, 4, MSG_WAITFORONE, NULL), 1);
	assert_true(lt.done && host_now() >= t0 + 200 * HOST_MS);
	assert_string_equal(bufs[0], "late");
	/* a non-blocking socket: EAGAIN at once */
	set_nonblock(a);
	assert_int_equal(SYS(SYS_recvmmsg, a, v, 4, MSG_WAITFORONE, NULL),
			 -EAGAIN);
	close_fd(a);
	close_fd(b);
}

/* recvmmsg's timeout bounds the whole call (in simulated time): with
 * nothing coming, EAGAIN once it passes; with one datagram of two, that
 * one once it passes, and the time left (none) written back; a zero
 * timeout takes what is queued without waiting. A bad timeout is EINVAL
 * or EFAULT before anything is taken. */
static void test_mmsg_timeout(void **state)
{
	struct sockaddr_storage aa, names[2];
	socklen_t alen;
	int a = udp_bound(AF_INET, &aa, &alen),
	    b = new_socket(AF_INET, SOCK_DGRAM);
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	struct mmsghdr v[2];
	struct iovec iov[2];
	char bufs[2][16];
	uint64_t t0 = host_now();

	(void)state;
	mmsg_in(v, iov, bufs, names, 2);
	assert_int_equal(SYS(SYS_recvmmsg, a, v, 2, 0, &ts), -EAGAIN);
	assert_true(host_now() >= t0 + 200 * HOST_MS);
	assert_true(host_now() < t0 + 1000 * HOST_MS);
	assert_int_equal(SYS(SYS_sendto, b, "one", 3, 0, &aa, alen), 3);
	host_run();
	ts = (struct timespec){ -1, 0 };
	assert_int_equal(SYS(SYS_recvmmsg, a, v, 2, 0, &ts), -EINVAL);
	ts = (struct timespec){ 0, 1000 * 1000 * 1000 };
	assert_int_equal(SYS(SYS_recvmmsg, a, v, 2, 0, &ts), -EINVAL);
	assert_int_equal(SYS(SYS_recvmmsg, a, v, 2, 0, (void *)8), -EFAULT);
	ts = (struct timespec){ 1, 0 };
	t0 = host_now();
	assert_int_equal(SYS(SYS_recvmmsg, a, v, 2, 0, &ts), 1);
	assert_true(host_now() >= t0 + HOST_S);
	assert_int_equal(ts.tv_sec, 0);
	assert_int_equal(ts.tv_nsec, 0);
	assert_string_equal(bufs[0], "one");
	/* a zero timeout takes what is queued and never waits */
	assert_int_equal(SYS(SYS_sendto, b, "two", 3, 0, &aa, alen), 3);
	assert_int_equal(SYS(SYS_sendto, b, "three", 5, 0, &aa, alen), 5);
	host_run();
	ts = (struct timespec){ 0, 0 };
	t0 = host_now();
	mmsg_in(v, iov, bufs, names, 2);
	assert_int_equal(SYS(SYS_recvmmsg, a, v, 2, 0, &ts), 2);
	assert_int_equal(v[1].msg_len, 5);
	assert_int_equal(SYS(SYS_recvmmsg, a, v, 2, 0, &ts), -EAGAIN);
	assert_true(host_now() == t0);
	close_fd(a);
	close_fd(b);
}

/* Bad pointers: a vector that is not the service's is EFAULT with
 * nothing taken or sent; a bad entry after the first ends the call with
 * the count, and what it would have taken stays queued. */
static void test_mmsg_bad_pointers(void **state)
{
	static const char *msgs[] = { "first", "second" };
	struct sockaddr_storage aa, names[2];
	socklen_t alen;
	int a = udp_bound(AF_INET, &aa, &alen),
	    b = new_socket(AF_INET, SOCK_DGRAM);
	struct mmsghdr v[2];
	struct iovec iov[2];
	char bufs[2][16];
	void *wrap = (void *)-4096L;

	(void)state;
	mmsg_out(v, iov, msgs, 2, &aa, alen);
	assert_int_equal(SYS(SYS_sendmmsg, b, NULL, 2, 0), -EFAULT);
	assert_int_equal(SYS(SYS_sendmmsg, b, wrap, 2, 0), -EFAULT);
	iov[1].iov_base = NULL;
	assert_int_equal(SYS(SYS_sendmmsg, b, v, 2, 0), 1); /* the first */
	assert_int_equal(v[0].msg_len, 5);
	assert_int_equal(v[1].msg_len, 0xdead);
	iov[1].iov_base = (void *)msgs[1];
	assert_int_equal(SYS(SYS_sendmmsg, b, &v[1], 1, 0), 1);
	host_run();
	assert_int_equal(fionread(a), 5);
	assert_int_equal(SYS(SYS_recvmmsg, a, NULL, 2, MSG_DONTWAIT, NULL),
			 -EFAULT);
	assert_int_equal(SYS(SYS_recvmmsg, a, wrap, 2, MSG_DONTWAIT, NULL),
			 -EFAULT);
	mmsg_in(v, iov, bufs, names, 2);
	iov[0].iov_base = NULL;
	assert_int_equal(SYS(SYS_recvmmsg, a, v, 2, MSG_DONTWAIT, NULL),
			 -EFAULT);
	assert_int_equal(fionread(a), 5); /* still there */
	mmsg_in(v, iov, bufs, names, 2);
	v[1].msg_hdr.msg_name = (void *)8;
	assert_int_equal(SYS(SYS_recvmmsg, a, v, 2, MSG_DONTWAIT, NULL), 1);
	assert_string_equal(bufs[0], "first");
	assert_int_equal(fionread(a), 6); /* "second" stays */
	mmsg_in(v, iov, bufs, names, 2);
	assert_int_equal(SYS(SYS_recvmmsg, a, v, 2, MSG_DONTWAIT, NULL), 1);
	assert_string_equal(bufs[0], "second");
	assert_int_equal(SYS(SYS_recvmmsg, 999, v, 2, 0, NULL), -EBADF);
	assert_int_equal(SYS(SYS_sendmmsg, 1, v, 2, 0), -ENOTSOCK);
	close_fd(a);
	close_fd(b);
}

/* A vector longer than 1024 (Linux's UIO_MAXIOV) is cut to 1024. */
static void test_mmsg_cap(void **state)
{
	enum {
		N = 1100
	};
	static struct mmsghdr v[N];
	struct sockaddr_storage aa;
	socklen_t alen;
	int a = udp_bound(AF_INET, &aa, &alen),
	    b = new_socket(AF_INET, SOCK_DGRAM);
	struct iovec iov = { "z", 1 };

	(void)state;
	assert_int_equal(SYS(SYS_connect, b, &aa, alen), 0);
	for (int i = 0; i < N; i++)
		v[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov,
						      .msg_iovlen = 1 },
					 .msg_len = 0xdead };
	assert_int_equal(SYS(SYS_sendmmsg, b, v, N, 0), 1024);
	assert_int_equal(v[1023].msg_len, 1);
	assert_int_equal(v[1024].msg_len, 0xdead);
	close_fd(a);
	close_fd(b);
}

/* On TCP they are repeated recvmsg and sendmsg, as on Linux: two sends
 * make one stream, received (MSG_WAITFORONE) as one message. */
static void test_mmsg_tcp(void **state)
{
	static const char *msgs[] = { "abc", "defg" };
	struct sockaddr_storage names[2];
	struct mmsghdr v[2];
	struct iovec iov[2];
	char bufs[2][16];
	int c, s;

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	mmsg_out(v, iov, msgs, 2, NULL, 0);
	assert_int_equal(SYS(SYS_sendmmsg, c, v, 2, 0), 2);
	assert_int_equal(v[0].msg_len, 3);
	assert_int_equal(v[1].msg_len, 4);
	host_advance(HOST_S); /* past Nagle's wait for an ACK */
	mmsg_in(v, iov, bufs, names, 2);
	assert_int_equal(SYS(SYS_recvmmsg, s, v, 2, MSG_WAITFORONE, NULL), 1);
	assert_int_equal(v[0].msg_len, 7);
	assert_string_equal(bufs[0], "abcdefg");
	assert_int_equal(v[1].msg_len, 0xdead);
	close_fd(c);
	close_fd(s);
}

/* ---- Addresses and IPv6. */

static void test_names_v6(void **state)
{
	struct sockaddr_storage peer, ss;
	socklen_t plen = sizeof(peer);
	uint16_t port;
	int l = listener(AF_INET6, 4, &port), c, s;

	(void)state;
	c = new_socket(AF_INET6, SOCK_STREAM);
	assert_int_equal(connect_to(c, AF_INET6, 0, port), 0);
	s = (int)SYS(SYS_accept, l, &peer, &plen);
	assert_true(s >= 3);
	assert_loop_addr(&peer, plen, AF_INET6, 0, local_port(c));
	assert_loop_addr(&ss, name_of(c, 0, &ss), AF_INET6, 0, port);
	assert_loop_addr(&ss, name_of(c, 1, &ss), AF_INET6, 0, local_port(c));
	write_all(s, "six");
	read_expect(c, "six");
	close_fd(c);
	close_fd(s);
	close_fd(l);
}

/* IPv4 peers of AF_INET6 sockets appear v4-mapped, both ways: a
 * dual-stack listener accepting an AF_INET client, and an AF_INET6
 * client connecting to ::ffff:127.0.0.1. */
static void test_v4_mapped(void **state)
{
	struct sockaddr_storage ss, peer;
	socklen_t len = any_addr(AF_INET6, 0, &ss), plen = sizeof(peer);
	int l = new_socket(AF_INET6, SOCK_STREAM), c, s, l4, c6;
	uint16_t port, port4;

	(void)state;
	bind_any_port(l, &ss, len);
	assert_int_equal(SYS(SYS_listen, l, 4), 0);
	port = local_port(l);
	c = new_socket(AF_INET, SOCK_STREAM);
	assert_int_equal(connect_to(c, AF_INET, 0, port), 0);
	s = (int)SYS(SYS_accept, l, &peer, &plen);
	assert_true(s >= 3);
	assert_loop_addr(&peer, plen, AF_INET6, 1, local_port(c));
	assert_loop_addr(&ss, name_of(s, 1, &ss), AF_INET6, 1, port);
	l4 = listener(AF_INET, 4, &port4);
	c6 = new_socket(AF_INET6, SOCK_STREAM);
	assert_int_equal(connect_to(c6, AF_INET6, 1, port4), 0);
	assert_loop_addr(&ss, name_of(c6, 0, &ss), AF_INET6, 1, port4);
	assert_loop_addr(&ss, name_of(c6, 1, &ss), AF_INET6, 1, local_port(c6));
	close_fd(c6);
	close_fd(l4);
	close_fd(c);
	close_fd(s);
	close_fd(l);
}

/* IPV6_V6ONLY: an IPv6-only listener refuses IPv4 clients and leaves
 * the IPv4 wildcard on its port free; fixed once bound. */
static void test_v6only(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len = any_addr(AF_INET6, 0, &ss);
	int l = new_socket(AF_INET6, SOCK_STREAM), c, l4, u;
	uint16_t port;

	(void)state;
	assert_int_equal(get_int(l, IPPROTO_IPV6, IPV6_V6ONLY), 0);
	set_int(l, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	assert_int_equal(get_int(l, IPPROTO_IPV6, IPV6_V6ONLY), 1);
	bind_any_port(l, &ss, len);
	assert_int_equal(SYS(SYS_listen, l, 4), 0);
	port = local_port(l);
	c = new_socket(AF_INET, SOCK_STREAM);
	assert_int_equal(connect_to(c, AF_INET, 0, port), -ECONNREFUSED);
	close_fd(c);
	c = new_socket(AF_INET6, SOCK_STREAM);
	assert_int_equal(connect_to(c, AF_INET6, 0, port), 0);
	close_fd(c);
	l4 = new_socket(AF_INET, SOCK_STREAM);
	len = any_addr(AF_INET, port, &ss);
	assert_int_equal(SYS(SYS_bind, l4, &ss, len), 0);
	u = new_socket(AF_INET, SOCK_DGRAM);
	assert_int_equal(SYS(SYS_setsockopt, u, IPPROTO_IPV6, IPV6_V6ONLY,
			     &(int){ 1 }, sizeof(int)),
			 -ENOPROTOOPT);
	assert_int_equal(SYS(SYS_setsockopt, l, IPPROTO_IPV6, IPV6_V6ONLY,
			     &(int){ 0 }, sizeof(int)),
			 -EINVAL);
	close_fd(u);
	close_fd(l4);
	close_fd(l);
}

/* A port in use gives EADDRINUSE; SO_REUSEADDR lets a server bind its
 * port again while a closed connection on it waits in TIME_WAIT. */
static void test_reuseaddr(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;
	uint16_t port;
	int l = listener(AF_INET, 4, &port), c, s, l2;

	(void)state;
	len = loop_addr(AF_INET, 0, port, &ss);
	l2 = new_socket(AF_INET, SOCK_STREAM);
	assert_int_equal(SYS(SYS_bind, l2, &ss, len), -EADDRINUSE);
	close_fd(l2);
	l2 = new_socket(AF_INET6, SOCK_STREAM); /* dual stack takes v4 too */
	len = any_addr(AF_INET6, port, &ss);
	assert_int_equal(SYS(SYS_bind, l2, &ss, len), -EADDRINUSE);
	close_fd(l2);
	c = new_socket(AF_INET, SOCK_STREAM);
	assert_int_equal(connect_to(c, AF_INET, 0, port), 0);
	s = (int)SYS(SYS_accept, l, NULL, NULL);
	close_fd(s); /* the server closes first: TIME_WAIT on its side */
	close_fd(l);
	host_run();
	assert_int_equal(SYS(SYS_read, c, &(char){ 0 }, 1), 0);
	close_fd(c);
	host_run();
	len = loop_addr(AF_INET, 0, port, &ss);
	l2 = new_socket(AF_INET, SOCK_STREAM);
	assert_int_equal(SYS(SYS_bind, l2, &ss, len), -EADDRINUSE);
	close_fd(l2);
	l2 = new_socket(AF_INET, SOCK_STREAM);
	set_int(l2, SOL_SOCKET, SO_REUSEADDR, 1);
	assert_int_equal(SYS(SYS_bind, l2, &ss, len), 0);
	assert_int_equal(SYS(SYS_listen, l2, 4), 0);
	close_fd(l2);
}

/* ---- Options. */

static void test_options(void **state)
{
	int t = new_socket(AF_INET, SOCK_STREAM),
	    u = new_socket(AF_INET6, SOCK_DGRAM);
	struct timeval tv = { 1, 500000 }, got;
	socklen_t len = sizeof(got);

	(void)state;
	assert_int_equal(get_int(t, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
	assert_int_equal(get_int(u, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
	assert_int_equal(get_int(u, SOL_SOCKET, SO_DOMAIN), AF_INET6);
	assert_int_equal(get_int(t, SOL_SOCKET, SO_REUSEADDR), 0);
	set_int(t, SOL_SOCKET, SO_REUSEADDR, 5);
	assert_int_equal(get_int(t, SOL_SOCKET, SO_REUSEADDR), 1);
	set_int(t, SOL_SOCKET, SO_KEEPALIVE, 1);
	assert_int_equal(get_int(t, SOL_SOCKET, SO_KEEPALIVE), 1);
	set_int(t, IPPROTO_TCP, TCP_NODELAY, 1);
	assert_int_equal(get_int(t, IPPROTO_TCP, TCP_NODELAY), 1);
	set_int(t, SOL_SOCKET, SO_RCVBUF, 65536);
	assert_true(get_int(t, SOL_SOCKET, SO_RCVBUF) >= 65536);
	set_int(t, SOL_SOCKET, SO_SNDBUF, 32768);
	assert_true(get_int(t, SOL_SOCKET, SO_SNDBUF) >= 32768);
	assert_int_equal(SYS(SYS_setsockopt, t, SOL_SOCKET, SO_SNDTIMEO, &tv,
			     sizeof(tv)),
			 0);
	assert_int_equal(
		SYS(SYS_getsockopt, t, SOL_SOCKET, SO_SNDTIMEO, &got, &len), 0);
	assert_int_equal(len, sizeof(got));
	assert_int_equal(got.tv_sec, 1);
	assert_int_equal(got.tv_usec, 500000);
	tv.tv_usec = 1000000;
	assert_int_equal(SYS(SYS_setsockopt, t, SOL_SOCKET, SO_RCVTIMEO, &tv,
			     sizeof(tv)),
			 -EDOM);
	assert_int_equal(SYS(SYS_setsockopt, t, SOL_SOCKET, SO_KEEPALIVE,
			     &(int){ 1 }, 2),
			 -EINVAL);
	assert_int_equal(SYS(SYS_setsockopt, u, IPPROTO_TCP, TCP_NODELAY,
			     &(int){ 1 }, sizeof(int)),
			 -ENOPROTOOPT);
	assert_int_equal(
		SYS(SYS_setsockopt, t, 9999, 1, &(int){ 1 }, sizeof(int)),
		-ENOPROTOOPT);
	assert_int_equal(
		SYS(SYS_getsockopt, t, SOL_SOCKET, SO_TYPE, NULL, &len),
		-EFAULT);
	close_fd(t);
	close_fd(u);
}

static void write_late(struct later *l)
{
	write_all(l->fd, "late");
}

/* Set SO_RCVTIMEO (or SO_SNDTIMEO) of fd to {sec, usec}: the result. */
static long set_timeo(int fd, int opt, long sec, long usec)
{
	struct timeval tv = { sec, usec };

	return SYS(SYS_setsockopt, fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

/* SO_RCVTIMEO and SO_SNDTIMEO as Linux's sock_set_timeout reads them:
 * times too long for nanoseconds in 64 bits are forever (they used to
 * overflow, {2^55 s, 0} to exactly 0: EAGAIN at once), a negative tv_sec
 * is no wait at all, tv_usec outside [0, 1e6) is EDOM. */
static void test_timeout_overflow(void **state)
{
	static const long huge[][2] = {
		{ 1L << 55, 0 },	 /* 2^55 * 1e9 is 0 mod 2^64 */
		{ LONG_MAX, 999999 },	 /* the largest there is */
		{ 9223372036L, 0 },	 /* the first second past int64_t ns */
		{ 9223372035L, 999999 }, /* the last that fits: kept */
	};
	struct later lt = { .fn = write_late };
	struct timeval got;
	socklen_t len = sizeof(got);
	char buf[8] = "";
	uint64_t t0;
	int c, s;

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	lt.fd = s;
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		assert_int_equal(
			set_timeo(c, SO_RCVTIMEO, huge[i][0], huge[i][1]), 0);
		assert_int_equal(
			set_timeo(c, SO_SNDTIMEO, huge[i][0], huge[i][1]), 0);
		assert_int_equal(SYS(SYS_getsockopt, c, SOL_SOCKET, SO_RCVTIMEO,
				     &got, &len),
				 0);
		if (i < 3) { /* forever reads back as {0, 0}, as on Linux */
			assert_int_equal(got.tv_sec, 0);
			assert_int_equal(got.tv_usec, 0);
		} else {
			assert_int_equal(got.tv_sec, huge[i][0]);
			assert_int_equal(got.tv_usec, huge[i][1]);
		}
		t0 = host_now();
		lt.done = 0;
		at(&lt, 2 * HOST_S);
		assert_int_equal(SYS(SYS_read, c, buf, sizeof(buf)), 4);
		assert_memory_equal(buf, "late", 4);
		assert_true(lt.done && host_now() >= t0 + 2 * HOST_S);
	}
	/* a negative tv_sec: accepted, and a read does not wait at all */
	assert_int_equal(set_timeo(c, SO_RCVTIMEO, -1, 0), 0);
	t0 = host_now();
	assert_int_equal(SYS(SYS_read, c, buf, sizeof(buf)), -EAGAIN);
	assert_true(host_now() == t0);
	assert_int_equal(set_timeo(c, SO_RCVTIMEO, 5, -1), -EDOM);
	assert_int_equal(set_timeo(c, SO_SNDTIMEO, -5, 1000000), -EDOM);
	assert_int_equal(SYS(SYS_setsockopt, c, SOL_SOCKET, SO_RCVTIMEO, &got,
			     sizeof(got) - 1),
			 -EINVAL);
	close_fd(c);
	close_fd(s);
}

/* Bad pointers into the socket calls fail with EFAULT (NULL, and ranges
 * that wrap around the address space), before anything is taken: the
 * datagram, the received bytes and the pending connection are still
 * there afterwards. */
static void test_bad_pointers(void **state)
{
	struct sockaddr_storage aa, ss;
	socklen_t alen, len = sizeof(ss);
	int a = udp_bound(AF_INET, &aa, &alen), b, c, s, l, v, ep;
	void *wrap = (void *)-4096L;
	char buf[16] = "";
	struct iovec iov = { NULL, 16 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	uint16_t port;

	(void)state;
	b = new_socket(AF_INET, SOCK_DGRAM);
	assert_int_equal(SYS(SYS_sendto, b, "data", 4, 0, &aa, alen), 4);
	assert_int_equal(SYS(SYS_sendto, b, NULL, 4, 0, &aa, alen), -EFAULT);
	assert_int_equal(SYS(SYS_sendto, b, wrap, 8192, 0, &aa, alen), -EFAULT);
	assert_int_equal(SYS(SYS_sendto, b, "x", 1, 0, (void *)16, alen),
			 -EFAULT);
	assert_int_equal(SYS(SYS_sendmsg, b, NULL, 0), -EFAULT);
	m.msg_name = &aa;
	m.msg_namelen = alen;
	assert_int_equal(SYS(SYS_sendmsg, b, &m, 0), -EFAULT); /* iov base */
	m.msg_name = NULL;
	host_run();
	assert_int_equal(SYS(SYS_recvfrom, a, NULL, 16, 0, 0, 0), -EFAULT);
	assert_int_equal(SYS(SYS_read, a, wrap, 8192), -EFAULT);
	assert_int_equal(SYS(SYS_recvfrom, a, buf, 16, 0, &ss, NULL), -EFAULT);
	assert_int_equal(SYS(SYS_recvfrom, a, buf, 16, 0, (void *)8, &len),
			 -EFAULT);
	assert_int_equal(SYS(SYS_recvmsg, a, NULL, 0), -EFAULT);
	assert_int_equal(SYS(SYS_recvmsg, a, &m, 0), -EFAULT);
	assert_int_equal(SYS(SYS_readv, a, &iov, 1), -EFAULT);
	assert_int_equal(SYS(SYS_readv, a, NULL, 1), -EFAULT);
	assert_int_equal(SYS(SYS_ioctl, a, FIONREAD, NULL), -EFAULT);
	assert_int_equal(fionread(a), 4); /* the datagram is still there */
	assert_int_equal(SYS(SYS_recvfrom, a, buf, 16, 0, &ss, &len), 4);
	assert_memory_equal(buf, "data", 4);
	assert_int_equal(SYS(SYS_bind, b, NULL, alen), -EFAULT);
	assert_int_equal(SYS(SYS_bind, b, &aa, sizeof(ss) + 1), -EINVAL);
	assert_int_equal(SYS(SYS_connect, b, wrap, 8192), -EINVAL);
	assert_int_equal(SYS(SYS_connect, b, wrap, alen), -EFAULT);
	assert_int_equal(SYS(SYS_getsockname, a, NULL, &len), -EFAULT);
	assert_int_equal(SYS(SYS_getsockname, a, &ss, NULL), -EFAULT);
	assert_int_equal(SYS(SYS_setsockopt, a, SOL_SOCKET, SO_REUSEADDR, NULL,
			     sizeof(int)),
			 -EFAULT);
	assert_int_equal(SYS(SYS_getsockopt, a, SOL_SOCKET, SO_TYPE, &v, NULL),
			 -EFAULT);
	len = (socklen_t)-1;
	assert_int_equal(SYS(SYS_getsockopt, a, SOL_SOCKET, SO_TYPE, &v, &len),
			 -EINVAL);
	ep = (int)SYS(SYS_epoll_create1, 0);
	assert_int_equal(SYS(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, a, NULL),
			 -EFAULT);
	assert_int_equal(SYS(SYS_epoll_wait, ep, NULL, 1, 0), -EFAULT);
	assert_int_equal(SYS(SYS_poll, NULL, 1, 0), -EFAULT);
	close_fd(ep);
	close_fd(a);
	close_fd(b);

	/* TCP: received bytes stay, and so does a pending connection */
	tcp_pair(AF_INET, &c, &s);
	write_all(c, "kept");
	host_run();
	assert_int_equal(SYS(SYS_read, s, NULL, 4), -EFAULT);
	assert_int_equal(SYS(SYS_write, c, NULL, 4), -EFAULT);
	assert_int_equal(SYS(SYS_write, c, wrap, 8192), -EFAULT);
	read_expect(s, "kept");
	close_fd(c);
	close_fd(s);
	l = listener(AF_INET, 4, &port);
	c = new_socket(AF_INET, SOCK_STREAM);
	assert_int_equal(connect_to(c, AF_INET, 0, port), 0);
	len = sizeof(ss);
	assert_int_equal(SYS(SYS_accept4, l, &ss, (socklen_t *)8, 0), -EFAULT);
	assert_int_equal(SYS(SYS_accept4, l, (void *)8, &len, 0), -EFAULT);
	s = (int)SYS(SYS_accept4, l, &ss, &len, 0);
	assert_true(s >= 0);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	close_fd(s);
	close_fd(c);
	close_fd(l);
}

/* TCP_NODELAY and SO_KEEPALIVE carry over from listener to accepted
 * socket, as on Linux. */
static void test_options_inherited(void **state)
{
	uint16_t port;
	int l = listener(AF_INET, 4, &port), c, s;

	(void)state;
	set_int(l, IPPROTO_TCP, TCP_NODELAY, 1);
	set_int(l, SOL_SOCKET, SO_KEEPALIVE, 1);
	c = new_socket(AF_INET, SOCK_STREAM);
	assert_int_equal(connect_to(c, AF_INET, 0, port), 0);
	s = (int)SYS(SYS_accept, l, NULL, NULL);
	assert_true(s >= 3);
	assert_int_equal(get_int(s, IPPROTO_TCP, TCP_NODELAY), 1);
	assert_int_equal(get_int(s, SOL_SOCKET, SO_KEEPALIVE), 1);
	assert_int_equal(get_int(c, IPPROTO_TCP, TCP_NODELAY), 0);
	close_fd(c);
	close_fd(s);
	close_fd(l);
}

/* ---- TCP data. */

/* MSG_PEEK leaves the data; MSG_DONTWAIT and FIONBIO say EAGAIN when
 * none is there; readv/writev gather and scatter. */
static void test_tcp_flags(void **state)
{
	int c, s, on = 1;
	char buf[16] = { 0 }, a[3], b[8] = { 0 };
	struct iovec out[3] = { { "ab", 2 }, { "cde", 3 }, { "f", 1 } };
	struct iovec in[2] = { { a, sizeof(a) }, { b, sizeof(b) } };

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	assert_int_equal(SYS(SYS_recvfrom, c, buf, sizeof(buf), MSG_DONTWAIT),
			 -EAGAIN);
	assert_int_equal(SYS(SYS_ioctl, c, FIONBIO, &on), 0);
	assert_int_equal(SYS(SYS_read, c, buf, sizeof(buf)), -EAGAIN);
	write_all(s, "peek");
	host_run();
	assert_int_equal(SYS(SYS_recvfrom, c, buf, sizeof(buf), MSG_PEEK), 4);
	assert_memory_equal(buf, "peek", 4);
	assert_int_equal(fionread(c), 4);
	read_expect(c, "peek");
	set_int(s, IPPROTO_TCP, TCP_NODELAY, 1); /* three segments at once */
	assert_int_equal(SYS(SYS_writev, s, out, 3), 6);
	host_run();
	assert_int_equal(SYS(SYS_readv, c, in, 2), 6);
	assert_memory_equal(a, "abc", 3);
	assert_string_equal(b, "def");
	close_fd(c);
	close_fd(s);
}

/* More than 64 KiB waiting to be read: FIONREAD counts all of it (not
 * a 16-bit pbuf tot_len, which wraps). */
static void test_fionread_large(void **state)
{
	static char chunk[100000];
	int c, s;

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	assert_int_equal(SYS(SYS_write, s, chunk, sizeof(chunk)),
			 sizeof(chunk));
	host_advance(HOST_S);
	assert_int_equal(fionread(c), sizeof(chunk));
	close_fd(c);
	close_fd(s);
}

/* A peer trickling 1-byte segments (TCP_NODELAY): all of it arrives in
 * order, FIONREAD counts it, and the queue gathers it instead of holding
 * a buffer per byte. */
static void test_tiny_segments(void **state)
{
	static char got[3000];
	int c, s, one = 1;

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	assert_int_equal(SYS(SYS_setsockopt, s, IPPROTO_TCP, TCP_NODELAY, &one,
			     sizeof(one)),
			 0);
	for (int i = 0; i < (int)sizeof(got); i++) {
		char b = (char)('a' + i % 26);

		assert_int_equal(SYS(SYS_write, s, &b, 1), 1);
		if (i % 64 == 63)
			host_advance(HOST_MS);
	}
	host_advance(HOST_S);
	assert_int_equal(fionread(c), sizeof(got));
	assert_int_equal(
		SYS(SYS_recvfrom, c, got, sizeof(got), MSG_WAITALL, NULL, NULL),
		sizeof(got));
	for (int i = 0; i < (int)sizeof(got); i++)
		assert_int_equal(got[i], 'a' + i % 26);
	close_fd(c);
	close_fd(s);
}

/* MSG_WAITALL waits for the rest of a message that arrives in parts. */
static void writer(struct later *l)
{
	write_all(l->fd, "world");
}

static void test_waitall(void **state)
{
	struct later l = { .fn = writer };
	char buf[12] = { 0 };
	int c, s;

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	write_all(s, "hello ");
	l.fd = s;
	at(&l, 100 * HOST_MS);
	assert_int_equal(SYS(SYS_recvfrom, c, buf, 11, MSG_WAITALL, NULL, NULL),
			 11);
	assert_true(l.done);
	assert_string_equal(buf, "hello world");
	close_fd(c);
	close_fd(s);
}

/* listen() without bind takes an address of the socket's own family: an
 * AF_INET listener is not reachable over IPv6. */
static void test_listen_unbound_family(void **state)
{
	int l = new_socket(AF_INET, SOCK_STREAM), c;
	uint16_t port;

	(void)state;
	assert_int_equal(SYS(SYS_listen, l, 4), 0);
	port = local_port(l);
	c = new_socket(AF_INET6, SOCK_STREAM);
	assert_int_equal(connect_to(c, AF_INET6, 0, port), -ECONNREFUSED);
	close_fd(c);
	close_fd(l);
}

/* readv and writev move one datagram across all the segments. */
static void test_udp_vectors(void **state)
{
	struct sockaddr_storage aa, ba;
	socklen_t alen, blen;
	int a = udp_bound(AF_INET, &aa, &alen),
	    b = udp_bound(AF_INET, &ba, &blen);
	char p1[4] = { 0 }, p2[8] = { 0 };
	struct iovec out[2] = { { "abcd", 4 }, { "efg", 3 } };
	struct iovec in[2] = { { p1, sizeof(p1) }, { p2, sizeof(p2) } };

	(void)state;
	assert_int_equal(SYS(SYS_connect, b, &aa, alen), 0);
	assert_int_equal(SYS(SYS_writev, b, out, 2), 7);
	assert_int_equal(SYS(SYS_writev, b, out, 1), 4);
	host_advance(HOST_MS);
	assert_int_equal(SYS(SYS_readv, a, in, 2), 7);
	assert_memory_equal(p1, "abcd", 4);
	assert_memory_equal(p2, "efg", 3);
	assert_int_equal(SYS(SYS_readv, a, in, 0), 0); /* takes nothing */
	assert_int_equal(SYS(SYS_readv, a, in, 2), 4); /* the second one */
	close_fd(a);
	close_fd(b);
}

/* ---- Failures and timeouts (frames over loopback lost on purpose). */

/* After a failed non-blocking connect, calling connect() again reports
 * the failure (a common idiom after poll says writable). */
static void test_connect_again_after_failure(void **state)
{
	int c = new_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);

	(void)state;
	assert_int_equal(connect_to(c, AF_INET, 0, CLOSED_PORT), -EINPROGRESS);
	assert_true(poll1(c, POLLOUT, 1000) & POLLERR);
	assert_int_equal(connect_to(c, AF_INET, 0, CLOSED_PORT), -ECONNREFUSED);
	close_fd(c);
}

/* No answer to the SYNs: a blocking connect fails with ETIMEDOUT. */
static void test_connect_timeout(void **state)
{
	int c = new_socket(AF_INET, SOCK_STREAM);
	uint64_t t0 = host_now();
	long r;

	(void)state;
	host_drop_loopback(1);
	r = connect_to(c, AF_INET, 0, CLOSED_PORT);
	host_drop_loopback(0);
	assert_int_equal(r, -ETIMEDOUT);
	assert_true(host_now() - t0 > 10 * HOST_S);
	close_fd(c);
}

/* SO_SNDTIMEO bounds a blocking connect: EINPROGRESS, as on Linux, and
 * the attempt goes on in the background. */
static void test_connect_sndtimeo(void **state)
{
	struct timeval tv = { 0, 200000 };
	uint16_t port;
	int l = listener(AF_INET, 4, &port), c, s;
	uint64_t t0 = host_now();
	long r;

	(void)state;
	c = new_socket(AF_INET, SOCK_STREAM);
	assert_int_equal(SYS(SYS_setsockopt, c, SOL_SOCKET, SO_SNDTIMEO, &tv,
			     sizeof(tv)),
			 0);
	host_drop_loopback(1);
	r = connect_to(c, AF_INET, 0, port);
	host_drop_loopback(0);
	assert_true(host_now() >= t0 + 200 * HOST_MS);
	assert_int_equal(r, -EINPROGRESS);
	assert_true(poll1(c, POLLOUT, 30000) & POLLOUT);
	assert_int_equal(get_int(c, SOL_SOCKET, SO_ERROR), 0);
	s = (int)SYS(SYS_accept, l, NULL, NULL);
	assert_true(s >= 3);
	close_fd(s);
	close_fd(c);
	close_fd(l);
}

/* An established connection whose peer stops answering: the blocked
 * reader gets ETIMEDOUT once lwIP gives up retransmitting. */
static void test_retransmit_timeout(void **state)
{
	int c, s;
	char buf[8];
	uint64_t t0;
	long r;

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	host_drop_loopback(1);
	write_all(c, "lost");
	t0 = host_now();
	r = SYS(SYS_read, c, buf, sizeof(buf));
	host_drop_loopback(0);
	assert_int_equal(r, -ETIMEDOUT);
	assert_true(host_now() - t0 > 10 * HOST_S);
	close_fd(c);
	close_fd(s);
}

/* SO_KEEPALIVE on an idle connection whose peer is gone: ETIMEDOUT
 * after Linux's default 2 h idle and 9 unanswered probes. */
static void test_keepalive_timeout(void **state)
{
	int c, s;
	char buf[8];
	uint64_t t0;
	long r;

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	set_int(c, SOL_SOCKET, SO_KEEPALIVE, 1);
	host_drop_loopback(1);
	t0 = host_now();
	r = SYS(SYS_read, c, buf, sizeof(buf));
	host_drop_loopback(0);
	assert_int_equal(r, -ETIMEDOUT);
	assert_true(host_now() - t0 >= (7200 + 9 * 75) * HOST_S);
	close_fd(c);
	close_fd(s);
}

/* accept() at the descriptor limit says EMFILE and leaves the connection
 * queued for the next accept, as Linux does. */
static void test_accept_emfile(void **state)
{
	uint16_t port;
	int l = listener(AF_INET, 4, &port), c, s, first;

	(void)state;
	set_nonblock(l);
	c = new_socket(AF_INET, SOCK_STREAM);
	assert_int_equal(connect_to(c, AF_INET, 0, port), 0);
	first = (int)SYS(SYS_dup, l);
	assert_true(first > c);
	while (SYS(SYS_dup, l) >= 0)
		;
	assert_int_equal(SYS(SYS_socket, AF_INET, SOCK_DGRAM, 0), -EMFILE);
	assert_int_equal(SYS(SYS_accept, l, NULL, NULL), -EMFILE);
	close_fd(first);
	s = (int)SYS(SYS_accept, l, NULL, NULL);
	for (int fd = first + 1; fd < KERN_FD_MAX; fd++)
		close_fd(fd);
	assert_true(s >= 3);
	write_all(c, "kept");
	read_expect(s, "kept");
	close_fd(s);
	close_fd(c);
	close_fd(l);
}

/* A full send queue: non-blocking write says EAGAIN and POLLOUT goes;
 * SO_SNDTIMEO bounds a blocking write; reading on the other side makes
 * it writable again. */
static void test_send_buffer_full(void **state)
{
	static char chunk[16384];
	struct timeval tv = { 0, 100000 };
	struct epoll_event ev[4];
	int c, s, ep = (int)SYS(SYS_epoll_create1, 0);
	long r, total = 0;
	uint64_t t0;

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	set_nonblock(c);
	for (;;) { /* until the peer's window and our queue are full */
		r = SYS(SYS_write, c, chunk, sizeof(chunk));
		if (r > 0) {
			total += r;
			continue;
		}
		assert_int_equal(r, -EAGAIN);
		if (!(poll1(c, POLLOUT, 0) & POLLOUT))
			break;
	}
	/* the peer's 128 KiB window, and most of our 128 KiB queue */
	assert_true(total > 128 * 1024 + 96 * 1024);
	assert_int_equal(SYS(SYS_fcntl, c, F_SETFL, 0), 0);
	assert_int_equal(SYS(SYS_setsockopt, c, SOL_SOCKET, SO_SNDTIMEO, &tv,
			     sizeof(tv)),
			 0);
	t0 = host_now();
	r = SYS(SYS_write, c, chunk, sizeof(chunk));
	/* EAGAIN, or the little that delayed ACKs freed in the meantime */
	assert_true(r == -EAGAIN || (r > 0 && r < (long)sizeof(chunk)));
	assert_true(host_now() >= t0 + 100 * HOST_MS);
	total += r > 0 ? r : 0;
	ep_add(ep, c, EPOLLOUT | EPOLLET);
	assert_int_equal(ep_wait(ep, ev, 0), 0);
	while (total > 0) {
		r = SYS(SYS_read, s, chunk, sizeof(chunk));
		assert_true(r > 0);
		total -= r;
	}
	assert_int_equal(ep_wait(ep, ev, 1000), 1); /* ACKs made room */
	assert_int_equal(ev[0].events, EPOLLOUT);
	assert_true(poll1(c, POLLOUT, 0) & POLLOUT);
	close_fd(c);
	close_fd(s);
	close_fd(ep);
}

/* 1 MiB from c to s through non-blocking sockets driven by poll, intact
 * and in order. */
static void bulk(int domain)
{
	uint8_t *src = malloc(BULK), *dst = malloc(BULK);
	size_t sent = 0, got = 0;
	uint32_t x = 12345;
	int c, s, rounds = 0;

	assert_non_null(src);
	assert_non_null(dst);
	for (size_t i = 0; i < BULK; i++) {
		x = x * 1103515245 + 12345;
		src[i] = (uint8_t)(x >> 16);
	}
	tcp_pair(domain, &c, &s);
	set_nonblock(c);
	set_nonblock(s);
	while (got < BULK) {
		struct pollfd p[2] = { { c, sent < BULK ? POLLOUT : 0, 0 },
				       { s, POLLIN, 0 } };
		long r;

		assert_true(SYS(SYS_poll, p, 2, 5000) > 0);
		assert_true(++rounds < 100000);
		if (p[0].revents & POLLOUT) {
			r = SYS(SYS_write, c, src + sent, BULK - sent);
			assert_true(r > 0 || r == -EAGAIN);
			sent += r > 0 ? (size_t)r : 0;
		}
		if (p[1].revents & POLLIN) {
			r = SYS(SYS_read, s, dst + got, BULK - got);
			assert_true(r > 0);
			got += (size_t)r;
		}
	}
	assert_int_equal(sent, BULK);
	assert_memory_equal(src, dst, BULK);
	close_fd(c);
	assert_true(poll1(s, POLLIN, 1000) & POLLIN);
	assert_int_equal(SYS(SYS_read, s, dst, 1), 0);
	close_fd(s);
	free(src);
	free(dst);
}

static void test_bulk_v4(void **state)
{
	(void)state;
	bulk(AF_INET);
}

static void test_bulk_v6(void **state)
{
	(void)state;
	bulk(AF_INET6);
}

/* A guest up for more than 2^32 ms (49.7 days), where lwIP's 32-bit
 * sys_now() wraps: lwIP's timers keep their periods (the loop does not
 * spin on a timer that is due again at once), and a connection made
 * across the wrap still carries data and times out as it should. */
static void test_uptime_past_2_32_ms(void **state)
{
	const uint64_t wrap = (1ULL << 32) * HOST_MS;
	int c, s;

	(void)state;
	host_jump(wrap - 2 * HOST_S - host_now());
	host_advance(HOST_S);
	tcp_pair(AF_INET, &c, &s);
	host_advance(2 * HOST_S); /* across the wrap */
	assert_true(host_now() > wrap);
	assert_int_equal(host_stuck(), stuck_before);
	write_all(c, "after the wrap");
	read_expect(s, "after the wrap");
	host_drop_loopback(1); /* retransmission timers still fire */
	write_all(s, "lost");
	host_advance(120 * HOST_S);
	host_drop_loopback(0);
	assert_int_equal(host_stuck(), stuck_before);
	close_fd(c);
	close_fd(s);
}

/* Memory charged to connections: while the net/ heap is under
 * pressure, a connection whose reader never reads holds at most its
 * share (here the smallest, 16 KiB, plus one segment) at each end, its
 * writer waits while the reader may still write, and another connection
 * is still served; once the
 * pressure is gone the dropped data is retransmitted and arrives whole. */
static void test_memory_pressure(void **state)
{
	static unsigned char out[256 * 1024], in[sizeof(out)];
	long r, total = 0, got = 0;
	int c, s, c2, s2;

	(void)state;
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i * 7 + i / 251);
	tcp_pair(AF_INET, &c, &s);
	tcp_pair(AF_INET6, &c2, &s2);
	set_nonblock(c);
	host_set_pressure(1);
	for (int i = 0; i < 100; i++) { /* until the writer must wait */
		r = SYS(SYS_write, c, out + total, 16384);
		if (r > 0)
			total += r;
		else if (!(poll1(c, POLLOUT, 500) & POLLOUT))
			break;
	}
	host_advance(30 * HOST_S); /* retransmissions, dropped again */
	assert_true(fionread(s) <= 16384 + 1460);
	assert_true(total <= 2 * 16384 + 2 * 1460);
	assert_false(poll1(c, POLLOUT, 0) & POLLOUT);
	/* what s has not read does not stop it sending: the directions are
	 * charged apart (a read-a-chunk, write-a-chunk service would hang) */
	assert_true(poll1(s, POLLOUT, 0) & POLLOUT);
	write_all(s, "reply");
	assert_true(poll1(c, POLLIN, 1000) & POLLIN);
	read_expect(c, "reply");
	write_all(c2, "still served");
	read_expect(s2, "still served");
	host_set_pressure(0);
	while (got < total) {
		assert_true(poll1(s, POLLIN, 120000) & POLLIN);
		r = SYS(SYS_read, s, in + got, sizeof(in) - got);
		assert_true(r > 0);
		got += r;
	}
	assert_int_equal(got, total);
	assert_memory_equal(in, out, total);
	assert_true(poll1(c, POLLOUT, 5000) & POLLOUT);
	close_fd(c);
	close_fd(s);
	close_fd(c2);
	close_fd(s2);
}

/* A UDP socket nobody reads keeps at most 256 KiB of datagrams (not
 * 64 datagrams of any size: 4 MiB); the rest are dropped, and what is
 * kept reads back in order. */
static void test_udp_queue_bytes(void **state)
{
	static char dgram[8000];
	struct sockaddr_storage aa, ba;
	socklen_t alen, blen;
	int a = udp_bound(AF_INET, &aa, &alen),
	    b = udp_bound(AF_INET, &ba, &blen), kept = 0;

	(void)state;
	for (int i = 0; i < 40; i++) {
		dgram[0] = (char)i;
		assert_int_equal(
			SYS(SYS_sendto, b, dgram, sizeof(dgram), 0, &aa, alen),
			sizeof(dgram));
		host_run();
	}
	while (SYS(SYS_recvfrom, a, dgram, sizeof(dgram), MSG_DONTWAIT, NULL,
		   NULL) == sizeof(dgram)) {
		assert_int_equal(dgram[0], kept);
		kept++;
	}
	assert_int_equal(kept, 256 * 1024 / sizeof(dgram));
	close_fd(a);
	close_fd(b);
}

/* ---- sendfile and write_stable: bytes that never change, sent by
 * reference. */

#define FILE_BYTES (1 << 20)

/* A read-only file over bytes that never change: ->pread and a
 * position, and ->stable for the files that have stable bytes. */
struct fake_file {
	const uint8_t *bytes;
	size_t size;
	off_t pos;
};

static ssize_t fake_pread(struct kern_file *f, void *buf, size_t n, off_t off)
{
	struct fake_file *ff = f->priv;

	if ((size_t)off >= ff->size)
		return 0;
	n = n < ff->size - (size_t)off ? n : ff->size - (size_t)off;
	memcpy(buf, ff->bytes + off, n);
	return (ssize_t)n;
}

static const void *fake_stable(struct kern_file *f, off_t off, size_t *avail)
{
	struct fake_file *ff = f->priv;

	if ((size_t)off >= ff->size)
		return NULL;
	*avail = ff->size - (size_t)off;
	return ff->bytes + off;
}

static off_t fake_lseek(struct kern_file *f, off_t off, int whence)
{
	struct fake_file *ff = f->priv;

	if (whence == SEEK_CUR)
		off += ff->pos;
	if (off < 0 || (whence != SEEK_SET && whence != SEEK_CUR))
		return -EINVAL;
	return ff->pos = off;
}

static const struct kern_file_ops stable_file_ops = {
	.name = "stable file",
	.pread = fake_pread,
	.lseek = fake_lseek,
	.stable = fake_stable,
};

static const struct kern_file_ops pread_file_ops = {
	.name = "pread file",
	.pread = fake_pread,
	.lseek = fake_lseek,
};

/* 1 MiB of a pattern, page-aligned, never changed once made. */
static const uint8_t *file_bytes(void)
{
	static uint8_t *b;
	uint32_t x = 777;

	if (b)
		return b;
	b = aligned_alloc(4096, FILE_BYTES);
	assert_non_null(b);
	for (size_t i = 0; i < FILE_BYTES; i++) {
		x = x * 1103515245 + 12345;
		b[i] = (uint8_t)(x >> 16);
	}
	return b;
}

/* A descriptor for ff with ops, open for reading. */
static int fake_open(struct fake_file *ff, const struct kern_file_ops *ops)
{
	struct kern_file *f = kern_file_new(ops, ff, O_RDONLY);
	int fd;

	assert_non_null(f);
	fd = kern_fd_install(f, 0);
	assert_true(fd >= 3);
	return fd;
}

/* Bytes of s's send queue (unsent and unacknowledged segments) that lie
 * in [lo, lo + n), in pbufs that reference them (PBUF_ROM). */
static size_t queued_refs(int fd, const uint8_t *lo, size_t n)
{
	struct net_sock *s = kern_fd_file(fd)->priv;
	struct tcp_pcb *pcb = s->pcb->state;
	struct tcp_seg *queues[2] = { pcb->unsent, pcb->unacked };
	size_t refs = 0;

	for (int i = 0; i < 2; i++)
		for (struct tcp_seg *seg = queues[i]; seg; seg = seg->next)
			for (struct pbuf *p = seg->p; p; p = p->next) {
				const uint8_t *at = p->payload;

				if (at >= lo && at < lo + n) {
					assert_int_equal(p->type_internal,
							 PBUF_ROM);
					refs += p->len;
				}
			}
	return refs;
}

/* Read exactly n bytes from fd and compare them with want. */
static void read_bytes(int fd, const uint8_t *want, size_t n)
{
	uint8_t *got = malloc(n ? n : 1);

	assert_non_null(got);
	assert_int_equal(SYS(SYS_recvfrom, fd, got, n, MSG_WAITALL), (long)n);
	assert_memory_equal(got, want, n);
	free(got);
}

/* A TCP socket's write_stable queues segments that reference the bytes
 * (while the network loses everything, they stay queued to be seen);
 * write copies them. Both arrive intact once the network is back. */
static void test_write_stable_references(void **state)
{
	const uint8_t *b = file_bytes();
	struct kern_file *f;
	int c, s;

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	f = kern_fd_file(c);
	assert_non_null(f->ops->write_stable);
	host_drop_loopback(1);
	assert_int_equal(f->ops->write_stable(f, b, 40000), 40000);
	assert_int_equal(queued_refs(c, b, 40000), 40000);
	assert_int_equal(SYS(SYS_write, c, b + 40000, 20000), 20000);
	assert_int_equal(queued_refs(c, b + 40000, 20000), 0);
	host_drop_loopback(0);
	read_bytes(s, b, 60000); /* retransmitted from the references */
	close_fd(c);
	close_fd(s);
}

/* sendfile of 1 MiB of stable bytes from the file's position through a
 * non-blocking socket: partial counts while the queue is full, EAGAIN
 * only when nothing went, the position advanced by what was sent, and
 * the bytes intact at the peer. */
static void test_sendfile_stable_nonblocking(void **state)
{
	struct fake_file ff = { file_bytes(), FILE_BYTES, 0 };
	uint8_t *got = malloc(FILE_BYTES);
	size_t sent = 0, read = 0, partial = 0, again = 0;
	int c, s, fd = fake_open(&ff, &stable_file_ops), rounds = 0;

	(void)state;
	assert_non_null(got);
	tcp_pair(AF_INET6, &c, &s);
	set_nonblock(c);
	set_nonblock(s);
	while (read < FILE_BYTES) {
		struct pollfd p[2] = {
			{ c, sent < FILE_BYTES ? POLLOUT : 0, 0 },
			{ s, POLLIN, 0 },
		};
		long r;

		assert_true(SYS(SYS_poll, p, 2, 5000) > 0);
		assert_true(++rounds < 100000);
		if (p[0].revents & POLLOUT) {
			r = SYS(SYS_sendfile, c, fd, NULL, FILE_BYTES);
			assert_true(r > 0 || r == -EAGAIN);
			again += r == -EAGAIN;
			partial += r > 0 && sent + (size_t)r < FILE_BYTES;
			sent += r > 0 ? (size_t)r : 0;
			assert_int_equal(ff.pos, (off_t)sent);
		}
		if (p[1].revents & POLLIN) {
			r = SYS(SYS_read, s, got + read, FILE_BYTES - read);
			assert_true(r > 0);
			read += (size_t)r;
		}
	}
	assert_int_equal(sent, FILE_BYTES);
	assert_true(partial > 0);
	assert_memory_equal(got, ff.bytes, FILE_BYTES);
	/* at the end of the file: 0, nothing moves */
	assert_int_equal(SYS(SYS_sendfile, c, fd, NULL, 100), 0);
	assert_int_equal(ff.pos, FILE_BYTES);
	(void)again;
	free(got);
	close_fd(fd);
	close_fd(c);
	close_fd(s);
}

/* sendfile from a file with pread only (tmpfs), blocking, with an offset
 * pointer: *offset advances, the position stays; short at the end. */
static void test_sendfile_pread_offset(void **state)
{
	struct fake_file ff = { file_bytes(), 300000, 0 };
	int c, s, fd = fake_open(&ff, &pread_file_ops);
	off_t off = 1000;

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	assert_int_equal(SYS(SYS_sendfile, c, fd, &off, 100000), 100000);
	assert_int_equal(off, 101000);
	assert_int_equal(ff.pos, 0);
	read_bytes(s, ff.bytes + 1000, 100000);
	off = 300000 - 10;
	assert_int_equal(SYS(SYS_sendfile, c, fd, &off, 100), 10);
	assert_int_equal(off, 300000);
	read_bytes(s, ff.bytes + 300000 - 10, 10);
	assert_int_equal(SYS(SYS_sendfile, c, fd, &off, 100), 0);
	assert_int_equal(off, 300000);
	assert_int_equal(ff.pos, 0);
	close_fd(fd);
	close_fd(c);
	close_fd(s);
}

/* sendfile's refusals, as Linux's; nothing is sent and nothing moves. */
static void test_sendfile_errors(void **state)
{
	struct fake_file ff = { file_bytes(), 4096, 0 };
	int c, s, fd = fake_open(&ff, &stable_file_ops);
	off_t off = -1;

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	assert_int_equal(SYS(SYS_sendfile, c, 999, NULL, 10), -EBADF);
	assert_int_equal(SYS(SYS_sendfile, 999, fd, NULL, 10), -EBADF);
	assert_int_equal(SYS(SYS_sendfile, fd, fd, NULL, 10), -EBADF);
	assert_int_equal(SYS(SYS_sendfile, c, s, NULL, 10), -EINVAL);
	assert_int_equal(SYS(SYS_sendfile, c, fd, &off, 10), -EINVAL);
	assert_int_equal(SYS(SYS_sendfile, c, fd, NULL, 0), 0);
	assert_int_equal(ff.pos, 0);
	assert_int_equal(fionread(s), 0);
	close_fd(fd);
	close_fd(c);
	close_fd(s);
}

/* write() and sendfile() taking turns on one non-blocking socket, in
 * pieces of odd sizes (copied bytes topping up a segment, then
 * referenced ones, then copied again): the peer gets the stream in
 * order. */
static void test_sendfile_mixed_with_writes(void **state)
{
	struct fake_file ff = { file_bytes(), FILE_BYTES, 0 };
	static uint8_t want[2 * FILE_BYTES], got[2 * FILE_BYTES];
	size_t made = 0, read = 0, w = 0;
	int c, s, fd = fake_open(&ff, &stable_file_ops), rounds = 0;
	off_t off = 0;

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	set_nonblock(c);
	set_nonblock(s);
	while (read < made || off < (off_t)FILE_BYTES) {
		struct pollfd p[2] = {
			{ c, off < (off_t)FILE_BYTES ? POLLOUT : 0, 0 },
			{ s, POLLIN, 0 },
		};
		long r;

		assert_true(SYS(SYS_poll, p, 2, 5000) > 0);
		assert_true(++rounds < 100000);
		if (p[0].revents & POLLOUT) {
			size_t k = 1 + (w * 7919) % 3000;
			off_t was = off;

			if (w++ % 2) {
				r = SYS(SYS_sendfile, c, fd, &off, k);
				assert_true(r > 0 || r == -EAGAIN);
				if (r > 0)
					memcpy(want + made, ff.bytes + was,
					       (size_t)r);
			} else {
				r = SYS(SYS_write, c, ff.bytes + FILE_BYTES - k,
					k);
				assert_true(r > 0 || r == -EAGAIN);
				if (r > 0)
					memcpy(want + made,
					       ff.bytes + FILE_BYTES - k,
					       (size_t)r);
			}
			made += r > 0 ? (size_t)r : 0;
			assert_true(made <= sizeof(want));
		}
		if (p[1].revents & POLLIN) {
			r = SYS(SYS_read, s, got + read, sizeof(got) - read);
			assert_true(r > 0);
			read += (size_t)r;
		}
	}
	assert_int_equal(read, made);
	assert_memory_equal(got, want, made);
	close_fd(fd);
	close_fd(c);
	close_fd(s);
}

/* A blocking sendfile to a peer that never reads: SO_SNDTIMEO ends it
 * with what went (the position advanced by as much), then EAGAIN; once
 * the peer reads, the rest follows intact. */
static void test_sendfile_stuck_peer(void **state)
{
	struct fake_file ff = { file_bytes(), FILE_BYTES, 0 };
	struct timeval tv = { 0, 100000 };
	uint8_t *got = malloc(FILE_BYTES);
	int c, s, fd = fake_open(&ff, &stable_file_ops);
	size_t read = 0;
	long r;

	(void)state;
	assert_non_null(got);
	tcp_pair(AF_INET, &c, &s);
	assert_int_equal(SYS(SYS_setsockopt, c, SOL_SOCKET, SO_SNDTIMEO, &tv,
			     sizeof(tv)),
			 0);
	r = SYS(SYS_sendfile, c, fd, NULL, FILE_BYTES);
	assert_true(r > 0 && r < FILE_BYTES);
	assert_int_equal(ff.pos, r);
	r = SYS(SYS_sendfile, c, fd, NULL, FILE_BYTES);
	assert_true(r == -EAGAIN || r > 0);
	while (read < FILE_BYTES) {
		if (ff.pos < FILE_BYTES) {
			r = SYS(SYS_sendfile, c, fd, NULL, FILE_BYTES);
			assert_true(r > 0 || r == -EAGAIN);
		}
		if (!(poll1(s, POLLIN, 1000) & POLLIN))
			continue;
		r = SYS(SYS_read, s, got + read, FILE_BYTES - read);
		assert_true(r > 0);
		read += (size_t)r;
	}
	assert_memory_equal(got, ff.bytes, FILE_BYTES);
	free(got);
	close_fd(fd);
	close_fd(c);
	close_fd(s);
}

/* The peer reads a little and closes with bytes unread (a reset):
 * sendfile stops with what went or an error, never hangs, and the next
 * one fails. */
static void test_sendfile_peer_closes(void **state)
{
	struct fake_file ff = { file_bytes(), FILE_BYTES, 0 };
	uint8_t buf[4096];
	int c, s, fd = fake_open(&ff, &stable_file_ops);
	long r;

	(void)state;
	tcp_pair(AF_INET, &c, &s);
	set_nonblock(c);
	r = SYS(SYS_sendfile, c, fd, NULL, FILE_BYTES);
	assert_true(r > 0 && r < FILE_BYTES);
	assert_int_equal(SYS(SYS_read, s, buf, sizeof(buf)), sizeof(buf));
	close_fd(s);
	assert_true(poll1(c, POLLERR | POLLHUP, 2000));
	r = SYS(SYS_sendfile, c, fd, NULL, FILE_BYTES);
	assert_true(r == -ECONNRESET || r == -EPIPE);
	close_fd(fd);
	close_fd(c);
}

/* Many connections each sending the same 1 MiB with sendfile at once,
 * their peers reading in turn: every one gets every byte. */
static void test_sendfile_many(void **state)
{
	enum {
		N = 24
	};
	struct fake_file ff[N];
	int c[N], s[N], fd[N], rounds = 0;
	size_t got[N], done = 0;
	static uint8_t buf[65536];

	(void)state;
	for (int i = 0; i < N; i++) {
		ff[i] = (struct fake_file){ file_bytes(), FILE_BYTES, 0 };
		fd[i] = fake_open(&ff[i], &stable_file_ops);
		tcp_pair(AF_INET, &c[i], &s[i]);
		set_nonblock(c[i]);
		set_nonblock(s[i]);
		got[i] = 0;
	}
	for (int i = 0; i < N; i++) /* every queue full first */
		assert_true(SYS(SYS_sendfile, c[i], fd[i], NULL, FILE_BYTES) >
			    0);
	while (done < N) {
		struct pollfd p[2 * N];

		assert_true(++rounds < 1000000);
		for (int i = 0; i < N; i++) {
			p[2 * i] = (struct pollfd){
				c[i], ff[i].pos < FILE_BYTES ? POLLOUT : 0, 0
			};
			p[2 * i + 1] = (struct pollfd){ s[i], POLLIN, 0 };
		}
		assert_true(SYS(SYS_poll, p, 2 * N, 5000) > 0);
		for (int i = 0; i < N; i++) {
			long r;

			if (p[2 * i].revents & POLLOUT) {
				r = SYS(SYS_sendfile, c[i], fd[i], NULL,
					FILE_BYTES);
				assert_true(r > 0 || r == -EAGAIN);
			}
			if (!(p[2 * i + 1].revents & POLLIN))
				continue;
			r = SYS(SYS_read, s[i], buf, sizeof(buf));
			assert_true(r > 0);
			assert_memory_equal(buf, file_bytes() + got[i],
					    (size_t)r);
			got[i] += (size_t)r;
			done += got[i] == FILE_BYTES;
		}
	}
	for (int i = 0; i < N; i++) {
		close_fd(fd[i]);
		close_fd(c[i]);
		close_fd(s[i]);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bad_descriptors),
		T(test_tiny_segments),
		T(test_waitall),
		T(test_listen_unbound_family),
		T(test_udp_vectors),
		T(test_bad_arguments),
		T(test_connect_accept_v4),
		T(test_connect_nonblocking),
		T(test_accept_blocks_until_connect),
		T(test_accept4_flags),
		T(test_backlog),
		T(test_close_listener_resets_queue),
		T(test_connect_refused),
		T(test_connect_timeout),
		T(test_read_after_peer_close),
		T(test_write_after_peer_close),
		T(test_close_unread_resets_peer),
		T(test_peer_abort_wakes_reader),
		T(test_shutdown_write),
		T(test_shutdown_read),
		T(test_shutdown_after_peer_fin),
		T(test_time_wait_then_close),
		T(test_poll_readiness),
		T(test_epoll_edge),
		T(test_epoll_level_oneshot),
		T(test_epoll_reset),
		T(test_udp_v4),
		T(test_udp_connected),
		T(test_udp_msg),
		T(test_udp_rcvtimeo),
		T(test_udp_dual_stack),
		T(test_mmsg_udp),
		T(test_mmsg_waitforone),
		T(test_mmsg_timeout),
		T(test_mmsg_bad_pointers),
		T(test_mmsg_cap),
		T(test_mmsg_tcp),
		T(test_names_v6),
		T(test_v4_mapped),
		T(test_v6only),
		T(test_reuseaddr),
		T(test_options),
		T(test_options_inherited),
		T(test_timeout_overflow),
		T(test_bad_pointers),
		T(test_tcp_flags),
		T(test_send_buffer_full),
		T(test_bulk_v4),
		T(test_bulk_v6),
		T(test_write_stable_references),
		T(test_sendfile_stable_nonblocking),
		T(test_sendfile_pread_offset),
		T(test_sendfile_errors),
		T(test_sendfile_mixed_with_writes),
		T(test_sendfile_stuck_peer),
		T(test_sendfile_peer_closes),
		T(test_sendfile_many),
		T(test_fionread_large),
		T(test_connect_again_after_failure),
		T(test_connect_sndtimeo),
		T(test_retransmit_timeout),
		T(test_keepalive_timeout),
		T(test_accept_emfile),
		T(test_memory_pressure),
		T(test_udp_queue_bytes),
		T(test_uptime_past_2_32_ms), /* last: the clock stays there */
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
