/* `boxlab run` flags (bx_spec_parse_args) and the last checks before a
 * spec runs (bx_spec_finalize).  Docker's order: options, IMAGE, then the
 * COMMAND words exactly as given. */
#include "core/spec.h"
#include "modules/module.h"
#include "util/xalloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bxt.h"

/* Parse the words into a fresh spec; assert success. */
#define PARSE_OK(s, ...)                                                                         \
	do {                                                                                     \
		char *argv_[] = {__VA_ARGS__};                                                   \
		bx_err_t e_ = NULL;                                                              \
		bx_spec_init(s);                                                                 \
		if (bx_spec_parse_args(s, (int)(sizeof argv_ / sizeof argv_[0]), argv_, &e_)) { \
			print_error("parse failed: %s\n", e_ ? e_->msg : "(no error set)");      \
			fail();                                                                  \
		}                                                                                \
		assert_null(e_);                                                                 \
	} while (0)

/* Parse must fail with a usage error (exit 2) whose message holds every
 * one of the given parts. */
static void parse_fails(int argc, char **argv, const char *const *parts)
{
	struct bx_spec s;
	bx_err_t err = NULL;
	bx_spec_init(&s);
	if (bx_spec_parse_args(&s, argc, argv, &err) != -1) {
		print_error("parse of '%s' '%s'... succeeded\n", argv[0], argc > 1 ? argv[1] : "");
		fail();
	}
	assert_non_null(err);
	if (err->exit_code != BX_EXIT_USAGE)
		print_error("exit code %d for: %s\n", err->exit_code, err->msg);
	assert_int_equal(err->exit_code, BX_EXIT_USAGE);
	for (size_t i = 0; parts[i]; i++)
		assert_contains(err->msg, parts[i]);
	/* One line: the CLI prints it after "boxlab: ". */
	assert_null(strchr(err->msg, '\n'));
	bx_error_release(&err);
	bx_spec_free(&s);
}

#define ARGS(...) (char *[]){__VA_ARGS__}, (int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *))
#define FAILS(args, ...) parse_fails_n(args, (const char *const[]){__VA_ARGS__, NULL})
static void parse_fails_n(char **argv, int argc, const char *const *parts)
{
	parse_fails(argc, argv, parts);
}

static int mod(const char *name)
{
	int i = bx_module_index(name);
	if (i < 0) {
		print_error("module %s is not in the registry\n", name);
		fail();
	}
	return i;
}

/* Every module is on exactly when it is listed in `on` (NULL-terminated). */
static void check_modules(const struct bx_spec *s, const char *const *on)
{
	for (size_t i = 0; i < bx_module_count(); i++) {
		bool want = false;
		for (size_t k = 0; on[k]; k++)
			want |= !strcmp(on[k], bx_modules[i]->name);
		if (s->modules[i] != want) {
			print_error("module %s is %s, expected %s\n", bx_modules[i]->name, s->modules[i] ? "on" : "off",
				    want ? "on" : "off");
			fail();
		}
	}
}
#define MODULES_ON(s, ...) check_modules(s, (const char *const[]){__VA_ARGS__ NULL})

/* Every module at its default except those named, which are `value`. */
static void check_defaults_except(const struct bx_spec *s, const char *name, bool value)
{
	for (size_t i = 0; i < bx_module_count(); i++) {
		bool want = !strcmp(bx_modules[i]->name, name) ? value : bx_modules[i]->default_on;
		if (s->modules[i] != want) {
			print_error("module %s is %s, expected %s\n", bx_modules[i]->name, s->modules[i] ? "on" : "off",
				    want ? "on" : "off");
			fail();
		}
	}
}

static void check_argv(char *const *got, const char *const *want)
{
	size_t n = 0;
	while (want[n])
		n++;
	assert_non_null(got);
	assert_int_equal(strv_len(got), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(got[i], want[i]);
}
#define ARGV_IS(got, ...) check_argv(got, (const char *const[]){__VA_ARGS__, NULL})

static void test_defaults(void **state)
{
	struct bx_spec s;
	(void)state;
	bx_spec_init(&s);
	assert_null(s.name);
	assert_null(s.image);
	assert_null(s.argv);
	assert_null(s.env);
	assert_false(s.detach || s.rm || s.tty || s.interactive);
	check_defaults_except(&s, "", false);
	assert_true(s.uid_start > 0);
	assert_true(s.uid_count > 0);
	bx_spec_free(&s);
}

static void test_image_only(void **state)
{
	struct bx_spec s;
	(void)state;
	PARSE_OK(&s, "busybox");
	assert_string_equal(s.image, "busybox");
	/* No command: the image's default command runs. */
	assert_null(s.argv);
	bx_spec_free(&s);
}

static void test_long_flags(void **state)
{
	struct bx_spec s;
	(void)state;
	PARSE_OK(&s, "--name", "ut-web1", "--detach", "--rm", "--tty", "--interactive", "--hostname", "box.lab",
		 "--workdir", "/srv/app", "--user", "1000:100", "--env", "A=1", "--env", "B=x y", "busybox", "sh");
	assert_string_equal(s.name, "ut-web1");
	assert_false(s.name_generated);
	assert_true(s.detach);
	assert_true(s.rm);
	assert_true(s.tty);
	assert_true(s.interactive);
	assert_string_equal(s.hostname, "box.lab");
	assert_string_equal(s.workdir, "/srv/app");
	assert_string_equal(s.user, "1000:100");
	ARGV_IS(s.env, "A=1", "B=x y");
	assert_string_equal(s.image, "busybox");
	ARGV_IS(s.argv, "sh");
	bx_spec_free(&s);
}

static void test_flag_equals_value(void **state)
{
	struct bx_spec s;
	(void)state;
	PARSE_OK(&s, "--name=ut-eq", "--hostname=h1", "--workdir=/w", "--user=5", "--env=K=V=W", "--env=E=",
		 "busybox");
	assert_string_equal(s.name, "ut-eq");
	assert_string_equal(s.hostname, "h1");
	assert_string_equal(s.workdir, "/w");
	assert_string_equal(s.user, "5");
	/* Only the first '=' separates flag and value. */
	ARGV_IS(s.env, "K=V=W", "E=");
	bx_spec_free(&s);
}

static void test_short_flags(void **state)
{
	struct bx_spec s;
	(void)state;
	PARSE_OK(&s, "-it", "busybox");
	assert_true(s.interactive);
	assert_true(s.tty);
	assert_false(s.detach);
	bx_spec_free(&s);

	PARSE_OK(&s, "-d", "-eK=V", "-e", "L=w", "-w", "/x", "-u", "0", "busybox");
	assert_true(s.detach);
	assert_false(s.tty);
	ARGV_IS(s.env, "K=V", "L=w");
	assert_string_equal(s.workdir, "/x");
	assert_string_equal(s.user, "0");
	bx_spec_free(&s);

	/* A value-taking letter ends the group: the rest is its value, or
	 * the next word is. */
	PARSE_OK(&s, "-itw/dir", "-dte", "A=1", "busybox");
	assert_true(s.interactive && s.tty && s.detach);
	assert_string_equal(s.workdir, "/dir");
	ARGV_IS(s.env, "A=1");
	bx_spec_free(&s);
}

static void test_short_group_longer_than_argc(void **state)
{
	struct bx_spec s;
	(void)state;
	/* More flags than words: every letter is one parsed flag. */
	PARSE_OK(&s, "-ititdtdi");
	assert_true(s.interactive && s.tty && s.detach);
	assert_null(s.image);
	bx_spec_free(&s);
	PARSE_OK(&s, "-itdeA=1", "busybox");
	ARGV_IS(s.env, "A=1");
	bx_spec_free(&s);
}

static void test_command_verbatim(void **state)
{
	struct bx_spec s;
	(void)state;
	/* After IMAGE nothing is a boxlab flag any more. */
	PARSE_OK(&s, "--rm", "busybox", "ls", "-l", "--all", "--", "-it", "--name", "x", "", "a b");
	assert_true(s.rm);
	assert_null(s.name);
	assert_false(s.interactive);
	assert_string_equal(s.image, "busybox");
	ARGV_IS(s.argv, "ls", "-l", "--all", "--", "-it", "--name", "x", "", "a b");
	bx_spec_free(&s);
}

static void test_double_dash(void **state)
{
	struct bx_spec s;
	(void)state;
	PARSE_OK(&s, "-d", "--", "busybox", "--help");
	assert_true(s.detach);
	assert_string_equal(s.image, "busybox");
	ARGV_IS(s.argv, "--help");
	bx_spec_free(&s);

	/* "--" then an image that looks like a flag is still taken as the
	 * image: refused as an image name, not as an unknown flag. */
	FAILS(ARGS("--", "-x"), "invalid image name \"-x\"");

	PARSE_OK(&s, "--");
	assert_null(s.image);
	bx_spec_free(&s);
}

static void test_module_switches(void **state)
{
	struct bx_spec s;
	(void)state;
	PARSE_OK(&s, "--no-pid", "busybox");
	check_defaults_except(&s, "pid", false);
	bx_spec_free(&s);

	/* The later switch wins. */
	PARSE_OK(&s, "--no-pid", "--pid", "busybox");
	check_defaults_except(&s, "pid", true);
	bx_spec_free(&s);
	PARSE_OK(&s, "--pid", "--no-pid", "busybox");
	check_defaults_except(&s, "pid", false);
	bx_spec_free(&s);

	/* Every registered module has both switches. */
	for (size_t i = 0; i < bx_module_count(); i++) {
		char off[64], on[64];
		snprintf(off, sizeof off, "--no-%s", bx_modules[i]->name);
		snprintf(on, sizeof on, "--%s", bx_modules[i]->name);
		PARSE_OK(&s, off, "busybox");
		check_defaults_except(&s, bx_modules[i]->name, false);
		bx_spec_free(&s);
		/* --user is the UID flag; that module comes back with --userns. */
		bool shadowed = false;
		bx_foreach_opt(o)
			shadowed |= o->flag && !strcmp(o->flag, bx_modules[i]->name);
		if (shadowed)
			continue;
		PARSE_OK(&s, "--isolation=none", on, "busybox");
		for (size_t k = 0; k < bx_module_count(); k++)
			if (s.modules[k] != (k == i)) {
				print_error("--isolation=none %s: module %s is %s\n", on, bx_modules[k]->name,
					    s.modules[k] ? "on" : "off");
				fail();
			}
		bx_spec_free(&s);
	}
}

static void test_isolation(void **state)
{
	struct bx_spec s;
	(void)state;
	PARSE_OK(&s, "--isolation=none", "busybox");
	MODULES_ON(&s, );
	bx_spec_free(&s);

	PARSE_OK(&s, "--isolation", "none", "--pid", "busybox");
	MODULES_ON(&s, "pid", );
	bx_spec_free(&s);

	/* --isolation applies first wherever it stands. */
	PARSE_OK(&s, "--pid", "--isolation=none", "busybox");
	MODULES_ON(&s, "pid", );
	bx_spec_free(&s);

	PARSE_OK(&s, "--no-net", "--isolation=default", "busybox");
	check_defaults_except(&s, "net", false);
	bx_spec_free(&s);

	PARSE_OK(&s, "--isolation=none", "--isolation=default", "busybox");
	check_defaults_except(&s, "", false);
	bx_spec_free(&s);
}

static void test_net_userns(void **state)
{
	struct bx_spec s;
	(void)state;
	mod("net");
	mod("user");
	/* host: no namespace and so no bridge; none: the namespace, no
	 * bridge; container:NAME: no namespace of its own, NAME's joined */
	PARSE_OK(&s, "--net=host", "busybox");
	assert_false(s.modules[mod("net")]);
	assert_false(s.modules[mod("network")]);
	bx_spec_free(&s);
	PARSE_OK(&s, "--net=none", "busybox");
	check_defaults_except(&s, "network", false);
	bx_spec_free(&s);
	PARSE_OK(&s, "--net=container:web", "busybox");
	assert_false(s.modules[mod("net")]);
	assert_true(s.modules[mod("network")]);
	bx_spec_free(&s);
	PARSE_OK(&s, "--isolation=none", "--net", "none", "busybox");
	MODULES_ON(&s, "net", );
	bx_spec_free(&s);
	PARSE_OK(&s, "--userns=host", "busybox");
	check_defaults_except(&s, "user", false);
	bx_spec_free(&s);
	PARSE_OK(&s, "--isolation=none", "--userns=private", "busybox");
	MODULES_ON(&s, "user", );
	bx_spec_free(&s);
}

static void test_uid_range(void **state)
{
	struct bx_spec s;
	(void)state;
	PARSE_OK(&s, "--uid-range", "200000:1000", "busybox");
	assert_int_equal(s.uid_start, 200000);
	assert_int_equal(s.uid_count, 1000);
	bx_spec_free(&s);
	PARSE_OK(&s, "--uid-range=300000", "busybox");
	assert_int_equal(s.uid_start, 300000);
	assert_int_equal(s.uid_count, 65536);
	bx_spec_free(&s);
	/* The last id of the range is 4294967294; (uid_t)-1 is never mapped. */
	PARSE_OK(&s, "--uid-range=4294967294:1", "busybox");
	assert_int_equal(s.uid_start, 4294967294UL);
	assert_int_equal(s.uid_count, 1);
	bx_spec_free(&s);
}

static void test_unknown_flags(void **state)
{
	(void)state;
	FAILS(ARGS("--bogus", "busybox"), "unknown flag '--bogus'", "boxlab run --help");
	FAILS(ARGS("--no-bogus", "busybox"), "unknown flag '--no-bogus'");
	FAILS(ARGS("--no-", "busybox"), "unknown flag '--no-'");
	FAILS(ARGS("-x", "busybox"), "unknown flag '-x'");
	FAILS(ARGS("-ix", "busybox"), "unknown flag '-x' in '-ix'");
	/* Module switches take no value. */
	FAILS(ARGS("--pid=on", "busybox"), "unknown flag '--pid=on'");
	FAILS(ARGS("--rm=yes", "busybox"), "flag '--rm' takes no value");
	FAILS(ARGS("--detach=", "busybox"), "flag '--detach' takes no value");
	/* Image and command are positional, not flags. */
	FAILS(ARGS("--image", "busybox"), "unknown flag '--image'");
}

static void test_missing_values(void **state)
{
	(void)state;
	FAILS(ARGS("--name"), "flag '--name' needs a value: NAME");
	FAILS(ARGS("--env"), "flag '--env' needs a value: KEY=VALUE");
	FAILS(ARGS("-e"), "flag '-e' needs a value: KEY=VALUE");
	FAILS(ARGS("-ite"), "flag '-e' needs a value: KEY=VALUE");
	FAILS(ARGS("-w"), "flag '-w' needs a value: DIR");
	FAILS(ARGS("--isolation"), "flag '--isolation' needs a value: default|none");
	FAILS(ARGS("--uid-range"), "flag '--uid-range' needs a value: START[:COUNT]");
	FAILS(ARGS("--config"), "flag '--config' needs a value: FILE");
}

static void test_bad_name(void **state)
{
	(void)state;
	FAILS(ARGS("--name", "Bad", "busybox"), "--name: invalid name \"Bad\"", "allowed: [a-z0-9][a-z0-9_.-]{0,62}");
	FAILS(ARGS("--name=", "busybox"), "--name: invalid name \"\"", "1 to 63 characters");
	FAILS(ARGS("--name", "-x", "busybox"), "--name: invalid name \"-x\"");
	FAILS(ARGS("--name", "a/b", "busybox"), "invalid name \"a/b\"");
}

static void test_bad_env(void **state)
{
	(void)state;
	FAILS(ARGS("-e", "NOEQUALS", "busybox"), "--env: invalid environment variable \"NOEQUALS\"",
	      "expected KEY=VALUE");
	FAILS(ARGS("-e", "=x", "busybox"), "invalid environment variable \"=x\"", "KEY=VALUE");
	FAILS(ARGS("--env", "1A=b", "busybox"), "--env: invalid environment variable name in \"1A=b\"",
	      "letters, digits and _");
	FAILS(ARGS("-e", "A-B=c", "busybox"), "invalid environment variable name in \"A-B=c\"");
	FAILS(ARGS("-e", "A B=c", "busybox"), "invalid environment variable name");
}

static void test_bad_hostname(void **state)
{
	char long_name[70];
	(void)state;
	memset(long_name, 'h', sizeof long_name);
	long_name[65] = '\0';
	FAILS(ARGS("--hostname", "a b", "busybox"), "--hostname: invalid hostname \"a b\"",
	      "allowed: letters, digits, '-', '.', '_'");
	FAILS(ARGS("--hostname=", "busybox"), "--hostname: invalid hostname \"\"", "1 to 64 characters");
	FAILS(ARGS("--hostname", long_name, "busybox"), "invalid hostname", "1 to 64 characters");
	FAILS(ARGS("--hostname", "a/b", "busybox"), "invalid hostname \"a/b\"");

	/* 64 is the kernel's limit (HOST_NAME_MAX) and is allowed. */
	struct bx_spec s;
	long_name[64] = '\0';
	PARSE_OK(&s, "--hostname", long_name, "busybox");
	assert_int_equal(strlen(s.hostname), 64);
	bx_spec_free(&s);
}

static void test_bad_workdir_user(void **state)
{
	(void)state;
	FAILS(ARGS("-w", "tmp", "busybox"), "--workdir: invalid working directory \"tmp\": must be an absolute path");
	FAILS(ARGS("--workdir=", "busybox"), "invalid working directory \"\"", "absolute path");
	FAILS(ARGS("-u", "", "busybox"), "--user: invalid user \"\"", "UID[:GID]");
	FAILS(ARGS("-u", "a b", "busybox"), "invalid user \"a b\"", "UID[:GID]");
}

static void test_bad_isolation_net_userns(void **state)
{
	(void)state;
	FAILS(ARGS("--isolation=some", "busybox"), "--isolation: invalid isolation \"some\"",
	      "allowed: default, none");
	FAILS(ARGS("--isolation", "", "busybox"), "invalid isolation \"\"", "allowed: default, none");
	FAILS(ARGS("--net=bridge2", "busybox"), "--net: invalid --net \"bridge2\"",
	      "allowed: bridge, none, host, container:NAME");
	FAILS(ARGS("--userns=auto", "busybox"), "--userns: invalid --userns \"auto\"", "allowed: private, host");
}

static void test_bad_uid_range(void **state)
{
	(void)state;
	const char *bad[] = {"0", "0:10", "abc", "1:0", "-5", "100:-1", "100:x", "", ":5", "5:", "100000:65536:1",
			     "4294967295", "4294967295:1", "4294967294:2", "99999999999999999999", " 5", "5 "};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char want[128];
		snprintf(want, sizeof want, "--uid-range: invalid uid range \"%s\"", bad[i]);
		FAILS(ARGS("--uid-range", (char *)bad[i], "busybox"), want, "START[:COUNT]", "100000:65536");
	}
}

static void test_bad_image(void **state)
{
	(void)state;
	FAILS(ARGS("../etc"), "invalid image name \"../etc\"", "busybox");
	FAILS(ARGS("a/b"), "invalid image name \"a/b\"");
	FAILS(ARGS("--", ""), "invalid image name \"\"");
}

static void test_missing_config(void **state)
{
	struct bx_spec s;
	bx_err_t err = NULL;
	char *argv[] = {"--config", "/nonexistent/ut.ini", "busybox"};
	(void)state;
	bx_spec_init(&s);
	assert_int_equal(bx_spec_parse_args(&s, 3, argv, &err), -1);
	assert_contains(err->msg, "/nonexistent/ut.ini");
	assert_contains(err->msg, "No such file or directory");
	bx_error_release(&err);
	bx_spec_free(&s);
}

/* What config.ini cannot hold is refused up front (found by
 * tests/fuzz/fuzz_cli.c: such a spec was written, then could not be read
 * back by --config or by gc after a crash). */
static void test_ini_unsafe_values(void **state)
{
	struct bx_spec s;
	bx_err_t err = NULL;
	(void)state;
	FAILS(ARGS("--hostname", "a\nb", "busybox"), "--hostname: the value has a line break");
	FAILS(ARGS("bus\nybox"), "the image name: the value has a line break");
	FAILS(ARGS("--workdir", "'/x\"", "busybox"), "--workdir: a value with both kinds of quotes");
	/* -e is a word list: its writer escapes a line break. */
	char *env_args[] = {"-e", "A=x\ny", "busybox"};
	bx_spec_init(&s);
	assert_int_equal(bx_spec_parse_args(&s, 3, env_args, &err), 0);
	assert_int_equal(bx_spec_finalize(&s, &err), 0);
	bx_spec_free(&s);
	/* A command longer than iniparser's line. */
	char *big = xmalloc(1200);
	memset(big, 'x', 1199);
	big[1199] = '\0';
	char *big_args[] = {"busybox", "echo", big};
	bx_spec_init(&s);
	assert_int_equal(bx_spec_parse_args(&s, 3, big_args, &err), 0);
	assert_int_equal(bx_spec_finalize(&s, &err), -1);
	assert_contains(err->msg, "the command setting is too long to keep in config.ini");
	assert_contains(err->msg, "at most 1022");
	bx_error_release(&err);
	bx_spec_free(&s);
	free(big);
}

static void test_finalize(void **state)
{
	struct bx_spec s;
	bx_err_t err = NULL;
	(void)state;

	PARSE_OK(&s, "--rm");
	assert_int_equal(bx_spec_finalize(&s, &err), -1);
	assert_int_equal(err->exit_code, BX_EXIT_USAGE);
	assert_contains(err->msg, "no image given");
	assert_contains(err->msg, "IMAGE [COMMAND [ARG...]]");
	assert_contains(err->msg, "busybox");
	bx_error_release(&err);
	bx_spec_free(&s);

	PARSE_OK(&s, "busybox");
	assert_int_equal(bx_spec_finalize(&s, &err), 0);
	assert_null(err);
	assert_non_null(s.name);
	assert_true(s.name_generated);
	assert_int_equal(bx_name_check(s.name, &err), 0);
	bx_spec_free(&s);

	PARSE_OK(&s, "--name", "ut-given", "busybox");
	assert_int_equal(bx_spec_finalize(&s, &err), 0);
	assert_string_equal(s.name, "ut-given");
	assert_false(s.name_generated);
	bx_spec_free(&s);

	PARSE_OK(&s, "-dit", "busybox");
	assert_int_equal(bx_spec_finalize(&s, &err), -1);
	assert_int_equal(err->exit_code, BX_EXIT_USAGE);
	assert_contains(err->msg, "-d cannot be combined with -i");
	bx_error_release(&err);
	bx_spec_free(&s);

	/* Detached with a terminal is fine (docker run -dt). */
	PARSE_OK(&s, "-dt", "busybox");
	assert_int_equal(bx_spec_finalize(&s, &err), 0);
	bx_spec_free(&s);
}

static void test_free_twice(void **state)
{
	struct bx_spec s;
	(void)state;
	PARSE_OK(&s, "--name", "ut-f", "-e", "A=1", "busybox", "sh");
	bx_spec_free(&s);
	/* bx_spec_free leaves a zeroed spec behind: freeing again is safe. */
	bx_spec_free(&s);
	assert_null(s.name);
}

static void test_help_lists_every_flag(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	(void)state;
	bx_spec_print_options(f);
	fclose(f);
	bx_foreach_opt(o) {
		if (!o->flag)
			continue;
		char want[64];
		snprintf(want, sizeof want, "--%s", o->flag);
		assert_contains(buf, want);
		assert_contains(buf, o->help);
	}
	for (size_t i = 0; i < bx_module_count(); i++) {
		char want[64];
		snprintf(want, sizeof want, "--no-%s", bx_modules[i]->name);
		assert_contains(buf, want);
	}
	/* --user takes a UID, so help must not offer it as a switch. */
	assert_null(strstr(buf, "--no-user, --user"));
	assert_contains(buf, "-u, --user UID[:GID]");
	assert_contains(buf, "-e, --env KEY=VALUE");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_image_only),
		cmocka_unit_test(test_long_flags),
		cmocka_unit_test(test_flag_equals_value),
		cmocka_unit_test(test_short_flags),
		cmocka_unit_test(test_short_group_longer_than_argc),
		cmocka_unit_test(test_command_verbatim),
		cmocka_unit_test(test_double_dash),
		cmocka_unit_test(test_module_switches),
		cmocka_unit_test(test_isolation),
		cmocka_unit_test(test_net_userns),
		cmocka_unit_test(test_uid_range),
		cmocka_unit_test(test_unknown_flags),
		cmocka_unit_test(test_missing_values),
		cmocka_unit_test(test_bad_name),
		cmocka_unit_test(test_ini_unsafe_values),
		cmocka_unit_test(test_bad_env),
		cmocka_unit_test(test_bad_hostname),
		cmocka_unit_test(test_bad_workdir_user),
		cmocka_unit_test(test_bad_isolation_net_userns),
		cmocka_unit_test(test_bad_uid_range),
		cmocka_unit_test(test_bad_image),
		cmocka_unit_test(test_missing_config),
		cmocka_unit_test(test_finalize),
		cmocka_unit_test(test_free_twice),
		cmocka_unit_test(test_help_lists_every_flag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
