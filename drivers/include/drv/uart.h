/* The 16550 UART driver: COM1 as the kernel console. */
#ifndef DRV_UART_H
#define DRV_UART_H

/* Program COM1 (0x3f8) for 115200 8N1 with FIFOs, polled, and register it
 * as the kernel console. */
void drv_uart_init(void);

#endif
