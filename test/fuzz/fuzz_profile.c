/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * libFuzzer target: an interface profile definition, as the profile
 * loader reads lib/profile/released/*.json and vunetctl profile commands read
 * a capabilities file's profiles.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vunet_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vunet_profile p;
	char err[VUNET_PROFILE_ERR_MAX];
	char *text = malloc(size + 1);
	json_t *back;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (vunet_profile_parse(text, "fuzz", &p, err, sizeof(err)) == 0) {
		/* what was accepted prints and parses back the same */
		struct vunet_profile q;

		back = vunet_profile_to_json(&p);
		if (back == NULL ||
		    vunet_profile_from_json(back, "again", &q, err,
					    sizeof(err)) < 0 ||
		    q.features != p.features ||
		    q.protocol_features != p.protocol_features ||
		    q.max_queue_pairs != p.max_queue_pairs)
			abort();
		json_decref(back);
	}
	free(text);
	return 0;
}
