/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <inttypes.h>
#include <string.h>

#include <rte_cycles.h>

#include "vunet_observe.h"
#include "vunet_relay.h"
#include "vunet_strbuf.h"

/* A front-end's relay counters, those that are not 0. */
static void
report_frontend(FILE *f, const struct vunet_port *p)
{
	struct vunet_relay_stats st;
	char line[512] = "";
	struct vunet_strbuf sb = VUNET_STRBUF(line, sizeof(line));

	if (!vunet_port_frontend(p, &st))
		return;
#define COUNTER(name, meaning) \
	if (st.name != 0) \
		vunet_strbuf_add(&sb, ", ", #name " %" PRIu64, \
				 (uint64_t)st.name);
	VUNET_RELAY_COUNTERS(COUNTER)
#undef COUNTER
	if (sb.off != 0)
		fprintf(f, "front-end of %s: %s\n", p->conf->name, line);
}

void
vunet_report_print(FILE *f, const struct vunet_daemon *d)
{
	fprintf(f, "%-16s %14s %16s %14s %16s  %s\n", "port", "rx-packets",
		"rx-bytes", "tx-packets", "tx-bytes", "drops");
	for (uint16_t i = 0; i < d->conf->n_ports; i++) {
		struct vunet_port_totals t;
		char drops[512] = "";
		struct vunet_strbuf sb = VUNET_STRBUF(drops, sizeof(drops));

		vunet_daemon_port_totals(d, (uint16_t)d->port_slot[i], &t);
		for (int r = 0; r < VUNET_DROP_MAX; r++)
			if (t.drop[r] != 0)
				vunet_strbuf_add(&sb, " ", "%s=%" PRIu64,
					vunet_drop_names[r], t.drop[r]);
		fprintf(f, "%-16s %14" PRIu64 " %16" PRIu64 " %14" PRIu64
			" %16" PRIu64 "  %s\n", d->conf->ports[i].name,
			t.rx_pkts, t.rx_bytes, t.tx_pkts, t.tx_bytes,
			sb.off ? drops : "-");
		for (uint16_t q = 0; q < VUNET_MAX_QUEUES; q++)
			if (t.rxq[q].pkts != 0 || t.txq[q].pkts != 0)
				fprintf(f, "  queue %-8u %14" PRIu64 " %16"
					PRIu64 " %14" PRIu64 " %16" PRIu64
					"\n", q, t.rxq[q].pkts,
					t.rxq[q].bytes, t.txq[q].pkts,
					t.txq[q].bytes);
#define OFFLOAD_ROW(field, name) \
		if (t.field != 0) \
			fprintf(f, "  offload %-13s %" PRIu64 "\n", #name, \
				t.field);
		VUNET_PORT_OFFLOADS(OFFLOAD_ROW)
#undef OFFLOAD_ROW
	}
	for (unsigned int w = 0; w < d->n_workers; w++) {
		const struct vunet_worker_stats *s = &d->workers[w].stats;

		fprintf(f, "worker %u (lcore %u): busy %.1f%%, %" PRIu64
			" cycles/packet", w, d->workers[w].lcore,
			vunet_stats_busy_pct(s),
			vunet_stats_cycles_per_pkt(s));
#define COUNTER(field, name, meaning) \
		fprintf(f, ", " #name " %" PRIu64, s->field);
		VUNET_WORKER_COUNTERS(COUNTER)
#undef COUNTER
		fprintf(f, "\n");
	}
	for (uint16_t b = 0; b < d->conf->n_bridges; b++) {
		const struct vunet_bridge *br =
			&d->sw->bridges[d->bridge_slot[b]];

		fprintf(f, "bridge %s: macs %u", br->conf.name,
			vunet_fdb_count(br->fdb));
#define COUNTER(name, meaning) \
		fprintf(f, ", " #name " %" PRIu64, br->name);
		VUNET_BRIDGE_COUNTERS(COUNTER)
#undef COUNTER
		fprintf(f, "\n");
	}
	for (uint16_t i = 0; i < d->conf->n_ports; i++)
		report_frontend(f, &d->ports[d->port_slot[i]]);
}
