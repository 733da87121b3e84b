/* Unit tests of kernel/fs/cpio.c, the cpio newc reader: archives built in
 * memory (good ones, 070702 checksums, and every kind of malformed entry,
 * each checked for -EINVAL and its message with the entry's offset), and
 * an archive written by the host's `cpio -o -H newc` when cpio is
 * installed. Every archive is parsed from a heap block of exactly its
 * size, so that a read past its end is caught by the sanitizers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fs/cpio.h"

/* An archive being written. */
struct ar {
	unsigned char *buf;
	size_t len, cap;
};

/* A header's fields; magic NULL means "070701". */
struct hdr {
	const char *magic;
	uint32_t ino, mode, uid, gid, nlink, mtime, filesize;
	uint32_t devmajor, devminor, rdevmajor, rdevminor, namesize, check;
};

static void put(struct ar *a, const void *p, size_t n)
{
	if (a->len + n > a->cap) {
		a->cap = (a->len + n) * 2 + 256;
		a->buf = realloc(a->buf, a->cap);
		assert_non_null(a->buf);
	}
	if (n) /* p is NULL for no data */
		memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void pad(struct ar *a)
{
	static const char zeros[4];

	put(a, zeros, (4 - a->len % 4) % 4);
}

/* Write the header h, then name_bytes of name, padding, data_bytes of
 * data, padding: the sizes in h may lie. */
static void add_raw(struct ar *a, const struct hdr *h, const void *name,
		    size_t name_bytes, const void *data, size_t data_bytes)
{
	char s[111];

	snprintf(s, sizeof(s),
		 "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 h->magic ? h->magic : "070701", h->ino, h->mode, h->uid,
		 h->gid, h->nlink, h->mtime, h->filesize, h->devmajor,
		 h->devminor, h->rdevmajor, h->rdevminor, h->namesize,
		 h->check);
	put(a, s, 110);
	put(a, name, name_bytes);
	pad(a);
	put(a, data, data_bytes);
	pad(a);
}

/* A well-formed header for name and data of mode. */
static struct hdr good(uint32_t mode, const char *name, size_t data_bytes)
{
	static uint32_t ino = 100;
	struct hdr h = {
		.ino = ino++,
		.mode = mode,
		.uid = 1000,
		.gid = 1001,
		.nlink = S_ISDIR(mode) ? 2 : 1,
		.mtime = 1700000000,
		.filesize = (uint32_t)data_bytes,
		.devmajor = 8,
		.devminor = 1,
		.namesize = (uint32_t)strlen(name) + 1,
	};
	return h;
}

static void add(struct ar *a, uint32_t mode, const char *name, const char *data)
{
	size_t n = data ? strlen(data) : 0;
	struct hdr h = good(mode, name, n);

	add_raw(a, &h, name, strlen(name) + 1, data, n);
}

static void add_trailer(struct ar *a)
{
	struct hdr h = good(0, "TRAILER!!!", 0);

	h.ino = 0;
	h.nlink = 1;
	add_raw(a, &h, "TRAILER!!!", 11, NULL, 0);
}

/* The archive in a heap block of exactly its size (one byte if empty). */
static unsigned char *exact(const struct ar *a)
{
	unsigned char *p = malloc(a->len ? a->len : 1);

	assert_non_null(p);
	memcpy(p, a->buf, a->len);
	return p;
}

/* Walk a: expect n_good entries, then -EINVAL at offset with a message
 * holding what; a second call must fail the same way. */
static void expect_fail_max(const struct ar *a, unsigned max, int n_good,
			    size_t offset, const char *what)
{
	unsigned char *p = exact(a);
	struct kern_cpio_iter it;
	struct kern_cpio_entry e;
	char err[256], err2[256], prefix[64];

	kern_cpio_init(&it, p, a->len, max);
	for (int i = 0; i < n_good; i++)
		assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 1);
	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), -EINVAL);
	snprintf(prefix, sizeof(prefix), "offset %zu: ", offset);
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, what))
		fail_msg("got \"%s\", want \"%s...%s\"", err, prefix, what);
	assert_int_equal(kern_cpio_next(&it, &e, err2, sizeof(err2)), -EINVAL);
	assert_string_equal(err, err2);
	free(p);
}

static void expect_fail(const struct ar *a, int n_good, size_t offset,
			const char *what)
{
	expect_fail_max(a, KERN_CPIO_MAX_ENTRIES, n_good, offset, what);
}

/* One bad entry after a good "./a" directory (at offset 0, 116 bytes,
 * so the bad one is at 116), then a trailer. */
static void one_bad(const struct hdr *h, const void *name, size_t name_bytes,
		    const void *data, size_t data_bytes, const char *what)
{
	struct ar a = { 0 };

	add(&a, S_IFDIR | 0755, "./a", NULL);
	assert_int_equal(a.len, 116);
	add_raw(&a, h, name, name_bytes, data, data_bytes);
	add_trailer(&a);
	expect_fail(&a, 1, 116, what);
	free(a.buf);
}

/* A bad entry of mode named name with data. */
static void bad_entry(uint32_t mode, const char *name, const char *data,
		      const char *what)
{
	size_t n = data ? strlen(data) : 0;
	struct hdr h = good(mode, name, n);

	one_bad(&h, name, strlen(name) + 1, data, n, what);
}

static void test_good_tree(void **state)
{
	struct ar a = { 0 };
	struct kern_cpio_iter it;
	struct kern_cpio_entry e;
	char err[128] = "";
	unsigned char *p;
	struct hdr h;

	(void)state;
	add(&a, S_IFDIR | 0755, ".", NULL);
	add(&a, S_IFDIR | 0700, "./etc", NULL);
	add(&a, S_IFREG | 0644, "./etc/hosts", "127.0.0.1 localhost\n");
	add(&a, S_IFLNK | 0777, "./etc/link", "hosts");
	add(&a, S_IFREG | 0600, "www/index.html", "");
	h = good(S_IFREG | 0644, "www/a", 3);
	h.nlink = 2;
	h.ino = 7;
	h.filesize = 0;
	add_raw(&a, &h, "www/a", 6, NULL, 0); /* hard link: no data */
	h.filesize = 3;
	add_raw(&a, &h, "www/b", 6, "abc", 3);
	add_trailer(&a);
	p = exact(&a);
	kern_cpio_init(&it, p, a.len, KERN_CPIO_MAX_ENTRIES);

	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 1);
	assert_int_equal(e.name_len, 0);
	assert_int_equal(e.mode, S_IFDIR | 0755);
	assert_int_equal(e.offset, 0);

	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 1);
	assert_int_equal(e.name_len, 3);
	assert_memory_equal(e.name, "etc", 3);
	assert_int_equal(e.mode, S_IFDIR | 0700);
	assert_int_equal(e.nlink, 2);
	assert_int_equal(e.size, 0);

	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 1);
	assert_int_equal(e.name_len, 9);
	assert_memory_equal(e.name, "etc/hosts", 9);
	assert_int_equal(e.mode, S_IFREG | 0644);
	assert_int_equal(e.uid, 1000);
	assert_int_equal(e.gid, 1001);
	assert_int_equal(e.mtime, 1700000000);
	assert_int_equal(e.dev_major, 8);
	assert_int_equal(e.dev_minor, 1);
	assert_int_equal(e.size, 20);
	assert_memory_equal(e.data, "127.0.0.1 localhost\n", 20);
	assert_int_equal((uintptr_t)e.data % 4, (uintptr_t)p % 4);

	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 1);
	assert_int_equal(e.mode & S_IFMT, S_IFLNK);
	assert_int_equal(e.size, 5);
	assert_memory_equal(e.data, "hosts", 5);

	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 1);
	assert_int_equal(e.name_len, 14);
	assert_memory_equal(e.name, "www/index.html", 14);
	assert_int_equal(e.size, 0);

	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 1);
	assert_int_equal(e.nlink, 2);
	assert_int_equal(e.ino, 7);
	assert_int_equal(e.size, 0);
	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 1);
	assert_int_equal(e.ino, 7);
	assert_int_equal(e.size, 3);
	assert_memory_equal(e.data, "abc", 3);

	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 0);
	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 0);
	assert_int_equal(it.count, 7);
	assert_string_equal(err, "");
	free(p);
	free(a.buf);
}

/* Data after the trailer (GNU cpio pads to 512 bytes) is not read; an
 * archive at an odd address parses (padding is relative to its start). */
static void test_after_trailer_and_unaligned(void **state)
{
	struct ar a = { 0 };
	struct kern_cpio_iter it;
	struct kern_cpio_entry e;
	unsigned char *p;
	char err[128];

	(void)state;
	add(&a, S_IFREG | 0644, "f", "data!");
	add_trailer(&a);
	put(&a, "garbage", 7);
	p = malloc(a.len + 1);
	assert_non_null(p);
	memcpy(p + 1, a.buf, a.len);
	kern_cpio_init(&it, p + 1, a.len, 1);
	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 1);
	assert_memory_equal(e.data, "data!", 5);
	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 0);
	free(p);
	free(a.buf);
}

static void test_crc_format(void **state)
{
	struct ar a = { 0 };
	struct hdr h = good(S_IFREG | 0644, "f", 3);
	unsigned char *p;
	struct kern_cpio_iter it;
	struct kern_cpio_entry e;
	char err[128];

	(void)state;
	h.magic = "070702";
	h.check = 'a' + 'b' + 0xff;
	add_raw(&a, &h, "f", 2, "ab\xff", 3);
	add_trailer(&a);
	p = exact(&a);
	kern_cpio_init(&it, p, a.len, 4);
	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 1);
	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 0);
	free(p);

	h.check++;
	one_bad(&h, "f", 2, "ab\xff", 3, "checksum mismatch");
	free(a.buf);

	/* 070701 ignores its check field. */
	a = (struct ar){ 0 };
	h.magic = NULL;
	h.check = 12345;
	add_raw(&a, &h, "f", 2, "ab\xff", 3);
	add_trailer(&a);
	p = exact(&a);
	kern_cpio_init(&it, p, a.len, 4);
	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 1);
	free(p);
	free(a.buf);
}

static void test_bad_header(void **state)
{
	struct hdr h = good(S_IFREG | 0644, "f", 0);
	struct ar a = { 0 };

	(void)state;
	h.magic = "070707"; /* the old portable format */
	one_bad(&h, "f", 2, NULL, 0, "bad magic");
	h.magic = "070701";
	a = (struct ar){ 0 };
	add(&a, S_IFDIR | 0755, "dir", NULL);
	add(&a, S_IFREG | 0644, "f", "x");
	a.buf[6 + 8 * 6 + 3] = 'g'; /* the first entry's filesize */
	expect_fail(&a, 0, 0, "field filesize is not 8 hex digits");
	a.buf[6 + 8 * 6 + 3] = '0';
	a.buf[116 + 6 + 8 * 11 + 7] = ' '; /* the second's namesize */
	expect_fail(&a, 1, 116, "field namesize is not 8 hex digits");
	free(a.buf);

	/* Lower-case hex digits are fine. */
	a = (struct ar){ 0 };
	add(&a, S_IFDIR | 0755, "d", NULL);
	memcpy(a.buf + 6 + 8, "000041ed", 8);
	expect_fail(&a, 1, 112, "end of archive without trailer");
	free(a.buf);
}

static void test_truncated(void **state)
{
	struct ar a = { 0 };
	size_t full;

	(void)state;
	add(&a, S_IFDIR | 0755, "./a", NULL);
	add(&a, S_IFREG | 0644, "./a/file", "0123456789"); /* at 116 */
	full = a.len;
	add_trailer(&a);

	a.len = 0;
	expect_fail(&a, 0, 0, "end of archive without trailer");
	a.len = 50;
	expect_fail(&a, 0, 0, "truncated header (50 bytes left)");
	a.len = 116 + 109;
	expect_fail(&a, 1, 116, "truncated header");
	a.len = 116 + 110 + 5;
	expect_fail(&a, 1, 116, "truncated name");
	a.len = 116 + 110 + 9; /* the name's NUL is there, padding not */
	expect_fail(&a, 1, 116, "name padding past the end");
	a.len = 116 + 120 + 9;
	expect_fail(&a, 1, 116, "file size 10 past the end");
	a.len = 116 + 120 + 10;
	expect_fail(&a, 1, 116, "data padding past the end");
	a.len = full;
	expect_fail(&a, 2, full, "end of archive without trailer");
	a.len = full + 50;
	expect_fail(&a, 2, full, "truncated header");
	free(a.buf);
}

static void test_lying_sizes(void **state)
{
	struct hdr h = good(S_IFREG | 0644, "f", 4);

	(void)state;
	h.filesize = 0xffffffff;
	one_bad(&h, "f", 2, "data", 4, "file size 4294967295 past the end");
	h.filesize = 4096;
	one_bad(&h, "f", 2, "data", 4, "file size 4096 past the end");
	h.filesize = 4;
	h.namesize = 0;
	one_bad(&h, "f", 2, "data", 4, "name size 0 out of 1..8192");
	h.namesize = 0xffffffff;
	one_bad(&h, "f", 2, "data", 4, "name size 4294967295 out of");
	h.namesize = 8193;
	one_bad(&h, "f", 2, "data", 4, "name size 8193 out of");
	h.namesize = 200; /* past the end of this small archive */
	one_bad(&h, "f", 2, "data", 4, "truncated name");
	h.namesize = 1;
	one_bad(&h, "", 1, "data", 4, "empty name");
	h.namesize = 2;
	one_bad(&h, "ff", 2, "data", 4, "name does not end with a NUL");
	h.namesize = 4;
	one_bad(&h, "f\0g", 4, "data", 4, "name holds a NUL");
}

static void test_long_names(void **state)
{
	char name[4100];
	struct ar a = { 0 };
	struct kern_cpio_iter it;
	struct kern_cpio_entry e;
	unsigned char *p;
	char err[128];

	(void)state;
	memset(name, 'n', sizeof(name));
	for (int i = 100; i < 4000; i += 100)
		name[i] = '/';
	name[4095] = '\0'; /* namesize 4096: the longest */
	add(&a, S_IFREG | 0644, name, "x");
	add_trailer(&a);
	p = exact(&a);
	kern_cpio_init(&it, p, a.len, 4);
	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 1);
	assert_int_equal(e.name_len, 4095);
	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 0);
	free(p);
	free(a.buf);

	name[4095] = 'n';
	name[4096] = '\0';
	bad_entry(S_IFREG | 0644, name, "x",
		  "name of 4096 bytes, more than 4095");
}

/* The name field of h padded with NULs to namesize bytes (name's own NUL
 * included): an entry tools/mkcpio writes, its data on a page. */
static void add_padded(struct ar *a, struct hdr *h, const char *name,
		       uint32_t namesize, const char *data)
{
	char *field = calloc(1, namesize);

	assert_non_null(field);
	memcpy(field, name, strlen(name));
	h->namesize = namesize;
	add_raw(a, h, field, namesize, data, data ? strlen(data) : 0);
	free(field);
}

/* Names padded with extra NULs so that the data starts at 4096 (tools/
 * mkcpio's layout) are read; a padded trailer ends the archive; padding
 * that holds anything but NULs, a name too long however the field is
 * padded, and a field longer than KERN_CPIO_NAMESIZE_MAX are refused. */
static void test_padded_names(void **state)
{
	struct ar a = { 0 };
	struct kern_cpio_iter it;
	struct kern_cpio_entry e;
	struct hdr h = good(S_IFREG | 0644, "www/index.html", 5);
	struct hdr t = good(0, "TRAILER!!!", 0);
	char err[128] = "", name[4200];
	unsigned char *p;

	(void)state;
	/* Data at 4096: 110 + namesize = 4096. */
	add_padded(&a, &h, "www/index.html", 4096 - 110, "hello");
	assert_int_equal(a.len, 4096 + 8);
	add_padded(&a, &t, "TRAILER!!!", 40, NULL);
	p = aligned_alloc(4096, 8192);
	assert_non_null(p);
	memcpy(p, a.buf, a.len);
	kern_cpio_init(&it, p, a.len, 4);
	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 1);
	assert_int_equal(e.name_len, 14);
	assert_memory_equal(e.name, "www/index.html", 14);
	assert_ptr_equal(e.data, p + 4096);
	assert_int_equal(e.size, 5);
	assert_memory_equal(e.data, "hello", 5);
	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	free(p);
	free(a.buf);

	/* The longest field: a 4095-byte name and 4097 NULs. */
	memset(name, 'n', 4095);
	for (int i = 200; i < 4095; i += 200)
		name[i] = '/';
	name[4095] = '\0';
	a = (struct ar){ 0 };
	h = good(S_IFREG | 0644, name, 1);
	add_padded(&a, &h, name, KERN_CPIO_NAMESIZE_MAX, "x");
	add_trailer(&a);
	p = exact(&a);
	kern_cpio_init(&it, p, a.len, 4);
	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 1);
	assert_int_equal(e.name_len, 4095);
	assert_memory_equal(e.data, "x", 1);
	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), 0);
	free(p);
	free(a.buf);

	/* A non-NUL byte in the padding, right after the NUL or last. */
	h = good(S_IFREG | 0644, "f", 1);
	h.namesize = 4;
	one_bad(&h, "f\0x", 4, "x", 1, "followed by a non-NUL byte at 2");
	h.namesize = 100;
	memset(name, 0, 100);
	name[0] = 'f';
	name[99] = 1;
	one_bad(&h, name, 100, "x", 1, "followed by a non-NUL byte at 99");
	/* A 4096-byte name is too long even in a field with room for it. */
	memset(name, 'n', 4096);
	memset(name + 4096, 0, 100);
	h.namesize = 4196;
	one_bad(&h, name, 4196, "x", 1, "name of 4096 bytes, more than 4095");
	h.namesize = KERN_CPIO_NAMESIZE_MAX + 1;
	one_bad(&h, "f", 2, "x", 1, "name size 8193 out of 1..8192");
}

static void test_bad_names(void **state)
{
	(void)state;
	bad_entry(S_IFREG | 0644, "/etc/passwd", "x", "absolute name");
	bad_entry(S_IFREG | 0644, "..", "x", "\"..\" component in \"..\"");
	bad_entry(S_IFREG | 0644, "../x", "x", "\"..\" component");
	bad_entry(S_IFREG | 0644, "a/../../x", "x", "\"..\" component");
	bad_entry(S_IFREG | 0644, "./a/..", "x", "\"..\" component");
	bad_entry(S_IFREG | 0644, "a//b", "x", "empty component in \"a//b\"");
	bad_entry(S_IFDIR | 0755, "a/", NULL, "empty component");
	bad_entry(S_IFDIR | 0755, "./", NULL, "empty component");
	bad_entry(S_IFREG | 0644, ".//a", "x", "empty component");
	bad_entry(S_IFREG | 0644, "a/./b", "x", "\".\" component");
	bad_entry(S_IFREG | 0644, "./.", "x", "\".\" component");
	bad_entry(S_IFREG | 0644, ".", "x", "\".\" is not a directory");
	{ /* a component of NAME_MAX + 1 bytes: listed, never opened */
		char name[300];

		memset(name, 'c', sizeof(name));
		memcpy(name, "d/", 2);
		name[2 + 256] = '\0';
		bad_entry(S_IFREG | 0644, name, "x",
			  "a component of 256 bytes, more than 255");
	}
	/* Names that only look odd are fine, as is a 255-byte component. */
	{
		struct ar a = { 0 };
		char longest[300];

		memset(longest, 'c', sizeof(longest));
		memcpy(longest, "d/", 2);
		longest[2 + 255] = '\0';
		add(&a, S_IFREG | 0644, longest, "x");
		add(&a, S_IFREG | 0644, "...", "x");
		add(&a, S_IFREG | 0644, "..a/.b/c..", "x");
		add(&a, S_IFREG | 0644, "TRAILER!!!x", "x");
		expect_fail(&a, 4, a.len, "end of archive without trailer");
		free(a.buf);
	}
}

static void test_bad_types(void **state)
{
	char target[4097];

	(void)state;
	bad_entry(S_IFCHR | 0666, "dev/null", NULL, "unsupported file type");
	bad_entry(S_IFBLK | 0660, "dev/sda", NULL, "unsupported file type");
	bad_entry(S_IFIFO | 0644, "fifo", NULL, "unsupported file type");
	bad_entry(S_IFSOCK | 0755, "sock", NULL, "unsupported file type");
	bad_entry(0644, "notype", NULL, "unsupported file type 0");
	bad_entry(S_IFREG | 0644 | 0x10000, "f", "x", "has unknown bits");
	bad_entry(S_IFDIR | 0755, "d", "data", "directory with 4 bytes");
	bad_entry(S_IFLNK | 0777, "l", NULL, "symlink target of 0 bytes");
	memset(target, 't', sizeof(target));
	target[4095] = '\0';
	{
		struct ar a = { 0 };
		size_t second;

		add(&a, S_IFLNK | 0777, "l", target); /* 4095: the longest */
		second = a.len;
		add(&a, S_IFREG | 0644, "g", NULL);
		add_trailer(&a);
		/* and the caller's limit holds */
		expect_fail_max(&a, 1, 1, second, "more than 1 entries");
		free(a.buf);
	}
	target[4095] = 't';
	target[4096] = '\0';
	bad_entry(S_IFLNK | 0777, "l", target, "symlink target of 4096 bytes");
	{
		struct hdr h = good(S_IFLNK | 0777, "l", 3);

		one_bad(&h, "l", 2, "a\0b", 3, "symlink target holds a NUL");
	}
}

static void test_entry_limit(void **state)
{
	struct ar a = { 0 };
	struct kern_cpio_iter it;
	struct kern_cpio_entry e;
	unsigned char *p;
	char name[16], err[128];
	size_t last = 0;
	int r, n = 0;

	(void)state;
	for (int i = 0; i <= KERN_CPIO_MAX_ENTRIES; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		last = a.len;
		add(&a, S_IFREG | 0644, name, NULL);
	}
	add_trailer(&a);
	expect_fail(&a, KERN_CPIO_MAX_ENTRIES, last, "more than 65536 entries");

	/* One fewer fits exactly. */
	a.len = last;
	add_trailer(&a);
	p = exact(&a);
	kern_cpio_init(&it, p, a.len, KERN_CPIO_MAX_ENTRIES);
	while ((r = kern_cpio_next(&it, &e, err, sizeof(err))) == 1)
		n++;
	assert_int_equal(r, 0);
	assert_int_equal(n, KERN_CPIO_MAX_ENTRIES);
	free(p);
	free(a.buf);
}

/* A short or absent error buffer truncates the message, nothing else. */
static void test_short_err(void **state)
{
	struct ar a = { 0 };
	struct kern_cpio_iter it;
	struct kern_cpio_entry e;
	char err[8];

	(void)state;
	put(&a, "junkjunkjunk", 12);
	kern_cpio_init(&it, a.buf, a.len, 4);
	assert_int_equal(kern_cpio_next(&it, &e, NULL, 0), -EINVAL);
	assert_int_equal(kern_cpio_next(&it, &e, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "offset ");
	free(a.buf);
}

/* An archive that Debian's cpio writes from `find .`: its entries as
 * created, "." and "./x" names normalised. */
static void test_host_cpio(void **state)
{
	char dir[] = "/tmp/test_cpio.XXXXXX", cmd[512], err[256];
	struct kern_cpio_iter it;
	struct kern_cpio_entry e;
	int seen = 0, r;
	unsigned char *p;
	size_t len;
	FILE *f;

	(void)state;
	if (system("command -v cpio >/dev/null 2>&1") != 0) {
		print_message("cpio is not installed: host archive skipped\n");
		skip();
	}
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir -p t/sub && printf hello > t/sub/f && "
		 "ln -s sub/f t/l && cd t && find . | LC_ALL=C sort | "
		 "cpio --quiet -o -H newc > ../a.cpio",
		 dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/a.cpio", dir);
	f = fopen(cmd, "rb");
	assert_non_null(f);
	p = malloc(1 << 16);
	assert_non_null(p);
	len = fread(p, 1, 1 << 16, f);
	fclose(f);
	kern_cpio_init(&it, p, len, 16);
	while ((r = kern_cpio_next(&it, &e, err, sizeof(err))) == 1) {
		if (e.name_len == 0 && S_ISDIR(e.mode))
			seen |= 1;
		if (e.name_len == 3 && !memcmp(e.name, "sub", 3) &&
		    S_ISDIR(e.mode))
			seen |= 2;
		if (e.name_len == 5 && !memcmp(e.name, "sub/f", 5) &&
		    S_ISREG(e.mode) && e.size == 5 &&
		    !memcmp(e.data, "hello", 5))
			seen |= 4;
		if (e.name_len == 1 && e.name[0] == 'l' && S_ISLNK(e.mode) &&
		    e.size == 5 && !memcmp(e.data, "sub/f", 5))
			seen |= 8;
	}
	if (r < 0)
		fail_msg("%s", err);
	assert_int_equal(r, 0);
	assert_int_equal(seen, 15);
	free(p);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_tree),
		cmocka_unit_test(test_after_trailer_and_unaligned),
		cmocka_unit_test(test_crc_format),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_lying_sizes),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_padded_names),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_bad_types),
		cmocka_unit_test(test_entry_limit),
		cmocka_unit_test(test_short_err),
		cmocka_unit_test(test_host_cpio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
