/*
 * PVH entry: QEMU (or any PVH loader) jumps here in 32-bit protected mode
 * with paging off and EBX pointing at the hvm_start_info structure. This
 * stub clears BSS, builds a temporary identity map of the first 4 GiB,
 * enables SSE/XSAVE, enters long mode, seeds the stack-protector canary,
 * gives FS a valid block for musl, and calls kern_main(start_info).
 */
#include <arch/asm.h>

/* The PVH ELF note: type XEN_ELFNOTE_PHYS32_ENTRY, 8-byte descriptor. */
	.section .note.pvh, "a", @note
	.balign 4
	.long 4                 /* namesz: "Xen\0" */
	.long 8                 /* descsz */
	.long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.balign 4
	.quad arch_pvh_start
	.balign 4

	.section .boot.text, "ax"
	.code32
	.globl arch_pvh_start
arch_pvh_start:
	cli
	cld
	movl %ebx, arch_boot_start_info

	/* Clear BSS (page tables and stacks live there). */
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb
	movl $arch_boot_stack_top, %esp

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages. */
	movl $boot_pdpt + PTE_P + PTE_W, boot_pml4
	movl $boot_pd + PTE_P + PTE_W, %eax
	xorl %ecx, %ecx
1:	movl %eax, boot_pdpt(, %ecx, 8)
	addl $4096, %eax
	incl %ecx
	cmpl $4, %ecx
	jb 1b
	movl $PTE_P + PTE_W + PTE_PS, %eax
	xorl %ecx, %ecx
2:	movl %eax, boot_pd(, %ecx, 8)
	addl $0x200000, %eax
	incl %ecx
	cmpl $2048, %ecx
	jb 2b
	movl $boot_pml4, %eax
	movl %eax, %cr3

	/* PAE, and SSE with its exceptions, before any compiled code runs. */
	movl %cr4, %eax
	orl $CR4_PAE + CR4_OSFXSR + CR4_OSXMMEXCPT, %eax
	movl %eax, %cr4

	/* Long mode, and no-execute pages when the CPU has them. */
	movl $0x80000001, %eax
	cpuid
	movl %edx, %esi
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	testl $CPUID_80000001_EDX_NX, %esi
	jz 3f
	orl $EFER_NXE, %eax
3:	wrmsr

	movl %cr0, %eax
	andl $~(CR0_EM + CR0_TS), %eax
	orl $CR0_PE + CR0_MP + CR0_NE + CR0_WP + CR0_PG, %eax
	movl %eax, %cr0

	lgdt arch_gdt_desc
	ljmp $GDT_KCODE, $boot_long

	.code64
boot_long:
	movl $GDT_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movq $arch_boot_stack_top, %rsp
	xorl %ebp, %ebp

	call boot_xsave_enable
	call boot_seed_canary

	/* FS -> a zeroed block laid out as musl's thread descriptor (self
	 * pointer at 0, canary at 0x28, locale pointer at MUSL_TCB_LOCALE: an
	 * all-zero locale is the C locale) until musl sets its own. */
	leaq arch_boot_tcb(%rip), %rax
	movq %rax, (%rax)
	movq __stack_chk_guard(%rip), %rdx
	movq %rdx, 0x28(%rax)
	leaq boot_c_locale(%rip), %rdx
	movq %rdx, MUSL_TCB_LOCALE(%rax)
	movq %rax, %rdx
	shrq $32, %rdx
	movl $MSR_FS_BASE, %ecx
	wrmsr

	movl arch_boot_start_info(%rip), %edi
	call kern_main
	ud2

/* Turn on XSAVE with x87, SSE, AVX (and AVX-512 if complete) if present. */
boot_xsave_enable:
	pushq %rbx
	movl $1, %eax
	cpuid
	testl $CPUID_1_ECX_XSAVE, %ecx
	jz 1f
	movq %cr4, %rax
	orq $CR4_OSXSAVE, %rax
	movq %rax, %cr4
	movl $0xd, %eax
	xorl %ecx, %ecx
	cpuid
	movl %eax, %esi
	andl $XCR0_AVX512, %esi
	cmpl $XCR0_AVX512, %esi
	je 2f
	xorl %esi, %esi
2:	andl $XCR0_X87 + XCR0_SSE + XCR0_AVX, %eax
	orl %esi, %eax
	xorl %edx, %edx
	xorl %ecx, %ecx
	xsetbv
	movl $0xd, %eax
	xorl %ecx, %ecx
	cpuid
	addl $63, %ebx          /* keep the save area 64-byte aligned */
	andl $-64, %ebx
	movl %ebx, arch_xsave_size(%rip)
	movb $1, arch_have_xsave(%rip)
1:	popq %rbx
	ret

/* Seed the shared stack-protector canary: RDRAND if present, else TSC.
 * It guards the kernel until the service starts: musl's __init_ssp then
 * replaces it with AT_RANDOM's bytes, from the seeded entropy pool. */
boot_seed_canary:
	pushq %rbx
	movl $1, %eax
	cpuid
	testl $CPUID_1_ECX_RDRAND, %ecx
	jz 2f
	movl $32, %ecx
1:	rdrand %rax
	jc 3f
	loop 1b
2:	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	movabsq $0x9e3779b97f4a7c15, %rdx
	imulq %rdx, %rax
3:	movb $0, %ah            /* a zero byte stops string overflows */
	movq %rax, __stack_chk_guard(%rip)
	popq %rbx
	ret

	.data
	.balign 8
	.globl arch_boot_start_info
arch_boot_start_info:
	.quad 0
	.globl arch_xsave_size
arch_xsave_size:
	.long 512               /* FXSAVE area until XSAVE says otherwise */
	.globl arch_have_xsave
arch_have_xsave:
	.byte 0

/* The one GDT: null, kernel code, kernel data, TSS (filled in by C). */
	.balign 16
	.globl arch_gdt
arch_gdt:
	.quad 0
	.quad 0x00af9a000000ffff  /* 0x08: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff  /* 0x10: data, DPL 0 */
	.quad 0, 0                /* 0x18: TSS descriptor (16 bytes) */
arch_gdt_end:
	.globl arch_gdt_desc
arch_gdt_desc:
	.word arch_gdt_end - arch_gdt - 1
	.quad arch_gdt

	.bss
	.balign 4096
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4 * 4096
	.globl arch_boot_stack_base, arch_boot_stack_top
	.skip 4096              /* guard page: unmapped by the memory manager */
arch_boot_stack_base:
	.skip BOOT_STACK_SIZE
arch_boot_stack_top:
	.balign 64
	.globl arch_boot_tcb
arch_boot_tcb:
	.skip 512
boot_c_locale:
	.skip 64
