/* Container names: what the user may choose, and what boxlab picks when
 * they do not (an adjective and a systems pioneer, as Docker does with
 * scientists). */
#include "core/spec.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <string.h>

int bx_name_check(const char *name, bx_err_t *err)
{
	size_t len = strlen(name);
	if (len == 0 || len > BX_NAME_MAX)
		return bx_usage_error(err, "invalid name \"%s\": must be 1 to %d characters "
				      "of [a-z0-9_.-], starting with [a-z0-9]", name, BX_NAME_MAX);
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (alnum || (i > 0 && strchr("_.-", c)))
			continue;
		return bx_usage_error(err, "invalid name \"%s\": character '%c' at %zu is not allowed "
				      "(allowed: [a-z0-9][a-z0-9_.-]{0,62})", name, c, i + 1);
	}
	return 0;
}

char *bx_name_generate(unsigned seed)
{
	static const char *const adjectives[] = {
		"brave", "calm", "eager", "fond", "gentle", "happy", "jolly", "keen",
		"lucid", "merry", "nimble", "proud", "quiet", "sharp", "tidy", "witty",
	};
	static const char *const pioneers[] = {
		"ritchie", "thompson", "hopper", "lovelace", "dijkstra", "torvalds",
		"corbato", "liskov", "lamport", "tanenbaum", "kernighan", "mccarthy",
		"bach", "mckusick", "joy", "cerf",
	};
	unsigned a = seed % N_ELEMENTS(adjectives);
	unsigned p = (seed / N_ELEMENTS(adjectives)) % N_ELEMENTS(pioneers);
	unsigned n = seed / (N_ELEMENTS(adjectives) * N_ELEMENTS(pioneers));
	if (n)
		return xasprintf("%s_%s%u", adjectives[a], pioneers[p], n % 1000);
	return xasprintf("%s_%s", adjectives[a], pioneers[p]);
}
