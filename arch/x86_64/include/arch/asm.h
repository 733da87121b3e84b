/* Constants shared by the x86_64 assembly files and C: control registers,
 * MSRs, CPUID bits, GDT selectors, stack sizes. */
#ifndef ARCH_ASM_H
#define ARCH_ASM_H

#define CR0_PE 0x1
#define CR0_MP 0x2
#define CR0_EM 0x4
#define CR0_TS 0x8
#define CR0_NE 0x20
#define CR0_WP 0x10000
#define CR0_PG 0x80000000

#define CR4_PAE 0x20
#define CR4_OSFXSR 0x200
#define CR4_OSXMMEXCPT 0x400
#define CR4_OSXSAVE 0x40000

#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define EFER_SCE 0x1
#define EFER_LME 0x100
#define EFER_NXE 0x800

#define CPUID_1_ECX_XSAVE (1 << 26)
#define CPUID_1_ECX_RDRAND (1 << 30)
#define CPUID_80000001_EDX_NX (1 << 20)

#define XCR0_X87 0x1
#define XCR0_SSE 0x2
#define XCR0_AVX 0x4
#define XCR0_AVX512 0xe0

#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_TSS 0x18

#define BOOT_STACK_SIZE (32 * 1024)
#define IST_STACK_SIZE (16 * 1024)

/* Offset of the locale pointer in musl 1.2.3's struct pthread (x86_64). */
#define MUSL_TCB_LOCALE 0xa8

/* RFLAGS bits cleared on syscall entry: TF, IF, DF, AC. */
#define SYSCALL_FMASK 0x40700

#endif
