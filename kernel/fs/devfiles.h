/* Private to kernel/: the device files (devfiles.c). */
#ifndef KERNEL_FS_DEVFILES_H
#define KERNEL_FS_DEVFILES_H

/* Make /dev and its devices (null, zero, random, urandom, console) in
 * the tree. 0 or -ENOSPC. */
int fs_dev_init(void);

#endif
