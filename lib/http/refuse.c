/* lib/http: connections over max_connections: answered 503 at once, then
 * kept (a few, for a second at most) until the peer closes, reading and
 * dropping its request: closing a socket with unread data, or before the
 * request arrives, sends a reset that can destroy the 503 in transit. */
#include "http_internal.h"

#include <errno.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define LINGER_MS 1000

static void drop(struct http_server *s, unsigned i)
{
	epoll_ctl(s->ep, EPOLL_CTL_DEL, s->linger_fd[i], NULL);
	close(s->linger_fd[i]);
	s->linger_fd[i] = -1;
}

void refuse_conn(struct http_server *s, int fd, uint64_t now)
{
	static const char body[] = "503 Service Unavailable\n";
	char h[256];
	int n = snprintf(h, sizeof(h),
			 "HTTP/1.1 503 Service Unavailable\r\nDate: %s\r\n"
			 "Content-Type: text/plain\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n%s",
			 http_date(s), sizeof(body) - 1, body);

	if (send(fd, h, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) > 0)
		s->stats.bytes_out += (uint64_t)n;
	s->stats.refused++;
	s->stats.status[5]++;
	shutdown(fd, SHUT_WR);
	for (unsigned i = 0; i < HTTP_LINGER; i++) {
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.u64 = (uint64_t)i << 2 |
						      HTTP_TAG_LINGER };

		if (s->linger_fd[i] >= 0)
			continue;
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			break;
		s->linger_fd[i] = fd;
		s->linger_until[i] = now + LINGER_MS;
		return;
	}
	close(fd);
}

void refuse_event(struct http_server *s, unsigned i)
{
	char buf[2048];
	ssize_t n;

	if (i >= HTTP_LINGER || s->linger_fd[i] < 0)
		return;
	n = recv(s->linger_fd[i], buf, sizeof(buf), MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		drop(s, i);
}

uint64_t refuse_sweep(struct http_server *s, uint64_t now, bool all)
{
	uint64_t next = UINT64_MAX;

	for (unsigned i = 0; i < HTTP_LINGER; i++) {
		if (s->linger_fd[i] < 0)
			continue;
		if (all || now >= s->linger_until[i])
			drop(s, i);
		else if (s->linger_until[i] < next)
			next = s->linger_until[i];
	}
	return next;
}
