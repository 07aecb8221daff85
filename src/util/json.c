#include "util/json.h"
#include "util/fs.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* jansson seeds its hash function at the first object, from
 * /dev/urandom: an open, a read and a close in every run of boxlab.  One
 * getrandom(2) does the same. */
__attribute__((constructor)) static void seed(void)
{
	uint32_t s;
	if (getrandom(&s, sizeof s, GRND_NONBLOCK) == (ssize_t)sizeof s && s)
		json_object_seed(s);
}

json_t *bx_json_load(const char *path, json_error_t *jerr)
{
	bx_err_t err = NULL;
	size_t len;
	char *text = bx_read_file(path, &len, &err);
	if (!text) {
		if (jerr) {
			memset(jerr, 0, sizeof *jerr);
			jerr->line = jerr->column = -1;
			snprintf(jerr->source, sizeof jerr->source, "%s", path);
			snprintf(jerr->text, sizeof jerr->text, "%s", err->msg);
		}
		/* Callers report errno of the failed read. */
		int e = err->errnum;
		bx_error_release(&err);
		errno = e;
		return NULL;
	}
	json_t *o = json_loadb(text, len, 0, jerr);
	free(text);
	return o;
}

void bx_json_put_string(FILE *f, const char *s)
{
	putc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			putc(c, f);
	}
	putc('"', f);
}
