#include "commands.h"
#include "util.h"

int cmd_list(int argc, char **argv)
{
	(void)argc;
	die("%s: not built yet", argv[0]);
}

int cmd_rm(int argc, char **argv)
{
	(void)argc;
	die("%s: not built yet", argv[0]);
}

int cmd_clean(int argc, char **argv)
{
	(void)argc;
	die("%s: not built yet", argv[0]);
}

