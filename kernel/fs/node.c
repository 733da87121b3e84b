/* The file tree's nodes (see node.h): making, linking, finding and
 * freeing them. Nodes and names come from pools; directories keep their
 * entries in a list in the order they were made, each with a sequence
 * number that getdents64 uses as its offset, so a listing in progress
 * is not disturbed by entries removed or added. A name is found through
 * one hash table of all entries, keyed by directory and name, which
 * doubles as it fills: an initrd of 65 536 files in one directory took
 * 85 s to load under TCG when each lookup walked the directory. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <kern/exit.h>
#include <kern/mm.h>

#include "fs/node.h"
#include "fs/tmpfs.h"
#include "mm/pool.h"

#define NODE_MAX (1 << 18)
#define NAME_CLASSES 4

static struct kern_pool nodes = KERN_POOL(struct fs_node, NODE_MAX);
static struct kern_pool names[NAME_CLASSES] = {
	KERN_POOL(char[32], NODE_MAX),
	KERN_POOL(char[64], NODE_MAX),
	KERN_POOL(char[128], NODE_MAX),
	KERN_POOL(char[256], NODE_MAX),
};
static struct fs_node *root;
static uint64_t next_ino = 1;
static struct fs_node **buckets; /* nbuckets chains, a power of two */
static size_t nbuckets, nhashed;
static int unhashed; /* the first table could not be had: lists only */

#define PAGE 4096

/* The bucket of name (len bytes) in directory dir. */
static size_t bucket(const struct fs_node *dir, const char *name, size_t len)
{
	uint64_t h = 14695981039346656037ULL ^ (uintptr_t)dir;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29)) & (nbuckets - 1);
}

/* Double the table (or make its first page); without the memory, keep
 * the old one: chains grow longer, nothing is lost. */
static void grow(void)
{
	size_t n = nbuckets ? 2 * nbuckets : PAGE / sizeof(void *);
	struct fs_node **old = buckets, **nb;
	size_t oldn = nbuckets;

	if (!(nb = kern_mm_try_alloc(n * sizeof(void *) / PAGE)))
		return;
	buckets = nb;
	nbuckets = n;
	for (size_t i = 0; i < oldn; i++)
		for (struct fs_node *c = old[i], *next; c; c = next) {
			size_t b = bucket(c->parent, c->name, c->name_len);

			next = c->hnext;
			c->hnext = buckets[b];
			buckets[b] = c;
		}
	if (old)
		kern_mm_free(old, oldn * sizeof(void *) / PAGE);
}

size_t fs_node_table_frames(void)
{
	return nbuckets * sizeof(void *) / PAGE;
}

static void hash_add(struct fs_node *n)
{
	size_t b;

	if (unhashed)
		return;
	if (nhashed >= 2 * nbuckets)
		grow();
	if (!nbuckets) { /* every node from the first on, or none */
		unhashed = 1;
		return;
	}
	b = bucket(n->parent, n->name, n->name_len);
	n->hnext = buckets[b];
	buckets[b] = n;
	nhashed++;
}

static void hash_del(struct fs_node *n)
{
	struct fs_node **pp;

	if (!nbuckets)
		return;
	pp = &buckets[bucket(n->parent, n->name, n->name_len)];
	while (*pp && *pp != n)
		pp = &(*pp)->hnext;
	if (*pp) {
		*pp = n->hnext;
		nhashed--;
	}
	n->hnext = NULL;
}

/* The name pool for len bytes. */
static struct kern_pool *name_pool(size_t len)
{
	size_t size = 32;

	for (int c = 0; c < NAME_CLASSES; c++, size *= 2)
		if (len <= size)
			return &names[c];
	return NULL;
}

const char *fs_name_dup(const char *name, size_t len)
{
	struct kern_pool *p = name_pool(len);
	char *s = p ? kern_pool_get(p) : NULL;

	if (s)
		memcpy(s, name, len);
	return s;
}

void fs_name_free(const char *name, size_t len)
{
	kern_pool_put(name_pool(len), (void *)name);
}

struct fs_node *fs_node_new(int kind, uint32_t mode)
{
	struct fs_node *n = kern_pool_get(&nodes);

	if (!n)
		return NULL;
	n->kind = kind;
	n->mode = mode;
	n->ino = next_ino++;
	n->parent = n;
	if (kind == FS_KIND_DIR)
		n->u.dir.tail = &n->u.dir.first;
	return n;
}

struct fs_node *fs_root(void)
{
	if (!root) {
		root = fs_node_new(FS_KIND_DIR, S_IFDIR | 0755);
		if (!root) /* the first node, at boot */
			kern_panic("no memory for the file tree's root");
		root->links = 1; /* never unlinked */
	}
	return root;
}

/* Free n: nothing holds it any more. */
static void node_free(struct fs_node *n)
{
	if (n->name_owned)
		fs_name_free(n->name, n->name_len);
	if (n->kind == FS_KIND_TMP && n->u.tmp)
		fs_tmp_free(n->u.tmp);
	if (n->flags & FS_NODE_CHARGED)
		fs_tmp_uncharge(FS_TMP_NODE_BYTES);
	kern_pool_put(&nodes, n);
}

void fs_node_drop(struct fs_node *n)
{
	node_free(n);
}

void fs_node_get(struct fs_node *n)
{
	n->refs++;
}

void fs_node_put(struct fs_node *n)
{
	if (--n->refs == 0 && n->links == 0)
		node_free(n);
}

struct fs_node *fs_node_child(const struct fs_node *dir, const char *name,
			      size_t len)
{
	const struct fs_node *c;

	if (dir->kind != FS_KIND_DIR)
		return NULL;
	c = nbuckets ? buckets[bucket(dir, name, len)] : dir->u.dir.first;
	for (; c; c = nbuckets ? c->hnext : c->next)
		if (c->parent == dir && c->links && c->name_len == len &&
		    !memcmp(c->name, name, len))
			return (struct fs_node *)c;
	return NULL;
}

void fs_node_link(struct fs_node *dir, struct fs_node *n, const char *name,
		  size_t len)
{
	n->name = name;
	n->name_len = len;
	n->parent = dir;
	n->next = NULL;
	n->seq = dir->u.dir.next_seq++ + 2; /* 0 and 1: "." and ".." */
	n->links = 1;
	n->flags |= dir->flags & FS_NODE_TMP;
	n->pprev = dir->u.dir.tail;
	*dir->u.dir.tail = n;
	dir->u.dir.tail = &n->next;
	dir->u.dir.count++;
	if (n->kind == FS_KIND_DIR)
		dir->u.dir.subdirs++;
	hash_add(n);
}

/* Take n out of its directory's list. */
static void detach(struct fs_node *n)
{
	struct fs_node *dir = n->parent;

	hash_del(n);
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	else
		dir->u.dir.tail = n->pprev;
	dir->u.dir.count--;
	if (n->kind == FS_KIND_DIR)
		dir->u.dir.subdirs--;
	n->links = 0;
	n->next = NULL;
}

void fs_node_unlink(struct fs_node *n)
{
	detach(n);
	if (n->refs == 0)
		node_free(n);
}

void fs_node_move(struct fs_node *n, struct fs_node *dir, const char *name,
		  size_t len)
{
	detach(n);
	if (n->name_owned)
		fs_name_free(n->name, n->name_len);
	fs_node_link(dir, n, name, len);
	n->name_owned = 1;
}

struct fs_node *fs_node_walk_name(const char *path, size_t len)
{
	struct fs_node *n = fs_root();
	size_t at = 0;

	while (n && at < len) {
		size_t c = 0;

		if (path[at] == '/') {
			at++;
			continue;
		}
		while (at + c < len && path[at + c] != '/')
			c++;
		n = fs_node_child(n, path + at, c);
		at += c;
	}
	return n;
}

struct fs_node *fs_node_walk(const char *path)
{
	return fs_node_walk_name(path, strlen(path));
}

long fs_node_path(const struct fs_node *n, char *buf, size_t len)
{
	size_t at = len - 1;

	if (len < 2)
		return -ENAMETOOLONG;
	buf[at] = '\0';
	for (; n != root; n = n->parent) {
		if (!n->links)
			return -ENOENT;
		if (n->name_len + 1 > at)
			return -ENAMETOOLONG;
		at -= n->name_len;
		memcpy(buf + at, n->name, n->name_len);
		buf[--at] = '/';
	}
	if (at == len - 1)
		buf[--at] = '/';
	memmove(buf, buf + at, len - at);
	return (long)(len - 1 - at);
}

int fs_node_within(const struct fs_node *a, const struct fs_node *b)
{
	for (;; a = a->parent) {
		if (a == b)
			return 1;
		if (a == a->parent)
			return 0;
	}
}

size_t fs_node_size(const struct fs_node *n)
{
	switch (n->kind) {
	case FS_KIND_RO:
		return n->u.ro.size;
	case FS_KIND_TMP:
		return fs_tmp_size(n->u.tmp);
	case FS_KIND_SYNTH: {
		const char *t = n->u.synth();

		return t ? strlen(t) : 0;
	}
	default:
		return 0;
	}
}

void fs_node_stat(const struct fs_node *n, struct stat *st)
{
	size_t size = fs_node_size(n);

	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(0, n->flags & FS_NODE_TMP ? 3 : 2);
	st->st_ino = n->ino;
	st->st_rdev = n->rdev;
	st->st_mode = n->mode;
	st->st_nlink = !n->links ? 0 : /* removed, still held */
			       n->kind == FS_KIND_DIR ? 2 + n->u.dir.subdirs :
							1;
	st->st_size = (off_t)size;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((size + 511) / 512);
	st->st_mtim.tv_sec = n->mtime / 1000000000;
	st->st_mtim.tv_nsec = n->mtime % 1000000000;
	st->st_atim = st->st_mtim;
	st->st_ctim = st->st_mtim;
}
