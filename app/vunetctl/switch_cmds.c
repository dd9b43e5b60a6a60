/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * vunetctl commands that go to the running vunetd: the command line turned
 * into a request, and the result into a table (or JSON with --json). The
 * daemon checks every argument; this side only shapes them.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vunet_drops.h"
#include "vunet_offload_counts.h"
#include "vunetctl.h"

static const char *const int_keys[] = { "vlan", "native_vlan",
	"rx_queues", "tx_queues",
	"mtu", "rx_desc", "tx_desc", "fdb_size", "aging_sec", "mac_limit",
	"flood_pps", NULL };

static bool
is_int_key(const char *k)
{
	for (int i = 0; int_keys[i] != NULL; i++)
		if (strcmp(int_keys[i], k) == 0)
			return true;
	return false;
}

/* "123" as an integer; anything else stays a string for vunetd to refuse */
static json_t *
int_or_string(const char *v)
{
	char *end;
	long long n = strtoll(v, &end, 10);

	return (*v != '\0' && *end == '\0') ? json_integer(n) : json_string(v);
}

/* "a,b,c": strings; workers: numbers, "auto" or "-" for null (also
 * VLAN lists, whose ranges "A-B" stay strings)
 */
static json_t *
list_value(const char *v, bool workers)
{
	json_t *a = json_array();
	char *copy = strdup(v), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		if (!workers)
			json_array_append_new(a, json_string(t));
		else if (strcmp(t, "auto") == 0 || strcmp(t, "-") == 0)
			json_array_append_new(a, json_null());
		else
			json_array_append_new(a, int_or_string(t));
	}
	free(copy);
	return a;
}

/* NAME key=value ... -> {"name": NAME, key: value, ...}; "null": null */
static json_t *
object_from_args(int argc, char **argv)
{
	json_t *o = json_pack("{s:s}", "name", argv[0]);

	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		char key[64];

		if (eq == NULL || eq == argv[i] ||
		    (size_t)(eq - argv[i]) >= sizeof(key)) {
			fprintf(stderr, "vunetctl: '%s': want key=value\n",
				argv[i]);
			json_decref(o);
			return NULL;
		}
		snprintf(key, sizeof(key), "%.*s", (int)(eq - argv[i]),
			 argv[i]);
		if (strcmp(eq + 1, "null") == 0)
			json_object_set_new(o, key, json_null());
		else if (eq[1] == '{' || eq[1] == '[')
			json_object_set_new(o, key, json_loads(eq + 1, 0,
							       NULL) ?:
					    json_string(eq + 1));
		else if (is_int_key(key))
			json_object_set_new(o, key, int_or_string(eq + 1));
		else if (strcmp(key, "tx_offloads") == 0)
			json_object_set_new(o, key,
				strcmp(eq + 1, "true") == 0 ? json_true() :
				strcmp(eq + 1, "false") == 0 ? json_false() :
				json_string(eq + 1));
		else if (strcmp(key, "allowed_macs") == 0)
			json_object_set_new(o, key, list_value(eq + 1, false));
		else if (strcmp(key, "trunk") == 0)
			json_object_set_new(o, key, list_value(eq + 1, true));
		else if (strcmp(key, "rxq_workers") == 0)
			json_object_set_new(o, key, list_value(eq + 1, true));
		else
			json_object_set_new(o, key, json_string(eq + 1));
	}
	return o;
}

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "-";
}

static long long
num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* "  trunk 10,20,100-199 native 30" */
static void
print_trunk(json_t *p)
{
	json_t *t = json_object_get(p, "trunk"), *v;
	size_t i;

	if (t == NULL)
		return;
	printf("  trunk ");
	json_array_foreach(t, i, v) {
		if (json_is_integer(v))
			printf("%s%lld", i ? "," : "",
			       (long long)json_integer_value(v));
		else
			printf("%s%s", i ? "," : "", json_string_value(v));
	}
	if (json_object_get(p, "native_vlan") != NULL)
		printf(" native %lld", num(p, "native_vlan"));
}

static void
print_port_list(json_t *r)
{
	json_t *p;
	size_t i;

	printf("%-16s %-5s %-10s %-12s %4s %3s  %s\n", "PORT", "TYPE",
	       "STATE", "BRIDGE/XC", "VLAN", "RXQ", "DEVICE");
	json_array_foreach(r, i, p) {
		char dev[400], where[64], vlan[8] = "-";
		bool vhost = strcmp(str(p, "type"), "vhost") == 0;

		if (vhost)
			snprintf(dev, sizeof(dev), "%s %s %s", str(p, "mode"),
				 str(p, "path"), str(p, "profile"));
		else if (strcmp(str(p, "type"), "vtep") == 0)
			snprintf(dev, sizeof(dev), "VXLAN to %s over %s (%s)",
				 str(p, "remote"), str(p, "underlay"),
				 str(p, "origin"));
		else
			snprintf(dev, sizeof(dev), "%s", str(p, "devargs"));
		if (json_object_get(p, "xconnect") != NULL)
			snprintf(where, sizeof(where), "<->%s",
				 str(p, "xconnect"));
		else
			snprintf(where, sizeof(where), "%s", str(p, "bridge"));
		if (json_object_get(p, "vlan") != NULL)
			snprintf(vlan, sizeof(vlan), "%lld", num(p, "vlan"));
		else if (json_object_get(p, "trunk") != NULL)
			snprintf(vlan, sizeof(vlan), "trunk");
		printf("%-16s %-5s %-10s %-12s %4s %3lld  %s", str(p, "name"),
		       str(p, "type"), str(p, "state"), where, vlan,
		       num(p, "rx_queues"), dev);
		print_trunk(p);
		printf("\n");
	}
}

static void
print_counters(json_t *c, bool queues)
{
	json_t *drops = json_object_get(c, "drops"), *v, *q;
	const char *k;
	size_t i;

	printf("%-16s %14lld %16lld %14lld %16lld %10lld\n", str(c, "name"),
	       num(c, "rx_packets"), num(c, "rx_bytes"), num(c, "tx_packets"),
	       num(c, "tx_bytes"), num(c, "dropped"));
	if (!queues)
		return;
	json_array_foreach(json_object_get(c, "rxq"), i, q)
		printf("  rxq %-10zu %14lld %16lld\n", i, num(q, "packets"),
		       num(q, "bytes"));
	json_array_foreach(json_object_get(c, "txq"), i, q)
		printf("  txq %-10zu %31s %14lld %16lld\n", i, "",
		       num(q, "packets"), num(q, "bytes"));
	json_object_foreach(drops, k, v)
		if (json_integer_value(v) != 0)
			printf("  drop %-16s %lld\n", k,
			       (long long)json_integer_value(v));
#define OFFLOAD_ROW(field, name) \
	if (num(c, #name) != 0) \
		printf("  offload %-13s %lld\n", #name, num(c, #name));
	VUNET_PORT_OFFLOADS(OFFLOAD_ROW)
#undef OFFLOAD_ROW
}

static void
counters_header(void)
{
	printf("%-16s %14s %16s %14s %16s %10s\n", "PORT", "RX-PACKETS",
	       "RX-BYTES", "TX-PACKETS", "TX-BYTES", "DROPS");
}

/*
 * Every drop reason with its count over the ports in r (all, or the one
 * asked for) and what it means (lib/stats/vunet_drops.h, the daemon's
 * own list).
 */
static void
print_drops(json_t *r)
{
	printf("%-18s %14s  %s\n", "DROP", "PACKETS", "MEANING");
	for (int d = 0; d < VUNET_DROP_MAX; d++) {
		long long sum = 0;
		json_t *p;
		size_t i;

		json_array_foreach(json_object_get(r, "ports"), i, p)
			sum += num(json_object_get(p, "drops"),
				   vunet_drop_names[d]);
		printf("%-18s %14lld  %s\n", vunet_drop_names[d], sum,
		       vunet_drop_meanings[d]);
	}
}

static void
print_workers(json_t *workers)
{
	json_t *w;
	size_t i;

	printf("%-7s %5s %4s %7s %14s %11s\n", "WORKER", "LCORE", "RXQS",
	       "BUSY%", "PACKETS", "CYCLES/PKT");
	json_array_foreach(workers, i, w)
		printf("%-7lld %5lld %4lld %7.1f %14lld %11lld\n",
		       num(w, "worker"), num(w, "lcore"), num(w, "rx_queues"),
		       json_real_value(json_object_get(w, "busy_pct")),
		       num(w, "packets"), num(w, "cycles_per_packet"));
}

static void
print_port_show(json_t *r)
{
	const char *k;
	json_t *v;

	json_object_foreach(r, k, v) {
		if (strcmp(k, "counters") == 0)
			continue;
		if (json_is_string(v))
			printf("%-18s %s\n", k, json_string_value(v));
		else if (json_is_integer(v) && strstr(k, "features"))
			printf("%-18s 0x%llx\n", k,
			       (long long)json_integer_value(v));
		else if (json_is_integer(v))
			printf("%-18s %lld\n", k,
			       (long long)json_integer_value(v));
		else if (json_is_boolean(v))
			printf("%-18s %s\n", k, json_is_true(v) ? "yes" : "no");
		else {
			char *t = json_dumps(v, JSON_COMPACT);

			printf("%-18s %s\n", k, t ? t : "?");
			free(t);
		}
	}
	printf("\n");
	counters_header();
	print_counters(json_object_get(r, "counters"), true);
}

static void
print_bridges(json_t *r)
{
	json_t *b, *p;
	size_t i, j;

	printf("%-16s %7s %8s %6s %9s %7s %7s  %s\n", "BRIDGE", "MACS",
	       "FDB", "AGING", "LEARNED", "MOVED", "AGED", "PORTS");
	json_array_foreach(r, i, b) {
		printf("%-16s %7lld %8lld %6lld %9lld %7lld %7lld  ",
		       str(b, "name"), num(b, "macs"), num(b, "fdb_size"),
		       num(b, "aging_sec"), num(b, "learned"), num(b, "moved"),
		       num(b, "aged"));
		json_array_foreach(json_object_get(b, "ports"), j, p)
			printf("%s%s", j ? "," : "", json_string_value(p));
		printf("\n");
	}
}

static void
print_macs(json_t *r)
{
	json_t *m;
	size_t i;

	printf("%-16s %4s %-17s %-16s %6s  %s\n", "BRIDGE", "VLAN", "MAC",
	       "PORT", "AGE", "ORIGIN");
	json_array_foreach(r, i, m)
		printf("%-16s %4lld %-17s %-16s %6lld  %s\n", str(m, "bridge"),
		       num(m, "vlan"), str(m, "mac"), str(m, "port"),
		       num(m, "age_sec"), str(m, "origin"));
}

static void
print_xconnects(json_t *r)
{
	json_t *x;
	size_t i;

	json_array_foreach(r, i, x)
		printf("%-16s <-> %s\n", str(x, "a"), str(x, "b"));
}

static void
print_rxqs(json_t *r)
{
	json_t *w, *q;
	size_t i, j;

	json_array_foreach(r, i, w) {
		printf("worker %lld (lcore %lld):\n", num(w, "worker"),
		       num(w, "lcore"));
		json_array_foreach(json_object_get(w, "queues"), j, q)
			printf("  port %-16s queue %-3lld %-7s rx packets "
			       "%lld\n", str(q, "port"), num(q, "queue"),
			       json_is_true(json_object_get(q, "pinned")) ?
			       "pinned" : "", num(q, "rx_packets"));
	}
}

/* testpmd's "Throughput (since last show)", for every port */
static int
watch(struct ctl_conn *c, json_t *req, double interval, long count)
{
	json_t *prev = NULL;
	int code = 0;

	for (long n = 0; count <= 0 || n <= count; n++) {
		json_t *cur = ctl_call(c, req, &code), *p;
		size_t i;

		if (cur == NULL)
			break;
		if (prev != NULL) {
			double dt = json_real_value(json_object_get(cur,
				"time")) - json_real_value(json_object_get(
				prev, "time"));

			printf("%-16s %12s %12s %12s %12s %10s\n", "PORT",
			       "RX-PPS", "RX-MBPS", "TX-PPS", "TX-MBPS",
			       "DROP/S");
			json_array_foreach(json_object_get(cur, "ports"), i,
					   p) {
				json_t *o = json_array_get(json_object_get(
					prev, "ports"), i);
#define RATE(k) (dt > 0 && o ? (double)(num(p, k) - num(o, k)) / dt : 0.0)
				printf("%-16s %12.0f %12.2f %12.0f %12.2f "
				       "%10.0f\n", str(p, "name"),
				       RATE("rx_packets"),
				       RATE("rx_bytes") * 8 / 1e6,
				       RATE("tx_packets"),
				       RATE("tx_bytes") * 8 / 1e6,
				       RATE("dropped"));
#undef RATE
			}
			printf("\n");
			fflush(stdout);
		}
		json_decref(prev);
		prev = cur;
		if (count > 0 && n == count)
			break;
		usleep((useconds_t)(interval * 1e6));
	}
	json_decref(prev);
	return code;
}

static int
stats_cmd(struct ctl_conn *c, const struct ctl_opts *o, int argc,
	  char **argv)
{
	json_t *req = json_pack("{s:s}", "command", "stats"), *r;
	bool watching = false, drops = false, one;
	double interval = 1.0;
	long count = 0;
	int code;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--watch") == 0)
			watching = true;
		else if (strcmp(argv[i], "--drops") == 0)
			drops = true;
		else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc)
			interval = atof(argv[++i]);
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = atol(argv[++i]);
		else if (argv[i][0] != '-')
			json_object_set_new(req, "port", json_string(argv[i]));
		else
			return usage_error();
	}
	if (interval <= 0)
		interval = 1.0;
	if (watching) {
		code = watch(c, req, interval, count);
		json_decref(req);
		return code;
	}
	one = json_object_get(req, "port") != NULL;
	r = ctl_call(c, req, &code);
	json_decref(req);
	if (r == NULL)
		return code;
	if (o->json) {
		json_dumpf(r, stdout, JSON_INDENT(2));
		printf("\n");
	} else if (drops) {
		print_drops(r);
	} else {
		json_t *p;
		size_t i;

		counters_header();
		json_array_foreach(json_object_get(r, "ports"), i, p)
			print_counters(p, one);
		printf("\n");
		print_workers(json_object_get(r, "workers"));
	}
	json_decref(r);
	return 0;
}

/*
 * The command line of each request: WHAT VERB ARGS..., the request's
 * name, the argument names positional ARGS fill (or a builder for those
 * that take more shaping), how to print the result (NULL: as JSON, or
 * nothing for {}), and its line in the usage (args, then what it does).
 */
struct cli_cmd {
	const char *what;
	const char *verb;           /* "list" also when none is given */
	int min_args, max_args;     /* after the verb */
	const char *command;
	const char *names[3];
	json_t *(*build)(const struct cli_cmd *c, int n, char **a);
	void (*print)(json_t *r);
	const char *synopsis;       /* lines after the first: indented */
	const char *help;
};

#define MANY 64
#define DIM(a) (sizeof(a) / sizeof((a)[0]))

/* {"command": ..., names[i]: a[i]} */
static json_t *
build_named(const struct cli_cmd *c, int n, char **a)
{
	json_t *req = json_pack("{s:s}", "command", c->command);

	for (int i = 0; i < n && i < (int)DIM(c->names); i++)
		json_object_set_new(req, c->names[i], json_string(a[i]));
	return req;
}

/* NAME key=value ... as the object names[0] */
static json_t *
build_object(const struct cli_cmd *c, int n, char **a)
{
	json_t *obj = object_from_args(n, a);

	return obj ? json_pack("{s:s, s:o}", "command", c->command,
			       c->names[0], obj) : NULL;
}

/* NAME key=value ...: "null" takes a setting back to its default */
static json_t *
build_set(const struct cli_cmd *c, int n, char **a)
{
	json_t *obj = object_from_args(n, a);

	if (obj == NULL)
		return NULL;
	json_object_del(obj, "name");
	return json_pack("{s:s, s:s, s:o}", "command", c->command, "name",
			 a[0], "set", obj);
}

/* JSON: sent as given, for scripts and to try what vunetd refuses */
static json_t *
build_request(const struct cli_cmd *c __attribute__((unused)), int n,
	      char **a)
{
	json_error_t jerr;
	json_t *req = n == 1 ? json_loads(a[0], JSON_DECODE_ANY, &jerr) : NULL;

	if (req == NULL && n == 1)
		fprintf(stderr, "vunetctl: not JSON: %s\n", jerr.text);
	return req;
}

/* PORT QUEUE WORKER|auto */
static json_t *
build_rxq_pin(const struct cli_cmd *c, int n, char **a)
{
	char *end;
	long q;

	(void)n; /* 3: the table says so */
	q = strtol(a[1], &end, 10);

	if (*end != '\0')
		return NULL;
	return json_pack("{s:s, s:s, s:i, s:o}", "command", c->command,
			 "port", a[0], "queue", (int)q, "worker",
			 strcmp(a[2], "auto") == 0 ? json_null() :
			 int_or_string(a[2]));
}

#define PORT_ADD "NAME type=vhost path=SOCKET [mode=client|server] " \
	"[profile=P]\n" \
	"[bridge=B [vlan=N | trunk=V,A-B,... [native_vlan=N]]]\n" \
	"[allowed_macs=MAC,...] [rxq_workers=W,...]\n" \
	"[mac_limit=N] [flood_pps=N] [socket_group=G] [socket_mode=0660]\n" \
	"| NAME type=eth devargs=DEVARGS [rx_queues=N] [tx_queues=N]\n" \
	"[mtu=N] [rx_desc=N] [tx_desc=N] [tx_offloads=false]\n" \
	"[bridge=B [vlan=N | trunk=...]] ..."

static const struct cli_cmd cli_cmds[] = {
	{ "port", "list", 0, 0, "port-list", { NULL }, build_named,
	  print_port_list, "", "ports, their state and device" },
	{ "port", "show", 1, 1, "port-show", { "name" }, build_named,
	  print_port_show, "NAME", "one port: negotiated features, counters" },
	{ "port", "add", 1, MANY, "port-add", { "port" }, build_object, NULL,
	  PORT_ADD, NULL },
	{ "port", "del", 1, 1, "port-del", { "name" }, build_named, NULL,
	  "NAME", "its guest is disconnected, its MACs forgotten" },
	{ "port", "set", 2, MANY, "port-set", { NULL }, build_set, NULL,
	  "NAME KEY=VALUE...", "bridge, vlan, trunk, native_vlan,\n"
	  "allowed_macs, mac_limit, flood_pps of a running port\n"
	  "(VALUE null: default)" },
	{ "bridge", "list", 0, 0, "bridge-list", { NULL }, build_named,
	  print_bridges, "", "bridges, their MACs and learning counters" },
	{ "bridge", "add", 1, MANY, "bridge-add", { "bridge" }, build_object,
	  NULL, "NAME [fdb_size=N] [aging_sec=N]", NULL },
	{ "bridge", "del", 1, 1, "bridge-del", { "name" }, build_named, NULL,
	  "NAME", NULL },
	{ "bridge", "set", 2, MANY, "bridge-set", { NULL }, build_set, NULL,
	  "NAME vxlan='{\"underlay\": P, \"local_ip\": IP,\n"
	  "\"vnis\": [...], \"remotes\": [IP, ...]}'  (JSON; null: none)",
	  NULL },
	{ "xconnect", "list", 0, 0, "xconnect-list", { NULL }, build_named,
	  print_xconnects, "", NULL },
	{ "xconnect", "add", 2, 2, "xconnect-add", { "a", "b" }, build_named,
	  NULL, "PORT PORT", NULL },
	{ "xconnect", "del", 1, 1, "xconnect-del", { "port" }, build_named,
	  NULL, "PORT", NULL },
	{ "mac", "show", 0, 1, "mac-show", { "bridge" }, build_named,
	  print_macs, "[BRIDGE]", NULL },
	{ "mac", "flush", 1, 2, "mac-flush", { "bridge", "port" },
	  build_named, NULL, "BRIDGE [PORT]", NULL },
	{ "stats", NULL, 0, 0, "stats", { NULL }, NULL, NULL,
	  "[PORT] [--drops | --watch [--interval SEC] [--count N]]",
	  "counters per port (and queue), per worker busy %\n"
	  "and cycles per packet; --watch: rates; --drops:\n"
	  "every drop reason, its count and what it means" },
	{ "rxq", "show", 0, 0, "rxq-show", { NULL }, build_named, print_rxqs,
	  "", "which worker polls which queue" },
	{ "rxq", "pin", 3, 3, "rxq-pin", { NULL }, build_rxq_pin, NULL,
	  "PORT QUEUE WORKER|auto", "move a queue to a worker (auto:\n"
	  "let vunetd deal it)" },
	{ "log", "set", 2, 2, "log-set", { "type", "level" }, build_named,
	  NULL, "TYPE LEVEL", "e.g. log set vunet.vhost debug (types:\n"
	  "vunet.main, daemon, ctl, worker, switch, port,\n"
	  "vhost, relay)" },
	{ "config", "show", 0, 0, "config-show", { NULL }, build_named, NULL,
	  "", "the configuration in force (the state file's)" },
	{ "capabilities", NULL, 0, 0, "version", { NULL }, build_named, NULL,
	  "", "vunetd's version and profiles" },
	{ "request", NULL, 1, 1, NULL, { NULL }, build_request, NULL, "JSON",
	  "send one request as is" },
};

#define HELP_COLUMN 22

/* Lines after the first of text, each indented to column col. */
static void
print_indented(FILE *f, const char *text, int col)
{
	for (const char *nl = strchr(text, '\n'); nl != NULL;
	     nl = strchr(text, '\n')) {
		fprintf(f, "%.*s\n%*s", (int)(nl - text), text, col, "");
		text = nl + 1;
	}
	fprintf(f, "%s", text);
}

void
switch_usage(FILE *f)
{
	for (size_t i = 0; i < DIM(cli_cmds); i++) {
		const struct cli_cmd *c = &cli_cmds[i];
		int len;

		len = fprintf(f, "  %s%s%s%s", c->what, c->verb ? " " : "",
			      c->verb ? c->verb : "",
			      c->synopsis[0] ? " " : "");
		print_indented(f, c->synopsis, 11);
		if (c->help == NULL) {
			fprintf(f, "\n");
			continue;
		}
		len += (int)strlen(c->synopsis);
		if (strchr(c->synopsis, '\n') != NULL || len >= HELP_COLUMN)
			fprintf(f, "\n%*s", HELP_COLUMN, "");
		else
			fprintf(f, "%*s", HELP_COLUMN - len, "");
		print_indented(f, c->help, HELP_COLUMN);
		fprintf(f, "\n");
	}
}

/* argv -> request; NULL after a usage message */
static json_t *
build(int argc, char **argv, void (**print)(json_t *))
{
	for (size_t i = 0; i < DIM(cli_cmds); i++) {
		const struct cli_cmd *c = &cli_cmds[i];
		/* a command without verbs takes its arguments right after */
		int skip = c->verb == NULL ? 1 : 2;
		const char *verb = argc > 1 ? argv[1] : "list";
		int n = argc > skip ? argc - skip : 0;

		if (strcmp(argv[0], c->what) != 0 || c->build == NULL ||
		    (c->verb != NULL && strcmp(verb, c->verb) != 0) ||
		    n < c->min_args || n > c->max_args)
			continue;
		*print = c->print;
		return c->build(c, n, argv + skip);
	}
	return NULL;
}

int
switch_main(const struct ctl_opts *o, int argc, char **argv)
{
	void (*print)(json_t *) = NULL;
	struct ctl_conn *c;
	json_t *req, *r;
	int code;

	if (strcmp(argv[0], "stats") == 0) {
		c = ctl_connect(o->socket);
		if (c == NULL)
			return EXIT_UNREACHABLE;
		code = stats_cmd(c, o, argc - 1, argv + 1);
		ctl_close(c);
		return code;
	}
	req = build(argc, argv, &print);
	if (req == NULL)
		return usage_error();
	c = ctl_connect(o->socket);
	if (c == NULL) {
		json_decref(req);
		return EXIT_UNREACHABLE;
	}
	r = ctl_call(c, req, &code);
	json_decref(req);
	ctl_close(c);
	if (r == NULL)
		return code;
	if (strcmp(argv[0], "capabilities") == 0) {
		json_dumpf(json_object_get(r, "capabilities"), stdout,
			   JSON_INDENT(2));
		printf("\n");
	} else if (print != NULL && !o->json) {
		print(r);
	} else if (o->json || !json_is_object(r) || json_object_size(r) != 0) {
		json_dumpf(r, stdout, JSON_INDENT(2));
		printf("\n");
	}
	json_decref(r);
	return 0;
}
