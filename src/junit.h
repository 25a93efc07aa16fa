/* junit: test reports in the JUnit XML form that CI systems show (GitLab,
 * Jenkins, GitHub actions that publish test results): one <testsuite> of
 * <testcase>s, each passed, failed (<failure>) or not run to an end
 * (<error>). Text is escaped for XML 1.0: markup characters as entities,
 * characters XML cannot hold (control bytes, invalid UTF-8) as U+FFFD. */
#ifndef MPROF_JUNIT_H
#define MPROF_JUNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum junit_result {
	JUNIT_PASS,
	JUNIT_FAILURE,  /* the check ran and failed */
	JUNIT_ERROR,    /* the check could not be made */
};

struct junit_case {
	const char *classname;
	const char *name;
	enum junit_result result;
	const char *message;  /* failure or error: one line */
	const char *detail;   /* failure or error: the element's text; may be NULL */
};

/* Write the report to f. -1 (reported, naming `what`) on a write error. */
int junit_write(FILE *f, const char *what, const char *suite, const struct junit_case *c, size_t n);
/* Write the report to path whole or not at all: a temporary file in the
 * same directory, renamed over path. -1 on error, reported. */
int junit_write_file(const char *path, const char *suite, const struct junit_case *c, size_t n);

/* s as XML character data, or (attr) as an attribute value in double quotes. */
void xml_put_escaped(FILE *f, const char *s, size_t len, bool attr);

#endif
