/* The file layer's calls that look at the tree: open/openat, the stat
 * family (stat, lstat, newfstatat, statx), access/faccessat(2),
 * readlink(at), getdents64, getcwd, chdir/fchdir. The calls that change
 * it are in vfs_change.c. Everything outside /tmp is read-only (EROFS). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <kern/file.h>
#include <kern/uaccess.h>

#include "core/sys.h"
#include "fs/file_internal.h"
#include "fs/tmpfs.h"
#include "fs/vfs.h"
#include "fs/vfs_calls.h"

#define STATX_BASIC 0x7ffU /* STATX_BASIC_STATS */

/* Linux's struct statx (musl 1.2.3 has none): the system call's ABI. */
struct kstatx_time {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};

struct kstatx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct kstatx_time atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare[14];
};

_Static_assert(sizeof(struct kstatx) == 256, "struct statx is 256 bytes");

static char pathbuf[PATH_MAX];
static struct vfs_path vp;

/* Resolve the service's upath against dirfd into vp. 0 or -errno. */
static int lookup(int dirfd, long upath, int follow)
{
	int r = vfs_path_in(upath, pathbuf);

	return r ? r : vfs_resolve(dirfd, pathbuf, follow, &vp);
}

/* lookup, and the node must exist. */
static int lookup_node(int dirfd, long upath, int follow)
{
	int r = lookup(dirfd, upath, follow);

	return r ? r : vp.node ? 0 : -ENOENT;
}

/* Whether n may be opened with flags (0) or the error. */
static int check_open(struct fs_node *n, int flags)
{
	int writes = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);

	if (flags & O_PATH)
		return (flags & O_DIRECTORY) && n->kind != FS_KIND_DIR ?
			       -ENOTDIR :
			       0;
	if (S_ISLNK(n->mode))
		return -ELOOP; /* O_NOFOLLOW met a link */
	if ((flags & O_DIRECTORY) && n->kind != FS_KIND_DIR)
		return -ENOTDIR;
	if (n->kind == FS_KIND_DIR && (writes || (flags & O_CREAT)))
		return -EISDIR;
	if (writes && n->kind != FS_KIND_DEV && !(n->flags & FS_NODE_TMP))
		return -EROFS;
	if ((flags & O_TRUNC) && n->kind == FS_KIND_TMP)
		return fs_tmp_truncate(n->u.tmp, 0);
	return 0;
}

/* The node an open names, made when O_CREAT asks: 0 or -errno. */
static int open_target(int dirfd, long upath, int flags, unsigned mode,
		       struct fs_node **n)
{
	int excl = (flags & O_CREAT) && (flags & O_EXCL);
	int r = lookup(dirfd, upath, !(flags & O_NOFOLLOW) && !excl);

	if (r)
		return r;
	if (vp.node) {
		*n = vp.node;
		return excl ? -EEXIST : check_open(vp.node, flags);
	}
	if (!(flags & O_CREAT))
		return -ENOENT;
	if (vp.must_dir)
		return -EISDIR;
	return vfs_create(&vp, S_IFREG | (mode & 07777), n);
}

/* open and openat. */
static long open_at(int dirfd, long upath, int flags, unsigned mode)
{
	struct fs_node *n;
	struct kern_file *f;
	long err;
	int fd;

	if ((flags & O_CREAT) && (flags & O_DIRECTORY))
		return -EINVAL; /* Linux since 6.4: it made a file */
	if ((err = open_target(dirfd, upath, flags, mode, &n)))
		return err;
	if (!(f = vfs_open_node(n, flags, &err)))
		return err;
	fd = kern_fd_install(f, (flags & O_CLOEXEC) != 0);
	if (fd < 0)
		kern_file_put(f);
	return fd;
}

long sys_open(const long *a)
{
	return open_at(AT_FDCWD, a[0], (int)a[1], (unsigned)a[2]);
}

long sys_openat(const long *a)
{
	return open_at((int)a[0], a[1], (int)a[2], (unsigned)a[3]);
}

/* stat of upath at dirfd (or of dirfd itself, or the working directory
 * for AT_FDCWD: empty path with AT_EMPTY_PATH) into st. */
static long stat_at(int dirfd, long upath, int flags, struct stat *st)
{
	struct kern_file *f;
	int r = vfs_path_in(upath, pathbuf);

	if (r)
		return r;
	if (!pathbuf[0] && (flags & AT_EMPTY_PATH) && dirfd == AT_FDCWD) {
		fs_node_stat(vfs_cwd(), st);
		return 0;
	}
	if (!pathbuf[0] && (flags & AT_EMPTY_PATH)) {
		f = kern_fd_file(dirfd);
		return f ? kern_file_stat(f, st) : -EBADF;
	}
	r = vfs_resolve(dirfd, pathbuf, !(flags & AT_SYMLINK_NOFOLLOW), &vp);
	if (!r && !vp.node)
		r = -ENOENT;
	if (!r)
		fs_node_stat(vp.node, st);
	return r;
}

/* The stat calls: stat_at, copied out to the service's ust. */
static long stat_call(int dirfd, long upath, int flags, long ust)
{
	struct stat st;
	long r;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	r = stat_at(dirfd, upath, flags, &st);
	return r ? r : kern_copy_out((void *)ust, &st, sizeof(st));
}

long sys_stat(const long *a)
{
	return stat_call(AT_FDCWD, a[0], 0, a[1]);
}

long sys_lstat(const long *a)
{
	return stat_call(AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW, a[1]);
}

long sys_newfstatat(const long *a)
{
	return stat_call((int)a[0], a[1], (int)a[3], a[2]);
}

/* A statx timestamp from a timespec. */
static struct kstatx_time stx_time(struct timespec t)
{
	return (struct kstatx_time){ t.tv_sec, (uint32_t)t.tv_nsec, 0 };
}

/* statx(dirfd, path, flags, mask, buf): the basic fields. */
long sys_statx(const long *a)
{
	struct stat st;
	struct kstatx sx;
	int flags = (int)a[2] & ~(AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC);
	long r;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	if ((r = stat_at((int)a[0], a[1], flags, &st)))
		return r;
	memset(&sx, 0, sizeof(sx));
	sx.mask = STATX_BASIC;
	sx.blksize = (uint32_t)st.st_blksize;
	sx.nlink = (uint32_t)st.st_nlink;
	sx.mode = (uint16_t)st.st_mode;
	sx.ino = st.st_ino;
	sx.size = (uint64_t)st.st_size;
	sx.blocks = (uint64_t)st.st_blocks;
	sx.atime = stx_time(st.st_atim);
	sx.mtime = stx_time(st.st_mtim);
	sx.ctime = stx_time(st.st_ctim);
	sx.rdev_major = major(st.st_rdev);
	sx.rdev_minor = minor(st.st_rdev);
	sx.dev_major = major(st.st_dev);
	sx.dev_minor = minor(st.st_dev);
	return kern_copy_out((void *)a[4], &sx, sizeof(sx));
}

/* access of what dirfd stands for (AT_FDCWD: the working directory):
 * a descriptor that is not of the tree is only checked to exist. */
static long empty_path_access(int dirfd, long mode)
{
	struct kern_file *f = dirfd == AT_FDCWD ? NULL : kern_fd_file(dirfd);
	struct fs_node *n = f ? vfs_file_node(f) : vfs_cwd();

	if (dirfd != AT_FDCWD && !f)
		return -EBADF;
	if (f && !n)
		return 0;
	if ((mode & W_OK) && n->kind != FS_KIND_DEV &&
	    !(n->flags & FS_NODE_TMP))
		return -EROFS;
	return (mode & X_OK) && n->kind != FS_KIND_DIR && !(n->mode & 0111) ?
		       -EACCES :
		       0;
}

/* access of upath at dirfd for mode (F_OK, R_OK, W_OK, X_OK). */
static long access_at(int dirfd, long upath, long mode, int flags)
{
	long r;
	struct fs_node *n;

	if ((mode & ~(long)(F_OK | R_OK | W_OK | X_OK)) ||
	    (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)))
		return -EINVAL;
	if ((r = vfs_path_in(upath, pathbuf)))
		return r;
	if (!pathbuf[0] && (flags & AT_EMPTY_PATH))
		return empty_path_access(dirfd, mode);
	r = vfs_resolve(dirfd, pathbuf, !(flags & AT_SYMLINK_NOFOLLOW), &vp);
	if (r || !vp.node)
		return r ? r : -ENOENT;
	n = vp.node;
	if ((mode & W_OK) && n->kind != FS_KIND_DEV &&
	    !(n->flags & FS_NODE_TMP))
		return -EROFS;
	if ((mode & X_OK) && n->kind != FS_KIND_DIR && !(n->mode & 0111))
		return -EACCES;
	return 0;
}

long sys_access(const long *a)
{
	return access_at(AT_FDCWD, a[0], a[1], 0);
}

long sys_faccessat(const long *a)
{
	return access_at((int)a[0], a[1], a[2], 0);
}

long sys_faccessat2(const long *a)
{
	return access_at((int)a[0], a[1], a[2], (int)a[3]);
}

/* readlink(at): the link's target, not NUL-terminated, truncated to
 * size bytes. */
static long readlink_at(int dirfd, long upath, long ubuf, long size)
{
	static char target[PATH_MAX];
	struct fs_node *n;
	size_t len;
	long r;

	if (size <= 0)
		return -EINVAL;
	if ((r = lookup_node(dirfd, upath, 0)))
		return r;
	n = vp.node;
	if (!S_ISLNK(n->mode))
		return -EINVAL;
	len = fs_node_size(n);
	len = len < (size_t)size ? len : (size_t)size;
	len = len < sizeof(target) ? len : sizeof(target);
	if (n->kind == FS_KIND_TMP)
		fs_tmp_read(n->u.tmp, target, len, 0);
	else
		memcpy(target, n->u.ro.data, len);
	return kern_copy_out((void *)ubuf, target, len) ? -EFAULT : (long)len;
}

long sys_readlink(const long *a)
{
	return readlink_at(AT_FDCWD, a[0], a[1], a[2]);
}

long sys_readlinkat(const long *a)
{
	return readlink_at((int)a[0], a[1], a[2], a[3]);
}

/* The d_type of n. */
static unsigned char dtype(const struct fs_node *n)
{
	return S_ISDIR(n->mode) ? DT_DIR :
	       S_ISLNK(n->mode) ? DT_LNK :
	       S_ISCHR(n->mode) ? DT_CHR :
				  DT_REG;
}

/* Append one linux_dirent64 for (name, len, ino, type) at buf + *used
 * (room bytes): 0, or -EINVAL when it does not fit. next is its d_off. */
static int put_dirent(char *buf, size_t room, size_t *used, const char *name,
		      size_t len, uint64_t ino, unsigned char type, off_t next)
{
	size_t rec = (offsetof(struct dirent, d_name) + len + 1 + 7) & ~7UL;
	struct dirent *d = (struct dirent *)(buf + *used);

	if (*used + rec > room)
		return -EINVAL;
	memset(d, 0, rec);
	d->d_ino = ino;
	d->d_off = next;
	d->d_reclen = (unsigned short)rec;
	d->d_type = type;
	memcpy(d->d_name, name, len);
	*used += rec;
	return 0;
}

/* Fill buf (room bytes, kernel memory) with dir's entries from position
 * *pos on, advancing it. The bytes used, or -EINVAL if none fit. */
static long fill_dirents(struct fs_node *dir, off_t *pos, char *buf,
			 size_t room)
{
	size_t used = 0;

	if (*pos == 0 &&
	    put_dirent(buf, room, &used, ".", 1, dir->ino, DT_DIR, 1) == 0)
		*pos = 1;
	if (*pos == 1 && put_dirent(buf, room, &used, "..", 2, dir->parent->ino,
				    DT_DIR, 2) == 0)
		*pos = 2;
	for (struct fs_node *c = dir->u.dir.first; c && *pos >= 2;
	     c = c->next) {
		if ((off_t)c->seq < *pos)
			continue;
		if (put_dirent(buf, room, &used, c->name, c->name_len, c->ino,
			       dtype(c), (off_t)c->seq + 1))
			break;
		*pos = (off_t)c->seq + 1;
	}
	return used ? (long)used : (*pos >= 2 && !dir->links) ? 0 : -EINVAL;
}

/* Whether dir has an entry at position pos or later. */
static int more_entries(const struct fs_node *dir, off_t pos)
{
	if (pos < 2)
		return 1;
	for (const struct fs_node *c = dir->u.dir.first; c; c = c->next)
		if ((off_t)c->seq >= pos)
			return 1;
	return 0;
}

long sys_getdents64(const long *a)
{
	static char buf[4096];
	struct kern_file *f = kern_fd_file((int)a[0]);
	struct fs_node *dir = f ? vfs_file_node(f) : NULL;
	size_t room = (size_t)a[2] < sizeof(buf) ? (size_t)a[2] : sizeof(buf);
	off_t *pos, from;
	long r;

	if (!f)
		return -EBADF;
	if (!dir || !(pos = vfs_dir_pos(f)))
		return -ENOTDIR;
	if (!dir->links || !more_entries(dir, *pos))
		return 0;
	from = *pos;
	r = fill_dirents(dir, pos, buf, room);
	if (r > 0 && kern_copy_out((void *)a[1], buf, (size_t)r)) {
		*pos = from; /* the entries were not delivered */
		return -EFAULT;
	}
	return r;
}

long sys_getcwd(const long *a)
{
	static char buf[PATH_MAX];
	long len = fs_node_path(vfs_cwd(), buf, sizeof(buf));

	if (len < 0)
		return len;
	if ((size_t)a[1] < (size_t)len + 1)
		return -ERANGE;
	return kern_copy_out((void *)a[0], buf, (size_t)len + 1) ? -EFAULT :
								   len + 1;
}

/* Make n the working directory if it is one. */
static long enter_dir(struct fs_node *n)
{
	if (n->kind != FS_KIND_DIR)
		return -ENOTDIR;
	fs_node_get(n);
	vfs_set_cwd(n);
	return 0;
}

long sys_chdir(const long *a)
{
	long r = lookup_node(AT_FDCWD, a[0], 1);

	return r ? r : enter_dir(vp.node);
}

long sys_fchdir(const long *a)
{
	struct kern_file *f = kern_fd_file((int)a[0]);
	struct fs_node *n = f ? vfs_file_node(f) : NULL;

	if (!f)
		return -EBADF;
	return n ? enter_dir(n) : -ENOTDIR;
}
