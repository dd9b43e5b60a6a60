/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNETD_OPTIONS_H
#define VUNETD_OPTIONS_H

#include <stdbool.h>

#include "vunet_config.h"
#include "vunet_request.h"
#include "vunet_stats.h"

#define DEFAULT_CONFIG "/etc/vunet/vunetd.json"
#define STATE_DIR "/var/lib/vunet"
#define MAX_EAL_ARGS 64
#define MAX_ALLOW_DEVARGS 16

struct options {
	const char *config;
	const char *socket_path;   /* vhost-user back-end program conventions */
	const char *profile;
	int fd;                    /* --fd: a connected front-end, or -1 */
	char fd_sock[80];
	unsigned int worker_cpus[VUNET_MAX_WORKERS];
	unsigned int n_workers;
	int main_cpu;
	unsigned int memory_mb;
	bool no_huge;
	bool check_only;
	const char *file_prefix;
	const char *control;       /* control socket; NULL: none */
	const char *control_group;
	const char *state;         /* state file; NULL: not persisted */
	bool reset_state;
	const char *socket_dir;    /* every vhost port's socket is in it */
	const char *socket_group;  /* server sockets' default group */
	const char *allow_devargs[MAX_ALLOW_DEVARGS]; /* run-time eth ports */
	unsigned int n_allow_devargs;
	char socket_dir_buf[VUNET_SOCK_PATH_MAX];
	char control_buf[VUNET_SOCK_PATH_MAX];
	char state_buf[256];
};

/* QEMU's convention: --print-capabilities wins over everything else. */
bool options_wants_capabilities(int argc, char **argv);
int options_print_capabilities(void);

/* Returns the index of the first EAL argument in argv, or -1. */
int options_parse(int argc, char **argv, struct options *o);

/* --socket-path/--fd: the configuration is one server-mode port in br0. */
json_t *options_port_doc(const struct options *o);

/* Worker and control CPUs the user left open. */
int options_default_cpus(struct options *o);

/* The EAL command line; lcores must outlive it. Returns argc or -1. */
int options_eal_args(const struct options *o, const struct vunet_config *conf,
		     char *prog, int n_extra, char **extra, char **eal_argv,
		     char *lcores, size_t len);

#endif /* VUNETD_OPTIONS_H */
