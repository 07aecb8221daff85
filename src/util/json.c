#include "util/json.h"
#include "util/fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
