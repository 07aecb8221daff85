/* Reading a JSON file whole.  jansson's json_load_file() takes the file
 * byte by byte through stdio (a locked fgetc per byte): 200 instructions
 * a byte, most of what `stats` spent per container.  One read() and
 * json_loadb() do the same work in a fraction of it. */
#ifndef BX_UTIL_JSON_H
#define BX_UTIL_JSON_H

#include <jansson.h>
#include <stdio.h>

/* Like json_load_file(path, 0, err): NULL with err->text set when the
 * file cannot be read or parsed (err may be NULL). */
json_t *bx_json_load(const char *path, json_error_t *err);

/* s as a JSON string, quoted and escaped, for writers that print JSON
 * straight to a stream rather than build a tree to dump (stats). */
void bx_json_put_string(FILE *f, const char *s);

#endif
