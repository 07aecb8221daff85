/* The spec: what the user asked for (image, command, limits, which
 * modules are on), built from defaults, then an INI file, then flags.
 *
 * Every setting is one row of the option table (options.c): its flag,
 * its INI section and key, its help text and its parser.  --help, the INI
 * reader, the INI writer (`inspect --format ini`) and the man-page test
 * all read that one table. */
#ifndef BX_SPEC_H
#define BX_SPEC_H

#include "core/err.h"

#include <stdbool.h>
#include <stdio.h>

#include <stdint.h>

#define BX_MAX_MODULES 32
#define BX_NAME_MAX 63
/* The longest line iniparser reads (ASCIILINESZ 1024, with the newline
 * and the NUL): longer ones make the whole file unreadable. */
#define BX_INI_LINE_MAX 1022

/* What the supervisor does besides waiting (core/supervise.h):
 * restart policy, health checks, log rotation. */
enum bx_restart_mode { BX_RESTART_NO, BX_RESTART_ON_FAILURE, BX_RESTART_ALWAYS, BX_RESTART_UNLESS_STOPPED };
struct bx_supervise_conf {
	enum bx_restart_mode restart;
	unsigned restart_max; /* on-failure:N; 0: no limit */
	char *health_cmd;     /* run with sh -c through `boxlab exec`; NULL: none */
	int64_t health_interval_ns, health_timeout_ns, health_start_ns;
	unsigned health_retries;
	int64_t log_max_size; /* bytes; 0: never rotate */
	int log_max_files;
};

struct bx_spec {
	char *name;
	bool name_generated;
	char *image;
	char **argv; /* NULL: the image's default command */
	char **env;  /* KEY=VALUE, later entries win */
	char *hostname;
	char *workdir;
	char *user;
	bool detach, rm, tty, interactive;
	bool modules[BX_MAX_MODULES];
	unsigned long uid_start, uid_count; /* user namespace mapping */
	char *config_file;
	struct bx_supervise_conf sup;
	/* Settings a module owns (its own option rows fill them); see
	 * bx_spec_conf().  Freed with the module's free_conf. */
	void *conf[BX_MAX_MODULES];
};

struct bx_opt {
	const char *flag;  /* long flag without "--" */
	char short_flag;
	const char *section, *key; /* INI; NULL when not an INI setting */
	const char *arg;   /* metavar; NULL for a switch */
	const char *help;
	int (*set)(struct bx_spec *s, const char *value, bx_err_t *err);
	char *(*get)(const struct bx_spec *s); /* INI value, NULL to omit */
};

extern const struct bx_opt bx_run_opts[];
extern const struct bx_opt bx_supervise_opts[]; /* supervise_opts.c */

/* Every option of `run`: the core rows, then each module's own rows in
 * registry order.  NULL-terminated; built once. */
const struct bx_opt *const *bx_all_opts(void);
#define bx_foreach_opt(o) \
	for (const struct bx_opt *const *o##_it = bx_all_opts(), *o; (o = *o##_it); o##_it++)

/* The config struct of a module, allocated zeroed on first use. */
void *bx_spec_conf(struct bx_spec *s, const char *module, size_t size);

void bx_spec_init(struct bx_spec *s);
void bx_spec_free(struct bx_spec *s);

/* argv: the words after "run"; on success *consumed words were options
 * and IMAGE/COMMAND were stored. */
int bx_spec_parse_args(struct bx_spec *s, int argc, char **argv, bx_err_t *err);
int bx_spec_load_ini(struct bx_spec *s, const char *path, bx_err_t *err);
/* Fill what is still unset (name, hostname, command) and check the
 * combination; the spec is then what will run. */
int bx_spec_finalize(struct bx_spec *s, bx_err_t *err);
void bx_spec_write_ini(const struct bx_spec *s, FILE *out);
void bx_spec_print_options(FILE *out);

/* supervise_opts.c: defaults, and the combinations that cannot work */
void bx_supervise_conf_init(struct bx_supervise_conf *c);
int bx_supervise_conf_check(const struct bx_spec *s, bx_err_t *err);

/* names.c */
int bx_name_check(const char *name, bx_err_t *err);
char *bx_name_generate(unsigned seed);

/* words.c: shell-like word lists used for INI values */
int bx_words_split(const char *s, char ***out, bx_err_t *err);
char *bx_words_join(char *const *v);
int bx_parse_bool(const char *v, bool *out);

#endif
