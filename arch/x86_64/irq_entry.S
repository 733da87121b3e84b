/*
 * Entry stubs for the interrupt vectors 32-255. Each pushes its vector and
 * joins a common path that saves the registers C may clobber, calls
 * arch_irq_dispatch(vector) and returns with iretq. They run on their own
 * IST stack (cpu.c), so an interrupt landing in the service's red zone, or
 * while an exception handler runs, disturbs nothing.
 */
	.text
	.balign 16
	.globl arch_irq_stubs
arch_irq_stubs:
	vec = 32
	.rept 224
	.balign 16              /* fixed stride: stub = base + 16 * (vec - 32) */
	pushq $vec
	jmp irq_common
	vec = vec + 1
	.endr

irq_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	cld
	movq 72(%rsp), %rdi     /* the vector */
	subq $8, %rsp           /* CPU frame + vector + 9 saved: realign */
	call arch_irq_dispatch
	addq $8, %rsp
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	addq $8, %rsp           /* the vector */
	iretq
