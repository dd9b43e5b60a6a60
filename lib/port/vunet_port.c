/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/* What every port kind shares, and the control side's dispatch by kind. */

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_log.h>

#include "vunet_port.h"
#include "vunet_port_internal.h"

RTE_LOG_REGISTER(vunet_logtype_port, vunet.port, INFO);
RTE_LOG_REGISTER(vunet_logtype_vhost, vunet.vhost, INFO);

_Static_assert(offsetof(struct vunet_port, index) <= RTE_CACHE_LINE_SIZE,
	       "what a burst reads of a port is one cache line");

#define KIND_OPS(k, name) [VUNET_PORT_ ## k] = &vunet_port_ ## name ## _ops,
static const struct vunet_port_ops *const kinds[VUNET_PORT_KIND_MAX] = {
	VUNET_PORT_KINDS(KIND_OPS)
};
#undef KIND_OPS

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

static const struct vunet_port_ops *
ops(const struct vunet_port *p)
{
	return kinds[p->type];
}

int
vunet_port_create(struct vunet_port *p, uint16_t index,
		  const struct vunet_port_conf *conf, char *err, size_t errlen)
{
	if ((unsigned int)conf->type >= VUNET_PORT_KIND_MAX) {
		snprintf(err, errlen, "%s: no such port kind", conf->name);
		return -EINVAL;
	}
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
	p->seg_pool = port_env.pools[0];
	for (int q = 0; q < VUNET_MAX_QUEUES; q++)
		rte_spinlock_init(&p->txq_lock[q]);
	return ops(p)->create(p, err, errlen);
}

void
vunet_port_destroy(struct vunet_port *p)
{
	if (p->conf == NULL)
		return;
	ops(p)->destroy(p);
	PORT_LOG(INFO, "%s: closed", p->conf->name);
	p->conf = NULL;
}

void
vunet_port_info(const struct vunet_port *p, struct vunet_port_info *i)
{
	const struct vunet_port_priv *pv = priv(p);

	memset(i, 0, sizeof(*i));
	i->state = vunet_port_is_up(p) ? VUNET_PORT_UP : VUNET_PORT_DOWN;
	i->nb_rxq = p->nb_rxq;
	i->nb_txq = p->nb_txq;
	i->eth_id = p->eth_id;
	i->features = pv->features;
	i->protocol_features = pv->protocol_features;
	i->n_ups = pv->n_ups;
	i->ring_fixes = pv->ring_fixes;
	ops(p)->info(p, i);
}

void
vunet_port_describe(const struct vunet_port *p, bool detail,
		    struct vunet_port_fields *f)
{
	memset(f, 0, sizeof(*f));
	ops(p)->describe(p, detail, f);
}

bool
vunet_port_same_device(const struct vunet_port_conf *a,
		       const struct vunet_port_conf *b)
{
	return a->type == b->type &&
	       (unsigned int)a->type < VUNET_PORT_KIND_MAX &&
	       kinds[a->type]->same_device(a, b);
}

bool
vunet_port_frontend(const struct vunet_port *p, struct vunet_relay_stats *st)
{
	if (ops(p)->frontend == NULL)
		return false;
	ops(p)->frontend(p, st);
	return true;
}

static void
field(struct vunet_port_fields *f, const char *key,
      enum vunet_port_field_type type, const char *str, uint64_t num)
{
	if (f->n == VUNET_PORT_FIELDS_MAX)
		return;
	f->f[f->n].key = key;
	f->f[f->n].type = type;
	f->f[f->n].str = str;
	f->f[f->n++].num = num;
}

void
vunet_port_field_str(struct vunet_port_fields *f, const char *key,
		     const char *str)
{
	field(f, key, VUNET_FIELD_STR, str, 0);
}

void
vunet_port_field_num(struct vunet_port_fields *f, const char *key,
		     uint64_t num)
{
	field(f, key, VUNET_FIELD_NUM, NULL, num);
}

void
vunet_port_field_bool(struct vunet_port_fields *f, const char *key, bool b)
{
	field(f, key, VUNET_FIELD_BOOL, NULL, b);
}

char *
vunet_port_field_text(struct vunet_port_fields *f, const char *key)
{
	char *t;

	if (f->n_text == RTE_DIM(f->text) || f->n == VUNET_PORT_FIELDS_MAX)
		return NULL;
	t = f->text[f->n_text++];
	field(f, key, VUNET_FIELD_STR, t, 0);
	return t;
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
