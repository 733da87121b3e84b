/* Synthetic files: a layer registers a path and a function giving the
 * content (kern_synth_register: net/'s /etc/resolv.conf, the kernel's
 * /etc/hosts), and the file is a read-only node of the tree whose text
 * is taken at each open. A file of the same path from the baked-in tree
 * or the initrd wins: the service's own /etc/hosts is not overridden. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <kern/file.h>

#include "fs/file_internal.h"
#include "fs/node.h"

static int nsynth;

/* The directory that holds path's last component (made as needed), and
 * where that name starts; NULL when a component is not a directory or
 * the tree is full. */
static struct fs_node *parent_dir(const char *path, const char **last)
{
	struct fs_node *dir = fs_root(), *c;

	for (;;) {
		size_t len;

		while (*path == '/')
			path++;
		len = strcspn(path, "/");
		if (!path[len]) {
			*last = path;
			return dir;
		}
		c = fs_node_child(dir, path, len);
		if (!c && (c = fs_node_new(FS_KIND_DIR, S_IFDIR | 0755)))
			fs_node_link(dir, c, path, len);
		if (!c || c->kind != FS_KIND_DIR)
			return NULL;
		dir = c;
		path += len;
	}
}

int kern_synth_register(const char *path, const char *(*content)(void))
{
	const char *last;
	struct fs_node *dir, *n;

	if (!path || path[0] != '/' || !content)
		return -EINVAL;
	if (!(dir = parent_dir(path, &last)) || !*last)
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
	if (!fs_node_walk("/etc/hosts")) /* a layer registered its own */
		kern_synth_register("/etc/hosts", hosts);
}
