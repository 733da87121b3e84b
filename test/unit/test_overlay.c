/* Unit tests of kernel/fs/overlay.c, cpio newc archives loaded into the
 * file tree (node.c) over each other: a "baked" archive, then an
 * "initrd" over it (a file replaces a file with its bytes, mode and
 * mtime; new entries appear; directories merge; missing parents are
 * made; "." is the root), hard links, and every refused archive (-EINVAL
 * with a message giving the entry's offset, and its path where it has
 * one). Archives are built in memory, each in a heap block of exactly its
 * size so that the sanitizers catch a read past its end. The tree lives
 * for the whole program, each test under a top directory of its own, and
 * so do the archives: its names and files are their bytes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fs/node.h"
#include "fs/overlay.h"
#include "fs_mocks.h"

#define NS 1000000000LL
/* More names waiting for a hard link's bytes than a frame holds. */
#define WAITING_NAMES 200

/* An archive being written. */
struct ar {
	unsigned char *buf;
	size_t len, cap;
};

/* An entry's header fields beyond its name, mode and data. */
struct meta {
	uint32_t ino, nlink, mtime, devmajor;
	int64_t size; /* the size field; -1: the data's length */
};

static void put(struct ar *a, const void *p, size_t n)
{
	if (a->len + n > a->cap) {
		a->cap = (a->len + n) * 2 + 256;
		a->buf = realloc(a->buf, a->cap);
		assert_non_null(a->buf);
	}
	if (n)
		memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static void pad(struct ar *a)
{
	static const char zeros[4];

	put(a, zeros, (4 - a->len % 4) % 4);
}

/* Append an entry with header fields m; returns its offset. */
static size_t add_meta(struct ar *a, uint32_t mode, const char *name,
		       const char *data, struct meta m)
{
	static uint32_t next_ino = 1000;
	size_t n = data ? strlen(data) : 0, at = a->len;
	char h[111];

	snprintf(h, sizeof(h),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 m.ino ? m.ino : next_ino++, mode, 0, 0, m.nlink ? m.nlink : 1,
		 m.mtime, m.size < 0 ? (uint32_t)n : (uint32_t)m.size,
		 m.devmajor ? m.devmajor : 8, 1, 0, 0,
		 (uint32_t)strlen(name) + 1, 0);
	put(a, h, 110);
	put(a, name, strlen(name) + 1);
	pad(a);
	put(a, data, n);
	pad(a);
	return at;
}

/* Append an ordinary entry; returns its offset. */
static size_t add(struct ar *a, uint32_t mode, const char *name,
		  const char *data, uint32_t mtime)
{
	return add_meta(a, mode, name, data,
			(struct meta){ .mtime = mtime, .size = -1 });
}

static size_t add_trailer(struct ar *a)
{
	return add(a, 0, "TRAILER!!!", NULL, 0);
}

/* Every archive loaded, kept until the end (freed by main). */
static unsigned char *kept[64];
static size_t n_kept;

/* The archive in a heap block of exactly its size, kept; a is emptied
 * for the next one. */
static unsigned char *finish(struct ar *a)
{
	unsigned char *p = malloc(a->len);

	assert_non_null(p);
	assert_true(n_kept < sizeof(kept) / sizeof(kept[0]));
	memcpy(p, a->buf, a->len);
	free(a->buf);
	*a = (struct ar){ 0 };
	return kept[n_kept++] = p;
}

/* Load a (with its trailer added) and expect success; *len (if not
 * NULL) is its length. */
static unsigned char *load_ok(struct ar *a, size_t *len)
{
	char err[256] = "";
	size_t n;
	unsigned char *p;

	add_trailer(a);
	n = a->len;
	p = finish(a);
	if (fs_load_archive(p, n, err, sizeof(err)))
		fail_msg("load failed: %s", err);
	if (len)
		*len = n;
	return p;
}

/* Load the first len bytes of a (no trailer added) and expect -EINVAL
 * with a message starting "offset <offset>: " and holding each of the
 * strings what... (NULL-terminated). */
static void expect_fail_len(struct ar *a, size_t len, size_t offset, ...)
{
	char err[512] = "", prefix[64];
	unsigned char *p;
	const char *what;
	va_list ap;

	assert_true(len <= a->len);
	a->len = len;
	p = finish(a);
	assert_int_equal(fs_load_archive(p, len, err, sizeof(err)), -EINVAL);
	snprintf(prefix, sizeof(prefix), "offset %zu: ", offset);
	if (strncmp(err, prefix, strlen(prefix)))
		fail_msg("got \"%s\", want it to start \"%s\"", err, prefix);
	va_start(ap, offset);
	while ((what = va_arg(ap, const char *)))
		if (!strstr(err, what))
			fail_msg("got \"%s\", want \"%s\" in it", err, what);
	va_end(ap);
}

/* The file at path: from an archive, with mode, mtime and contents. */
static void expect_file(const char *path, uint32_t mode, uint32_t mtime,
			const char *data, const unsigned char *archive,
			size_t archive_len)
{
	struct fs_node *n = fs_node_walk(path);

	if (!n)
		fail_msg("%s: not in the tree", path);
	assert_int_equal(n->kind, FS_KIND_RO);
	assert_int_equal(n->mode, mode);
	assert_int_equal(n->mtime, (int64_t)mtime * NS);
	assert_true(n->flags & FS_NODE_ARCHIVE);
	assert_int_equal(n->u.ro.size, strlen(data));
	assert_memory_equal(n->u.ro.data, data, strlen(data));
	/* Read in place: the bytes are the archive's. */
	if (archive && *data)
		assert_true((const unsigned char *)n->u.ro.data >= archive &&
			    (const unsigned char *)n->u.ro.data +
					    n->u.ro.size <=
				    archive + archive_len);
}

/* The directory at path, with mode; its entries' count. */
static size_t expect_dir(const char *path, uint32_t mode)
{
	struct fs_node *n = fs_node_walk(path);

	if (!n)
		fail_msg("%s: not in the tree", path);
	assert_int_equal(n->kind, FS_KIND_DIR);
	assert_int_equal(n->mode, mode);
	return n->u.dir.count;
}

/* The baked tree, then an initrd over it: replaced, added, merged and
 * made entries, and the untouched ones kept. */
static void test_overlay(void **state)
{
	struct ar a = { 0 };
	unsigned char *baked, *initrd;
	size_t baked_len, initrd_len;

	(void)state;
	add(&a, S_IFDIR | 0755, "./ov", NULL, 100);
	add(&a, S_IFDIR | 0700, "./ov/etc", NULL, 101);
	add(&a, S_IFREG | 0644, "./ov/etc/app.conf", "port 53\n", 102);
	add(&a, S_IFREG | 0600, "./ov/etc/key", "baked key", 103);
	add(&a, S_IFLNK | 0777, "./ov/etc/current", "app.conf", 104);
	add(&a, S_IFDIR | 0755, "./ov/www", NULL, 105);
	add(&a, S_IFREG | 0644, "./ov/www/index.html", "<p>baked</p>", 106);
	baked = load_ok(&a, &baked_len);
	expect_file("/ov/etc/app.conf", S_IFREG | 0644, 102, "port 53\n", baked,
		    baked_len);
	expect_file("/ov/etc/current", S_IFLNK | 0777, 104, "app.conf", baked,
		    baked_len);
	assert_int_equal(expect_dir("/ov/etc", S_IFDIR | 0700), 3);

	/* The initrd: a new version of two files (one with another mode),
	 * a link now a file, a file added, a directory merged with a new
	 * mode, a new directory, and a file whose parents are not named. */
	add(&a, S_IFREG | 0640, "ov/etc/app.conf", "port 5353\n", 200);
	add(&a, S_IFREG | 0644, "ov/etc/current", "now a file", 201);
	add(&a, S_IFREG | 0644, "ov/etc/extra", "new", 202);
	add(&a, S_IFDIR | 0750, "ov/etc", NULL, 203);
	add(&a, S_IFDIR | 0711, "ov/new", NULL, 204);
	add(&a, S_IFREG | 0444, "ov/new/file", "", 205);
	add(&a, S_IFREG | 0600, "ov/deep/er/file", "deep", 206);
	add(&a, S_IFREG | 0644, "ov/www/index.html", "<p>initrd</p>", 207);
	initrd = load_ok(&a, &initrd_len);

	expect_file("/ov/etc/app.conf", S_IFREG | 0640, 200, "port 5353\n",
		    initrd, initrd_len);
	expect_file("/ov/etc/current", S_IFREG | 0644, 201, "now a file",
		    initrd, initrd_len);
	expect_file("/ov/etc/extra", S_IFREG | 0644, 202, "new", initrd,
		    initrd_len);
	expect_file("/ov/etc/key", S_IFREG | 0600, 103, "baked key", baked,
		    baked_len);
	expect_file("/ov/www/index.html", S_IFREG | 0644, 207, "<p>initrd</p>",
		    initrd, initrd_len);
	expect_file("/ov/new/file", S_IFREG | 0444, 205, "", NULL, 0);
	expect_file("/ov/deep/er/file", S_IFREG | 0600, 206, "deep", initrd,
		    initrd_len);
	/* Merged: the baked entries and the new one, the initrd's mode. */
	assert_int_equal(expect_dir("/ov/etc", S_IFDIR | 0750), 4);
	assert_int_equal(fs_node_walk("/ov/etc")->mtime, 203 * NS);
	assert_int_equal(expect_dir("/ov/new", S_IFDIR | 0711), 1);
	/* Made: plain directories with the entry's mtime. */
	assert_int_equal(expect_dir("/ov/deep", S_IFDIR | 0755), 1);
	assert_int_equal(expect_dir("/ov/deep/er", S_IFDIR | 0755), 1);
	assert_int_equal(fs_node_walk("/ov/deep/er")->mtime, 206 * NS);
	assert_int_equal(expect_dir("/ov", S_IFDIR | 0755), 4);
}

/* "." (GNU cpio's, from `find .`) gives the root its mode and mtime; a
 * later archive's "." does it again. */
static void test_root_entry(void **state)
{
	struct ar a = { 0 };

	(void)state;
	add(&a, S_IFDIR | 0700, ".", NULL, 300);
	add(&a, S_IFREG | 0644, "./root1", "r", 301);
	load_ok(&a, NULL);
	assert_ptr_equal(fs_node_walk("/"), fs_root());
	assert_int_equal(fs_root()->mode, S_IFDIR | 0700);
	assert_int_equal(fs_root()->mtime, 300 * NS);
	assert_ptr_equal(fs_root()->parent, fs_root());
	add(&a, S_IFDIR | 0755, ".", NULL, 400);
	load_ok(&a, NULL);
	assert_int_equal(fs_root()->mode, S_IFDIR | 0755);
	assert_int_equal(fs_root()->mtime, 400 * NS);
	expect_file("/root1", S_IFREG | 0644, 301, "r", NULL, 0);
}

/* Hard links (newc: every name but the last with no data, the last with
 * it): every name reads the bytes; a name that replaces a baked file
 * too. A lone empty file and a link on another device stay empty. */
static void test_hard_links(void **state)
{
	struct ar a = { 0 };
	struct meta first = { .ino = 77, .nlink = 3, .mtime = 500, .size = 0 };
	struct meta last = { .ino = 77, .nlink = 3, .mtime = 500, .size = -1 };
	struct meta other_dev = {
		.ino = 77, .nlink = 2, .mtime = 500, .size = 0, .devmajor = 9
	};
	struct meta pair1 = { .ino = 78, .nlink = 2, .mtime = 501, .size = 0 };
	struct meta pair2 = { .ino = 78, .nlink = 2, .mtime = 501, .size = -1 };

	(void)state;
	add(&a, S_IFREG | 0644, "hl/replaced", "baked bytes", 499);
	load_ok(&a, NULL);
	add_meta(&a, S_IFREG | 0644, "hl/replaced", NULL, first);
	add_meta(&a, S_IFREG | 0644, "hl/sub/one", NULL, first);
	add(&a, S_IFREG | 0644, "hl/empty", "", 502);
	add_meta(&a, S_IFREG | 0644, "hl/elsewhere", NULL, other_dev);
	add_meta(&a, S_IFREG | 0644, "hl/p1", NULL, pair1);
	add_meta(&a, S_IFREG | 0644, "hl/holder", "shared bytes", last);
	add_meta(&a, S_IFREG | 0644, "hl/p2", "pair", pair2);
	load_ok(&a, NULL);
	expect_file("/hl/holder", S_IFREG | 0644, 500, "shared bytes", NULL, 0);
	expect_file("/hl/sub/one", S_IFREG | 0644, 500, "shared bytes", NULL,
		    0);
	expect_file("/hl/replaced", S_IFREG | 0644, 500, "shared bytes", NULL,
		    0);
	assert_ptr_equal(fs_node_walk("/hl/sub/one")->u.ro.data,
			 fs_node_walk("/hl/holder")->u.ro.data);
	expect_file("/hl/p1", S_IFREG | 0644, 501, "pair", NULL, 0);
	expect_file("/hl/p2", S_IFREG | 0644, 501, "pair", NULL, 0);
	expect_file("/hl/empty", S_IFREG | 0644, 502, "", NULL, 0);
	expect_file("/hl/elsewhere", S_IFREG | 0644, 500, "", NULL, 0);
}

/* Memory gone while names wait for a hard link's bytes: the load stops
 * with the error a node that cannot be had gives. Before, the names that
 * found no room to wait stayed empty files and the load succeeded. The
 * nodes come from the pool's free list, so only the waiting names need
 * new frames: more of them than the frame they share holds. */
static void test_hard_links_no_memory(void **state)
{
	struct ar a = { 0 };
	struct meta empty = { .ino = 90, .nlink = 2, .mtime = 600, .size = 0 };
	struct meta holder = {
		.ino = 90, .nlink = 2, .mtime = 600, .size = -1
	};
	struct fs_node *spare[WAITING_NAMES + 8];
	char name[32], err[256] = "";
	unsigned char *p;
	size_t n;
	int r;

	(void)state;
	add(&a, S_IFDIR | 0755, "hm", NULL, 600);
	load_ok(&a, NULL);
	for (size_t i = 0; i < sizeof(spare) / sizeof(spare[0]); i++)
		assert_non_null(spare[i] = fs_node_new(FS_KIND_RO, 0));
	for (size_t i = 0; i < sizeof(spare) / sizeof(spare[0]); i++)
		fs_node_drop(spare[i]);
	for (int i = 0; i < WAITING_NAMES; i++) {
		snprintf(name, sizeof(name), "hm/w%03d", i);
		add_meta(&a, S_IFREG | 0644, name, NULL, empty);
	}
	add_meta(&a, S_IFREG | 0644, "hm/holder", "linked bytes", holder);
	add_trailer(&a);
	n = a.len;
	p = finish(&a);
	mock_try_left = 0;
	r = fs_load_archive(p, n, err, sizeof(err));
	mock_try_left = -1;
	if (!r)
		for (int i = 0; i < WAITING_NAMES; i++) {
			snprintf(name, sizeof(name), "/hm/w%03d", i);
			if (!fs_node_walk(name)->u.ro.size)
				fail_msg("%s: loaded empty", name);
		}
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(err, "out of memory"));
}

/* A path named twice in one archive, in every combination of kinds, and
 * once more through a made parent. */
static void test_named_twice(void **state)
{
	struct ar a = { 0 };
	size_t at;

	(void)state;
	add(&a, S_IFREG | 0644, "dup/f", "1", 1);
	at = add(&a, S_IFREG | 0644, "./dup/f", "2", 1);
	add_trailer(&a);
	expect_fail_len(&a, a.len, at, "dup/f", "twice", NULL);

	add(&a, S_IFDIR | 0755, "dup/d", NULL, 1);
	at = add(&a, S_IFDIR | 0755, "dup/d", NULL, 1);
	add_trailer(&a);
	expect_fail_len(&a, a.len, at, "dup/d", "twice", NULL);

	/* "dup2" made as a parent, then named: fine; named again: not. */
	add(&a, S_IFREG | 0644, "dup2/x", "x", 1);
	add(&a, S_IFDIR | 0755, "dup2", NULL, 1);
	at = add(&a, S_IFDIR | 0755, "dup2", NULL, 1);
	add_trailer(&a);
	expect_fail_len(&a, a.len, at, "dup2", "twice", NULL);

	/* The root, "." in the archive, named by that in the message. */
	add(&a, S_IFDIR | 0755, ".", NULL, 1);
	at = add(&a, S_IFDIR | 0755, ".", NULL, 1);
	add_trailer(&a);
	expect_fail_len(&a, a.len, at, ": .: named twice", NULL);

	/* A later archive may name them again. */
	add(&a, S_IFREG | 0644, "dup/f", "3", 1);
	add(&a, S_IFDIR | 0755, "dup2", NULL, 1);
	load_ok(&a, NULL);
	expect_file("/dup/f", S_IFREG | 0644, 1, "3", NULL, 0);
}

/* A directory where a file was and the reverse, in one archive or over
 * an earlier one, and a path through a file. */
static void test_type_clash(void **state)
{
	struct ar a = { 0 };
	size_t at;

	(void)state;
	add(&a, S_IFREG | 0644, "clash/file", "f", 1);
	add(&a, S_IFLNK | 0777, "clash/link", "file", 1);
	add(&a, S_IFDIR | 0755, "clash/dir", NULL, 1);
	load_ok(&a, NULL);

	at = add(&a, S_IFDIR | 0755, "clash/file", NULL, 2);
	add_trailer(&a);
	expect_fail_len(&a, a.len, at, "clash/file", "a directory", NULL);

	at = add(&a, S_IFDIR | 0755, "clash/link", NULL, 2);
	add_trailer(&a);
	expect_fail_len(&a, a.len, at, "clash/link", "a directory", NULL);

	at = add(&a, S_IFREG | 0644, "clash/dir", "now a file", 2);
	add_trailer(&a);
	expect_fail_len(&a, a.len, at, "clash/dir", "a file", NULL);

	at = add(&a, S_IFLNK | 0777, "clash/dir", "x", 2);
	add_trailer(&a);
	expect_fail_len(&a, a.len, at, "clash/dir", NULL);

	at = add(&a, S_IFREG | 0644, "clash/file/below", "x", 2);
	add_trailer(&a);
	expect_fail_len(&a, a.len, at, "clash/file/below", "not a directory",
			NULL);

	/* Within one archive. */
	add(&a, S_IFREG | 0644, "clash2/f", "f", 1);
	at = add(&a, S_IFDIR | 0755, "clash2/f", NULL, 1);
	add_trailer(&a);
	expect_fail_len(&a, a.len, at, "clash2/f", NULL);

	/* The earlier file is untouched. */
	expect_file("/clash/file", S_IFREG | 0644, 1, "f", NULL, 0);
	assert_int_equal(expect_dir("/clash/dir", S_IFDIR | 0755), 0);
}

/* /tmp and /dev are the kernel's: no entry at or under them. Names that
 * merely start with the letters are fine. */
static void test_kernel_dirs(void **state)
{
	static const char *const bad[] = { "tmp", "./tmp",    "tmp/x",
					   "dev", "dev/null", "dev/a/b" };
	struct ar a = { 0 };
	size_t at;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *path = bad[i][0] == '.' ? bad[i] + 2 : bad[i];

		add(&a, S_IFDIR | 0755, "kd", NULL, 1);
		at = add(&a, i % 2 ? S_IFREG | 0644 : S_IFDIR | 0755, bad[i],
			 NULL, 1);
		add_trailer(&a);
		expect_fail_len(&a, a.len, at, path, NULL);
		assert_null(fs_node_walk("/tmp"));
		assert_null(fs_node_walk("/dev"));
	}
	add(&a, S_IFDIR | 0755, "tmpx", NULL, 1);
	add(&a, S_IFREG | 0644, "devices", "d", 1);
	add(&a, S_IFREG | 0644, "kd/tmp", "t", 1);
	load_ok(&a, NULL);
	expect_file("/kd/tmp", S_IFREG | 0644, 1, "t", NULL, 0);
}

/* Compressed archives, by their magic bytes: refused at offset 0. */
static void test_compressed(void **state)
{
	static const struct {
		const char *name;
		const char *magic;
		size_t len;
	} packed[] = {
		{ "gzip", "\x1f\x8b\x08\x00", 4 },
		{ "xz", "\xfd\x37\x7a\x58\x5a\x00", 6 },
		{ "zstd", "\x28\xb5\x2f\xfd\x04", 5 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(packed) / sizeof(packed[0]); i++) {
		struct ar a = { 0 };

		put(&a, packed[i].magic, packed[i].len);
		put(&a, "\x00\x01\x02\x03 more bytes of the stream", 30);
		expect_fail_len(&a, a.len, 0, packed[i].name, "compressed",
				NULL);
	}
}

/* A truncated archive anywhere, and sizes that lie: the reader's
 * message with the entry's offset. */
static void test_malformed(void **state)
{
	struct ar a = { 0 };
	static const char *const why[4] = { "trailer", "truncated header",
					    "truncated name", "past the end" };
	size_t at, end, cuts[4];

	(void)state;
	add(&a, S_IFDIR | 0755, "mal", NULL, 1);
	at = add(&a, S_IFREG | 0644, "mal/file", "0123456789abcdef", 1);
	end = add_trailer(&a);
	cuts[0] = end;	    /* no trailer */
	cuts[1] = end + 50; /* half a trailer header */
	cuts[2] = at + 115; /* in the name */
	cuts[3] = at + 130; /* in the data */
	for (int i = 0; i < 4; i++) {
		struct ar b = { 0 };

		put(&b, a.buf, a.len);
		expect_fail_len(&b, cuts[i], i < 2 ? end : at, why[i], NULL);
	}
	free(a.buf);
	a = (struct ar){ 0 };

	/* A size past the end of the archive. */
	add(&a, S_IFDIR | 0755, "mal", NULL, 1);
	at = add_meta(&a, S_IFREG | 0644, "mal/liar", "abc",
		      (struct meta){ .size = 1 << 20 });
	add_trailer(&a);
	expect_fail_len(&a, a.len, at, "past the end", NULL);

	/* A size that makes the next header land in the data. */
	add(&a, S_IFDIR | 0755, "mal", NULL, 1);
	at = add_meta(&a, S_IFREG | 0644, "mal/liar2",
		      "data with 070701 in it that is long enough",
		      (struct meta){ .size = 4 });
	at = pad4(at + 110 + 10) + 4; /* header, "mal/liar2\0", 4 bytes */
	add_trailer(&a);
	expect_fail_len(&a, a.len, at, "magic", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overlay),
		cmocka_unit_test(test_root_entry),
		cmocka_unit_test(test_hard_links),
		cmocka_unit_test(test_hard_links_no_memory),
		cmocka_unit_test(test_named_twice),
		cmocka_unit_test(test_type_clash),
		cmocka_unit_test(test_kernel_dirs),
		cmocka_unit_test(test_compressed),
		cmocka_unit_test(test_malformed),
	};

	int r = cmocka_run_group_tests(tests, NULL, NULL);

	while (n_kept)
		free(kept[--n_kept]);
	return r;
}
