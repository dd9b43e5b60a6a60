/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * libFuzzer target: a control request line as a client may send it. What
 * vunetd does with an untrusted request before touching the switch runs
 * here: the request parser, then for changes the configuration parser on
 * the document the change would produce.
 */

#include <stdint.h>
#include <stdlib.h>

#include "vunet_config.h"
#include "vunet_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *
base_doc(void)
{
	return json_pack("{s:[{s:s}], s:[{s:s, s:s, s:s, s:s}, {s:s, s:s, "
			 "s:s, s:s}]}", "bridges", "name", "br0", "ports",
			 "name", "vm1", "type", "vhost", "path", "/tmp/a",
			 "bridge", "br0", "name", "vm2", "type", "vhost",
			 "path", "/tmp/b", "mode", "server");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vunet_config conf;
	struct vunet_request req;
	char err[VUNET_ERR_MAX];
	json_t *doc;

	if (vunet_request_parse((const char *)data, size, &req, err,
				sizeof(err)) < 0)
		return 0;
	doc = base_doc();
	switch (req.cmd) {
	case VUNET_CMD_PORT_ADD:
		json_array_append(json_object_get(doc, "ports"),
				  vunet_request_arg(&req, "port"));
		break;
	case VUNET_CMD_BRIDGE_ADD:
		json_array_append(json_object_get(doc, "bridges"),
				  vunet_request_arg(&req, "bridge"));
		break;
	case VUNET_CMD_XCONNECT_ADD:
		json_object_set_new(doc, "xconnects", json_pack("[{s:O, s:O}]",
			"a", vunet_request_arg(&req, "a"),
			"b", vunet_request_arg(&req, "b")));
		break;
	default:
		break;
	}
	vunet_config_parse_json(doc, "fuzz", &conf, err, sizeof(err));
	json_decref(doc);
	vunet_request_free(&req);
	return 0;
}
