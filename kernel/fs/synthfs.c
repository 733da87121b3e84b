/* Synthetic files: a layer registers a path and a function giving the
 * content (kern_synth_register: net/'s /etc/resolv.conf, the kernel's
 * /etc/hosts), and the file is a read-only node of the tree whose text
 * is taken at each open. A file of the same path from the baked-in tree
 * or the initrd wins: the service's own /etc/hosts is not overridden. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <kern/exit.h>
#include <kern/file.h>

#include "fs/file_internal.h"
#include "fs/node.h"

static int nsynth;

/* The directory that holds path's last component (made as needed) into
 * *dir, and where that name starts: 0, -EINVAL when a component is not a
 * directory, -ENOSPC when the tree is full. */
static int parent_dir(const char *path, struct fs_node **dir, const char **last)
{
	struct fs_node *c;

	for (*dir = fs_root();; *dir = c) {
		size_t len;

		while (*path == '/')
			path++;
		len = strcspn(path, "/");
		if (!path[len]) {
			*last = path;
			return 0;
		}
		c = fs_node_child(*dir, path, len);
		if (!c && (c = fs_node_new(FS_KIND_DIR, S_IFDIR | 0755)))
			fs_node_link(*dir, c, path, len);
		if (!c)
			return -ENOSPC;
		if (c->kind != FS_KIND_DIR)
			return -EINVAL;
		path += len;
	}
}

int kern_synth_register(const char *path, const char *(*content)(void))
{
	const char *last;
	struct fs_node *dir, *n;
	int r;

	if (!path || path[0] != '/' || !content)
		return -EINVAL;
	if ((r = parent_dir(path, &dir, &last)))
		return r;
	if (!*last)
		return -EINVAL;
	n = fs_node_child(dir, last, strlen(last));
	if (n) {
		if (n->kind == FS_KIND_SYNTH)
			n->u.synth = content;
		return 0; /* a file of the service's own wins */
	}
	if (nsynth == KERN_SYNTH_MAX ||
	    !(n = fs_node_new(FS_KIND_SYNTH, S_IFREG | 0444)))
		return -ENOSPC;
	n->u.synth = content;
	fs_node_link(dir, n, last, strlen(last));
	nsynth++;
	return 0;
}

static const char *hosts(void)
{
	return "127.0.0.1 localhost\n::1 localhost\n";
}

void kern_synth_defaults(void)
{
	/* Not when a layer or the service has its own, or has a file /etc
	 * (-EINVAL: then there is no /etc/hosts, as the service chose). */
	if (!fs_node_walk("/etc/hosts") &&
	    kern_synth_register("/etc/hosts", hosts) == -ENOSPC)
		kern_panic("no memory for /etc/hosts");
}
