/*
 * redzone_spin(rounds): fill the 128-byte red zone below the stack pointer
 * with a pattern, then check it rounds times without moving rsp (a leaf
 * function may keep data there; an interrupt taken on this stack would
 * overwrite it). Returns the number of words found changed.
 */
	.text
	.globl redzone_spin
redzone_spin:
	movabsq $0x1122334455667788, %rax
	leaq -128(%rsp), %rsi
	movl $16, %ecx
1:	movq %rax, (%rsi)
	addq $8, %rsi
	decl %ecx
	jnz 1b
	xorl %edx, %edx
2:	leaq -128(%rsp), %rsi
	movl $16, %ecx
3:	cmpq %rax, (%rsi)
	je 4f
	incq %rdx
	movq %rax, (%rsi)
4:	addq $8, %rsi
	decl %ecx
	jnz 3b
	decq %rdi
	jnz 2b
	movq %rdx, %rax
	ret
