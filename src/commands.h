/* commands: one file per subcommand, each exporting cmd_<name>().
 * To add one: write src/cmd_<name>.c with its usage text and options table side
 * by side, declare it here, add it to the table in main.c and to src/meson.build.
 * A command returns its exit status; it may die() on fatal errors. */
#ifndef MPROF_COMMANDS_H
#define MPROF_COMMANDS_H

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

#endif
