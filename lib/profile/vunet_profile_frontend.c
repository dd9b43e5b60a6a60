/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * The front-end side of a profile: the libvirt interface element (and the
 * metadata vunet's libvirt hook reads) and the QEMU options that make QEMU
 * show the guest the same device the back-end offers, so nobody has to
 * work out the knobs by hand.
 */

#include <stdarg.h>
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
check_args(const struct vunet_profile *p, const struct vunet_frontend *f,
	   char *buf, size_t len)
{
	if (f->queues < 1 || f->queues > p->max_queue_pairs) {
		snprintf(buf, len, "%u queue pairs: %s allows 1 to %u",
			 f->queues, p->name, p->max_queue_pairs);
		return -1;
	}
	if (f->mtu != 0 && !(p->features & (1ULL << VUNET_F_VIRTIO_NET_F_MTU))) {
		snprintf(buf, len, "%s does not negotiate an MTU (it lacks "
			 "VIRTIO_NET_F_MTU): omit the MTU", p->name);
		return -1;
	}
	if (f->mtu != 0 && (f->mtu < 68 || f->mtu > p->max_mtu)) {
		snprintf(buf, len, "MTU %u: %s allows 68 to %u", f->mtu,
			 p->name, p->max_mtu);
		return -1;
	}
	if (f->vlan > 4094) {
		snprintf(buf, len, "VLAN %u: 1 to 4094", f->vlan);
		return -1;
	}
	return 0;
}

struct out {
	char *buf;
	size_t len;
	size_t off;
};

static void __attribute__((format(printf, 2, 3)))
add(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->off >= o->len)
		return;
	va_start(ap, fmt);
	o->off += (size_t)vsnprintf(o->buf + o->off, o->len - o->off, fmt, ap);
	va_end(ap);
}

/* an XML attribute value, quoted with ' */
static void
add_attr(struct out *o, const char *name, const char *value)
{
	add(o, " %s='", name);
	for (const char *c = value; *c != '\0'; c++) {
		switch (*c) {
		case '\'': add(o, "&apos;"); break;
		case '"': add(o, "&quot;"); break;
		case '&': add(o, "&amp;"); break;
		case '<': add(o, "&lt;"); break;
		case '>': add(o, "&gt;"); break;
		default: add(o, "%c", *c);
		}
	}
	add(o, "'");
}

/* libvirt has no attribute for these; they go in a <qemu:override>. */
static const char *const override_props[] = { "ctrl_vq", "ctrl_rx",
	"guest_announce", "any_layout", "indirect_desc", "mq", NULL };

/* The namespace of vunet's <metadata> element, which the hook reads. */
#define VUNET_LIBVIRT_NS "https://vunet.dev/xmlns/libvirt/1"

static void
add_metadata(struct out *o, const struct vunet_profile *p,
	     const struct vunet_frontend *f)
{
	add(o, "<!-- in <metadata>: what vunet's qemu hook makes of it "
	    "(one <vunet:port> a NIC) -->\n");
	add(o, "<vunet:ports xmlns:vunet='" VUNET_LIBVIRT_NS "'>\n");
	add(o, "  <vunet:port");
	add_attr(o, "name", f->port);
	add_attr(o, "profile", p->name);
	add_attr(o, "socket", f->socket_path);
	add_attr(o, "mode", f->port_server ? "server" : "client");
	if (f->bridge != NULL)
		add_attr(o, "bridge", f->bridge);
	if (f->vlan != 0)
		add(o, " vlan='%u'", f->vlan);
	if (f->mac != NULL)
		add_attr(o, "allowed_macs", f->mac);
	add(o, "/>\n</vunet:ports>\n");
}

int
vunet_profile_libvirt_xml(const struct vunet_profile *p,
			  const struct vunet_frontend *f, char *buf,
			  size_t len)
{
	struct out o = { buf, len, 0 };

	if (check_args(p, f, buf, len) < 0)
		return -1;
	add(&o, "<!-- %s: %s -->\n", p->name, f->port_server ?
	    "vunetd owns the socket; QEMU connects" :
	    "QEMU owns the socket; vunetd connects (survives a vunetd "
	    "restart)");
	add(&o, "<interface type='vhostuser'>\n");
	if (f->mac != NULL) {
		add(&o, "  <mac");
		add_attr(&o, "address", f->mac);
		add(&o, "/>\n");
	}
	add(&o, "  <source type='unix'");
	add_attr(&o, "path", f->socket_path);
	add(&o, " mode='%s'/>\n", f->port_server ? "client" : "server");
	add(&o, "  <model type='virtio'/>\n");
	add(&o, "  <driver queues='%u' rx_queue_size='%s' tx_queue_size='%s' "
	    "event_idx='%s' packed='%s'>\n", f->queues,
	    prop(p, "rx_queue_size"), prop(p, "tx_queue_size"),
	    prop(p, "event_idx"), prop(p, "packed"));
	add(&o, "    <host csum='%s' gso='%s' tso4='%s' tso6='%s' ecn='%s' "
	    "ufo='%s' mrg_rxbuf='%s'/>\n", prop(p, "csum"), prop(p, "gso"),
	    prop(p, "host_tso4"), prop(p, "host_tso6"), prop(p, "host_ecn"),
	    prop(p, "host_ufo"), prop(p, "mrg_rxbuf"));
	add(&o, "    <guest csum='%s' tso4='%s' tso6='%s' ecn='%s' "
	    "ufo='%s'/>\n", prop(p, "guest_csum"), prop(p, "guest_tso4"),
	    prop(p, "guest_tso6"), prop(p, "guest_ecn"), prop(p, "guest_ufo"));
	add(&o, "  </driver>\n");
	if (f->mtu != 0)
		add(&o, "  <mtu size='%u'/>\n", f->mtu);
	add(&o, "  <alias name='ua-vunet0'/>\n");
	add(&o, "</interface>\n");
	add(&o, "<!-- in <domain xmlns:qemu='http://libvirt.org/schemas/"
	    "domain/qemu/1.0'>, for what libvirt has no attribute for: -->\n");
	add(&o, "<qemu:override>\n  <qemu:device alias='ua-vunet0'>\n"
	    "    <qemu:frontend>\n");
	for (int i = 0; override_props[i] != NULL; i++)
		add(&o, "      <qemu:property name='%s' type='bool' "
		    "value='%s'/>\n", override_props[i],
		    strcmp(prop(p, override_props[i]), "on") == 0 ?
		    "true" : "false");
	add(&o, "    </qemu:frontend>\n  </qemu:device>\n</qemu:override>\n");
	if (f->port != NULL)
		add_metadata(&o, p, f);
	return o.off < len ? 0 : -1;
}

int
vunet_profile_qemu_args(const struct vunet_profile *p,
			const struct vunet_frontend *f, char *buf,
			size_t len)
{
	struct out o = { buf, len, 0 };
	const char *mem = f->memory != NULL ? f->memory : "1G";

	if (check_args(p, f, buf, len) < 0)
		return -1;
	/* vhost-user needs guest memory the back-end can map */
	add(&o, "-m %s -object memory-backend-memfd,id=vunet-mem,size=%s,"
	    "share=on -machine memory-backend=vunet-mem ", mem, mem);
	add(&o, "-chardev socket,id=vunet0,path=%s,%s ", f->socket_path,
	    f->port_server ? "reconnect=1" : "server=on,wait=off");
	add(&o, "-netdev vhost-user,id=vunet0,chardev=vunet0,queues=%u "
	    "-device virtio-net-pci,netdev=vunet0", f->queues);
	if (f->mac != NULL)
		add(&o, ",mac=%s", f->mac);
	for (unsigned int i = 0; i < p->n_props; i++)
		add(&o, ",%s=%s", p->props[i].name, p->props[i].value);
	if (f->mtu != 0)
		add(&o, ",host_mtu=%u", f->mtu);
	add(&o, "\n");
	return o.off < len ? 0 : -1;
}
