/* Word lists in INI values ("command = sh -c 'echo hi'"): split like a
 * POSIX shell does (single quotes, double quotes, backslash), and join
 * back so that splitting the result gives the same words. */
#include "core/spec.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
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
		if (c == '$' && p[1] == '\'') {
			/* bash's $'...': \xHH, \n, \t, \\ and \' escapes.  The INI
			 * writer uses it for characters iniparser cannot carry. */
			for (p += 2; *p && *p != '\''; p++) {
				if (*p != '\\' || !p[1]) {
					w[n++] = *p;
					continue;
				}
				p++;
				if (*p == 'n')
					w[n++] = '\n';
				else if (*p == 't')
					w[n++] = '\t';
				else if (*p == 'x' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
					char hex[3] = {p[1], p[2], 0};
					w[n++] = (char)strtol(hex, NULL, 16);
					p += 2;
				} else
					w[n++] = *p;
			}
			if (!*p)
				return bx_usage_error(err, "unterminated $' in \"%s\"", s);
		} else if (c == '\'') {
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

static bool plain_char(char c)
{
	return c && strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%", c);
}

/* Append one word so that bx_words_split gives it back, and so that the
 * result survives iniparser: never a raw ';' or '#' (it ends a value
 * there), and never a leading quote (it strips quotes around a value).
 * A plain prefix stays bare, so "KEY=hello world" reads KEY='hello world'. */
static char *join_word(char *p, const char *w, bool first)
{
	size_t pre = 0;
	while (plain_char(w[pre]))
		pre++;
	if (w[pre]) { /* not all plain: keep "KEY=" bare at most */
		const char *eq = memchr(w, '=', pre);
		pre = eq ? (size_t)(eq - w) + 1 : 0;
	}
	p = stpncpy(p, w, pre);
	if (!w[pre] && pre)
		return p;
	const char *rest = w + pre;
	if (!strpbrk(rest, "';#\\") && !(first && pre == 0) && !strpbrk(rest, "\n\t")) {
		*p++ = '\'';
		p = stpcpy(p, rest);
		*p++ = '\'';
		return p;
	}
	p = stpcpy(p, "$'");
	for (const char *c = rest; *c; c++) {
		if (*c == '\'' || *c == '"' || *c == ';' || *c == '#' || *c == '\\' || (unsigned char)*c < 0x20)
			p += sprintf(p, "\\x%02x", (unsigned char)*c);
		else
			*p++ = *c;
	}
	*p++ = '\'';
	return p;
}

char *bx_words_join(char *const *v)
{
	size_t cap = 1;
	for (size_t i = 0; v && v[i]; i++)
		cap += strlen(v[i]) * 4 + 4;
	char *out = xmalloc(cap), *p = out;
	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			*p++ = ' ';
		p = join_word(p, v[i], i == 0);
	}
	*p = '\0';
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
