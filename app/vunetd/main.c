/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * vunetd: EAL start-up, the switch and workers, the configuration (or the
 * state a previous run saved) handed to the control library, signals, and
 * the control loop on the main lcore (control requests, MAC learning and
 * aging); workers forward. The command line is options.c's.
 */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pdump.h>

#include "vunet_config.h"
#include "vunet_ctl.h"
#include "vunet_observe.h"
#include "vunet_port.h"
#include "vunet_switch.h"
#include "vunet_watchdog.h"
#include "vunet_worker.h"

#include "options.h"

RTE_LOG_REGISTER(vunet_logtype_main, vunet.main, INFO);
#define MAIN_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, vunet_logtype_main, __VA_ARGS__)

/*
 * Learning is applied by the control thread: 1 ms after events, backing
 * off to 8 ms while none come, so an idle control thread does not wake
 * the CPU it shares (often with the traffic side) a thousand times a
 * second. A learning ring (8192 events) outlasts an 8 ms sleep at one new
 * source per burst and 10 Mpps; and after any event the period is 1 ms.
 */
#define CONTROL_PERIOD_MIN_MS 1
#define CONTROL_PERIOD_MAX_MS 8

static volatile sig_atomic_t quit;

static void
on_signal(int sig __rte_unused)
{
	quit = 1;
}

static int
create_pools(const struct vunet_config *conf, struct vunet_port_env *env)
{
	for (unsigned int i = 0; i < rte_socket_count(); i++) {
		int socket = rte_socket_id_by_idx(i);
		char name[RTE_MEMPOOL_NAMESIZE];

		if (socket < 0 || socket >= RTE_MAX_NUMA_NODES)
			continue;
		snprintf(name, sizeof(name), "mbuf_s%d", socket);
		env->pools[socket] = rte_pktmbuf_pool_create(name,
			conf->n_mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
			socket);
		if (env->pools[socket] == NULL && socket == 0) {
			fprintf(stderr, "vunetd: cannot allocate %u packet "
				"buffers: %s (more memory: -m, or fewer: "
				"\"mbufs\" in the config)\n", conf->n_mbufs,
				rte_strerror(rte_errno));
			return -1;
		}
		if (conf->n_tso_mbufs == 0)
			continue;
		snprintf(name, sizeof(name), "mbuf_tso_s%d", socket);
		env->tso_pools[socket] = rte_pktmbuf_pool_create(name,
			conf->n_tso_mbufs, 256, 0, VUNET_TSO_BUF_SIZE, socket);
		if (env->tso_pools[socket] == NULL && socket == 0) {
			fprintf(stderr, "vunetd: cannot allocate %u buffers of "
				"%u bytes for TSO frames: %s (more memory: -m, "
				"or fewer: \"tso_mbufs\" in the config, 0 for "
				"none)\n", conf->n_tso_mbufs, VUNET_TSO_BUF_SIZE,
				rte_strerror(rte_errno));
			return -1;
		}
	}
	if (env->pools[0] == NULL)
		for (int s = 1; s < RTE_MAX_NUMA_NODES; s++)
			if (env->pools[s] != NULL && env->pools[0] == NULL)
				env->pools[0] = env->pools[s];
	return env->pools[0] == NULL ? -1 : 0;
}

/* --fd: the one front-end is gone, and so is our reason to run. */
static void
on_relay_done(void)
{
	quit = 1;
}

static void
control_loop(struct vunet_daemon *d, struct vunet_ctl_server *srv)
{
	uint64_t hz = rte_get_tsc_hz(), next_age = rte_rdtsc() + hz;
	uint64_t next_export = next_age;
	int period = CONTROL_PERIOD_MIN_MS;

	while (!quit) {
		uint64_t now = rte_rdtsc();

		if ((vunet_daemon_learn(d, now) | vunet_daemon_punted(d)) != 0)
			period = CONTROL_PERIOD_MIN_MS;
		else if (period < CONTROL_PERIOD_MAX_MS)
			period *= 2;
		if (now >= next_age) {
			vunet_switch_age(d->sw, now);
			vunet_daemon_watch_links(d);
			next_age = now + hz;
		}
		/* zebra reads a local MAC within 1 s of its first frame */
		if (now >= next_export) {
			vunet_daemon_evpn_import(d);
			vunet_daemon_evpn_export(d);
			next_export = now + hz / 4;
		}
		if (srv != NULL)
			vunet_ctl_server_poll(srv, d, period);
		else
			usleep((useconds_t)period * 1000);
	}
}

/* mkdir -p of the folder path is in (0755: only the file is private). */
static int
make_parent(const char *path)
{
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *c = dir + 1; (c = strchr(c, '/')) != NULL; c++) {
		*c = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -1;
		*c = '/';
	}
	return 0;
}

/*
 * The socket directory: created if missing (0755), then opened without
 * following a link in its place. It must be ours and not writable by
 * everyone, or anyone could put a link where a port's socket will be.
 */
static int
open_socket_dir(const char *dir, char *err, size_t errlen)
{
	char probe[VUNET_SOCK_PATH_MAX + 2];
	struct stat st;
	int fd;

	snprintf(probe, sizeof(probe), "%s/x", dir);
	if (make_parent(probe) < 0) {
		snprintf(err, errlen, "socket directory %s: %s", dir,
			 strerror(errno));
		return -1;
	}
	fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "socket directory %s: %s", dir,
			 errno == ELOOP || errno == ENOTDIR ?
			 "not a directory (a link is not taken)" :
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & S_IWOTH)) {
		snprintf(err, errlen, "socket directory %s: must belong to "
			 "root or to vunetd's user and not be writable by "
			 "others", dir);
		close(fd);
		return -1;
	}
	/*
	 * A folder its group may write to (QEMUs of several tenants) is made
	 * sticky: then only a socket's owner (or vunetd) may remove or
	 * replace it, not another tenant.
	 */
	if ((st.st_mode & S_IWGRP) && !(st.st_mode & S_ISVTX)) {
		snprintf(probe, sizeof(probe), "/proc/self/fd/%d", fd);
		if (chmod(probe, (st.st_mode & 07777) | S_ISVTX) < 0) {
			snprintf(err, errlen, "socket directory %s: its group "
				 "may write to it and it cannot be made sticky: "
				 "%s", dir, strerror(errno));
			close(fd);
			return -1;
		}
		fprintf(stderr, "vunetd: socket directory %s: group-writable, "
			"made sticky (mode %04o)\n", dir,
			(unsigned int)((st.st_mode & 07777) | S_ISVTX));
	}
	return fd;
}

/*
 * What to run: the state a previous run saved, unless there is none or
 * --reset-state; else the configuration. Checked whole before EAL starts.
 */
static json_t *
load_doc(const struct options *o, struct vunet_config *conf,
	 const char **origin, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc = NULL;
	int r = 0;

	if (o->state != NULL && !o->reset_state) {
		r = vunet_state_load(o->state, &doc, err, errlen);
		if (r < 0)
			return NULL;
		*origin = o->state;
	}
	if (r == 0 && o->socket_path != NULL) {
		doc = options_port_doc(o);
		*origin = o->fd >= 0 ? "--fd" : "--socket-path";
	} else if (r == 0) {
		doc = json_load_file(o->config, JSON_REJECT_DUPLICATES, &jerr);
		*origin = o->config;
		if (doc == NULL) {
			if (jerr.line < 0)
				snprintf(err, errlen, "%s: cannot open: %s",
					 o->config, strerror(errno));
			else
				snprintf(err, errlen, "%s: line %d column %d: "
					 "%s", o->config, jerr.line,
					 jerr.column, jerr.text);
			return NULL;
		}
	}
	if (doc == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (vunet_config_parse_json(doc, *origin, conf, err, errlen) < 0) {
		if (r == 1)
			snprintf(err + strlen(err), errlen - strlen(err),
				 " (the saved state; --reset-state starts "
				 "from %s instead)", o->config);
		json_decref(doc);
		return NULL;
	}
	if (r == 1)
		printf("vunetd: restoring the state saved in %s\n", o->state);
	return doc;
}

/* Everything the daemon holds, torn down in one place. */
struct vunetd {
	struct options o;
	struct vunet_config conf;          /* the document, as checked first */
	json_t *doc;
	const char *origin;                /* the document's name in messages */
	int socket_dir_fd;
	struct vunet_port_env env;
	struct rte_rcu_qsbr *qsbr;
	struct vunet_switch *sw;
	struct vunet_worker *workers;
	struct vunet_watchdog *watchdog;
	unsigned int lcore_ids[VUNET_MAX_WORKERS];
	char lcores[512];                  /* lcore@CPU list, for EAL */
	struct vunet_daemon d;
	struct vunet_ctl_server *srv;
	bool launched;
	struct vunet_port ports[VUNET_MAX_PORTS];
};

/*
 * Before EAL: options, the whole configuration checked, the folders.
 * Returns -1 to exit 2, 1 to exit 0 (--check-config), 0 to go on.
 */
static int
prepare(struct vunetd *v, int argc, char **argv, int *first_eal)
{
	struct options *o = &v->o;
	const char *folder_of = NULL;
	char err[VUNET_ERR_MAX];

	*first_eal = options_parse(argc, argv, o);
	if (*first_eal < 0)
		return -1;
	/* nothing is touched before the whole configuration is valid */
	v->doc = load_doc(o, &v->conf, &v->origin, err, sizeof(err));
	if (v->doc == NULL) {
		fprintf(stderr, "vunetd: %s\n", err);
		return -1;
	}
	if (o->check_only) {
		printf("%s: valid: %u bridge(s), %u port(s), %u "
		       "cross-connect(s)\n", v->origin, v->conf.n_bridges,
		       v->conf.n_ports, v->conf.n_xconnects);
		return 1;
	}
	if (options_default_cpus(o) < 0) {
		fprintf(stderr, "vunetd: cannot read the CPU affinity\n");
		return -1;
	}
	if (o->state != NULL && make_parent(o->state) < 0)
		folder_of = o->state;
	else if (o->control != NULL && make_parent(o->control) < 0)
		folder_of = o->control;
	if (folder_of != NULL) {
		fprintf(stderr, "vunetd: cannot create the folder of %s: %s\n",
			folder_of, strerror(errno));
		return -1;
	}
	v->socket_dir_fd = open_socket_dir(o->socket_dir, err, sizeof(err));
	if (v->socket_dir_fd < 0) {
		fprintf(stderr, "vunetd: %s\n", err);
		return -1;
	}
	return 0;
}

/* EAL, memory, the switch, its workers and the daemon over them. */
static int
build(struct vunetd *v)
{
	const struct options *o = &v->o;
	char err[VUNET_ERR_MAX];

	v->qsbr = rte_zmalloc("qsbr", rte_rcu_qsbr_get_memsize(o->n_workers),
			      RTE_CACHE_LINE_SIZE);
	if (v->qsbr == NULL || rte_rcu_qsbr_init(v->qsbr, o->n_workers) != 0 ||
	    create_pools(&v->conf, &v->env) < 0) {
		fprintf(stderr, "vunetd: out of DPDK memory\n");
		return -1;
	}
	v->env.qsbr = v->qsbr;
	v->env.n_workers = o->n_workers;
	vunet_port_env_set(&v->env);
	if (vunet_port_vhost_init(o->socket_dir, v->socket_dir_fd,
				  o->socket_group, err, sizeof(err)) < 0) {
		fprintf(stderr, "vunetd: %s\n", err);
		return -1;
	}
	for (unsigned int w = 0; w < o->n_workers; w++)
		v->lcore_ids[w] = w + 1;
	v->sw = vunet_switch_new(v->ports, v->qsbr, err, sizeof(err));
	if (v->sw != NULL)
		v->workers = vunet_workers_create(o->n_workers, v->lcore_ids,
						  v->sw, v->qsbr, err,
						  sizeof(err));
	if (v->sw == NULL || v->workers == NULL ||
	    vunet_daemon_init(&v->d, v->ports, v->sw, v->workers,
			      o->n_workers, o->state) < 0) {
		fprintf(stderr, "vunetd: %s\n", v->sw && v->workers ?
			"out of memory" : err);
		return -1;
	}
	v->d.allow_devargs = o->allow_devargs;
	v->d.n_allow_devargs = o->n_allow_devargs;
	if (o->control != NULL) {
		v->srv = vunet_ctl_server_open(o->control, o->control_group,
					       err, sizeof(err));
		if (v->srv == NULL) {
			fprintf(stderr, "vunetd: %s\n", err);
			return -1;
		}
	}
	if (vunet_daemon_apply(&v->d, v->doc, v->origin, err,
			       sizeof(err)) < 0) {
		fprintf(stderr, "vunetd: %s: %s\n", v->origin, err);
		return -1;
	}
	vunet_daemon_evpn_start(&v->d);
	return 0;
}

/* Workers on their lcores, the optional services, and ready. */
static void
launch(struct vunetd *v)
{
	const struct options *o = &v->o;
	char err[VUNET_ERR_MAX];

	if (rte_pdump_init() < 0)
		MAIN_LOG(WARNING, "packet capture (dpdk-dumpcap) "
			"unavailable: %s\n", rte_strerror(rte_errno));
	if (vunet_telemetry_register(&v->d) < 0)
		MAIN_LOG(WARNING, "telemetry commands unavailable\n");
	for (unsigned int w = 0; w < o->n_workers; w++)
		rte_eal_remote_launch(vunet_worker_main, &v->workers[w],
				      v->lcore_ids[w]);
	v->launched = true;
	v->watchdog = vunet_watchdog_start(v->workers, o->n_workers, err,
					   sizeof(err));
	if (v->watchdog == NULL)
		MAIN_LOG(WARNING, "%s: a worker blocked on a guest's "
			"interrupt would stay blocked\n", err);
	MAIN_LOG(INFO, "vunetd %s: %u port(s), %u worker(s); lcore@CPU "
		"%s (lcore 0: control)%s%s\n", VUNET_VERSION,
		v->d.conf->n_ports, o->n_workers, v->lcores,
		o->control ? "; control socket " : "",
		o->control ? o->control : "");
	if (o->fd >= 0 && vunet_port_vhost_attach_fd(&v->ports[0], o->fd,
						     on_relay_done, err,
						     sizeof(err)) < 0) {
		fprintf(stderr, "vunetd: --fd: %s\n", err);
		quit = 1;
	}
	printf("vunetd: ready\n");
	fflush(stdout);
}

static void
stop_workers(struct vunetd *v)
{
	MAIN_LOG(INFO, "stopping\n");
	for (unsigned int w = 0; w < v->o.n_workers; w++)
		__atomic_store_n(&v->workers[w].stop, true, __ATOMIC_RELAXED);
	/* the watchdog still frees a worker blocked on a guest */
	rte_eal_mp_wait_lcore();
	vunet_watchdog_stop(v->watchdog);
	v->watchdog = NULL;
}

/* Whatever build() and launch() got to, in reverse. */
static void
teardown(struct vunetd *v)
{
	vunet_telemetry_unregister();
	vunet_ctl_server_close(v->srv);
	if (v->launched) {
		printf("vunetd: final counters\n");
		vunet_report_print(stdout, &v->d);
		fflush(stdout);
	}
	/* workers are stopped: closing a port waits for nobody */
	if (v->d.conf != NULL)
		vunet_daemon_close(&v->d);
	vunet_port_vhost_fini();
	vunet_workers_free(v->workers, v->o.n_workers);
	vunet_switch_free(v->sw);
	rte_pdump_uninit();
	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (s == 0 || v->env.pools[s] != v->env.pools[0])
			rte_mempool_free(v->env.pools[s]);
	rte_free(v->qsbr);
}

int
main(int argc, char **argv)
{
	static struct vunetd v = { .socket_dir_fd = -1 };
	char *eal_argv[MAX_EAL_ARGS + 1];
	int first_eal, eal_argc, ret;

	if (options_wants_capabilities(argc, argv))
		return options_print_capabilities();
	ret = prepare(&v, argc, argv, &first_eal);
	if (ret != 0) {
		json_decref(v.doc);
		return ret < 0 ? 2 : 0;
	}
	eal_argc = options_eal_args(&v.o, &v.conf, argv[0],
				    argc - first_eal, argv + first_eal,
				    eal_argv, v.lcores, sizeof(v.lcores));
	if (eal_argc < 0) {
		fprintf(stderr, "vunetd: too many EAL arguments\n");
		return 2;
	}
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "vunetd: DPDK start-up failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	ret = 1;
	if (build(&v) == 0) {
		launch(&v);
		control_loop(&v.d, v.srv);
		stop_workers(&v);
		ret = 0;
	}
	teardown(&v);
	close(v.socket_dir_fd);
	json_decref(v.doc);
	rte_eal_cleanup();
	return ret;
}
