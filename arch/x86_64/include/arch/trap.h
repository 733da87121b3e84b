/* x86_64 exceptions: the saved register frame, the IDT, and the hook the
 * kernel registers to handle a trap. */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <stdint.h>

/* Layout fixed by trap_entry.S: lowest address first. */
struct arch_trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

#define ARCH_TRAP_PF 14
#define ARCH_TRAP_GP 13
#define ARCH_TRAP_DF 8

/* One named register value, for reports. */
struct arch_reg {
	const char *name;
	uint64_t value;
};

#define ARCH_TRAP_NREGS 22

typedef void (*arch_trap_handler_t)(struct arch_trap_frame *frame);

/* Build and load the IDT with gates for vectors 0-31 on IST stacks. */
void arch_trap_init(void);

/* Point IDT vector vec at handler (an interrupt gate on IST stack ist). */
void arch_idt_set(unsigned vec, uint64_t handler, uint8_t ist);

/* Route every trap to handler; it may return to resume the interrupted
 * code. With no handler, a trap halts the CPU. */
void arch_trap_set_handler(arch_trap_handler_t handler);

/* Name of exception vector vec ("page fault"), or "reserved". */
const char *arch_trap_name(unsigned vec);

/* Mnemonic of exception vector vec ("#PF"), or "#??". */
const char *arch_trap_mnemonic(unsigned vec);

/* Fill out[0..ARCH_TRAP_NREGS) with the frame's registers and the control
 * registers of interest (CR2, CR3 ...), in report order. */
void arch_trap_regs(const struct arch_trap_frame *f, struct arch_reg *out);

/* Whether the trap pushed a meaningful error code. */
int arch_trap_has_error(unsigned vec);

/* If the trap struck an instruction listed in the exception table (the
 * copies of arch/usercopy.h), make the frame resume at that entry's fixup
 * and return 1; else leave the frame alone and return 0. Safe in
 * exception context. */
int arch_trap_fixup(struct arch_trap_frame *frame);

/* Read CR2, the faulting linear address of the last page fault. */
uint64_t arch_read_cr2(void);

/* Whether addr is canonical (bits 63..47 all equal). */
static inline int arch_canonical(uint64_t addr)
{
	int64_t s = (int64_t)addr >> 47;
	return s == 0 || s == -1;
}

#endif
