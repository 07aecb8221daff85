/* boxlab image ls|import|rm|inspect: the image store (core/image.c).
 * One command with subcommands, as `docker image` has them. */
#include "cli/cli.h"
#include "core/image.h"
#include "core/proc.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>


static void human_size(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
	double v = (double)n;
	size_t u = 0;
	while (v >= 1000 && u + 1 < N_ELEMENTS(units)) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static uint64_t image_size(const struct bx_image *img)
{
	if (!img->layers)
		return bx_tree_size(img->rootfs);
	uint64_t sum = 0;
	for (size_t i = 0; img->layers[i]; i++) {
		cleanup_free char *d = bx_layer_dir(img->layers[i]);
		sum += bx_tree_size(d);
	}
	return sum;
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static int usage_error(const char *fmt, const char *arg)
{
	return bx_cli_usage_error(&bx_cmd_image, fmt, arg);
}

static int image_ls(int argc, char **argv)
{
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else
			return usage_error("unknown argument '%s' for image ls", argv[i]);
	}
	cleanup_strv char **names = bx_image_list();
	json_t *list = json_array();
	if (!json)
		printf("%-20s %-6s %-10s %s\n", "NAME", "LAYERS", "SIZE", "SOURCE");
	for (size_t i = 0; names[i]; i++) {
		struct bx_image img;
		bx_err_t err = NULL;
		if (bx_image_resolve(names[i], &img, &err) < 0) {
			if (!json)
				printf("%-20s %-6s %-10s %s\n", names[i], "-", "-", "broken: see 'boxlab image inspect'");
			bx_error_release(&err);
			continue;
		}
		size_t layers = img.layers ? strv_len(img.layers) : 1;
		uint64_t size = image_size(&img);
		if (json) {
			json_t *o = json_object();
			json_object_set_new(o, "name", json_string(img.name));
			json_object_set_new(o, "layers", json_integer((json_int_t)layers));
			json_object_set_new(o, "size", json_integer((json_int_t)size));
			json_object_set_new(o, "builtin", json_boolean(img.builtin));
			json_object_set_new(o, "source", img.source ? json_string(img.source) : json_null());
			json_array_append_new(list, o);
		} else {
			char sz[32];
			human_size(size, sz, sizeof sz);
			printf("%-20s %-6zu %-10s %s\n", img.name, layers, sz,
			       img.builtin ? "built in" : img.source ? img.source : "-");
		}
		bx_image_free(&img);
	}
	if (json)
		bx_cli_print_json(list);
	else
		json_decref(list);
	return 0;
}

static int image_import(int argc, char **argv)
{
	if (argc != 3)
		return bx_cli_usage_error(&bx_cmd_image, "image import takes a source and a name");
	struct bx_import_result r;
	bx_err_t err = NULL;
	uint64_t t = bx_now_us();
	if (bx_image_import(argv[1], argv[2], &r, &err) < 0)
		return bx_error_report(&err, 1);
	char in[32], out[32];
	human_size(r.bytes_in, in, sizeof in);
	human_size(r.bytes_out, out, sizeof out);
	printf("%s: imported from %s (%s): %zu layer%s (%zu already stored), %llu entries, %s read, %s written "
	       "in %.2f s\n", argv[2], argv[1], r.format, r.layers, r.layers == 1 ? "" : "s", r.layers_reused,
	       (unsigned long long)r.entries, in, out, (double)(bx_now_us() - t) / 1e6);
	return 0;
}

static int image_rm(int argc, char **argv)
{
	int code = 0;
	if (argc < 2)
		return bx_cli_usage_error(&bx_cmd_image, "image rm needs an image name");
	for (int i = 1; i < argc; i++) {
		bx_err_t err = NULL;
		size_t freed;
		if (bx_image_remove(argv[i], &freed, &err) < 0) {
			code = bx_error_report(&err, 1);
			continue;
		}
		printf("%s (%zu layer%s freed)\n", argv[i], freed, freed == 1 ? "" : "s");
	}
	return code;
}

static int image_inspect(int argc, char **argv)
{
	int code = 0;
	if (argc < 2)
		return bx_cli_usage_error(&bx_cmd_image, "image inspect needs an image name");
	json_t *list = json_array();
	for (int i = 1; i < argc; i++) {
		struct bx_image img;
		bx_err_t err = NULL;
		if (bx_image_resolve(argv[i], &img, &err) < 0) {
			code = bx_error_report(&err, 1);
			continue;
		}
		json_t *o = json_object(), *layers = json_array();
		json_object_set_new(o, "name", json_string(img.name));
		json_object_set_new(o, "dir", json_string(img.dir));
		json_object_set_new(o, "builtin", json_boolean(img.builtin));
		json_object_set_new(o, "source", img.source ? json_string(img.source) : json_null());
		if (img.rootfs) {
			json_t *l = json_object();
			json_object_set_new(l, "id", json_null());
			json_object_set_new(l, "path", json_string(img.rootfs));
			json_object_set_new(l, "size", json_integer((json_int_t)bx_tree_size(img.rootfs)));
			json_array_append_new(layers, l);
		}
		/* Top first, as overlayfs stacks them. */
		for (size_t k = 0; img.layers && img.layers[k]; k++) {
			cleanup_free char *dir = bx_layer_dir(img.layers[k]);
			json_t *l = json_object();
			cleanup_free char *id = xasprintf("sha256:%s", img.layers[k]);
			json_object_set_new(l, "id", json_string(id));
			json_object_set_new(l, "path", json_string(dir));
			json_object_set_new(l, "size", json_integer((json_int_t)bx_tree_size(dir)));
			json_array_append_new(layers, l);
		}
		json_object_set_new(o, "layers", layers);
		json_object_set_new(o, "size", json_integer((json_int_t)image_size(&img)));
		json_object_set_new(o, "cmd", strv_json(img.cmd));
		json_object_set_new(o, "env", strv_json(img.env));
		json_object_set_new(o, "workdir", img.workdir ? json_string(img.workdir) : json_null());
		cleanup_strv char **users = bx_image_users(img.name);
		json_object_set_new(o, "used_by", strv_json(users));
		json_array_append_new(list, o);
		bx_image_free(&img);
	}
	bx_cli_print_json(list);
	return code;
}

static int image_exec(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} subs[] = {{"ls", image_ls}, {"list", image_ls}, {"import", image_import}, {"rm", image_rm},
		    {"remove", image_rm}, {"inspect", image_inspect}};
	if (bx_cli_help(&bx_cmd_image, argc, argv))
		return 0;
	if (argc < 2)
		return bx_cli_usage_error(&bx_cmd_image, "no subcommand (allowed: ls, import, rm, inspect)");
	for (size_t i = 0; i < N_ELEMENTS(subs); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	return bx_cli_usage_error(&bx_cmd_image, "unknown subcommand \"%s\" (allowed: ls, import, rm, inspect)",
				  argv[1]);
}

const struct bx_cmd bx_cmd_image = {
	.name = "image",
	.usage = "ls [--json] | import SOURCE NAME | rm NAME... | inspect NAME...",
	.summary = "list, import, remove and inspect images",
	.options = "  ls [--json]          the images: built in and imported, their layers and size\n"
		   "  import SOURCE NAME   import a root file system tar (.tar .tar.gz .tar.xz .tar.zst; a\n"
		   "                       'docker export' works) or an OCI image layout directory\n"
		   "  rm NAME...           remove images no container uses, and the layers no other\n"
		   "                       image shares\n"
		   "  inspect NAME...      JSON: layers (top first), size, command, environment, users\n",
	.exec = image_exec,
};
