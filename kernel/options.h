/* Private to kernel/: the kernel's own command-line options. */
#ifndef KERNEL_OPTIONS_H
#define KERNEL_OPTIONS_H

#include <arch/boot.h>
#include <kern/cmdline.h>

/* Split bi's command line into cl and apply the kernel's options
 * (log=quiet|info|debug). Any problem, an option nobody knows included,
 * stops the boot with OS_EXIT_BOOTCONF and a message naming it. */
void kern_options_parse(struct kern_cmdline *cl,
			const struct arch_bootinfo *bi);

#endif
