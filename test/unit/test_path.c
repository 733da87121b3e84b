/* Unit tests of kernel/fs/path.c: lexical normalisation (root, ".",
 * "..", repeated and trailing slashes, the working directory, NAME_MAX
 * and PATH_MAX at and past the limits) and the physical walk over a fake
 * tree of directories, files and symbolic links (absolute, relative,
 * chained, in mid-path, ".." after a link, loops, exactly 40 and 41
 * links, follow_last, missing and non-directory components). */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fs/path.h"

struct ncase {
	const char *cwd;
	const char *path;
	int err; /* 0 or the negative errno expected */
	const char *out;
};

static const struct ncase ncases[] = {
	{ "/", "/", 0, "/" },
	{ "/", ".", 0, "/" },
	{ "/a/b", ".", 0, "/a/b" },
	{ "/", "/..", 0, "/" },
	{ "/", "/../../x", 0, "/x" },
	{ "/", "a/./b/../c", 0, "/a/c" },
	{ "/", "//x//y/", 0, "/x/y" },
	{ "/a", "b", 0, "/a/b" },
	{ "/a/b", "..", 0, "/a" },
	{ "/a/b", "../../../..", 0, "/" },
	{ "/a/b", "/c/./d/", 0, "/c/d" },
	{ "//a//b/", "c", 0, "/a/b/c" }, /* cwd made normal too */
	{ NULL, "/x", 0, "/x" },	 /* cwd unused */
	{ "/", "", -ENOENT, NULL },
	{ "rel", "x", -EINVAL, NULL },
	{ NULL, "x", -EINVAL, NULL },
};

static void test_normalize_table(void **state)
{
	char out[PATH_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof ncases / sizeof ncases[0]; i++) {
		const struct ncase *c = &ncases[i];
		int r = kern_path_normalize(c->cwd, c->path, out, sizeof out);

		print_message("normalize %s + %s\n", c->cwd ? c->cwd : "NULL",
			      c->path);
		assert_int_equal(r, c->err);
		if (!r)
			assert_string_equal(out, c->out);
	}
}

/* s (at least len + 1 bytes) = '/' then components of NAME_MAX bytes,
 * the last one shorter, len bytes in all. */
static void long_path(char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		s[i] = (i % (NAME_MAX + 1)) ? 'n' : '/';
		i++;
	}
	s[len] = '\0';
}

static void test_normalize_limits(void **state)
{
	static char path[2 * PATH_MAX], out[PATH_MAX];
	char name[NAME_MAX + 3];

	(void)state;
	name[0] = '/';
	memset(name + 1, 'n', NAME_MAX + 1);
	name[NAME_MAX + 1] = '\0'; /* "/" and NAME_MAX bytes */
	assert_int_equal(kern_path_normalize("/", name, out, sizeof out), 0);
	assert_int_equal(strlen(out), NAME_MAX + 1);
	name[NAME_MAX + 1] = 'n';
	name[NAME_MAX + 2] = '\0'; /* one more */
	assert_int_equal(kern_path_normalize("/", name, out, sizeof out),
			 -ENAMETOOLONG);
	assert_int_equal(kern_path_normalize("/", name + 1, out, sizeof out),
			 -ENAMETOOLONG); /* relative too */

	long_path(path, PATH_MAX - 1); /* the longest result */
	assert_int_equal(kern_path_normalize("/", path, out, sizeof out), 0);
	assert_string_equal(out, path);
	long_path(path, PATH_MAX); /* one byte more */
	assert_int_equal(kern_path_normalize("/", path, out, sizeof out),
			 -ENAMETOOLONG);
	/* the same length reached by joining to the working directory */
	long_path(path, PATH_MAX - 1 - 2);
	assert_int_equal(kern_path_normalize(path, "x", out, sizeof out), 0);
	assert_int_equal(kern_path_normalize(path, "xy", out, sizeof out),
			 -ENAMETOOLONG);
}

static void test_normalize_input_length(void **state)
{
	static char path[PATH_MAX + 1], out[PATH_MAX];

	(void)state;
	/* "/./././.../ab": PATH_MAX - 1 bytes, short once normal */
	path[0] = '/';
	for (size_t i = 1; i < PATH_MAX - 3; i += 2)
		memcpy(path + i, "./", 2);
	strcpy(path + PATH_MAX - 3, "ab");
	assert_int_equal(strlen(path), PATH_MAX - 1);
	assert_int_equal(kern_path_normalize("/", path, out, sizeof out), 0);
	assert_string_equal(out, "/ab");
	strcpy(path + PATH_MAX - 3, "abc"); /* PATH_MAX bytes: refused */
	assert_int_equal(kern_path_normalize("/", path, out, sizeof out),
			 -ENAMETOOLONG);
}

static void test_normalize_outlen(void **state)
{
	char out[4];

	(void)state;
	assert_int_equal(kern_path_normalize("/", "/ab", out, sizeof out), 0);
	assert_string_equal(out, "/ab");
	assert_int_equal(kern_path_normalize("/", "/abc", out, sizeof out),
			 -ENAMETOOLONG);
	assert_int_equal(kern_path_normalize("/", "/", out, 1), -ENAMETOOLONG);
}

static void test_must_be_dir(void **state)
{
	static const struct {
		const char *path;
		int dir;
	} cases[] = {
		{ "a/", 1 },	{ "a", 0 },  { "a/.", 1 }, { "a/..", 1 },
		{ "/", 1 },	{ ".", 1 },  { "..", 1 },  { "a//", 1 },
		{ "a.b", 0 },	{ ".a", 0 }, { "...", 0 }, { "/x/y", 0 },
		{ "x/..a", 0 }, { "", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		print_message("must_be_dir %s\n", cases[i].path);
		assert_int_equal(kern_path_must_be_dir(cases[i].path),
				 cases[i].dir);
	}
}

/* The fake tree: paths, types and link targets. */
enum {
	DIR_,
	FILE_,
	LINK_
};

struct node {
	const char *path;
	int type;
	const char *target;
};

#define NCHAIN 41 /* /c/l0 -> l1 -> ... -> l40 -> /a: 41 links */
#define BIG_TARGET (PATH_MAX - 6)

static char chain_names[NCHAIN][16], chain_targets[NCHAIN][16];
static char big_target[BIG_TARGET + 1];

static struct node tree[64 + NCHAIN] = {
	{ "/a", DIR_, NULL },
	{ "/a/b", DIR_, NULL },
	{ "/a/b/f", FILE_, NULL },
	{ "/a/c", DIR_, NULL },
	{ "/c", DIR_, NULL },
	{ "/file", FILE_, NULL },
	{ "/abs", LINK_, "/a/b" },
	{ "/a/rel", LINK_, "b" },
	{ "/a/b/up", LINK_, "../c" },
	{ "/l2l", LINK_, "/abs" },
	{ "/loop1", LINK_, "/loop2" },
	{ "/loop2", LINK_, "loop1" },
	{ "/dangling", LINK_, "/a/new" },
	{ "/broken", LINK_, "/nope/x" },
	{ "/empty", LINK_, "" },
	{ "/tofile", LINK_, "/file" },
	{ "/weird", LINK_, "//a/./b//" },
	{ "/a/b/self", LINK_, "." },
	{ "/big", LINK_, big_target },
};
static size_t ntree;
/* Calls of fake_readlink since the last reset: a walk that stopped
 * counting links would loop forever; this bound makes it a failure. */
static int readlinks;
#define MAX_READLINKS 1000

static void build_tree(void)
{
	while (tree[ntree].path)
		ntree++;
	for (int i = 0; i < NCHAIN; i++) {
		snprintf(chain_names[i], sizeof chain_names[i], "/c/l%d", i);
		if (i + 1 < NCHAIN)
			snprintf(chain_targets[i], sizeof chain_targets[i],
				 "l%d", i + 1);
		else
			strcpy(chain_targets[i], "/a");
		tree[ntree++] = (struct node){ chain_names[i], LINK_,
					       chain_targets[i] };
	}
	/* "/a/././..." of BIG_TARGET bytes: fits only before a short rest */
	strcpy(big_target, "/a");
	for (size_t i = 2; i < BIG_TARGET; i += 2)
		memcpy(big_target + i, "/.", 2);
	big_target[BIG_TARGET] = '\0';
}

static const struct node *find(const char *path)
{
	static const struct node root = { "/", DIR_, NULL };

	if (!strcmp(path, "/"))
		return &root;
	for (size_t i = 0; i < ntree; i++)
		if (!strcmp(tree[i].path, path))
			return &tree[i];
	return NULL;
}

/* The walk asks only about normal paths whose every directory is a real
 * directory (resolved: no link above it). */
static void check_asked(const char *path)
{
	char prefix[PATH_MAX];
	size_t len = strlen(path);

	assert_true(path[0] == '/');
	assert_true(len == 1 || path[len - 1] != '/');
	assert_null(strstr(path, "//"));
	assert_null(strstr(path, "/./"));
	assert_null(strstr(path, "/../"));
	for (size_t i = 1; i < len; i++) {
		const struct node *n;

		if (path[i] != '/')
			continue;
		memcpy(prefix, path, i);
		prefix[i] = '\0';
		n = find(prefix);
		assert_non_null(n);
		assert_int_equal(n->type, DIR_);
	}
}

static long fake_readlink(void *ctx, const char *path, char *buf, size_t buflen)
{
	const struct node *n;
	size_t t;

	assert_ptr_equal(ctx, tree);
	check_asked(path);
	assert_true(++readlinks < MAX_READLINKS);
	n = find(path);
	if (!n)
		return -ENOENT;
	if (n->type != LINK_)
		return -EINVAL;
	t = strlen(n->target);
	memcpy(buf, n->target, t < buflen ? t : buflen);
	return (long)t;
}

static int fake_is_dir(void *ctx, const char *path)
{
	const struct node *n;

	assert_ptr_equal(ctx, tree);
	check_asked(path);
	n = find(path);
	if (!n)
		return -ENOENT;
	assert_int_not_equal(n->type, LINK_); /* readlink said not a link */
	return n->type == DIR_;
}

static const struct kern_path_ops fake_ops = { fake_readlink, fake_is_dir };

struct rcase {
	const char *cwd;
	const char *path;
	int follow;
	int err;
	const char *out;
};

static const struct rcase rcases[] = {
	/* no links */
	{ "/", "/a/b/f", 1, 0, "/a/b/f" },
	{ "/a", "b/../c/", 1, 0, "/a/c" },
	{ "/", "/..", 1, 0, "/" },
	{ "/", "/", 0, 0, "/" },
	/* absolute, relative, chained, mid-path */
	{ "/", "/abs", 1, 0, "/a/b" },
	{ "/", "/abs", 0, 0, "/abs" },
	{ "/", "/abs/f", 0, 0, "/a/b/f" },
	{ "/", "/a/rel/f", 1, 0, "/a/b/f" },
	{ "/a", "rel", 1, 0, "/a/b" },
	{ "/", "/l2l", 1, 0, "/a/b" },
	{ "/", "/l2l", 0, 0, "/l2l" },
	{ "/", "/l2l/f", 0, 0, "/a/b/f" },
	{ "/", "/weird/f", 1, 0, "/a/b/f" },
	{ "/", "/a/b/self/self/f", 1, 0, "/a/b/f" },
	/* ".." after a link: the target's parent, not lexical */
	{ "/", "/abs/..", 1, 0, "/a" },
	{ "/", "/abs/../c", 1, 0, "/a/c" },
	{ "/", "/a/b/up/..", 1, 0, "/a" },
	{ "/", "/l2l/../b/f", 0, 0, "/a/b/f" },
	{ "/a/b", "self/../..", 1, 0, "/" }, /* lexical: /a */
	/* loops and the limit of 40 links */
	{ "/", "/loop1", 1, -ELOOP, NULL },
	{ "/", "/loop1", 0, 0, "/loop1" },
	{ "/", "/loop1/x", 0, -ELOOP, NULL },
	{ "/", "/c/l1", 1, 0, "/a" },	     /* 40 links */
	{ "/", "/c/l1/b", 0, 0, "/a/b" },    /* 40 links, mid-path */
	{ "/", "/c/l0", 1, -ELOOP, NULL },   /* 41 */
	{ "/", "/c/l0/b", 0, -ELOOP, NULL }, /* 41 */
	{ "/", "/c/l0", 0, 0, "/c/l0" },     /* not followed */
	/* missing things */
	{ "/", "/nope/x", 1, -ENOENT, NULL },
	{ "/", "/broken", 1, -ENOENT, NULL },
	{ "/", "/broken", 0, 0, "/broken" },
	{ "/", "/a/new", 1, 0, "/a/new" },    /* may be created */
	{ "/", "/dangling", 1, 0, "/a/new" }, /* O_CREAT's target */
	{ "/", "/a/new/", 1, 0, "/a/new" },   /* mkdir("/a/new/") */
	{ "/", "/empty", 1, -ENOENT, NULL },
	{ "/", "/empty", 0, 0, "/empty" },
	{ "/", "", 1, -ENOENT, NULL },
	/* not a directory; a trailing slash follows and wants one */
	{ "/", "/file/x", 1, -ENOTDIR, NULL },
	{ "/", "/file/", 0, -ENOTDIR, NULL },
	{ "/", "/file/.", 1, -ENOTDIR, NULL },
	{ "/", "/file/..", 1, -ENOTDIR, NULL },
	{ "/", "/tofile", 0, 0, "/tofile" },
	{ "/", "/tofile", 1, 0, "/file" },
	{ "/", "/tofile/", 0, -ENOTDIR, NULL },
	{ "/", "/abs/", 0, 0, "/a/b" },
	/* a long target: fits alone, not with more path after it */
	{ "/", "/big", 1, 0, "/a" },
	{ "/", "/big/0123456789", 1, -ENAMETOOLONG, NULL },
	{ "rel", "x", 1, -EINVAL, NULL },
};

static void test_resolve_table(void **state)
{
	char out[PATH_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof rcases / sizeof rcases[0]; i++) {
		const struct rcase *c = &rcases[i];
		int r;

		print_message("resolve %s + %s follow=%d\n", c->cwd, c->path,
			      c->follow);
		memset(out, 'X', sizeof out);
		readlinks = 0;
		r = kern_path_resolve(&fake_ops, tree, c->cwd, c->path,
				      c->follow, out, sizeof out);
		assert_int_equal(r, c->err);
		if (!r)
			assert_string_equal(out, c->out);
	}
}

/* The walk asks about each component, and only as far as it must: a
 * last component not followed is not asked about at all. */
static void test_resolve_asks(void **state)
{
	char out[PATH_MAX];

	(void)state;
	readlinks = 0;
	assert_int_equal(kern_path_resolve(&fake_ops, tree, "/", "/a/b/f", 0,
					   out, sizeof out),
			 0);
	assert_int_equal(readlinks, 2); /* /a, /a/b */
	readlinks = 0;
	assert_int_equal(kern_path_resolve(&fake_ops, tree, "/", "/a/b/f", 1,
					   out, sizeof out),
			 0);
	assert_int_equal(readlinks, 3);
}

/* Without is_dir, a file in mid-path is not detected here: the next
 * readlink (here: ENOENT from the tree) decides. */
static void test_resolve_no_is_dir(void **state)
{
	static const struct kern_path_ops ops = { fake_readlink, NULL };
	char out[PATH_MAX];

	(void)state;
	assert_int_equal(kern_path_resolve(&ops, tree, "/", "/abs/f", 1, out,
					   sizeof out),
			 0);
	assert_string_equal(out, "/a/b/f");
	assert_int_equal(kern_path_resolve(&ops, tree, "/", "/file/", 1, out,
					   sizeof out),
			 0);
	assert_string_equal(out, "/file");
}

/* A result that does not fit the caller's buffer. */
static void test_resolve_outlen(void **state)
{
	char out[6];

	(void)state;
	assert_int_equal(kern_path_resolve(&fake_ops, tree, "/", "/abs", 1, out,
					   sizeof out),
			 0);
	assert_string_equal(out, "/a/b");
	assert_int_equal(kern_path_resolve(&fake_ops, tree, "/", "/abs/f", 1,
					   out, sizeof out),
			 -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_table),
		cmocka_unit_test(test_normalize_limits),
		cmocka_unit_test(test_normalize_input_length),
		cmocka_unit_test(test_normalize_outlen),
		cmocka_unit_test(test_must_be_dir),
		cmocka_unit_test(test_resolve_table),
		cmocka_unit_test(test_resolve_asks),
		cmocka_unit_test(test_resolve_no_is_dir),
		cmocka_unit_test(test_resolve_outlen),
	};

	build_tree();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
