/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_PROFILE_H
#define VUNET_PROFILE_H

/*
 * Versioned interface profiles: the exact virtio-net device a VM port
 * shows, so a VM can migrate between hosts running different vunetd
 * versions. A released profile never changes; the set a vunetd supports
 * only grows. Pure C + jansson, no DPDK: vunetctl uses it too.
 *
 * The profiles a vunetd supports are compiled into it (from
 * lib/profile/released/ at build time): what a binary offers cannot drift
 * with files on the host.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define VUNET_PROFILE_NAME_MAX 64
#define VUNET_PROFILE_PREFIX "org.vunet.net.v"
#define VUNET_PROFILE_MAX_PROPS 32
#define VUNET_PROFILE_ERR_MAX 512

struct vunet_qemu_prop {
	char name[32];
	char value[16];          /* "on", "off" or a number */
};

struct vunet_profile {
	char name[VUNET_PROFILE_NAME_MAX];
	unsigned int version;    /* N of org.vunet.net.vN */
	char description[256];
	uint64_t features;       /* virtio feature bits offered */
	uint64_t protocol_features;
	uint16_t max_queue_pairs;
	uint16_t max_ring_size;
	uint16_t max_mtu;
	uint16_t n_props;        /* -device virtio-net-pci properties */
	struct vunet_qemu_prop props[VUNET_PROFILE_MAX_PROPS];
	const char *text;        /* the released file, byte for byte */
};

/*
 * Every virtio-net feature (virtio 1.2, 5.1.3 and 6, and vhost-user's) and
 * vhost-user protocol feature we know: X(spec name, bit). The name tables
 * and the VUNET_F_... bit numbers below are made from these lists.
 */
#define VUNET_VIRTIO_FEATURES(X) \
	X(VIRTIO_NET_F_CSUM, 0) \
	X(VIRTIO_NET_F_GUEST_CSUM, 1) \
	X(VIRTIO_NET_F_CTRL_GUEST_OFFLOADS, 2) \
	X(VIRTIO_NET_F_MTU, 3) \
	X(VIRTIO_NET_F_MAC, 5) \
	X(VIRTIO_NET_F_GSO, 6) \
	X(VIRTIO_NET_F_GUEST_TSO4, 7) \
	X(VIRTIO_NET_F_GUEST_TSO6, 8) \
	X(VIRTIO_NET_F_GUEST_ECN, 9) \
	X(VIRTIO_NET_F_GUEST_UFO, 10) \
	X(VIRTIO_NET_F_HOST_TSO4, 11) \
	X(VIRTIO_NET_F_HOST_TSO6, 12) \
	X(VIRTIO_NET_F_HOST_ECN, 13) \
	X(VIRTIO_NET_F_HOST_UFO, 14) \
	X(VIRTIO_NET_F_MRG_RXBUF, 15) \
	X(VIRTIO_NET_F_STATUS, 16) \
	X(VIRTIO_NET_F_CTRL_VQ, 17) \
	X(VIRTIO_NET_F_CTRL_RX, 18) \
	X(VIRTIO_NET_F_CTRL_VLAN, 19) \
	X(VIRTIO_NET_F_CTRL_RX_EXTRA, 20) \
	X(VIRTIO_NET_F_GUEST_ANNOUNCE, 21) \
	X(VIRTIO_NET_F_MQ, 22) \
	X(VIRTIO_NET_F_CTRL_MAC_ADDR, 23) \
	X(VIRTIO_F_NOTIFY_ON_EMPTY, 24) \
	X(VHOST_F_LOG_ALL, 26) \
	X(VIRTIO_F_ANY_LAYOUT, 27) \
	X(VIRTIO_RING_F_INDIRECT_DESC, 28) \
	X(VIRTIO_RING_F_EVENT_IDX, 29) \
	X(VHOST_USER_F_PROTOCOL_FEATURES, 30) \
	X(VIRTIO_F_VERSION_1, 32) \
	X(VIRTIO_F_ACCESS_PLATFORM, 33) \
	X(VIRTIO_F_RING_PACKED, 34) \
	X(VIRTIO_F_IN_ORDER, 35) \
	X(VIRTIO_F_ORDER_PLATFORM, 36) \
	X(VIRTIO_F_SR_IOV, 37) \
	X(VIRTIO_F_NOTIFICATION_DATA, 38) \
	X(VIRTIO_F_RING_RESET, 40)

#define VUNET_PROTOCOL_FEATURES(X) \
	X(VHOST_USER_PROTOCOL_F_MQ, 0) \
	X(VHOST_USER_PROTOCOL_F_LOG_SHMFD, 1) \
	X(VHOST_USER_PROTOCOL_F_RARP, 2) \
	X(VHOST_USER_PROTOCOL_F_REPLY_ACK, 3) \
	X(VHOST_USER_PROTOCOL_F_NET_MTU, 4) \
	X(VHOST_USER_PROTOCOL_F_BACKEND_REQ, 5) \
	X(VHOST_USER_PROTOCOL_F_CROSS_ENDIAN, 6) \
	X(VHOST_USER_PROTOCOL_F_CRYPTO_SESSION, 7) \
	X(VHOST_USER_PROTOCOL_F_PAGEFAULT, 8) \
	X(VHOST_USER_PROTOCOL_F_CONFIG, 9) \
	X(VHOST_USER_PROTOCOL_F_BACKEND_SEND_FD, 10) \
	X(VHOST_USER_PROTOCOL_F_HOST_NOTIFIER, 11) \
	X(VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD, 12) \
	X(VHOST_USER_PROTOCOL_F_RESET_DEVICE, 13) \
	X(VHOST_USER_PROTOCOL_F_INBAND_NOTIFICATIONS, 14) \
	X(VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS, 15) \
	X(VHOST_USER_PROTOCOL_F_STATUS, 16)

#define VUNET_FEATURE_BIT(name, bit) VUNET_F_ ## name = bit,
enum vunet_feature_bit {
	VUNET_VIRTIO_FEATURES(VUNET_FEATURE_BIT)
	VUNET_PROTOCOL_FEATURES(VUNET_FEATURE_BIT)
};
#undef VUNET_FEATURE_BIT

/* A name table entry: spec name and bit. */
struct vunet_feature_name {
	const char *name;
	unsigned int bit;
};

/* Every virtio-net feature and vhost-user protocol feature we know. */
extern const struct vunet_feature_name vunet_virtio_features[];
extern const struct vunet_feature_name vunet_protocol_features[];

/* Name of a bit, or NULL. */
const char *vunet_virtio_feature_name(unsigned int bit);
const char *vunet_protocol_feature_name(unsigned int bit);

/*
 * Parse and validate one profile document (a JSON object). origin names
 * it in messages ("file: field: why"). Returns 0, or -1 with err set.
 */
int vunet_profile_from_json(json_t *doc, const char *origin,
			    struct vunet_profile *p, char *err, size_t errlen);
int vunet_profile_parse(const char *text, const char *origin,
			struct vunet_profile *p, char *err, size_t errlen);

/* The profiles built into this binary, oldest first. */
unsigned int vunet_profile_count(void);
const struct vunet_profile *vunet_profile_at(unsigned int i);
const struct vunet_profile *vunet_profile_find(const char *name);
const struct vunet_profile *vunet_profile_latest(void);
/* Parse the built-in profiles; call once before the others. */
int vunet_profiles_init(char *err, size_t errlen);

/* The profile as its JSON document (new reference). */
json_t *vunet_profile_to_json(const struct vunet_profile *p);

/* "A, B, C": names of the bits set in mask, for messages. */
void vunet_features_format(uint64_t mask, bool protocol, char *buf,
			   size_t len);

/*
 * The capabilities document of this vunetd (QEMU's vhost-user back-end
 * conventions, type "net", plus the profiles). New reference.
 */
json_t *vunet_capabilities(const char *version);

/*
 * Can a VM on profile name move from the host whose capabilities are src
 * to the one whose capabilities are dst? Returns 1 yes, 0 no, -1 when a
 * document is malformed; why says why in every case.
 */
int vunet_profile_check_move(json_t *src, json_t *dst, const char *name,
			     char *why, size_t len);

/* How a front-end is to be set up for a port on a profile. */
struct vunet_frontend {
	const char *socket_path;
	const char *mac;          /* NULL: QEMU picks one */
	unsigned int queues;      /* <= max_queue_pairs */
	unsigned int mtu;         /* <= max_mtu; 0: none negotiated */
	bool port_server;         /* vunetd's port listens; QEMU connects */
	const char *memory;       /* QEMU: guest memory, e.g. "1G" */
	/* libvirt <metadata>, read by vunet's qemu hook (NULL port: none) */
	const char *port;         /* vunetd port name */
	const char *bridge;       /* NULL: none */
	unsigned int vlan;        /* 0: none */
};

/*
 * The libvirt <interface type='vhostuser'>, <qemu:override> and
 * <metadata> elements, or the QEMU options (shared guest memory, chardev,
 * netdev, device) that pin the front-end to p. Return 0 or -1 with why in
 * buf.
 */
int vunet_profile_libvirt_xml(const struct vunet_profile *p,
			      const struct vunet_frontend *f, char *buf,
			      size_t len);
int vunet_profile_qemu_args(const struct vunet_profile *p,
			    const struct vunet_frontend *f, char *buf,
			    size_t len);

#endif /* VUNET_PROFILE_H */
