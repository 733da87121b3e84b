/* Open files of the file tree and path resolution for the file layer's
 * calls (vfs.h). Each kind of node opens as its own kind of file:
 * archive files (read-only, read in place, their bytes stable for mmap
 * and sendfile), tmpfs files (read and write), synthetic files (the text
 * of the moment of opening), directories (getdents64, *at calls), and
 * O_PATH handles; devices make their own files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include <kern/clock.h>
#include <kern/file.h>
#include <kern/uaccess.h>

#include "fs/file_internal.h"
#include "fs/path.h"
#include "fs/tmpfs.h"
#include "fs/vfs.h"
#include "mm/pool.h"

#define MAX_OPEN (2 * KERN_FD_MAX)

/* An open file of the tree. */
struct vfile {
	struct fs_node *node;
	off_t pos;	  /* files: the offset; directories: the next seq */
	const char *text; /* synthetic files: the text at open */
	size_t size;
};

static struct kern_pool vfiles = KERN_POOL(struct vfile, MAX_OPEN);
static const struct kern_file_ops ro_ops, tmp_ops, synth_ops, dir_ops, path_ops;
static struct fs_node *cwd;

int64_t vfs_now(void)
{
	return (int64_t)kern_clock_realtime_ns();
}

struct fs_node *vfs_cwd(void)
{
	if (!cwd) {
		cwd = fs_root();
		fs_node_get(cwd);
	}
	return cwd;
}

void vfs_set_cwd(struct fs_node *n)
{
	struct fs_node *old = vfs_cwd();

	cwd = n;
	fs_node_put(old);
}

struct fs_node *vfs_file_node(struct kern_file *f)
{
	const struct kern_file_ops *o = f->ops;

	if (o == &ro_ops || o == &tmp_ops || o == &synth_ops || o == &dir_ops ||
	    o == &path_ops)
		return ((struct vfile *)f->priv)->node;
	return NULL;
}

off_t *vfs_dir_pos(struct kern_file *f)
{
	return f->ops == &dir_ops ? &((struct vfile *)f->priv)->pos : NULL;
}

/* The new position off from whence, for a file of size bytes at pos. */
static off_t seek(off_t pos, off_t size, off_t off, int whence)
{
	off_t base = whence == SEEK_SET ? 0 :
		     whence == SEEK_CUR ? pos :
		     whence == SEEK_END ? size :
					  -1;

	if (base < 0 || (off > 0 && base > LONG_MAX - off) || base + off < 0)
		return -EINVAL;
	return base + off;
}

static off_t file_lseek(struct kern_file *f, off_t off, int whence)
{
	struct vfile *v = f->priv;
	off_t r = seek(v->pos, (off_t)fs_node_size(v->node), off, whence);

	if (r >= 0)
		v->pos = r;
	return r;
}

/* Copy from bytes [0, size) at off into buf: the count or -EFAULT. */
static ssize_t copy_from(const void *bytes, size_t size, void *buf, size_t n,
			 off_t off)
{
	if ((uint64_t)off >= size)
		return 0;
	if (n > size - (size_t)off)
		n = size - (size_t)off;
	if (kern_copy_safe(buf, (const char *)bytes + off, n))
		return -EFAULT;
	return (ssize_t)n;
}

static ssize_t ro_pread(struct kern_file *f, void *buf, size_t n, off_t off)
{
	struct vfile *v = f->priv;

	return copy_from(v->node->u.ro.data, v->node->u.ro.size, buf, n, off);
}

static ssize_t ro_read(struct kern_file *f, void *buf, size_t n)
{
	struct vfile *v = f->priv;
	ssize_t r = f->ops->pread(f, buf, n, v->pos);

	if (r > 0)
		v->pos += r;
	return r;
}

static const void *ro_stable(struct kern_file *f, off_t off, size_t *avail)
{
	struct vfile *v = f->priv;

	if (off < 0 || (uint64_t)off >= v->node->u.ro.size)
		return NULL;
	*avail = v->node->u.ro.size - (size_t)off;
	return v->node->u.ro.data + off;
}

static int file_stat(struct kern_file *f, struct stat *st)
{
	struct vfile *v = f->priv;

	fs_node_stat(v->node, st);
	if (v->node->kind == FS_KIND_SYNTH)
		st->st_size = (off_t)v->size;
	return 0;
}

static void file_release(struct kern_file *f)
{
	struct vfile *v = f->priv;

	fs_node_put(v->node);
	kern_pool_put(&vfiles, v);
}

static const struct kern_file_ops ro_ops = {
	.name = "file",
	.read = ro_read,
	.pread = ro_pread,
	.lseek = file_lseek,
	.stat = file_stat,
	.release = file_release,
	.stable = ro_stable,
};

static ssize_t tmp_pread(struct kern_file *f, void *buf, size_t n, off_t off)
{
	struct vfile *v = f->priv;

	return fs_tmp_read(v->node->u.tmp, buf, n, off);
}

static ssize_t tmp_pwrite(struct kern_file *f, const void *buf, size_t n,
			  off_t off)
{
	struct vfile *v = f->priv;
	ssize_t r = fs_tmp_write(v->node->u.tmp, buf, n, off);

	if (r > 0)
		v->node->mtime = vfs_now();
	return r;
}

static ssize_t tmp_write(struct kern_file *f, const void *buf, size_t n)
{
	struct vfile *v = f->priv;
	ssize_t r;

	if (f->flags & O_APPEND)
		v->pos = (off_t)fs_tmp_size(v->node->u.tmp);
	r = tmp_pwrite(f, buf, n, v->pos);
	if (r > 0)
		v->pos += r;
	return r;
}

static const struct kern_file_ops tmp_ops = {
	.name = "tmpfs file",
	.read = ro_read,
	.write = tmp_write,
	.pread = tmp_pread,
	.pwrite = tmp_pwrite,
	.lseek = file_lseek,
	.stat = file_stat,
	.release = file_release,
};

static ssize_t synth_pread(struct kern_file *f, void *buf, size_t n, off_t off)
{
	struct vfile *v = f->priv;

	return copy_from(v->text, v->size, buf, n, off);
}

static off_t synth_lseek(struct kern_file *f, off_t off, int whence)
{
	struct vfile *v = f->priv;
	off_t r = seek(v->pos, (off_t)v->size, off, whence);

	if (r >= 0)
		v->pos = r;
	return r;
}

static const struct kern_file_ops synth_ops = {
	.name = "synthetic file",
	.read = ro_read,
	.pread = synth_pread,
	.lseek = synth_lseek,
	.stat = file_stat,
	.release = file_release,
};

static ssize_t dir_read(struct kern_file *f, void *buf, size_t n)
{
	(void)f;
	(void)buf;
	(void)n;
	return -EISDIR;
}

/* Directories seek only to where getdents64 said (d_off) or to 0, from
 * the start or from where they are (telldir's lseek(fd, 0, SEEK_CUR)). */
static off_t dir_lseek(struct kern_file *f, off_t off, int whence)
{
	struct vfile *v = f->priv;
	off_t r = whence == SEEK_END ? -EINVAL : seek(v->pos, 0, off, whence);

	if (r >= 0)
		v->pos = r;
	return r;
}

static const struct kern_file_ops dir_ops = {
	.name = "directory",
	.read = dir_read,
	.lseek = dir_lseek,
	.stat = file_stat,
	.release = file_release,
};

static const struct kern_file_ops path_ops = {
	.name = "path",
	.stat = file_stat,
	.release = file_release,
};

/* The ops an open of n with flags uses. */
static const struct kern_file_ops *ops_for(const struct fs_node *n, int flags)
{
	if (flags & O_PATH)
		return &path_ops;
	switch (n->kind) {
	case FS_KIND_DIR:
		return &dir_ops;
	case FS_KIND_TMP:
		return &tmp_ops;
	case FS_KIND_SYNTH:
		return &synth_ops;
	default:
		return &ro_ops;
	}
}

struct kern_file *vfs_open_node(struct fs_node *n, int flags, long *err)
{
	struct vfile *v;
	struct kern_file *f;
	int keep = O_ACCMODE | O_NONBLOCK | O_APPEND | O_PATH | O_DIRECTORY;

	if (n->kind == FS_KIND_DEV && !(flags & O_PATH)) {
		f = n->u.dev(flags);
		*err = f ? 0 : -ENFILE;
		return f;
	}
	*err = -ENFILE;
	if (!(v = kern_pool_get(&vfiles)))
		return NULL;
	v->node = n;
	if (n->kind == FS_KIND_SYNTH && !(flags & O_PATH)) {
		v->text = n->u.synth();
		v->text = v->text ? v->text : "";
		v->size = strlen(v->text);
	}
	if (!(f = kern_file_new(ops_for(n, flags), v, flags & keep))) {
		kern_pool_put(&vfiles, v);
		return NULL;
	}
	fs_node_get(n);
	*err = 0;
	return f;
}

int vfs_path_in(long upath, char *buf)
{
	long r = kern_strncpy_in(buf, (const char *)upath, PATH_MAX);

	return r < 0 ? (int)r : 0;
}

/* Path-resolution callbacks on the tree (fs/path.h). */
static long tree_readlink(void *ctx, const char *path, char *buf, size_t len)
{
	struct fs_node *n = fs_node_walk(path);
	size_t size;

	(void)ctx;
	if (!n)
		return -ENOENT;
	if (!S_ISLNK(n->mode))
		return -EINVAL;
	size = fs_node_size(n);
	if (n->kind == FS_KIND_TMP)
		fs_tmp_read(n->u.tmp, buf, len, 0);
	else
		memcpy(buf, n->u.ro.data, size < len ? size : len);
	return (long)size;
}

static int tree_is_dir(void *ctx, const char *path)
{
	struct fs_node *n = fs_node_walk(path);

	(void)ctx;
	return n ? n->kind == FS_KIND_DIR : -ENOENT;
}

static const struct kern_path_ops tree_ops = { tree_readlink, tree_is_dir };

/* The path of the directory dirfd stands for into buf. 0 or -errno. */
static int base_of(int dirfd, char *buf)
{
	struct kern_file *f;
	struct fs_node *n;
	long r;

	if (dirfd == AT_FDCWD) {
		n = vfs_cwd();
	} else {
		if (!(f = kern_fd_file(dirfd)))
			return -EBADF;
		if (!(n = vfs_file_node(f)) || n->kind != FS_KIND_DIR)
			return -ENOTDIR;
	}
	r = fs_node_path(n, buf, PATH_MAX);
	return r < 0 ? (int)r : 0;
}

/* Split p->abs into directory and last name and look both up. */
static void locate(struct vfs_path *p)
{
	char *slash = strrchr(p->abs, '/');

	p->node = fs_node_walk(p->abs);
	p->last = slash + 1;
	p->last_len = strlen(p->last);
	if (!p->last_len) { /* the root */
		p->dir = p->node;
		return;
	}
	*slash = '\0';
	p->dir = fs_node_walk(slash == p->abs ? "/" : p->abs);
	*slash = '/';
}

int vfs_resolve(int dirfd, const char *path, int follow, struct vfs_path *p)
{
	static char base[PATH_MAX];
	int r;

	if (!path[0])
		return -ENOENT;
	if (path[0] != '/' && (r = base_of(dirfd, base)))
		return r;
	if (path[0] == '/')
		strcpy(base, "/");
	r = kern_path_resolve(&tree_ops, NULL, base, path, follow, p->abs,
			      sizeof(p->abs));
	if (r)
		return r;
	p->must_dir = kern_path_must_be_dir(path);
	locate(p);
	if (!p->dir)
		return -ENOENT;
	if (p->node && p->must_dir && p->node->kind != FS_KIND_DIR)
		return -ENOTDIR;
	return 0;
}
