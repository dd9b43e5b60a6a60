/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * vunetd: EAL start-up, ports, switch and workers from the configuration,
 * signals, and the control loop on the main lcore (MAC learning and
 * aging); workers forward. The command line is options.c's.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "vunet_config.h"
#include "vunet_control.h"
#include "vunet_port.h"
#include "vunet_switch.h"
#include "vunet_worker.h"

#include "fd_relay.h"
#include "options.h"

#define CONTROL_PERIOD_US 1000

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
control_loop(struct vunet_daemon *d)
{
	uint64_t hz = rte_get_tsc_hz(), next_age = rte_rdtsc() + hz;

	while (!quit) {
		uint64_t now = rte_rdtsc();

		for (unsigned int w = 0; w < d->n_workers; w++)
			vunet_switch_learn_drain(d->sw, d->workers[w].learn,
						 now);
		if (now >= next_age) {
			vunet_switch_age(d->sw, now);
			next_age = now + hz;
		}
		usleep(CONTROL_PERIOD_US);
	}
}

int
main(int argc, char **argv)
{
	static struct vunet_config conf;
	static struct vunet_port ports[VUNET_MAX_PORTS];
	struct vunet_daemon d = { .conf = &conf, .ports = ports };
	struct vunet_port_env env = { 0 };
	struct options o = { 0 };
	char err[VUNET_ERR_MAX], lcores[512];
	char *eal_argv[MAX_EAL_ARGS + 1];
	unsigned int lcore_ids[VUNET_MAX_WORKERS];
	struct rte_rcu_qsbr *qsbr = NULL;
	uint16_t n_created = 0;
	int first_eal, eal_argc, ret = 1;

	if (options_wants_capabilities(argc, argv))
		return options_print_capabilities();
	first_eal = options_parse(argc, argv, &o);
	if (first_eal < 0)
		return 2;
	/* nothing is touched before the whole configuration is valid */
	if (o.socket_path != NULL) {
		if (options_port_config(&o, &conf, err, sizeof(err)) < 0) {
			fprintf(stderr, "vunetd: %s\n", err);
			return 2;
		}
	} else if (vunet_config_load(o.config, &conf, err,
				     sizeof(err)) < 0) {
		fprintf(stderr, "vunetd: %s\n", err);
		return 2;
	}
	if (o.check_only) {
		printf("%s: valid: %u bridge(s), %u port(s), %u "
		       "cross-connect(s)\n", o.config, conf.n_bridges,
		       conf.n_ports, conf.n_xconnects);
		return 0;
	}
	if (options_default_cpus(&o) < 0) {
		fprintf(stderr, "vunetd: cannot read the CPU affinity\n");
		return 2;
	}
	eal_argc = options_eal_args(&o, &conf, argv[0], argc - first_eal,
				  argv + first_eal, eal_argv, lcores,
				  sizeof(lcores));
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

	d.n_workers = o.n_workers;
	qsbr = rte_zmalloc("qsbr", rte_rcu_qsbr_get_memsize(d.n_workers),
			   RTE_CACHE_LINE_SIZE);
	if (qsbr == NULL || rte_rcu_qsbr_init(qsbr, d.n_workers) != 0 ||
	    create_pools(&conf, &env) < 0) {
		fprintf(stderr, "vunetd: out of DPDK memory\n");
		goto out;
	}
	env.qsbr = qsbr;
	env.n_workers = d.n_workers;
	vunet_port_env_set(&env);

	for (; n_created < conf.n_ports; n_created++) {
		if (vunet_port_create(&ports[n_created], n_created,
				      &conf.ports[n_created], err,
				      sizeof(err)) < 0) {
			fprintf(stderr, "vunetd: %s: ports[%u] '%s': %s\n",
				o.config, n_created,
				conf.ports[n_created].name, err);
			goto out;
		}
	}
	d.sw = vunet_switch_create(&conf, ports, qsbr, err, sizeof(err));
	if (d.sw == NULL) {
		fprintf(stderr, "vunetd: %s\n", err);
		goto out;
	}
	for (unsigned int w = 0; w < d.n_workers; w++)
		lcore_ids[w] = w + 1;
	d.workers = vunet_workers_create(d.n_workers, lcore_ids, d.sw, qsbr,
					 err, sizeof(err));
	if (d.workers == NULL) {
		fprintf(stderr, "vunetd: %s\n", err);
		goto out;
	}
	if (vunet_telemetry_register(&d) < 0)
		RTE_LOG(WARNING, USER1, "telemetry commands unavailable\n");
	for (unsigned int w = 0; w < d.n_workers; w++)
		rte_eal_remote_launch(vunet_worker_main, &d.workers[w],
				      lcore_ids[w]);
	RTE_LOG(INFO, USER1, "vunetd %s: %u port(s), %u worker(s); lcore@CPU "
		"%s (lcore 0: control)\n", VUNET_VERSION, conf.n_ports,
		d.n_workers, lcores);
	if (o.fd >= 0 && fd_relay_start(o.fd, o.fd_sock, on_relay_done, err,
					sizeof(err)) < 0) {
		fprintf(stderr, "vunetd: --fd: %s\n", err);
		quit = 1;
	}
	printf("vunetd: ready\n");
	fflush(stdout);

	control_loop(&d);

	RTE_LOG(INFO, USER1, "stopping\n");
	for (unsigned int w = 0; w < d.n_workers; w++)
		__atomic_store_n(&d.workers[w].stop, true, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
	ret = 0;
out:
	vunet_telemetry_unregister();
	/* workers are stopped: closing a port waits for nobody */
	while (n_created > 0)
		vunet_port_destroy(&ports[--n_created]);
	if (d.workers != NULL && d.sw != NULL) {
		printf("vunetd: final counters\n");
		vunet_report_print(stdout, &d);
		fflush(stdout);
	}
	vunet_workers_free(d.workers, d.n_workers);
	vunet_switch_free(d.sw);
	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (s == 0 || env.pools[s] != env.pools[0])
			rte_mempool_free(env.pools[s]);
	rte_free(qsbr);
	rte_eal_cleanup();
	return ret;
}
