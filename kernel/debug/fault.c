/* kernel/debug: failure reports. The fault handler, panic and the
 * report (this file), the frame-pointer unwinder (unwind.c), and the
 * lookup in the image's embedded symbol table (ksyms.c, written by
 * tools/mksyms).
 *
 * What happens when things go wrong: page faults resolved (a service
 * page's first touch) or recovered (a fault-recovering copy's, through
 * the exception table), else the CPU exception report; panic, and
 * stack-smashing detection, all printed with the raw console only, with a
 * backtrace that names functions from the image's embedded symbol table. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <arch/boot.h>
#include <arch/trap.h>
#include <kern/console.h>
#include <kern/exit.h>
#include "debug/fault.h"
#include "debug/ksyms.h"
#include <kern/mm.h>
#include "debug/unwind.h"
#include <os/exit.h>

#define MAX_STACKS 8
#define MAX_FRAMES 64

static struct kern_stack stacks[MAX_STACKS];
static int nstacks;
static volatile int in_fault;

const struct kern_stack *kern_stacks(size_t *n)
{
	*n = (size_t)nstacks;
	return stacks;
}

int kern_stack_register(const char *name, uintptr_t lo, uintptr_t hi)
{
	if (nstacks == MAX_STACKS)
		return -ENOSPC;
	stacks[nstacks++] = (struct kern_stack){ name, lo, hi };
	return 0;
}

/* "name+0xoff" for addr, or "?" outside the text and every symbol. */
static void print_symbol(uint64_t addr)
{
	uint64_t off;
	const char *name = kern_ksym_lookup(&kern_ksyms, addr, &off);

	if (!name || addr < (uintptr_t)__text_start ||
	    addr >= (uintptr_t)__text_end) {
		kern_raw_puts("?");
		return;
	}
	kern_raw_printf("%s+0x%lx", name, off);
}

/* A return address points after its call, maybe past the end of a
 * noreturn caller: it is looked up one byte earlier. */
static void print_frame(int depth, uint64_t pc, int is_return)
{
	kern_raw_printf("os:   #%d 0x%lx ", depth, pc);
	print_symbol(pc - (is_return ? 1 : 0));
	kern_raw_puts("\n");
}

void kern_backtrace_print(uint64_t pc, uint64_t fp)
{
	struct kern_unwind_env env = { stacks, nstacks, (uintptr_t)__text_start,
				       (uintptr_t)__text_end };
	uint64_t pcs[MAX_FRAMES];
	int n = kern_unwind(&env, fp, pcs, MAX_FRAMES), depth = 0;

	kern_raw_puts("os: backtrace:\n");
	if (pc)
		print_frame(depth++, pc, 0);
	for (int i = 0; i < n; i++) {
		int same = 0;

		while (i + same + 1 < n && pcs[i + same + 1] == pcs[i])
			same++;
		print_frame(depth++, pcs[i], 1);
		if (same > 1) {
			kern_raw_printf("os:   ... the same %d more times\n",
					same);
			depth += same;
			i += same;
		}
	}
	if (n == MAX_FRAMES)
		kern_raw_puts("os:   ... (more frames not shown)\n");
}

static void print_regs(const struct arch_trap_frame *f)
{
	struct arch_reg regs[ARCH_TRAP_NREGS];

	arch_trap_regs(f, regs);
	for (int i = 0; i < ARCH_TRAP_NREGS; i++) {
		const char *pad = "      " + strlen(regs[i].name);

		kern_raw_printf("%s%s%s 0x", i % 3 ? "  " : "os: ", pad,
				regs[i].name);
		kern_raw_hex(regs[i].value, 16);
		if (i % 3 == 2 || i == ARCH_TRAP_NREGS - 1)
			kern_raw_puts("\n");
	}
}

/* The stack whose guard page (the page below it) holds addr, or NULL. */
static const struct kern_stack *guard_of(uint64_t addr)
{
	for (int i = 0; i < nstacks; i++)
		if (addr < stacks[i].lo && addr >= stacks[i].lo - 4096)
			return &stacks[i];
	return NULL;
}

/* The page-fault specifics: what was accessed, how, and a diagnosis. */
static void print_page_fault(const struct arch_trap_frame *f, uint64_t cr2)
{
	const struct kern_stack *s = guard_of(cr2);

	kern_raw_printf("os: %s of address 0x%lx: ",
			f->error & 0x10 ? "instruction fetch" :
			f->error & 0x2	? "write" :
					  "read",
			cr2);
	if (cr2 < 4096)
		kern_raw_puts("null pointer");
	else if (s)
		kern_raw_printf("stack guard page of %s (stack overflow)",
				s->name);
	else
		kern_raw_puts(kern_mm_fault_reason(cr2, f->error));
	kern_raw_puts("\n");
}

static void report_trap(const struct arch_trap_frame *f)
{
	kern_raw_printf("\nos: fatal CPU exception %lu %s (%s)", f->vector,
			arch_trap_mnemonic(f->vector),
			arch_trap_name(f->vector));
	if (arch_trap_has_error(f->vector))
		kern_raw_printf(", error code 0x%lx", f->error);
	kern_raw_puts("\nos: at rip 0x");
	kern_raw_hex(f->rip, 1);
	kern_raw_puts(" <");
	print_symbol(f->rip);
	kern_raw_printf(">, rsp 0x%lx\n", f->rsp);
	if (f->vector == ARCH_TRAP_PF)
		print_page_fault(f, arch_read_cr2());
	if (f->vector == ARCH_TRAP_DF)
		kern_raw_puts(
			"os: (an exception struck while another was being "
			"delivered; the saved rip may be imprecise)\n");
	if (f->vector == 13 && f->error == 0)
		kern_raw_puts(
			"os: (a #GP with error 0 is often a non-canonical "
			"address or a privileged instruction)\n");
	print_regs(f);
	kern_backtrace_print(f->rip, f->rbp);
}

static void on_trap(struct arch_trap_frame *f)
{
	if (!in_fault && f->vector == ARCH_TRAP_PF) {
		in_fault = 1; /* a fault while resolving this one is fatal */
		if (kern_mm_fault(arch_read_cr2(), f->error) == 0) {
			in_fault = 0;
			return;
		}
		in_fault = 0;
	}
	/* a copy to or from a bad address (kern/uaccess.h): it fails */
	if (!in_fault &&
	    (f->vector == ARCH_TRAP_PF || f->vector == ARCH_TRAP_GP) &&
	    arch_trap_fixup(f))
		return;
	if (in_fault++) {
		kern_raw_printf("\nos: CPU exception %lu %s inside the fault "
				"handler at rip 0x%lx; giving up\n",
				f->vector, arch_trap_mnemonic(f->vector),
				f->rip);
		kern_exit_reserved(OS_EXIT_TRAP);
	}
	report_trap(f);
	kern_raw_printf("os: exit status %d (fatal CPU exception)\n",
			OS_EXIT_TRAP);
	kern_exit_reserved(OS_EXIT_TRAP);
}

void kern_fault_init(void)
{
	arch_trap_set_handler(on_trap);
}

void kern_panic(const char *fmt, ...)
{
	va_list ap;

	kern_raw_puts("\nos: panic: ");
	va_start(ap, fmt);
	kern_raw_vprintf(fmt, ap);
	va_end(ap);
	kern_raw_puts("\n");
	kern_backtrace_print(0, (uint64_t)__builtin_frame_address(0));
	kern_raw_printf("os: exit status %d (kernel panic)\n", OS_EXIT_PANIC);
	kern_exit_reserved(OS_EXIT_PANIC);
}

/* All stack-protector failures, kernel's and service's, land here through
 * the linker's --wrap=__stack_chk_fail (musl's own would halt the CPU). */
__attribute__((noreturn)) void __wrap___stack_chk_fail(void);
void __wrap___stack_chk_fail(void)
{
	kern_panic("stack smashing detected");
}
