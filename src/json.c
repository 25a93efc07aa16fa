#include "json.h"

#include "profile.h"

#include <math.h>
#include <string.h>

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

static void indent(struct json *j)
{
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Before a value or a key: the comma and line break it needs. */
static void before_item(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0)
		return;
	if (j->has_items[j->depth])
		fputc(',', j->f);
	j->has_items[j->depth] = true;
	indent(j);
}

static void open_container(struct json *j, char c)
{
	before_item(j);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_DEPTH_MAX)
		j->depth++;
	j->has_items[j->depth] = false;
}

static void close_container(struct json *j, char c)
{
	bool had = j->has_items[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (had)
		indent(j);
	fputc(c, j->f);
}

void json_object_begin(struct json *j)
{
	open_container(j, '{');
}

void json_object_end(struct json *j)
{
	close_container(j, '}');
}

void json_array_begin(struct json *j)
{
	open_container(j, '[');
}

void json_array_end(struct json *j)
{
	close_container(j, ']');
}

void json_put_escaped(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n;

		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			static const char short_form[] = "btn\0fr";

			if (c >= '\b' && c <= '\r' && c != '\v')
				fprintf(f, "\\%c", short_form[c - '\b']);
			else
				fprintf(f, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			fputc(c, f);
			i++;
		} else if ((n = profile_utf8_len(p + i, len - i)) > 0) {
			fwrite(p + i, 1, n, f);
			i += n;
		} else {
			fputs("\\ufffd", f);
			i++;
		}
	}
}

void json_key(struct json *j, const char *key)
{
	before_item(j);
	fputc('"', j->f);
	json_put_escaped(j->f, key, strlen(key));
	fputs("\": ", j->f);
	j->after_key = true;
}

void json_string(struct json *j, const char *s, size_t len)
{
	before_item(j);
	fputc('"', j->f);
	json_put_escaped(j->f, s, len);
	fputc('"', j->f);
}

void json_cstring(struct json *j, const char *s)
{
	if (!s)
		json_null(j);
	else
		json_string(j, s, strlen(s));
}

void json_number(struct json *j, double v, int decimals)
{
	char buf[400];
	size_t n;

	if (!isfinite(v)) {
		json_null(j);
		return;
	}
	before_item(j);
	if (decimals < 0 || decimals > 17)
		decimals = 17;
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	n = strlen(buf);
	if (memchr(buf, '.', n)) {
		while (buf[n - 1] == '0')
			buf[--n] = '\0';
		if (buf[n - 1] == '.')
			buf[--n] = '\0';
	}
	if (strcmp(buf, "-0") == 0)
		strcpy(buf, "0");
	fputs(buf, j->f);
}

void json_integer(struct json *j, long long v)
{
	before_item(j);
	fprintf(j->f, "%lld", v);
}

void json_bool(struct json *j, bool v)
{
	before_item(j);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	before_item(j);
	fputs("null", j->f);
}

void json_raw(struct json *j, const char *s, size_t len)
{
	before_item(j);
	fwrite(s, 1, len, j->f);
}

void json_finish(struct json *j)
{
	fputc('\n', j->f);
}

void json_kv_string(struct json *j, const char *key, const char *s, size_t len)
{
	json_key(j, key);
	json_string(j, s, len);
}

void json_kv_cstring(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_cstring(j, s);
}

void json_kv_number(struct json *j, const char *key, double v, int decimals)
{
	json_key(j, key);
	json_number(j, v, decimals);
}

void json_kv_integer(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	json_integer(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}
