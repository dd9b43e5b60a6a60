/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * vhost-user ports on rte_vhost. The callbacks run on rte_vhost's
 * "vhost-events" control thread. vring_state_changed runs with every
 * virtqueue lock held, so it only flips bits; the waits for workers (RCU)
 * happen in destroy_device, which holds no queue lock.
 *
 * rte_vhost never meets a front-end: it listens, in server mode, on a
 * private socket per port in DPDK's runtime folder (0700, ours), and the
 * relay (lib/relay) owns the port's public socket, or connects to QEMU's
 * in client mode, and passes whole messages on. Why: vunet_relay.h.
 */

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_version.h>
#include <rte_vhost.h>

#include "vunet_profile.h"
#include "vunet_relay.h"
#include "vunet_vhu_msg.h"
#include "vunet_vring.h"

#include "vunet_port.h"
#include "vunet_port_internal.h"

/* the relay's own messages (front-end connections): vunet.relay */
RTE_LOG_REGISTER(vunet_logtype_relay, vunet.relay, INFO);

/* vhost-user requests the profile's caps apply to (vhost-user.rst). */
#define VHOST_USER_SET_VRING_NUM 8
#define VHOST_USER_SET_VRING_ADDR 9
#define VHOST_USER_SET_VRING_BASE 10
#define VHOST_USER_GET_VRING_BASE 11
#define VHOST_USER_SET_VRING_KICK 12
#define VHOST_USER_SET_VRING_CALL 13
#define VHOST_USER_SET_VRING_ERR 14
#define VHOST_USER_GET_QUEUE_NUM 17
#define VHOST_USER_SET_VRING_ENABLE 18
#define VHOST_USER_NET_SET_MTU 20
#define VHOST_USER_VRING_IDX_MASK 0xff

/*
 * Head of struct vhu_msg_context (lib/vhost/vhost_user.h, not installed):
 * the packed VhostUserMsg header and the start of its payload. rte_vhost
 * keeps this layout stable for external message handlers.
 */
struct vhost_user_msg_head {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	union {
		uint64_t u64;
		struct {
			uint32_t index;
			uint32_t num;
		} state;
	} payload;
} __attribute__((packed));

/* How long a front-end may take over a message or leave replies unread. */
#define RELAY_MSG_TIMEOUT_MS 1000
#define RELAY_REPLY_TIMEOUT_MS 2000
#define RELAY_MAX_QUEUED (64 * 1024)
#define RELAY_RECONNECT_MS 1000 /* as rte_vhost's own client mode */

static pthread_mutex_t vhost_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vunet_relay *relay;
static char socket_dir[VUNET_SOCK_PATH_MAX];
static int socket_gid = -1;   /* server sockets' group by default */
static struct vunet_port *vhost_ports[VUNET_MAX_PORTS];
static struct vunet_port *vid_port[RTE_MAX_VHOST_DEVICE];

static struct vunet_port *
port_of_vid(int vid)
{
	struct vunet_port *p = NULL;

	if (vid >= 0 && vid < RTE_MAX_VHOST_DEVICE) {
		pthread_mutex_lock(&vhost_lock);
		p = vid_port[vid];
		/* a connection another took over speaks for no port */
		if (p != NULL && priv(p)->conn_vid != vid)
			p = NULL;
		pthread_mutex_unlock(&vhost_lock);
	}
	return p;
}


/* Which vring a message is about, or -1 if none. */
static int
msg_vring(const struct vhost_user_msg_head *m)
{
	switch (m->request) {
	case VHOST_USER_SET_VRING_NUM:
	case VHOST_USER_SET_VRING_ADDR:
	case VHOST_USER_SET_VRING_BASE:
	case VHOST_USER_GET_VRING_BASE:
	case VHOST_USER_SET_VRING_ENABLE:
		return (int)m->payload.state.index;
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
		return (int)(m->payload.u64 & VHOST_USER_VRING_IDX_MASK);
	default:
		return -1;
	}
}

/*
 * The profile's caps, enforced on the front-end's requests. An ERR closes
 * the connection unless the front-end asked for a reply (REPLY_ACK):
 * either way the port stays as the profile says and the reason is logged.
 */
static enum rte_vhost_msg_result
vhost_pre_msg(int vid, void *msg)
{
	struct vhost_user_msg_head *m = msg;
	struct vunet_port *p = port_of_vid(vid);
	const struct vunet_profile *prof;
	int vring;

	if (p == NULL)
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
	prof = p->conf->profile;
	/* rte_vhost 22.11 itself always answers 128 */
	if (m->request == VHOST_USER_GET_QUEUE_NUM) {
		m->payload.u64 = prof->max_queue_pairs;
		m->size = sizeof(m->payload.u64);
		return RTE_VHOST_MSG_RESULT_REPLY;
	}
	vring = msg_vring(m);
	if (vring >= 2 * prof->max_queue_pairs) {
		VHOST_LOG(ERR, "port %s: refused: the guest uses queue pair "
			  "%d, profile %s allows %u", p->conf->name,
			  vring / 2 + 1, prof->name, prof->max_queue_pairs);
		return RTE_VHOST_MSG_RESULT_ERR;
	}
	if (m->request == VHOST_USER_SET_VRING_NUM &&
	    m->payload.state.num > prof->max_ring_size) {
		VHOST_LOG(ERR, "port %s: refused: ring size %u on vring %d, "
			  "profile %s allows %u", p->conf->name,
			  m->payload.state.num, vring, prof->name,
			  prof->max_ring_size);
		return RTE_VHOST_MSG_RESULT_ERR;
	}
	if (m->request == VHOST_USER_NET_SET_MTU &&
	    m->payload.u64 > prof->max_mtu) {
		VHOST_LOG(ERR, "port %s: refused: MTU %" PRIu64 ", profile %s "
			  "allows %u", p->conf->name, m->payload.u64,
			  prof->name, prof->max_mtu);
		return RTE_VHOST_MSG_RESULT_ERR;
	}
	return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
}

static const struct rte_vhost_user_extern_ops vhost_extern_ops = {
	.pre_msg_handle = vhost_pre_msg,
};

static int
vhost_new_connection(int vid)
{
	char path[VUNET_SOCK_PATH_MAX];
	struct vunet_port *p = NULL;
	int ret = -1;

	if (rte_vhost_get_ifname(vid, path, sizeof(path)) < 0 ||
	    vid >= RTE_MAX_VHOST_DEVICE)
		return -1;
	pthread_mutex_lock(&vhost_lock);
	for (int i = 0; i < VUNET_MAX_PORTS; i++)
		if (vhost_ports[i] != NULL &&
		    strcmp(priv(vhost_ports[i])->backend, path) == 0)
			p = vhost_ports[i];
	if (p == NULL) {
		VHOST_LOG(ERR, "%s: connection for no known port", path);
	} else {
		/*
		 * The relay lets one front-end at a time through, so a
		 * second connection means the first is gone and rte_vhost
		 * has not seen its end yet: the new one takes the port.
		 */
		if (priv(p)->conn_vid >= 0)
			VHOST_LOG(INFO, "port %s: vid %d takes over from vid "
				  "%d, which is closing", p->conf->name, vid,
				  priv(p)->conn_vid);
		priv(p)->conn_vid = vid;
		vid_port[vid] = p;
		ret = 0;
	}
	pthread_mutex_unlock(&vhost_lock);
	if (ret == 0) {
		if (rte_vhost_extern_callback_register(vid, &vhost_extern_ops,
						       NULL) < 0)
			VHOST_LOG(ERR, "port %s: cannot hook messages: the "
				  "profile's caps are not enforced",
				  p->conf->name);
		VHOST_LOG(INFO, "port %s: front-end connected (vid %d)",
			  p->conf->name, vid);
	}
	return ret;
}

static void
vhost_destroy_connection(int vid)
{
	struct vunet_port *p;

	pthread_mutex_lock(&vhost_lock);
	p = vid_port[vid];
	vid_port[vid] = NULL;
	/* a connection that was taken over leaves the new one alone */
	if (p != NULL && priv(p)->conn_vid == vid) {
		priv(p)->conn_vid = -1;
		__atomic_store_n(&p->rxq_ready, 0, __ATOMIC_RELAXED);
		priv(p)->txq_enabled = 0;
		vunet_port_vhost_remap_tx(p);
	}
	pthread_mutex_unlock(&vhost_lock);
	if (p != NULL)
		VHOST_LOG(INFO, "port %s: front-end disconnected (vid %d)",
			  p->conf->name, vid);
}

/*
 * A packed ring whose position the front-end got wrong (QEMU's after the
 * previous back-end died: vunet_vring.h) is moved to where its flags say
 * the device stands, before any worker polls it.
 */
static void
vhost_fix_packed_rings(struct vunet_port *p, int vid)
{
	struct rte_vhost_vring vr;
	uint16_t avail, used, pos;

	if (!(priv(p)->features & (1ULL << VIRTIO_F_RING_PACKED)))
		return;
	for (uint16_t q = 0; q < rte_vhost_get_vring_num(vid); q++) {
		if (rte_vhost_get_vhost_vring(vid, q, &vr) < 0 ||
		    vr.desc_packed == NULL || vr.size == 0 ||
		    rte_vhost_get_vring_base(vid, q, &avail, &used) < 0 ||
		    vunet_packed_ring_consistent(vr.desc_packed, vr.size,
						 avail))
			continue;
		/* the driver may post meanwhile: take a reading twice alike */
		pos = vunet_packed_ring_position(vr.desc_packed, vr.size);
		for (int i = 0; i < 8; i++) {
			uint16_t again = vunet_packed_ring_position(
				vr.desc_packed, vr.size);

			if (again == pos)
				break;
			pos = again;
		}
		if (rte_vhost_set_vring_base(vid, q, pos, pos) < 0)
			continue;
		priv(p)->ring_fixes++;
		VHOST_LOG(WARNING, "port %s: vring %u: the front-end's "
			  "position %u (wrap %u) is stale, the ring's flags "
			  "say %u (wrap %u): taken", p->conf->name, q,
			  avail & ~VUNET_VRING_WRAP,
			  !!(avail & VUNET_VRING_WRAP),
			  pos & ~VUNET_VRING_WRAP,
			  !!(pos & VUNET_VRING_WRAP));
	}
}

/* What the negotiated features let the switch hand to and take from p. */
static uint8_t
offload_caps(uint64_t f)
{
#define HAS(bit) ((f & (1ULL << VUNET_F_VIRTIO_NET_F_ ## bit)) != 0)
	uint8_t caps = 0;

	if (HAS(CSUM) || HAS(HOST_TSO4) || HAS(HOST_TSO6))
		caps |= VUNET_CAP_OFFLOAD_IN;
	if (HAS(GUEST_CSUM))
		caps |= VUNET_CAP_CSUM_OUT;
	/* as OVS: TSO frames whole only to a guest that takes both kinds */
	if (HAS(GUEST_CSUM) && HAS(GUEST_TSO4) && HAS(GUEST_TSO6))
		caps |= VUNET_CAP_TSO_OUT;
#undef HAS
	return caps;
}

static int
vhost_new_device(int vid)
{
	struct vunet_port *p = port_of_vid(vid);
	const struct vunet_port_env *env = vunet_port_env();
	uint8_t caps;
	int node;

	if (p == NULL)
		return -1;
	/* busy-polled: the guest need not kick us */
	for (uint16_t q = 0; q < rte_vhost_get_vring_num(vid); q++)
		rte_vhost_enable_guest_notification(vid, q, 0);
	rte_vhost_get_negotiated_features(vid, &priv(p)->features);
	rte_vhost_get_negotiated_protocol_features(vid, &priv(p)->protocol_features);
	vhost_fix_packed_rings(p, vid);
	node = rte_vhost_get_numa_node(vid);
	if (node < 0 || node >= RTE_MAX_NUMA_NODES ||
	    env->pools[node] == NULL)
		node = 0;
	caps = offload_caps(priv(p)->features);
	p->pool = (caps & VUNET_CAP_OFFLOAD_IN) && env->tso_pools[node] ?
		  env->tso_pools[node] : env->pools[node];
	p->seg_pool = env->pools[node];
	__atomic_store_n(&p->caps, (uint8_t)((p->caps & ~VUNET_CAP_OFFLOADS) |
		caps), __ATOMIC_RELAXED);
	priv(p)->n_ups++;
	__atomic_store_n(&p->vid, vid, __ATOMIC_RELEASE);
	VHOST_LOG(INFO, "port %s: guest up (vid %d, profile %s, features 0x%"
		  PRIx64 ", protocol features 0x%" PRIx64 ", %u vrings, NUMA "
		  "%d)", p->conf->name, vid, p->conf->profile->name,
		  priv(p)->features, priv(p)->protocol_features,
		  rte_vhost_get_vring_num(vid), node);
	return 0;
}

static void
vhost_destroy_device(int vid)
{
	const struct vunet_port_env *env = vunet_port_env();
	struct vunet_port *p;
	int running = vid;

	/* also a connection taken over: workers may still use its device */
	pthread_mutex_lock(&vhost_lock);
	p = vid >= 0 && vid < RTE_MAX_VHOST_DEVICE ? vid_port[vid] : NULL;
	pthread_mutex_unlock(&vhost_lock);
	if (p == NULL)
		return;
	__atomic_compare_exchange_n(&p->vid, &running, -1, false,
				    __ATOMIC_RELEASE, __ATOMIC_RELAXED);
	/* rte_vhost may unmap the rings when we return: wait for workers */
	if (env->qsbr != NULL)
		rte_rcu_qsbr_synchronize(env->qsbr, RTE_QSBR_THRID_INVALID);
	VHOST_LOG(INFO, "port %s: guest down (vid %d)", p->conf->name, vid);
}

static int
vhost_vring_state_changed(int vid, uint16_t vring, int enable)
{
	struct vunet_port *p = port_of_vid(vid);
	uint32_t bit;

	if (p == NULL)
		return 0;
	/* the message hook refuses such vrings before they get here */
	if (vring / 2 >= p->nb_rxq) {
		VHOST_LOG(WARNING, "port %s: vring %u is beyond the %u queue "
			  "pairs offered; not polled", p->conf->name, vring,
			  p->nb_rxq);
		return 0;
	}
	bit = 1u << (vring / 2);
	if (vring & 1) {
		if (enable)
			__atomic_fetch_or(&p->rxq_ready, bit,
					  __ATOMIC_RELAXED);
		else
			__atomic_fetch_and(&p->rxq_ready, ~bit,
					   __ATOMIC_RELAXED);
	} else {
		if (enable)
			priv(p)->txq_enabled |= bit;
		else
			priv(p)->txq_enabled &= ~bit;
		vunet_port_vhost_remap_tx(p);
	}
	return 0;
}

static const struct rte_vhost_device_ops vhost_ops = {
	.new_device = vhost_new_device,
	.destroy_device = vhost_destroy_device,
	.vring_state_changed = vhost_vring_state_changed,
	.new_connection = vhost_new_connection,
	.destroy_connection = vhost_destroy_connection,
};

void
vunet_port_vhost_remap_tx(struct vunet_port *p)
{
	int16_t on[VUNET_MAX_QUEUES];
	unsigned int n_on = 0, n_workers = vunet_port_env()->n_workers;

	for (uint16_t q = 0; q < p->nb_rxq; q++)
		if (priv(p)->txq_enabled & (1u << q))
			on[n_on++] = (int16_t)(2 * q);
	/* spread the workers over the guest's enabled receive rings */
	for (unsigned int w = 0; w < VUNET_MAX_WORKERS; w++)
		__atomic_store_n(&p->tx_vring[w],
				 (n_on == 0 || w >= n_workers) ? -1 :
				 on[w % n_on], __ATOMIC_RELAXED);
}

/*
 * Offer exactly the profile. Features are only ever taken away from
 * rte_vhost's defaults: in 22.11 rte_vhost_driver_set_features() also
 * turns off the built-in net back-end and every burst returns 0.
 */
static int
vhost_apply_profile(const char *path, const struct vunet_profile *prof,
		    char *err, size_t errlen)
{
	uint64_t features, proto;
	char missing[512];

	if (rte_vhost_driver_get_features(path, &features) < 0 ||
	    rte_vhost_driver_get_protocol_features(path, &proto) < 0) {
		snprintf(err, errlen, "rte_vhost cannot read %s's features",
			 path);
		return -EINVAL;
	}
	for (int protocol = 0; protocol < 2; protocol++) {
		uint64_t lack = protocol ? prof->protocol_features & ~proto :
				prof->features & ~features;

		if (lack == 0)
			continue;
		vunet_features_format(lack, protocol, missing,
				      sizeof(missing));
		snprintf(err, errlen, "profile %s needs %s, which this vunetd "
			 "(%s) cannot offer", prof->name, missing,
			 rte_version());
		return -ENOTSUP;
	}
	if (rte_vhost_driver_disable_features(path,
					      features & ~prof->features) < 0 ||
	    rte_vhost_driver_set_protocol_features(path,
						   prof->protocol_features) < 0) {
		snprintf(err, errlen, "rte_vhost refused profile %s",
			 prof->name);
		return -EINVAL;
	}
	return 0;
}

/*
 * The socket's name in the socket directory, or NULL: a port's socket is
 * always directly in it, so a control client cannot make root bind,
 * connect to or remove a socket anywhere else.
 */
static const char *
socket_file(const char *path)
{
	size_t n = strlen(socket_dir);
	const char *file = path + n + 1;

	if (strncmp(path, socket_dir, n) != 0 || path[n] != '/' ||
	    file[0] == '\0' || strchr(file, '/') != NULL ||
	    strcmp(file, ".") == 0 || strcmp(file, "..") == 0)
		return NULL;
	return file;
}

/* a group by name, as a gid; -1 and why if there is none */
static int
group_id(const char *name, char *err, size_t errlen)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (getgrnam_r(name, &gr, buf, sizeof(buf), &res) != 0 ||
	    res == NULL) {
		snprintf(err, errlen, "socket group '%s': no such group",
			 name);
		return -1;
	}
	return (int)gr.gr_gid;
}

/* Make p one of the vhost ports the callbacks find: its index there. */
static int
vhost_list(struct vunet_port *p)
{
	int slot = -1;

	pthread_mutex_lock(&vhost_lock);
	for (int i = 0; i < VUNET_MAX_PORTS && slot < 0; i++)
		if (vhost_ports[i] == NULL)
			slot = i;
	if (slot >= 0)
		vhost_ports[slot] = p;
	pthread_mutex_unlock(&vhost_lock);
	return slot;
}

static int
vhost_create(struct vunet_port *p, char *err, size_t errlen)
{
	const struct vunet_port_conf *c = p->conf;
	/*
	 * Compliant offload flags: received mbufs carry Rx offload flags, as
	 * an ethdev's would (the legacy variant sets Tx flags on them), and
	 * dequeue runs the same code as testpmd's net_vhost. No profile
	 * negotiates offloads yet, so today the flags stay empty either way.
	 */
	uint64_t flags = RTE_VHOST_USER_NET_COMPLIANT_OL_FLAGS;
	const char *file = socket_file(c->path);
	int ret, slot = -1, gid = socket_gid;

	priv(p)->relay = -1;
	if (c->socket_group[0] != '\0') {
		gid = group_id(c->socket_group, err, errlen);
		if (gid < 0)
			return -EINVAL;
	}
	if (file == NULL) {
		snprintf(err, errlen, "%s is not a socket in the socket "
			 "directory %s (vunetd --socket-dir)", c->path,
			 socket_dir);
		return -EPERM;
	}
	p->nb_rxq = c->profile->max_queue_pairs;
	p->max_frame = (uint16_t)RTE_MIN((uint32_t)c->profile->max_mtu +
					 RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN,
					 (uint32_t)UINT16_MAX);
	p->caps = VUNET_CAP_TX_CHAINS; /* enqueue copies every segment */
	priv(p)->txq_enabled = 0;
	vunet_port_vhost_remap_tx(p);
	if (snprintf(priv(p)->backend, sizeof(priv(p)->backend), "%s/vhost-%u.sock",
		     rte_eal_get_runtime_dir(), p->index) >=
	    (int)sizeof(priv(p)->backend)) {
		snprintf(err, errlen, "DPDK's runtime folder %s is too long "
			 "for a socket path (a shorter --file-prefix)",
			 rte_eal_get_runtime_dir());
		return -ENAMETOOLONG;
	}
	/* only ours can be there (a crashed run's, with our prefix) */
	if (unlink(priv(p)->backend) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove %s: %s", priv(p)->backend,
			 strerror(errno));
		return -errno;
	}
	slot = vhost_list(p);
	if (slot < 0) {
		snprintf(err, errlen, "too many vhost ports");
		return -ENOSPC;
	}

	if (rte_vhost_driver_register(priv(p)->backend, flags) < 0) {
		snprintf(err, errlen, "rte_vhost cannot register %s",
			 priv(p)->backend);
		ret = -EINVAL;
		goto unlist;
	}
	priv(p)->registered = true;
	ret = vhost_apply_profile(priv(p)->backend, c->profile, err, errlen);
	if (ret < 0)
		goto unregister;
	if (rte_vhost_driver_callback_register(priv(p)->backend, &vhost_ops) < 0 ||
	    rte_vhost_driver_start(priv(p)->backend) < 0) {
		snprintf(err, errlen, "rte_vhost cannot listen on %s",
			 priv(p)->backend);
		ret = -EIO;
		goto unregister;
	}
	ret = vunet_relay_add(relay, c->name, file, c->client, priv(p)->backend,
			      vunet_vhu_admitted(c->profile->features,
						 c->profile->protocol_features),
			      gid, c->socket_mode != 0 ? c->socket_mode :
			      gid >= 0 ? 0660 : 0600, err, errlen);
	if (ret < 0)
		goto unregister;
	priv(p)->relay = ret;
	vunet_port_capture_attach(p);
	VHOST_LOG(INFO, "port %s: %s %s, profile %s%s", c->name,
		  c->client ? "client of" : "listening on", c->path,
		  c->profile->name, c->profile_defaulted ?
		  " (none was given: the latest)" : "");
	return 0;

unregister:
	rte_vhost_driver_unregister(priv(p)->backend);
	unlink(priv(p)->backend);
	priv(p)->registered = false;
unlist:
	pthread_mutex_lock(&vhost_lock);
	vhost_ports[slot] = NULL;
	pthread_mutex_unlock(&vhost_lock);
	return ret;
}

static void
vhost_destroy(struct vunet_port *p)
{
	/* the front-end first: no new connection while rte_vhost lets go */
	vunet_relay_del(relay, priv(p)->relay);
	priv(p)->relay = -1;
	/* disconnects the guest: destroy_device, destroy_connection run */
	if (priv(p)->registered) {
		if (rte_vhost_driver_unregister(priv(p)->backend) < 0)
			VHOST_LOG(ERR, "port %s: cannot unregister %s",
				  p->conf->name, priv(p)->backend);
		unlink(priv(p)->backend);
	}
	priv(p)->registered = false;
	vunet_port_capture_detach(p);
	pthread_mutex_lock(&vhost_lock);
	for (int i = 0; i < VUNET_MAX_PORTS; i++)
		if (vhost_ports[i] == p)
			vhost_ports[i] = NULL;
	pthread_mutex_unlock(&vhost_lock);
}

static void
relay_log(int level, const char *fmt, ...)
{
	static const uint32_t levels[] = { RTE_LOG_ERR, RTE_LOG_WARNING,
					   RTE_LOG_INFO };
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rte_log(levels[level < 0 || level > 2 ? 0 : level], vunet_logtype_relay,
		"relay: %s\n", line);
}

int
vunet_port_vhost_init(const char *dir, int dir_fd, const char *group,
		      char *err, size_t errlen)
{
	const struct vunet_relay_conf rc = {
		.dir_fd = dir_fd,
		.dir = dir,
		.msg_timeout_ms = RELAY_MSG_TIMEOUT_MS,
		.reply_timeout_ms = RELAY_REPLY_TIMEOUT_MS,
		.max_queued = RELAY_MAX_QUEUED,
		.reconnect_ms = RELAY_RECONNECT_MS,
		.log = relay_log,
	};

	snprintf(socket_dir, sizeof(socket_dir), "%s", dir);
	socket_gid = -1;
	if (group != NULL) {
		socket_gid = group_id(group, err, errlen);
		if (socket_gid < 0)
			return -EINVAL;
	}
	relay = vunet_relay_new(&rc, err, errlen);
	return relay == NULL ? -ENOMEM : 0;
}

void
vunet_port_vhost_fini(void)
{
	vunet_relay_free(relay);
	relay = NULL;
}

int
vunet_port_vhost_attach_fd(struct vunet_port *p, int fd, void (*done)(void),
			   char *err, size_t errlen)
{
	const struct vunet_profile *prof = p->conf->profile;
	int ret = vunet_relay_add_fd(relay, p->conf->name, fd, priv(p)->backend,
				     vunet_vhu_admitted(prof->features,
							prof->protocol_features),
				     done, err, errlen);

	return ret < 0 ? ret : 0;
}

bool
vunet_port_vhost_cut_blocking(int fd, char *name, size_t len)
{
	struct vunet_port *found = NULL;
	int vid = -1;

	pthread_mutex_lock(&vhost_lock);
	/* under the lock no connection's device is freed (destroy_connection) */
	for (int i = 0; i < VUNET_MAX_PORTS && found == NULL; i++) {
		struct vunet_port *p = vhost_ports[i];
		struct rte_vhost_vring vr;

		if (p == NULL || priv(p)->conn_vid < 0)
			continue;
		vid = priv(p)->conn_vid;
		for (uint16_t q = 0; q < rte_vhost_get_vring_num(vid); q++)
			if (rte_vhost_get_vhost_vring(vid, q, &vr) == 0 &&
			    vr.callfd == fd)
				found = p;
	}
	if (found != NULL) {
		int running = vid;

		__atomic_compare_exchange_n(&found->vid, &running, -1, false,
					    __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED);
		vunet_relay_cut_blocking(relay, priv(found)->relay);
		snprintf(name, len, "%s", found->conf->name);
	}
	pthread_mutex_unlock(&vhost_lock);
	return found != NULL;
}

static void
vhost_frontend(const struct vunet_port *p, struct vunet_relay_stats *st)
{
	vunet_relay_stats(relay, priv(p)->relay, st);
}

static void
vhost_info(const struct vunet_port *p, struct vunet_port_info *i)
{
	if (i->state != VUNET_PORT_UP && priv(p)->conn_vid >= 0)
		i->state = VUNET_PORT_CONNECTING;
}

static void
vhost_describe(const struct vunet_port *p, bool detail,
	       struct vunet_port_fields *f)
{
	const struct vunet_port_conf *c = p->conf;
	const struct vunet_port_priv *pv = priv(p);

	vunet_port_field_str(f, "path", c->path);
	vunet_port_field_str(f, "mode", c->client ? "client" : "server");
	vunet_port_field_str(f, "profile", c->profile->name);
	if (!detail)
		return;
	vunet_port_field_num(f, "features", pv->features);
	vunet_port_field_num(f, "protocol_features", pv->protocol_features);
	vunet_port_field_num(f, "guest_ups", pv->n_ups);
	vunet_port_field_num(f, "ring_fixes", pv->ring_fixes);
	vunet_port_field_bool(f, "profile_defaulted", c->profile_defaulted);
}

/* a guest's device: its socket, who connects, the profile */
static bool
vhost_same_device(const struct vunet_port_conf *a,
		  const struct vunet_port_conf *b)
{
	return strcmp(a->path, b->path) == 0 && a->client == b->client &&
	       a->profile == b->profile;
}

const struct vunet_port_ops vunet_port_vhost_ops = {
	.create = vhost_create,
	.destroy = vhost_destroy,
	.info = vhost_info,
	.describe = vhost_describe,
	.same_device = vhost_same_device,
	.frontend = vhost_frontend,
};
