#include "core/times.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t bx_realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const struct {
	const char *name;
	int64_t ns;
} units[] = {
	{"ns", 1}, {"us", 1000}, {"\xc2\xb5s", 1000}, {"ms", 1000000}, {"s", 1000000000},
	{"m", 60LL * 1000000000}, {"h", 3600LL * 1000000000},
};

/* A decimal number, DIGITS[.DIGITS], kept exact: in integers, not in a
 * long double (whose precision depends on the machine: valgrind's has
 * 53 bits, and 1700000000.25 s came out 128 ns short). */
struct decimal {
	__int128 whole, frac, scale; /* whole + frac / scale */
};

static const char *parse_decimal(const char *p, struct decimal *d)
{
	const char *start = p;
	d->whole = d->frac = 0;
	d->scale = 1;
	for (; isdigit((unsigned char)*p); p++)
		if ((d->whole = d->whole * 10 + (*p - '0')) > INT64_MAX)
			return NULL;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			if (d->scale < 1000000000000000000LL) { /* finer than 1e-18 of a unit: dropped */
				d->frac = d->frac * 10 + (*p - '0');
				d->scale *= 10;
			}
	return p == start || (p == start + 1 && *start == '.') ? NULL : p;
}

static __int128 decimal_times(const struct decimal *d, int64_t unit)
{
	return d->whole * unit + d->frac * unit / d->scale;
}

int bx_parse_duration(const char *s, int64_t *ns, bx_err_t *err)
{
	const char *p = s;
	__int128 total = 0;
	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*p)
		goto bad;
	while (*p) {
		struct decimal v;
		const char *end = parse_decimal(p, &v);
		if (!end)
			goto bad;
		p = end;
		/* The longest unit that matches: "ms" before "m". */
		size_t best = 0, blen = 0;
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
			size_t l = strlen(units[i].name);
			if (l > blen && !strncmp(p, units[i].name, l)) {
				best = i;
				blen = l;
			}
		}
		if (!blen)
			goto bad;
		total += decimal_times(&v, units[best].ns);
		if (total > INT64_MAX)
			return bx_usage_error(err, "duration \"%s\" is too long", s);
		p += blen;
	}
	*ns = (int64_t)total;
	return 0;
bad:
	return bx_usage_error(err, "invalid duration \"%s\" (a number and a unit: ms, s, m or h, e.g. 500ms, 30s, "
			      "1m30s)", s);
}

void bx_format_duration(int64_t ns, char *buf, size_t len)
{
	if (ns < 1000000000 && ns % 1000000 == 0)
		snprintf(buf, len, "%lldms", (long long)(ns / 1000000));
	else if (ns < 60LL * 1000000000)
		snprintf(buf, len, "%gs", ns / 1e9);
	else if (ns % (3600LL * 1000000000) == 0)
		snprintf(buf, len, "%lldh", (long long)(ns / 3600000000000LL));
	else
		snprintf(buf, len, "%lldm%gs", (long long)(ns / 60000000000LL), (ns % 60000000000LL) / 1e9);
}

/* The proleptic Gregorian date of a day count since 1970-01-01, by
 * 400-year eras of 146097 days (March-based years, so that the leap day
 * is the last of its year). */
static void civil_date(int64_t days, int64_t *year, int *month, int *day)
{
	days += 719468; /* from 0000-03-01 */
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	int64_t doe = days - era * 146097;                                /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);              /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;                                   /* March = 0 */
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (*month <= 2);
}

void bx_format_utc(int64_t ns, int digits, char *buf, size_t len)
{
	/* Not gmtime_r or strftime: glibc's read /etc/localtime (tzset) on
	 * their first call, six syscalls of every run for a UTC stamp. */
	int64_t s = ns / 1000000000, frac = ns % 1000000000;
	if (frac < 0) {
		frac += 1000000000;
		s--;
	}
	int64_t days = s / 86400, sec = s % 86400, year;
	if (sec < 0) {
		sec += 86400;
		days--;
	}
	int month, day;
	civil_date(days, &year, &month, &day);
	for (int i = digits; i < 9; i++)
		frac /= 10;
	snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02d.%0*lldZ", (long long)year, month, day, (int)(sec / 3600),
		 (int)(sec / 60 % 60), (int)(sec % 60), digits, (long long)frac);
}

void bx_format_rfc3339nano(int64_t ns, char *buf, size_t len)
{
	bx_format_utc(ns, 9, buf, len);
}

static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* date [T hh [:mm [:ss [.frac]]]] [Z | ±hh:mm]; partial forms only when
 * partial is true (user input, not the log's own stamps). */
static int parse_datetime(const char *s, bool partial, int64_t *ns, const char **end)
{
	const char *p = s;
	struct tm tm = {0};
	int y, mo, d, h = 0, mi = 0, sec = 0;
	int64_t frac = 0;
	if (digits(&p, 4, &y) < 0 || *p++ != '-' || digits(&p, 2, &mo) < 0 || *p++ != '-' || digits(&p, 2, &d) < 0)
		return -1;
	if (*p == 'T') {
		p++;
		if (digits(&p, 2, &h) < 0)
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &mi) < 0)
				return -1;
			if (*p == ':') {
				p++;
				if (digits(&p, 2, &sec) < 0)
					return -1;
				if (*p == '.') {
					int64_t scale = 100000000;
					p++;
					if (!isdigit((unsigned char)*p))
						return -1;
					for (; isdigit((unsigned char)*p); p++) {
						frac += (*p - '0') * scale;
						scale /= 10;
					}
				}
			} else if (!partial) {
				return -1;
			}
		} else if (!partial) {
			return -1;
		}
	} else if (!partial) {
		return -1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	int64_t off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om, sign = *p == '-' ? -1 : 1;
		p++;
		if (digits(&p, 2, &oh) < 0 || *p++ != ':' || digits(&p, 2, &om) < 0)
			return -1;
		off = sign * (oh * 3600 + om * 60);
	} else if (!partial) {
		return -1;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*ns = ((int64_t)timegm(&tm) - off) * 1000000000 + frac;
	*end = p;
	return 0;
}

int bx_parse_rfc3339(const char *s, int64_t *ns, const char **end)
{
	return parse_datetime(s, false, ns, end);
}

int bx_parse_time_arg(const char *s, int64_t now_ns, int64_t *out_ns, bx_err_t *err)
{
	const char *end;
	int64_t d;
	bx_err_t tmp = NULL;
	if (parse_datetime(s, true, out_ns, &end) == 0 && !*end)
		return 0;
	/* Unix seconds: digits, then an optional fraction. */
	struct decimal v;
	if (isdigit((unsigned char)*s) && (end = parse_decimal(s, &v)) && !*end) {
		__int128 t = decimal_times(&v, 1000000000);
		if (t <= INT64_MAX) {
			*out_ns = (int64_t)t;
			return 0;
		}
	}
	if (bx_parse_duration(s, &d, &tmp) == 0) {
		*out_ns = now_ns - d;
		return 0;
	}
	bx_error_release(&tmp);
	return bx_usage_error(err, "invalid time \"%s\" (allowed: a duration before now such as 10m or 1h30m, "
			      "RFC 3339 such as 2024-01-02T15:04:05Z, a date 2024-01-02, or Unix seconds)", s);
}
