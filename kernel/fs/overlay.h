/* Private to kernel/: loading cpio newc archives into the file tree
 * (overlay.c): the baked-in tree first, then the initrd over it. */
#ifndef KERNEL_FS_OVERLAY_H
#define KERNEL_FS_OVERLAY_H

#include <stddef.h>

/* Enter every entry of the archive [base, base + len) into the tree, over
 * what earlier archives put there (a file or link replaces one at its
 * path, a directory merges with one, missing parent directories are
 * made). The archive's bytes must stay in memory: files are read in
 * place. Returns 0, or -EINVAL with "offset N: problem" in err (errlen
 * bytes): a compressed or malformed archive (kern_cpio_next), a path
 * named twice, a file where a directory was or the reverse, a path under
 * /tmp or /dev, or no memory for a node or a hard link's waiting name.
 * The tree may then hold part of the archive: the caller stops the boot. */
int fs_load_archive(const void *base, size_t len, char *err, size_t errlen);

#endif
