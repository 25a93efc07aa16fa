#include "junit.h"

#include "profile.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void xml_put_escaped(FILE *f, const char *s, size_t len, bool attr)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n;

		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"' && attr)
			fputs("&quot;", f);
		else if ((c == '\t' || c == '\n' || c == '\r') && attr)
			fprintf(f, "&#%d;", c);  /* kept as they are by attribute normalisation */
		else if (c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c < 0x7f))
			fputc(c, f);
		else if (c >= 0x80 && (n = profile_utf8_len(p + i, len - i)) > 0) {
			/* U+FFFE and U+FFFF are not XML characters */
			if (n == 3 && c == 0xef && p[i + 1] == 0xbf && p[i + 2] >= 0xbe)
				fputs("\xef\xbf\xbd", f);
			else
				fwrite(p + i, 1, n, f);
			i += n;
			continue;
		} else
			fputs("\xef\xbf\xbd", f); /* U+FFFD */
		i++;
	}
}

static void put(FILE *f, const char *s, bool attr)
{
	xml_put_escaped(f, s ? s : "", s ? strlen(s) : 0, attr);
}

static void put_case(FILE *f, const struct junit_case *c)
{
	const char *tag = c->result == JUNIT_FAILURE ? "failure" : "error";

	fputs("    <testcase classname=\"", f);
	put(f, c->classname, true);
	fputs("\" name=\"", f);
	put(f, c->name, true);
	fputs("\" time=\"0\"", f);
	if (c->result == JUNIT_PASS) {
		fputs("/>\n", f);
		return;
	}
	fprintf(f, ">\n      <%s type=\"budget\" message=\"", tag);
	put(f, c->message, true);
	fputs("\">", f);
	put(f, c->detail ? c->detail : c->message, false);
	fprintf(f, "</%s>\n    </testcase>\n", tag);
}

int junit_write(FILE *f, const char *what, const char *suite, const struct junit_case *c, size_t n)
{
	size_t failures = 0, errors = 0;

	for (size_t i = 0; i < n; i++) {
		failures += c[i].result == JUNIT_FAILURE;
		errors += c[i].result == JUNIT_ERROR;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", f);
	put(f, suite, true);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n", n, failures, errors);
	fputs("  <testsuite name=\"", f);
	put(f, suite, true);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\">\n", n, failures, errors);
	for (size_t i = 0; i < n; i++)
		put_case(f, &c[i]);
	fputs("  </testsuite>\n</testsuites>\n", f);
	if (fflush(f) != 0 || ferror(f))
		return error_errno("cannot write '%s'", what);
	return 0;
}

int junit_write_file(const char *path, const char *suite, const struct junit_case *c, size_t n)
{
	char *tmp = xasprintf("%s.XXXXXX", path);
	int fd = mkstemp(tmp), rc = -1;
	mode_t mask = umask(0);
	FILE *f;

	umask(mask);
	if (fd < 0) {
		error_errno("cannot write '%s'", path);
		goto cleanup;
	}
	/* mkstemp makes the file 0600; a report is for everyone to read */
	f = fchmod(fd, 0666 & ~mask) == 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		error_errno("cannot write '%s'", path);
		close(fd);
		unlink(tmp);
		goto cleanup;
	}
	rc = junit_write(f, path, suite, c, n);
	if (fclose(f) != 0 && rc == 0)
		rc = error_errno("cannot write '%s'", path);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = error_errno("cannot write '%s'", path);
	if (rc < 0)
		unlink(tmp);
cleanup:
	free(tmp);
	return rc;
}
