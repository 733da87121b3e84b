/* x86_64 CPU set-up and small privileged helpers: port I/O, MSRs, CPUID,
 * halting, the hardware random number generator. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <stdint.h>

#include <arch/asm.h>
#include <arch/syscall.h>

/* Load the TSS with its IST stacks, the IDT, and the SYSCALL MSRs that
 * send musl's `syscall` instructions, in ring 0, to handler. Must run
 * before any exception or syscall can happen. */
void arch_cpu_init(arch_syscall_handler_t handler);

/* Bounds of the IST stack number ist (1-4), for the backtrace walker. */
void arch_ist_stack(int ist, uintptr_t *lo, uintptr_t *hi);

/* Bounds of the boot stack, on which kern_main runs. */
void arch_boot_stack(uintptr_t *lo, uintptr_t *hi);

/* Switch to the stack whose top is sp (16-byte aligned), clear the frame
 * pointer so backtraces end there, and call fn(arg), which must not
 * return. */
__attribute__((noreturn)) void arch_stack_switch(void *sp, void (*fn)(void *),
						 void *arg);

/* Disable interrupts and halt for good. */
__attribute__((noreturn)) void arch_halt_forever(void);

/* Put 64 bits from RDRAND into *out; 0 on success, -ENODEV if the CPU has
 * no RDRAND, -EIO if it kept failing (32 tries). CPUID is asked at the
 * first call only. */
int arch_rdrand64(uint64_t *out);

/* Put 64 bits from RDSEED (the conditioned entropy source, unlike
 * RDRAND's generator output) into *out; 0 on success, -ENODEV if the CPU
 * has no RDSEED, -EIO if it kept failing (it retries 64 times, pausing in
 * between: RDSEED runs dry under load). CPUID is asked at the first call
 * only. */
int arch_rdseed64(uint64_t *out);

/* The time-stamp counter. */
static inline uint64_t arch_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void arch_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void arch_outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void arch_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint16_t arch_inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t arch_inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint8_t arch_inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t arch_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void arch_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)v),
			   "d"((uint32_t)(v >> 32)));
}

static inline void arch_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static inline void arch_pause(void)
{
	__asm__ volatile("pause");
}

#endif
