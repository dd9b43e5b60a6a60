/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/* Creation and destruction of any port, dispatched by kind. */

#include <stddef.h>
#include <string.h>

#include <rte_log.h>

#include "vunet_port.h"
#include "vunet_port_internal.h"

RTE_LOG_REGISTER(vunet_logtype_port, vunet.port, INFO);
RTE_LOG_REGISTER(vunet_logtype_vhost, vunet.vhost, INFO);

_Static_assert(offsetof(struct vunet_port, index) <= RTE_CACHE_LINE_SIZE,
	       "what a burst reads of a port is one cache line");

struct vunet_port_priv vunet_port_privs[VUNET_MAX_PORTS];

static struct vunet_port_env port_env;

void
vunet_port_env_set(const struct vunet_port_env *env)
{
	port_env = *env;
}

const struct vunet_port_env *
vunet_port_env(void)
{
	return &port_env;
}

int
vunet_port_create(struct vunet_port *p, uint16_t index,
		  const struct vunet_port_conf *conf, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->index = index;
	memset(priv(p), 0, sizeof(*priv(p)));
	priv(p)->conn_vid = -1;
	priv(p)->relay = -1;
	p->conf = conf;
	p->type = conf->type;
	p->vid = -1;
	p->cap_id = VUNET_NO_CAPTURE;
	p->pool = port_env.pools[0];
	for (int q = 0; q < VUNET_MAX_QUEUES; q++)
		rte_spinlock_init(&p->txq_lock[q]);
	if (conf->type == VUNET_PORT_VHOST)
		return vunet_port_vhost_create(p, err, errlen);
	if (conf->type == VUNET_PORT_VTEP)
		return vunet_port_vtep_create(p, err, errlen);
	return vunet_port_eth_create(p, err, errlen);
}

void
vunet_port_destroy(struct vunet_port *p)
{
	if (p->conf == NULL)
		return;
	if (p->type == VUNET_PORT_VHOST)
		vunet_port_vhost_destroy(p);
	else if (p->type == VUNET_PORT_VTEP)
		vunet_port_vtep_destroy(p);
	else
		vunet_port_eth_destroy(p);
	PORT_LOG(INFO, "%s: closed", p->conf->name);
	p->conf = NULL;
}

void
vunet_port_info(const struct vunet_port *p, struct vunet_port_info *i)
{
	const struct vunet_port_priv *pv = priv(p);

	memset(i, 0, sizeof(*i));
	if (vunet_port_is_up(p))
		i->state = VUNET_PORT_UP;
	else if (p->type == VUNET_PORT_VHOST && pv->conn_vid >= 0)
		i->state = VUNET_PORT_CONNECTING;
	else
		i->state = VUNET_PORT_DOWN;
	i->nb_rxq = p->nb_rxq;
	i->nb_txq = p->nb_txq;
	i->eth_id = p->eth_id;
	i->features = pv->features;
	i->protocol_features = pv->protocol_features;
	i->n_ups = pv->n_ups;
	i->ring_fixes = pv->ring_fixes;
	if (p->type == VUNET_PORT_ETH && i->state == VUNET_PORT_UP) {
		struct rte_eth_link link;

		/* a device that cannot tell is taken to be up */
		i->link_down = rte_eth_link_get_nowait(p->eth_id, &link) == 0 &&
			       link.link_status == RTE_ETH_LINK_DOWN;
	}
}

const char *
vunet_port_state_name(enum vunet_port_state s)
{
	static const char *const names[] = {
		[VUNET_PORT_DOWN] = "down",
		[VUNET_PORT_CONNECTING] = "connecting",
		[VUNET_PORT_UP] = "up",
	};

	return (unsigned int)s < RTE_DIM(names) ? names[s] : "?";
}
