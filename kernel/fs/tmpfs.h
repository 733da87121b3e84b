/* Private to kernel/: tmpfs file data (tmpfs.c), the bytes of the file
 * tree's nodes under /tmp (node.h's FS_KIND_TMP). */
#ifndef KERNEL_FS_TMPFS_H
#define KERNEL_FS_TMPFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct fs_tmpdata;

/* A file's data is pages of its own, allocated as written, counted
 * against the tmpfs size limit. Bytes never written (holes, growth by
 * truncate) read as zero. */

/* Empty data, or NULL when out of memory. */
struct fs_tmpdata *fs_tmp_new(void);

/* Free d and give its pages back to the limit. */
void fs_tmp_free(struct fs_tmpdata *d);

/* d's size in bytes. */
size_t fs_tmp_size(const struct fs_tmpdata *d);

/* Copy at most n bytes from off into buf (with kern_copy_safe): the
 * count (0 at or past the end), or -EFAULT. */
ssize_t fs_tmp_read(const struct fs_tmpdata *d, void *buf, size_t n, off_t off);

/* Copy n bytes from buf to off, growing d: the count written, short
 * when the limit or memory ran out after some bytes; -ENOSPC when none
 * could be, -EFBIG past the largest offset, -EFAULT. */
ssize_t fs_tmp_write(struct fs_tmpdata *d, const void *buf, size_t n,
		     off_t off);

/* Make d len bytes long: pages past len go back, the rest of the last
 * one is zeroed; growing allocates nothing. 0 or -EFBIG. */
int fs_tmp_truncate(struct fs_tmpdata *d, off_t len);

/* The limit on tmpfs pages (data and index) and nodes in bytes; what is
 * used. */
void fs_tmp_set_limit(uint64_t bytes);
uint64_t fs_tmp_limit(void);
uint64_t fs_tmp_used(void);

/* Count bytes of tmpfs bookkeeping (a node: FS_TMP_NODE_BYTES) against
 * the limit: 0, or -ENOSPC when they do not fit. Uncharge gives them
 * back. */
int fs_tmp_charge(uint64_t bytes);
void fs_tmp_uncharge(uint64_t bytes);

#endif
