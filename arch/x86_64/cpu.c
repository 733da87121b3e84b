/* x86_64 CPU set-up after the boot stub: the TSS with IST stacks for the
 * exception handlers, the IDT, and the MSRs for the SYSCALL instruction.
 * Also the hardware random number instructions (RDRAND, RDSEED). */
#include <errno.h>
#include <string.h>

#include <arch/asm.h>
#include <arch/cpu.h>
#include <arch/syscall.h>
#include <arch/trap.h>

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

#define IST_COUNT 4 /* exceptions, double fault, NMI/MCE, interrupts */
#define CPUID_7_EBX_RDSEED (1u << 18)

static struct tss tss;
/* Each stack has a guard page below it (unmapped by the memory manager). */
struct ist_stack {
	char guard[4096];
	char stack[IST_STACK_SIZE];
};

static struct ist_stack ist_stacks[IST_COUNT] __attribute__((aligned(4096)));
extern uint64_t arch_gdt[];
extern char arch_boot_stack_base[], arch_boot_stack_top[];

/* Write the 16-byte TSS descriptor into the GDT and load the task register. */
static void tss_load(void)
{
	uint64_t base = (uint64_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	for (int i = 0; i < IST_COUNT; i++)
		tss.ist[i] = (uint64_t)ist_stacks[i].stack + IST_STACK_SIZE;
	tss.iomap_base = sizeof(tss);
	arch_gdt[GDT_TSS / 8] =
		(limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
		(((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	arch_gdt[GDT_TSS / 8 + 1] = base >> 32;
	__asm__ volatile("ltr %w0" : : "r"(GDT_TSS));
}

arch_syscall_handler_t arch_syscall_handler;

/* SYSCALL lands at entry in ring 0 with TF, IF, DF and AC cleared. */
static void syscall_msrs(void (*entry)(void))
{
	arch_wrmsr(MSR_EFER, arch_rdmsr(MSR_EFER) | EFER_SCE);
	arch_wrmsr(MSR_STAR, (uint64_t)GDT_KCODE << 32);
	arch_wrmsr(MSR_LSTAR, (uint64_t)entry);
	arch_wrmsr(MSR_FMASK, SYSCALL_FMASK);
}

void arch_cpu_init(arch_syscall_handler_t handler)
{
	tss_load();
	arch_trap_init();
	arch_syscall_handler = handler;
	syscall_msrs(arch_syscall_entry);
}

void arch_ist_stack(int ist, uintptr_t *lo, uintptr_t *hi)
{
	*lo = (uintptr_t)ist_stacks[ist - 1].stack;
	*hi = *lo + IST_STACK_SIZE;
}

void arch_boot_stack(uintptr_t *lo, uintptr_t *hi)
{
	*lo = (uintptr_t)arch_boot_stack_base;
	*hi = (uintptr_t)arch_boot_stack_top;
}

void arch_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* CPUID.1:ECX[30], asked once (0: not asked yet, 1: present, -1: not). */
static int has_rdrand(void)
{
	static int cached;
	uint32_t r[4];

	if (!cached) {
		arch_cpuid(1, 0, r);
		cached = r[2] & CPUID_1_ECX_RDRAND ? 1 : -1;
	}
	return cached > 0;
}

/* CPUID.(EAX=7,ECX=0):EBX[18] if leaf 7 exists, asked once (as above). */
static int has_rdseed(void)
{
	static int cached;
	uint32_t r[4];

	if (!cached) {
		arch_cpuid(0, 0, r);
		cached = -1;
		if (r[0] >= 7) {
			arch_cpuid(7, 0, r);
			if (r[1] & CPUID_7_EBX_RDSEED)
				cached = 1;
		}
	}
	return cached > 0;
}

int arch_rdrand64(uint64_t *out)
{
	unsigned char ok;

	if (!has_rdrand())
		return -ENODEV;
	for (int i = 0; i < 32; i++) {
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
		if (ok)
			return 0;
	}
	return -EIO;
}

int arch_rdseed64(uint64_t *out)
{
	unsigned char ok;

	if (!has_rdseed())
		return -ENODEV;
	for (int i = 0; i < 64; i++) {
		__asm__ volatile("rdseed %0; setc %1" : "=r"(*out), "=qm"(ok));
		if (ok)
			return 0;
		arch_pause();
	}
	return -EIO;
}
