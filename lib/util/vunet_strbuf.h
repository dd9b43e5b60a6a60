/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_STRBUF_H
#define VUNET_STRBUF_H

/* Lists built into a fixed buffer ("a, b, c"): what does not fit is cut. */

#include <stddef.h>

struct vunet_strbuf {
	char *buf;
	size_t len;
	size_t off;
};

#define VUNET_STRBUF(b, n) { .buf = (b), .len = (n), .off = 0 }

/* Append sep (unless the buffer is empty) and the formatted text. */
void vunet_strbuf_add(struct vunet_strbuf *s, const char *sep,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* VUNET_STRBUF_H */
