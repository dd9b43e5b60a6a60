/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <stdarg.h>
#include <stdio.h>

#include "vunet_strbuf.h"

void
vunet_strbuf_add(struct vunet_strbuf *s, const char *sep, const char *fmt,
		 ...)
{
	va_list ap;
	int n;

	if (s->len == 0)
		return;
	if (s->off == 0)
		s->buf[0] = '\0';
	if (s->off != 0 && s->off < s->len)
		s->off += (size_t)snprintf(s->buf + s->off, s->len - s->off,
					   "%s", sep);
	if (s->off >= s->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(s->buf + s->off, s->len - s->off, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->off += (size_t)n;
}
