#include "util/json.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

json_t *bx_json_load(const char *path, json_error_t *err)
{
	char small[4096], *buf = small;
	size_t cap = sizeof small, len = 0;
	json_t *o = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	for (;;) {
		if (len == cap) {
			char *bigger = malloc(cap * 2);
			if (!bigger) {
				errno = ENOMEM;
				goto fail;
			}
			memcpy(bigger, buf, len);
			if (buf != small)
				free(buf);
			buf = bigger;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	o = json_loadb(buf, len, 0, err);
	if (buf != small)
		free(buf);
	return o;
fail:
	if (err) {
		memset(err, 0, sizeof *err);
		err->line = err->column = -1;
		snprintf(err->source, sizeof err->source, "%s", path);
		snprintf(err->text, sizeof err->text, "unable to open %s: %s", path, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	if (buf != small)
		free(buf);
	return NULL;
}
