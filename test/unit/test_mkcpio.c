/* Unit tests of tools/mkcpio, the packer of os_add_executable's FILES:
 * fixture trees made in a temporary directory (modes, mtimes, a symlink,
 * a hard link, empty and page-sized files, a mount point), packed by the
 * built mkcpio (its path is MKCPIO) and read back with the kernel's own
 * cpio reader (kernel/fs/cpio.c): names sorted, modes, mtimes and
 * contents as on the host, the data of every file of a page or more on
 * a page of the archive and of smaller ones right after the name,
 * nothing after the trailer, the same bytes when packed again, and the
 * same names listed by the host's `cpio -it`. Then the trees mkcpio
 * must refuse (FIFO, socket, a path given twice, bad mount points), each
 * with a non-zero status, a message naming the path, and no archive. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fs/cpio.h"

static char dir[] = "/tmp/test_mkcpio.XXXXXX";

/* dir "/" fmt..., in a static buffer of eight rotating slots. */
static const char *at(const char *fmt, ...)
{
	static char bufs[8][600];
	static int slot;
	char *b = bufs[slot++ % 8];
	va_list ap;
	int n = snprintf(b, 600, "%s/", dir);

	va_start(ap, fmt);
	vsnprintf(b + n, 600 - n, fmt, ap);
	va_end(ap);
	return b;
}

/* Run sh -c cmd; its status (or -1), its stderr into err (NUL-ended). */
static int run(char *err, size_t errlen, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	FILE *f;
	size_t n;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strcat(cmd, " 2>");
	strcat(cmd, at("stderr"));
	st = system(cmd);
	f = fopen(at("stderr"), "r");
	assert_non_null(f);
	n = fread(err, 1, errlen - 1, f);
	err[n] = '\0';
	fclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_file(const char *path, const void *data, size_t n,
		       mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* Give path (not followed) mtime t. */
static void set_mtime(const char *path, time_t t)
{
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };

	assert_int_equal(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0);
}

/* A file of n bytes of a pattern that differs from page to page. */
static void pattern_file(const char *path, size_t n, mode_t mode)
{
	unsigned char *p = malloc(n ? n : 1);

	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + i / 4096);
	write_file(path, p, n, mode);
	free(p);
}

static char long_name[300];

/* The fixture: t/ for "/" and u/ for "/srv/www", mtimes all different. */
static void make_fixture(void)
{
	time_t t = 1600000000;

	assert_non_null(mkdtemp(dir));
	memset(long_name, 'L', 250);
	long_name[250] = '\0';
	assert_int_equal(mkdir(at("t"), 0755), 0);
	assert_int_equal(mkdir(at("t/etc"), 0700), 0);
	assert_int_equal(mkdir(at("t/emptydir"), 0750), 0);
	assert_int_equal(mkdir(at("t/deep"), 0755), 0);
	assert_int_equal(mkdir(at("t/deep/a"), 0755), 0);
	write_file(at("t/etc/hosts"), "127.0.0.1 localhost\n", 20, 0644);
	pattern_file(at("t/etc/big"), 10000, 0600);
	pattern_file(at("t/etc/page"), 4096, 0640);
	pattern_file(at("t/one"), 1, 0444);
	write_file(at("t/empty"), "", 0, 0400);
	write_file(at("t/run.sh"), "#!/bin/sh\n", 10, 04755);
	write_file(at("t/with space"), "s", 1, 0644);
	write_file(at("t/etc-x"), "-", 1, 0644); /* between etc and etc/ */
	write_file(at("t/deep/a/%s", long_name), "long", 4, 0644);
	assert_int_equal(symlink("etc/hosts", at("t/link")), 0);
	assert_int_equal(symlink("nowhere", at("t/dangling")), 0);
	assert_int_equal(link(at("t/etc/hosts"), at("t/hard")), 0);
	assert_int_equal(mkdir(at("u"), 0755), 0);
	write_file(at("u/index.html"), "<p>hi</p>\n", 10, 0644);
	/* Children before parents: setting a child's mtime moves none. */
	set_mtime(at("t/deep/a/%s", long_name), t++);
	set_mtime(at("t/deep/a"), t++);
	set_mtime(at("t/deep"), t++);
	set_mtime(at("t/etc/hosts"), t++); /* and t/hard */
	set_mtime(at("t/etc/big"), t++);
	set_mtime(at("t/etc/page"), t++);
	set_mtime(at("t/etc"), t++);
	set_mtime(at("t/link"), t++);
	set_mtime(at("t/dangling"), t++);
	set_mtime(at("t/one"), t++);
	set_mtime(at("u/index.html"), t++);
	set_mtime(at("u"), t++);
}

/* An archive read into a page-aligned block. */
static unsigned char *load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	p = aligned_alloc(4096, (*len + 4095) & ~(size_t)4095);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, *len, f), *len);
	fclose(f);
	return p;
}

/* Compare entry e (archive name name) with its host path. */
static void check_entry(const struct kern_cpio_entry *e, const char *name,
			const char *host, const unsigned char *base)
{
	struct stat st;

	assert_int_equal(lstat(host, &st), 0);
	if (e->mode != (st.st_mode & (S_IFMT | 07777)))
		fail_msg("%s: mode %o, host %o", name, e->mode, st.st_mode);
	assert_int_equal(e->mtime, st.st_mtime);
	assert_int_equal(e->uid, 0);
	assert_int_equal(e->gid, 0);
	if (S_ISREG(st.st_mode)) {
		unsigned char *want = malloc(st.st_size + 1);
		FILE *f = fopen(host, "rb");

		assert_int_equal(e->nlink, 1);
		assert_int_equal(e->size, st.st_size);
		assert_non_null(f);
		assert_int_equal(fread(want, 1, st.st_size, f), st.st_size);
		fclose(f);
		assert_memory_equal(e->data, want, st.st_size);
		free(want);
		if (st.st_size >= 4096 &&
		    ((const unsigned char *)e->data - base) % 4096)
			fail_msg("%s: data at %td, not on a page", name,
				 (const unsigned char *)e->data - base);
		if (st.st_size < 4096 &&
		    (size_t)((const unsigned char *)e->data - base) !=
			    ((e->offset + 110 + e->name_len + 1 + 3) & ~3UL))
			fail_msg("%s: a file under a page, padded to %td", name,
				 (const unsigned char *)e->data - base);
	} else if (S_ISLNK(st.st_mode)) {
		char target[256];
		ssize_t n = readlink(host, target, sizeof(target));

		assert_true(n > 0);
		assert_int_equal(e->size, n);
		assert_memory_equal(e->data, target, n);
	} else {
		assert_true(S_ISDIR(st.st_mode));
		assert_int_equal(e->size, 0);
	}
}

/* The host path of archive name n (t/ is "/", u/ is "/srv/www"). */
static const char *host_of(const char *n)
{
	if (!strcmp(n, "srv"))
		return NULL; /* on the way to a mount point */
	if (!strncmp(n, "srv/www", 7))
		return at("u%s", n + 7);
	return at("t/%s", n);
}

static const char *const expected[] = {
	"dangling",   "deep",	  "deep/a",
	"deep/a/L",   "empty",	  "emptydir",
	"etc",	      "etc-x",	  "etc/big",
	"etc/hosts",  "etc/page", "hard",
	"link",	      "one",	  "run.sh",
	"srv",	      "srv/www",  "srv/www/index.html",
	"with space",
};
#define NEXPECTED (sizeof(expected) / sizeof(expected[0]))

/* The expected name i ("deep/a/L" stands for the long name). */
static const char *expected_name(size_t i, char *buf, size_t len)
{
	if (!strcmp(expected[i], "deep/a/L"))
		snprintf(buf, len, "deep/a/%s", long_name);
	else
		snprintf(buf, len, "%s", expected[i]);
	return buf;
}

static void test_pack(void **state)
{
	struct kern_cpio_iter it;
	struct kern_cpio_entry e;
	char err[512], name[400], want[400], prev[400] = "";
	unsigned char *p, *q;
	size_t len, len2, i = 0;
	struct stat srv;
	int r;

	(void)state;
	make_fixture();
	assert_int_equal(run(err, sizeof(err), "%s %s %s %s=/srv/www/", MKCPIO,
			     at("a.cpio"), at("t"), at("u")),
			 0);
	assert_string_equal(err, "");
	p = load(at("a.cpio"), &len);
	kern_cpio_init(&it, p, len, KERN_CPIO_MAX_ENTRIES);
	while ((r = kern_cpio_next(&it, &e, err, sizeof(err))) == 1) {
		const char *host;

		assert_true(e.name_len < sizeof(name));
		memcpy(name, e.name, e.name_len);
		name[e.name_len] = '\0';
		if (strcmp(prev, name) >= 0)
			fail_msg("\"%s\" after \"%s\"", name, prev);
		strcpy(prev, name);
		assert_true(i < NEXPECTED);
		assert_string_equal(name,
				    expected_name(i++, want, sizeof(want)));
		assert_int_equal(e.ino, i);
		host = host_of(name);
		if (host) {
			check_entry(&e, name, host, p);
			continue;
		}
		assert_int_equal(stat(at("u"), &srv), 0);
		assert_int_equal(e.mode, S_IFDIR | 0755);
		assert_int_equal(e.mtime, srv.st_mtime);
	}
	if (r < 0)
		fail_msg("%s", err);
	assert_int_equal(i, NEXPECTED);
	assert_int_equal(it.off, len); /* nothing after the trailer */

	/* Packed again: the same bytes. */
	assert_int_equal(run(err, sizeof(err), "%s %s %s %s=/srv/www", MKCPIO,
			     at("b.cpio"), at("t"), at("u")),
			 0);
	q = load(at("b.cpio"), &len2);
	assert_int_equal(len2, len);
	assert_memory_equal(p, q, len);
	free(p);
	free(q);
}

/* The host's cpio lists the same names, in the same order. */
static void test_host_cpio_lists(void **state)
{
	char err[512], line[400], want[400];
	FILE *f;
	size_t i = 0;

	(void)state;
	if (system("command -v cpio >/dev/null 2>&1") != 0) {
		print_message("cpio is not installed: listing skipped\n");
		skip();
	}
	assert_int_equal(run(err, sizeof(err), "cpio -it --quiet < %s > %s",
			     at("a.cpio"), at("list")),
			 0);
	assert_string_equal(err, "");
	f = fopen(at("list"), "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		assert_true(i < NEXPECTED);
		assert_string_equal(line,
				    expected_name(i++, want, sizeof(want)));
	}
	fclose(f);
	assert_int_equal(i, NEXPECTED);
}

/* mkcpio OUT args must fail with a message holding what, leaving no OUT
 * and no OUT.tmp. */
static void refused(const char *args, const char *what)
{
	char err[1024];
	int st =
		run(err, sizeof(err), "%s %s %s", MKCPIO, at("bad.cpio"), args);

	if (st == 0 || !strstr(err, what))
		fail_msg("mkcpio %s: status %d, \"%s\", want \"%s\"", args, st,
			 err, what);
	assert_int_equal(strncmp(err, "mkcpio: ", 8), 0);
	assert_int_equal(access(at("bad.cpio"), F_OK), -1);
	assert_int_equal(access(at("bad.cpio.tmp"), F_OK), -1);
}

static void test_refused(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char args[1024];
	int s;

	(void)state;
	assert_int_equal(mkdir(at("v"), 0755), 0);
	assert_int_equal(mkdir(at("v/etc"), 0755), 0);
	write_file(at("v/etc/hosts"), "other\n", 6, 0644);
	snprintf(args, sizeof(args), "%s %s", at("t"), at("v"));
	refused(args, "/etc/hosts: given by both");
	/* A directory in both merges; a mount point over a file does not. */
	write_file(at("v/srv"), "file", 4, 0644);
	assert_int_equal(unlink(at("v/etc/hosts")), 0);
	snprintf(args, sizeof(args), "%s %s=/srv/www", at("v"), at("u"));
	refused(args, "/srv: given by both");
	assert_int_equal(unlink(at("v/srv")), 0);

	assert_int_equal(mkfifo(at("v/etc/fifo"), 0644), 0);
	refused(at("v"), "v/etc/fifo: is a FIFO");
	assert_int_equal(unlink(at("v/etc/fifo")), 0);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", at("v/sock"));
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	refused(at("v"), "v/sock: is a socket");
	close(s);
	assert_int_equal(unlink(at("v/sock")), 0);

	write_file(at("v/TRAILER!!!"), "x", 1, 0644);
	refused(at("v"), "would end the archive");
	assert_int_equal(unlink(at("v/TRAILER!!!")), 0);
	refused(at("nonexistent"), "nonexistent: No such file");
	refused(at("t/etc/hosts"), "hosts: not a directory");
	snprintf(args, sizeof(args), "%s=srv", at("u"));
	refused(args, "mount point 'srv' is not absolute");
	snprintf(args, sizeof(args), "%s=/srv/../etc", at("u"));
	refused(args, "'.' or '..' component");

	/* v alone still packs (the refusals left nothing behind). */
	assert_int_equal(run(args, sizeof(args), "%s %s %s", MKCPIO,
			     at("v.cpio"), at("v")),
			 0);
}

static int teardown(void **state)
{
	char cmd[700];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack),
		cmocka_unit_test(test_host_cpio_lists),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
