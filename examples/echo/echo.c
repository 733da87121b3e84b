/* echo: a TCP and UDP echo server (RFC 862) with epoll, in plain POSIX:
 * the same file builds as a libos image and as an ordinary Linux program.
 *
 *   echo [PORT]      listen on PORT (default 7), IPv6 and IPv4, TCP and UDP
 *
 * Each TCP connection gets back what it sends; data the peer is slow to
 * take waits in a per-connection buffer (reading stops while it is
 * full). Errors on one connection close that connection only. */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 64
#define BUF_SIZE 65536

struct conn {
	int fd;
	size_t len, off; /* pending bytes in buf[off .. len) */
	char buf[BUF_SIZE];
};

static int ep;

static int listen_on(int type, int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons((uint16_t)port),
				  .sin6_addr = IN6ADDR_ANY_INIT };
	int fd = socket(AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int no = 0, yes = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &no, sizeof(no));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 1024) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void watch(int fd, unsigned events, void *ptr, int op)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	epoll_ctl(ep, op, fd, &ev);
}

static void drop(struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
}

static void accept_all(int lfd)
{
	int fd, one = 1;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >=
	       0) {
		struct conn *c = malloc(sizeof(*c));

		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->len = c->off = 0;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		watch(fd, EPOLLIN, c, EPOLL_CTL_ADD);
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED)
		perror("echo: accept");
}

/* Send what is pending; 0 when all went, 1 when the peer is slow, -1 on
 * error. */
static int flush(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off,
				 MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN ? 1 : -1;
		c->off += (size_t)n;
	}
	c->len = c->off = 0;
	return 0;
}

static void serve(struct conn *c, unsigned events)
{
	int r = flush(c);

	while (r == 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
		ssize_t n = recv(c->fd, c->buf, sizeof(c->buf), 0);

		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			drop(c);
			return;
		}
		if (n < 0)
			break;
		c->len = (size_t)n;
		r = flush(c);
	}
	if (r < 0) {
		drop(c);
		return;
	}
	/* while output waits, stop reading: the peer must take it first */
	watch(c->fd, r ? EPOLLOUT : EPOLLIN, c, EPOLL_CTL_MOD);
}

static void echo_datagrams(int ufd)
{
	static char buf[BUF_SIZE];
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	ssize_t n;

	while ((n = recvfrom(ufd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
			     &len)) >= 0) {
		sendto(ufd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
		len = sizeof(from);
	}
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 7;
	int tfd = listen_on(SOCK_STREAM, port),
	    ufd = listen_on(SOCK_DGRAM, port);
	struct epoll_event ev[MAX_EVENTS];
	static int tcp_tag, udp_tag;

	signal(SIGPIPE, SIG_IGN);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (tfd < 0 || ufd < 0 || ep < 0) {
		perror("echo: cannot listen");
		return 1;
	}
	watch(tfd, EPOLLIN, &tcp_tag, EPOLL_CTL_ADD);
	watch(ufd, EPOLLIN, &udp_tag, EPOLL_CTL_ADD);
	printf("echo: listening on port %d (TCP and UDP, IPv6 and IPv4)\n",
	       port);
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(ep, ev, MAX_EVENTS, -1);

		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == &tcp_tag)
				accept_all(tfd);
			else if (ev[i].data.ptr == &udp_tag)
				echo_datagrams(ufd);
			else
				serve(ev[i].data.ptr, ev[i].events);
		}
		if (n < 0 && errno != EINTR) {
			perror("echo: epoll_wait");
			return 1;
		}
	}
}
