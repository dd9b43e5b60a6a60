/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * vunetctl profile ...: interface profiles as this vunet build has them,
 * with no daemon involved (management asks before a VM exists).
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vunet_profile.h"

#include "vunetctl.h"

#define OUT_MAX 16384

static const struct vunet_profile *
find(const char *name)
{
	const struct vunet_profile *p = vunet_profile_find(name);

	if (p == NULL)
		fprintf(stderr, "vunetctl: no profile '%s' (see: vunetctl "
			"profile list)\n", name);
	return p;
}

static int
cmd_list(void)
{
	printf("%-20s %6s %6s %6s  %s\n", "profile", "queues", "ring",
	       "mtu", "");
	for (unsigned int i = 0; i < vunet_profile_count(); i++) {
		const struct vunet_profile *p = vunet_profile_at(i);

		printf("%-20s %6u %6u %6u  %s\n", p->name, p->max_queue_pairs,
		       p->max_ring_size, p->max_mtu,
		       p == vunet_profile_latest() ? "latest" : "");
	}
	return 0;
}

static int
cmd_show(int argc, char **argv)
{
	const struct vunet_profile *p;
	char names[1024];

	if (argc < 1 || argc > 2 ||
	    (argc == 2 && strcmp(argv[1], "--json") != 0)) {
		usage_print(stderr);
		return 2;
	}
	p = find(argv[0]);
	if (p == NULL)
		return 2;
	if (argc == 2) {
		fputs(p->text, stdout);
		return 0;
	}
	printf("%s%s\n%s\n\n", p->name,
	       p == vunet_profile_latest() ? " (latest)" : "", p->description);
	vunet_features_format(p->features, false, names, sizeof(names));
	printf("virtio features:   %s (0x%llx)\n", names,
	       (unsigned long long)p->features);
	vunet_features_format(p->protocol_features, true, names,
			      sizeof(names));
	printf("protocol features: %s (0x%llx)\n", names,
	       (unsigned long long)p->protocol_features);
	printf("max queue pairs:   %u\nmax ring size:     %u\n"
	       "max MTU:           %u\n", p->max_queue_pairs, p->max_ring_size,
	       p->max_mtu);
	return 0;
}

static json_t *
load_caps(const char *path)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);

	if (doc == NULL)
		fprintf(stderr, "vunetctl: %s: line %d: %s\n", path, jerr.line,
			jerr.text);
	return doc;
}

static int
cmd_check(int argc, char **argv)
{
	char why[OUT_MAX];
	json_t *src, *dst;
	int ret;

	if (argc != 3) {
		usage_print(stderr);
		return 2;
	}
	src = load_caps(argv[0]);
	dst = load_caps(argv[1]);
	if (src == NULL || dst == NULL) {
		json_decref(src);
		json_decref(dst);
		return 2;
	}
	ret = vunet_profile_check_move(src, dst, argv[2], why, sizeof(why));
	json_decref(src);
	json_decref(dst);
	if (ret < 0) {
		fprintf(stderr, "vunetctl: %s\n", why);
		return 2;
	}
	printf("%s: %s\n", ret ? "yes" : "no", why);
	return ret ? 0 : 1;
}

static int
parse_uint(const char *opt, const char *s, unsigned int max,
	   unsigned int *v)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    n > max) {
		fprintf(stderr, "vunetctl: %s '%s': a number from 0 to %u\n",
			opt, s, max);
		return -1;
	}
	*v = (unsigned int)n;
	return 0;
}

static int
frontend_opts(int argc, char **argv, struct vunet_frontend *f)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "mac", required_argument, NULL, 'm' },
		{ "queues", required_argument, NULL, 'q' },
		{ "mtu", required_argument, NULL, 'u' },
		{ "port-mode", required_argument, NULL, 'M' },
		{ "memory", required_argument, NULL, 'G' },
		{ "port", required_argument, NULL, 'p' },
		{ "bridge", required_argument, NULL, 'b' },
		{ "vlan", required_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's': f->socket_path = optarg; break;
		case 'm': f->mac = optarg; break;
		case 'G': f->memory = optarg; break;
		case 'p': f->port = optarg; break;
		case 'b': f->bridge = optarg; break;
		case 'q':
			if (parse_uint("--queues", optarg, 64, &f->queues) < 0)
				return -1;
			break;
		case 'u':
			if (parse_uint("--mtu", optarg, 65535, &f->mtu) < 0)
				return -1;
			break;
		case 'v':
			if (parse_uint("--vlan", optarg, 4094, &f->vlan) < 0)
				return -1;
			break;
		case 'M':
			if (strcmp(optarg, "server") != 0 &&
			    strcmp(optarg, "client") != 0) {
				fprintf(stderr, "vunetctl: --port-mode '%s': "
					"client or server\n", optarg);
				return -1;
			}
			f->port_server = strcmp(optarg, "server") == 0;
			break;
		default:
			usage_print(stderr);
			return -1;
		}
	}
	if (f->socket_path == NULL || optind != argc) {
		usage_print(stderr);
		return -1;
	}
	if ((f->bridge != NULL || f->vlan != 0) && f->port == NULL) {
		fprintf(stderr, "vunetctl: --bridge and --vlan go in the "
			"metadata: give the port's name with --port\n");
		return -1;
	}
	return 0;
}

static int
cmd_frontend(int argc, char **argv, bool libvirt)
{
	struct vunet_frontend f = { .queues = 1 };
	const struct vunet_profile *p;
	char out[OUT_MAX];
	int ret;

	if (argc < 1) {
		usage_print(stderr);
		return 2;
	}
	p = strcmp(argv[0], "latest") == 0 ? vunet_profile_latest() :
	    find(argv[0]);
	if (p == NULL)
		return 2;
	if (frontend_opts(argc, argv, &f) < 0)
		return 2;
	ret = libvirt ? vunet_profile_libvirt_xml(p, &f, out, sizeof(out)) :
	      vunet_profile_qemu_args(p, &f, out, sizeof(out));
	if (ret < 0) {
		fprintf(stderr, "vunetctl: %s\n", out);
		return 2;
	}
	fputs(out, stdout);
	return 0;
}

int
profile_main(int argc, char **argv)
{
	char err[VUNET_PROFILE_ERR_MAX];

	if (argc < 1)
		return usage_error();
	if (vunet_profiles_init(err, sizeof(err)) < 0) {
		fprintf(stderr, "vunetctl: %s\n", err);
		return 2;
	}
	if (strcmp(argv[0], "list") == 0 && argc == 1)
		return cmd_list();
	if (strcmp(argv[0], "show") == 0)
		return cmd_show(argc - 1, argv + 1);
	if (strcmp(argv[0], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[0], "libvirt") == 0)
		return cmd_frontend(argc - 1, argv + 1, true);
	if (strcmp(argv[0], "qemu") == 0)
		return cmd_frontend(argc - 1, argv + 1, false);
	return usage_error();
}
