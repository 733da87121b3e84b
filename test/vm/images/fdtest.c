/* fdtest: the file-descriptor layer inside libos, for the VM tests. There
 * are no pipes: eventfd and timerfd stand in. The first argument picks
 * the check:
 *   table    dup/dup2/dup3/close, EBADF, EMFILE, fcntl (FD_CLOEXEC,
 *            O_NONBLOCK -> EAGAIN, F_DUPFD), ioctl FIONBIO, fstat, lseek,
 *            eventfd counting (EFD_SEMAPHORE, overflow)
 *   epoll    level-triggered vs EPOLLET vs EPOLLONESHOT on an eventfd,
 *            ctl errors, a closed file leaving its set, nested sets
 *   poll     poll with a timeout, POLLNVAL, select on a timerfd,
 *            ppoll/pselect/epoll_pwait under a signal mask (EINTR)
 *   timerfd  periodic expiration counts, blocking read, gettime,
 *            absolute CLOCK_REALTIME times, disarming
 *   files    /etc/hosts through fopen and getaddrinfo, ENOENT, EROFS,
 *            fstat, lseek, stat, directories
 *   intr     epoll_wait forever until the power button's SIGTERM: EINTR
 * Each prints "fdtest: <check> ok" and exits 0, or names what failed and
 * exits 1. */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000ULL

static int failures;

/* Record a failed expectation with its line and errno. */
#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond)) {                                            \
			printf("fdtest: line %d: %s failed (errno %d)\n", \
			       __LINE__, #cond, errno);                   \
			failures++;                                       \
		}                                                         \
	} while (0)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, 0);
}

static void efd_add(int fd, uint64_t v)
{
	CHECK(write(fd, &v, 8) == 8);
}

static uint64_t efd_take(int fd)
{
	uint64_t v = 0;

	CHECK(read(fd, &v, 8) == 8);
	return v;
}

/* Wait (timeout ms) on ep; returns the count, events in *ev. */
static int ep_wait(int ep, struct epoll_event *ev, int max, int ms)
{
	return epoll_wait(ep, ev, max, ms);
}

static void check_dup_close(void)
{
	int e = eventfd(0, 0), d, d2;

	CHECK(e == 3); /* 0-2 are the console */
	d = dup(e);
	CHECK(d == 4);
	efd_add(e, 5);
	CHECK(efd_take(d) == 5); /* one file behind both */
	CHECK(dup2(e, 10) == 10);
	CHECK(dup2(e, 10) == 10);
	CHECK(dup2(e, e) == e);
	CHECK(dup2(77, 78) == -1 && errno == EBADF);
	CHECK(dup2(77, 77) == -1 && errno == EBADF);
	CHECK(dup3(e, e, 0) == -1 && errno == EINVAL);
	CHECK(dup3(e, 11, O_CLOEXEC | 1) == -1 && errno == EINVAL);
	CHECK(dup3(e, 11, O_CLOEXEC) == 11);
	CHECK(fcntl(11, F_GETFD) == FD_CLOEXEC);
	CHECK(fcntl(10, F_GETFD) == 0);
	CHECK(close(10) == 0);
	CHECK(close(10) == -1 && errno == EBADF);
	CHECK(close(-1) == -1 && errno == EBADF);
	CHECK(read(10, &d2, 4) == -1 && errno == EBADF);
	CHECK(write(99, "x", 1) == -1 && errno == EBADF);
	d2 = fcntl(e, F_DUPFD, 20);
	CHECK(d2 == 20);
	CHECK(fcntl(e, F_DUPFD_CLOEXEC, 20) == 21);
	CHECK(fcntl(21, F_GETFD) == FD_CLOEXEC);
	CHECK(fcntl(e, F_DUPFD, -1) == -1 && errno == EINVAL);
	CHECK(dup(e) == 5); /* the lowest free one */
	for (int fd = 4; fd < 22; fd++)
		if (fd != e)
			close(fd);
	close(e);
}

static void check_emfile(void)
{
	int n = 0, fd;

	while ((fd = dup(0)) >= 0)
		n++;
	CHECK(errno == EMFILE);
	CHECK(n == 4096 - 3);
	CHECK(eventfd(0, 0) == -1 && errno == EMFILE);
	close(1000);
	CHECK(dup(0) == 1000);
	for (fd = 3; fd < 4096; fd++)
		close(fd);
	CHECK(dup(0) == 3);
	close(3);
}

static void check_fcntl_nonblock(void)
{
	int e = eventfd(0, 0), on = 1;
	uint64_t v;

	CHECK((fcntl(e, F_GETFL) & O_ACCMODE) == O_RDWR);
	CHECK(fcntl(e, F_SETFL, O_NONBLOCK) == 0);
	CHECK(fcntl(e, F_GETFL) & O_NONBLOCK);
	CHECK(read(e, &v, 8) == -1 && errno == EAGAIN);
	CHECK(fcntl(e, F_SETFL, 0) == 0);
	CHECK(!(fcntl(e, F_GETFL) & O_NONBLOCK));
	CHECK(ioctl(e, FIONBIO, &on) == 0);
	CHECK(read(e, &v, 8) == -1 && errno == EAGAIN);
	CHECK(read(e, &v, 4) == -1 && errno == EINVAL);
	CHECK(lseek(e, 0, SEEK_SET) == -1 && errno == ESPIPE);
	CHECK(lseek(1, 0, SEEK_CUR) == -1 && errno == ESPIPE);
	CHECK(fcntl(e, 9999) == -1 && errno == EINVAL);
	CHECK(fcntl(55, F_GETFL) == -1 && errno == EBADF);
	close(e);
}

static void check_eventfd(void)
{
	int e = eventfd(3, EFD_NONBLOCK | EFD_SEMAPHORE);
	uint64_t v = UINT64_MAX - 4;

	for (int i = 0; i < 3; i++)
		CHECK(efd_take(e) == 1);
	CHECK(read(e, &v, 8) == -1 && errno == EAGAIN);
	v = UINT64_MAX - 1; /* the largest count */
	CHECK(write(e, &v, 8) == 8);
	v = 1;
	CHECK(write(e, &v, 8) == -1 && errno == EAGAIN);
	v = UINT64_MAX;
	CHECK(write(e, &v, 8) == -1 && errno == EINVAL);
	close(e);
	CHECK(eventfd(0, 0x1234) == -1 && errno == EINVAL);
}

static void check_stat(void)
{
	struct stat st;
	struct winsize ws;

	CHECK(fstat(1, &st) == 0 && S_ISCHR(st.st_mode));
	CHECK(isatty(1));
	CHECK(ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col == 80);
	CHECK(fstat(42, &st) == -1 && errno == EBADF);
	CHECK(fcntl(0, F_GETFL) != -1);
}

static int check_table(void)
{
	check_dup_close();
	check_emfile();
	check_fcntl_nonblock();
	check_eventfd();
	check_stat();
	return failures == 0;
}

/* The three modes on an eventfd with 1 in it. */
static void check_modes(void)
{
	int e = eventfd(1, EFD_NONBLOCK), lt = epoll_create1(0);
	int et = epoll_create1(EPOLL_CLOEXEC), os = epoll_create(1);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 7 }, out[4];

	CHECK(epoll_ctl(lt, EPOLL_CTL_ADD, e, &ev) == 0);
	ev.events = EPOLLIN | EPOLLET;
	CHECK(epoll_ctl(et, EPOLL_CTL_ADD, e, &ev) == 0);
	ev.events = EPOLLIN | EPOLLONESHOT;
	CHECK(epoll_ctl(os, EPOLL_CTL_ADD, e, &ev) == 0);
	for (int i = 0; i < 3; i++) /* level: every time */
		CHECK(ep_wait(lt, out, 4, 0) == 1 && out[0].data.u64 == 7 &&
		      out[0].events == EPOLLIN);
	CHECK(ep_wait(et, out, 4, 0) == 1); /* edge: once */
	CHECK(ep_wait(et, out, 4, 0) == 0);
	CHECK(ep_wait(os, out, 4, 0) == 1); /* one-shot: once */
	CHECK(ep_wait(os, out, 4, 0) == 0);
	efd_add(e, 1); /* a change: the edge fires again, one-shot not */
	CHECK(ep_wait(et, out, 4, 0) == 1);
	CHECK(ep_wait(et, out, 4, 0) == 0);
	CHECK(ep_wait(os, out, 4, 0) == 0);
	CHECK(epoll_ctl(os, EPOLL_CTL_MOD, e, &ev) == 0); /* re-armed */
	CHECK(ep_wait(os, out, 4, 0) == 1);
	CHECK(efd_take(e) == 2); /* drained: level goes quiet too */
	CHECK(ep_wait(lt, out, 4, 0) == 0);
	CHECK(ep_wait(et, out, 4, 0) == 0);
	printf("fdtest: epoll LT/ET/ONESHOT on an eventfd as expected\n");
	close(e);
	close(lt);
	close(et);
	close(os);
}

static void check_ctl_errors(void)
{
	int ep = epoll_create1(0), e = eventfd(0, 0), h;
	struct epoll_event ev = { .events = EPOLLIN };

	CHECK(epoll_create1(12345) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_epoll_create, 0) == -1 && errno == EINVAL);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev) == -1 && errno == EEXIST);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, e, 0) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, e, 0) == -1 && errno == ENOENT);
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, e, &ev) == -1 && errno == ENOENT);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev) == -1 && errno == EINVAL);
	CHECK(epoll_ctl(e, EPOLL_CTL_ADD, ep, &ev) == -1 && errno == EINVAL);
	CHECK(epoll_ctl(ep, 99, e, &ev) == -1 && errno == EINVAL);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, 99, &ev) == -1 && errno == EBADF);
	CHECK(epoll_wait(ep, &ev, 0, 0) == -1 && errno == EINVAL);
	CHECK(epoll_wait(e, &ev, 1, 0) == -1 && errno == EINVAL);
	h = open("/etc/hosts", O_RDONLY);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, h, &ev) == -1 && errno == EPERM);
	close(h);
	close(e);
	close(ep);
}

/* A file leaves its set when its last descriptor closes, not before. */
static void check_close_leaves(void)
{
	int ep = epoll_create1(0), e = eventfd(1, 0), d = dup(e);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 };

	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev) == 0);
	close(e); /* d still holds the file: still reported */
	CHECK(ep_wait(ep, &ev, 1, 0) == 1 && ev.data.u64 == 1);
	close(d); /* gone now */
	CHECK(ep_wait(ep, &ev, 1, 0) == 0);
	e = eventfd(1, 0); /* the same number, another file */
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev) == 0);
	close(e);
	close(ep);
}

/* A set in a set and in poll(); cycles refused. */
static void check_nested(void)
{
	int outer = epoll_create1(0), inner = epoll_create1(0);
	int e = eventfd(0, EFD_NONBLOCK);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 9 };
	struct pollfd p = { .fd = inner, .events = POLLIN };

	CHECK(epoll_ctl(inner, EPOLL_CTL_ADD, e, &ev) == 0);
	CHECK(epoll_ctl(outer, EPOLL_CTL_ADD, inner, &ev) == 0);
	CHECK(epoll_ctl(inner, EPOLL_CTL_ADD, outer, &ev) == -1 &&
	      errno == ELOOP);
	CHECK(ep_wait(outer, &ev, 1, 0) == 0);
	CHECK(poll(&p, 1, 0) == 0);
	efd_add(e, 3);
	CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLIN);
	CHECK(ep_wait(outer, &ev, 1, 0) == 1 && ev.data.u64 == 9);
	CHECK(ep_wait(inner, &ev, 1, 0) == 1 && ev.data.u64 == 9);
	close(e);
	close(inner);
	close(outer);
}

/* Blocking epoll_wait on a timerfd: it wakes when the timer fires. */
static void check_epoll_timer(void)
{
	int ep = epoll_create1(0), t = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec its = { .it_value = { 0, 30 * MS } };
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	uint64_t t0 = now_ns();

	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, t, &ev) == 0);
	CHECK(timerfd_settime(t, 0, &its, 0) == 0);
	CHECK(ep_wait(ep, &ev, 1, 5000) == 1);
	CHECK(now_ns() - t0 >= 30 * MS);
	CHECK(ep_wait(ep, &ev, 1, 50) == 0); /* edge: once */
	close(t);
	close(ep);
}

static int check_epoll(void)
{
	check_modes();
	check_ctl_errors();
	check_close_leaves();
	check_nested();
	check_epoll_timer();
	return failures == 0;
}

static void check_poll_timeout(void)
{
	int e = eventfd(0, 0);
	struct pollfd p[3] = { { .fd = e, .events = POLLIN },
			       { .fd = 99, .events = POLLIN },
			       { .fd = -1, .events = POLLIN } };
	uint64_t t0 = now_ns(), took;

	CHECK(poll(p, 1, 50) == 0);
	took = now_ns() - t0;
	printf("fdtest: poll with a 50 ms timeout took %llu us\n",
	       (unsigned long long)(took / 1000));
	CHECK(took >= 50 * MS && took < 2000 * MS);
	CHECK(poll(p, 3, 0) == 1 && p[1].revents == POLLNVAL &&
	      p[0].revents == 0 && p[2].revents == 0);
	efd_add(e, 1);
	p[0].events = POLLIN | POLLOUT;
	CHECK(poll(p, 1, -1) == 1 && p[0].revents == (POLLIN | POLLOUT));
	close(e);
}

/* select on a timerfd: not readable before it fires (when the host
 * stalled us for 40 ms after setting it, it may have fired: then it must
 * be readable), readable after. */
static void check_select_timerfd(void)
{
	int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK), n;
	struct itimerspec its = { .it_value = { 0, 40 * MS } };
	struct timeval tv = { 0, 0 };
	fd_set rd;
	uint64_t t0 = now_ns();

	CHECK(timerfd_settime(t, 0, &its, 0) == 0);
	FD_ZERO(&rd);
	FD_SET(t, &rd);
	n = select(t + 1, &rd, 0, 0, &tv);
	CHECK((n == 0 && !FD_ISSET(t, &rd)) ||
	      (n == 1 && FD_ISSET(t, &rd) && now_ns() - t0 >= 40 * MS));
	t0 = now_ns();
	FD_SET(t, &rd);
	tv.tv_sec = 5;
	CHECK(select(t + 1, &rd, 0, 0, &tv) == 1 && FD_ISSET(t, &rd));
	printf("fdtest: select on a 40 ms timerfd woke after %llu us\n",
	       (unsigned long long)((now_ns() - t0) / 1000));
	FD_ZERO(&rd);
	FD_SET(50, &rd);
	CHECK(select(51, &rd, 0, 0, &tv) == -1 && errno == EBADF);
	close(t);
}

static volatile sig_atomic_t usr1;

static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

/* SIGUSR1 blocked and pending: plain waits time out, waits under an
 * empty mask are interrupted and run the handler, and the old mask is
 * back afterwards. */
static void check_sigmask_waits(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t block, none, cur;
	int ep = epoll_create1(0);
	struct epoll_event ev;
	struct timespec ts = { 5, 0 };

	sigaction(SIGUSR1, &sa, 0);
	sigemptyset(&block);
	sigemptyset(&none);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, 0);
	raise(SIGUSR1);
	CHECK(usr1 == 0);
	CHECK(poll(0, 0, 10) == 0);
	CHECK(ppoll(0, 0, &ts, &none) == -1 && errno == EINTR && usr1 == 1);
	raise(SIGUSR1);
	CHECK(pselect(0, 0, 0, 0, &ts, &none) == -1 && errno == EINTR &&
	      usr1 == 2);
	raise(SIGUSR1);
	CHECK(epoll_pwait(ep, &ev, 1, 5000, &none) == -1 && errno == EINTR &&
	      usr1 == 3);
	sigprocmask(SIG_BLOCK, 0, &cur);
	CHECK(sigismember(&cur, SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &block, 0);
	close(ep);
}

static int check_poll(void)
{
	check_poll_timeout();
	check_select_timerfd();
	check_sigmask_waits();
	return failures == 0;
}

static uint64_t tfd_read(int t)
{
	uint64_t n = 0;

	CHECK(read(t, &n, 8) == 8);
	return n;
}

/* The expirations of a timer of period p set between s0 and s1 (clock
 * reads around timerfd_settime) and counted between r0 and r1 (around a
 * read): whole periods from the setting to the count, whatever the host
 * did in between. 0 if total lies outside. */
static int count_fits(uint64_t total, uint64_t p, uint64_t s0, uint64_t s1,
		      uint64_t r0, uint64_t r1)
{
	uint64_t lo = r0 > s1 ? (r0 - s1) / p : 0, hi = (r1 - s0) / p;

	if (total >= lo && total <= hi)
		return 1;
	printf("fdtest: %llu expirations, expected %llu to %llu\n",
	       (unsigned long long)total, (unsigned long long)lo,
	       (unsigned long long)hi);
	return 0;
}

/* A periodic timerfd counts every period, missed ones included: the
 * counts read add up to the periods since it was set, and each blocking
 * read returns at least one. */
static void check_periodic(void)
{
	int t = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec its = { { 0, 20 * MS }, { 0, 20 * MS } }, cur;
	uint64_t n, s0, s1, r0, r1, total;

	s0 = now_ns();
	CHECK(timerfd_settime(t, 0, &its, 0) == 0);
	s1 = now_ns();
	n = tfd_read(t); /* blocks until the first expiration */
	CHECK(n >= 1 && now_ns() - s0 >= 20 * MS);
	sleep_ms(200); /* about ten more, counted while nobody reads */
	r0 = now_ns();
	total = n + tfd_read(t);
	r1 = now_ns();
	printf("fdtest: periodic 20 ms timerfd: %llu expirations in %llu ms\n",
	       (unsigned long long)total, (unsigned long long)((r1 - s0) / MS));
	CHECK(total > n && count_fits(total, 20 * MS, s0, s1, r0, r1));
	for (int i = 0; i < 5; i++) {
		r0 = now_ns();
		n = tfd_read(t);
		r1 = now_ns();
		CHECK(n >= 1);
		total += n;
	}
	CHECK(count_fits(total, 20 * MS, s0, s1, r0, r1));
	CHECK(timerfd_gettime(t, &cur) == 0);
	CHECK(cur.it_interval.tv_nsec == 20 * MS && cur.it_value.tv_sec == 0 &&
	      cur.it_value.tv_nsec <= (long)(20 * MS));
	memset(&its, 0, sizeof(its)); /* disarm */
	CHECK(timerfd_settime(t, 0, &its, &cur) == 0);
	CHECK(cur.it_interval.tv_nsec == 20 * MS);
	CHECK(timerfd_gettime(t, &cur) == 0 && cur.it_value.tv_sec == 0 &&
	      cur.it_value.tv_nsec == 0);
	CHECK(fcntl(t, F_SETFL, O_NONBLOCK) == 0);
	CHECK(read(t, &n, 8) == -1 && errno == EAGAIN);
	close(t);
}

static void check_abstime(void)
{
	int t = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
	struct itimerspec its = { 0 };
	struct timespec now;
	uint64_t t0 = now_ns(), n;

	clock_gettime(CLOCK_REALTIME, &now);
	its.it_value.tv_sec = now.tv_sec + (now.tv_nsec >= 970000000);
	its.it_value.tv_nsec = (now.tv_nsec + 30 * MS) % 1000000000;
	CHECK(timerfd_settime(t, TFD_TIMER_ABSTIME, &its, 0) == 0);
	if (read(t, &n, 8) == 8) { /* already: the host stalled us 30 ms */
		CHECK(n == 1);
	} else {
		CHECK(errno == EAGAIN);
		CHECK(fcntl(t, F_SETFL, 0) == 0);
		CHECK(tfd_read(t) == 1);
	}
	CHECK(now_ns() - t0 >= 25 * MS);
	/* a time in the past fires at once */
	its.it_value.tv_sec = 1;
	its.it_value.tv_nsec = 0;
	CHECK(timerfd_settime(t, TFD_TIMER_ABSTIME, &its, 0) == 0);
	CHECK(tfd_read(t) == 1);
	close(t);
}

static void check_timerfd_errors(void)
{
	int t = timerfd_create(CLOCK_BOOTTIME, TFD_CLOEXEC), e = eventfd(0, 0);
	struct itimerspec its = { .it_value = { 0, 2000000000 } };

	CHECK(t >= 0 && fcntl(t, F_GETFD) == FD_CLOEXEC);
	CHECK(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0) == -1 &&
	      errno == EINVAL);
	CHECK(timerfd_create(CLOCK_MONOTONIC, 0x4) == -1 && errno == EINVAL);
	CHECK(timerfd_settime(t, 0, &its, 0) == -1 && errno == EINVAL);
	its.it_value.tv_nsec = 1;
	CHECK(timerfd_settime(e, 0, &its, 0) == -1 && errno == EINVAL);
	CHECK(timerfd_settime(77, 0, &its, 0) == -1 && errno == EBADF);
	CHECK(timerfd_settime(t, 0x100, &its, 0) == -1 && errno == EINVAL);
	close(t);
	close(e);
}

static int check_timerfd(void)
{
	check_periodic();
	check_abstime();
	check_timerfd_errors();
	return failures == 0;
}

static void check_hosts(void)
{
	char line[128], all[256] = "";
	FILE *f = fopen("/etc/hosts", "r");

	CHECK(f != NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		strncat(all, line, sizeof(all) - strlen(all) - 1);
	CHECK(feof(f));
	fclose(f);
	printf("fdtest: /etc/hosts: %s", all);
	CHECK(strstr(all, "127.0.0.1 localhost\n") != NULL);
}

static void check_open_errors(void)
{
	CHECK(fopen("/etc/missing", "r") == NULL && errno == ENOENT);
	CHECK(open("/nonexistent/x", O_RDONLY) == -1 && errno == ENOENT);
	CHECK(open("/etc/hosts", O_WRONLY) == -1 && errno == EROFS);
	CHECK(open("/etc/hosts", O_RDWR) == -1 && errno == EROFS);
	CHECK(open("/etc/new", O_WRONLY | O_CREAT, 0644) == -1 &&
	      errno == EROFS);
	CHECK(open("/etc/hosts/", O_RDONLY) == -1 && errno == ENOTDIR);
	CHECK(open("/etc/hosts", O_RDONLY | O_DIRECTORY) == -1 &&
	      errno == ENOTDIR);
	CHECK(open("", O_RDONLY) == -1 && errno == ENOENT);
}

static void check_file_ops(void)
{
	int fd = open("//etc/./../etc/hosts", O_RDONLY | O_CLOEXEC), d;
	struct stat st;
	char buf[64];
	int left = 0;

	CHECK(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC);
	CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 34);
	CHECK(ioctl(fd, FIONREAD, &left) == 0 && left == 34);
	CHECK(read(fd, buf, 9) == 9 && !memcmp(buf, "127.0.0.1", 9));
	CHECK(lseek(fd, 0, SEEK_CUR) == 9);
	CHECK(lseek(fd, -3, SEEK_END) == 31);
	CHECK(read(fd, buf, sizeof(buf)) == 3 && !memcmp(buf, "st\n", 3));
	CHECK(read(fd, buf, sizeof(buf)) == 0);
	CHECK(lseek(fd, -1, SEEK_SET) == -1 && errno == EINVAL);
	CHECK(write(fd, "x", 1) == -1 && errno == EBADF);
	CHECK(stat("/etc/hosts", &st) == 0 && st.st_size == 34);
	CHECK(stat("/etc", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(access("/etc/hosts", R_OK) == 0);
	CHECK(access("/etc/hosts", W_OK) == -1 && errno == EROFS);
	d = open("/etc", O_RDONLY | O_DIRECTORY);
	CHECK(d >= 0 && read(d, buf, 1) == -1 && errno == EISDIR);
	close(fd);
	fd = openat(d, "hosts", O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, 3) == 3 && !memcmp(buf, "127", 3));
	CHECK(openat(fd, "x", O_RDONLY) == -1 && errno == ENOTDIR);
	close(fd);
	close(d);
}

/* musl's resolver reads /etc/hosts. */
static void check_getaddrinfo(void)
{
	struct addrinfo hints = { .ai_family = AF_INET }, *res = 0;
	char ip[INET_ADDRSTRLEN] = "";
	int r = getaddrinfo("localhost", 0, &hints, &res);

	CHECK(r == 0 && res);
	if (r || !res)
		return;
	inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, ip,
		  sizeof(ip));
	printf("fdtest: getaddrinfo(localhost) = %s\n", ip);
	CHECK(!strcmp(ip, "127.0.0.1"));
	freeaddrinfo(res);
}

static int check_files(void)
{
	check_hosts();
	check_open_errors();
	check_file_ops();
	check_getaddrinfo();
	return failures == 0;
}

static volatile sig_atomic_t term;

static void on_term(int sig)
{
	term = sig;
}

static int check_intr(void)
{
	struct sigaction sa = { .sa_handler = on_term };
	int ep = epoll_create1(0), r;
	struct epoll_event ev;

	sigaction(SIGTERM, &sa, 0);
	printf("fdtest: waiting in epoll_wait for the power button\n");
	fflush(stdout);
	r = epoll_wait(ep, &ev, 1, -1);
	CHECK(r == -1 && errno == EINTR && term == SIGTERM);
	printf("fdtest: epoll_wait returned %d (%s)\n", r, strerror(errno));
	close(ep);
	return failures == 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
} checks[] = {
	{ "table", check_table }, { "epoll", check_epoll },
	{ "poll", check_poll },	  { "timerfd", check_timerfd },
	{ "files", check_files }, { "intr", check_intr },
};

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";

	setvbuf(stdout, 0, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (!strcmp(m, checks[i].name)) {
			int ok = checks[i].fn();

			printf("fdtest: %s %s\n", m, ok ? "ok" : "FAILED");
			return ok ? 0 : 1;
		}
	printf("fdtest: unknown check '%s'\n", m);
	return 1;
}
