/* INI lab files (bx_spec_load_ini): every key, the [modules] switches,
 * flags overriding the file, every kind of mistake, and the round trip
 * through bx_spec_write_ini that `inspect --format ini` relies on. */
#include "core/spec.h"
#include "modules/module.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bxt.h"

static int counter;

/* Write text to a new file in the temp dir; the caller frees the path. */
static char *ini_file(const char *text)
{
	char *path = xasprintf("%s/lab%d.ini", bxt_tmpdir, counter++);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void load_ok(struct bx_spec *s, const char *text)
{
	char *path = ini_file(text);
	bx_err_t err = NULL;
	bx_spec_init(s);
	if (bx_spec_load_ini(s, path, &err) != 0) {
		print_error("loading [%s] failed: %s\n", text, err ? err->msg : "(no error set)");
		fail();
	}
	assert_null(err);
	free(path);
}

/* Loading must fail with a usage error naming the file and holding every
 * given part. */
static void load_fails(const char *text, const char *const *parts)
{
	struct bx_spec s;
	char *path = ini_file(text);
	bx_err_t err = NULL;
	bx_spec_init(&s);
	if (bx_spec_load_ini(&s, path, &err) != -1) {
		print_error("loading [%s] succeeded\n", text);
		fail();
	}
	assert_non_null(err);
	assert_int_equal(err->exit_code, BX_EXIT_USAGE);
	assert_contains(err->msg, path);
	for (size_t i = 0; parts[i]; i++)
		assert_contains(err->msg, parts[i]);
	assert_null(strchr(err->msg, '\n'));
	bx_error_release(&err);
	bx_spec_free(&s);
	free(path);
}
#define LOAD_FAILS(text, ...) load_fails(text, (const char *const[]){__VA_ARGS__, NULL})

static int mod(const char *name)
{
	int i = bx_module_index(name);
	if (i < 0) {
		print_error("module %s is not in the registry\n", name);
		fail();
	}
	return i;
}

static void check_words(char *const *got, const char *const *want)
{
	size_t n = 0;
	while (want[n])
		n++;
	assert_non_null(got);
	if (strv_len(got) != n) {
		print_error("%zu words, expected %zu\n", strv_len(got), n);
		for (size_t i = 0; got[i]; i++)
			print_error("  [%s]\n", got[i]);
	}
	assert_int_equal(strv_len(got), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(got[i], want[i]);
}
#define WORDS_ARE(got, ...) check_words(got, (const char *const[]){__VA_ARGS__, NULL})

static void test_every_key(void **state)
{
	struct bx_spec s;
	(void)state;
	load_ok(&s, "# a lab file\n"
		    "; another comment\n"
		    "\n"
		    "[container]\n"
		    "name = ut-lab1\n"
		    "image = busybox\n"
		    "command = sh -c 'echo hi'\n"
		    "detach = true\n"
		    "rm = yes\n"
		    "tty = on\n"
		    "interactive = 1\n"
		    "env = A=1 'B=two words' C=\n"
		    "hostname = lab.host\n"
		    "workdir = /srv\n"
		    "user = 1000:1000\n"
		    "\n"
		    "[user]\n"
		    "range = 300000:1000\n");
	assert_string_equal(s.name, "ut-lab1");
	assert_false(s.name_generated);
	assert_string_equal(s.image, "busybox");
	WORDS_ARE(s.argv, "sh", "-c", "echo hi");
	assert_true(s.detach && s.rm && s.tty && s.interactive);
	WORDS_ARE(s.env, "A=1", "B=two words", "C=");
	assert_string_equal(s.hostname, "lab.host");
	assert_string_equal(s.workdir, "/srv");
	assert_string_equal(s.user, "1000:1000");
	assert_int_equal(s.uid_start, 300000);
	assert_int_equal(s.uid_count, 1000);
	bx_spec_free(&s);

	load_ok(&s, "[container]\ndetach = false\nrm = no\ntty = off\ninteractive = 0\n");
	assert_false(s.detach || s.rm || s.tty || s.interactive);
	bx_spec_free(&s);
}

static void test_quoted_values(void **state)
{
	struct bx_spec s;
	(void)state;
	/* ';' and '#' start comments unless the value is quoted. */
	load_ok(&s, "[container]\n"
		    "command = \"sh -c 'echo a; echo b # c'\"\n"
		    "hostname = h1 ; trailing comment\n"
		    "workdir = /x # trailing comment\n");
	WORDS_ARE(s.argv, "sh", "-c", "echo a; echo b # c");
	assert_string_equal(s.hostname, "h1");
	assert_string_equal(s.workdir, "/x");
	bx_spec_free(&s);

	load_ok(&s, "[container]\ncommand = printf '%s\\n' \"x y\" z\\ w\n");
	WORDS_ARE(s.argv, "printf", "%s\\n", "x y", "z w");
	bx_spec_free(&s);

	/* An empty command means the image's default. */
	load_ok(&s, "[container]\ncommand =\n");
	assert_null(s.argv);
	bx_spec_free(&s);
}

static void test_modules_section(void **state)
{
	struct bx_spec s;
	(void)state;
	load_ok(&s, "[modules]\npid = off\nnet = on\n");
	for (size_t i = 0; i < bx_module_count(); i++) {
		bool want = (int)i == mod("pid") ? false : (int)i == mod("net") ? true : bx_modules[i]->default_on;
		assert_int_equal(s.modules[i], want);
	}
	bx_spec_free(&s);

	/* isolation applies first wherever it stands in the section. */
	load_ok(&s, "[modules]\npid = on\nisolation = none\n");
	for (size_t i = 0; i < bx_module_count(); i++)
		assert_int_equal(s.modules[i], (int)i == mod("pid"));
	bx_spec_free(&s);

	load_ok(&s, "[modules]\nisolation = none\n");
	for (size_t i = 0; i < bx_module_count(); i++)
		assert_false(s.modules[i]);
	bx_spec_free(&s);

	load_ok(&s, "[modules]\nisolation = default\nnet = false\n");
	for (size_t i = 0; i < bx_module_count(); i++)
		assert_int_equal(s.modules[i], (int)i == mod("net") ? false : bx_modules[i]->default_on);
	bx_spec_free(&s);
}

/* parse_args with --config: every flag wins over the file, wherever the
 * flag stands. */
static void test_flags_override(void **state)
{
	struct bx_spec s;
	bx_err_t err = NULL;
	(void)state;
	char *path = ini_file("[container]\n"
			      "name = ut-ininame\n"
			      "image = busybox\n"
			      "command = sleep 5\n"
			      "hostname = inihost\n"
			      "tty = true\n"
			      "env = FROM=ini\n"
			      "[modules]\n"
			      "pid = off\n"
			      "net = off\n");
	char *argv[] = {"--name", "ut-flagname", "--pid", "--config", path, "-e", "X=1"};
	bx_spec_init(&s);
	assert_int_equal(bx_spec_parse_args(&s, 7, argv, &err), 0);
	assert_string_equal(s.config_file, path);
	assert_string_equal(s.name, "ut-flagname");
	assert_string_equal(s.hostname, "inihost");
	assert_true(s.tty);
	assert_string_equal(s.image, "busybox");
	WORDS_ARE(s.argv, "sleep", "5");
	/* -e adds to the file's environment. */
	WORDS_ARE(s.env, "FROM=ini", "X=1");
	assert_true(s.modules[mod("pid")]);
	assert_false(s.modules[mod("net")]);
	bx_spec_free(&s);

	/* IMAGE and COMMAND on the command line replace the file's. */
	char *argv2[] = {"--config", path, "--isolation=default", "alpine", "true"};
	bx_spec_init(&s);
	assert_int_equal(bx_spec_parse_args(&s, 5, argv2, &err), 0);
	assert_string_equal(s.image, "alpine");
	WORDS_ARE(s.argv, "true");
	assert_string_equal(s.name, "ut-ininame");
	/* --isolation on the command line resets the file's switches too. */
	for (size_t i = 0; i < bx_module_count(); i++)
		assert_int_equal(s.modules[i], bx_modules[i]->default_on);
	bx_spec_free(&s);
	free(path);
}

static void test_unknown_section(void **state)
{
	(void)state;
	LOAD_FAILS("[container]\nimage = busybox\n[netwerk]\nmode = host\n", "unknown section [netwerk]",
		   "allowed: [container], [user]", "[modules]");
}

static void test_unknown_key(void **state)
{
	(void)state;
	LOAD_FAILS("[container]\ncolour = red\n", "unknown key \"colour\" in [container]",
		   "allowed: name, image, command, detach, rm, tty, interactive, env, hostname, workdir, user");
	LOAD_FAILS("[user]\nstart = 5\n", "unknown key \"start\" in [user]", "allowed: range");
	LOAD_FAILS("[modules]\nbogus = on\n", "unknown key \"bogus\" in [modules]", "allowed: isolation, ");
	/* The module list is the registry's. */
	for (size_t i = 0; i < bx_module_count(); i++) {
		char *path = ini_file("[modules]\nbogus = on\n");
		struct bx_spec s;
		bx_err_t err = NULL;
		bx_spec_init(&s);
		assert_int_equal(bx_spec_load_ini(&s, path, &err), -1);
		assert_contains(err->msg, bx_modules[i]->name);
		bx_error_release(&err);
		bx_spec_free(&s);
		free(path);
	}
}

static void test_key_outside_section(void **state)
{
	(void)state;
	/* iniparser files a key before any [section] under no section at
	 * all; boxlab must not drop it silently. */
	LOAD_FAILS("image = busybox\n[container]\nname = ut-x\n", ":1:", "image", "[container]");
}

static void test_bad_values(void **state)
{
	(void)state;
	LOAD_FAILS("[container]\ntty = maybe\n", "[container] tty", "\"maybe\" is not a boolean",
		   "allowed: true, false, on, off, yes, no, 1, 0");
	LOAD_FAILS("[modules]\npid = maybe\n", "[modules] pid = \"maybe\" is not on or off");
	LOAD_FAILS("[modules]\nisolation = half\n", "[modules] isolation", "invalid isolation \"half\"",
		   "allowed: default, none");
	LOAD_FAILS("[container]\nworkdir = rel/dir\n", "[container] workdir", "must be an absolute path");
	LOAD_FAILS("[container]\nname = Upper\n", "[container] name", "invalid name \"Upper\"");
	LOAD_FAILS("[container]\nenv = A=1 2B=x\n", "[container] env", "invalid environment variable name in \"2B=x\"");
	LOAD_FAILS("[container]\ncommand = sh -c 'oops\n", "[container] command", "unterminated '");
	LOAD_FAILS("[container]\nimage = ../x\n", "[container] image", "invalid image name");
	LOAD_FAILS("[container]\nhostname = a b\n", "[container] hostname", "invalid hostname");
	LOAD_FAILS("[user]\nrange = 0:5\n", "[user] range", "invalid uid range \"0:5\"", "START[:COUNT]");
}

static void test_malformed_lines(void **state)
{
	(void)state;
	LOAD_FAILS("[container]\nimage = busybox\njusttext\n", ":3: expected \"key = value\", got \"justtext\"");
	LOAD_FAILS("# c\n[container\nimage = busybox\n", ":2: malformed section header \"[container\"");
	LOAD_FAILS("[]\n", ":1: malformed section header");
	LOAD_FAILS("[container]\n= busybox\n", ":2: expected \"key = value\"");
}

static void test_missing_file(void **state)
{
	struct bx_spec s;
	bx_err_t err = NULL;
	(void)state;
	bx_spec_init(&s);
	assert_int_equal(bx_spec_load_ini(&s, "/nonexistent/ut-lab.ini", &err), -1);
	assert_int_equal(err->errnum, ENOENT);
	assert_string_equal(err->msg, "cannot read config file /nonexistent/ut-lab.ini: No such file or directory");
	bx_error_release(&err);
	bx_spec_free(&s);
}

static void test_empty_file(void **state)
{
	struct bx_spec s, d;
	(void)state;
	load_ok(&s, "");
	bx_spec_init(&d);
	assert_null(s.image);
	assert_null(s.name);
	assert_memory_equal(s.modules, d.modules, sizeof s.modules);
	bx_spec_free(&s);
	bx_spec_free(&d);
}

/* Write s as INI, load it into a fresh spec, compare every field. */
static void round_trip(struct bx_spec *s)
{
	char *path = xasprintf("%s/rt%d.ini", bxt_tmpdir, counter++);
	FILE *f = fopen(path, "w");
	struct bx_spec b;
	bx_err_t err = NULL;
	assert_non_null(f);
	bx_spec_write_ini(s, f);
	fclose(f);

	bx_spec_init(&b);
	if (bx_spec_load_ini(&b, path, &err) != 0) {
		char *text = bx_read_file(path, NULL, &err);
		print_error("reload failed: %s\n%s\n", err ? err->msg : "?", text ? text : "");
		free(text);
		fail();
	}
	if (s->name_generated)
		assert_null(b.name);
	else
		assert_string_equal(b.name, s->name);
	assert_string_equal(b.image, s->image);
	if (s->argv) {
		if (!b.argv || strv_len(b.argv) != strv_len(s->argv)) {
			char *text = bx_read_file(path, NULL, &err);
			print_error("argv differs after reading back:\n%s\n", text);
			free(text);
		}
		check_words(b.argv, (const char *const *)s->argv);
	} else {
		assert_null(b.argv);
	}
	if (s->env)
		check_words(b.env, (const char *const *)s->env);
	else
		assert_null(b.env);
#define SAME_STR(f) (s->f ? assert_string_equal(b.f, s->f) : assert_null(b.f))
	SAME_STR(hostname);
	SAME_STR(workdir);
	SAME_STR(user);
	assert_int_equal(b.detach, s->detach);
	assert_int_equal(b.rm, s->rm);
	assert_int_equal(b.tty, s->tty);
	assert_int_equal(b.interactive, s->interactive);
	assert_memory_equal(b.modules, s->modules, sizeof s->modules);
	assert_int_equal(b.uid_start, s->uid_start);
	assert_int_equal(b.uid_count, s->uid_count);
	bx_spec_free(&b);
	unlink(path);
	free(path);
}

static void test_round_trip_simple(void **state)
{
	struct bx_spec s;
	(void)state;
	bx_spec_init(&s);
	s.name = xstrdup("ut-rt1");
	s.image = xstrdup("busybox");
	round_trip(&s);
	strv_push(&s.argv, "sleep");
	strv_push(&s.argv, "100");
	s.detach = s.rm = true;
	s.modules[mod("pid")] = false;
	s.uid_start = 200000;
	s.uid_count = 5000;
	round_trip(&s);
	bx_spec_free(&s);
}

static void test_round_trip_hard_words(void **state)
{
	struct bx_spec s;
	(void)state;
	const char *argv[] = {
		"sh", "-c", "echo \"a b\"; exit 3 # not a comment", "", "it's", "--flag", "a;b", "#x", "say \"hi\"",
		"both ' and \"", "both ' and \" and ;", "back\\slash", "trail\\", "tab\there", "new\nline", "$HOME",
		"*", "  spaced  ", "=", "\"", "'", NULL,
	};
	const char *env[] = {"A=1", "B=two words", "C=x;y#z", "D=", "E='q'", "F=\"q\"", "G=\\", NULL};
	bx_spec_init(&s);
	s.name = xstrdup("ut-rt2");
	s.image = xstrdup("busybox");
	for (size_t i = 0; argv[i]; i++)
		strv_push(&s.argv, argv[i]);
	for (size_t i = 0; env[i]; i++)
		strv_push(&s.env, env[i]);
	s.hostname = xstrdup("h-1.lab");
	s.workdir = xstrdup("/work dir/with space");
	s.user = xstrdup("1000:100");
	s.tty = s.interactive = true;
	for (size_t i = 0; i < bx_module_count(); i++)
		s.modules[i] = i % 2;
	s.uid_start = 1000000;
	s.uid_count = 1;
	round_trip(&s);
	bx_spec_free(&s);
}

static void test_round_trip_each_word(void **state)
{
	/* Each hard word alone, and first: a leading quote or '$' is where
	 * iniparser's own quote handling bites. */
	const char *words[] = {"", "'", "\"", "''", "\"\"", "'a b'", "\"a b\"", "a;b", "#", ";", "'x' \"y\" ;z",
			       "\\", "a\\", "\\\\", "$'x'", "$", "x=y z", "é ü", NULL};
	(void)state;
	for (size_t i = 0; words[i]; i++) {
		struct bx_spec s;
		bx_spec_init(&s);
		s.image = xstrdup("busybox");
		s.name = xstrdup("ut-rt3");
		strv_push(&s.argv, words[i]);
		round_trip(&s);
		strv_push(&s.argv, "tail");
		round_trip(&s);
		bx_spec_free(&s);
	}
}

static void test_round_trip_single_values(void **state)
{
	/* Values that are not word lists: iniparser strips blanks around a
	 * bare value and joins a line ending in a backslash to the next. */
	const char *dirs[] = {"/a;b", "/a#b", "/'q'", "/\"q\"", "/x\\", "/trailing ", "/é", NULL};
	(void)state;
	for (size_t i = 0; dirs[i]; i++) {
		struct bx_spec s;
		bx_spec_init(&s);
		s.image = xstrdup("busybox");
		s.name = xstrdup("ut-rt4");
		s.workdir = xstrdup(dirs[i]);
		s.user = xstrdup("1000");
		round_trip(&s);
		bx_spec_free(&s);
	}
}

static void test_round_trip_generated_name(void **state)
{
	struct bx_spec s;
	bx_err_t err = NULL;
	(void)state;
	bx_spec_init(&s);
	s.image = xstrdup("busybox");
	assert_int_equal(bx_spec_finalize(&s, &err), 0);
	assert_true(s.name_generated);
	/* A generated name is not written: a replay picks a fresh one. */
	round_trip(&s);
	bx_spec_free(&s);
}

static void test_written_ini_text(void **state)
{
	struct bx_spec s;
	char *buf = NULL;
	size_t len = 0;
	(void)state;
	bx_spec_init(&s);
	s.name = xstrdup("ut-txt");
	s.image = xstrdup("busybox");
	s.modules[mod("net")] = false;
	FILE *f = open_memstream(&buf, &len);
	bx_spec_write_ini(&s, f);
	fclose(f);
	assert_contains(buf, "# boxlab container ut-txt");
	assert_contains(buf, "[container]\nname = ut-txt\nimage = busybox\n");
	assert_contains(buf, "[modules]\n");
	assert_contains(buf, "net = off\n");
	assert_contains(buf, "pid = on\n");
	char range[64];
	snprintf(range, sizeof range, "[user]\nrange = %lu:%lu\n", s.uid_start, s.uid_count);
	assert_contains(buf, range);
	/* No command: no command key, so the image default runs. */
	assert_null(strstr(buf, "command ="));
	free(buf);
	bx_spec_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_quoted_values),
		cmocka_unit_test(test_modules_section),
		cmocka_unit_test(test_flags_override),
		cmocka_unit_test(test_unknown_section),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_key_outside_section),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_round_trip_simple),
		cmocka_unit_test(test_round_trip_hard_words),
		cmocka_unit_test(test_round_trip_each_word),
		cmocka_unit_test(test_round_trip_single_values),
		cmocka_unit_test(test_round_trip_generated_name),
		cmocka_unit_test(test_written_ini_text),
	};
	return cmocka_run_group_tests(tests, bxt_tmpdir_setup, bxt_tmpdir_teardown);
}
