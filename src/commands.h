/* commands: one file per subcommand, each exporting cmd_<name>() and its
 * options, opt_cmd_<name> (see options.h).
 * To add one: write src/cmd_<name>.c with a struct for its option values, its
 * options table and its opt_cmd (usage lines, text, table) side by side; start
 * cmd_<name>() with opt_parse(). Declare both here, add the command to the
 * table in main.c, to src/meson.build, and to the commands of
 * tests/unit/test_options.c, which checks every option against mprof(1).
 * A command returns its exit status; it may die() on fatal errors. */
#ifndef MPROF_COMMANDS_H
#define MPROF_COMMANDS_H

struct opt_cmd;

int cmd_run(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_plot(int argc, char **argv);        /* in the plot module */
int cmd_plot_module(int argc, char **argv); /* loads it and runs cmd_plot */
int cmd_peak(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_clean(int argc, char **argv);
int cmd_mark(int argc, char **argv);
int cmd_lines(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_diff(int argc, char **argv);

extern const struct opt_cmd opt_cmd_run, opt_cmd_attach;
extern const struct opt_cmd opt_cmd_plot;  /* in the plot module */
extern const struct opt_cmd opt_cmd_peak, opt_cmd_list, opt_cmd_rm, opt_cmd_clean;
extern const struct opt_cmd opt_cmd_mark, opt_cmd_lines;
extern const struct opt_cmd opt_cmd_summary, opt_cmd_diff;

#endif
