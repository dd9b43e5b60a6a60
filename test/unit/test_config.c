/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/* Configuration parsing: good documents, every kind of bad one. */

#include <stdlib.h>

#include "tap.h"
#include "vunet_config.h"

static struct vunet_config conf;
static char err[VUNET_ERR_MAX];

static const char good[] =
	"{ \"mbufs\": 4096,"
	"  \"bridges\": [ { \"name\": \"br0\", \"fdb_size\": 1024,"
	"                   \"aging_sec\": 60 }, { \"name\": \"br1\" } ],"
	"  \"ports\": ["
	"    { \"name\": \"vm1\", \"type\": \"vhost\","
	"      \"path\": \"/run/vunet/vm1.sock\", \"mode\": \"server\","
	"      \"profile\": \"org.vunet.net.v1\", \"bridge\": \"br0\","
	"      \"vlan\": 10,"
	"      \"allowed_macs\": [ \"52:54:00:00:00:01\","
	"                          \"52:54:00:AA:bb:02\" ] },"
	"    { \"name\": \"vm2\", \"type\": \"vhost\","
	"      \"path\": \"/run/vunet/vm2.sock\", \"bridge\": \"br1\" },"
	"    { \"name\": \"nic0\", \"type\": \"eth\","
	"      \"devargs\": \"net_af_packet0,iface=veth0\", \"rx_queues\": 2,"
	"      \"tx_queues\": 3, \"mtu\": 9000, \"bridge\": \"br0\","
	"      \"vlan\": 10, \"tx_offloads\": false },"
	"    { \"name\": \"a\", \"type\": \"vhost\", \"path\": \"/a.sock\" },"
	"    { \"name\": \"b\", \"type\": \"eth\", \"devargs\": \"0000:01:00.0\" }"
	"  ],"
	"  \"xconnects\": [ { \"a\": \"a\", \"b\": \"b\" } ] }";

static void
good_config_fields(void)
{
	CHECK_EQ(vunet_config_parse(good, "good.json", &conf, err,
				    sizeof(err)), 0);
	CHECK_EQ(conf.n_mbufs, 4096);
	CHECK_EQ(conf.n_bridges, 2);
	CHECK_EQ(conf.bridges[0].fdb_size, 1024);
	CHECK_EQ(conf.bridges[0].aging_sec, 60);
	CHECK_EQ(conf.n_ports, 5);
	CHECK_EQ(conf.ports[0].type, VUNET_PORT_VHOST);
	CHECK(!conf.ports[0].client);
	CHECK(conf.ports[0].profile == vunet_profile_find("org.vunet.net.v1"));
	CHECK(!conf.ports[0].profile_defaulted);
	CHECK_EQ(conf.ports[0].bridge, 0);
	CHECK_EQ(conf.ports[0].vlan, 10);
	CHECK_EQ(conf.ports[0].n_allowed_macs, 2);
	CHECK_EQ(conf.ports[0].allowed_macs[1].b[3], 0xaa);
	CHECK_EQ(conf.ports[0].allowed_macs[1].b[5], 0x02);
	CHECK_EQ(conf.ports[2].type, VUNET_PORT_ETH);
	CHECK_EQ(conf.ports[2].rx_queues, 2);
	CHECK_EQ(conf.ports[2].tx_queues, 3);
	CHECK_EQ(conf.ports[2].mtu, 9000);
	CHECK(!conf.ports[2].tx_offloads);
	CHECK_EQ(conf.n_xconnects, 1);
	CHECK_EQ(conf.xconnects[0].a, 3);
	CHECK_EQ(conf.xconnects[0].b, 4);
}

static void
good_config_defaults(void)
{
	CHECK_EQ(vunet_config_parse(good, "good.json", &conf, err,
				    sizeof(err)), 0);
	/* vm2: client mode, the latest profile, VLAN 1, no port security */
	CHECK(conf.ports[1].client);
	CHECK(conf.ports[1].profile == vunet_profile_latest());
	CHECK(conf.ports[1].profile_defaulted);
	CHECK_EQ(conf.ports[1].vlan, 1);
	CHECK_EQ(conf.ports[1].n_allowed_macs, 0);
	CHECK_EQ(conf.bridges[1].fdb_size, 8192);
	CHECK_EQ(conf.bridges[1].aging_sec, 300);
	/* unattached ports */
	CHECK_EQ(conf.ports[3].bridge, -1);
	CHECK_EQ(conf.ports[4].rx_queues, 1);
	CHECK_EQ(conf.ports[4].rx_desc, 1024);
	CHECK_EQ(conf.ports[4].mtu, 0);
	CHECK(conf.ports[4].tx_offloads);
	CHECK_EQ(vunet_config_parse("{}", "empty.json", &conf, err,
				    sizeof(err)), 0);
	CHECK_EQ(conf.n_ports, 0);
	CHECK_EQ(conf.n_mbufs, 32768);
	CHECK_EQ(conf.n_tso_mbufs, 4096);
}

struct bad_case {
	const char *doc;
	const char *message;   /* the whole error line */
};

#define PORT(extra) "{ \"bridges\": [ { \"name\": \"br0\" } ], " \
	"\"ports\": [ { \"name\": \"p\", \"type\": \"vhost\", " \
	"\"path\": \"/p.sock\"" extra " } ] }"
#define ETH(extra) "{ \"ports\": [ { \"name\": \"e\", \"type\": \"eth\", " \
	"\"devargs\": \"net_tap0\"" extra " } ] }"
#define TWO "\"ports\": [ { \"name\": \"p\", \"type\": \"vhost\", " \
	"\"path\": \"/p.sock\" }, { \"name\": \"q\", \"type\": \"vhost\", " \
	"\"path\": \"/q.sock\" } ]"
/* bridge br0 with vxlan {v}; eth port e (no bridge), vhost port p */
#define VX(v) "{ \"bridges\": [ { \"name\": \"br0\", " \
	"\"vxlan\": { " v " } } ], \"ports\": [ { \"name\": \"e\", " \
	"\"type\": \"eth\", \"devargs\": \"x\" }, { \"name\": \"p\", " \
	"\"type\": \"vhost\", \"path\": \"/p.sock\", \"bridge\": \"br0\" } ] }"
#define LONG100 "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct bad_case bad_cases[] = {
	{ "{ \"ports\": [ }", "t.json: line 1 column 14: "
	  "unexpected token near '}'" },
	{ "[]", "t.json: (top): must be a JSON object" },
	{ "{ \"port\": [] }", "t.json: port: unknown field" },
	{ "{ \"ports\": {} }", "t.json: ports: must be an array" },
	{ "{ \"mbufs\": 10 }", "t.json: (top).mbufs: 10 is out of range "
	  "1024..4194304" },
	{ "{ \"tso_mbufs\": 1048577 }", "t.json: (top).tso_mbufs: 1048577 "
	  "is out of range 0..1048576" },
	{ "{ \"tso_mbufs\": \"4k\" }", "t.json: (top).tso_mbufs: must be "
	  "an integer from 0 to 1048576" },
	{ "{ \"bridges\": [ { \"name\": \"b r\" } ] }",
	  "t.json: bridges[0].name: 'b r' may only hold letters, digits, "
	  "'_' and '-'" },
	{ "{ \"bridges\": [ { \"name\": \"b\" }, { \"name\": \"b\" } ] }",
	  "t.json: bridges[1].name: bridge 'b' is declared twice" },
	{ "{ \"bridges\": [ { \"name\": \"b\", \"fdb_size\": \"big\" } ] }",
	  "t.json: bridges[0].fdb_size: must be an integer from 16 to "
	  "1048576" },
	{ "{ \"bridges\": [ { \"name\": \"b\", \"aging\": 5 } ] }",
	  "t.json: bridges[0].aging: unknown field" },
	{ "{ \"ports\": [ { \"type\": \"vhost\" } ] }",
	  "t.json: ports[0].name: is required" },
	{ "{ \"ports\": [ { \"name\": \"p\", \"type\": \"tap\" } ] }",
	  "t.json: ports[0].type: 'tap' is neither \"vhost\" nor \"eth\"" },
	{ "{ \"ports\": [ { \"name\": \"p\", \"type\": \"vhost\" } ] }",
	  "t.json: ports[0].path: is required" },
	{ PORT(", \"vlan\": 4095, \"bridge\": \"br0\""),
	  "t.json: ports[0].vlan: 4095 is out of range 1..4094" },
	{ PORT(", \"trunk\": [ 0 ], \"bridge\": \"br0\""),
	  "t.json: ports[0].trunk[0]: VLANs are 1 to 4094, and a range runs "
	  "upward" },
	{ PORT(", \"trunk\": [ \"1-4095\" ], \"bridge\": \"br0\""),
	  "t.json: ports[0].trunk[0]: VLANs are 1 to 4094, and a range runs "
	  "upward" },
	{ PORT(", \"trunk\": [ \"7\" ], \"bridge\": \"br0\""),
	  "t.json: ports[0].trunk[0]: must be a VLAN number or a range "
	  "\"A-B\"" },
	{ PORT(", \"trunk\": 7, \"bridge\": \"br0\""),
	  "t.json: ports[0].trunk: must list the VLANs the port carries "
	  "tagged, as numbers and \"A-B\" ranges" },
	{ PORT(", \"trunk\": [ 7 ], \"native_vlan\": 0, \"bridge\": \"br0\""),
	  "t.json: ports[0].native_vlan: 0 is out of range 1..4094" },
	{ VX("\"underlay\": \"nic\", \"local_ip\": \"192.0.2.1\", "
	     "\"vnis\": [ { \"vlan\": 10, \"vni\": 1 } ]"),
	  "t.json: bridges[0].vxlan.underlay: no port is named 'nic'" },
	{ VX("\"underlay\": \"p\", \"local_ip\": \"192.0.2.1\", "
	     "\"vnis\": [ { \"vlan\": 10, \"vni\": 1 } ]"),
	  "t.json: bridges[0].vxlan.underlay: 'p' is not an eth port" },
	{ VX("\"underlay\": \"e\", \"exception_port\": \"e\", "
	     "\"local_ip\": \"192.0.2.1\", "
	     "\"vnis\": [ { \"vlan\": 10, \"vni\": 1 } ]"),
	  "t.json: bridges[0].vxlan.exception_port: port 'e' is in a bridge "
	  "or a VXLAN's already" },
	{ VX("\"underlay\": \"e\", \"exception_port\": \"p\", "
	     "\"local_ip\": \"192.0.2.1\", "
	     "\"vnis\": [ { \"vlan\": 10, \"vni\": 1 } ]"),
	  "t.json: bridges[0].vxlan.exception_port: 'p' is not an eth port" },
	{ VX("\"underlay\": \"e\", \"exception_port\": \"tap\", "
	     "\"local_ip\": \"192.0.2.1\", "
	     "\"vnis\": [ { \"vlan\": 10, \"vni\": 1 } ]"),
	  "t.json: bridges[0].vxlan.exception_port: no port is named 'tap'" },
	{ VX("\"underlay\": \"e\", \"exception_port\": \"\", "
	     "\"local_ip\": \"192.0.2.1\", "
	     "\"vnis\": [ { \"vlan\": 10, \"vni\": 1 } ]"),
	  "t.json: bridges[0].vxlan.exception_port: must not be empty" },
	{ VX("\"underlay\": \"e\", \"local_ip\": \"224.0.0.1\", "
	     "\"vnis\": [ { \"vlan\": 10, \"vni\": 1 } ]"),
	  "t.json: bridges[0].vxlan.local_ip: 224.0.0.1 is not a unicast "
	  "address" },
	{ VX("\"underlay\": \"e\", \"local_ip\": \"192.0.2.1\", "
	     "\"vnis\": [ { \"vlan\": 10, \"vni\": 1 }, "
	     "{ \"vlan\": 11, \"vni\": 1 } ]"),
	  "t.json: bridges[0].vxlan.vnis[1]: VLAN 11 or VNI 1 is mapped twice" },
	{ VX("\"underlay\": \"e\", \"local_ip\": \"192.0.2.1\", "
	     "\"vnis\": [ { \"vlan\": 10, \"vni\": 16777216 } ]"),
	  "t.json: bridges[0].vxlan.vnis[0].vni: 16777216 is out of range "
	  "1..16777215" },
	{ VX("\"underlay\": \"e\", \"local_ip\": \"192.0.2.1\", "
	     "\"vnis\": [ { \"vlan\": 10, \"vni\": 1 } ], "
	     "\"remotes\": [ \"192.0.2.1\" ]"),
	  "t.json: bridges[0].vxlan.remotes[0]: is the local address" },
	{ VX("\"underlay\": \"e\", \"local_ip\": \"192.0.2.1\", "
	     "\"gateway\": \"192.0.2.254\", "
	     "\"vnis\": [ { \"vlan\": 10, \"vni\": 1 } ]"),
	  "t.json: bridges[0].vxlan.gateway: needs local_ip with its prefix "
	  "length, e.g. \"192.0.2.1/24\"" },
	{ VX("\"underlay\": \"e\", \"local_ip\": \"192.0.2.1/24\", "
	     "\"gateway\": \"192.0.3.254\", "
	     "\"vnis\": [ { \"vlan\": 10, \"vni\": 1 } ]"),
	  "t.json: bridges[0].vxlan.gateway: is not in local_ip's subnet" },
	{ VX("\"underlay\": \"e\", \"local_ip\": \"192.0.2.1/33\", "
	     "\"vnis\": [ { \"vlan\": 10, \"vni\": 1 } ]"),
	  "t.json: bridges[0].vxlan.local_ip: must be an IPv4 address, with "
	  "its prefix length if any, like \"192.0.2.1/24\"" },
	{ VX("\"underlay\": \"e\", \"local_ip\": \"192.0.2.1\", "
	     "\"vnis\": [ ]"),
	  "t.json: bridges[0].vxlan.vnis: must map 1 to 64 VLANs to VNIs: "
	  "[{\"vlan\": 10, \"vni\": 5010}]" },
	{ VX("\"underlay\": \"e\", \"local_ip\": \"192.0.2.1\", "
	     "\"vnis\": [ { \"vlan\": 10, \"vni\": 1 } ], \"evpn\": true"),
	  "t.json: bridges[0].vxlan.evpn: must be an object" },
	{ VX("\"underlay\": \"e\", \"local_ip\": \"192.0.2.1\", "
	     "\"vnis\": [ { \"vlan\": 10, \"vni\": 1 } ], "
	     "\"evpn\": { \"port\": 4790 }"),
	  "t.json: bridges[0].vxlan.evpn.port: unknown field" },
	{ VX("\"underlay\": \"e\", \"local_ip\": \"192.0.2.1\", "
	     "\"vnis\": [ { \"vlan\": 10, \"vni\": 1 } ], "
	     "\"evpn\": { \"shadow_port\": 4789 }"),
	  "t.json: bridges[0].vxlan.evpn.shadow_port: must differ from "
	  "udp_port (4789): the kernel would take the tunnel's traffic" },
	{ "{ \"bridges\": [ { \"name\": \"a\", \"vxlan\": { \"underlay\": "
	  "\"e\", \"local_ip\": \"192.0.2.1\", \"vnis\": [ { \"vlan\": 10, "
	  "\"vni\": 7 } ], \"evpn\": {} } }, { \"name\": \"b\", \"vxlan\": { "
	  "\"underlay\": \"f\", \"local_ip\": \"192.0.2.2\", \"vnis\": [ { "
	  "\"vlan\": 20, \"vni\": 8 }, { \"vlan\": 30, \"vni\": 7 } ], "
	  "\"evpn\": {} } } ], \"ports\": [ { \"name\": \"e\", \"type\": "
	  "\"eth\", \"devargs\": \"x\" }, { \"name\": \"f\", \"type\": "
	  "\"eth\", \"devargs\": \"y\" } ] }",
	  "t.json: bridges[1].vxlan.vnis[1]: VNI 7 is bridge 'a''s EVPN VNI "
	  "too" },
	{ PORT(", \"vlan\": 5"), "t.json: ports[0].vlan: a VLAN needs a "
	  "bridge" },
	{ PORT(", \"bridge\": \"br9\""),
	  "t.json: ports[0].bridge: no bridge is named 'br9'" },
	{ PORT(", \"mode\": \"listen\""), "t.json: ports[0].mode: 'listen' "
	  "is neither \"client\" nor \"server\"" },
	{ PORT(", \"profile\": \"org.vunet.net.v9\""), "t.json: "
	  "ports[0].profile: this vunetd has no profile 'org.vunet.net.v9' (it "
	  "has org.vunet.net.v1, org.vunet.net.v2, org.vunet.net.v3)" },
	{ PORT(", \"queues\": 2"), "t.json: ports[0].queues: unknown field" },
	{ PORT(", \"devargs\": \"x\""), "t.json: ports[0].devargs: unknown "
	  "field" },
	{ PORT(", \"allowed_macs\": [ \"52:54:00:00:00\" ]"),
	  "t.json: ports[0].allowed_macs[0]: must be a MAC address like "
	  "\"52:54:00:12:34:56\"" },
	{ PORT(", \"allowed_macs\": [ \"01:00:5e:00:00:01\" ]"),
	  "t.json: ports[0].allowed_macs[0]: 01:00:5e:00:00:01 is a "
	  "multicast address" },
	{ PORT(", \"allowed_macs\": []"), "t.json: ports[0].allowed_macs: "
	  "is empty: omit it to turn port security off" },
	{ "{ \"ports\": [ { \"name\": \"p\", \"type\": \"vhost\", "
	  "\"path\": \"p.sock\" } ] }",
	  "t.json: ports[0].path: 'p.sock' must be an absolute path" },
	{ "{ \"ports\": [ { \"name\": \"p\", \"type\": \"vhost\", \"path\": \""
	  LONG100 "/12345678.sock\" } ] }",
	  "t.json: ports[0].path: is 113 bytes long, the limit is 107" },
	{ "{ \"ports\": [ { \"name\": \"p\", \"type\": \"vhost\", "
	  "\"path\": \"/p.sock\" }, { \"name\": \"p\", \"type\": \"eth\", "
	  "\"devargs\": \"net_tap0\" } ] }",
	  "t.json: ports[1].name: port 'p' is declared twice" },
	{ "{ \"ports\": [ { \"name\": \"p\", \"type\": \"vhost\", "
	  "\"path\": \"/p.sock\" }, { \"name\": \"q\", \"type\": \"vhost\", "
	  "\"path\": \"/p.sock\" } ] }",
	  "t.json: ports[1].path: '/p.sock' is already the socket of port "
	  "'p'" },
	{ ETH(", \"mtu\": 9001"), "t.json: ports[0].mtu: 9001 is out of "
	  "range 68..9000" },
	{ ETH(", \"rx_queues\": -1"), "t.json: ports[0].rx_queues: -1 is "
	  "out of range 1..16" },
	{ ETH(", \"tx_offloads\": \"no\""), "t.json: ports[0].tx_offloads: "
	  "must be true or false" },
	{ PORT(", \"tx_offloads\": false"), "t.json: ports[0].tx_offloads: "
	  "unknown field" },
	{ ETH(", \"path\": \"/x\""), "t.json: ports[0].path: unknown field" },
	{ "{ \"ports\": [ { \"name\": \"e\", \"type\": \"eth\" } ] }",
	  "t.json: ports[0].devargs: is required" },
	{ "{ " TWO ", \"xconnects\": [ { \"a\": \"p\", \"b\": \"z\" } ] }",
	  "t.json: xconnects[0].b: no port is named 'z'" },
	{ "{ " TWO ", \"xconnects\": [ { \"a\": \"p\", \"b\": \"p\" } ] }",
	  "t.json: xconnects[0]: a port cannot be cross-connected to "
	  "itself" },
	{ "{ " TWO ", \"xconnects\": [ { \"a\": \"p\", \"b\": \"q\" }, "
	  "{ \"a\": \"q\", \"b\": \"p\" } ] }",
	  "t.json: xconnects[1].a: port 'q' is already cross-connected" },
	{ "{ \"bridges\": [ { \"name\": \"br0\" } ], \"ports\": [ "
	  "{ \"name\": \"p\", \"type\": \"vhost\", \"path\": \"/p.sock\", "
	  "\"bridge\": \"br0\" }, { \"name\": \"q\", \"type\": \"vhost\", "
	  "\"path\": \"/q.sock\" } ], \"xconnects\": [ { \"a\": \"q\", "
	  "\"b\": \"p\" } ] }",
	  "t.json: xconnects[0].b: port 'p' is in bridge 'br0'; a port "
	  "forwards one way only" },
	{ "{ " TWO ", \"xconnects\": [ { \"a\": \"p\" } ] }",
	  "t.json: xconnects[0].b: is required" },
	{ "{ \"mbufs\": 4096, \"mbufs\": 8192 }",
	  "t.json: line 1 column 24: duplicate object key near "
	  "'\"mbufs\"'" },
};

static void
bad_configs_are_refused_with_their_reason(void)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		int ret = vunet_config_parse(bad_cases[i].doc, "t.json", &conf,
					     err, sizeof(err));

		CHECK_EQ(ret, -1);
		if (strcmp(err, bad_cases[i].message) != 0) {
			printf("#   case %zu: got      '%s'\n#   expected "
			       "'%s'\n", i, err, bad_cases[i].message);
			tap_case_failed = 1;
		}
	}
}

static void
trunk_vlans_are_a_set(void)
{
	const struct vunet_port_conf *p = &conf.ports[0];
	json_t *j;
	char *text;

	CHECK_EQ(vunet_config_parse(PORT(", \"bridge\": \"br0\", "
		"\"trunk\": [ 4094, \"10-12\", 1, 11, \"13-13\", 20 ], "
		"\"native_vlan\": 30"), "t.json", &conf, err,
		sizeof(err)), 0);
	CHECK(p->trunk);
	CHECK_EQ(p->vlan, 30);
	CHECK(vunet_vlans_has(&p->trunk_vlans, 1));
	CHECK(vunet_vlans_has(&p->trunk_vlans, 13));
	CHECK(!vunet_vlans_has(&p->trunk_vlans, 14));
	CHECK(!vunet_vlans_has(&p->trunk_vlans, 30));
	CHECK(!vunet_vlans_has(&p->trunk_vlans, 0));
	j = vunet_vlans_json(&p->trunk_vlans);
	text = json_dumps(j, JSON_COMPACT);
	CHECK_STR_HAS(text, "[1,\"10-13\",20,4094]");
	free(text);
	json_decref(j);
	CHECK_EQ(vunet_config_parse(PORT(", \"bridge\": \"br0\""), "t.json",
				    &conf, err, sizeof(err)), 0);
	CHECK(!p->trunk);
	CHECK_EQ(p->vlan, 1);
}

static void
missing_file(void)
{
	CHECK_EQ(vunet_config_load("/nonexistent/vunetd.json", &conf, err,
				   sizeof(err)), -1);
	CHECK_STR_HAS(err, "/nonexistent/vunetd.json: cannot open: No such "
		      "file or directory");
}

static void
mac_parse_and_format(void)
{
	struct vunet_mac m;
	char buf[18];

	CHECK_EQ(vunet_mac_parse("52:54:00:0a:Bc:ff", &m), 0);
	vunet_mac_format(&m, buf, sizeof(buf));
	CHECK(strcmp(buf, "52:54:00:0a:bc:ff") == 0);
	CHECK_EQ(vunet_mac_parse("52:54:00:0a:bc:ff:00", &m), -1);
	CHECK_EQ(vunet_mac_parse("52-54-00-0a-bc-ff", &m), -1);
	CHECK_EQ(vunet_mac_parse("", &m), -1);
}

/* The configuration files the project ships must load. */
static void
shipped_configs_load(void)
{
	const char *files = getenv("VUNET_SHIPPED_CONFIGS");
	char path[4096];

	CHECK(files != NULL);
	if (files == NULL)
		return;
	while (*files) {
		size_t n = strcspn(files, ":");

		snprintf(path, sizeof(path), "%.*s", (int)n, files);
		if (vunet_config_load(path, &conf, err, sizeof(err)) != 0) {
			printf("#   %s\n", err);
			tap_case_failed = 1;
		}
		files += n + (files[n] == ':');
	}
}

static void
evpn_config(void)
{
	CHECK_EQ(vunet_config_parse(VX("\"underlay\": \"e\", \"local_ip\": "
		"\"192.0.2.1\", \"vnis\": [ { \"vlan\": 10, \"vni\": 1 } ], "
		"\"evpn\": {}"), "e.json", &conf, err, sizeof(err)), 0);
	CHECK(conf.bridges[0].vxlan.evpn);
	CHECK_EQ(conf.bridges[0].vxlan.evpn_shadow_port, 4790);
	CHECK_EQ(vunet_config_parse(VX("\"underlay\": \"e\", \"local_ip\": "
		"\"192.0.2.1\", \"vnis\": [ { \"vlan\": 10, \"vni\": 1 } ], "
		"\"evpn\": { \"shadow_port\": 5000 }"), "e.json", &conf, err,
		sizeof(err)), 0);
	CHECK_EQ(conf.bridges[0].vxlan.evpn_shadow_port, 5000);
	CHECK_EQ(vunet_config_parse(VX("\"underlay\": \"e\", \"local_ip\": "
		"\"192.0.2.1\", \"vnis\": [ { \"vlan\": 10, \"vni\": 1 } ]"),
		"e.json", &conf, err, sizeof(err)), 0);
	CHECK(!conf.bridges[0].vxlan.evpn);
}

int
main(void)
{
	RUN(good_config_fields);
	RUN(good_config_defaults);
	RUN(evpn_config);
	RUN(bad_configs_are_refused_with_their_reason);
	RUN(trunk_vlans_are_a_set);
	RUN(missing_file);
	RUN(mac_parse_and_format);
	RUN(shipped_configs_load);
	return TAP_DONE();
}
