/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * The front-end side of a profile: the libvirt interface element and the
 * QEMU options that make QEMU show the guest the same device the back-end
 * offers, so nobody has to work out the knobs by hand.
 */

#include <stdio.h>
#include <string.h>

#include "vunet_profile.h"

static const char *
prop(const struct vunet_profile *p, const char *name)
{
	for (unsigned int i = 0; i < p->n_props; i++)
		if (strcmp(p->props[i].name, name) == 0)
			return p->props[i].value;
	return "off";
}

static int
check_args(const struct vunet_profile *p, unsigned int queues,
	   unsigned int mtu, char *buf, size_t len)
{
	if (queues < 1 || queues > p->max_queue_pairs) {
		snprintf(buf, len, "%u queue pairs: %s allows 1 to %u", queues,
			 p->name, p->max_queue_pairs);
		return -1;
	}
	if (mtu != 0 && !(p->features & (1ULL << 3))) {
		snprintf(buf, len, "%s does not negotiate an MTU (it lacks "
			 "VIRTIO_NET_F_MTU): omit the MTU", p->name);
		return -1;
	}
	if (mtu != 0 && (mtu < 68 || mtu > p->max_mtu)) {
		snprintf(buf, len, "MTU %u: %s allows 68 to %u", mtu, p->name,
			 p->max_mtu);
		return -1;
	}
	return 0;
}

/* libvirt has no attribute for these; they go in a <qemu:override>. */
static const char *const override_props[] = { "ctrl_vq", "ctrl_rx",
	"guest_announce", "any_layout", "indirect_desc", "mq", NULL };

int
vunet_profile_libvirt_xml(const struct vunet_profile *p,
			  const char *socket_path, const char *mac,
			  unsigned int queues, unsigned int mtu, char *buf,
			  size_t len)
{
	size_t off;

	if (check_args(p, queues, mtu, buf, len) < 0)
		return -1;
#define ADD(...) do { if (off < len) off += (size_t)snprintf(buf + off, \
		len - off, __VA_ARGS__); } while (0)
	off = 0;
	ADD("<!-- %s: vunetd connects as client; QEMU owns the socket -->\n",
	    p->name);
	ADD("<interface type='vhostuser'>\n");
	if (mac != NULL)
		ADD("  <mac address='%s'/>\n", mac);
	ADD("  <source type='unix' path='%s' mode='server'/>\n", socket_path);
	ADD("  <model type='virtio'/>\n");
	ADD("  <driver queues='%u' rx_queue_size='%s' tx_queue_size='%s' "
	    "event_idx='%s' packed='%s'>\n", queues, prop(p, "rx_queue_size"),
	    prop(p, "tx_queue_size"), prop(p, "event_idx"), prop(p, "packed"));
	ADD("    <host csum='%s' gso='%s' tso4='%s' tso6='%s' ecn='%s' "
	    "ufo='%s' mrg_rxbuf='%s'/>\n", prop(p, "csum"), prop(p, "gso"),
	    prop(p, "host_tso4"), prop(p, "host_tso6"), prop(p, "host_ecn"),
	    prop(p, "host_ufo"), prop(p, "mrg_rxbuf"));
	ADD("    <guest csum='%s' tso4='%s' tso6='%s' ecn='%s' ufo='%s'/>\n",
	    prop(p, "guest_csum"), prop(p, "guest_tso4"),
	    prop(p, "guest_tso6"), prop(p, "guest_ecn"), prop(p, "guest_ufo"));
	ADD("  </driver>\n");
	if (mtu != 0)
		ADD("  <mtu size='%u'/>\n", mtu);
	ADD("  <alias name='ua-vunet0'/>\n");
	ADD("</interface>\n");
	ADD("<!-- in <domain xmlns:qemu='http://libvirt.org/schemas/domain/"
	    "qemu/1.0'>, for what libvirt has no attribute for: -->\n");
	ADD("<qemu:override>\n  <qemu:device alias='ua-vunet0'>\n"
	    "    <qemu:frontend>\n");
	for (int i = 0; override_props[i] != NULL; i++)
		ADD("      <qemu:property name='%s' type='bool' "
		    "value='%s'/>\n", override_props[i],
		    strcmp(prop(p, override_props[i]), "on") == 0 ?
		    "true" : "false");
	ADD("    </qemu:frontend>\n  </qemu:device>\n</qemu:override>\n");
#undef ADD
	return off < len ? 0 : -1;
}

int
vunet_profile_qemu_args(const struct vunet_profile *p,
			const char *socket_path, const char *mac,
			unsigned int queues, unsigned int mtu, char *buf,
			size_t len)
{
	size_t off;

	if (check_args(p, queues, mtu, buf, len) < 0)
		return -1;
	off = (size_t)snprintf(buf, len, "-chardev socket,id=vunet0,path=%s,"
			       "server=on -netdev vhost-user,id=vunet0,"
			       "chardev=vunet0,queues=%u -device "
			       "virtio-net-pci,netdev=vunet0", socket_path,
			       queues);
	if (mac != NULL && off < len)
		off += (size_t)snprintf(buf + off, len - off, ",mac=%s", mac);
	for (unsigned int i = 0; i < p->n_props && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, ",%s=%s",
					p->props[i].name, p->props[i].value);
	if (mtu != 0 && off < len)
		off += (size_t)snprintf(buf + off, len - off, ",host_mtu=%u",
					mtu);
	if (off < len)
		off += (size_t)snprintf(buf + off, len - off, "\n");
	return off < len ? 0 : -1;
}
