/* arch_stack_switch(sp, fn, arg): continue on a new stack (see cpu.h). */
	.text
	.globl arch_stack_switch
arch_stack_switch:
	movq %rdi, %rsp
	xorl %ebp, %ebp
	movq %rdx, %rdi
	call *%rsi
	ud2
