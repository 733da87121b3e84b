/* The IDT for the 32 CPU exceptions, their names, dispatch to the handler
 * the kernel registers, and the exception table's lookup. Built with
 * -mgeneral-regs-only: it runs on IST stacks with the interrupted code's
 * SSE state live. */
#include <arch/asm.h>
#include <arch/cpu.h>
#include <arch/trap.h>

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
} __attribute__((packed));

#define IDT_INTERRUPT_GATE 0x8e
#define TRAP_STUB_SIZE 16

/* An exception-table entry (usercopy.S): a fault at insn resumes at
 * fixup. The linker script gathers them between these two symbols. */
struct extable_entry {
	uint64_t insn, fixup;
};

static struct idt_gate idt[256] __attribute__((aligned(16)));
static arch_trap_handler_t trap_handler;
extern char arch_trap_stubs[];
extern const struct extable_entry __ex_table_start[], __ex_table_end[];

static const char *const trap_names[32] = {
	"divide error",
	"debug",
	"non-maskable interrupt",
	"breakpoint",
	"overflow",
	"bound range exceeded",
	"invalid opcode",
	"device not available",
	"double fault",
	"coprocessor segment overrun",
	"invalid TSS",
	"segment not present",
	"stack-segment fault",
	"general protection fault",
	"page fault",
	"reserved",
	"x87 floating-point error",
	"alignment check",
	"machine check",
	"SIMD floating-point exception",
	"virtualization exception",
	"control protection exception",
	"reserved",
	"reserved",
	"reserved",
	"reserved",
	"reserved",
	"reserved",
	"hypervisor injection exception",
	"VMM communication exception",
	"security exception",
	"reserved",
};

static const char *const trap_mnemonics[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "#??", "#TS", "#NP", "#SS", "#GP", "#PF", "#??",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#??", "#??",
	"#??", "#??", "#??", "#??", "#HV", "#VC", "#SX", "#??",
};

/* Which IST stack a vector uses: 2 for #DF, 3 for NMI and #MC, else 1. */
static uint8_t trap_ist(unsigned vec)
{
	if (vec == ARCH_TRAP_DF)
		return 2;
	if (vec == 2 || vec == 18)
		return 3;
	return 1;
}

void arch_idt_set(unsigned vec, uint64_t handler, uint8_t ist)
{
	idt[vec] = (struct idt_gate){
		.off_lo = handler & 0xffff,
		.sel = GDT_KCODE,
		.ist = ist,
		.type = IDT_INTERRUPT_GATE,
		.off_mid = (handler >> 16) & 0xffff,
		.off_hi = handler >> 32,
	};
}

void arch_trap_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) desc = { sizeof(idt) - 1, (uint64_t)idt };

	for (unsigned vec = 0; vec < 32; vec++)
		arch_idt_set(vec,
			     (uint64_t)arch_trap_stubs + vec * TRAP_STUB_SIZE,
			     trap_ist(vec));
	__asm__ volatile("lidt %0" : : "m"(desc));
}

void arch_trap_set_handler(arch_trap_handler_t handler)
{
	trap_handler = handler;
}

/* Called from trap_entry.S with the saved frame. */
void arch_trap_dispatch(struct arch_trap_frame *frame);
void arch_trap_dispatch(struct arch_trap_frame *frame)
{
	if (trap_handler)
		trap_handler(frame);
	else
		arch_halt_forever();
}

int arch_trap_fixup(struct arch_trap_frame *frame)
{
	for (const struct extable_entry *e = __ex_table_start;
	     e < __ex_table_end; e++)
		if (e->insn == frame->rip) {
			frame->rip = e->fixup;
			return 1;
		}
	return 0;
}

const char *arch_trap_name(unsigned vec)
{
	return vec < 32 ? trap_names[vec] : "reserved";
}

const char *arch_trap_mnemonic(unsigned vec)
{
	return vec < 32 ? trap_mnemonics[vec] : "#??";
}

int arch_trap_has_error(unsigned vec)
{
	return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 ||
	       vec == 29 || vec == 30;
}

uint64_t arch_read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static uint64_t read_cr0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static uint64_t read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static uint64_t read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

void arch_trap_regs(const struct arch_trap_frame *f, struct arch_reg *out)
{
	const struct arch_reg regs[ARCH_TRAP_NREGS] = {
		{ "rax", f->rax },	 { "rbx", f->rbx },
		{ "rcx", f->rcx },	 { "rdx", f->rdx },
		{ "rsi", f->rsi },	 { "rdi", f->rdi },
		{ "rbp", f->rbp },	 { "rsp", f->rsp },
		{ "r8", f->r8 },	 { "r9", f->r9 },
		{ "r10", f->r10 },	 { "r11", f->r11 },
		{ "r12", f->r12 },	 { "r13", f->r13 },
		{ "r14", f->r14 },	 { "r15", f->r15 },
		{ "rflags", f->rflags }, { "cs", f->cs },
		{ "ss", f->ss },	 { "cr0", read_cr0() },
		{ "cr3", read_cr3() },	 { "cr4", read_cr4() },
	};

	for (int i = 0; i < ARCH_TRAP_NREGS; i++)
		out[i] = regs[i];
}
