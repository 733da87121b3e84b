/* Private to kernel/: what the file layer's system calls (vfs_calls.c)
 * share with its open files (vfs.c): resolving a service's path to a
 * node, and opening a node. One core and no sleeping while a path is
 * resolved, so the path buffers are static. */
#ifndef KERNEL_FS_VFS_H
#define KERNEL_FS_VFS_H

#include <stddef.h>
#include <sys/types.h>

#include "fs/node.h"

struct kern_file;

/* A path as the calls see it once resolved: abs is absolute and normal;
 * node is what is there (NULL: nothing, then dir and last name where it
 * would be made). */
struct vfs_path {
	char abs[4096];
	struct fs_node *node;
	struct fs_node *dir; /* the directory holding the last component */
	const char *last;    /* its name in abs ("" for the root) */
	size_t last_len;
	int must_dir; /* the path ended in '/', "." or ".." */
};

/* Resolve path (in kernel memory: vfs_path_in copies the service's)
 * against dirfd (AT_FDCWD: the working directory), following a final
 * symlink if follow. 0 with p filled (p->node may be NULL when only the
 * last component is missing), or -errno: ENAMETOOLONG, ENOENT (a missing
 * directory, an empty path, dirfd's directory removed), ENOTDIR (also
 * dirfd not a directory), ELOOP, EBADF. */
int vfs_resolve(int dirfd, const char *path, int follow, struct vfs_path *p);

/* The service's path argument in a kernel buffer (buf, 4096 bytes): 0,
 * -EFAULT or -ENAMETOOLONG. */
int vfs_path_in(long upath, char *buf);

/* The node behind an open file of the tree, or NULL (a socket, ...). */
struct fs_node *vfs_file_node(struct kern_file *f);

/* Open node n with open(2)'s flags (checked by the caller): a new file
 * with one reference, or NULL with *err set to -ENFILE (no open file to
 * be had, a device's included). */
struct kern_file *vfs_open_node(struct fs_node *n, int flags, long *err);

/* The position of f if it is an open directory (not O_PATH), else
 * NULL: getdents64 reads from it and advances it. */
off_t *vfs_dir_pos(struct kern_file *f);

/* Make a node of mode (S_IFREG, S_IFDIR or S_IFLNK | permissions, the
 * umask not yet applied) at p's missing last component, which must be in
 * tmpfs: 0 with *n set, or -EROFS, -ENOENT (the directory was removed),
 * -ENOSPC (out of nodes or memory). */
int vfs_create(struct vfs_path *p, unsigned mode, struct fs_node **n);

/* The working directory (held). */
struct fs_node *vfs_cwd(void);

/* Make n (a directory, held by the caller) the working directory. */
void vfs_set_cwd(struct fs_node *n);

/* Wall-clock nanoseconds, for new nodes' times. */
int64_t vfs_now(void);

#endif
