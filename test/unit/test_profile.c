/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * Interface profiles: the built-in ones load, every kind of bad profile is
 * refused with its reason, the move check answers right, and the front-end
 * settings are printed exactly.
 */

#include <stdlib.h>

#include "tap.h"
#include "vunet_profile.h"

static char err[VUNET_PROFILE_ERR_MAX];

static void
built_in_profiles_load(void)
{
	CHECK_EQ(vunet_profiles_init(err, sizeof(err)), 0);
	CHECK_EQ(vunet_profile_count(), 3);
	CHECK(strcmp(vunet_profile_at(0)->name, "org.vunet.net.v1") == 0);
	CHECK(strcmp(vunet_profile_latest()->name, "org.vunet.net.v3") == 0);
	CHECK_EQ(vunet_profile_latest()->version, 3);
	CHECK(vunet_profile_find("org.vunet.net.v4") == NULL);
	/* v1: MRG_RXBUF CTRL_VQ CTRL_RX GUEST_ANNOUNCE MQ LOG_ALL ANY_LAYOUT
	 * INDIRECT_DESC EVENT_IDX PROTOCOL_FEATURES VERSION_1 */
	CHECK_EQ(vunet_profile_at(0)->features, 0x17c668000ULL);
	CHECK_EQ(vunet_profile_at(0)->protocol_features, 0xfULL);
	CHECK_EQ(vunet_profile_at(0)->max_queue_pairs, 4);
	/* v2 = v1 + MTU, RING_PACKED, IN_ORDER; + NET_MTU, STATUS */
	CHECK_EQ(vunet_profile_at(1)->features,
		 0x17c668000ULL | 1ULL << 3 | 1ULL << 34 | 1ULL << 35);
	CHECK_EQ(vunet_profile_at(1)->protocol_features, 0x1001fULL);
	/* v3 = v2 + CSUM, GUEST_CSUM, GUEST_TSO4/6, HOST_TSO4/6 */
	CHECK_EQ(vunet_profile_latest()->features, vunet_profile_at(1)->features |
		 1ULL << 0 | 1ULL << 1 | 1ULL << 7 | 1ULL << 8 | 1ULL << 11 |
		 1ULL << 12);
	CHECK_EQ(vunet_profile_latest()->protocol_features, 0x1001fULL);
}

/* A bad profile: v1 with some fields replaced, and the expected error. */
struct bad_case {
	const char *patch;
	const char *message;
};

#define FEATS(extra) "{\"virtio_features\": [\"VIRTIO_NET_F_MRG_RXBUF\", " \
	"\"VIRTIO_NET_F_CTRL_VQ\", \"VIRTIO_NET_F_CTRL_RX\", " \
	"\"VIRTIO_NET_F_GUEST_ANNOUNCE\", \"VIRTIO_NET_F_MQ\", " \
	"\"VIRTIO_F_ANY_LAYOUT\", \"VIRTIO_RING_F_INDIRECT_DESC\", " \
	"\"VIRTIO_RING_F_EVENT_IDX\", \"VHOST_USER_F_PROTOCOL_FEATURES\"" \
	extra "]}"
#define BASE_FEATS ", \"VHOST_F_LOG_ALL\", \"VIRTIO_F_VERSION_1\""
#define PROTO(list) "{\"protocol_features\": [" list "]}"

static const struct bad_case bad_cases[] = {
	{ "{\"name\": \"org.vunet.net.v0\"}",
	  "p.json: name: 'org.vunet.net.v0' is not like org.vunet.net.vN" },
	{ "{\"name\": \"com.example.v1\"}",
	  "p.json: name: 'com.example.v1' is not like org.vunet.net.vN" },
	{ "{\"offloads\": true}", "p.json: offloads: unknown field" },
	{ FEATS(BASE_FEATS ", \"VIRTIO_NET_F_TURBO\""),
	  "p.json: virtio_features[11]: unknown feature 'VIRTIO_NET_F_TURBO'" },
	{ FEATS(BASE_FEATS ", \"VIRTIO_F_VERSION_1\""),
	  "p.json: virtio_features[11]: 'VIRTIO_F_VERSION_1' is listed twice" },
	{ FEATS(", \"VIRTIO_F_VERSION_1\""),
	  "p.json: virtio_features: VHOST_F_LOG_ALL is required: without it "
	  "QEMU blocks live migration" },
	{ PROTO("\"VHOST_USER_PROTOCOL_F_MQ\""),
	  "p.json: protocol_features: VHOST_USER_PROTOCOL_F_LOG_SHMFD is "
	  "required: without it QEMU blocks live migration" },
	{ FEATS(BASE_FEATS ", \"VIRTIO_NET_F_HOST_TSO4\""),
	  "p.json: virtio_features: VIRTIO_NET_F_HOST_TSO4 needs "
	  "VIRTIO_NET_F_CSUM (TSO needs checksum offload)" },
	{ FEATS(BASE_FEATS ", \"VIRTIO_NET_F_CSUM\", "
		"\"VIRTIO_NET_F_HOST_ECN\""),
	  "p.json: virtio_features: VIRTIO_NET_F_HOST_ECN needs one of "
	  "VIRTIO_NET_F_HOST_TSO4, VIRTIO_NET_F_HOST_TSO6 (ECN needs TSO)" },
	{ FEATS(", \"VHOST_F_LOG_ALL\", \"VIRTIO_F_RING_PACKED\""),
	  "p.json: virtio_features: VIRTIO_F_RING_PACKED needs "
	  "VIRTIO_F_VERSION_1 (a virtio 1.1 feature needs VERSION_1)" },
	{ FEATS(BASE_FEATS ", \"VIRTIO_NET_F_MTU\""),
	  "p.json: protocol_features: VIRTIO_NET_F_MTU needs "
	  "VHOST_USER_PROTOCOL_F_NET_MTU (the MTU reaches the back-end so)" },
	{ "{\"max_queue_pairs\": 1}",
	  "p.json: max_queue_pairs: VIRTIO_NET_F_MQ needs more than 1 queue "
	  "pair" },
	{ "{\"max_queue_pairs\": 17}",
	  "p.json: max_queue_pairs: must be an integer from 1 to 16" },
	{ PROTO("\"VHOST_USER_PROTOCOL_F_LOG_SHMFD\""),
	  "p.json: protocol_features: VIRTIO_NET_F_MQ and "
	  "VHOST_USER_PROTOCOL_F_MQ go together" },
	{ PROTO("\"VHOST_USER_PROTOCOL_F_LOG_SHMFD\", "
		"\"VHOST_USER_PROTOCOL_F_MQ\", \"VHOST_USER_PROTOCOL_F_NET_MTU\""),
	  "p.json: protocol_features: VHOST_USER_PROTOCOL_F_NET_MTU needs "
	  "VHOST_USER_PROTOCOL_F_REPLY_ACK, or an MTU above max_mtu would drop "
	  "the connection instead of being refused" },
	{ "{\"max_ring_size\": 300}",
	  "p.json: max_ring_size: 300 is not a power of 2" },
	{ "{\"max_ring_size\": 128}",
	  "p.json: qemu_device.rx_queue_size: 256 is above max_ring_size 128" },
	{ "{\"qemu_device\": {\"packed\": \"on\"}}",
	  "p.json: qemu_device.packed: is \"on\" but VIRTIO_F_RING_PACKED is "
	  "not in virtio_features" },
	{ "{\"qemu_device\": {\"mrg_rxbuf\": \"off\"}}",
	  "p.json: qemu_device.mrg_rxbuf: is \"off\" but "
	  "VIRTIO_NET_F_MRG_RXBUF is in virtio_features" },
	{ "{\"qemu_device\": {\"mrg_rxbuf\": true}}",
	  "p.json: qemu_device.mrg_rxbuf: must be \"on\" or \"off\"" },
	{ "{\"qemu_device\": {\"x-turbo\": \"on\"}}",
	  "p.json: qemu_device.x-turbo: unknown property" },
	{ "{\"qemu_device\": {\"rx_queue_size\": 300}}",
	  "p.json: qemu_device.rx_queue_size: must be a power of 2 from 256 "
	  "to 1024" },
	{ "-event_idx", "p.json: qemu_device.event_idx: is required: it pins "
	  "VIRTIO_RING_F_EVENT_IDX" },
	{ "-max_mtu", "p.json: max_mtu: is required" },
};

/* v1 with patch merged in (or, for "-key", qemu_device.key removed). */
static json_t *
patched_v1(const char *patch)
{
	json_t *doc = vunet_profile_to_json(vunet_profile_at(0));

	if (patch[0] == '-') {
		if (json_object_del(doc, patch + 1) != 0)
			json_object_del(json_object_get(doc, "qemu_device"),
					patch + 1);
	} else {
		json_t *p = json_loads(patch, 0, NULL);
		json_t *q = json_object_get(p, "qemu_device");

		if (q != NULL) {
			json_object_update(json_object_get(doc, "qemu_device"),
					   q);
			json_object_del(p, "qemu_device");
		}
		json_object_update(doc, p);
		json_decref(p);
	}
	return doc;
}

static void
bad_profiles_are_refused_with_their_reason(void)
{
	struct vunet_profile p;

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		json_t *doc = patched_v1(bad_cases[i].patch);

		CHECK_EQ(vunet_profile_from_json(doc, "p.json", &p, err,
						 sizeof(err)), -1);
		if (strcmp(err, bad_cases[i].message) != 0) {
			printf("#   case %zu: got      '%s'\n#   expected "
			       "'%s'\n", i, err, bad_cases[i].message);
			tap_case_failed = 1;
		}
		json_decref(doc);
	}
	/* and the unpatched document is fine */
	{
		json_t *doc = patched_v1("{}");

		CHECK_EQ(vunet_profile_from_json(doc, "p.json", &p, err,
						 sizeof(err)), 0);
		json_decref(doc);
	}
}

static json_t *
caps(const char *version, const char *const *names, json_t *replace)
{
	json_t *c = vunet_capabilities(version);
	json_t *all = json_object_get(c, "profiles"), *keep = json_object();

	for (; *names != NULL; names++)
		json_object_set(keep, *names, json_object_get(all, *names));
	if (replace != NULL)
		json_object_set_new(keep, json_string_value(json_object_get(
					    replace, "name")), replace);
	json_object_set_new(c, "profiles", keep);
	return c;
}

static void
move_check_answers(void)
{
	static const char *const both[] = { "org.vunet.net.v1",
					    "org.vunet.net.v2", NULL };
	static const char *const old[] = { "org.vunet.net.v1", NULL };
	json_t *a = caps("0.1.0", both, NULL), *b = caps("0.2.0", both, NULL);
	json_t *o = caps("0.0.9", old, NULL);
	json_t *forged = caps("0.3.0", old, patched_v1(
		"{\"max_mtu\": 9000, \"qemu_device\": {\"rx_queue_size\": 256}}"));
	char why[2048];

	/* same version */
	CHECK_EQ(vunet_profile_check_move(a, a, "org.vunet.net.v2", why,
					  sizeof(why)), 1);
	CHECK(strcmp(why, "org.vunet.net.v2 is the same device on the source "
		     "(vunet 0.1.0) and the destination (vunet 0.1.0)") == 0);
	/* destination newer, still serving v1 */
	CHECK_EQ(vunet_profile_check_move(o, b, "org.vunet.net.v1", why,
					  sizeof(why)), 1);
	/* destination older, lacking v2 */
	CHECK_EQ(vunet_profile_check_move(b, o, "org.vunet.net.v2", why,
					  sizeof(why)), 0);
	CHECK(strcmp(why, "the destination (vunet 0.0.9) does not serve "
		     "org.vunet.net.v2; it serves: org.vunet.net.v1") == 0);
	/* destination serving a different profile under the same name */
	CHECK_EQ(vunet_profile_check_move(a, forged, "org.vunet.net.v1", why,
					  sizeof(why)), 0);
	CHECK(strcmp(why, "the destination (vunet 0.3.0) serves a different "
		     "org.vunet.net.v1 than the source (vunet 0.1.0); max_mtu "
		     "1500 here, 9000 there") == 0);
	/* a profile the source does not have */
	CHECK_EQ(vunet_profile_check_move(o, a, "org.vunet.net.v2", why,
					  sizeof(why)), 0);
	CHECK_STR_HAS(why, "the source (vunet 0.0.9) does not serve");
	/* not a capabilities document */
	{
		json_t *junk = json_pack("{s:s}", "type", "gpu");

		CHECK_EQ(vunet_profile_check_move(junk, a, "org.vunet.net.v1",
						  why, sizeof(why)), -1);
		CHECK(strcmp(why, "the source document is not the output of "
			     "vunetd --print-capabilities") == 0);
		json_decref(junk);
	}
	json_decref(a);
	json_decref(b);
	json_decref(o);
	json_decref(forged);
}

static void
front_end_settings(void)
{
	const struct vunet_profile *v1 = vunet_profile_at(0);
	const struct vunet_profile *v2 = vunet_profile_find("org.vunet.net.v2");
	struct vunet_frontend f = { .socket_path = "/run/vm.sock",
				    .queues = 2, .memory = "512M" };
	char out[8192];

	CHECK_EQ(vunet_profile_qemu_args(v1, &f, out, sizeof(out)), 0);
	CHECK(strcmp(out, "-m 512M -object memory-backend-memfd,"
		     "id=vunet-mem,size=512M,share=on -machine "
		     "memory-backend=vunet-mem -chardev socket,id=vunet0,"
		     "path=/run/vm.sock,server=on,wait=off -netdev "
		     "vhost-user,id=vunet0,chardev=vunet0,"
		     "queues=2 -device virtio-net-pci,netdev=vunet0,csum=off,"
		     "guest_csum=off,gso=off,guest_tso4=off,guest_tso6=off,"
		     "guest_ecn=off,guest_ufo=off,host_tso4=off,host_tso6=off,"
		     "host_ecn=off,host_ufo=off,mrg_rxbuf=on,ctrl_vq=on,"
		     "ctrl_rx=on,guest_announce=on,mq=on,any_layout=on,"
		     "indirect_desc=on,event_idx=on,packed=off,"
		     "rx_queue_size=256,tx_queue_size=256\n") == 0);
	/* vunetd listens: QEMU connects, and again after a vunetd restart */
	f.port_server = true;
	CHECK_EQ(vunet_profile_qemu_args(v1, &f, out, sizeof(out)), 0);
	CHECK_STR_HAS(out, "path=/run/vm.sock,reconnect=1 -netdev");
	f.mtu = 1500;
	CHECK_EQ(vunet_profile_qemu_args(v1, &f, out, sizeof(out)), -1);
	CHECK(strcmp(out, "org.vunet.net.v1 does not negotiate an MTU (it "
		     "lacks VIRTIO_NET_F_MTU): omit the MTU") == 0);
	f.mtu = 0;
	f.queues = 5;
	CHECK_EQ(vunet_profile_qemu_args(v1, &f, out, sizeof(out)), -1);
	CHECK(strcmp(out, "5 queue pairs: org.vunet.net.v1 allows 1 to 4") ==
	      0);
	f = (struct vunet_frontend){ .socket_path = "/run/v'm.sock",
		.mac = "52:54:00:00:00:01", .queues = 8, .mtu = 9000 };
	CHECK_EQ(vunet_profile_libvirt_xml(v2, &f, out, sizeof(out)), 0);
	CHECK_STR_HAS(out, "<driver queues='8' rx_queue_size='1024' "
		      "tx_queue_size='1024' event_idx='on' packed='on'>");
	CHECK_STR_HAS(out, "<mtu size='9000'/>");
	CHECK_STR_HAS(out, "<source type='unix' path='/run/v&apos;m.sock' "
		      "mode='server'/>");
	CHECK(strstr(out, "<metadata") == NULL && strstr(out, "vunet:") ==
	      NULL);
	f.port = "vm1";
	f.bridge = "br0";
	f.vlan = 10;
	CHECK_EQ(vunet_profile_libvirt_xml(v2, &f, out, sizeof(out)), 0);
	CHECK_STR_HAS(out, "<vunet:port name='vm1' profile='org.vunet.net.v2' "
		      "socket='/run/v&apos;m.sock' mode='client' bridge='br0' "
		      "vlan='10' allowed_macs='52:54:00:00:00:01'/>");
	f.mtu = 9001;
	CHECK_EQ(vunet_profile_libvirt_xml(v2, &f, out, sizeof(out)), -1);
	/* v3: the offloads on both sides, ECN and UFO off */
	f.mtu = 1500;
	CHECK_EQ(vunet_profile_libvirt_xml(vunet_profile_find(
		"org.vunet.net.v3"), &f, out, sizeof(out)), 0);
	CHECK_STR_HAS(out, "<host csum='on' gso='off' tso4='on' tso6='on' "
		      "ecn='off' ufo='off' mrg_rxbuf='on'/>");
	CHECK_STR_HAS(out, "<guest csum='on' tso4='on' tso6='on' ecn='off' "
		      "ufo='off'/>");
	CHECK_EQ(vunet_profile_qemu_args(vunet_profile_find("org.vunet.net.v3"),
					 &f, out, sizeof(out)), 0);
	CHECK_STR_HAS(out, ",csum=on,guest_csum=on,gso=off,guest_tso4=on,"
		      "guest_tso6=on,guest_ecn=off,guest_ufo=off,host_tso4=on,"
		      "host_tso6=on,host_ecn=off,host_ufo=off,");
}

int
main(void)
{
	RUN(built_in_profiles_load);
	RUN(bad_profiles_are_refused_with_their_reason);
	RUN(move_check_answers);
	RUN(front_end_settings);
	return TAP_DONE();
}
