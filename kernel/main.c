/* The boot sequence: the one place that names every layer's start-up, in
 * order, from the PVH stub's call to the service's main. */
#include <arch/boot.h>
#include <arch/cpu.h>
#include <drv/uart.h>
#include <kern/cmdline.h>
#include <kern/console.h>
#include <kern/exit.h>
#include <kern/fault.h>
#include <kern/ksyms.h>
#include <kern/mem.h>
#include <kern/start.h>
#include <kern/syscall.h>

#include "options.h"

#define SERVICE_STACK_SIZE (1UL << 20)

static struct arch_bootinfo bootinfo;
static struct kern_cmdline cmdline;

/* Name the boot and exception stacks for the unwinder and reports. */
static void register_stacks(void)
{
	static const char *const ist_names[] = { "exception stack",
						 "double-fault stack",
						 "NMI/MCE stack" };
	uintptr_t lo, hi;

	arch_boot_stack(&lo, &hi);
	kern_stack_register("boot stack", lo, hi);
	for (int i = 1; i <= 3; i++) {
		arch_ist_stack(i, &lo, &hi);
		kern_stack_register(ist_names[i - 1], lo, hi);
	}
}

static void banner(void)
{
	struct kern_mem_info m;

	kern_mem_info(&m);
	kern_info("libos: booting %s: %lu MiB RAM, image %lu KiB "
		  "(symbol table %lu bytes), %lu MiB free",
		  kern_image_name, (unsigned long)(m.ram_total >> 20),
		  (unsigned long)(m.image >> 10),
		  (unsigned long)(__ksyms_end - __ksyms_start),
		  (unsigned long)(m.free >> 20));
}

/* Called by the boot stub in long mode on the boot stack. */
__attribute__((noreturn)) void kern_main(uint64_t start_info);
void kern_main(uint64_t start_info)
{
	drv_uart_init();	     /* COM1: the console from here on */
	kern_fault_init();	     /* exceptions print a report */
	arch_cpu_init(kern_syscall); /* TSS + IST stacks, IDT, SYSCALL */
	register_stacks();	     /* let backtraces walk them */
	if (arch_pvh_parse(start_info, &bootinfo))
		kern_panic("no valid PVH start_info at 0x%lx", start_info);
	kern_options_parse(&cmdline, &bootinfo); /* bad options stop here */
	if (kern_mem_init(&bootinfo))
		kern_panic("no usable RAM after the image");
	banner(); /* RAM, image size, free memory */
	kern_start_service(cmdline.argv, SERVICE_STACK_SIZE); /* main() */
}
