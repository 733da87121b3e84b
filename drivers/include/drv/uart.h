/* The 16550 UART driver: COM1 as the kernel console. */
#ifndef DRV_UART_H
#define DRV_UART_H

/* Program COM1 (0x3f8) for 115200 8N1 with FIFOs, polled, and register it
 * as the kernel console. */
void drv_uart_init(void);

/* Take the receive interrupt (ISA IRQ 4) once interrupts exist, so that
 * a blocking read sleeps instead of polling. */
void drv_uart_irq_init(void);

#endif
