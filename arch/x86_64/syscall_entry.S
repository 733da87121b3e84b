/*
 * SYSCALL entry. musl runs in ring 0 too, so `syscall` arrives here on the
 * caller's own stack, with RCX = return address and R11 = RFLAGS. We step
 * over the 128-byte red zone, save every register Linux preserves (the
 * extended SSE/AVX state included, since kernel C code may use SSE), call
 * the kernel's handler(nr, args) and return with a jump to RCX: SYSRET
 * would drop to ring 3.
 */
#include <arch/asm.h>

#define FRAME_RAX 16            /* offset of the saved rax in the frame */
#define XSAVE_HEADER 512        /* offset of the XSAVE header */

	.text
	.globl arch_syscall_entry
arch_syscall_entry:
	subq $128, %rsp         /* the caller's red zone stays untouched */
	pushq %rcx              /* return address, as a call would leave it */
	pushq %rbp
	movq %rsp, %rbp         /* frame record: backtraces reach the caller */
	pushq %r11
	pushq %r9               /* args, lowest address first: rdi .. r9 */
	pushq %r8
	pushq %r10
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rax
	pushq %rbx
	pushq %r12
	movq %rsp, %rbx         /* rbx: the saved frame */

	andq $-64, %rsp
	movl arch_xsave_size(%rip), %eax
	subq %rax, %rsp
	cmpb $0, arch_have_xsave(%rip)
	je 1f
	xorl %eax, %eax         /* XSAVE writes only XSTATE_BV of the header */
	movq %rax, XSAVE_HEADER + 0(%rsp)
	movq %rax, XSAVE_HEADER + 8(%rsp)
	movq %rax, XSAVE_HEADER + 16(%rsp)
	movq %rax, XSAVE_HEADER + 24(%rsp)
	movq %rax, XSAVE_HEADER + 32(%rsp)
	movq %rax, XSAVE_HEADER + 40(%rsp)
	movq %rax, XSAVE_HEADER + 48(%rsp)
	movq %rax, XSAVE_HEADER + 56(%rsp)
	movl $-1, %eax
	movl $-1, %edx
	xsave64 (%rsp)
	jmp 2f
1:	fxsave64 (%rsp)

2:	movq FRAME_RAX(%rbx), %rdi      /* nr */
	leaq FRAME_RAX + 8(%rbx), %rsi  /* args[6] */
	call *arch_syscall_handler(%rip)
	movq %rax, FRAME_RAX(%rbx)

	cmpb $0, arch_have_xsave(%rip)
	je 3f
	movl $-1, %eax
	movl $-1, %edx
	xrstor64 (%rsp)
	jmp 4f
3:	fxrstor64 (%rsp)

4:	movq %rbx, %rsp
	popq %r12
	popq %rbx
	popq %rax
	popq %rdi
	popq %rsi
	popq %rdx
	popq %r10
	popq %r8
	popq %r9
	movq (%rsp), %r11       /* Linux returns RFLAGS in r11 */
	popfq
	popq %rbp
	popq %rcx
	leaq 128(%rsp), %rsp    /* lea: leaves the restored flags alone */
	jmp *%rcx
