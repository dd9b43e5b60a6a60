/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * vunetctl: the operator's CLI. No DPDK inside: profile commands work from
 * the profiles built in, the rest talk to vunetd's control socket.
 */

#include <stdlib.h>
#include <string.h>

#include "vunetctl.h"

void
usage_print(FILE *f)
{
	fprintf(f,
"Usage: vunetctl [-s SOCKET] [--json] COMMAND ...\n\n"
"  -s, --socket PATH   vunetd's control socket (default " VUNET_DEFAULT_CONTROL ",\n"
"                      or $VUNET_CONTROL)\n"
"      --json          print what vunetd answered, as JSON\n\n"
"The running switch:\n");
	switch_usage(f);
	fprintf(f, "\n"
"Interface profiles of this vunet (no daemon needed):\n"
"  profile list | show NAME [--json]\n"
"  profile check SRC.json DST.json NAME\n"
"                      can a VM on profile NAME move from the host whose\n"
"                      vunetd --print-capabilities is SRC.json to the one\n"
"                      of DST.json? exit 0 yes, 1 no, 2 bad input\n"
"  profile libvirt|qemu NAME|latest --socket PATH [--mac MAC] [--queues N]\n"
"           [--mtu M] [--port-mode client|server] [--memory SIZE]\n"
"           [--port NAME [--bridge B] [--vlan N]]\n"
"                      the libvirt <interface>, <qemu:override> and (with\n"
"                      --port) <metadata> for vunet's hook / the QEMU\n"
"                      options, for a port of vunetd in that mode\n"
"                      (default client: QEMU owns the socket)\n"
"  version             vunetctl's version\n\n"
"Exit status: 0 done, 1 refused (the reason is on stderr), 2 usage,\n"
"3 vunetd unreachable.\n");
}

int
usage_error(void)
{
	usage_print(stderr);
	return EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	struct ctl_opts o = { .socket = getenv("VUNET_CONTROL") };
	int i = 1;

	if (o.socket == NULL)
		o.socket = VUNET_DEFAULT_CONTROL;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "-s") == 0 ||
		     strcmp(argv[i], "--socket") == 0) && i + 1 < argc) {
			o.socket = argv[++i];
		} else if (strcmp(argv[i], "--json") == 0) {
			o.json = true;
		} else if (strcmp(argv[i], "-h") == 0 ||
			   strcmp(argv[i], "--help") == 0) {
			usage_print(stdout);
			return 0;
		} else {
			return usage_error();
		}
	}
	if (i >= argc)
		return usage_error();
	if (strcmp(argv[i], "version") == 0) {
		printf("vunetctl %s\n", VUNET_VERSION);
		return 0;
	}
	if (strcmp(argv[i], "profile") == 0)
		return profile_main(argc - i - 1, argv + i + 1);
	return switch_main(&o, argc - i, argv + i);
}
