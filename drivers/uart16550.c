/* 16550 UART driver for COM1, polled: the kernel console and the service's
 * stdio. Newlines go out as CR LF, as a terminal expects. */
#include <arch/cpu.h>
#include <drv/uart.h>
#include <kern/console.h>

#define COM1 0x3f8
#define REG_DATA 0 /* THR / RBR; divisor low with DLAB */
#define REG_IER 1  /* interrupt enable; divisor high with DLAB */
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07
#define MCR_DTR_RTS_OUT2 0x0b
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define DIVISOR_115200 1

static void uart_tx(char c)
{
	while (!(arch_inb(COM1 + REG_LSR) & LSR_THR_EMPTY))
		arch_pause();
	arch_outb(COM1 + REG_DATA, (uint8_t)c);
}

static void uart_putc(char c)
{
	if (c == '\n')
		uart_tx('\r');
	uart_tx(c);
}

static int uart_getc(void)
{
	if (!(arch_inb(COM1 + REG_LSR) & LSR_DATA_READY))
		return -1;
	return arch_inb(COM1 + REG_DATA);
}

static const struct kern_console uart_console = {
	.name = "uart16550 COM1",
	.putc = uart_putc,
	.getc = uart_getc,
};

void drv_uart_init(void)
{
	arch_outb(COM1 + REG_IER, 0);
	arch_outb(COM1 + REG_LCR, LCR_DLAB);
	arch_outb(COM1 + REG_DATA, DIVISOR_115200 & 0xff);
	arch_outb(COM1 + REG_IER, DIVISOR_115200 >> 8);
	arch_outb(COM1 + REG_LCR, LCR_8N1);
	arch_outb(COM1 + REG_FCR, FCR_ENABLE_CLEAR);
	arch_outb(COM1 + REG_MCR, MCR_DTR_RTS_OUT2);
	kern_console_register(&uart_console);
}
