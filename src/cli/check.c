/* boxlab check: what this host can do, module by module, and why not
 * where it cannot (like lxc-checkconfig). */
#include "cli/cli.h"
#include "core/criu.h"
#include "core/image.h"
#include "modules/cgroup_mode.h"
#include "modules/module.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static int check_exec(int argc, char **argv)
{
	bool json;
	if (bx_cli_help(&bx_cmd_check, argc, argv))
		return 0;
	int code = bx_cli_json_only(&bx_cmd_check, NULL, argc, argv, &json);
	if (code)
		return code;
	if (optind < argc)
		return bx_cli_usage_error(&bx_cmd_check, "unexpected argument '%s'", argv[optind]);

	struct utsname u;
	uname(&u);
	enum bx_cgroup_mode mode = bx_cgroup_mode("/sys/fs/cgroup");
	struct bx_criu_info criu;
	bx_criu_find(&criu);
	cleanup_strv char **images = bx_image_list();
	json_t *root = json_object(), *mods = json_array();
	int unsupported = 0;

	json_object_set_new(root, "kernel", json_string(u.release));
	json_object_set_new(root, "cgroup_mode", json_string(bx_cgroup_mode_name(mode)));
	json_object_set_new(root, "cgroup_backend", json_string(bx_cgroup_backend_name(mode)));
	json_object_set_new(root, "run_dir", json_string(bx_run_dir()));
	json_object_set_new(root, "run_dir_fs", json_string(bx_run_dir_where()));
	json_object_set_new(root, "lib_dir", json_string(bx_lib_dir()));
	json_object_set_new(root, "images", json_array());
	for (size_t i = 0; images[i]; i++)
		json_array_append_new(json_object_get(root, "images"), json_string(images[i]));
	{
		json_t *c = json_object();
		json_object_set_new(c, "bin", criu.bin ? json_string(criu.bin) : json_null());
		json_object_set_new(c, "name", criu.name ? json_string(criu.name) : json_null());
		json_object_set_new(c, "works", json_boolean(criu.works));
		json_object_set_new(c, "verdict", json_string(criu.verdict));
		json_object_set_new(root, "criu", c);
	}
	json_object_set_new(root, "root", json_boolean(geteuid() == 0));

	for (size_t i = 0; bx_modules[i]; i++) {
		const struct bx_module *m = bx_modules[i];
		struct bx_probe p = {.ok = true};
		if (m->probe)
			m->probe(&p);
		else
			snprintf(p.why, sizeof p.why, "needs nothing from the kernel");
		unsupported += !p.ok;
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(m->name));
		json_object_set_new(o, "summary", json_string(m->summary));
		json_object_set_new(o, "default", json_boolean(m->default_on));
		json_object_set_new(o, "supported", json_boolean(p.ok));
		json_object_set_new(o, "why", json_string(p.why));
		json_array_append_new(mods, o);
	}
	json_object_set_new(root, "modules", mods);

	if (json) {
		bx_criu_info_free(&criu);
		bx_cli_print_json(root);
		return unsupported ? 1 : 0;
	}
	cleanup_free char *imgs = strv_join(images, ", ");
	printf("kernel       %s\n", u.release);
	printf("cgroups      %s\n", bx_cgroup_mode_name(mode));
	printf("cgroup API   %s\n", bx_cgroup_backend_name(mode));
	printf("running as   %s\n", geteuid() == 0 ? "root" : "not root: boxlab needs root");
	printf("state dir    %s (%s)\n", bx_run_dir(), bx_run_dir_where());
	printf("images       %s\n", *imgs ? imgs : "none (run 'make' to build busybox)");
	if (criu.bin)
		printf("criu         %s (%s): %s: %s\n", criu.name, criu.bin, criu.works ? "works" : "NOT USABLE",
		       criu.verdict);
	else
		printf("criu         none: %s\n", criu.verdict);
	bx_criu_info_free(&criu);
	printf("\n%-10s %-8s %-10s %s\n", "MODULE", "DEFAULT", "SUPPORTED", "WHY");
	size_t k;
	json_t *o;
	json_array_foreach(mods, k, o) {
		printf("%-10s %-8s %-10s %s\n", json_string_value(json_object_get(o, "name")),
		       json_is_true(json_object_get(o, "default")) ? "on" : "off",
		       json_is_true(json_object_get(o, "supported")) ? "yes" : "NO",
		       json_string_value(json_object_get(o, "why")));
	}
	json_decref(root);
	return unsupported ? 1 : 0;
}

const struct bx_cmd bx_cmd_check = {
	.name = "check",
	.usage = "[--json]",
	.summary = "report what this host supports, module by module, and why not",
	.options = "      --json     the report as a JSON object\n",
	.exec = check_exec,
};
