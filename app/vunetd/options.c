/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * vunetd's command line: its own options, the configuration they imply
 * (--socket-path, --fd), CPU defaults, and the EAL arguments built from
 * them. Nothing here touches DPDK state.
 */

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "options.h"
#include "vunet_devargs.h"
#include "vunet_profile.h"

#define NO_HUGE_MEMORY_MB 512
#define MAX_EAL_ARGS_OWN 13 /* the most options_eal_args() adds itself */

static char fd_dir[64];   /* --fd: the private socket's directory */

static void
remove_fd_dir(void)
{
	/* the socket in it was unlinked when its port closed */
	if (fd_dir[0] != '\0')
		rmdir(fd_dir);
}

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: vunetd [OPTIONS] [-- EAL-ARGS...]\n"
"A vswitch between vhost-user VMs and DPDK NICs.\n\n"
"  -c, --config FILE      configuration (default " DEFAULT_CONFIG ")\n"
"  -w, --workers CPUS     CPUs of the forwarding workers, e.g. 2 or 2,3\n"
"                         (default: the last CPU)\n"
"      --main-cpu CPU     CPU of the control thread (default: the first\n"
"                         CPU that is not a worker's)\n"
"  -m, --memory MB        DPDK memory to reserve (default: on demand;\n"
"                         %u with --no-huge)\n"
"      --no-huge          run without hugepages\n"
"      --file-prefix NAME DPDK runtime directory name, for several\n"
"                         instances on one host (default vunet)\n"
"      --control PATH     control socket for vunetctl (default\n"
"                         " VUNET_RUN_DIR "/PREFIX.sock; none: no socket)\n"
"      --control-group G  let group G use it too (mode 0660, not 0600)\n"
"      --state FILE       where every change is saved, and what a restart\n"
"                         restores: once it exists, it replaces the\n"
"                         configuration (default " STATE_DIR "/PREFIX.json;\n"
"                         none: changes are not saved)\n"
"      --reset-state      start from the configuration, not the state\n"
"      --socket-dir DIR   every vhost port's socket is a file in DIR,\n"
"                         created if missing (default " VUNET_RUN_DIR ")\n"
"      --socket-group G   server sockets that name no socket_group get\n"
"                         group G, mode 0660 (default: 0600, vunetd's)\n"
"      --allow-devargs RULE  eth devargs a control client may have\n"
"                         probed at run time: DRIVER,KEY=PATTERN|...,\n"
"                         every key named (e.g. 'net_af_xdp,iface=eth1');\n"
"                         repeat it; default: none\n"
"      --check-config     validate the configuration and exit\n"
"      --print-capabilities  print this vunetd's interface profiles as\n"
"                         JSON (vhost-user back-end conventions) and exit\n"
"      --socket-path PATH without a configuration: one vhost-user port\n"
"                         listening on PATH, in bridge br0\n"
"      --fd N             the same, on an already connected socket\n"
"      --profile NAME     the interface profile of that port (default:\n"
"                         the latest)\n"
"  -h, --help             this text\n"
"  -v, --version          the version\n\n"
"Arguments after -- are passed to DPDK's EAL unchanged.\n",
		NO_HUGE_MEMORY_MB);
}

static int
parse_cpu_list(const char *s, struct options *o)
{
	char *end;

	o->n_workers = 0;
	while (*s) {
		unsigned long a = strtoul(s, &end, 10), b = a;

		if (end == s)
			return -1;
		if (*end == '-') {
			s = end + 1;
			b = strtoul(s, &end, 10);
			if (end == s || b < a)
				return -1;
		}
		for (unsigned long c = a; c <= b; c++) {
			if (o->n_workers == VUNET_MAX_WORKERS ||
			    c >= RTE_MAX_LCORE)
				return -1;
			o->worker_cpus[o->n_workers++] = (unsigned int)c;
		}
		if (*end == ',')
			end++;
		else if (*end != '\0')
			return -1;
		s = end;
	}
	return o->n_workers == 0 ? -1 : 0;
}

static bool
is_stream_socket(int fd)
{
	int type = 0;
	socklen_t len = sizeof(type);
	struct sockaddr_storage sa;
	socklen_t salen = sizeof(sa);

	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
	       type == SOCK_STREAM &&
	       getsockname(fd, (struct sockaddr *)&sa, &salen) == 0 &&
	       sa.ss_family == AF_UNIX;
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return (errno || end == s || *end || *out > max) ? -1 : 0;
}

enum { OPT_MAIN_CPU = 256, OPT_NO_HUGE, OPT_CHECK, OPT_PREFIX,
       OPT_CAPS, OPT_SOCKET_PATH, OPT_PROFILE, OPT_FD, OPT_CONTROL,
       OPT_CONTROL_GROUP, OPT_SOCKET_GROUP, OPT_STATE, OPT_RESET_STATE,
       OPT_SOCKET_DIR, OPT_ALLOW_DEVARGS };

/* An option whose value is checked. 0, or -1 after saying why. */
static int
parse_checked_option(int c, struct options *o)
{
	unsigned long v;
	char why[256];

	switch (c) {
	case 'w':
		if (parse_cpu_list(optarg, o) < 0) {
			fprintf(stderr, "vunetd: --workers '%s': want "
				"CPU numbers like 2 or 2,3 or 2-5 (at "
				"most %d)\n", optarg,
				VUNET_MAX_WORKERS);
			return -1;
		}
		return 0;
	case OPT_MAIN_CPU:
		if (parse_uint(optarg, RTE_MAX_LCORE - 1, &v) < 0) {
			fprintf(stderr, "vunetd: --main-cpu '%s' is "
				"not a CPU number\n", optarg);
			return -1;
		}
		o->main_cpu = (int)v;
		return 0;
	case 'm':
		if (parse_uint(optarg, 1u << 20, &v) < 0 || v == 0) {
			fprintf(stderr, "vunetd: --memory '%s' is not a "
				"size in MB\n", optarg);
			return -1;
		}
		o->memory_mb = (unsigned int)v;
		return 0;
	case OPT_FD:
		if (parse_uint(optarg, INT32_MAX, &v) < 0 ||
		    !is_stream_socket((int)v)) {
			fprintf(stderr, "vunetd: --fd %s is not a "
				"connected unix stream socket\n",
				optarg);
			return -1;
		}
		o->fd = (int)v;
		return 0;
	case OPT_SOCKET_DIR:
		if (optarg[0] != '/' || strlen(optarg) + 2 >=
		    VUNET_SOCK_PATH_MAX) {
			fprintf(stderr, "vunetd: --socket-dir '%s': "
				"want an absolute path shorter than "
				"%d bytes\n", optarg,
				VUNET_SOCK_PATH_MAX - 2);
			return -1;
		}
		o->socket_dir = optarg;
		return 0;
	case OPT_ALLOW_DEVARGS:
		if (o->n_allow_devargs == MAX_ALLOW_DEVARGS) {
			fprintf(stderr, "vunetd: at most %d "
				"--allow-devargs\n", MAX_ALLOW_DEVARGS);
			return -1;
		}
		if (!vunet_devargs_rule_ok(optarg, why, sizeof(why))) {
			fprintf(stderr, "vunetd: --allow-devargs '%s': %s\n",
				optarg, why);
			return -1;
		}
		o->allow_devargs[o->n_allow_devargs++] = optarg;
		return 0;
	default:
		usage(stderr);
		return -1;
	}
}

/* One option; c is getopt_long's answer. 0, or -1 after saying why. */
static int
parse_option(int c, struct options *o, bool *control_set, bool *state_set)
{
	switch (c) {
	case 'c':
		o->config = optarg;
		return 0;
	case OPT_NO_HUGE:
		o->no_huge = true;
		return 0;
	case OPT_PREFIX:
		o->file_prefix = optarg;
		return 0;
	case OPT_CHECK:
		o->check_only = true;
		return 0;
	case OPT_CAPS:
		return 0; /* handled before anything else */
	case OPT_SOCKET_PATH:
		o->socket_path = optarg;
		return 0;
	case OPT_PROFILE:
		o->profile = optarg;
		return 0;
	case OPT_CONTROL:
		o->control = strcmp(optarg, "none") ? optarg : NULL;
		*control_set = true;
		return 0;
	case OPT_CONTROL_GROUP:
		o->control_group = optarg;
		return 0;
	case OPT_SOCKET_GROUP:
		o->socket_group = optarg;
		return 0;
	case OPT_STATE:
		o->state = strcmp(optarg, "none") ? optarg : NULL;
		*state_set = true;
		return 0;
	case OPT_RESET_STATE:
		o->reset_state = true;
		return 0;
	case 'h':
		usage(stdout);
		exit(0);
	case 'v':
		printf("vunetd %s\n", VUNET_VERSION);
		exit(0);
	default:
		return parse_checked_option(c, o);
	}
}

/* What follows from the options together: exclusions and defaults. */
static int
finish_options(struct options *o, bool control_set, bool state_set)
{
	if ((o->socket_path != NULL) + (o->config != NULL) +
	    (o->fd >= 0) > 1) {
		fprintf(stderr, "vunetd: --config, --socket-path and --fd "
			"exclude each other\n");
		return -1;
	}
	if (o->profile != NULL && o->socket_path == NULL && o->fd < 0) {
		fprintf(stderr, "vunetd: --profile goes with --socket-path or "
			"--fd; in a configuration, a port names its "
			"\"profile\"\n");
		return -1;
	}
	if (o->fd >= 0) {
		/* rte_vhost listens here; the relay joins it to the fd */
		snprintf(fd_dir, sizeof(fd_dir), "/tmp/vunetd-fd-XXXXXX");
		if (mkdtemp(fd_dir) == NULL) {
			fprintf(stderr, "vunetd: mkdtemp: %s\n",
				strerror(errno));
			fd_dir[0] = '\0';
			return -1;
		}
		atexit(remove_fd_dir);
		snprintf(o->fd_sock, sizeof(o->fd_sock), "%s/vm0.sock",
			 fd_dir);
		o->socket_path = o->fd_sock;
	}
	if (o->config == NULL && o->socket_path == NULL)
		o->config = DEFAULT_CONFIG;
	/* one port on PATH: its folder is the socket directory */
	if (o->socket_dir == NULL && o->socket_path != NULL) {
		char *slash;

		snprintf(o->socket_dir_buf, sizeof(o->socket_dir_buf), "%s",
			 o->socket_path);
		slash = strrchr(o->socket_dir_buf, '/');
		if (slash == NULL || slash == o->socket_dir_buf) {
			fprintf(stderr, "vunetd: --socket-path %s: want an "
				"absolute path in a folder\n", o->socket_path);
			return -1;
		}
		*slash = '\0';
		o->socket_dir = o->socket_dir_buf;
	}
	if (o->socket_dir == NULL)
		o->socket_dir = VUNET_RUN_DIR;
	/* one port for one front-end (QEMU's convention): nothing to keep */
	if (!control_set && o->socket_path == NULL) {
		snprintf(o->control_buf, sizeof(o->control_buf), VUNET_RUN_DIR
			 "/%s.sock", o->file_prefix);
		o->control = o->control_buf;
	}
	if (!state_set && o->socket_path == NULL) {
		snprintf(o->state_buf, sizeof(o->state_buf), STATE_DIR
			 "/%s.json", o->file_prefix);
		o->state = o->state_buf;
	}
	return 0;
}

/* Returns the index of the first EAL argument in argv. */
int
options_parse(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "workers", required_argument, NULL, 'w' },
		{ "main-cpu", required_argument, NULL, OPT_MAIN_CPU },
		{ "memory", required_argument, NULL, 'm' },
		{ "no-huge", no_argument, NULL, OPT_NO_HUGE },
		{ "file-prefix", required_argument, NULL, OPT_PREFIX },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "print-capabilities", no_argument, NULL, OPT_CAPS },
		{ "socket-path", required_argument, NULL, OPT_SOCKET_PATH },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "fd", required_argument, NULL, OPT_FD },
		{ "control", required_argument, NULL, OPT_CONTROL },
		{ "control-group", required_argument, NULL, OPT_CONTROL_GROUP },
		{ "socket-group", required_argument, NULL, OPT_SOCKET_GROUP },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "reset-state", no_argument, NULL, OPT_RESET_STATE },
		{ "socket-dir", required_argument, NULL, OPT_SOCKET_DIR },
		{ "allow-devargs", required_argument, NULL,
		  OPT_ALLOW_DEVARGS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	bool control_set = false, state_set = false;
	int c;

	o->config = NULL;
	o->fd = -1;
	o->main_cpu = -1;
	o->file_prefix = VUNET_DEFAULT_PREFIX;
	while ((c = getopt_long(argc, argv, "c:w:m:hv", longopts,
				NULL)) != -1)
		if (parse_option(c, o, &control_set, &state_set) < 0)
			return -1;
	if (finish_options(o, control_set, state_set) < 0)
		return -1;
	return optind;
}

/* QEMU's convention: print the capabilities, ignore everything else. */
bool
options_wants_capabilities(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--print-capabilities") == 0)
			return true;
	return false;
}

int
options_print_capabilities(void)
{
	char err[VUNET_PROFILE_ERR_MAX];
	json_t *caps;

	if (vunet_profiles_init(err, sizeof(err)) < 0) {
		fprintf(stderr, "vunetd: %s\n", err);
		return 1;
	}
	caps = vunet_capabilities(VUNET_VERSION);
	if (json_dumpf(caps, stdout, JSON_INDENT(2)) < 0) {
		json_decref(caps);
		return 1;
	}
	json_decref(caps);
	printf("\n");
	return 0;
}

/* --socket-path: the configuration is one server-mode port in br0. */
json_t *
options_port_doc(const struct options *o)
{
	json_t *port = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", "vm0",
				 "type", "vhost", "path", o->socket_path,
				 "mode", "server", "bridge", "br0");

	if (o->profile != NULL)
		json_object_set_new(port, "profile", json_string(o->profile));
	return json_pack("{s:[{s:s}], s:[o]}", "bridges", "name", "br0",
			 "ports", port);
}

/* Pick CPUs the user left open, from those we may run on. */
int
options_default_cpus(struct options *o)
{
	cpu_set_t set;
	int first = -1, last = -1;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return -1;
	for (int c = 0; c < CPU_SETSIZE && c < RTE_MAX_LCORE; c++)
		if (CPU_ISSET(c, &set)) {
			if (first < 0)
				first = c;
			last = c;
		}
	if (first < 0)
		return -1;
	if (o->n_workers == 0) {
		o->worker_cpus[0] = (unsigned int)last;
		o->n_workers = 1;
	}
	if (o->main_cpu < 0) {
		o->main_cpu = o->worker_cpus[0] == (unsigned int)first ?
			      last : first;
		for (int c = first; c <= last; c++) {
			bool used = false;

			for (unsigned int w = 0; w < o->n_workers; w++)
				used |= o->worker_cpus[w] == (unsigned int)c;
			if (!used && CPU_ISSET(c, &set)) {
				o->main_cpu = c;
				break;
			}
		}
	}
	return 0;
}

/* A PCI address, "0000:01:00.0" or "01:00.0", starts the devargs. */
static bool
is_pci_devargs(const char *devargs)
{
	unsigned int dom, bus, dev, fn;
	char c;

	return sscanf(devargs, "%x:%x:%x.%u%c", &dom, &bus, &dev, &fn,
		      &c) >= 4 ||
	       sscanf(devargs, "%x:%x.%u%c", &bus, &dev, &fn, &c) >= 3;
}

/*
 * EAL lcore ids are not CPU numbers: lcore 0 is the control thread on
 * main_cpu and lcores 1..n the workers, so the control thread may share a
 * CPU with a worker on small hosts. Only the PCI devices the configuration
 * names are probed: a host's own NICs are left to the kernel.
 */
int
options_eal_args(const struct options *o, const struct vunet_config *conf,
	       char *prog, int n_extra, char **extra, char **eal_argv,
	       char *lcores, size_t len)
{
	static char mem[16];
	int n = 0, n_pci = 0;
	size_t off;

	off = (size_t)snprintf(lcores, len, "0@%d", o->main_cpu);
	for (unsigned int w = 0; w < o->n_workers && off < len; w++)
		off += (size_t)snprintf(lcores + off, len - off, ",%u@%u",
					w + 1, o->worker_cpus[w]);
	for (uint16_t p = 0; p < conf->n_ports; p++)
		if (conf->ports[p].type == VUNET_PORT_ETH &&
		    is_pci_devargs(conf->ports[p].devargs))
			n_pci++;
	if (n_extra + 2 * n_pci + MAX_EAL_ARGS_OWN > MAX_EAL_ARGS)
		return -1;
	eal_argv[n++] = prog;
	eal_argv[n++] = (char *)(uintptr_t)"--lcores";
	eal_argv[n++] = lcores;
	eal_argv[n++] = (char *)(uintptr_t)"--main-lcore";
	eal_argv[n++] = (char *)(uintptr_t)"0";
	eal_argv[n++] = (char *)(uintptr_t)"--file-prefix";
	eal_argv[n++] = (char *)(uintptr_t)o->file_prefix;
	if (o->no_huge)
		eal_argv[n++] = (char *)(uintptr_t)"--no-huge";
	if (o->memory_mb != 0 || o->no_huge) {
		snprintf(mem, sizeof(mem), "%u", o->memory_mb != 0 ?
			 o->memory_mb : NO_HUGE_MEMORY_MB);
		eal_argv[n++] = (char *)(uintptr_t)"-m";
		eal_argv[n++] = mem;
	}
	for (uint16_t p = 0; p < conf->n_ports; p++)
		if (conf->ports[p].type == VUNET_PORT_ETH &&
		    is_pci_devargs(conf->ports[p].devargs)) {
			eal_argv[n++] = (char *)(uintptr_t)"-a";
			eal_argv[n++] = (char *)(uintptr_t)
					conf->ports[p].devargs;
		}
	if (n_pci == 0)
		eal_argv[n++] = (char *)(uintptr_t)"--no-pci";
	for (int i = 0; i < n_extra; i++)
		eal_argv[n++] = extra[i];
	eal_argv[n] = NULL;
	return n;
}
