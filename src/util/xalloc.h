/* Allocation that cannot fail: boxlab aborts on out-of-memory (crun's
 * xmalloc), so callers never check for NULL. */
#ifndef BX_XALLOC_H
#define BX_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xzalloc(size_t n);
/* Out of memory: say so and exit (every x* function ends here). */
void bx_oom(void) __attribute__((noreturn));
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* NULL-terminated string vectors. */
size_t strv_len(char *const *v);
void strv_push(char ***v, const char *s);
/* Push a formatted string. */
void strv_pushf(char ***v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char **strv_dup(char *const *v);
void strv_free(char **v);
char *strv_join(char *const *v, const char *sep);

#endif
