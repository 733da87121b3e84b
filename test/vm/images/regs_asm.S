/*
 * regs_syscall(): load every general register with a pattern, and
 * XMM0-15 (YMM0-15 if regs_avx) from regs_pattern, make system call
 * regs_nr with the arguments of write(1, msg, len), and store what all registers hold afterwards
 * into regs_gpr_out (rax, rbx, rcx, rdx, rsi, rdi, rbp, r8-r15, rsp) and
 * regs_vec_out (16 x 32 bytes). regs_rsp_in receives rsp before the call.
 * Everything goes through RIP-relative memory, so no register is spent on
 * bookkeeping and all of them are checked. The C side compares.
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

	cmpl $0, regs_avx(%rip)
	je 1f
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	vmovdqu regs_pattern + \n * 32(%rip), %ymm\n
	.endr
	jmp 2f
1:	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	movdqu regs_pattern + \n * 32(%rip), %xmm\n
	.endr

2:	movabsq $0x1111111111111111, %rbx
	movabsq $0x5555555555555555, %rbp
	movabsq $0x8888888888888888, %r8
	movabsq $0x9999999999999999, %r9
	movabsq $0xaaaaaaaaaaaaaaaa, %r10
	movabsq $0xcccccccccccccccc, %r12
	movabsq $0xdddddddddddddddd, %r13
	movabsq $0xeeeeeeeeeeeeeeee, %r14
	movabsq $0xffffffffffffff0f, %r15
	movl regs_nr(%rip), %eax
	movl $1, %edi
	leaq msg(%rip), %rsi
	movl $msg_end - msg, %edx
	movq %rsp, regs_rsp_in(%rip)
	syscall

	movq %rax, regs_gpr_out + 0(%rip)
	movq %rbx, regs_gpr_out + 8(%rip)
	movq %rcx, regs_gpr_out + 16(%rip)
	movq %rdx, regs_gpr_out + 24(%rip)
	movq %rsi, regs_gpr_out + 32(%rip)
	movq %rdi, regs_gpr_out + 40(%rip)
	movq %rbp, regs_gpr_out + 48(%rip)
	movq %r8, regs_gpr_out + 56(%rip)
	movq %r9, regs_gpr_out + 64(%rip)
	movq %r10, regs_gpr_out + 72(%rip)
	movq %r11, regs_gpr_out + 80(%rip)
	movq %r12, regs_gpr_out + 88(%rip)
	movq %r13, regs_gpr_out + 96(%rip)
	movq %r14, regs_gpr_out + 104(%rip)
	movq %r15, regs_gpr_out + 112(%rip)
	movq %rsp, regs_gpr_out + 120(%rip)

	cmpl $0, regs_avx(%rip)
	je 3f
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	vmovdqu %ymm\n, regs_vec_out + \n * 32(%rip)
	.endr
	vzeroupper
	jmp 4f
3:	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	movdqu %xmm\n, regs_vec_out + \n * 32(%rip)
	.endr

4:	movq regs_rsp_in(%rip), %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
