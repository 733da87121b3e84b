/* Private to kernel/: the kernel's own command-line options. */
#ifndef KERNEL_OPTIONS_H
#define KERNEL_OPTIONS_H

#include <arch/boot.h>
#include <kern/cmdline.h>

/* Split bi's command line into cl and apply the kernel's own options
 * (log=quiet|info|debug, mm.allow_wx). A malformed line stops the boot with
 * OS_EXIT_BOOTCONF and a message naming the problem. */
void kern_options_parse(struct kern_cmdline *cl,
			const struct arch_bootinfo *bi);

/* Stop the boot (OS_EXIT_BOOTCONF) if an option was taken by no layer. */
void kern_options_check_unused(const struct kern_cmdline *cl);

#endif
