/* Private to kernel/: the file tree's system calls (vfs_calls.c,
 * vfs_change.c, and the positioned I/O of sys_io.c), registered by the
 * file layer's boot step (fs_boot.c). */
#ifndef KERNEL_FS_VFS_CALLS_H
#define KERNEL_FS_VFS_CALLS_H

struct kern_cmdline;

/* The files part's setup (a component, run by kern_components_setup):
 * build the tree (docs/files.md), register these calls. A bad archive or
 * option stops the boot (OS_EXIT_BOOTCONF) naming it. Returns 0. Also
 * the symbol that brings the part into an image (cmake/OsParts.cmake). */
int kern_fs_setup(struct kern_cmdline *cl);

long sys_open(const long *a);
long sys_openat(const long *a);
long sys_stat(const long *a);
long sys_lstat(const long *a);
long sys_newfstatat(const long *a);
long sys_access(const long *a);
long sys_faccessat(const long *a);
long sys_statx(const long *a);
long sys_faccessat2(const long *a);
long sys_readlink(const long *a);
long sys_readlinkat(const long *a);
long sys_getdents64(const long *a);
long sys_getcwd(const long *a);
long sys_chdir(const long *a);
long sys_fchdir(const long *a);
long sys_mkdir(const long *a);
long sys_mkdirat(const long *a);
long sys_unlink(const long *a);
long sys_rmdir(const long *a);
long sys_unlinkat(const long *a);
long sys_rename(const long *a);
long sys_renameat(const long *a);
long sys_renameat2(const long *a);
long sys_symlink(const long *a);
long sys_symlinkat(const long *a);
long sys_truncate(const long *a);
long sys_ftruncate(const long *a);
long sys_fsync(const long *a);
long sys_chmod(const long *a);
long sys_fchmod(const long *a);
long sys_fchmodat(const long *a);
long sys_umask(const long *a);
long sys_pread64(const long *a);
long sys_pwrite64(const long *a);
long sys_preadv(const long *a);
long sys_pwritev(const long *a);
long sys_sendfile(const long *a); /* sendfile.c */

#endif
