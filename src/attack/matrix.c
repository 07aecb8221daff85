/* The attack matrix as text: verdict names, the markdown table that
 * attacks/README.md holds and `boxlab attack --matrix` prints, and its
 * parser (the test compares the two).  Pure: no host access. */
#include "attack/attack.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MARK_BEGIN "<!-- matrix -->"
#define MARK_END "<!-- /matrix -->"

const char *bx_verdict_name(enum bx_verdict v)
{
	return v == BX_ESCAPED ? "ESCAPED" : v == BX_NA ? "N/A" : "BLOCKED";
}

/* In the table: "-" blocked, "ESCAPED", "n/a". */
static const char *cell(enum bx_verdict v)
{
	return v == BX_ESCAPED ? "ESCAPED" : v == BX_NA ? "n/a" : "-";
}

int bx_verdict_parse(const char *s, enum bx_verdict *out)
{
	if (!strcmp(s, "-") || !strcasecmp(s, "BLOCKED"))
		*out = BX_BLOCKED;
	else if (!strcasecmp(s, "ESCAPED"))
		*out = BX_ESCAPED;
	else if (!strcasecmp(s, "n/a"))
		*out = BX_NA;
	else
		return -1;
	return 0;
}

/* "| a | b |" into trimmed cells. */
static char **split_row(const char *line)
{
	char **v = NULL;
	const char *p = strchr(line, '|');
	while (p && *p == '|') {
		const char *q = strchr(p + 1, '|');
		if (!q)
			break;
		const char *a = p + 1, *b = q;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		char *c = xstrndup(a, b - a);
		strv_push(&v, c);
		free(c);
		p = q;
	}
	return v;
}

void bx_matrix_free(struct bx_matrix *m)
{
	strv_free(m->cols);
	strv_free(m->rows);
	strv_free(m->blocked_by);
	free(m->cells);
	memset(m, 0, sizeof *m);
}

int bx_matrix_parse(const char *text, struct bx_matrix *m, bx_err_t *err)
{
	memset(m, 0, sizeof *m);
	const char *b = strstr(text, MARK_BEGIN), *e = b ? strstr(b, MARK_END) : NULL;
	if (!b || !e)
		return bx_make_error(err, 0, "no matrix: expected a table between \"" MARK_BEGIN "\" and \"" MARK_END "\"");
	char *body = xstrndup(b + strlen(MARK_BEGIN), e - b - strlen(MARK_BEGIN));
	size_t ncols = 0, nrows = 0, lineno = 0;
	char *save = NULL;
	int ret = 0;
	for (char *line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strchr(line, '|'))
			continue;
		char **c = split_row(line);
		size_t n = strv_len(c);
		lineno++;
		if (lineno == 1) {
			if (n < 4 || strcmp(c[0], "attack") || strcmp(c[n - 1], "blocked_by")) {
				ret = bx_make_error(err, 0, "matrix header must be | attack | COLUMN... | blocked_by |");
			} else {
				for (size_t i = 1; i + 1 < n; i++)
					strv_push(&m->cols, c[i]);
				ncols = n - 2;
			}
		} else if (lineno == 2 || ret < 0) {
			/* the |---| line */
		} else if (n != ncols + 2) {
			ret = bx_make_error(err, 0, "matrix row \"%s\" has %zu cells, the header %zu", n ? c[0] : "", n,
					    ncols + 2);
		} else {
			m->cells = xrealloc(m->cells, sizeof *m->cells * ncols * (nrows + 1));
			for (size_t i = 0; i < ncols && ret == 0; i++)
				if (bx_verdict_parse(c[i + 1], &m->cells[nrows * ncols + i]) < 0)
					ret = bx_make_error(err, 0, "matrix row %s, column %s: \"%s\" is not a verdict "
							    "(allowed: -, ESCAPED, n/a)", c[0], m->cols[i], c[i + 1]);
			strv_push(&m->rows, c[0]);
			strv_push(&m->blocked_by, c[n - 1]);
			nrows++;
		}
		strv_free(c);
		if (ret < 0)
			break;
	}
	free(body);
	if (ret == 0 && !nrows)
		ret = bx_make_error(err, 0, "the matrix has no rows");
	if (ret < 0)
		bx_matrix_free(m);
	return ret;
}

char *bx_matrix_blocked_by(const struct bx_matrix *m, size_t row)
{
	size_t nc = strv_len(m->cols);
	int def = -1;
	for (size_t i = 0; i < nc; i++)
		if (!strcmp(m->cols[i], "default"))
			def = (int)i;
	char **v = NULL;
	if (def >= 0 && m->cells[row * nc + def] == BX_BLOCKED)
		for (size_t i = 0; i < nc; i++)
			if (strcmp(m->cols[i], "default") && strcmp(m->cols[i], "none") &&
			    m->cells[row * nc + i] == BX_ESCAPED)
				strv_push(&v, m->cols[i]);
	char *s = v ? strv_join(v, " ") : xstrdup("");
	strv_free(v);
	return s;
}

static void pad(FILE *f, const char *s, size_t w)
{
	fprintf(f, " %-*s |", (int)w, s);
}

char *bx_matrix_format(const struct bx_matrix *m)
{
	size_t nc = strv_len(m->cols), nr = strv_len(m->rows), size;
	size_t *w = xzalloc(sizeof *w * (nc + 2));
	char *out = NULL;
	w[0] = strlen("attack");
	w[nc + 1] = strlen("blocked_by");
	for (size_t i = 0; i < nc; i++)
		w[i + 1] = strlen(m->cols[i]) > 7 ? strlen(m->cols[i]) : 7;
	for (size_t r = 0; r < nr; r++) {
		if (strlen(m->rows[r]) > w[0])
			w[0] = strlen(m->rows[r]);
		if (strlen(m->blocked_by[r]) > w[nc + 1])
			w[nc + 1] = strlen(m->blocked_by[r]);
	}
	FILE *f = open_memstream(&out, &size);
	if (!f)
		bx_oom();
	fputc('|', f);
	pad(f, "attack", w[0]);
	for (size_t i = 0; i < nc; i++)
		pad(f, m->cols[i], w[i + 1]);
	pad(f, "blocked_by", w[nc + 1]);
	fputs("\n|", f);
	for (size_t i = 0; i < nc + 2; i++) {
		for (size_t k = 0; k < w[i] + 2; k++)
			fputc('-', f);
		fputc('|', f);
	}
	for (size_t r = 0; r < nr; r++) {
		fputs("\n|", f);
		pad(f, m->rows[r], w[0]);
		for (size_t i = 0; i < nc; i++)
			pad(f, cell(m->cells[r * nc + i]), w[i + 1]);
		pad(f, m->blocked_by[r], w[nc + 1]);
	}
	fputc('\n', f);
	if (fclose(f) != 0)
		bx_oom();
	free(w);
	return out;
}
