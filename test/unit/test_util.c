/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * lib/util: messages keep what they were given and never overrun their
 * buffer; the stale-socket probe removes only a socket nobody answers on.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tap.h"
#include "vunet_devargs.h"
#include "vunet_err.h"
#include "vunet_strbuf.h"
#include "vunet_unix.h"

static char dir[] = "/tmp/vunet-util-XXXXXX";

static int
listen_at(const char *file, bool keep)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, file);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s, 1) < 0)
		return -1;
	if (!keep) {
		close(s);
		return 0;
	}
	return s;
}

static bool
exists(const char *file)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return lstat(path, &st) == 0;
}

static void
err_prefix_keeps_the_reason(void)
{
	char err[32] = "no such group";

	vunet_err_prefix(err, sizeof(err), "ports[%d] '%s'", 2, "vm3");
	CHECK(strcmp(err, "ports[2] 'vm3': no such group") == 0);
	/* too long: cut, terminated, within the buffer */
	vunet_err_prefix(err, sizeof(err), "%s", "a prefix of some length");
	CHECK_EQ(strlen(err), sizeof(err) - 1);
	CHECK(strncmp(err, "a prefix of some length: ports[", 31) == 0);
	vunet_err_suffix(err, sizeof(err), "; undone");
	CHECK_EQ(strlen(err), sizeof(err) - 1);
	snprintf(err, sizeof(err), "bad");
	vunet_err_suffix(err, sizeof(err), "; the change is undone");
	CHECK(strcmp(err, "bad; the change is undone") == 0);
}

static void
strbuf_joins_and_cuts(void)
{
	char buf[12] = "garbage";
	struct vunet_strbuf sb = VUNET_STRBUF(buf, sizeof(buf));

	vunet_strbuf_add(&sb, ", ", "%s", "vm1");
	vunet_strbuf_add(&sb, ", ", "%s", "vm2");
	CHECK(strcmp(buf, "vm1, vm2") == 0);
	vunet_strbuf_add(&sb, ", ", "%s", "vm3");
	vunet_strbuf_add(&sb, ", ", "%s", "vm4");
	CHECK_EQ(strlen(buf), sizeof(buf) - 1);
	CHECK(strcmp(buf, "vm1, vm2, v") == 0);
	CHECK(sb.off >= sizeof(buf));
}

static void
stale_socket_is_removed(void)
{
	int dfd = open(dir, O_PATH);

	CHECK(listen_at("stale.sock", false) == 0);
	CHECK_EQ(vunet_unix_clear_stale(dfd, "stale.sock"), 1);
	CHECK(!exists("stale.sock"));
	close(dfd);
	CHECK_EQ(vunet_unix_clear_stale(AT_FDCWD, "/nonexistent/x.sock"), 0);
}

static void
live_socket_and_others_are_kept(void)
{
	int dfd = open(dir, O_PATH);
	int live = listen_at("live.sock", true), fd;
	char path[256];

	CHECK(live >= 0);
	CHECK_EQ(vunet_unix_clear_stale(dfd, "live.sock"), -EADDRINUSE);
	CHECK(exists("live.sock"));
	CHECK_EQ(vunet_unix_connect_at(dfd, "live.sock", &fd), 0);
	close(fd);
	/* a regular file, and a link to the live socket: never touched */
	snprintf(path, sizeof(path), "%s/file", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	CHECK_EQ(vunet_unix_clear_stale(dfd, "file"), -EEXIST);
	CHECK(exists("file"));
	CHECK(symlinkat("live.sock", dfd, "link.sock") == 0);
	CHECK_EQ(vunet_unix_clear_stale(dfd, "link.sock"), -EEXIST);
	CHECK(exists("link.sock"));
	CHECK(vunet_unix_connect_at(dfd, "link.sock", &fd) < 0);
	CHECK_EQ(vunet_unix_connect_at(dfd, "file", &fd), -ENOTSOCK);
	close(live);
	close(dfd);
}

/*
 * devargs rules: the driver and every key; no key a rule does not name,
 * so no path a client chooses (af_xdp's xdp_prog) and no interface
 * outside the list (the host's own NIC).
 */
static void
devargs_rules_admit_drivers_and_keys_they_name(void)
{
	const char *rules[] = { "net_af_xdp,iface=eth1|eth2,queue_count=*",
				"net_af_packet,iface=vuh*", "0000:01:00.*" };
	struct { const char *devargs, *why; } cases[] = {
		{ "net_af_xdp0,iface=eth1", NULL },
		{ "net_af_xdp12,iface=eth2,queue_count=4", NULL },
		{ "net_af_xdp0", NULL },
		{ "net_af_packet3,iface=vuh1234", NULL },
		{ "0000:01:00.1", NULL },
		{ "net_af_xdp0,iface=eth0", "iface=eth0 is not among "
		  "iface=eth1|eth2" },
		{ "net_af_xdp0,iface=eth1,xdp_prog=/dev/shm/x.o",
		  "key 'xdp_prog' is not allowed for net_af_xdp" },
		{ "net_af_xdp0,iface=eth1,iface=eth0", "iface=eth0" },
		{ "net_af_xdpx,iface=eth1", "no --allow-devargs rule" },
		{ "net_af_packet0,iface=eth0", "iface=eth0 is not among" },
		{ "net_pcap0,tx_pcap=/etc/x", "no --allow-devargs rule" },
		{ "net_vhost0,iface=/tmp/s", "no --allow-devargs rule" },
		{ "0000:02:00.0", "no --allow-devargs rule" },
		{ "0000:01:00.0,representor=1", "key 'representor'" },
	};
	char why[256];

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool ok = vunet_devargs_allowed(rules, 3, cases[i].devargs,
						why, sizeof(why));

		CHECK_EQ(ok, cases[i].why == NULL);
		if (cases[i].why != NULL)
			CHECK_STR_HAS(why, cases[i].why);
	}
	CHECK(!vunet_devargs_allowed(rules, 0, "net_af_xdp0,iface=eth1", why,
				     sizeof(why)));
	CHECK(vunet_devargs_rule_ok("net_af_xdp,iface=eth1", why, sizeof(why)));
	CHECK(vunet_devargs_rule_ok("net_null", why, sizeof(why)));
	CHECK(!vunet_devargs_rule_ok(",iface=eth1", why, sizeof(why)));
	CHECK_STR_HAS(why, "no driver");
	CHECK(!vunet_devargs_rule_ok("net_af_xdp,iface", why, sizeof(why)));
	CHECK_STR_HAS(why, "'iface' is not KEY=PATTERN");
	CHECK(!vunet_devargs_rule_ok("net_af_xdp,iface=", why, sizeof(why)));
}

int
main(void)
{
	char cmd[64];
	int ret;

	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	RUN(err_prefix_keeps_the_reason);
	RUN(strbuf_joins_and_cuts);
	RUN(stale_socket_is_removed);
	RUN(live_socket_and_others_are_kept);
	RUN(devargs_rules_admit_drivers_and_keys_they_name);
	ret = TAP_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return ret;
}
