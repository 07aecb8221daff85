/* Word lists in INI values ("command = sh -c 'echo hi'"): split like a
 * POSIX shell does (single quotes, double quotes, backslash), and join
 * back so that splitting the result gives the same words. */
#include "core/spec.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <string.h>
#include <strings.h>

int bx_words_split(const char *s, char ***out, bx_err_t *err)
{
	cleanup_strv char **v = NULL;
	cleanup_free char *w = xmalloc(strlen(s) + 1);
	size_t n = 0;
	bool in_word = false;

	for (const char *p = s;; p++) {
		char c = *p;
		if (c == '\0' || c == ' ' || c == '\t') {
			if (in_word) {
				w[n] = '\0';
				strv_push(&v, w);
				n = 0;
				in_word = false;
			}
			if (c == '\0')
				break;
			continue;
		}
		in_word = true;
		if (c == '\'') {
			const char *end = strchr(p + 1, '\'');
			if (!end)
				return bx_usage_error(err, "unterminated ' in \"%s\"", s);
			memcpy(w + n, p + 1, end - p - 1);
			n += end - p - 1;
			p = end;
		} else if (c == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				w[n++] = *p;
			}
			if (!*p)
				return bx_usage_error(err, "unterminated \" in \"%s\"", s);
		} else if (c == '\\' && p[1]) {
			w[n++] = *++p;
		} else {
			w[n++] = c;
		}
	}
	if (!v)
		v = xzalloc(sizeof *v);
	*out = steal_pointer(&v);
	return 0;
}

static bool plain(const char *w)
{
	if (!*w)
		return false;
	for (; *w; w++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_-./=:,+@%", *w))
			return false;
	return true;
}

char *bx_words_join(char *const *v)
{
	size_t cap = 1;
	for (size_t i = 0; v && v[i]; i++)
		cap += strlen(v[i]) * 4 + 3;
	char *out = xmalloc(cap), *p = out;
	*p = '\0';
	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			*p++ = ' ';
		if (plain(v[i])) {
			p = stpcpy(p, v[i]);
			continue;
		}
		*p++ = '\'';
		for (const char *c = v[i]; *c; c++) {
			if (*c == '\'')
				p = stpcpy(p, "'\\''");
			else
				*p++ = *c;
		}
		*p++ = '\'';
		*p = '\0';
	}
	return out;
}

int bx_parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"1", "on", "true", "yes"};
	static const char *const no[] = {"0", "off", "false", "no"};
	for (size_t i = 0; i < N_ELEMENTS(yes); i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}
