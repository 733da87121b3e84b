/* Private to kernel/: the kernel's own command-line options. */
#ifndef KERNEL_OPTIONS_H
#define KERNEL_OPTIONS_H

#include <arch/boot.h>
#include <kern/cmdline.h>

/* Split the image's baked command line (kern/baked.h), if it has one,
 * and bi's command line, which overrides it, into cl
 * (kern_cmdline_parse_baked), and apply the kernel's own options
 * (log=quiet|info|debug, mm.allow_wx). A malformed line stops the boot
 * with OS_EXIT_BOOTCONF and a message naming the problem (and "baked
 * command line" when it is the image's). */
void kern_options_parse(struct kern_cmdline *cl,
			const struct arch_bootinfo *bi);

/* Stop the boot (OS_EXIT_BOOTCONF) if an option was taken by no layer,
 * naming it: as given twice when its layer took the name once (options
 * that are not repeatable), as belonging to an optional part the image
 * does not have (net.*, tmpfs.*), or as unknown. */
void kern_options_check_unused(const struct kern_cmdline *cl);

#endif
