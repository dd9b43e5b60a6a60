/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_DEVARGS_H
#define VUNET_DEVARGS_H

/*
 * Which eth devargs a control client may have probed, as root: rules
 * given at start (vunetd --allow-devargs), each written like devargs:
 *
 *   DRIVER[,KEY=PATTERN[|PATTERN...]]...
 *
 * "net_af_xdp,iface=eth1|eth2,queue_count=*" admits net_af_xdp0,
 * net_af_xdp7,iface=eth2,queue_count=2 and net_af_xdp1,iface=eth1, and
 * nothing with another key: a PMD's path-valued keys (af_xdp's xdp_prog,
 * pcap's tx_pcap, vhost's iface) are refused unless a rule names them.
 * DRIVER without a wildcard admits itself followed by an instance number;
 * with one (a PCI address pattern, say), it is a shell pattern. Values
 * are shell patterns (fnmatch), alternatives apart by '|'.
 */

#include <stdbool.h>
#include <stddef.h>

/* Whether rule is well formed; why not in why. */
bool vunet_devargs_rule_ok(const char *rule, char *why, size_t len);

/*
 * Whether one of rules[0..n) admits devargs; if none does, why (naming
 * the key no rule for its driver allows, or that no rule names the
 * device).
 */
bool vunet_devargs_allowed(const char *const *rules, unsigned int n,
			   const char *devargs, char *why, size_t len);

#endif /* VUNET_DEVARGS_H */
