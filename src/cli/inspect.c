/* boxlab inspect: everything known about a container: its state and
 * the resolved spec (as JSON, as text, or as INI that replays it). */
#include "cli/cli.h"
#include "core/proc.h"
#include "modules/checkpoint.h"
#include "modules/module.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <jansson.h>
#include <string.h>

static json_t *spec_json(const struct bx_spec *spec)
{
	json_t *o = json_object(), *mods = json_object();
	bx_foreach_opt(opt) {
		if (!opt->section || !opt->get)
			continue;
		cleanup_free char *v = opt->get(spec);
		cleanup_free char *key = xasprintf("%s.%s", opt->section, opt->key);
		json_object_set_new(o, key, v ? json_string(v) : json_null());
	}
	for (size_t i = 0; bx_modules[i]; i++)
		json_object_set_new(mods, bx_modules[i]->name, json_boolean(spec->modules[i]));
	json_object_set_new(o, "modules", mods);
	return o;
}

static int inspect_one(const char *name, char format, json_t *all, bx_err_t *err)
{
	struct bx_state st;
	struct bx_spec spec;
	if (bx_state_read(name, &st, err) < 0)
		return -1;
	if (format == 'i') {
		cleanup_free char *path = bx_state_path(name, "config.ini");
		cleanup_free char *ini = bx_read_file(path, NULL, err);
		bx_state_free(&st);
		if (!ini)
			return -1;
		fputs(ini, stdout);
		return 0;
	}
	if (bx_state_load_spec(name, &spec, err) < 0) {
		bx_state_free(&st);
		bx_spec_free(&spec);
		return -1;
	}
	json_t *o = bx_state_to_json(&st);
	json_object_set_new(o, "status", json_string(bx_status_name(bx_cli_live_status(&st))));
	cleanup_free char *dir = bx_state_path(name, NULL);
	json_object_set_new(o, "state_dir", json_string(dir));
	{
		/* Its last checkpoint (modules/checkpoint.h), if any. */
		json_t *ck = bx_checkpoint_info(name);
		json_object_set(o, "checkpointed", ck ? json_object_get(ck, "time") : json_null());
		json_object_set(o, "ckpt_size", ck ? json_object_get(ck, "size") : json_null());
		json_object_set(o, "ckpt_dir", ck ? json_object_get(ck, "dir") : json_null());
		json_decref(ck);
	}
	json_object_set_new(o, "spec", spec_json(&spec));
	if (format == 'j') {
		json_array_append_new(all, o);
	} else {
		const char *key;
		json_t *v;
		json_object_foreach(o, key, v) {
			if (json_is_object(v))
				continue;
			char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			printf("%-12s %s\n", key, s ? s : json_string_value(v));
			free(s);
		}
		printf("%-12s", "spec");
		json_object_foreach(json_object_get(o, "spec"), key, v) {
			if (json_is_string(v))
				printf(" %s=%s", key, json_string_value(v));
		}
		printf("\n");
		json_decref(o);
	}
	bx_spec_free(&spec);
	bx_state_free(&st);
	return 0;
}

static int inspect_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'}, {"ini", no_argument, NULL, 'i'},
		{"format", required_argument, NULL, 'f'}, {0},
	};
	char format = 't';
	int c, code = 0;
	if (bx_cli_help(&bx_cmd_inspect, argc, argv))
		return 0;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c == 'j' || c == 'i')
			format = (char)c;
		else if (c == 'f' && (!strcmp(optarg, "json") || !strcmp(optarg, "ini") || !strcmp(optarg, "text")))
			format = optarg[0] == 'j' ? 'j' : optarg[0] == 'i' ? 'i' : 't';
		else if (c == 'f')
			return bx_cli_usage_error(&bx_cmd_inspect, "invalid format \"%s\" (allowed: text, json, ini)",
						  optarg);
		else
			return bx_cli_usage_error(&bx_cmd_inspect, "unknown flag '%s'", argv[optind - 1]);
	}
	if (optind >= argc)
		return bx_cli_usage_error(&bx_cmd_inspect, "no container named");
	json_t *all = json_array();
	for (int i = optind; i < argc; i++) {
		bx_err_t err = NULL;
		if (inspect_one(argv[i], format, all, &err) < 0)
			code = bx_error_report(&err, 1);
	}
	if (format == 'j' && json_array_size(all) == 1)
		bx_cli_print_json(json_incref(json_array_get(all, 0)));
	else if (format == 'j' && json_array_size(all) > 1)
		bx_cli_print_json(json_incref(all));
	json_decref(all);
	return code;
}

const struct bx_cmd bx_cmd_inspect = {
	.name = "inspect",
	.usage = "[--json | --ini | --format text|json|ini] NAME...",
	.summary = "show a container's state and resolved spec",
	.options = "      --json     one JSON object per container (a list when several are named)\n"
		   "      --ini      the resolved spec as INI; 'boxlab run --config FILE' replays it\n"
		   "  -f, --format   text (default), json or ini\n",
	.exec = inspect_exec,
};
