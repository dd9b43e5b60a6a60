/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_ERR_H
#define VUNET_ERR_H

/*
 * Error messages. vunet's convention: a function that can fail returns a
 * negative errno (or -1 where no errno fits) and writes one sentence into
 * the caller's err buffer of errlen bytes; callers add where it happened
 * in front ("ports[2] 'vm3': ..."), never replace it.
 */

#include <stdarg.h>
#include <stddef.h>

/* err = "ORIGIN: FIELD: why" (config and profile documents); returns -1. */
int vunet_err_vfield(char *err, size_t errlen, const char *origin,
		     const char *field, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

/* err = "PREFIX: err", PREFIX formatted. */
void vunet_err_prefix(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* err = "err" + suffix, as much as fits. */
void vunet_err_suffix(char *err, size_t errlen, const char *suffix);

#endif /* VUNET_ERR_H */
