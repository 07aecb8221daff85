/* boxlab volume create|ls|rm|inspect: named volumes (modules/volume.c),
 * mounted with `run -v NAME:/path`. */
#include "cli/cli.h"
#include "core/image.h"
#include "core/proc.h"
#include "modules/module.h"
#include "modules/rootfs.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>


static int volume_create(int argc, char **argv)
{
	if (argc != 2)
		return bx_cli_usage_error(&bx_cmd_volume, "volume create takes one name");
	/* Owned by container root of the default mapping, the one a
	 * container gets without --uid-range (run fixes it for others). */
	struct bx_spec defaults;
	bx_spec_init(&defaults);
	int u = bx_module_index("user");
	bool userns = u >= 0 && defaults.modules[u];
	uid_t uid = userns ? (uid_t)defaults.uid_start : 0;
	bx_spec_free(&defaults);
	bx_err_t err = NULL;
	bool existed;
	if (bx_volume_create(argv[1], uid, uid, &existed, &err) < 0)
		return bx_error_report(&err, 1);
	printf("%s\n", argv[1]);
	return 0;
}

static json_t *volume_json(const char *name)
{
	cleanup_free char *dir = bx_volume_dir(name);
	cleanup_free char *data = bx_volume_data(name);
	cleanup_strv char **users = bx_volume_users(name);
	struct stat st, dst;
	json_t *o = json_object(), *u = json_array();
	char when[64] = "";
	if (stat(dir, &dst) == 0)
		bx_format_time((int64_t)dst.st_mtim.tv_sec * 1000000 + dst.st_mtim.tv_nsec / 1000, when, sizeof when);
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "mountpoint", json_string(data));
	json_object_set_new(o, "created", json_string(when));
	if (stat(data, &st) == 0) {
		json_object_set_new(o, "uid", json_integer(st.st_uid));
		json_object_set_new(o, "gid", json_integer(st.st_gid));
	}
	json_object_set_new(o, "size", json_integer((json_int_t)bx_tree_size(data)));
	for (size_t i = 0; users[i]; i++)
		json_array_append_new(u, json_string(users[i]));
	json_object_set_new(o, "used_by", u);
	return o;
}

static int volume_ls(int argc, char **argv)
{
	bool json = argc == 2 && !strcmp(argv[1], "--json");
	if (argc > 2 || (argc == 2 && !json))
		return bx_cli_usage_error(&bx_cmd_volume, "unknown argument '%s' for volume ls", argv[1]);
	cleanup_strv char **names = bx_volume_list();
	json_t *list = json_array();
	if (!json)
		printf("%-24s %-14s %s\n", "NAME", "OWNER", "USED BY");
	for (size_t i = 0; names[i]; i++) {
		json_t *o = volume_json(names[i]);
		if (json) {
			json_array_append(list, o);
		} else {
			char owner[32];
			char **users = NULL;
			json_t *v;
			size_t k;
			snprintf(owner, sizeof owner, "%lld:%lld", json_integer_value(json_object_get(o, "uid")),
				 json_integer_value(json_object_get(o, "gid")));
			json_array_foreach(json_object_get(o, "used_by"), k, v)
				strv_push(&users, json_string_value(v));
			cleanup_free char *u = users ? strv_join(users, ",") : xstrdup("-");
			strv_free(users);
			printf("%-24s %-14s %s\n", names[i], owner, u);
		}
		json_decref(o);
	}
	if (json)
		bx_cli_print_json(list);
	else
		json_decref(list);
	return 0;
}

static int volume_rm(int argc, char **argv)
{
	int code = 0;
	if (argc < 2)
		return bx_cli_usage_error(&bx_cmd_volume, "volume rm needs a volume name");
	for (int i = 1; i < argc; i++) {
		bx_err_t err = NULL;
		if (bx_volume_remove(argv[i], &err) < 0)
			code = bx_error_report(&err, 1);
		else
			printf("%s\n", argv[i]);
	}
	return code;
}

static int volume_inspect(int argc, char **argv)
{
	int code = 0;
	if (argc < 2)
		return bx_cli_usage_error(&bx_cmd_volume, "volume inspect needs a volume name");
	json_t *list = json_array();
	for (int i = 1; i < argc; i++) {
		bx_err_t err = NULL;
		if (bx_volume_check_name(argv[i], &err) < 0 || (!bx_volume_exists(argv[i]) &&
								  bx_volume_missing(argv[i], &err) < 0)) {
			code = bx_error_report(&err, 1);
			continue;
		}
		json_array_append_new(list, volume_json(argv[i]));
	}
	bx_cli_print_json(list);
	return code;
}

static int volume_exec(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} subs[] = {{"create", volume_create}, {"ls", volume_ls}, {"list", volume_ls}, {"rm", volume_rm},
		    {"remove", volume_rm}, {"inspect", volume_inspect}};
	if (bx_cli_help(&bx_cmd_volume, argc, argv))
		return 0;
	if (argc < 2)
		return bx_cli_usage_error(&bx_cmd_volume, "no subcommand (allowed: create, ls, rm, inspect)");
	for (size_t i = 0; i < N_ELEMENTS(subs); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	return bx_cli_usage_error(&bx_cmd_volume, "unknown subcommand \"%s\" (allowed: create, ls, rm, inspect)",
				  argv[1]);
}

const struct bx_cmd bx_cmd_volume = {
	.name = "volume",
	.usage = "create NAME | ls [--json] | rm NAME... | inspect NAME...",
	.summary = "named volumes: directories that outlive containers (run -v NAME:/path)",
	.options = "  create NAME       make an empty volume, owned by container root\n"
		   "  ls [--json]       the volumes, their owner and the containers using them\n"
		   "  rm NAME...        remove volumes no container uses (its data goes with it)\n"
		   "  inspect NAME...   JSON: mount point on the host, owner, size, users\n",
	.exec = volume_exec,
};
