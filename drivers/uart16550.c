/* 16550 UART driver for COM1: the kernel console and the service's stdio.
 * Output is polled (the panic path needs it so); input arrives by the
 * receive interrupt into a ring buffer. Newlines go out as CR LF, as a
 * terminal expects. */
#include <arch/cpu.h>
#include <drv/uart.h>
#include <kern/console.h>
#include <kern/irq.h>

#define COM1 0x3f8
#define REG_DATA 0 /* THR / RBR; divisor low with DLAB */
#define REG_IER 1  /* interrupt enable; divisor high with DLAB */
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define MCR_DTR_RTS_OUT2 0x0b
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define DIVISOR_115200 1
#define IER_RX_AVAILABLE 0x01
#define COM1_IRQ 4
#define RX_SIZE 1024

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

/* Received bytes, moved out of the UART's 16-byte FIFO by the interrupt's
 * deferred half so that input arriving while the service is busy is kept. */
static unsigned char rx[RX_SIZE];
static unsigned rx_head, rx_tail; /* free-running; head - tail = count */

static void rx_drain(void *arg)
{
	(void)arg;
	while (arch_inb(COM1 + REG_LSR) & LSR_DATA_READY) {
		unsigned char c = arch_inb(COM1 + REG_DATA);

		if (rx_head - rx_tail < RX_SIZE) /* else: dropped */
			rx[rx_head++ % RX_SIZE] = c;
	}
}

static int uart_getc(void)
{
	rx_drain(0);
	if (rx_head == rx_tail)
		return -1;
	return rx[rx_tail++ % RX_SIZE];
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
	/* FIFOs stay off: switching them on flushes input that already
	 * arrived, and QEMU holds input back until the UART can take it. */
	arch_outb(COM1 + REG_FCR, 0);
	arch_outb(COM1 + REG_MCR, MCR_DTR_RTS_OUT2);
	kern_console_register(&uart_console);
}

void drv_uart_irq_init(void)
{
	if (kern_irq_attach_isa(COM1_IRQ, rx_drain, 0) < 0) {
		kern_info("uart: no route for IRQ %d: input is polled",
			  COM1_IRQ);
		return;
	}
	arch_outb(COM1 + REG_IER, IER_RX_AVAILABLE);
}
