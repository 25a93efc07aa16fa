/* json: a small streaming JSON writer (RFC 8259), indented two spaces a level.
 *
 * The caller opens and closes objects and arrays in order; the writer puts
 * the commas, the colons and the line breaks. Strings are any bytes: valid
 * UTF-8 is written as is, control characters, '"' and '\\' escaped, and each
 * byte that is not part of valid UTF-8 becomes U+FFFD. Numbers that are not
 * finite (NaN: "none") are written as null.
 */
#ifndef MPROF_JSON_H
#define MPROF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 32

struct json {
	FILE *f;
	int depth;
	bool has_items[JSON_DEPTH_MAX]; /* whether the container at each depth has an item */
	bool after_key;                 /* a key was written, its value is next */
};

void json_init(struct json *j, FILE *f);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
/* Inside an object: the key of the next value. */
void json_key(struct json *j, const char *key);

void json_string(struct json *j, const char *s, size_t len);
void json_cstring(struct json *j, const char *s); /* NULL: null */
/* v with at most `decimals` decimals, trailing zeros dropped ("1.5", "2");
 * null when not finite. */
void json_number(struct json *j, double v, int decimals);
void json_integer(struct json *j, long long v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* Inside an object: a key and its value, as json_key then the writer of the
 * value. */
void json_kv_string(struct json *j, const char *key, const char *s, size_t len);
void json_kv_cstring(struct json *j, const char *key, const char *s);
void json_kv_number(struct json *j, const char *key, double v, int decimals);
void json_kv_integer(struct json *j, const char *key, long long v);
void json_kv_bool(struct json *j, const char *key, bool v);
/* A value already formatted as JSON, written as it is (len bytes). */
void json_raw(struct json *j, const char *s, size_t len);
/* End the document with a newline. */
void json_finish(struct json *j);

/* Write s as the inside of a JSON string (no quotes) to f. */
void json_put_escaped(FILE *f, const char *s, size_t len);

#endif
