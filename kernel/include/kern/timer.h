/* Timers. A queue of deadlines (a binary heap; pure code, unit-tested)
 * and the kernel's timer service on top of it: one-shot or periodic,
 * cancellable, tickless (the hardware timer is programmed for the earliest
 * deadline only). Kernel timers run from the event loop whenever it runs;
 * timers a service starts through include/os/ run only when the service
 * itself runs the loop (os_loop_once), so it is never re-entered. */
#ifndef KERN_TIMER_H
#define KERN_TIMER_H

#include <stddef.h>
#include <stdint.h>

struct kern_timer;
typedef void (*kern_timer_fn)(struct kern_timer *t, void *arg);

struct kern_timer {
	uint64_t deadline; /* monotonic ns */
	uint64_t period;   /* 0: one-shot */
	kern_timer_fn fn;
	void *arg;
	size_t slot; /* heap index + 1; 0 when not queued */
	int service; /* runs only from the service's own loop */
	struct kern_timer *next_ready;
	void *cookie; /* the owner's (os_timer: its callback) */
};

struct kern_timerq {
	struct kern_timer **heap;
	size_t n, cap;
};

/* An empty queue holding up to cap timers in storage. */
void kern_timerq_init(struct kern_timerq *q, struct kern_timer **storage,
		      size_t cap);

/* Queue t at t->deadline: 0, or -ENOSPC when full. t must not be queued. */
int kern_timerq_add(struct kern_timerq *q, struct kern_timer *t);

/* Take t out of the queue if it is queued. */
void kern_timerq_remove(struct kern_timerq *q, struct kern_timer *t);

/* The earliest timer, or NULL. */
struct kern_timer *kern_timerq_first(const struct kern_timerq *q);

/* Remove and return the earliest timer if its deadline is <= now. */
struct kern_timer *kern_timerq_pop_due(struct kern_timerq *q, uint64_t now);

/* Kernel timer service. Start t: fire fn(t, arg) at monotonic ns deadline,
 * then every period ns if period is not 0 (missed periods are skipped, not
 * bunched). Restarting a running timer moves it (a queued one cannot
 * fail to restart). 0, or -ENOSPC when the queue is full (t is then not
 * running). */
int kern_timer_start(struct kern_timer *t, uint64_t deadline, uint64_t period,
		     kern_timer_fn fn, void *arg);

/* Stop t; harmless if it is not running. */
void kern_timer_stop(struct kern_timer *t);

/* Run the kernel timers that are due and move due service timers to the
 * ready list; returns how many were handled. One call handles at most as
 * many timers as were queued when it began, so a callback that keeps
 * starting its timer for a deadline already passed cannot hold the loop
 * in here: the timer runs again on the next call. */
int kern_timer_run_due(void);

/* Run the service timers that became ready; returns how many ran. */
int kern_timer_run_service(void);

/* Whether service timers wait on the ready list. */
int kern_timer_ready(void);

/* The earliest deadline (ns), or UINT64_MAX with no timer queued. */
uint64_t kern_timer_next(void);

/* Set the timer service up (queue storage; hardware timer vector). */
void kern_timer_init(void);

/* Program the hardware timer to interrupt at deadline ns (or never, for
 * UINT64_MAX). */
void kern_timer_program(uint64_t deadline);

#endif
