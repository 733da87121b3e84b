/* Unit tests of kernel/fs/node.c, the file tree's nodes: paths of nested
 * nodes and of moved ones, ENOENT and ENAMETOOLONG from fs_node_path, a
 * node unlinked while held living until its last fs_node_put, and the
 * directory sequence numbers getdents64 uses as offsets (increasing,
 * unchanged by removals). Frames and copies are fs_mocks.c's. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fs/node.h"
#include "mm/pool.h"
#include "fs/tmpfs.h"
#include "fs_mocks.h"

#define PAGE 4096

/* A new node of kind (a directory or a tmpfs file) in dir under name, a
 * copy of which it owns. */
static struct fs_node *make(struct fs_node *dir, const char *name, int kind)
{
	struct fs_node *n = fs_node_new(
		kind, kind == FS_KIND_DIR ? S_IFDIR | 0755 : S_IFREG | 0644);
	size_t len = strlen(name);
	const char *copy = fs_name_dup(name, len);

	assert_non_null(n);
	assert_non_null(copy);
	assert_null(fs_node_child(dir, name, len));
	fs_node_link(dir, n, copy, len);
	n->name_owned = 1;
	return n;
}

/* fs_node_path of n must be want. */
static void expect_path(const struct fs_node *n, const char *want)
{
	char buf[256];

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(fs_node_path(n, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
}

/* Paths of the root and of nested nodes, what fs_node_walk finds, and a
 * buffer too small by one byte. */
static void test_paths(void **state)
{
	struct fs_node *a = make(fs_root(), "paths", FS_KIND_DIR);
	struct fs_node *b = make(a, "b", FS_KIND_DIR);
	struct fs_node *f = make(b, "file.txt", FS_KIND_DIR);
	char buf[32];

	(void)state;
	expect_path(fs_root(), "/");
	expect_path(a, "/paths");
	expect_path(f, "/paths/b/file.txt");
	assert_ptr_equal(fs_node_walk("/paths/b/file.txt"), f);
	assert_ptr_equal(fs_node_walk("/"), fs_root());
	assert_ptr_equal(fs_node_walk_name("paths/b//", 9), b);
	assert_null(fs_node_walk("/paths/c"));
	assert_null(fs_node_walk("/paths/b/file.txt/x"));
	/* "/paths/b/file.txt" is 17 bytes: 18 with the NUL fit, 17 not. */
	assert_int_equal(fs_node_path(f, buf, 18), 17);
	assert_string_equal(buf, "/paths/b/file.txt");
	assert_int_equal(fs_node_path(f, buf, 17), -ENAMETOOLONG);
	assert_int_equal(fs_node_path(fs_root(), buf, 2), 1);
	assert_string_equal(buf, "/");
	assert_int_equal(fs_node_path(fs_root(), buf, 1), -ENAMETOOLONG);
	assert_true(fs_node_within(f, a));
	assert_true(fs_node_within(a, a));
	assert_false(fs_node_within(a, f));
}

/* A moved node's path, and its subtree's, follow it; the new name is
 * owned by the node and the old directory forgets it. */
static void test_move(void **state)
{
	struct fs_node *top = make(fs_root(), "move", FS_KIND_DIR);
	struct fs_node *x = make(top, "x", FS_KIND_DIR);
	struct fs_node *y = make(top, "y", FS_KIND_DIR);
	struct fs_node *d = make(x, "d", FS_KIND_DIR);
	struct fs_node *f = make(d, "f", FS_KIND_TMP);
	const char *name = fs_name_dup("renamed", 7);

	(void)state;
	fs_node_move(d, y, name, 7);
	expect_path(d, "/move/y/renamed");
	expect_path(f, "/move/y/renamed/f");
	assert_null(fs_node_child(x, "d", 1));
	assert_ptr_equal(fs_node_child(y, "renamed", 7), d);
	assert_int_equal(x->u.dir.count, 0);
	assert_int_equal(x->u.dir.subdirs, 0);
	assert_int_equal(y->u.dir.count, 1);
	assert_int_equal(y->u.dir.subdirs, 1);
	/* Within the same directory, under a long name. */
	name = fs_name_dup("a-name-longer-than-thirty-two-bytes-long", 40);
	fs_node_move(f, d, name, 40);
	expect_path(f,
		    "/move/y/renamed/a-name-longer-than-thirty-two-bytes-long");
	assert_int_equal(d->u.dir.count, 1);
	assert_ptr_equal(d->u.dir.first, f);
	assert_ptr_equal(d->u.dir.tail, &f->next);
}

/* A node no longer in the tree, or under a directory that is not: ENOENT. */
static void test_path_unlinked(void **state)
{
	struct fs_node *top = make(fs_root(), "gone", FS_KIND_DIR);
	struct fs_node *d = make(top, "d", FS_KIND_DIR);
	struct fs_node *f = make(d, "f", FS_KIND_TMP);
	struct fs_node *loose = fs_node_new(FS_KIND_TMP, S_IFREG | 0600);
	char buf[64];

	(void)state;
	fs_node_get(f);
	fs_node_unlink(f);
	assert_int_equal(fs_node_path(f, buf, sizeof(buf)), -ENOENT);
	assert_null(fs_node_walk("/gone/d/f"));
	fs_node_put(f);
	/* The directory held (a working directory), its entry gone. */
	fs_node_get(d);
	fs_node_unlink(d);
	assert_int_equal(fs_node_path(d, buf, sizeof(buf)), -ENOENT);
	fs_node_put(d);
	assert_non_null(loose);
	assert_int_equal(fs_node_path(loose, buf, sizeof(buf)), -ENOENT);
	fs_node_drop(loose);
}

/* A tmpfs file unlinked while open keeps its node and its pages until
 * the last hold goes. */
static void test_unlink_held(void **state)
{
	struct fs_node *top = make(fs_root(), "held", FS_KIND_DIR);
	struct fs_node *f = make(top, "f", FS_KIND_TMP), *again;
	char data[3 * PAGE], back[sizeof(data)];
	uint64_t ino = f->ino;

	(void)state;
	fs_tmp_set_limit(1 << 20);
	memset(data, 'q', sizeof(data));
	f->u.tmp = fs_tmp_new();
	assert_int_equal(fs_tmp_write(f->u.tmp, data, sizeof(data), 0),
			 sizeof(data));
	assert_int_equal(fs_tmp_used(), 4 * PAGE);
	/* A hold dropped while linked: the entry keeps it. */
	fs_node_get(f);
	fs_node_put(f);
	assert_ptr_equal(fs_node_child(top, "f", 1), f);
	again = fs_node_new(FS_KIND_DIR, S_IFDIR | 0755);
	assert_ptr_not_equal(again, f);
	fs_node_drop(again);
	assert_int_equal(fs_tmp_used(), 4 * PAGE);
	/* Unlinked while held twice. */
	fs_node_get(f);
	fs_node_get(f);
	fs_node_unlink(f);
	assert_null(fs_node_child(top, "f", 1));
	assert_int_equal(top->u.dir.count, 0);
	assert_int_equal(fs_tmp_used(), 4 * PAGE);
	fs_node_put(f);
	assert_int_equal(fs_tmp_used(), 4 * PAGE);
	assert_int_equal(f->ino, ino);
	assert_int_equal(fs_node_size(f), sizeof(data));
	assert_int_equal(fs_tmp_read(f->u.tmp, back, sizeof(back), 0),
			 sizeof(back));
	assert_memory_equal(back, data, sizeof(data));
	/* Its memory is not handed out again while held... */
	again = fs_node_new(FS_KIND_DIR, S_IFDIR | 0755);
	assert_ptr_not_equal(again, f);
	fs_node_drop(again);
	fs_node_put(f);
	/* ... and the last put frees it and its pages. */
	assert_int_equal(fs_tmp_used(), 0);
	assert_int_equal(mock_try_frames,
			 fs_node_table_frames() + kern_pool_frames());
	again = fs_node_new(FS_KIND_DIR, S_IFDIR | 0755);
	assert_ptr_equal(again, f); /* the pool's free list is LIFO */
	assert_int_not_equal(again->ino, ino);
	fs_node_drop(again);
	/* Unlinked with no holds: freed at once. */
	f = make(top, "g", FS_KIND_TMP);
	fs_node_unlink(f);
	again = fs_node_new(FS_KIND_DIR, S_IFDIR | 0755);
	assert_ptr_equal(again, f);
	fs_node_drop(again);
}

/* Sequence numbers: from 2 ("." and ".." are 0 and 1), increasing in
 * the order entries are made, never reused after a removal; a moved
 * entry takes the next one of its new directory. */
static void test_seq(void **state)
{
	struct fs_node *dir = make(fs_root(), "seq", FS_KIND_DIR);
	struct fs_node *a = make(dir, "a", FS_KIND_TMP);
	struct fs_node *b = make(dir, "b", FS_KIND_DIR);
	struct fs_node *c = make(dir, "c", FS_KIND_TMP), *d, *e, *n;
	uint64_t last = 0;
	struct stat st;

	(void)state;
	assert_int_equal(a->seq, 2);
	assert_int_equal(b->seq, 3);
	assert_int_equal(c->seq, 4);
	fs_node_stat(dir, &st);
	assert_int_equal(st.st_nlink, 3);
	fs_node_unlink(b);
	fs_node_stat(dir, &st);
	assert_int_equal(st.st_nlink, 2);
	d = make(dir, "d", FS_KIND_TMP);
	assert_int_equal(d->seq, 5);
	assert_int_equal(a->seq, 2);
	assert_int_equal(c->seq, 4);
	fs_node_unlink(d); /* the last entry: the tail moves back */
	e = make(dir, "e", FS_KIND_TMP);
	assert_int_equal(e->seq, 6);
	fs_node_move(a, dir, fs_name_dup("a2", 2), 2);
	assert_int_equal(a->seq, 7);
	assert_int_equal(c->seq, 4);
	/* The listing: in sequence order, as getdents64 walks it. */
	assert_int_equal(dir->u.dir.count, 3);
	for (n = dir->u.dir.first; n; n = n->next) {
		assert_true(n->seq > last);
		last = n->seq;
	}
	assert_ptr_equal(dir->u.dir.first, c);
	assert_ptr_equal(c->next, e);
	assert_ptr_equal(e->next, a);
	assert_null(a->next);
}

/* Many entries: the table of names grows, finds each in its own
 * directory (two directories hold the same names), forgets removed and
 * moved ones, and keeps working when it cannot grow for lack of memory. */
static void test_many_entries(void **state)
{
	struct fs_node *d1 = make(fs_root(), "many1", FS_KIND_DIR);
	struct fs_node *d2 = make(fs_root(), "many2", FS_KIND_DIR);
	static struct fs_node *n1[6000], *n2[6000];
	char name[16];
	size_t table;

	(void)state;
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		n1[i] = make(d1, name, FS_KIND_DIR);
		n2[i] = make(d2, name, FS_KIND_DIR);
	}
	table = fs_node_table_frames();
	assert_true(table >= 6000 * sizeof(void *) / 2 / 4096);
	mock_try_max = 1; /* from here, the table cannot grow */
	for (int i = 3000; i < 6000; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		n1[i] = make(d1, name, FS_KIND_DIR);
		n2[i] = make(d2, name, FS_KIND_DIR);
	}
	mock_try_max = 0;
	assert_int_equal(fs_node_table_frames(), table);
	for (int i = 0; i < 6000; i += 2) {
		fs_node_unlink(n1[i]);
		fs_node_move(n2[i + 1], d1, fs_name_dup("moved", 5), 5);
		snprintf(name, sizeof(name), "f%d", i + 1);
		fs_node_move(n2[i + 1], d2, fs_name_dup(name, strlen(name)),
			     strlen(name));
	}
	for (int i = 0; i < 6000; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		assert_ptr_equal(fs_node_child(d1, name, strlen(name)),
				 i % 2 ? n1[i] : NULL);
		assert_ptr_equal(fs_node_child(d2, name, strlen(name)), n2[i]);
	}
	assert_null(fs_node_child(d1, "moved", 5));
	assert_int_equal(d1->u.dir.count, 3000);
	assert_int_equal(d2->u.dir.count, 6000);
}

/* Out of memory, the node pool fails instead of panicking: once no new
 * frame can be had, only the nodes freed earlier and the rest of the
 * current frame are handed out. */
static void test_pool_out_of_memory(void **state)
{
	int got = 0;
	static struct fs_node *n[20000];

	(void)state;
	mock_try_left = 0;
	for (; got < (int)(sizeof(n) / sizeof(n[0])); got++)
		if (!(n[got] = fs_node_new(FS_KIND_DIR, S_IFDIR | 0755)))
			break;
	mock_try_left = -1;
	assert_true(got < (int)(sizeof(n) / sizeof(n[0])));
	while (got--)
		fs_node_drop(n[got]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_path_unlinked),
		cmocka_unit_test(test_unlink_held),
		cmocka_unit_test(test_seq),
		cmocka_unit_test(test_many_entries),
		cmocka_unit_test(test_pool_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
