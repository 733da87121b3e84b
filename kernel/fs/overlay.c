/* Archives into the file tree: the baked-in tree, then the initrd over
 * it (docs/files.md, "Overlay rules"). Files are read in place: a node
 * points at its bytes inside the archive, which stays in memory for the
 * life of the VM. A file or link in a later archive replaces one at the
 * same path; a directory merges with one there; a directory where a
 * file was, or the reverse, is an error, as are a path named twice in
 * one archive, a path under /tmp or /dev (the kernel's own), and a
 * compressed archive. Any error stops the load with a message naming the
 * problem and the entry's byte offset; the caller stops the boot. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/cpio.h"
#include "fs/node.h"
#include "fs/overlay.h"
#include "mm/pool.h"

#define NS 1000000000LL

static uint32_t generation;

/* Compressed formats an initrd may come in, by their magic bytes. */
static const struct {
	const char *name;
	const char *magic;
	size_t len;
} packed[] = {
	{ "gzip", "\x1f\x8b", 2 },
	{ "xz",
	  "\xfd"
	  "7zXZ",
	  5 },
	{ "zstd", "\x28\xb5\x2f\xfd", 4 },
	{ "bzip2", "BZh", 3 },
	{ "lz4", "\x04\x22\x4d\x18", 4 },
	{ "lzma", "\x5d\x00\x00", 3 },
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The name of the compression [base, base + len) starts with, or NULL. */
static const char *compression(const unsigned char *base, size_t len)
{
	for (size_t i = 0; i < sizeof(packed) / sizeof(packed[0]); i++)
		if (len >= packed[i].len &&
		    !memcmp(base, packed[i].magic, packed[i].len))
			return packed[i].name;
	return NULL;
}

/* Whether name (len bytes) is or lies under the kernel's own top-level
 * directory top. */
static int under(const char *name, size_t len, const char *top)
{
	size_t n = strlen(top);

	return len >= n && !memcmp(name, top, n) &&
	       (len == n || name[n] == '/');
}

/* The directory that will hold e's last component, made as needed. NULL
 * with err set when a component on the way is not a directory. */
static struct fs_node *parent_of(const struct kern_cpio_entry *e, size_t *last,
				 char *err, size_t errlen)
{
	struct fs_node *dir = fs_root(), *c;
	size_t at = 0, len;

	for (;;) {
		len = strcspn(e->name + at, "/");
		if (at + len >= e->name_len)
			break;
		c = fs_node_child(dir, e->name + at, len);
		if (!c) {
			c = fs_node_new(FS_KIND_DIR, S_IFDIR | 0755);
			if (!c)
				goto full;
			c->mtime = (int64_t)e->mtime * NS;
			fs_node_link(dir, c, e->name + at, len);
		} else if (c->kind != FS_KIND_DIR) {
			fail(err, errlen,
			     "offset %zu: %.*s: %.*s is not a directory",
			     e->offset, (int)e->name_len, e->name,
			     (int)(at + len), e->name);
			return NULL;
		}
		dir = c;
		at += len + 1;
	}
	*last = at;
	return dir;
full:
	fail(err, errlen, "offset %zu: out of memory for the file tree",
	     e->offset);
	return NULL;
}

/* Give node n e's contents (a file or link read in place). */
static void take_contents(struct fs_node *n, const struct kern_cpio_entry *e)
{
	n->mode = e->mode;
	n->mtime = (int64_t)e->mtime * NS;
	if (S_ISDIR(e->mode))
		return;
	n->kind = FS_KIND_RO;
	n->u.ro.data = e->data;
	n->u.ro.size = e->size;
}

/* Whether an existing node n may take entry e: same kind of thing. */
static int compatible(const struct fs_node *n, const struct kern_cpio_entry *e)
{
	int was_dir = n->kind == FS_KIND_DIR;

	return was_dir == (S_ISDIR(e->mode) != 0) && n->kind != FS_KIND_DEV;
}

/* Enter entry e into the tree as *out. 0 or -EINVAL with err set. */
static int enter(const struct kern_cpio_entry *e, struct fs_node **out,
		 char *err, size_t errlen)
{
	struct fs_node *dir = NULL, *n;
	size_t last = 0;

	if (under(e->name, e->name_len, "tmp") ||
	    under(e->name, e->name_len, "dev"))
		return fail(err, errlen,
			    "offset %zu: %.*s: /tmp and /dev are the kernel's",
			    e->offset, (int)e->name_len, e->name);
	if (!e->name_len)
		n = fs_root();
	else if (!(dir = parent_of(e, &last, err, errlen)))
		return -EINVAL;
	else
		n = fs_node_child(dir, e->name + last, e->name_len - last);
	if (n && n->gen == generation) /* the root is "." in the archive */
		return fail(err, errlen, "offset %zu: %.*s: named twice",
			    e->offset, e->name_len ? (int)e->name_len : 1,
			    e->name_len ? e->name : ".");
	if (n && !compatible(n, e))
		return fail(err, errlen,
			    "offset %zu: %.*s: a %s here replaces a %s",
			    e->offset, (int)e->name_len, e->name,
			    S_ISDIR(e->mode) ? "directory" : "file",
			    n->kind == FS_KIND_DIR ? "directory" : "file");
	if (!n) {
		n = fs_node_new(S_ISDIR(e->mode) ? FS_KIND_DIR : FS_KIND_RO,
				e->mode);
		if (!n)
			return fail(err, errlen,
				    "offset %zu: out of memory "
				    "for the file tree",
				    e->offset);
		fs_node_link(dir, n, e->name + last, e->name_len - last);
	}
	take_contents(n, e);
	n->flags |= FS_NODE_ARCHIVE;
	n->gen = generation;
	*out = n;
	return 0;
}

/* A hard link's name waiting for its bytes: newc stores them with the
 * last name of the file only. */
struct waiting {
	struct waiting *next;
	uint32_t ino, dev_major, dev_minor;
	struct fs_node *node;
};

#define LINK_BUCKETS 256

static struct kern_pool waitings =
	KERN_POOL(struct waiting, KERN_CPIO_MAX_ENTRIES);
static struct waiting *waiting[LINK_BUCKETS];

static struct waiting **link_bucket(const struct kern_cpio_entry *e)
{
	return &waiting[(e->ino ^ e->dev_major * 31 ^ e->dev_minor * 131) %
			LINK_BUCKETS];
}

/* A regular file with more than one name (node n, entry e): an empty
 * one waits for its bytes; one with bytes gives them to the names of
 * the same inode waiting. 0, or -EINVAL with err set when there is no
 * memory for a name to wait (it would load empty). */
static int hard_link(const struct kern_cpio_entry *e, struct fs_node *n,
		     char *err, size_t errlen)
{
	struct waiting **pp = link_bucket(e), *w;

	if (!e->size) {
		if (!(w = kern_pool_get(&waitings)))
			return fail(err, errlen,
				    "offset %zu: out of memory "
				    "for the file tree",
				    e->offset);
		*w = (struct waiting){ *pp, e->ino, e->dev_major, e->dev_minor,
				       n };
		*pp = w;
		return 0;
	}
	while ((w = *pp)) {
		if (w->ino != e->ino || w->dev_major != e->dev_major ||
		    w->dev_minor != e->dev_minor) {
			pp = &w->next;
			continue;
		}
		if (w->node->kind == FS_KIND_RO && !w->node->u.ro.size) {
			w->node->u.ro.data = e->data;
			w->node->u.ro.size = e->size;
		}
		*pp = w->next;
		kern_pool_put(&waitings, w);
	}
	return 0;
}

/* Forget the names still waiting (links whose bytes never came). */
static void forget_links(void)
{
	for (int b = 0; b < LINK_BUCKETS; b++)
		while (waiting[b]) {
			struct waiting *w = waiting[b];

			waiting[b] = w->next;
			kern_pool_put(&waitings, w);
		}
}

int fs_load_archive(const void *base, size_t len, char *err, size_t errlen)
{
	struct kern_cpio_iter it;
	struct kern_cpio_entry e;
	const char *packer = compression(base, len);
	struct fs_node *n = NULL;
	int r;

	if (packer)
		return fail(err, errlen,
			    "offset 0: a %s-compressed archive: give an "
			    "uncompressed cpio newc archive (files are read "
			    "in place)",
			    packer);
	generation++;
	kern_cpio_init(&it, base, len, KERN_CPIO_MAX_ENTRIES);
	while ((r = kern_cpio_next(&it, &e, err, errlen)) == 1) {
		if ((r = enter(&e, &n, err, errlen)))
			break;
		if (e.nlink > 1 && S_ISREG(e.mode) &&
		    (r = hard_link(&e, n, err, errlen)))
			break;
	}
	forget_links();
	return r;
}
