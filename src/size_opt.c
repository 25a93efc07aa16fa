/* size_opt: sizes as values of command-line options. */
#include "options.h"
#include "size.h"

int size_opt_value(struct opt_parser *p, void *field, const char *arg)
{
	struct size_arg *v = field;
	enum size_error e = size_parse(arg, &v->bytes);

	if (e == SIZE_NO_UNIT)
		return opt_bad_value(p, "'%s' has no unit, and a number alone is ambiguous: "
				     "write %sM for MiB, or %sB for bytes", arg, arg, arg);
	if (e != SIZE_OK)
		return opt_bad_value(p, "invalid size '%s': %s", arg, size_strerror(e));
	v->arg = arg;
	return 0;
}
