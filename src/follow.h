/* follow: mprof plot --follow: a profile that another mprof run is writing,
 * drawn as it grows, as tail -f shows a file: in the terminal (redrawn in
 * place on the alternate screen at most twice a second; q stops) or as an
 * HTML page (rewritten every few seconds, atomically, and reloading itself
 * while the run lasts). It ends when the file holds the run's end (EXIT), and
 * the last picture is drawn as mprof plot draws it. */
#ifndef MPROF_FOLLOW_H
#define MPROF_FOLLOW_H

#include "plot_options.h"
#include "plot_write.h"

#define FOLLOW_PAGE_SECS 3   /* the page is rewritten, and reloads, this often */

/* Follow path until its end (or q). last > 0: the terminal shows only the
 * last seconds. -1 (reported) on failure. */
int follow_run(const char *path, const struct plot_options *opt, const struct plot_target *to, double last);

#endif
