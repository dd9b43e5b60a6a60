/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * lib/daemon's reconcile in its phases (plan, save, publish, commit, and
 * undo when a phase fails) and lib/ctl's dispatch of requests, on a daemon
 * whose ports are net_null devices and whose workers do not run: what a
 * change leaves behind is read in the daemon's slots, the ethdevs that
 * exist and the document in force.
 */

#include <limits.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "tap.h"
#include "unit_eal.h"
#include "vunet_ctl.h"
#include "vunet_daemon.h"

static struct vunet_port ports[VUNET_MAX_PORTS];
static struct vunet_daemon d;
static char state_dir[] = "/tmp/vunet_unit_daemon.XXXXXX";
static char state_path[PATH_MAX];

static json_t *
doc_of(const char *text)
{
	json_error_t e;
	json_t *doc = json_loads(text, 0, &e);

	if (doc == NULL)
		printf("# bad test JSON: %s\n", e.text);
	return doc;
}

/* Apply text; 0 or -1 with the reason in err. */
static int
apply_text(const char *text, char *err, size_t errlen)
{
	json_t *doc = doc_of(text);
	int ret = vunet_daemon_apply(&d, doc, "test", err, errlen);

	json_decref(doc);
	return ret;
}

static int
slot_of(const char *name)
{
	return vunet_daemon_port(&d, name);
}

static unsigned int
used_slots(void)
{
	unsigned int n = 0;

	for (int s = 0; s < VUNET_MAX_PORTS; s++)
		n += d.slot_used[s];
	return n;
}

/* n0 and n1 in br0, VLAN 10, as the first change makes them */
#define N0_N1 \
	" { \"name\": \"n0\", \"type\": \"eth\", \"devargs\": \"net_null0\"," \
	"   \"bridge\": \"br0\", \"vlan\": 10 }," \
	" { \"name\": \"n1\", \"type\": \"eth\", \"devargs\": \"net_null1\"," \
	"   \"bridge\": \"br0\", \"vlan\": 10 }"
#define TWO_PORTS \
	"{ \"bridges\": [ { \"name\": \"br0\" } ], \"ports\": [" N0_N1 "] }"

static void
test_plan_commit(void)
{
	char err[VUNET_ERR_MAX] = "";

	CHECK_EQ(apply_text(TWO_PORTS, err, sizeof(err)), 0);
	CHECK_EQ(d.conf->n_ports, 2);
	CHECK_EQ(used_slots(), 2);
	CHECK(slot_of("n0") >= 0 && slot_of("n1") >= 0);
	CHECK(vunet_port_is_up(&ports[slot_of("n0")]));
	CHECK_EQ(rte_eth_dev_count_avail(), 2);
	CHECK_EQ(d.changes, 1);
	/* saved before it ran: the state file holds it */
	CHECK(access(state_path, F_OK) == 0);
}

/* A change that cannot make its new port: nothing else was touched. */
static void
test_plan_fails_undone(void)
{
	char err[VUNET_ERR_MAX] = "";
	int s0 = slot_of("n0");
	uint16_t eth0 = ports[s0].eth_id;
	json_t *before = json_deep_copy(d.doc);

	CHECK_EQ(apply_text("{ \"bridges\": [ { \"name\": \"br0\" },"
		" { \"name\": \"br9\" } ], \"ports\": [" N0_N1 ","
		" { \"name\": \"n2\", \"type\": \"eth\","
		"   \"devargs\": \"net_null2\", \"bridge\": \"br9\" },"
		" { \"name\": \"bad\", \"type\": \"eth\","
		"   \"devargs\": \"net_nosuchdriver0\" } ] }",
		err, sizeof(err)), -1);
	CHECK_STR_HAS(err, "'bad'");
	/* n2 was made before bad failed: closed again, its ethdev gone */
	CHECK_EQ(rte_eth_dev_count_avail(), 2);
	CHECK_EQ(used_slots(), 2);
	CHECK_EQ(d.conf->n_ports, 2);
	CHECK_EQ(d.conf->n_bridges, 1);
	CHECK_EQ(slot_of("n2"), -1);
	CHECK_EQ(slot_of("n0"), s0);
	CHECK_EQ(ports[s0].eth_id, eth0);
	CHECK(json_equal(before, d.doc));
	CHECK_EQ(d.changes, 1);
	for (int b = 0, n = 0; b < VUNET_MAX_BRIDGES; b++) {
		n += d.sw->bridges[b].fdb != NULL;
		if (b == VUNET_MAX_BRIDGES - 1)
			CHECK_EQ(n, 1);   /* br9's table went with it */
	}
	json_decref(before);
}

/* A change that cannot be saved is undone: made ports closed again. */
static void
test_save_fails_undone(void)
{
	char err[VUNET_ERR_MAX] = "";
	const char *saved = d.state_path;

	d.state_path = "/nonexistent-vunet-dir/state.json";
	CHECK_EQ(apply_text("{ \"bridges\": [ { \"name\": \"br0\" } ],"
		" \"ports\": [" N0_N1 ","
		" { \"name\": \"n3\", \"type\": \"eth\","
		"   \"devargs\": \"net_null3\" } ] }", err, sizeof(err)), -1);
	CHECK_STR_HAS(err, "the change is undone");
	d.state_path = saved;
	CHECK_EQ(rte_eth_dev_count_avail(), 2);
	CHECK_EQ(used_slots(), 2);
	CHECK_EQ(slot_of("n3"), -1);
}

/* A kept port keeps its device; a removed one is closed and forgotten. */
static void
test_commit_keeps_and_retires(void)
{
	char err[VUNET_ERR_MAX] = "";
	int s0 = slot_of("n0"), s1 = slot_of("n1");
	uint16_t eth0 = ports[s0].eth_id;

	d.workers[0].stats.port[s1].drop[VUNET_DROP_RUNT] = 7;
	CHECK_EQ(apply_text("{ \"bridges\": [ { \"name\": \"br0\" } ],"
		" \"ports\": [ { \"name\": \"n0\", \"type\": \"eth\","
		" \"devargs\": \"net_null0\", \"bridge\": \"br0\","
		" \"vlan\": 20 } ] }", err, sizeof(err)), 0);
	CHECK_EQ(slot_of("n0"), s0);
	CHECK_EQ(ports[s0].eth_id, eth0);          /* not made again */
	CHECK_EQ(d.port_conf[s0].vlan, 20);         /* its new setting */
	CHECK_EQ(slot_of("n1"), -1);
	CHECK(!d.slot_used[s1]);
	CHECK(ports[s1].conf == NULL);
	CHECK_EQ(d.workers[0].stats.port[s1].drop[VUNET_DROP_RUNT], 0);
	CHECK_EQ(rte_eth_dev_count_avail(), 1);
	/* its device may not change under it */
	CHECK_EQ(apply_text("{ \"bridges\": [ { \"name\": \"br0\" } ],"
		" \"ports\": [ { \"name\": \"n0\", \"type\": \"eth\","
		" \"devargs\": \"net_null0\", \"mtu\": 1400 } ] }", err,
		sizeof(err)), -1);
	CHECK_STR_HAS(err, "delete it and add it again");
	CHECK_EQ(ports[s0].eth_id, eth0);
}

/* A request's reply, parsed; *ok whether it was done. */
static json_t *
request(const char *line, bool *ok)
{
	char *text = vunet_command_handle(&d, line, strlen(line));
	json_t *r = text ? json_loads(text, 0, NULL) : NULL;

	free(text);
	*ok = json_is_true(json_object_get(r, "ok"));
	return r;
}

static const char *
error_of(json_t *r)
{
	const char *e = json_string_value(json_object_get(r, "error"));

	return e != NULL ? e : "";
}

/* Every command of the list is dispatched to a handler of its own. */
static void
test_dispatch_every_command(void)
{
	static const char *const names[] = {
#define NAME(e, name, fn, kind, ...) name,
		VUNET_COMMANDS(NAME)
#undef NAME
	};

	CHECK_EQ(RTE_DIM(names), VUNET_CMD_MAX);
	for (unsigned int c = 0; c < RTE_DIM(names); c++) {
		char line[128];
		bool ok;
		json_t *r;

		snprintf(line, sizeof(line), "{\"command\": \"%s\"}",
			 names[c]);
		r = request(line, &ok);
		CHECK(r != NULL);
		/* refused for a missing argument at most, never unknown */
		if (!ok) {
			CHECK_STR_HAS(error_of(r), "is missing");
			CHECK_STR_HAS(error_of(r), names[c]);
		}
		/* log-set changes no configuration: not saved, not a change */
		CHECK_EQ(vunet_cmd_changes((enum vunet_cmd)c),
			 (strstr(names[c], "-add") || strstr(names[c], "-del") ||
			  strstr(names[c], "-set") ||
			  strcmp(names[c], "mac-flush") == 0 ||
			  strcmp(names[c], "rxq-pin") == 0) &&
			 strcmp(names[c], "log-set") != 0);
		json_decref(r);
	}
}

static void
test_dispatch_answers(void)
{
	bool ok;
	json_t *r;

	r = request("{\"command\": \"port-list\"}", &ok);
	CHECK(ok);
	CHECK_EQ(json_array_size(json_object_get(r, "result")), 1);
	CHECK_STR_HAS(json_string_value(json_object_get(json_array_get(
		json_object_get(r, "result"), 0), "devargs")), "net_null0");
	json_decref(r);
	r = request("{\"command\": \"port-show\", \"name\": \"n0\"}", &ok);
	CHECK(ok);
	CHECK(json_is_integer(json_object_get(json_object_get(r, "result"),
					      "ethdev")));
	CHECK(json_object_get(json_object_get(r, "result"),
			      "frontend") == NULL);
	json_decref(r);
	r = request("{\"command\": \"no-such\"}", &ok);
	CHECK(!ok);
	CHECK_STR_HAS(error_of(r), "unknown command 'no-such'");
	CHECK_STR_HAS(error_of(r), "bridge-set");
	json_decref(r);
	r = request("{\"command\": \"port-show\", \"name\": 3}", &ok);
	CHECK(!ok);
	CHECK_STR_HAS(error_of(r), "argument 'name' must be a string");
	json_decref(r);
	/* a change goes through apply: refused by the config's own words */
	r = request("{\"command\": \"bridge-add\", \"bridge\": "
		    "{\"name\": \"br0\"}}", &ok);
	CHECK(!ok);
	json_decref(r);
	r = request("{\"command\": \"bridge-add\", \"bridge\": "
		    "{\"name\": \"br1\"}}", &ok);
	CHECK(ok);
	CHECK_EQ(d.conf->n_bridges, 2);
	json_decref(r);
	/* no --allow-devargs rule: no device probed at run time */
	r = request("{\"command\": \"port-add\", \"port\": {\"name\": \"x\", "
		    "\"type\": \"eth\", \"devargs\": \"net_null5\"}}", &ok);
	CHECK(!ok);
	CHECK_STR_HAS(error_of(r), "no --allow-devargs rule");
	CHECK_EQ(rte_eth_dev_count_avail(), 1);
	json_decref(r);
}

static struct rte_rcu_qsbr *
make_qsbr(void)
{
	struct rte_rcu_qsbr *q = rte_zmalloc("qsbr",
		rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);

	if (q != NULL && rte_rcu_qsbr_init(q, 1) != 0)
		return NULL;
	return q;
}

int
main(void)
{
	struct vunet_port_env env = { 0 };
	unsigned int lcore = 0;
	struct vunet_switch *sw;
	struct vunet_worker *ws;
	char err[VUNET_ERR_MAX];

	unit_eal_init("unit_daemon");
	if (mkdtemp(state_dir) == NULL) {
		printf("Bail out! no temporary folder\n");
		return 1;
	}
	snprintf(state_path, sizeof(state_path), "%s/state.json", state_dir);
	env.qsbr = make_qsbr();
	env.n_workers = 1;
	env.pools[0] = rte_pktmbuf_pool_create("unit_daemon", 2047, 0, 0,
					       RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	vunet_port_env_set(&env);
	sw = vunet_switch_new(ports, env.qsbr, err, sizeof(err));
	ws = sw ? vunet_workers_create(1, &lcore, sw, env.qsbr, err,
				       sizeof(err)) : NULL;
	if (env.qsbr == NULL || env.pools[0] == NULL || ws == NULL ||
	    vunet_daemon_init(&d, ports, sw, ws, 1, state_path) < 0) {
		printf("Bail out! cannot make a daemon\n");
		return 1;
	}
	RUN(test_plan_commit);
	RUN(test_plan_fails_undone);
	RUN(test_save_fails_undone);
	RUN(test_commit_keeps_and_retires);
	RUN(test_dispatch_every_command);
	RUN(test_dispatch_answers);
	vunet_daemon_close(&d);
	unlink(state_path);
	rmdir(state_dir);
	return TAP_DONE();
}
