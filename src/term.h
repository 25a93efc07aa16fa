/* term: a terminal drawn in place, for the live views (the status line of
 * mprof run, mprof run --live, mprof plot --follow).
 *
 * One terminal per program: term_enter switches it to the alternate screen
 * (as top does), hides the cursor and reads keys one at a time without echo
 * (signals from the keyboard, Ctrl-C, still work); term_leave undoes all of
 * it. The terminal is also restored at exit, and, when term_enter was asked
 * to, on SIGTERM, SIGINT and SIGHUP before the signal takes its course.
 */
#ifndef MPROF_TERM_H
#define MPROF_TERM_H

#include <stdbool.h>
#include <stddef.h>

/* Escapes, for tests and callers that write them themselves. */
#define TERM_ALT_ON "\033[?1049h"
#define TERM_ALT_OFF "\033[?1049l"
#define TERM_CURSOR_OFF "\033[?25l"
#define TERM_CURSOR_ON "\033[?25h"
#define TERM_CLEAR_LINE "\r\033[K"

/* Enter the alternate screen on out_fd; keys are read from in_fd (-1: none).
 * handle_signals: restore the terminal on SIGTERM, SIGINT, SIGHUP (for
 * programs that do not handle them otherwise). -1 when out_fd is not a
 * terminal. */
int term_enter(int out_fd, int in_fd, bool handle_signals);
/* Back to the normal screen, cursor and keys as they were. Idempotent. */
void term_leave(void);
bool term_active(void);

/* Wait up to timeout_ms for a key on the input (or for wake_fd to become
 * readable, when >= 0): the key, 0 on timeout or wake, -1 when the input
 * has ended. */
int term_key(int wake_fd, int timeout_ms);

/* The terminal's size in characters; false when fd is not a terminal. */
bool term_size(int fd, int *cols, int *lines);

/* Draw text (lines ending in '\n') from the top left corner over what was
 * there: each line's rest and the lines below are cleared. -1 on a write
 * error. */
int term_draw(int fd, const char *text, size_t len);

/* Rewrite the current line of fd with text (cut to width, no newline);
 * NULL clears it. */
int term_line(int fd, const char *text, int width);

#endif
