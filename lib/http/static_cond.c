/* lib/http: the static-file handler's validators and ranges: the ETag,
 * HTTP dates (written as IMF-fixdate, read in the three forms of RFC
 * 9110 s5.6.7), If-None-Match, If-Modified-Since, If-Range and one byte
 * range (RFC 9110 s13, s14). Pure: no I/O, no clock, no locale. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "static_internal.h"

static const char *const wdays[7] = { "Sun", "Mon", "Tue", "Wed",
				      "Thu", "Fri", "Sat" };
static const char *const wdays_long[7] = { "Sunday",	"Monday",   "Tuesday",
					   "Wednesday", "Thursday", "Friday",
					   "Saturday" };
static const char *const months[12] = { "Jan", "Feb", "Mar", "Apr",
					"May", "Jun", "Jul", "Aug",
					"Sep", "Oct", "Nov", "Dec" };

void http_static_etag(char *out, uint64_t size, int64_t mtime_s, long mtime_ns)
{
	uint64_t ns = (uint64_t)mtime_s * 1000000000u + (uint64_t)mtime_ns;

	snprintf(out, HTTP_STATIC_ETAG_LEN, "\"%llx-%llx\"",
		 (unsigned long long)size, (unsigned long long)ns);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; m 1..12). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* The date of day number z since 1970-01-01, the inverse of the above. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Floor division and its remainder, for times before 1970. */
static int64_t div_floor(int64_t a, int64_t b, int64_t *rem)
{
	int64_t q = a / b, r = a % b;

	if (r < 0) {
		r += b;
		q--;
	}
	*rem = r;
	return q;
}

int http_static_date_format(char *out, int64_t t)
{
	int64_t secs, y, wday;
	int64_t days;
	int m, d;
	char buf[64]; /* what the compiler cannot prove fits in 30 */

	if (t < -62167219200LL || t > 253402300799LL) /* 0000..9999 */
		return -EINVAL;
	days = div_floor(t, 86400, &secs);
	civil_from_days(days, &y, &m, &d);
	div_floor(days + 4, 7, &wday); /* 1970-01-01 was a Thursday */
	snprintf(buf, sizeof buf, "%s, %02d %s %04lld %02d:%02d:%02d GMT",
		 wdays[wday], d, months[m - 1], (long long)y,
		 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	memcpy(out, buf, HTTP_STATIC_DATE_LEN);
	return 29;
}

/* ---- Reading dates: a cursor over the text, each step exact. */

/* Consume literal lit at *s. */
static bool lit(const char **s, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*s, lit, n))
		return false;
	*s += n;
	return true;
}

/* Consume exactly n digits at *s into *v. */
static bool digits(const char **s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return false;
		*v = *v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	return true;
}

/* Consume one of the names of table (n entries) at *s: its index or -1. */
static int name(const char **s, const char *const *table, int n)
{
	for (int i = 0; i < n; i++)
		if (lit(s, table[i]))
			return i;
	return -1;
}

/* Consume "HH:MM:SS" at *s into seconds of the day. */
static bool time_of_day(const char **s, int *secs)
{
	int h, m, sec;

	if (!digits(s, 2, &h) || !lit(s, ":") || !digits(s, 2, &m) ||
	    !lit(s, ":") || !digits(s, 2, &sec))
		return false;
	if (h > 23 || m > 59 || sec > 60)
		return false;
	*secs = h * 3600 + m * 60 + sec;
	return true;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" after the weekday. */
static bool imf_fixdate(const char *s, int *y, int *m, int *d, int *secs)
{
	return lit(&s, ", ") && digits(&s, 2, d) && lit(&s, " ") &&
	       (*m = name(&s, months, 12)) >= 0 && lit(&s, " ") &&
	       digits(&s, 4, y) && lit(&s, " ") && time_of_day(&s, secs) &&
	       lit(&s, " GMT") && !*s;
}

/* "Sunday, 06-Nov-94 08:49:37 GMT" after the weekday. */
static bool rfc850_date(const char *s, int *y, int *m, int *d, int *secs)
{
	if (!(lit(&s, ", ") && digits(&s, 2, d) && lit(&s, "-") &&
	      (*m = name(&s, months, 12)) >= 0 && lit(&s, "-") &&
	      digits(&s, 2, y) && lit(&s, " ") && time_of_day(&s, secs) &&
	      lit(&s, " GMT") && !*s))
		return false;
	*y += *y < 70 ? 2000 : 1900;
	return true;
}

/* "Sun Nov  6 08:49:37 1994" after the weekday. */
static bool asctime_date(const char *s, int *y, int *m, int *d, int *secs)
{
	if (!lit(&s, " ") || (*m = name(&s, months, 12)) < 0 || !lit(&s, " "))
		return false;
	if (!(lit(&s, " ") ? digits(&s, 1, d) : digits(&s, 2, d)))
		return false;
	return lit(&s, " ") && time_of_day(&s, secs) && lit(&s, " ") &&
	       digits(&s, 4, y) && !*s;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int http_static_date_parse(const char *s, int64_t *t)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30,
				       31, 31, 30, 31, 30, 31 };
	int y, m = -1, d, secs;
	const char *p = s;
	bool ok;

	if (name(&p, wdays_long, 7) >= 0)
		ok = rfc850_date(p, &y, &m, &d, &secs);
	else if (name(&p, wdays, 7) >= 0)
		ok = *p == ',' ? imf_fixdate(p, &y, &m, &d, &secs) :
				 asctime_date(p, &y, &m, &d, &secs);
	else
		ok = false;
	if (!ok || d < 1 || d > mdays[m] + (m == 1 && leap(y)))
		return -EINVAL;
	*t = days_from_civil(y, m + 1, d) * 86400 + secs;
	return 0;
}

/* ---- Entity-tags (RFC 9110 s8.8.3). */

/* The length of the entity-tag at s ([W/]"etagc*"), 0 when none. */
static size_t etag_len(const char *s)
{
	size_t i = strncmp(s, "W/", 2) ? 0 : 2;

	if (s[i++] != '"')
		return 0;
	for (; s[i] != '"'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x21 || c == 0x7f)
			return 0; /* also the end of the text */
	}
	return i + 1;
}

/* Whether tag[0..n) equals etag by the weak comparison. */
static bool weak_equal(const char *tag, size_t n, const char *etag)
{
	if (!strncmp(tag, "W/", 2)) {
		tag += 2;
		n -= 2;
	}
	if (!strncmp(etag, "W/", 2))
		etag += 2;
	return strlen(etag) == n && !memcmp(tag, etag, n);
}

static const char *skip_list_space(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	return s;
}

bool http_static_etag_match(const char *list, const char *etag)
{
	const char *s = skip_list_space(list);
	bool found = false;

	if (s[0] == '*' && !*skip_list_space(s + 1))
		return true;
	while (*s) {
		size_t n = etag_len(s);

		if (!n)
			return false; /* malformed: matches nothing */
		found = found || weak_equal(s, n, etag);
		s += n;
		if (*s && *s != ',' && *s != ' ' && *s != '\t')
			return false;
		s = skip_list_space(s);
	}
	return found;
}

bool http_static_not_modified(const char *inm, const char *ims,
			      const char *etag, int64_t mtime)
{
	int64_t t;

	if (inm)
		return http_static_etag_match(inm, etag);
	if (ims && !http_static_date_parse(ims, &t))
		return mtime <= t;
	return false;
}

bool http_static_if_range(const char *if_range, const char *etag, int64_t mtime)
{
	int64_t t;

	if (!if_range)
		return true;
	if (if_range[0] == '"')
		return !strcmp(if_range, etag) && strncmp(etag, "W/", 2);
	if (!strncmp(if_range, "W/", 2))
		return false; /* a weak tag never matches here */
	return !http_static_date_parse(if_range, &t) && t == mtime;
}

/* ---- Byte ranges (RFC 9110 s14.1). */

/* Consume 1*DIGIT at *s into *v, saturating at UINT64_MAX. */
static bool number(const char **s, uint64_t *v)
{
	const char *p = *s;

	*v = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned dig = (unsigned)(*p - '0');

		*v = *v > (UINT64_MAX - dig) / 10 ? UINT64_MAX : *v * 10 + dig;
	}
	if (p == *s)
		return false;
	*s = p;
	return true;
}

/* One range-spec at *s: *first (or none: a suffix) and *last (or none). */
struct range_spec {
	bool has_first, has_last;
	uint64_t first, last;
};

static bool range_spec(const char **s, struct range_spec *r)
{
	r->has_first = number(s, &r->first);
	if (!lit(s, "-"))
		return false;
	r->has_last = number(s, &r->last);
	if (!r->has_first && !r->has_last)
		return false;
	return !(r->has_first && r->has_last && r->last < r->first);
}

/* The one range-spec of the Range value s, or false. */
static bool one_range(const char *s, struct range_spec *r)
{
	if (strncasecmp(s, "bytes=", 6))
		return false;
	s = skip_list_space(s + 6);
	if (!range_spec(&s, r))
		return false;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s && *s != ',')
		return false;
	return !*skip_list_space(s); /* several ranges: not served */
}

enum http_static_range_kind http_static_range(const char *range, uint64_t size,
					      uint64_t *off, uint64_t *len)
{
	struct range_spec r;

	if (!range || !one_range(range, &r))
		return HTTP_RANGE_NONE;
	if (!r.has_first) {
		if (r.last == 0)
			return HTTP_RANGE_UNSATISFIABLE;
		if (size == 0)
			return HTTP_RANGE_NONE;
		*len = r.last < size ? r.last : size;
		*off = size - *len;
		return HTTP_RANGE_PARTIAL;
	}
	if (r.first >= size)
		return HTTP_RANGE_UNSATISFIABLE;
	if (!r.has_last || r.last >= size)
		r.last = size - 1;
	*off = r.first;
	*len = r.last - r.first + 1;
	return HTTP_RANGE_PARTIAL;
}
