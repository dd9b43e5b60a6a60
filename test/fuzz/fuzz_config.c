/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * libFuzzer target: a configuration file, or a saved state, as vunetd
 * reads it before anything starts (vunetd -c FILE, --check-config).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vunet_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vunet_config conf;
	static int ready;
	char err[VUNET_ERR_MAX];
	char *text;

	if (!ready) {
		if (vunet_profiles_init(err, sizeof(err)) < 0)
			abort();
		ready = 1;
	}
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (vunet_config_parse(text, "fuzz", &conf, err, sizeof(err)) < 0 &&
	    strncmp(err, "fuzz", 4) != 0)
		abort();     /* every refusal names where it comes from */
	free(text);
	return 0;
}
