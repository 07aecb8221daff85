/* boxlab seccomp: look at profiles and make new ones.
 *
 *   show PROFILE [--json]      what a profile allows and denies, in plain
 *                              words, or as Docker JSON (built-ins too)
 *   generate --from-trace FILE [-o OUT]
 *                              a minimal allow-list profile from a trace
 *                              made with 'boxlab run --trace-syscalls FILE'
 *
 * The loop it teaches: trace a program under the default profile, turn
 * the trace into a profile that allows exactly what it used, run it
 * again under that profile, and see what breaks when it changes. */
#include "cli/cli.h"
#include "modules/seccomp.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "util/json.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>


static int show(int argc, char **argv)
{
	bool json;
	int code = bx_cli_json_only(&bx_cmd_seccomp, "show", argc, argv, &json);
	if (code)
		return code;
	if (optind + 1 != argc)
		return bx_cli_usage_error(&bx_cmd_seccomp, "show takes one profile: %s, or a file", bx_sc_builtin_names);
	struct bx_sc_env env;
	struct bx_sc_profile p;
	bx_err_t err = NULL;
	bx_sc_env_default(&env);
	if (bx_sc_profile_load(argv[optind], &env, &p, &err) < 0)
		return bx_error_report(&err, 1);
	/* Compiling proves the kernel would take it (size, jumps). */
	struct bx_sc_prog prog;
	if (bx_sc_compile(&p, &prog, &err) < 0) {
		bx_sc_profile_free(&p);
		return bx_error_report(&err, 1);
	}
	if (json) {
		bx_cli_print_json(bx_sc_profile_to_json(&p));
	} else {
		bx_sc_profile_describe(&p, stdout);
		printf("\ncompiled: %zu BPF instructions (limit %d)\n", prog.len, BPF_MAXINSNS);
	}
	bx_sc_prog_free(&prog);
	bx_sc_profile_free(&p);
	return 0;
}

static int trace_error(bx_err_t *err, const char *file, const char *what)
{
	return bx_usage_error(err, "trace %s: %s (expected the file 'boxlab run --trace-syscalls FILE' wrote)", file,
			      what);
}

/* The names of one list of the trace ("syscalls" or "denied"). */
static int trace_names(json_t *root, const char *key, const char *file, char ***names, json_t **entries,
		       bx_err_t *err)
{
	json_t *list = json_object_get(root, key);
	size_t i;
	json_t *o;
	if (!json_is_array(list)) {
		cleanup_free char *m = xasprintf("\"%s\" is missing or not an array", key);
		return trace_error(err, file, m);
	}
	json_array_foreach(list, i, o) {
		const char *name = json_string_value(json_object_get(o, "name"));
		if (!name) {
			cleanup_free char *m = xasprintf("%s[%zu].name is missing", key, i);
			return trace_error(err, file, m);
		}
		if (!bx_sc_syscall_known(name)) {
			cleanup_free char *m = xasprintf("%s[%zu].name: unknown syscall \"%s\"", key, i, name);
			return trace_error(err, file, m);
		}
		bool dup = false;
		for (size_t k = 0; *names && (*names)[k]; k++)
			dup |= !strcmp((*names)[k], name);
		if (!dup)
			strv_push(names, name);
	}
	*entries = list;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_name(char *const *v, const char *name)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], name))
			return true;
	return false;
}

static int generate(int argc, char **argv)
{
	static const struct option opts[] = {
		{"from-trace", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'}, {0}};
	const char *from = NULL, *out = NULL;
	int c;
	bx_err_t err = NULL;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f:o:", opts, NULL)) != -1) {
		if (c == 'f')
			from = optarg;
		else if (c == 'o')
			out = optarg;
		else if (c == '?')
			return bx_cli_usage_error(&bx_cmd_seccomp, "unknown flag '%s' for generate", argv[optind - 1]);
		else
			return bx_cli_usage_error(&bx_cmd_seccomp, "flag '%s' needs a value", argv[optind - 1]);
	}
	if (!from || optind != argc)
		return bx_cli_usage_error(&bx_cmd_seccomp, "usage: generate --from-trace FILE [-o OUT]");

	json_error_t jerr;
	json_t *root = bx_json_load(from, &jerr);
	if (!root) {
		if (jerr.line <= 0)
			bx_make_error(&err, errno ? errno : ENOENT, "cannot read trace %s", from);
		else
			bx_usage_error(&err, "trace %s:%d:%d: JSON syntax error: %s", from, jerr.line, jerr.column, jerr.text);
		return bx_error_report(&err, 1);
	}
	char **allowed = NULL, **denied = NULL;
	json_t *calls = NULL, *den = NULL;
	/* Before the first goto: cleanup would free it uninitialized. */
	cleanup_free char *comment = NULL;
	int ret = 1;
	if (!json_is_object(root)) {
		trace_error(&err, from, "not a JSON object");
		goto out;
	}
	if (trace_names(root, "syscalls", from, &allowed, &calls, &err) < 0 ||
	    trace_names(root, "denied", from, &denied, &den, &err) < 0)
		goto out;
	if (!allowed) {
		trace_error(&err, from, "no syscall was traced");
		goto out;
	}
	qsort(allowed, strv_len(allowed), sizeof *allowed, cmp_str);

	/* Argument rules of the traced profile stay for the names that
	 * have them (ioctl without TIOCSTI, clone without namespaces): a
	 * trace only sees names, not which argument made a call safe. */
	struct bx_sc_profile src = {0};
	struct bx_sc_env env;
	bx_err_t tmp = NULL;
	const char *profile = json_string_value(json_object_get(root, "profile"));
	bx_sc_env_default(&env);
	bool have_src = profile && bx_sc_profile_load(profile, &env, &src, &tmp) == 0;
	bx_error_release(&tmp);

	json_t *prof = json_object(), *arches = json_array(), *rules = json_array(), *plain = json_array();
	uint32_t native[BX_SC_MAX_ARCHES];
	size_t nnative;
	bx_sc_native_arches(native, &nnative);
	json_object_set_new(prof, "defaultAction", json_string("SCMP_ACT_ERRNO"));
	json_object_set_new(prof, "defaultErrnoRet", json_integer(EPERM));
	for (size_t i = 0; i < nnative; i++)
		json_array_append_new(arches, json_string(bx_sc_arch_name(native[i])));
	json_object_set_new(prof, "architectures", arches);
	for (size_t i = 0; allowed[i]; i++) {
		bool conditional = false;
		for (size_t r = 0; have_src && r < src.nrules; r++)
			conditional |= src.rules[r].nargs && has_name(src.rules[r].names, allowed[i]);
		if (!conditional) {
			json_array_append_new(plain, json_string(allowed[i]));
			continue;
		}
		struct bx_sc_profile one = {0};
		for (size_t r = 0; r < src.nrules; r++)
			if (has_name(src.rules[r].names, allowed[i])) {
				one.rules = xrealloc(one.rules, (one.nrules + 1) * sizeof *one.rules);
				one.rules[one.nrules] = src.rules[r];
				one.rules[one.nrules].names = NULL;
				strv_push(&one.rules[one.nrules].names, allowed[i]);
				one.nrules++;
			}
		json_t *j = bx_sc_profile_to_json(&one);
		size_t k;
		json_t *rule;
		json_array_foreach(json_object_get(j, "syscalls"), k, rule)
			json_array_append(rules, rule);
		json_decref(j);
		for (size_t r = 0; r < one.nrules; r++)
			strv_free(one.rules[r].names);
		free(one.rules);
	}
	json_t *allow = json_object();
	json_object_set_new(allow, "names", plain);
	json_object_set_new(allow, "action", json_string("SCMP_ACT_ALLOW"));
	comment = xasprintf("every syscall %s made under profile %s (boxlab seccomp generate)",
			    json_string_value(json_object_get(root, "container")) ?: "the container",
			    profile ? profile : "?");
	json_object_set_new(allow, "comment", json_string(comment));
	json_array_append_new(rules, allow);
	/* What was denied during the trace is denied the same way, so a
	 * program that coped with ENOSYS (clone3) still does. */
	size_t k;
	json_t *d;
	json_array_foreach(den, k, d) {
		const char *name = json_string_value(json_object_get(d, "name"));
		json_int_t e = json_integer_value(json_object_get(d, "errno"));
		if (has_name(allowed, name) || e <= 0 || e == EPERM || e > 4095)
			continue;
		json_t *o = json_object(), *names = json_array();
		json_array_append_new(names, json_string(name));
		json_object_set_new(o, "names", names);
		json_object_set_new(o, "action", json_string("SCMP_ACT_ERRNO"));
		json_object_set_new(o, "errnoRet", json_integer(e));
		json_object_set_new(o, "comment", json_string("denied with this errno during the trace"));
		json_array_append_new(rules, o);
	}
	json_object_set_new(prof, "syscalls", rules);
	if (have_src)
		bx_sc_profile_free(&src);

	char *text = json_dumps(prof, JSON_INDENT(2));
	json_decref(prof);
	size_t len = strlen(text);
	if (out) {
		cleanup_free char *data = xasprintf("%s\n", text);
		if (bx_write_file(out, data, len + 1, &err) == 0) {
			fprintf(stderr, "boxlab: wrote %s: %zu syscalls allowed; run it with 'boxlab run --seccomp %s ...'\n",
				out, strv_len(allowed), out);
			ret = 0;
		}
	} else {
		puts(text);
		ret = 0;
	}
	free(text);
out:
	strv_free(allowed);
	strv_free(denied);
	json_decref(root);
	if (err)
		ret = bx_error_report(&err, 1);
	return ret;
}

static int seccomp_exec(int argc, char **argv)
{
	if (bx_cli_help(&bx_cmd_seccomp, argc, argv))
		return 0;
	if (argc < 2)
		return bx_cli_usage_error(&bx_cmd_seccomp, "no subcommand (allowed: show, generate)");
	if (!strcmp(argv[1], "show"))
		return show(argc - 1, argv + 1);
	if (!strcmp(argv[1], "generate"))
		return generate(argc - 1, argv + 1);
	return bx_cli_usage_error(&bx_cmd_seccomp, "unknown subcommand \"%s\" (allowed: show, generate)", argv[1]);
}

const struct bx_cmd bx_cmd_seccomp = {
	.name = "seccomp",
	.usage = "show PROFILE [--json] | generate --from-trace FILE [-o OUT]",
	.summary = "explain a seccomp profile, or make one from a syscall trace",
	.options = "  show PROFILE             what PROFILE (default, strict, unconfined or a Docker JSON file)\n"
		   "                           allows and denies, in plain words\n"
		   "      --json               the profile in Docker's JSON format instead\n"
		   "  generate --from-trace FILE\n"
		   "                           a minimal allow-list profile (Docker JSON) from a trace made\n"
		   "                           with 'boxlab run --trace-syscalls FILE'\n"
		   "  -o, --output OUT         write it to OUT instead of standard output\n",
	.exec = seccomp_exec,
};
