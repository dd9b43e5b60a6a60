/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_DAEMON_EVPN_H
#define VUNET_DAEMON_EVPN_H

/* Between vunet_daemon.c's phases and its EVPN side; not part of the API. */

#include "vunet_daemon.h"

/*
 * Parse: the remote VTEPs EVPN found join nc's EVPN bridges, as ports in
 * the VLANs of the VNIs they announced (nothing of it is saved: the
 * document stays the operator's).
 */
void vunet_daemon_evpn_remotes(struct vunet_daemon *d, struct vunet_config *nc);

/* Control thread: true when EVPN's remotes changed (apply again). */
bool vunet_daemon_evpn_poll(struct vunet_daemon *d);

/*
 * Control thread, after vunet_daemon_evpn_poll(): the MAC routes that
 * changed into the bridges' tables, and all of them now and then.
 */
void vunet_daemon_evpn_macs(struct vunet_daemon *d);

/* Plan: nc's EVPN bridges get their devices; on error none changed. */
int vunet_daemon_evpn_apply(struct vunet_daemon *d,
			    const struct vunet_config *nc, char *err,
			    size_t errlen);

/* Undo: the first n_bridges of nc's EVPN bridges back as d->conf has them. */
void vunet_daemon_evpn_undo(struct vunet_daemon *d,
			    const struct vunet_config *nc, uint16_t n_bridges);

/* Commit (before d->conf becomes nc): EVPN bridges nc lacks lose theirs. */
void vunet_daemon_evpn_commit(struct vunet_daemon *d,
			      const struct vunet_config *nc);

#endif /* VUNET_DAEMON_EVPN_H */
