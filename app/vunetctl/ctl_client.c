/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/* vunetctl's side of the control socket: a JSON line out, one back. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vunetctl.h"

struct ctl_conn {
	int fd;
	const char *path;
	FILE *in;
};

struct ctl_conn *
ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl_conn *c;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vunetctl: %s: socket path too long\n", path);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->path = path;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 ||
	    connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "vunetctl: cannot reach vunetd at %s: %s "
			"(is it running? -s names another socket)\n", path,
			strerror(errno));
		if (c->fd >= 0)
			close(c->fd);
		free(c);
		return NULL;
	}
	c->in = fdopen(dup(c->fd), "r");
	if (c->in == NULL) {
		close(c->fd);
		free(c);
		return NULL;
	}
	return c;
}

json_t *
ctl_call(struct ctl_conn *c, json_t *request, int *code)
{
	char *text = json_dumps(request, JSON_COMPACT);
	json_error_t jerr;
	json_t *reply, *result;
	size_t len, off = 0;

	*code = EXIT_UNREACHABLE;
	if (text == NULL)
		return NULL;
	len = strlen(text);
	text[len] = '\n'; /* json_dumps leaves room for its NUL */
	while (off < len + 1) {
		ssize_t n = send(c->fd, text + off, len + 1 - off,
				 MSG_NOSIGNAL);

		if (n <= 0) {
			fprintf(stderr, "vunetctl: %s: %s\n", c->path,
				strerror(errno));
			free(text);
			return NULL;
		}
		off += (size_t)n;
	}
	free(text);
	reply = json_loadf(c->in, JSON_DISABLE_EOF_CHECK, &jerr);
	if (reply == NULL) {
		fprintf(stderr, "vunetctl: no answer from vunetd at %s: %s\n",
			c->path, jerr.text);
		return NULL;
	}
	if (!json_is_true(json_object_get(reply, "ok"))) {
		const char *why = json_string_value(json_object_get(reply,
								    "error"));

		fprintf(stderr, "vunetctl: %s\n", why ? why : "refused");
		json_decref(reply);
		*code = EXIT_REFUSED;
		return NULL;
	}
	result = json_incref(json_object_get(reply, "result"));
	json_decref(reply);
	*code = 0;
	return result;
}

void
ctl_close(struct ctl_conn *c)
{
	if (c == NULL)
		return;
	fclose(c->in);
	close(c->fd);
	free(c);
}
