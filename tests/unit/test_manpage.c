/* docs/boxlab.1 and the option table agree on the INI keys: every
 * section/key row of `run`'s options (bx_all_opts: the core rows and each
 * module's) has a ".B [section] key" line under "Every key", every such
 * line names a real key, and every module is an on/off key of [modules].
 * The man page is read from $BX_MANPAGE, else docs/boxlab.1 (tests/run.sh
 * runs from the top of the tree). */
#include "core/spec.h"
#include "modules/module.h"
#include "util/xalloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static char *man;

/* The man page's text with groff's "\-" turned into "-". */
static int load(void **state)
{
	(void)state;
	const char *path = getenv("BX_MANPAGE") ? getenv("BX_MANPAGE") : "docs/boxlab.1";
	FILE *f = fopen(path, "re");
	if (!f) {
		print_error("cannot open %s (set BX_MANPAGE, or run from the top of the tree)\n", path);
		return -1;
	}
	size_t cap = 1 << 16, n = 0;
	man = xmalloc(cap);
	int c, prev = 0;
	while ((c = getc(f)) != EOF) {
		if (n + 2 >= cap)
			man = xrealloc(man, cap *= 2);
		if (prev == '\\' && c == '-')
			man[n - 1] = '-';
		else
			man[n++] = (char)c;
		prev = c;
	}
	man[n] = '\0';
	fclose(f);
	return 0;
}

static int unload(void **state)
{
	(void)state;
	free(man);
	return 0;
}

/* The "Every key" subsection: from its .SS line to the next .SH. */
static char *every_key_section(void)
{
	const char *a = strstr(man, "\n.SS Every key\n");
	assert_non_null(a);
	const char *b = strstr(a + 1, "\n.SH ");
	assert_non_null(b);
	return xstrndup(a, (size_t)(b - a + 1));
}

static void test_every_option_key_documented(void **state)
{
	(void)state;
	char *sec = every_key_section();
	size_t n = 0;
	bx_foreach_opt(o) {
		if (!o->section || !o->key)
			continue;
		char *line = xasprintf("\n.B [%s] %s\n", o->section, o->key);
		if (!strstr(sec, line)) {
			print_error("INI key [%s] %s is not under \"Every key\" in the man page\n", o->section, o->key);
			fail();
		}
		free(line);
		n++;
	}
	/* The table is not empty: a broken iterator would pass vacuously. */
	assert_true(n > 20);
	free(sec);
}

static bool is_key(const char *section, const char *key)
{
	if (!strcmp(section, "modules"))
		return !strcmp(key, "isolation") || bx_module_find(key);
	bx_foreach_opt(o) {
		if (o->section && o->key && !strcmp(o->section, section) && !strcmp(o->key, key))
			return true;
	}
	return false;
}

static void test_documented_keys_exist(void **state)
{
	(void)state;
	char *sec = every_key_section();
	size_t n = 0;
	for (char *p = strstr(sec, "\n.B ["); p; p = strstr(p + 1, "\n.B [")) {
		char section[64], key[64];
		if (sscanf(p, "\n.B [%63[^]]] %63s", section, key) != 2) {
			print_error("cannot read the key line at \"%.40s\"\n", p + 1);
			fail();
		}
		if (!is_key(section, key)) {
			print_error("the man page documents [%s] %s, which boxlab does not read\n", section, key);
			fail();
		}
		n++;
	}
	assert_true(n > 20);
	free(sec);
}

static void test_modules_are_keys(void **state)
{
	(void)state;
	/* Each module is named in MODULES (.B name) and is thereby a
	 * [modules] key; the one ".BI [modules] MODULE" entry says so. */
	char *sec = every_key_section();
	if (!strstr(sec, "\n.B [modules] isolation\n") || !strstr(sec, "\n.BI \"[modules] \" MODULE\n"))
		fail_msg("\"Every key\" lacks [modules] isolation or [modules] MODULE");
	for (size_t i = 0; bx_modules[i]; i++) {
		char *line = xasprintf("\n.B %s\n", bx_modules[i]->name);
		if (!strstr(man, line))
			fail_msg("module %s is not in the man page's MODULES", bx_modules[i]->name);
		free(line);
	}
	free(sec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_option_key_documented),
		cmocka_unit_test(test_documented_keys_exist),
		cmocka_unit_test(test_modules_are_keys),
	};
	return cmocka_run_group_tests(tests, load, unload);
}
