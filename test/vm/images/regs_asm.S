/*
 * regs_syscall(pattern, out, avx): load every general register Linux
 * preserves across a system call, and XMM0-15 (YMM0-15 if avx) from
 * pattern, make one write(1, ...) system call, and store what the
 * registers hold afterwards into out: 16 general registers (rax, rbx, rcx,
 * rdx, rsi, rdi, rbp, r8-r15, rsp-delta), then 16 x 32 bytes of vector
 * state. Returns nothing; the C side compares.
 */
	.section .rodata
msg:	.ascii "regs: write from asm\n"
msg_end:

	.text
	.globl regs_syscall
regs_syscall:
	pushq %rbp
	movq %rsp, %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rsi              /* out */
	pushq %rdx              /* avx flag */
	subq $8, %rsp
	movq %rsp, %r15         /* remember rsp to check it comes back */

	testl %edx, %edx
	jz 1f
	vmovdqu 0(%rdi), %ymm0
	vmovdqu 32(%rdi), %ymm1
	vmovdqu 64(%rdi), %ymm2
	vmovdqu 96(%rdi), %ymm3
	vmovdqu 128(%rdi), %ymm4
	vmovdqu 160(%rdi), %ymm5
	vmovdqu 192(%rdi), %ymm6
	vmovdqu 224(%rdi), %ymm7
	vmovdqu 256(%rdi), %ymm8
	vmovdqu 288(%rdi), %ymm9
	vmovdqu 320(%rdi), %ymm10
	vmovdqu 352(%rdi), %ymm11
	vmovdqu 384(%rdi), %ymm12
	vmovdqu 416(%rdi), %ymm13
	vmovdqu 448(%rdi), %ymm14
	vmovdqu 480(%rdi), %ymm15
	jmp 2f
1:	movdqu 0(%rdi), %xmm0
	movdqu 32(%rdi), %xmm1
	movdqu 64(%rdi), %xmm2
	movdqu 96(%rdi), %xmm3
	movdqu 128(%rdi), %xmm4
	movdqu 160(%rdi), %xmm5
	movdqu 192(%rdi), %xmm6
	movdqu 224(%rdi), %xmm7
	movdqu 256(%rdi), %xmm8
	movdqu 288(%rdi), %xmm9
	movdqu 320(%rdi), %xmm10
	movdqu 352(%rdi), %xmm11
	movdqu 384(%rdi), %xmm12
	movdqu 416(%rdi), %xmm13
	movdqu 448(%rdi), %xmm14
	movdqu 480(%rdi), %xmm15

2:	movabsq $0x1111111111111111, %rbx
	movabsq $0x5555555555555555, %rbp
	movabsq $0x8888888888888888, %r8
	movabsq $0x9999999999999999, %r9
	movabsq $0xaaaaaaaaaaaaaaaa, %r10
	movabsq $0xcccccccccccccccc, %r12
	movabsq $0xdddddddddddddddd, %r13
	movabsq $0xeeeeeeeeeeeeeeee, %r14
	movl $1, %eax           /* write */
	movl $1, %edi
	leaq msg(%rip), %rsi
	movl $msg_end - msg, %edx
	syscall

	xchgq %r15, %rsp        /* r15 = rsp after the call; rsp = saved */
	subq %rsp, %r15         /* r15 = difference, must be 0 */
	pushq %rax
	movq 24(%rsp), %rax     /* out */
	popq 0(%rax)            /* rax */
	movq %rbx, 8(%rax)
	movq %rcx, 16(%rax)
	movq %rdx, 24(%rax)
	movq %rsi, 32(%rax)
	movq %rdi, 40(%rax)
	movq %rbp, 48(%rax)
	movq %r8, 56(%rax)
	movq %r9, 64(%rax)
	movq %r10, 72(%rax)
	movq %r11, 80(%rax)
	movq %r12, 88(%rax)
	movq %r13, 96(%rax)
	movq %r14, 104(%rax)
	movq %r15, 112(%rax)
	leaq 128(%rax), %rdi
	cmpl $0, 8(%rsp)        /* avx flag */
	jz 3f
	vmovdqu %ymm0, 0(%rdi)
	vmovdqu %ymm1, 32(%rdi)
	vmovdqu %ymm2, 64(%rdi)
	vmovdqu %ymm3, 96(%rdi)
	vmovdqu %ymm4, 128(%rdi)
	vmovdqu %ymm5, 160(%rdi)
	vmovdqu %ymm6, 192(%rdi)
	vmovdqu %ymm7, 224(%rdi)
	vmovdqu %ymm8, 256(%rdi)
	vmovdqu %ymm9, 288(%rdi)
	vmovdqu %ymm10, 320(%rdi)
	vmovdqu %ymm11, 352(%rdi)
	vmovdqu %ymm12, 384(%rdi)
	vmovdqu %ymm13, 416(%rdi)
	vmovdqu %ymm14, 448(%rdi)
	vmovdqu %ymm15, 480(%rdi)
	vzeroupper
	jmp 4f
3:	movdqu %xmm0, 0(%rdi)
	movdqu %xmm1, 32(%rdi)
	movdqu %xmm2, 64(%rdi)
	movdqu %xmm3, 96(%rdi)
	movdqu %xmm4, 128(%rdi)
	movdqu %xmm5, 160(%rdi)
	movdqu %xmm6, 192(%rdi)
	movdqu %xmm7, 224(%rdi)
	movdqu %xmm8, 256(%rdi)
	movdqu %xmm9, 288(%rdi)
	movdqu %xmm10, 320(%rdi)
	movdqu %xmm11, 352(%rdi)
	movdqu %xmm12, 384(%rdi)
	movdqu %xmm13, 416(%rdi)
	movdqu %xmm14, 448(%rdi)
	movdqu %xmm15, 480(%rdi)
4:	addq $24, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
