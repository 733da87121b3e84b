/* Device files under /dev: null, zero, urandom, random (the kernel's
 * entropy pool: random waits until the pool is seeded, urandom never
 * does) and console (the console, as descriptors 0-2 are). Each open
 * makes a file of its own; writes to null, zero and the random devices
 * are accepted and dropped. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <kern/entropy.h>
#include <kern/file.h>
#include <kern/uaccess.h>

#include "fs/file_internal.h"
#include "fs/devfiles.h"
#include "fs/node.h"

#define CHUNK 256

static const unsigned char zeros[CHUNK];

static ssize_t null_read(struct kern_file *f, void *buf, size_t n)
{
	(void)f;
	(void)buf;
	(void)n;
	return 0;
}

static ssize_t sink_write(struct kern_file *f, const void *buf, size_t n)
{
	(void)f;
	(void)buf;
	return (ssize_t)n;
}

static ssize_t zero_read(struct kern_file *f, void *buf, size_t n)
{
	(void)f;
	for (size_t done = 0; done < n; done += CHUNK)
		if (kern_copy_safe((char *)buf + done, zeros,
				   n - done < CHUNK ? n - done : CHUNK))
			return -EFAULT;
	return (ssize_t)n;
}

/* Read n bytes of the pool with getrandom's flags. */
static ssize_t pool_read(void *buf, size_t n, unsigned flags)
{
	unsigned char block[CHUNK];
	size_t done = 0;

	while (done < n) {
		size_t len = n - done < CHUNK ? n - done : CHUNK;
		long r = kern_getrandom(block, len, flags);

		if (r < 0)
			return done ? (ssize_t)done : r;
		if (kern_copy_safe((char *)buf + done, block, (size_t)r))
			return -EFAULT;
		done += (size_t)r;
		flags |= GRND_INSECURE; /* seeded now: no second wait */
	}
	return (ssize_t)done;
}

static ssize_t urandom_read(struct kern_file *f, void *buf, size_t n)
{
	(void)f;
	return pool_read(buf, n, GRND_INSECURE);
}

static ssize_t random_read(struct kern_file *f, void *buf, size_t n)
{
	return pool_read(buf, n, f->flags & O_NONBLOCK ? GRND_NONBLOCK : 0);
}

/* st for a character device of number (1, minor) as on Linux. */
static int dev_stat(struct kern_file *f, struct stat *st)
{
	st->st_mode = S_IFCHR | 0666;
	st->st_rdev = makedev(1, (unsigned)(uintptr_t)f->priv);
	return 0;
}

#define DEVICE(id, minor_, readfn)                                         \
	static const struct kern_file_ops id##_ops = {                     \
		.name = #id,                                               \
		.read = readfn,                                            \
		.write = sink_write,                                       \
		.stat = dev_stat,                                          \
	};                                                                 \
	static struct kern_file *id##_open(int flags)                      \
	{                                                                  \
		return kern_file_new(&id##_ops, (void *)(uintptr_t)minor_, \
				     flags & (O_ACCMODE | O_NONBLOCK));    \
	}

DEVICE(null, 3, null_read)
DEVICE(zero, 5, zero_read)
DEVICE(random, 8, random_read)
DEVICE(urandom, 9, urandom_read)

static struct kern_file *console_open(int flags)
{
	(void)flags;
	return kern_console_file();
}

/* Enter one device under /dev. */
static int add(struct fs_node *dev, const char *name, unsigned mode,
	       unsigned rdev, struct kern_file *(*open)(int))
{
	struct fs_node *n = fs_node_new(FS_KIND_DEV, S_IFCHR | mode);

	if (!n)
		return -ENOSPC;
	n->u.dev = open;
	n->rdev = rdev;
	fs_node_link(dev, n, name, strlen(name));
	return 0;
}

int fs_dev_init(void)
{
	struct fs_node *dev = fs_node_new(FS_KIND_DIR, S_IFDIR | 0755);

	if (!dev)
		return -ENOSPC;
	fs_node_link(fs_root(), dev, "dev", 3);
	dev->flags |= FS_NODE_MOUNT;
	return add(dev, "null", 0666, makedev(1, 3), null_open) ||
			       add(dev, "zero", 0666, makedev(1, 5),
				   zero_open) ||
			       add(dev, "random", 0666, makedev(1, 8),
				   random_open) ||
			       add(dev, "urandom", 0666, makedev(1, 9),
				   urandom_open) ||
			       add(dev, "console", 0600, makedev(4, 64),
				   console_open) ?
		       -ENOSPC :
		       0;
}
