/* The file tree's boot step, an optional part ("files", in an image
 * whose service opens, stats or lists files: cmake/OsParts.cmake): the
 * baked-in tree, the initrd over it, the default synthetic files, the
 * device files, the tmpfs at /tmp with its limit (kernel option
 * tmpfs.size=), and the file calls. docs/files.md describes the result. */
#include <kern/component.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <kern/baked.h>
#include <kern/cmdline.h>
#include <kern/console.h>
#include <kern/exit.h>
#include <kern/file.h>
#include <kern/mm.h>
#include <kern/syscall.h>
#include <os/mem.h>

#include "core/sys.h"
#include "fs/devfiles.h"
#include "fs/file_internal.h"
#include "fs/node.h"
#include "fs/tmpfs.h"
#include "fs/overlay.h"
#include "fs/vfs_calls.h"

#define TMPFS_DEFAULT_PERCENT 25

static const struct kern_syscall_entry calls[] = {
	{ SYS_open, sys_open },
	{ SYS_openat, sys_openat },
	{ SYS_stat, sys_stat },
	{ SYS_lstat, sys_lstat },
	{ SYS_newfstatat, sys_newfstatat },
	{ SYS_access, sys_access },
	{ SYS_faccessat, sys_faccessat },
	{ SYS_statx, sys_statx },
	{ SYS_faccessat2, sys_faccessat2 },
	{ SYS_readlink, sys_readlink },
	{ SYS_readlinkat, sys_readlinkat },
	{ SYS_getdents64, sys_getdents64 },
	{ SYS_getcwd, sys_getcwd },
	{ SYS_chdir, sys_chdir },
	{ SYS_fchdir, sys_fchdir },
	{ SYS_mkdir, sys_mkdir },
	{ SYS_mkdirat, sys_mkdirat },
	{ SYS_unlink, sys_unlink },
	{ SYS_rmdir, sys_rmdir },
	{ SYS_unlinkat, sys_unlinkat },
	{ SYS_rename, sys_rename },
	{ SYS_renameat, sys_renameat },
	{ SYS_renameat2, sys_renameat2 },
	{ SYS_symlink, sys_symlink },
	{ SYS_symlinkat, sys_symlinkat },
	{ SYS_truncate, sys_truncate },
	{ SYS_ftruncate, sys_ftruncate },
	{ SYS_fsync, sys_fsync },
	{ SYS_fdatasync, sys_fsync },
	{ SYS_chmod, sys_chmod },
	{ SYS_fchmod, sys_fchmod },
	{ SYS_fchmodat, sys_fchmodat },
	{ SYS_umask, sys_umask },
	{ SYS_pread64, sys_pread64 },
	{ SYS_pwrite64, sys_pwrite64 },
	{ SYS_preadv, sys_preadv },
	{ SYS_pwritev, sys_pwritev },
	{ SYS_sendfile, sys_sendfile },
};

/* tmpfs.size=SIZE (kern_parse_size: K, M, G) or N%: bytes, or a share
 * of RAM. -1 if bad. */
static int64_t parse_size(const char *v, uint64_t ram)
{
	uint64_t n;

	if (kern_parse_size(&v, &n))
		return -1;
	if (!strcmp(v, "%") && n <= 100)
		return (int64_t)(ram / 100 * n);
	return *v || n > INT64_MAX ? -1 : (int64_t)n;
}

/* The tmpfs limit from the command line, or its default. */
static void tmpfs_limit(struct kern_cmdline *cl)
{
	struct os_mem_stats st;
	const char *v;
	int64_t bytes;

	os_mem_stats(&st);
	bytes = (int64_t)(st.total / 100 * TMPFS_DEFAULT_PERCENT);
	if ((v = kern_cmdline_take(cl, "tmpfs.size")))
		if ((bytes = parse_size(v, st.total)) < 0)
			kern_bootconf_error("tmpfs.size=%s: expected bytes "
					    "with K, M or G, or a share of "
					    "RAM such as 25%%",
					    v);
	fs_tmp_set_limit((uint64_t)bytes);
}

/* Load one archive or stop the boot naming it and the problem. */
static void load(const char *what, const void *base, size_t len)
{
	static char err[160];

	if (fs_load_archive(base, len, err, sizeof(err)))
		kern_bootconf_error("%s: %s", what, err);
}

/* Make /tmp, the tmpfs mount. */
static void make_tmp(void)
{
	struct fs_node *tmp = fs_node_new(FS_KIND_DIR, S_IFDIR | 01777);

	if (!tmp)
		kern_panic("no node for /tmp");
	tmp->flags |= FS_NODE_TMP | FS_NODE_MOUNT;
	fs_node_link(fs_root(), tmp, "tmp", 3);
}

int kern_fs_setup(struct kern_cmdline *cl)
{
	size_t initrd_size = 0;
	const void *initrd = kern_mm_initrd(&initrd_size);

	tmpfs_limit(cl);
	if (&kern_baked_files_size && kern_baked_files_size)
		load("the baked-in tree", kern_baked_files,
		     kern_baked_files_size);
	if (initrd)
		load("initrd", initrd, initrd_size);
	kern_synth_defaults();
	if (fs_dev_init())
		kern_panic("no nodes for /dev");
	make_tmp();
	if (kern_syscall_register_all(calls, sizeof(calls) / sizeof(calls[0])))
		kern_panic("file calls registered twice");
	kern_info("files: baked-in tree %lu KiB, initrd %lu KiB, tmpfs up "
		  "to %lu MiB at /tmp",
		  (unsigned long)((&kern_baked_files_size ?
					   kern_baked_files_size :
					   0) >>
				  10),
		  (unsigned long)(initrd_size >> 10),
		  (unsigned long)(fs_tmp_limit() >> 20));
	return 0;
}

KERN_COMPONENT(files, .setup = kern_fs_setup);
