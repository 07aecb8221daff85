/* The escape lab's data: parsing what `boxlab attack` prints (see
 * escape_data.h).  The parser is lenient about fields it does not need
 * (the catalogue may grow) and strict about the verdict: a run whose
 * output has no verdict is shown as failed, never guessed. */
#include "ui/escape_data.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static char *str_field(json_t *o, const char *const keys[])
{
	for (size_t i = 0; keys[i]; i++) {
		json_t *v = json_object_get(o, keys[i]);
		if (json_is_string(v))
			return xstrdup(json_string_value(v));
	}
	return xstrdup("");
}

/* A list of strings, or one string of names split at commas/spaces. */
static char **names_field(json_t *v)
{
	char **names = xzalloc(sizeof *names);
	if (json_is_array(v)) {
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e)
			if (json_is_string(e))
				strv_push(&names, json_string_value(e));
	} else if (json_is_string(v)) {
		cleanup_free char *copy = xstrdup(json_string_value(v));
		char *save = NULL;
		for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
			strv_push(&names, t);
	} else {
		strv_free(names);
		return NULL;
	}
	return names;
}

int bxui_attacks_parse(const char *text, struct bxui_attack **out, size_t *n, bx_err_t *err)
{
	static const char *const what_keys[] = {"summary", "what", "description", NULL};
	static const char *const mirror_keys[] = {"mirrors", "cve", "incident", NULL};
	static const char *const canary_keys[] = {"canary", NULL};
	json_error_t je;
	json_t *root = json_loads(text, 0, &je);
	*out = NULL;
	*n = 0;
	if (!root)
		return bx_make_error(err, 0, "the attack list is not JSON: %s (line %d)", je.text, je.line);
	json_t *list = json_is_object(root) ? json_object_get(root, "attacks") : root;
	if (!json_is_array(list)) {
		json_decref(root);
		return bx_make_error(err, 0, "the attack list is not a JSON list of attacks");
	}
	struct bxui_attack *a = xzalloc((json_array_size(list) + 1) * sizeof *a);
	size_t k = 0, i;
	json_t *e;
	json_array_foreach(list, i, e) {
		json_t *name = json_is_object(e) ? json_object_get(e, "name") : e;
		if (!json_is_string(name))
			continue;
		a[k].name = xstrdup(json_string_value(name));
		if (json_is_object(e)) {
			a[k].what = str_field(e, what_keys);
			a[k].mirrors = str_field(e, mirror_keys);
			a[k].canary = str_field(e, canary_keys);
			a[k].blocked_by = names_field(json_object_get(e, "blocked_by"));
		} else {
			a[k].what = xstrdup("");
			a[k].mirrors = xstrdup("");
			a[k].canary = xstrdup("");
		}
		k++;
	}
	json_decref(root);
	*out = a;
	*n = k;
	return 0;
}

void bxui_attacks_free(struct bxui_attack *a, size_t n)
{
	for (size_t i = 0; a && i < n; i++) {
		free(a[i].name);
		free(a[i].what);
		free(a[i].mirrors);
		free(a[i].canary);
		strv_free(a[i].blocked_by);
	}
	free(a);
}

enum bxui_verdict bxui_verdict_parse(const char *t)
{
	if (!t)
		return BXUI_V_UNKNOWN;
	if (!strcasecmp(t, "BLOCKED"))
		return BXUI_V_BLOCKED;
	if (!strcasecmp(t, "ESCAPED"))
		return BXUI_V_ESCAPED;
	if (!strcasecmp(t, "N/A") || !strcasecmp(t, "NA"))
		return BXUI_V_NA;
	return BXUI_V_UNKNOWN;
}

const char *bxui_verdict_text(enum bxui_verdict v)
{
	switch (v) {
	case BXUI_V_BLOCKED: return "BLOCKED";
	case BXUI_V_ESCAPED: return "ESCAPED";
	case BXUI_V_NA: return "N/A";
	default: return "?";
	}
}

/* The last non-empty line of text, without a "boxlab: " in front. */
static char *last_line(const char *text)
{
	const char *end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\r'))
		end--;
	const char *start = end;
	while (start > text && start[-1] != '\n')
		start--;
	if (!strncmp(start, "boxlab: ", 8) && start + 8 <= end)
		start += 8;
	return xstrndup(start, (size_t)(end - start));
}

void bxui_attack_run_free(struct bxui_attack_run *r)
{
	free(r->claim);
	free(r->evidence);
	strv_free(r->modules);
	free(r->error);
	memset(r, 0, sizeof *r);
}

void bxui_attack_run_parse(const char *out, const char *err, int code, struct bxui_attack_run *r)
{
	bxui_attack_run_free(r);
	json_error_t je;
	json_t *root = json_loads(out, 0, &je);
	json_t *o = json_is_array(root) && json_array_size(root) == 1 ? json_array_get(root, 0) : root;
	enum bxui_verdict v = json_is_object(o) ? bxui_verdict_parse(json_string_value(json_object_get(o, "verdict")))
						: BXUI_V_UNKNOWN;
	if (code != 0 || v == BXUI_V_UNKNOWN) {
		cleanup_free char *e = last_line(err && *err ? err : out);
		if (*e)
			r->error = xasprintf("%s%s", e, code ? "" : " (no verdict in the output)");
		else
			r->error = code ? xasprintf("boxlab attack failed with exit code %d", code)
					: xstrdup("boxlab attack printed no verdict");
		json_decref(root);
		return;
	}
	static const char *const claim_keys[] = {"claim", NULL};
	static const char *const evidence_keys[] = {"evidence", NULL};
	r->verdict = v;
	r->claim = str_field(o, claim_keys);
	r->evidence = str_field(o, evidence_keys);
	r->modules = names_field(json_object_get(o, "modules"));
	json_decref(root);
}

void bxui_blockers(char *const *names, const enum bxui_verdict *verdict, size_t n, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && len; i++) {
		if (verdict[i] != BXUI_V_ESCAPED)
			continue;
		int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", names[i]);
		if (w < 0 || (size_t)w >= len - used) {
			buf[used] = '\0'; /* whole names only */
			break;
		}
		used += (size_t)w;
	}
}
