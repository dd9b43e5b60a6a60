/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * Telemetry commands. They run on the telemetry client thread, under the
 * daemon's lock (so no port or bridge comes or goes meanwhile), and read
 * the workers' counters without synchronisation: each is a naturally
 * aligned 64-bit value written by one worker, so a read is at most one
 * burst old.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_telemetry.h>

#include "vunet_observe.h"
#include "vunet_relay.h"

/* NULL once the daemon is being torn down: commands then answer null. */
static struct vunet_daemon *tel_daemon;

typedef int (*tel_fn)(struct vunet_daemon *dm, const char *params,
		      struct rte_tel_data *d);

static int
locked(tel_fn fn, const char *params, struct rte_tel_data *d)
{
	struct vunet_daemon *dm = __atomic_load_n(&tel_daemon,
						  __ATOMIC_ACQUIRE);
	int ret;

	if (dm == NULL)
		return -EAGAIN;
	pthread_mutex_lock(&dm->lock);
	ret = fn(dm, params, d);
	pthread_mutex_unlock(&dm->lock);
	return ret;
}

/* The relay's view of the port's front-end connections. */
static void
add_frontend(struct rte_tel_data *d, const struct vunet_port *port)
{
	struct rte_tel_data *f;
	struct vunet_relay_stats st;

	if (!vunet_port_frontend(port, &st))
		return;
	f = rte_tel_data_alloc();
	if (f == NULL)
		return;
	rte_tel_data_start_dict(f);
	rte_tel_data_add_dict_u64(f, "connected", st.connected);
#define COUNTER(name, meaning) \
	rte_tel_data_add_dict_u64(f, #name, st.name);
	VUNET_RELAY_COUNTERS(COUNTER)
#undef COUNTER
	rte_tel_data_add_dict_container(d, "frontend", f, 0);
}

/* The port kind's own fields, as vunetctl port show has them. */
static void
add_fields(struct rte_tel_data *d, const struct vunet_port *port)
{
	struct vunet_port_fields f;

	vunet_port_describe(port, true, &f);
	for (unsigned int k = 0; k < f.n; k++)
		if (f.f[k].type == VUNET_FIELD_STR)
			rte_tel_data_add_dict_string(d, f.f[k].key,
						     f.f[k].str);
		else
			rte_tel_data_add_dict_u64(d, f.f[k].key, f.f[k].num);
}

/*
 * A reply holds 16 KB, and 256 names of 31 bytes fit: with remote VTEPs a
 * switch has more ports than that, so params say where to start.
 */
#define TEL_PORTS_MAX 256
_Static_assert(TEL_PORTS_MAX <= RTE_TEL_MAX_ARRAY_ENTRIES, "one reply");

static int
read_ports(struct vunet_daemon *dm, const char *params,
	   struct rte_tel_data *d)
{
	unsigned long from = 0;
	char *end;

	if (params != NULL && *params != '\0') {
		errno = 0;
		from = strtoul(params, &end, 10);
		if (errno != 0 || *end != '\0' || *params == '-')
			return -EINVAL;
	}
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (unsigned long i = from; i < dm->conf->n_ports &&
	     i < from + TEL_PORTS_MAX; i++)
		rte_tel_data_add_array_string(d, dm->conf->ports[i].name);
	return 0;
}

static int
read_port(struct vunet_daemon *dm, const char *params, struct rte_tel_data *d)
{
	struct vunet_port_totals t;
	struct rte_tel_data *drops, *rxq, *txq;
	const struct vunet_port *port;
	struct vunet_port_info pi;
	int p = params == NULL ? -1 : vunet_daemon_port(dm, params);

	if (p < 0)
		return -EINVAL;
	port = &dm->ports[p];
	vunet_daemon_port_totals(dm, (uint16_t)p, &t);
	drops = rte_tel_data_alloc();
	rxq = rte_tel_data_alloc();
	txq = rte_tel_data_alloc();
	if (drops == NULL || rxq == NULL || txq == NULL) {
		rte_tel_data_free(drops);
		rte_tel_data_free(rxq);
		rte_tel_data_free(txq);
		return -ENOMEM;
	}
	vunet_port_info(port, &pi);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", port->conf->name);
	rte_tel_data_add_dict_string(d, "type",
		vunet_port_type_name(port->conf->type));
	rte_tel_data_add_dict_string(d, "state",
		vunet_port_state_name(pi.state));
#define TOTAL(field, name) rte_tel_data_add_dict_u64(d, #name, t.field);
	VUNET_PORT_TOTALS(TOTAL)
#undef TOTAL
	add_fields(d, port);
	add_frontend(d, port);
	rte_tel_data_start_dict(drops);
	for (int r = 0; r < VUNET_DROP_MAX; r++)
		rte_tel_data_add_dict_u64(drops, vunet_drop_names[r],
					  t.drop[r]);
	rte_tel_data_add_dict_container(d, "drops", drops, 0);
	rte_tel_data_start_array(rxq, RTE_TEL_U64_VAL);
	rte_tel_data_start_array(txq, RTE_TEL_U64_VAL);
	for (uint16_t q = 0; q < pi.nb_rxq; q++)
		rte_tel_data_add_array_u64(rxq, t.rxq[q].pkts);
	for (uint16_t q = 0; q < RTE_MAX(pi.nb_rxq, pi.nb_txq); q++)
		rte_tel_data_add_array_u64(txq, t.txq[q].pkts);
	rte_tel_data_add_dict_container(d, "rxq_packets", rxq, 0);
	rte_tel_data_add_dict_container(d, "txq_packets", txq, 0);
	return 0;
}

static int
read_workers(struct vunet_daemon *dm, const char *params __rte_unused,
	struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (unsigned int w = 0; w < dm->n_workers; w++) {
		const struct vunet_worker_stats *s = &dm->workers[w].stats;
		struct rte_tel_data *c = rte_tel_data_alloc();
		char name[32];

		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "lcore", dm->workers[w].lcore);
		rte_tel_data_add_dict_u64(c, "rx_queues", dm->workers[w].poll->n);
		rte_tel_data_add_dict_u64(c, "cycles_per_packet",
					  vunet_stats_cycles_per_pkt(s));
#define COUNTER(field, name, meaning) \
		rte_tel_data_add_dict_u64(c, #name, s->field);
		VUNET_WORKER_COUNTERS(COUNTER)
#undef COUNTER
		snprintf(name, sizeof(name), "worker%u", w);
		rte_tel_data_add_dict_container(d, name, c, 0);
	}
	return 0;
}

static int
read_bridges(struct vunet_daemon *dm, const char *params __rte_unused,
	struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (uint16_t b = 0; b < dm->conf->n_bridges; b++) {
		const struct vunet_bridge *br =
			&dm->sw->bridges[dm->bridge_slot[b]];
		struct rte_tel_data *c = rte_tel_data_alloc();

		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "macs", vunet_fdb_count(br->fdb));
#define COUNTER(name, meaning) \
		rte_tel_data_add_dict_u64(c, #name, br->name);
		VUNET_BRIDGE_COUNTERS(COUNTER)
#undef COUNTER
		rte_tel_data_add_dict_container(d, br->conf.name, c, 0);
	}
	return 0;
}

void
vunet_telemetry_unregister(void)
{
	struct vunet_daemon *dm = __atomic_exchange_n(&tel_daemon, NULL,
						      __ATOMIC_ACQ_REL);

	/* DPDK 22.11 cannot remove commands: make them answer nothing, and
	 * wait out one that is running
	 */
	if (dm != NULL) {
		pthread_mutex_lock(&dm->lock);
		pthread_mutex_unlock(&dm->lock);
	}
}

/* Telemetry callbacks take no argument: one wrapper per reader. */
#define TEL_CMD(name) \
static int \
tel_ ## name(const char *cmd __rte_unused, const char *params, \
	     struct rte_tel_data *d) \
{ \
	return locked(read_ ## name, params, d); \
}
TEL_CMD(ports)
TEL_CMD(port)
TEL_CMD(workers)
TEL_CMD(bridges)
#undef TEL_CMD

static const struct {
	const char *path;
	telemetry_cb fn;
	const char *help;
} tel_cmds[] = {
	{ "/vunet/ports", tel_ports, "Names of the ports, at most 256. "
	  "Parameter: the index to start from (default 0)." },
	{ "/vunet/port", tel_port, "A port's counters. Parameter: port name." },
	{ "/vunet/workers", tel_workers, "Per-worker cycles and packets." },
	{ "/vunet/bridges", tel_bridges, "Per-bridge MAC table counters." },
};

int
vunet_telemetry_register(struct vunet_daemon *d)
{
	__atomic_store_n(&tel_daemon, d, __ATOMIC_RELEASE);
	for (size_t i = 0; i < RTE_DIM(tel_cmds); i++)
		if (rte_telemetry_register_cmd(tel_cmds[i].path, tel_cmds[i].fn,
					       tel_cmds[i].help) < 0)
			return -1;
	return 0;
}
