/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_log.h>

#include "vunet_fd.h"
#include "vunet_port.h"
#include "vunet_watchdog.h"

#define WATCH_PERIOD_MS 50
#define WATCH_PERIODS 2          /* without a loop, before a look */
#define WAKE_SIGNAL SIGUSR2

extern int vunet_logtype_worker;

struct vunet_watchdog {
	struct vunet_worker *ws;
	unsigned int n;
	bool stop;
	pthread_t thread;
	uint64_t last[VUNET_MAX_WORKERS];
	unsigned int still[VUNET_MAX_WORKERS];
};

/* interrupts a blocked system call (no SA_RESTART): nothing else */
static void
on_wake(int sig)
{
	(void)sig;
}

/*
 * The eventfd thread tid is blocked writing to, or -1: from
 * /proc/self/task/TID/syscall, "NR ARG0 ..." while in a system call.
 */
static int
blocked_write_fd(pid_t tid)
{
	char path[64], buf[256];
	long nr;
	unsigned long fd;
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -1;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%ld 0x%lx", &nr, &fd) != 2 || nr != SYS_write ||
	    fd > INT32_MAX)
		return -1;
	return vunet_fd_is_eventfd((int)fd) ? (int)fd : -1;
}

static void
look(struct vunet_watchdog *wd, unsigned int i)
{
	struct vunet_worker *w = &wd->ws[i];
	pid_t tid = __atomic_load_n(&w->tid, __ATOMIC_ACQUIRE);
	uint64_t it = __atomic_load_n(&w->stats.iterations, __ATOMIC_RELAXED);
	char name[VUNET_NAME_MAX];
	int fd;

	if (tid == 0 || it != wd->last[i]) {
		wd->last[i] = it;
		wd->still[i] = 0;
		return;
	}
	if (++wd->still[i] < WATCH_PERIODS)
		return;
	fd = blocked_write_fd(tid);
	if (fd < 0)
		return;
	/* off the data path first, so the worker does not come back */
	if (vunet_port_vhost_cut_blocking(fd, name, sizeof(name)) &&
	    wd->still[i] == WATCH_PERIODS)    /* said once per block */
		rte_log(RTE_LOG_WARNING, vunet_logtype_worker, "worker %u: "
			"blocked on port %s's interrupt descriptor for %u ms: "
			"its front-end is cut\n", i, name,
			wd->still[i] * WATCH_PERIOD_MS);
	pthread_kill(w->thread, WAKE_SIGNAL);
}

static void *
watch(void *arg)
{
	struct vunet_watchdog *wd = arg;

	while (!__atomic_load_n(&wd->stop, __ATOMIC_RELAXED)) {
		usleep(WATCH_PERIOD_MS * 1000);
		for (unsigned int i = 0; i < wd->n; i++)
			look(wd, i);
	}
	return NULL;
}

struct vunet_watchdog *
vunet_watchdog_start(struct vunet_worker *ws, unsigned int n, char *err,
		     size_t errlen)
{
	struct vunet_watchdog *wd = calloc(1, sizeof(*wd));
	struct sigaction sa;

	if (wd == NULL) {
		snprintf(err, errlen, "out of memory for the watchdog");
		return NULL;
	}
	wd->ws = ws;
	wd->n = n;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_wake;
	sigemptyset(&sa.sa_mask);
	if (sigaction(WAKE_SIGNAL, &sa, NULL) < 0 ||
	    pthread_create(&wd->thread, NULL, watch, wd) != 0) {
		snprintf(err, errlen, "cannot start the watchdog: %s",
			 strerror(errno));
		free(wd);
		return NULL;
	}
	pthread_setname_np(wd->thread, "vunet-watchdog");
	return wd;
}

void
vunet_watchdog_stop(struct vunet_watchdog *wd)
{
	if (wd == NULL)
		return;
	__atomic_store_n(&wd->stop, true, __ATOMIC_RELAXED);
	pthread_join(wd->thread, NULL);
	free(wd);
}
