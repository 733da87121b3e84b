/* Private to kernel/: the file tree. Every file the service can name by
 * path is a node here: directories, regular files whose bytes are the
 * image's or the initrd's (read-only, read in place), tmpfs files (pages
 * of their own), symbolic links, synthetic files (text made at open) and
 * devices. Pure bookkeeping with no system-call or user-memory code, so
 * the host unit tests build the overlay and tmpfs on it.
 *
 * Lifetime: a node is held by its directory entry (until unlinked) and by
 * each open file or working directory on it (fs_node_get/fs_node_put);
 * it is freed when both are gone. */
#ifndef KERNEL_FS_NODE_H
#define KERNEL_FS_NODE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct kern_file;
struct fs_tmpdata;
struct stat;

/* Where a node lives; tmpfs nodes are the only writable ones. */
#define FS_NODE_TMP 0x1	    /* in the tmpfs at /tmp */
#define FS_NODE_MOUNT 0x2   /* a mount's root (/tmp): not removable */
#define FS_NODE_ARCHIVE 0x4 /* came from an archive (baked or initrd) */
#define FS_NODE_CHARGED 0x8 /* counts FS_TMP_NODE_BYTES against the limit */

/* What one tmpfs node costs against the tmpfs limit: the node, its name
 * and its data's header (kernel memory from pools, never given back to
 * the frame allocator, so the limit must bound how many there are). */
#define FS_TMP_NODE_BYTES 512

struct fs_node {
	uint32_t mode;		/* S_IF* | permissions */
	uint32_t flags;		/* FS_NODE_* */
	uint64_t ino;		/* unique for the boot */
	int64_t mtime;		/* nanoseconds since the epoch */
	int links;		/* 1 while in a directory, else 0 */
	int refs;		/* open files and working directories */
	struct fs_node *parent; /* its directory (the root: itself) */
	struct fs_node *next;	/* the next entry of the directory */
	struct fs_node **pprev; /* what points at it in that list */
	struct fs_node *hnext;	/* the next node of its hash bucket */
	uint64_t seq;		/* its position in the directory */
	const char *name;	/* not NUL-terminated */
	size_t name_len;
	int name_owned; /* name came from fs_name_dup */
	uint32_t gen;	/* the archive that named it (fs_load_archive) */
	uint32_t rdev;	/* a device's number (st_rdev) */
	union {
		struct { /* S_IFDIR */
			struct fs_node *first, **tail;
			uint64_t next_seq;
			size_t count, subdirs;
		} dir;
		struct { /* S_IFREG or S_IFLNK from an archive */
			const unsigned char *data;
			size_t size;
		} ro;
		struct fs_tmpdata *tmp; /* S_IFREG or S_IFLNK in tmpfs */
		/* a synthetic file: its text at each open */
		const char *(*synth)(void);
		/* a device: a new open file for flags, or NULL */
		struct kern_file *(*dev)(int flags);
	} u;
	int kind; /* FS_KIND_* below: which member of u */
};

enum {
	FS_KIND_DIR,
	FS_KIND_RO,
	FS_KIND_TMP,
	FS_KIND_SYNTH,
	FS_KIND_DEV
};

/* The root directory (made on first use). */
struct fs_node *fs_root(void);

/* A new node of kind and mode, unlinked, with no references: NULL when
 * the node pool is exhausted. */
struct fs_node *fs_node_new(int kind, uint32_t mode);

/* Take and drop an open file's or working directory's hold. */
void fs_node_get(struct fs_node *n);
void fs_node_put(struct fs_node *n);

/* The entry name (len bytes) of directory dir, or NULL. */
struct fs_node *fs_node_child(const struct fs_node *dir, const char *name,
			      size_t len);

/* Enter n (unlinked) in dir under name (len bytes, kept as a pointer:
 * it must outlive the entry; see fs_name_dup). The caller has checked
 * that dir has no entry of that name. n takes dir's tmpfs flag. */
void fs_node_link(struct fs_node *dir, struct fs_node *n, const char *name,
		  size_t len);

/* Take n out of its directory; it is freed now if nothing holds it. */
void fs_node_unlink(struct fs_node *n);

/* A copy of name (len bytes, at most NAME_MAX) in kernel memory, or NULL
 * when out of memory; fs_node_unlink frees a node's copy. */
const char *fs_name_dup(const char *name, size_t len);

/* Give back a name from fs_name_dup (len bytes). */
void fs_name_free(const char *name, size_t len);

/* Free n, made by fs_node_new and never linked or held. */
void fs_node_drop(struct fs_node *n);

/* Move n (linked) to directory dir under name (len bytes, from
 * fs_name_dup: n owns it from now on), as its last entry. The caller
 * has removed any entry of that name and checked dir is not below n. */
void fs_node_move(struct fs_node *n, struct fs_node *dir, const char *name,
		  size_t len);

/* The node at path (absolute and normal, as kern_path_resolve gives it),
 * following no links, or NULL. */
struct fs_node *fs_node_walk(const char *path);

/* fs_node_walk of a path of len bytes, absolute or relative to the root
 * (an archive's names), not NUL-terminated. */
struct fs_node *fs_node_walk_name(const char *path, size_t len);

/* The absolute path of n into buf (len bytes): its length, or
 * -ENAMETOOLONG, or -ENOENT when n is no longer in the tree. */
long fs_node_path(const struct fs_node *n, char *buf, size_t len);

/* Whether a lies in the subtree of b (or is b). */
int fs_node_within(const struct fs_node *a, const struct fs_node *b);

/* Frames the table of names holds now (node.c), for the accounting
 * checks of the unit tests: every other frame of the tree is tmpfs's. */
size_t fs_node_table_frames(void);

/* Bytes of a regular file or link target. */
size_t fs_node_size(const struct fs_node *n);

/* Fill st for n (st_dev, st_ino, mode, links, size, blocks, times). */
void fs_node_stat(const struct fs_node *n, struct stat *st);

#endif
