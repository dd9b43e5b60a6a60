/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_WATCHDOG_H
#define VUNET_WATCHDOG_H

/*
 * The worker watchdog. A busy-polling worker never sleeps in the kernel
 * but in one place it does not choose: rte_vhost writes each guest
 * interrupt into the front-end's call eventfd from the worker. The relay
 * makes that descriptor non-blocking (vunet_vhu_fds.h), but the open file
 * is shared with the front-end, which can make it blocking again and fill
 * its counter: the write then blocks for ever, with the queue's lock
 * held, and every port on that worker, rte_vhost's thread and vunetd's
 * stop with it. Nothing in the data path can prevent it, so a thread
 * watches: a worker that has not gone round its loop for two periods
 * (50 ms each) and sits in write() on an eventfd is blocked on a guest's
 * interrupt. The port whose call descriptor that is is taken off the data
 * path and its front-end cut (counted: cut_blocking), then the worker is
 * interrupted by a signal (its write returns EINTR, which rte_vhost
 * ignores) and goes on.
 */

#include "vunet_worker.h"

struct vunet_watchdog;

/* Watch workers ws[0..n) on their lcores. NULL and err on failure. */
struct vunet_watchdog *vunet_watchdog_start(struct vunet_worker *ws,
					    unsigned int n, char *err,
					    size_t errlen);

/* After the workers stopped. */
void vunet_watchdog_stop(struct vunet_watchdog *wd);

#endif /* VUNET_WATCHDOG_H */
