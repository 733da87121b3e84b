/* socktest: the POSIX socket layer against a host in a network namespace,
 * for the VM tests (test/vm/socktest.py). Plain POSIX: the same file
 * builds as a libos image and as a Linux program. The first argument
 * picks the mode:
 *   refused HOST PORT      nothing listens on HOST:PORT: a blocking connect
 *                          gives ECONNREFUSED; a non-blocking one gives
 *                          EINPROGRESS, then poll and epoll report an
 *                          error and SO_ERROR is ECONNREFUSED (once)
 *   reset HOST PORT [LPORT]
 *                          the host's peer resets the connection: reads
 *                          give ECONNRESET then EOF, writes ECONNRESET then
 *                          EPIPE, and a second connection works; then, as a
 *                          server on LPORT (default 7001), a client that
 *                          resets gives ECONNRESET and the next is served
 *   resolve NAME [ADDR]    getaddrinfo(NAME) answers (with ADDR among the
 *                          addresses); "missing-NAME" gives EAI_NONAME
 *   many N [PORT]          accept N connections on PORT (default 7000),
 *                          all kept open, then echo one line on each,
 *                          then shut each down and wait for its client
 *                          to close (it has its reply)
 *   linger N [PORT]        accept one connection on PORT (default 7002),
 *                          send it N bytes (byte i is i % 251), close it
 *                          and exit at once, as a Linux program may: the
 *                          bytes TCP still holds must reach the client
 *   sendfile N [PORT]      write N bytes (byte i is i % 251) to a file in
 *                          /tmp, check that mmap of it (a copy: tmpfs has
 *                          no stable bytes) and of /etc/hosts reads as
 *                          read() does, zeroes after the end, and refuses
 *                          writes; then accept one connection on PORT
 *                          (default 7003) and sendfile the file to it from
 *                          the file's position, then close and exit, as
 *                          linger does
 *   mmsg [PORT]            recvmmsg and sendmmsg on a UDP socket bound to
 *                          PORT (default 7004): vlen 0, EFAULT for a bad
 *                          vector, EAGAIN; then the host's 3 queries of
 *                          different lengths taken in batches of up to 8
 *                          with MSG_WAITFORONE (msg_len and bytes of
 *                          each), answered in one sendmmsg, each to its
 *                          sender; then the host's "bye"
 *   sockopts HOST PORT     getsockname/getpeername, SO_REUSEADDR,
 *                          SO_RCVTIMEO, TCP_NODELAY, FIONREAD,
 *                          shutdown(SHUT_WR), EPIPE without dying, EBADF
 * HOST PORT is socktest.py's peer server, which reads one command line per
 * connection: "reset" (it closes with RST), "echo" (echoes until EOF),
 * "eof" (reads to EOF, then says how many bytes came), "send N" (sends N
 * bytes, then waits for EOF), "silent" (reads to EOF, sends nothing).
 * Each mode prints "socktest: <mode> ok" and exits 0, or names what failed
 * and exits 1. Exiting the image stops the VM at once: whatever TCP
 * still holds (a segment the full transmit ring refused waits there for a
 * retransmission) is lost, so a mode that serves a client waits for that
 * client's EOF before it exits (linger alone tests that exiting does not
 * lose them). */
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int failures;
static volatile sig_atomic_t sigpipes;

/* Record a failed expectation with its line and errno. */
#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			printf("socktest: line %d: %s failed (errno %d)\n", \
			       __LINE__, #cond, errno);                     \
			failures++;                                         \
		}                                                           \
	} while (0)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* An IPv4 address for host:port; exits on a malformed host. */
static struct sockaddr_in addr_of(const char *host, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };

	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		printf("socktest: %s: not an IPv4 address\n", host);
		exit(1);
	}
	return a;
}

/* Milliseconds left until deadline (in now_ms() time), at least 1: a
 * timeout of 0 would mean "forever". */
static int ms_left(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left > 0 ? (int)left : 1;
}

static void set_timeout(int fd, int opt, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	CHECK(setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)) == 0);
}

/* A TCP socket connected to a (blocking, 10 s receive timeout), or -1. */
static int tcp_connect(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	set_timeout(fd, SO_RCVTIMEO, 10000);
	return fd;
}

/* A TCP socket listening on port (any address), or -1. */
static int tcp_listen(int port, int backlog)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, backlog) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_str(int fd, const char *s)
{
	size_t n = strlen(s);

	return send(fd, s, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

/* Read one line (newline dropped) into buf; its length, or -1. */
static ssize_t read_line(int fd, char *buf, size_t n)
{
	size_t len = 0;

	while (len + 1 < n) {
		ssize_t r = recv(fd, buf + len, 1, 0);

		if (r <= 0)
			return -1;
		if (buf[len] == '\n')
			break;
		len++;
	}
	buf[len] = 0;
	return (ssize_t)len;
}

/* Read exactly n bytes; 0 or -1. */
static int read_full(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, buf + got, n - got, 0);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* A connection to the peer server running command cmd, or -1. */
static int peer(const struct sockaddr_in *a, const char *cmd)
{
	int fd = tcp_connect(a);

	if (fd < 0) {
		printf("socktest: cannot connect to the peer (errno %d)\n",
		       errno);
		failures++;
		return -1;
	}
	if (send_str(fd, cmd) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int so_error(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len) < 0)
		return -1;
	return v;
}

/* Print the verdict; the exit status. */
static int verdict(const char *mode)
{
	if (failures)
		printf("socktest: %s: %d check(s) failed\n", mode, failures);
	else
		printf("socktest: %s ok\n", mode);
	fflush(stdout);
	return failures ? 1 : 0;
}

/* ---- refused */

static void refused_blocking(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	CHECK(connect(fd, (const struct sockaddr *)a, sizeof(*a)) == -1 &&
	      errno == ECONNREFUSED);
	close(fd);
}

/* A non-blocking connect to a under way; the socket. */
static int connect_nonblock(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	CHECK(connect(fd, (const struct sockaddr *)a, sizeof(*a)) == -1 &&
	      errno == EINPROGRESS);
	return fd;
}

static void refused_poll(const struct sockaddr_in *a)
{
	int fd = connect_nonblock(a);
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	CHECK(poll(&p, 1, 5000) == 1);
	CHECK(p.revents & POLLERR);
	CHECK(so_error(fd) == ECONNREFUSED);
	CHECK(so_error(fd) == 0);
	close(fd);
}

static void refused_epoll(const struct sockaddr_in *a)
{
	int fd = connect_nonblock(a), ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLOUT };

	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
	CHECK(epoll_wait(ep, &ev, 1, 5000) == 1);
	CHECK(ev.events & EPOLLERR);
	CHECK(so_error(fd) == ECONNREFUSED);
	close(ep);
	close(fd);
}

static int mode_refused(int argc, char **argv)
{
	struct sockaddr_in a;

	if (argc < 4)
		return 2;
	a = addr_of(argv[2], atoi(argv[3]));
	refused_blocking(&a);
	refused_poll(&a);
	refused_epoll(&a);
	refused_blocking(&a); /* and again, after the others */
	return verdict("refused");
}

/* ---- reset */

/* The peer resets: a read gives ECONNRESET, then EOF; a write EPIPE. */
static void reset_reader(const struct sockaddr_in *a)
{
	int fd = peer(a, "reset\n");
	char c;

	if (fd < 0)
		return;
	CHECK(recv(fd, &c, 1, 0) == -1 && errno == ECONNRESET);
	CHECK(recv(fd, &c, 1, 0) == 0);
	CHECK(send(fd, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE);
	close(fd);
}

/* The peer resets while we only write: ECONNRESET once, then EPIPE. */
static void reset_writer(const struct sockaddr_in *a)
{
	int fd = peer(a, "reset\n");
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (fd < 0)
		return;
	CHECK(poll(&p, 1, 10000) == 1);
	CHECK((p.revents & (POLLERR | POLLHUP)) == (POLLERR | POLLHUP));
	CHECK(send(fd, "x", 1, MSG_NOSIGNAL) == -1 && errno == ECONNRESET);
	CHECK(send(fd, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE);
	close(fd);
}

/* One round trip through the peer's echo; 0 if it came back. */
static int echo_once(const struct sockaddr_in *a, const char *msg)
{
	int fd = peer(a, "echo\n"), ok;
	char buf[256];
	size_t n = strlen(msg);

	if (fd < 0)
		return -1;
	ok = send_str(fd, msg) == 0 && read_full(fd, buf, n) == 0 &&
	     memcmp(buf, msg, n) == 0;
	CHECK(shutdown(fd, SHUT_WR) == 0);
	CHECK(recv(fd, buf, 1, 0) == 0);
	close(fd);
	return ok ? 0 : -1;
}

/* As a server: the first client resets after "ready" (ECONNRESET), the
 * second is served. */
static void reset_server(int port)
{
	int lfd = tcp_listen(port, 4), c;
	char line[64];

	CHECK(lfd >= 0);
	set_timeout(lfd, SO_RCVTIMEO, 30000);
	printf("socktest: reset: listening on port %d\n", port);
	fflush(stdout);
	c = accept(lfd, NULL, NULL);
	CHECK(c >= 0);
	set_timeout(c, SO_RCVTIMEO, 10000);
	CHECK(read_line(c, line, sizeof(line)) == 5 && !strcmp(line, "hello"));
	CHECK(send_str(c, "ready\n") == 0);
	CHECK(recv(c, line, 1, 0) == -1 && errno == ECONNRESET);
	close(c);
	c = accept(lfd, NULL, NULL);
	CHECK(c >= 0);
	set_timeout(c, SO_RCVTIMEO, 10000);
	CHECK(read_line(c, line, sizeof(line)) == 5 && !strcmp(line, "again"));
	CHECK(send_str(c, "served\n") == 0);
	/* exit only once the client has read it and closed */
	CHECK(shutdown(c, SHUT_WR) == 0);
	CHECK(recv(c, line, 1, 0) == 0);
	close(c);
	close(lfd);
}

static int mode_reset(int argc, char **argv)
{
	struct sockaddr_in a;

	if (argc < 4)
		return 2;
	a = addr_of(argv[2], atoi(argv[3]));
	reset_reader(&a);
	CHECK(echo_once(&a, "after a reset\n") == 0);
	reset_writer(&a);
	CHECK(echo_once(&a, "after another reset\n") == 0);
	reset_server(argc > 4 ? atoi(argv[4]) : 7001);
	return verdict("reset");
}

/* ---- resolve */

static void print_resolv_conf(void)
{
	FILE *f = fopen("/etc/resolv.conf", "r");
	char line[128];

	if (!f) {
		printf("socktest: resolve: no /etc/resolv.conf (errno %d)\n",
		       errno);
		return;
	}
	while (fgets(line, sizeof(line), f))
		printf("socktest: resolv.conf: %s", line);
	fclose(f);
}

/* getaddrinfo(name): 1 if want is among the answers (or want is NULL
 * and there is one), 0 if not, the EAI_ error if it failed. */
static int lookup(const char *name, const char *want)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char text[INET6_ADDRSTRLEN];
	int r = getaddrinfo(name, "80", &hints, &res), found = 0;

	if (r) {
		printf("socktest: resolve: %s: %s (%d)\n", name,
		       gai_strerror(r), r);
		return r;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		void *ip = ai->ai_family == AF_INET ?
				   (void *)&((struct sockaddr_in *)ai->ai_addr)
					   ->sin_addr :
				   (void *)&((struct sockaddr_in6 *)ai->ai_addr)
					   ->sin6_addr;

		inet_ntop(ai->ai_family, ip, text, sizeof(text));
		printf("socktest: resolve: %s -> %s\n", name, text);
		found |= !want || !strcmp(text, want);
	}
	freeaddrinfo(res);
	return found;
}

static int mode_resolve(int argc, char **argv)
{
	char missing[256];

	if (argc < 3)
		return 2;
	print_resolv_conf();
	CHECK(lookup(argv[2], argc > 3 ? argv[3] : NULL) == 1);
	snprintf(missing, sizeof(missing), "missing-%s", argv[2]);
	CHECK(lookup(missing, NULL) == EAI_NONAME);
	return verdict("resolve");
}

/* ---- many */

/* A bound on the whole of mode many, far above the seconds it takes even
 * on a busy host; past it every wait fails at once. socktest.py's own
 * bounds end sooner, so it is only reached if the host side is gone. */
#define MANY_BOUND_MS 130000

/* Accept n connections on lfd into fds by deadline; how many came. */
static int accept_all(int lfd, int *fds, int n, int64_t deadline)
{
	for (int i = 0; i < n; i++) {
		set_timeout(lfd, SO_RCVTIMEO, ms_left(deadline));
		fds[i] = accept(lfd, NULL, NULL);
		if (fds[i] < 0) {
			printf("socktest: many: accept %d failed (errno %d)\n",
			       i, errno);
			return i;
		}
	}
	return n;
}

/* Echo one line on each of the n connections; how many were served. */
static int echo_lines(int *fds, int n, int64_t deadline)
{
	char line[128];
	int good = 0;

	for (int i = 0; i < n; i++) {
		ssize_t len;

		set_timeout(fds[i], SO_RCVTIMEO, ms_left(deadline));
		len = read_line(fds[i], line, sizeof(line) - 1);
		if (len < 0)
			continue;
		line[len] = '\n';
		good += send(fds[i], line, (size_t)len + 1, MSG_NOSIGNAL) ==
			len + 1;
	}
	return good;
}

/* Shut down the sending side of the n connections (a FIN after each
 * reply), then wait for each client to close: a client closes once it
 * has read its reply and our FIN, so when all have, no reply is still
 * queued here and the image may exit. How many closed sending nothing
 * more. */
static int await_clients(int *fds, int n, int64_t deadline)
{
	int closed = 0;
	char c;

	for (int i = 0; i < n; i++)
		CHECK(shutdown(fds[i], SHUT_WR) == 0);
	for (int i = 0; i < n; i++) {
		set_timeout(fds[i], SO_RCVTIMEO, ms_left(deadline));
		closed += recv(fds[i], &c, 1, 0) == 0;
	}
	return closed;
}

static int mode_many(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 0;
	int port = argc > 3 ? atoi(argv[3]) : 7000;
	int *fds = calloc((size_t)(n > 0 ? n : 1), sizeof(int));
	int lfd = tcp_listen(port, n), got, good, closed;
	int64_t deadline = now_ms() + MANY_BOUND_MS;

	if (n <= 0 || !fds || lfd < 0) {
		printf("socktest: many: cannot listen (errno %d)\n", errno);
		return 1;
	}
	printf("socktest: many: listening on port %d\n", port);
	fflush(stdout);
	got = accept_all(lfd, fds, n, deadline);
	printf("socktest: many: %d of %d connections open at once\n", got, n);
	fflush(stdout);
	good = echo_lines(fds, got, deadline);
	printf("socktest: many: %d of %d connections served\n", good, n);
	fflush(stdout);
	closed = await_clients(fds, got, deadline);
	printf("socktest: many: %d of %d clients closed after their reply\n",
	       closed, n);
	for (int i = 0; i < got; i++)
		close(fds[i]);
	close(lfd);
	free(fds);
	CHECK(got == n && good == n && closed == n);
	return verdict("many");
}

/* ---- linger */

/* Send n bytes of the pattern on fd; the bytes sent. */
static long send_pattern(int fd, long n)
{
	char buf[4096];
	long done = 0;

	while (done < n) {
		long k = n - done < (long)sizeof(buf) ? n - done :
							(long)sizeof(buf);

		for (long i = 0; i < k; i++)
			buf[i] = (char)((done + i) % 251);
		ssize_t r = send(fd, buf, (size_t)k, MSG_NOSIGNAL);

		if (r <= 0)
			break;
		done += r;
	}
	return done;
}

static int mode_linger(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 0;
	int port = argc > 3 ? atoi(argv[3]) : 7002;
	int lfd = tcp_listen(port, 1), fd;
	long sent;

	if (n <= 0 || lfd < 0)
		return 2;
	printf("socktest: linger: listening on port %d\n", port);
	fd = accept(lfd, NULL, NULL);
	CHECK(fd >= 0);
	sent = fd >= 0 ? send_pattern(fd, n) : 0;
	CHECK(sent == n);
	CHECK(fd < 0 || close(fd) == 0);
	close(lfd);
	printf("socktest: linger: sent %ld bytes, closed; exiting\n", sent);
	return verdict("linger");
}

/* ---- sendfile */

/* Write n bytes of the pattern to a new file at path: its descriptor,
 * open for reading and writing at offset 0, or -1. */
static int pattern_file(const char *path, long n)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	char buf[4096];

	for (long done = 0; fd >= 0 && done < n;) {
		long k = n - done < (long)sizeof(buf) ? n - done :
							(long)sizeof(buf);

		for (long i = 0; i < k; i++)
			buf[i] = (char)((done + i) % 251);
		if (write(fd, buf, (size_t)k) != k)
			return -1;
		done += k;
	}
	return fd >= 0 && lseek(fd, 0, SEEK_SET) == 0 ? fd : -1;
}

/* mmap of fd's n bytes reads as read() does, with zeroes after them on
 * the last page; a private mapping's writes stay in it. */
static void check_mmap(int fd, long n)
{
	long pages = (n + 4095) / 4096 * 4096;
	char *want = malloc((size_t)n), *m, *w;

	CHECK(want && pread(fd, want, (size_t)n, 0) == n);
	m = mmap(NULL, (size_t)n, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED);
	if (want && m != MAP_FAILED) {
		CHECK(!memcmp(m, want, (size_t)n));
		for (long i = n; i < pages; i++)
			CHECK(m[i] == 0);
		CHECK(mprotect(m, 4096, PROT_READ | PROT_WRITE) == 0);
		CHECK(munmap(m, (size_t)n) == 0);
	}
	w = mmap(NULL, (size_t)n, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(w != MAP_FAILED);
	if (want && w != MAP_FAILED) {
		w[0] ^= 1;
		CHECK(pread(fd, want, 1, 0) == 1 && want[0] != w[0]);
		CHECK(munmap(w, (size_t)n) == 0);
	}
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 1) == MAP_FAILED &&
	      errno == EINVAL);
	free(want);
}

/* sendfile in_fd's n bytes to fd from in_fd's position; the bytes sent. */
static long send_file(int fd, int in_fd, long n)
{
	long done = 0;

	while (done < n) {
		ssize_t r = sendfile(fd, in_fd, NULL, (size_t)(n - done));

		if (r <= 0)
			break;
		done += r;
	}
	return done;
}

static int mode_sendfile(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 0, sent;
	int port = argc > 3 ? atoi(argv[3]) : 7003;
	int in = pattern_file("/tmp/sendfile.bin", n);
	int hosts = open("/etc/hosts", O_RDONLY), lfd, fd;
	struct stat st;

	if (n <= 0)
		return 2;
	CHECK(in >= 0 && hosts >= 0);
	check_mmap(in, n);
	CHECK(fstat(hosts, &st) == 0 && st.st_size > 0);
	check_mmap(hosts, (long)st.st_size);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 1000, 0) == MAP_FAILED &&
	      errno == EBADF);
	lfd = tcp_listen(port, 1);
	CHECK(lfd >= 0);
	printf("socktest: sendfile: listening on port %d\n", port);
	fd = lfd >= 0 ? accept(lfd, NULL, NULL) : -1;
	CHECK(fd >= 0);
	sent = fd >= 0 && in >= 0 ? send_file(fd, in, n) : 0;
	CHECK(sent == n);
	CHECK(lseek(in, 0, SEEK_CUR) == n);
	CHECK(fd < 0 || close(fd) == 0);
	close(lfd);
	printf("socktest: sendfile: sent %ld bytes, closed; exiting\n", sent);
	return verdict("sendfile");
}

/* ---- sockopts */

static void check_names(const struct sockaddr_in *a)
{
	int fd = peer(a, "echo\n"), u = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in me, him;
	socklen_t len = sizeof(me);

	if (fd < 0)
		return;
	CHECK(getsockname(fd, (struct sockaddr *)&me, &len) == 0);
	CHECK(len == sizeof(me) && me.sin_family == AF_INET);
	CHECK(me.sin_port != 0 && me.sin_addr.s_addr != htonl(INADDR_ANY));
	len = sizeof(him);
	CHECK(getpeername(fd, (struct sockaddr *)&him, &len) == 0);
	CHECK(him.sin_port == a->sin_port &&
	      him.sin_addr.s_addr == a->sin_addr.s_addr);
	len = 4; /* too short: truncated, the full length reported */
	CHECK(getsockname(fd, (struct sockaddr *)&me, &len) == 0 &&
	      len == sizeof(me));
	len = sizeof(him);
	CHECK(getpeername(u, (struct sockaddr *)&him, &len) == -1 &&
	      errno == ENOTCONN);
	close(u);
	close(fd);
}

/* An int option's value, or -1. */
static int get_int(int fd, int level, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, opt, &v, &len) < 0 || len != sizeof(v))
		return -1;
	return v;
}

static void check_nodelay(const struct sockaddr_in *a)
{
	int fd = peer(a, "echo\n"), one = 1, zero = 0;

	if (fd < 0)
		return;
	CHECK(get_int(fd, IPPROTO_TCP, TCP_NODELAY) == 0);
	CHECK(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0);
	CHECK(get_int(fd, IPPROTO_TCP, TCP_NODELAY) == 1);
	CHECK(echo_once(a, "nodelay\n") == 0);
	CHECK(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &zero, sizeof(zero)) ==
	      0);
	CHECK(get_int(fd, IPPROTO_TCP, TCP_NODELAY) == 0);
	CHECK(get_int(fd, SOL_SOCKET, SO_TYPE) == SOCK_STREAM);
	CHECK(get_int(fd, SOL_SOCKET, SO_ERROR) == 0);
	close(fd);
}

/* A receive timeout of 300 ms on a silent peer: EAGAIN after about it. */
static void check_rcvtimeo(const struct sockaddr_in *a)
{
	int fd = peer(a, "silent\n");
	struct timeval tv = { 0, 0 };
	socklen_t len = sizeof(tv);
	int64_t t0, dt;
	char c;

	if (fd < 0)
		return;
	set_timeout(fd, SO_RCVTIMEO, 300);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) == 0);
	CHECK(tv.tv_sec == 0 && tv.tv_usec == 300000);
	t0 = now_ms();
	CHECK(recv(fd, &c, 1, 0) == -1 && errno == EAGAIN);
	dt = now_ms() - t0;
	printf("socktest: sockopts: SO_RCVTIMEO 300 ms: EAGAIN after %lld ms\n",
	       (long long)dt);
	CHECK(dt >= 290 && dt < 3000);
	close(fd);
}

/* FIONREAD counts what waits to be read (MSG_PEEK leaves it). */
static void check_fionread(const struct sockaddr_in *a)
{
	int fd = peer(a, "send 1000\n"), n = -1;
	char buf[1000];

	if (fd < 0)
		return;
	for (int i = 0; i < 500 && n < 1000; i++) {
		CHECK(ioctl(fd, FIONREAD, &n) == 0);
		if (n < 1000)
			sleep_ms(10);
	}
	CHECK(n == 1000);
	CHECK(recv(fd, buf, 10, MSG_PEEK) == 10);
	CHECK(ioctl(fd, FIONREAD, &n) == 0 && n == 1000);
	CHECK(read_full(fd, buf, sizeof(buf)) == 0);
	CHECK(ioctl(fd, FIONREAD, &n) == 0 && n == 0);
	close(fd);
}

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

/* shutdown(SHUT_WR): the peer sees EOF and can still answer; then a
 * write gives EPIPE (SIGPIPE, if raised, is caught, not fatal). */
static void check_shutdown(const struct sockaddr_in *a)
{
	int fd = peer(a, "eof\n");
	char line[64];

	if (fd < 0)
		return;
	CHECK(send_str(fd, "abc") == 0);
	CHECK(shutdown(fd, SHUT_WR) == 0);
	CHECK(read_line(fd, line, sizeof(line)) > 0 &&
	      !strcmp(line, "eof after 3 bytes"));
	CHECK(recv(fd, line, 1, 0) == 0);
	signal(SIGPIPE, on_sigpipe);
	CHECK(write(fd, "x", 1) == -1 && errno == EPIPE);
	CHECK(send(fd, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE);
	printf("socktest: sockopts: EPIPE after shutdown, %d SIGPIPE(s)\n",
	       (int)sigpipes);
	signal(SIGPIPE, SIG_DFL);
	close(fd);
}

/* Bind a new socket to port (reuse: with SO_REUSEADDR); 0 or errno. */
static int bind_port(int port, int reuse, int *out)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), r = 0;

	if (reuse)
		CHECK(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse,
				 sizeof(reuse)) == 0);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		r = errno;
	*out = fd;
	return r;
}

/* A connection we closed first leaves its port in TIME_WAIT: binding it
 * needs SO_REUSEADDR. Two listeners on one port: EADDRINUSE. */
static void check_reuseaddr(const struct sockaddr_in *a)
{
	int port = 40000 + (int)(now_ms() % 20000), fd, t, l2;
	char buf[8];

	CHECK(bind_port(port, 1, &fd) == 0);
	CHECK(get_int(fd, SOL_SOCKET, SO_REUSEADDR) == 1);
	CHECK(connect(fd, (const struct sockaddr *)a, sizeof(*a)) == 0);
	CHECK(send_str(fd, "echo\nhi") == 0 && read_full(fd, buf, 2) == 0);
	CHECK(shutdown(fd, SHUT_WR) == 0);
	set_timeout(fd, SO_RCVTIMEO, 5000);
	CHECK(recv(fd, buf, 1, 0) == 0); /* the peer's FIN: TIME_WAIT next */
	close(fd);
	CHECK(bind_port(port, 0, &t) == EADDRINUSE);
	CHECK(get_int(t, SOL_SOCKET, SO_REUSEADDR) == 0);
	close(t);
	CHECK(bind_port(port, 1, &t) == 0);
	CHECK(listen(t, 4) == 0);
	CHECK(bind_port(port, 0, &l2) == EADDRINUSE);
	close(l2);
	/* Linux refuses the bind, lwIP the listen: either will do */
	CHECK(bind_port(port, 1, &l2) == EADDRINUSE ||
	      (listen(l2, 4) == -1 && errno == EADDRINUSE));
	close(l2);
	close(t);
}

static void check_ebadf(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), v;
	socklen_t len = sizeof(v);
	struct sockaddr_in sa;

	CHECK(fd >= 0 && close(fd) == 0);
	CHECK(close(fd) == -1 && errno == EBADF);
	CHECK(send(fd, "x", 1, MSG_NOSIGNAL) == -1 && errno == EBADF);
	CHECK(recv(fd, &v, 1, MSG_DONTWAIT) == -1 && errno == EBADF);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len) == -1 &&
	      errno == EBADF);
	len = sizeof(sa);
	CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == -1 &&
	      errno == EBADF);
	CHECK(getsockopt(1, SOL_SOCKET, SO_ERROR, &v, &len) == -1 &&
	      errno == ENOTSOCK);
}

static int mode_sockopts(int argc, char **argv)
{
	struct sockaddr_in a;

	if (argc < 4)
		return 2;
	a = addr_of(argv[2], atoi(argv[3]));
	check_names(&a);
	check_nodelay(&a);
	check_rcvtimeo(&a);
	check_fionread(&a);
	check_shutdown(&a);
	check_reuseaddr(&a);
	check_ebadf();
	return verdict("sockopts");
}

/* ---- mmsg */

#define MMSG_QUERIES 3

/* Query k of the host's batch: "q<k>" then 100 * k dots; its length. */
static size_t mmsg_query(int k, char *buf)
{
	size_t n = 2 + 100 * (size_t)k;

	buf[0] = 'q';
	buf[1] = (char)('0' + k);
	memset(buf + 2, '.', n - 2);
	return n;
}

/* Entries v[0..n) receiving into bufs (512 bytes each), senders into
 * names. */
static void mmsg_vec(struct mmsghdr *v, struct iovec *iov, char (*bufs)[512],
		     struct sockaddr_in *names, int n)
{
	memset(v, 0, sizeof(*v) * (size_t)n);
	for (int i = 0; i < n; i++) {
		iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
		v[i].msg_hdr = (struct msghdr){ .msg_name = &names[i],
						.msg_namelen = sizeof(names[i]),
						.msg_iov = &iov[i],
						.msg_iovlen = 1 };
	}
}

/* The system calls themselves, not musl's wrappers: on x86_64 musl's
 * sendmmsg is a loop of sendmsg calls that never reaches the kernel's,
 * and its recvmmsg writes into the vector itself first (a bad one would
 * fault in the service, not give EFAULT). */
static long sys_recvmmsg(int fd, void *v, unsigned n, int flags)
{
	return syscall(SYS_recvmmsg, fd, v, n, flags, NULL);
}

static long sys_sendmmsg(int fd, void *v, unsigned n, int flags)
{
	return syscall(SYS_sendmmsg, fd, v, n, flags);
}

/* What needs no peer: vlen 0 is 0, a bad vector EFAULT, an empty queue
 * EAGAIN. */
static void mmsg_local(int u)
{
	struct mmsghdr v[1];

	memset(v, 0, sizeof(v));
	CHECK(sys_recvmmsg(u, v, 0, MSG_DONTWAIT) == 0);
	CHECK(sys_sendmmsg(u, v, 0, 0) == 0);
	errno = 0;
	CHECK(sys_recvmmsg(u, NULL, 4, MSG_DONTWAIT) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(sys_recvmmsg(u, (void *)8, 4, MSG_DONTWAIT) == -1 &&
	      errno == EFAULT);
	errno = 0;
	CHECK(sys_sendmmsg(u, NULL, 4, 0) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(sys_sendmmsg(u, (void *)8, 4, 0) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(recvmmsg(u, v, 1, MSG_DONTWAIT, NULL) == -1 && errno == EAGAIN);
}

/* Receive the host's MMSG_QUERIES queries in batches of up to 8
 * (MSG_WAITFORONE: each call returns what has come, never more than
 * was sent), checking each one's msg_len and bytes; senders in from. */
static int mmsg_receive(int u, struct sockaddr_in *from)
{
	static char bufs[8][512];
	struct sockaddr_in names[8];
	struct mmsghdr v[8];
	struct iovec iov[8];
	char want[512];
	int got = 0, calls = 0;

	while (got < MMSG_QUERIES && calls++ < 20) {
		mmsg_vec(v, iov, bufs, names, 8);
		int r = recvmmsg(u, v, 8, MSG_WAITFORONE, NULL);

		CHECK(r >= 1 && r <= MMSG_QUERIES - got);
		if (r < 1 || r > MMSG_QUERIES - got)
			return -1;
		for (int i = 0; i < r; i++, got++) {
			size_t n = mmsg_query(got, want);

			CHECK(v[i].msg_len == n);
			CHECK(v[i].msg_len == n && !memcmp(bufs[i], want, n));
			CHECK(v[i].msg_hdr.msg_namelen == sizeof(names[i]));
			from[got] = names[i];
		}
		printf("socktest: mmsg: %d queries from one call\n", r);
	}
	return got == MMSG_QUERIES ? 0 : -1;
}

/* Answer the queries in one sendmmsg, each to its sender: "r<k>" and
 * the query's dots. */
static void mmsg_answer(int u, struct sockaddr_in *to)
{
	static char bufs[MMSG_QUERIES][512];
	struct mmsghdr v[MMSG_QUERIES];
	struct iovec iov[MMSG_QUERIES];

	memset(v, 0, sizeof(v));
	for (int k = 0; k < MMSG_QUERIES; k++) {
		iov[k] = (struct iovec){ bufs[k], mmsg_query(k, bufs[k]) };
		bufs[k][0] = 'r';
		v[k].msg_hdr = (struct msghdr){ .msg_name = &to[k],
						.msg_namelen = sizeof(to[k]),
						.msg_iov = &iov[k],
						.msg_iovlen = 1 };
	}
	CHECK(sys_sendmmsg(u, v, MMSG_QUERIES, 0) == MMSG_QUERIES);
	for (int k = 0; k < MMSG_QUERIES; k++)
		CHECK(v[k].msg_len == iov[k].iov_len);
}

/* recvmmsg and sendmmsg on a UDP socket, port PORT: the local checks,
 * then a batch of queries from the host answered in one batch, then
 * the host's "bye" (the answers have arrived), after which nothing is
 * queued. */
static int mode_mmsg(int argc, char **argv)
{
	int port = argc > 2 ? atoi(argv[2]) : 7004;
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };
	struct sockaddr_in from[8];
	static char bufs[8][512];
	struct mmsghdr v[8];
	struct iovec iov[8];

	if (u < 0 || bind(u, (struct sockaddr *)&a, sizeof(a)) < 0)
		return 2;
	set_timeout(u, SO_RCVTIMEO, 60000);
	mmsg_local(u);
	printf("socktest: mmsg: listening on port %d\n", port);
	if (!mmsg_receive(u, from))
		mmsg_answer(u, from);
	mmsg_vec(v, iov, bufs, from, 8);
	CHECK(recvmmsg(u, v, 1, 0, NULL) == 1);
	CHECK(v[0].msg_len == 3 && !memcmp(bufs[0], "bye", 3));
	errno = 0;
	CHECK(recvmmsg(u, v, 8, MSG_DONTWAIT, NULL) == -1 && errno == EAGAIN);
	close(u);
	return verdict("mmsg");
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} modes[] = {
		{ "refused", mode_refused },   { "reset", mode_reset },
		{ "resolve", mode_resolve },   { "many", mode_many },
		{ "sockopts", mode_sockopts }, { "linger", mode_linger },
		{ "sendfile", mode_sendfile }, { "mmsg", mode_mmsg },
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; argc > 1 && i < sizeof(modes) / sizeof(modes[0]);
	     i++) {
		if (strcmp(argv[1], modes[i].name))
			continue;
		int r = modes[i].fn(argc, argv);

		if (r == 2)
			printf("socktest: %s: missing arguments\n", argv[1]);
		return r ? 1 : 0;
	}
	printf("usage: socktest refused|reset|resolve|many|sockopts|linger"
	       "|sendfile|mmsg ...\n");
	return 1;
}
