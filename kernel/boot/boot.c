/* kernel/boot: the boot sequence, the one place that names every
 * layer's start-up, in order, from the PVH stub's call to the service's
 * main. Built as its own target (os_boot), above every layer, so that
 * nothing else in kernel/ can reach up (docs/architecture.md). */
#include <arch/boot.h>
#include <arch/cpu.h>
#include <arch/power.h>
#include <drv/pci.h>
#include <drv/devstats.h>
#include <drv/uart.h>
#include <drv/virtio.h>
#include <kern/acpi.h>
#include <kern/clock.h>
#include <kern/cmdline.h>
#include <kern/component.h>
#include <kern/prof.h>
#include <kern/console.h>
#include <kern/entropy.h>
#include <kern/exit.h>
#include "debug/fault.h"
#include <kern/file.h>
#include <kern/irq.h>
#include "debug/ksyms.h"
#include <kern/mm.h>
#include "platform/power_button.h"
#include "proc/exec.h"
#include <kern/syscall.h>
#include <kern/timer.h>

#include "core/options.h"

#define SERVICE_STACK_SIZE (1UL << 20)

static struct arch_bootinfo bootinfo;
static struct kern_cmdline cmdline; /* split once, passed to each layer */
/* The service's env.NAME=value: as many as the baked line and the boot
 * line may give together (kern_cmdline_parse_baked). */
#define ENV_MAX (2 * KERN_CMDLINE_TOKENS)
static char *envp[ENV_MAX + 1];

/* The service's environment from the env. options; a bad one stops. */
static void take_env(void)
{
	char err[160];

	if (kern_cmdline_env(&cmdline, envp, ENV_MAX, err, sizeof(err)) < 0)
		kern_bootconf_error("%s", err);
}

/* Name the boot and exception stacks for the unwinder and reports. */
static void register_stacks(void)
{
	static const char *const ist_names[] = { "exception stack",
						 "double-fault stack",
						 "NMI/MCE stack",
						 "interrupt stack" };
	uintptr_t lo, hi;

	arch_boot_stack(&lo, &hi);
	kern_stack_register("boot stack", lo, hi);
	for (int i = 1; i <= 4; i++) {
		arch_ist_stack(i, &lo, &hi);
		kern_stack_register(ist_names[i - 1], lo, hi);
	}
}

static void banner(void)
{
	kern_info("libos: booting %s (symbol table %lu bytes)", kern_image_name,
		  (unsigned long)(__ksyms_end - __ksyms_start));
	kern_mm_report();
}

/* The last line of the boot, once nothing can stop it. */
static void announce(void)
{
	kern_info("boot: %lu us from kernel entry to the service",
		  (unsigned long)(kern_clock_ns() / 1000));
}

/* Called by the boot stub in long mode on the boot stack. */
__attribute__((noreturn)) void kern_main(uint64_t start_info);
void kern_main(uint64_t start_info)
{
	uint64_t boot_tsc = arch_rdtsc();
	/* clang-format off */
	drv_uart_init();                 /* COM1: the console from here on */
	kern_fault_init();               /* exceptions print a report */
	arch_cpu_init(kern_syscall);     /* TSS + IST stacks, IDT, SYSCALL */
	register_stacks();               /* backtraces walk them; guards */
	if (arch_pvh_parse(start_info, &bootinfo))
		kern_panic("no valid PVH start_info at 0x%lx", start_info);
	kern_options_parse(&cmdline, &bootinfo); /* log=... */
	if (kern_mm_init(&bootinfo, SERVICE_STACK_SIZE)) /* W^X, stack */
		kern_panic("the memory manager could not set up");
	arch_power_init(kern_mm_map_device); /* exit and power-off devices */
	kern_acpi_init(bootinfo.rsdp, &cmdline); /* firmware tables */
	kern_irq_init();                 /* LAPIC, I/O APICs, PICs masked */
	kern_clock_init(boot_tsc);       /* TSC, LAPIC timer, wall clock */
	kern_timer_init();               /* timer queue, tickless */
	kern_file_init();                /* fd table: console on 0, 1, 2 */
	drv_uart_irq_init();             /* serial input by interrupt */
	kern_power_init();               /* power button -> SIGTERM */
	drv_virtio_init(&cmdline);       /* virtio.* options */
	drv_virtio_rng_register();       /* virtio-rng: entropy pool */
	kern_components_setup(&cmdline); /* optional parts: their drivers */
	drv_virtio_pci_register();       /* virtio devices on PCI */
	drv_pci_init(&cmdline);          /* enumerate PCI, probe drivers */
	drv_virtio_mmio_init(&bootinfo, &cmdline); /* virtio-mmio (microvm) */
	kern_entropy_boot();             /* seeded before lwIP, AT_RANDOM */
	kern_components_start(&cmdline); /* optional parts: the net stack */
	drv_devstats_init(&cmdline);     /* devstats: counters at exit */
	kern_prof_init(&cmdline);        /* prof: time by layer at exit */
	banner();                        /* image, RAM, page sizes */
	take_env();                      /* env.NAME=value: environment */
	kern_options_check_unused(&cmdline); /* unknown, twice: stop */
	kern_mm_boot_end();              /* too little memory: stop */
	announce();                      /* boot time: nothing stops now */
	kern_start_service(cmdline.argv, envp, SERVICE_STACK_SIZE);
	/* clang-format on */
}
