/* The file layer's calls that change the tree, all confined to the
 * tmpfs at /tmp (elsewhere EROFS): mkdir(at), rmdir, unlink(at),
 * rename(at,at2), symlink(at), truncate/ftruncate, chmod family, umask,
 * fsync/fdatasync; and making nodes (vfs_create) for open's O_CREAT. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <kern/file.h>
#include <kern/uaccess.h>

#include "core/sys.h"
#include "fs/tmpfs.h"
#include "fs/vfs.h"
#include "fs/vfs_calls.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif

static char pathbuf[PATH_MAX];
static struct vfs_path vp, vp2;
static unsigned umask_bits = 022;

int vfs_create(struct vfs_path *p, unsigned mode, struct fs_node **n)
{
	int kind = S_ISDIR(mode) ? FS_KIND_DIR : FS_KIND_TMP;
	const char *name;
	struct fs_node *c;

	if (!(p->dir->flags & FS_NODE_TMP))
		return -EROFS;
	if (!p->dir->links)
		return -ENOENT;
	if (fs_tmp_charge(FS_TMP_NODE_BYTES))
		return -ENOSPC; /* before the pools take memory for it */
	if (!(name = fs_name_dup(p->last, p->last_len))) {
		fs_tmp_uncharge(FS_TMP_NODE_BYTES);
		return -ENOSPC;
	}
	c = fs_node_new(kind, (mode & S_IFMT) | (mode & 07777 & ~umask_bits));
	if (c && kind == FS_KIND_TMP && !(c->u.tmp = fs_tmp_new())) {
		fs_node_drop(c);
		c = NULL;
	}
	if (!c) {
		fs_name_free(name, p->last_len);
		fs_tmp_uncharge(FS_TMP_NODE_BYTES);
		return -ENOSPC;
	}
	c->flags |= FS_NODE_CHARGED; /* node_free gives it back */
	c->mtime = p->dir->mtime = vfs_now();
	fs_node_link(p->dir, c, name, p->last_len);
	c->name_owned = 1;
	*n = c;
	return 0;
}

/* Resolve the service's upath at dirfd into p, not following a final
 * link. 0 or -errno. */
static int lookup(int dirfd, long upath, struct vfs_path *p)
{
	int r = vfs_path_in(upath, pathbuf);

	return r ? r : vfs_resolve(dirfd, pathbuf, 0, p);
}

/* 1 if path's last component is ".", 2 if "..", else 0 (trailing
 * slashes aside): such a name cannot be removed or renamed. */
static int last_dots(const char *path)
{
	size_t end = strlen(path), start;

	while (end > 1 && path[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (end - start == 1 && path[start] == '.')
		return 1;
	return end - start == 2 && !memcmp(path + start, "..", 2) ? 2 : 0;
}

/* The open file behind fd for a call on its file (not O_PATH), or NULL
 * (EBADF). */
static struct kern_file *fd_file(long fd)
{
	struct kern_file *f = kern_fd_file((int)fd);

	return f && !(f->flags & O_PATH) ? f : NULL;
}

/* Whether the tree below p->dir may change: tmpfs. */
static int writable(const struct fs_node *n)
{
	return (n->flags & FS_NODE_TMP) != 0;
}

static long mkdir_at(int dirfd, long upath, unsigned mode)
{
	struct fs_node *n;
	int r = lookup(dirfd, upath, &vp);

	if (r)
		return r;
	if (vp.node)
		return -EEXIST;
	return vfs_create(&vp, S_IFDIR | (mode & 07777), &n);
}

long sys_mkdir(const long *a)
{
	return mkdir_at(AT_FDCWD, a[0], (unsigned)a[1]);
}

long sys_mkdirat(const long *a)
{
	return mkdir_at((int)a[0], a[1], (unsigned)a[2]);
}

/* Remove p's node: a directory if dir, else anything else. */
static long remove_node(struct vfs_path *p, int dir)
{
	struct fs_node *n = p->node;

	if (!n)
		return -ENOENT;
	if (dir && n->kind != FS_KIND_DIR)
		return -ENOTDIR;
	if (!dir && n->kind == FS_KIND_DIR)
		return -EISDIR;
	if (n == fs_root() || (n->flags & FS_NODE_MOUNT))
		return -EBUSY;
	if (!writable(n))
		return -EROFS;
	if (dir && n->u.dir.count)
		return -ENOTEMPTY;
	n->parent->mtime = vfs_now();
	fs_node_unlink(n);
	return 0;
}

static long unlink_at(int dirfd, long upath, int flags)
{
	int r;

	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	if ((r = lookup(dirfd, upath, &vp)))
		return r;
	switch (last_dots(pathbuf)) { /* as Linux answers */
	case 1:
		return flags & AT_REMOVEDIR ? -EINVAL : -EISDIR;
	case 2:
		return flags & AT_REMOVEDIR ? -ENOTEMPTY : -EISDIR;
	}
	return remove_node(&vp, (flags & AT_REMOVEDIR) != 0);
}

long sys_unlink(const long *a)
{
	return unlink_at(AT_FDCWD, a[0], 0);
}

long sys_rmdir(const long *a)
{
	return unlink_at(AT_FDCWD, a[0], AT_REMOVEDIR);
}

long sys_unlinkat(const long *a)
{
	return unlink_at((int)a[0], a[1], (int)a[2]);
}

/* Whether src may replace dst (existing) in a rename: 0 or -errno. */
static int may_replace(const struct fs_node *src, const struct fs_node *dst,
		       unsigned flags)
{
	if (flags & RENAME_NOREPLACE)
		return -EEXIST;
	if (dst->flags & FS_NODE_MOUNT)
		return -EBUSY;
	if (src->kind == FS_KIND_DIR && dst->kind != FS_KIND_DIR)
		return -ENOTDIR;
	if (src->kind != FS_KIND_DIR && dst->kind == FS_KIND_DIR)
		return -EISDIR;
	if (dst->kind == FS_KIND_DIR && dst->u.dir.count)
		return -ENOTEMPTY;
	return 0;
}

/* rename vp's node to vp2's path. */
static long do_rename(unsigned flags)
{
	struct fs_node *src = vp.node, *dst = vp2.node;
	const char *name;
	int r;

	if (!src)
		return -ENOENT;
	if (src == fs_root() || (src->flags & FS_NODE_MOUNT))
		return -EBUSY;
	if (!writable(src))
		return -EROFS;
	if (!writable(vp2.dir))
		return -EXDEV;
	if (src == dst) /* Linux: NOREPLACE sees an existing name */
		return flags & RENAME_NOREPLACE ? -EEXIST : 0;
	if (src->kind == FS_KIND_DIR && fs_node_within(vp2.dir, src))
		return -EINVAL;
	if (dst && (r = may_replace(src, dst, flags)))
		return r;
	if (!(name = fs_name_dup(vp2.last, vp2.last_len)))
		return -ENOSPC;
	if (dst)
		fs_node_unlink(dst);
	src->parent->mtime = vp2.dir->mtime = vfs_now();
	fs_node_move(src, vp2.dir, name, vp2.last_len);
	return 0;
}

static long rename_at(int olddir, long oldp, int newdir, long newp,
		      unsigned flags)
{
	int r, dots;

	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL;
	if ((r = lookup(olddir, oldp, &vp)))
		return r;
	dots = last_dots(pathbuf);
	if ((r = lookup(newdir, newp, &vp2)))
		return r;
	if (dots || last_dots(pathbuf) || !vp.last_len || !vp2.last_len)
		return -EBUSY;
	if (vp.node && vp.node->kind != FS_KIND_DIR && vp2.must_dir)
		return -ENOTDIR;
	return do_rename(flags);
}

long sys_rename(const long *a)
{
	return rename_at(AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

long sys_renameat(const long *a)
{
	return rename_at((int)a[0], a[1], (int)a[2], a[3], 0);
}

long sys_renameat2(const long *a)
{
	return rename_at((int)a[0], a[1], (int)a[2], a[3], (unsigned)a[4]);
}

static long symlink_at(long utarget, int dirfd, long upath)
{
	static char target[PATH_MAX];
	struct fs_node *n;
	size_t len;
	int r = vfs_path_in(utarget, target);

	if (r)
		return r;
	if (!(len = strlen(target)))
		return -ENOENT;
	if ((r = lookup(dirfd, upath, &vp)))
		return r;
	if (vp.node)
		return -EEXIST;
	if ((r = vfs_create(&vp, S_IFLNK | 0777, &n)))
		return r;
	n->mode = S_IFLNK | 0777;
	if (fs_tmp_write(n->u.tmp, target, len, 0) != (ssize_t)len) {
		fs_node_unlink(n);
		return -ENOSPC;
	}
	return 0;
}

long sys_symlink(const long *a)
{
	return symlink_at(a[0], AT_FDCWD, a[1]);
}

long sys_symlinkat(const long *a)
{
	return symlink_at(a[0], (int)a[1], a[2]);
}

/* Truncate node n to len. */
static long truncate_node(struct fs_node *n, long len)
{
	if (len < 0)
		return -EINVAL;
	if (n->kind == FS_KIND_DIR)
		return -EISDIR;
	if (!writable(n))
		return -EROFS;
	if (n->kind != FS_KIND_TMP || S_ISLNK(n->mode))
		return -EINVAL;
	n->mtime = vfs_now();
	return fs_tmp_truncate(n->u.tmp, len);
}

long sys_truncate(const long *a)
{
	int r = vfs_path_in(a[0], pathbuf);

	if (!r)
		r = vfs_resolve(AT_FDCWD, pathbuf, 1, &vp);
	if (!r && !vp.node)
		r = -ENOENT;
	return r ? r : truncate_node(vp.node, a[1]);
}

long sys_ftruncate(const long *a)
{
	struct kern_file *f = fd_file(a[0]);
	struct fs_node *n = f ? vfs_file_node(f) : NULL;

	if (!f)
		return -EBADF;
	if (!n || (f->flags & O_ACCMODE) == O_RDONLY)
		return -EINVAL;
	return truncate_node(n, a[1]);
}

/* fsync and fdatasync: tmpfs has nothing to flush. */
long sys_fsync(const long *a)
{
	struct kern_file *f = fd_file(a[0]);

	if (!f)
		return -EBADF;
	return vfs_file_node(f) ? 0 : -EINVAL;
}

/* Set n's permission bits. */
static long chmod_node(struct fs_node *n, long mode)
{
	if (!writable(n))
		return -EROFS;
	n->mode = (n->mode & S_IFMT) | ((unsigned)mode & 07777);
	return 0;
}

long sys_chmod(const long *a)
{
	int r = vfs_path_in(a[0], pathbuf);

	if (!r)
		r = vfs_resolve(AT_FDCWD, pathbuf, 1, &vp);
	if (!r && !vp.node)
		r = -ENOENT;
	return r ? r : chmod_node(vp.node, a[1]);
}

long sys_fchmodat(const long *a)
{
	int r = vfs_path_in(a[1], pathbuf);

	if (!r)
		r = vfs_resolve((int)a[0], pathbuf, 1, &vp);
	if (!r && !vp.node)
		r = -ENOENT;
	return r ? r : chmod_node(vp.node, a[2]);
}

/* fchmod. An O_PATH descriptor is taken too: Linux says EBADF, and musl
 * then chmods /proc/self/fd/N, which works there; with no /proc here,
 * this is how the service's fchmod ends as it would on Linux. */
long sys_fchmod(const long *a)
{
	struct kern_file *f = kern_fd_file((int)a[0]);
	struct fs_node *n = f ? vfs_file_node(f) : NULL;

	if (!f)
		return -EBADF;
	return n ? chmod_node(n, a[1]) : -EINVAL;
}

long sys_umask(const long *a)
{
	unsigned old = umask_bits;

	umask_bits = (unsigned)a[0] & 0777;
	return old;
}
