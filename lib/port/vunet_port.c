/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/* Creation and destruction of any port, dispatched by kind. */

#include <string.h>

#include <rte_log.h>

#include "vunet_port.h"
#include "vunet_port_internal.h"

RTE_LOG_REGISTER(vunet_logtype_port, vunet.port, INFO);
RTE_LOG_REGISTER(vunet_logtype_vhost, vunet.vhost, INFO);

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
	p->conf = conf;
	p->type = conf->type;
	p->vid = -1;
	p->cap_id = VUNET_NO_CAPTURE;
	p->pool = port_env.pools[0];
	for (int q = 0; q < VUNET_MAX_QUEUES; q++)
		rte_spinlock_init(&p->txq_lock[q]);
	if (conf->type == VUNET_PORT_VHOST)
		return vunet_port_vhost_create(p, err, errlen);
	return vunet_port_eth_create(p, err, errlen);
}

void
vunet_port_destroy(struct vunet_port *p)
{
	if (p->conf == NULL)
		return;
	if (p->type == VUNET_PORT_VHOST)
		vunet_port_vhost_destroy(p);
	else
		vunet_port_eth_destroy(p);
	PORT_LOG(INFO, "%s: closed", p->conf->name);
	p->conf = NULL;
}
