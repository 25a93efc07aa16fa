# bash completion for mprof(1)                             -*- shell-script -*-
#
# Commands, their options and the values of options that take one; for the
# commands that read profiles, the *.dat files and directories and, once a
# digit is typed, the indices of the profiles of the current directory as
# `mprof list` counts them (0 the oldest, -1 the newest).

_mprof_commands="attach clean diff export fit help lines list mark peak plot rm run summary"

# The options of each command; those that take a value end in '='.
_mprof_opts_run="-T= --interval= -o= --output= --force --append -C --include-children
	-M --multiprocess --breakdown --gpu -E --exit-code -t= --timeout= -a --attach --backend= --python
	--nopython --python-heap --interval-peaks --no-interval-peaks --max= --kill-above= -q --quiet --live --last= -h --help --version"
_mprof_opts_attach="$_mprof_opts_run --cgroup= --unit= --container= --reset-peak"
_mprof_opts_run="$_mprof_opts_run --cgroup --memory-max="
_mprof_opts_fit="--runs= --tolerance= --timeout= -T= --interval= -o= --output= -h --help --version"
_mprof_opts_plot="-o= --output= -t= --title= -n --no-function-ts -w= --window= -f --flame
	-s --slope --breakdown --align= --terminal --color= --width= --height= --dpi= --backend= --follow --last=
	-h --help --version"
_mprof_opts_peak="--func= --max= --exact -h --help --version"
_mprof_opts_summary="--json -h --help --version"
_mprof_opts_diff="--json --junit= --func= --exact --max-increase= -h --help --version"
_mprof_opts_export="--csv --json -o= --output= -h --help --version"
_mprof_opts_list="-h --help --version"
_mprof_opts_rm="--dry-run -h --help --version"
_mprof_opts_clean="--dry-run -h --help --version"
_mprof_opts_mark="-b --begin -e --end -h --help --version"
_mprof_opts_lines="-o= --output= --precision= --backend= --include-children --pdb-mmem=
	--timestamp -m= -h --help --version"

# How many profiles `mprof list` shows in the current directory.
_mprof_profile_count()
{
	local f n=0
	for f in mprofile_[0-9]*.dat; do
		[[ $f =~ ^mprofile_[0-9]{14}\.dat$ && -f $f ]] && ((n++))
	done
	echo "$n"
}

# COMPREPLY += the files matching $1 that end in one of the extensions
# $2... (any: every file), and directories.
_mprof_files()
{
	local cur=$1 ext IFS=$'\n'
	shift
	compopt -o filenames 2>/dev/null
	for ext in "$@"; do
		if [[ $ext == any ]]; then
			COMPREPLY+=($(compgen -f -- "$cur"))
		else
			COMPREPLY+=($(compgen -f -X "!*.$ext" -- "$cur"))
		fi
	done
	COMPREPLY+=($(compgen -d -- "$cur"))
}

# COMPREPLY: the indices matching $1 when it is a number, else profiles.
_mprof_profiles()
{
	local cur=$1 n i words=()
	if [[ $cur =~ ^-?[0-9]+$ ]]; then
		n=$(_mprof_profile_count)
		for ((i = 0; i < n; i++)); do
			words+=("$i" "-$((i + 1))")
		done
		COMPREPLY=($(compgen -W "${words[*]}" -- "$cur"))
		[[ $cur == -* ]] && return
	fi
	_mprof_files "$cur" dat
}

# Does option $2 of command $1 take a value?
_mprof_takes_value()
{
	local o opts=_mprof_opts_$1
	for o in ${!opts}; do
		[[ $o == "$2=" ]] && return 0
	done
	return 1
}

# COMPREPLY: the value of option $2 of command $1, starting with $3.
_mprof_value()
{
	local cmd=$1 opt=$2 cur=$3
	case $cmd:$opt in
	run:--backend | attach:--backend)
		COMPREPLY=($(compgen -W "rss pss uss psutil psutil_pss psutil_uss posix" -- "$cur")) ;;
	lines:--backend)
		COMPREPLY=($(compgen -W "rss pss uss tracemalloc psutil psutil_pss psutil_uss posix" -- "$cur")) ;;
	plot:--color)
		COMPREPLY=($(compgen -W "auto always never" -- "$cur")) ;;
	plot:-o | plot:--output)
		_mprof_files "$cur" png jpg jpeg svg svgz pdf ps eps html htm ;;
	*:-o | *:--output)
		_mprof_files "$cur" any ;;
	diff:--junit)
		_mprof_files "$cur" xml ;;
	esac
	# others take a number, a title or a name: nothing to offer
}

# COMPREPLY: the first argument of command $1, or what follows it.
_mprof_argument()
{
	local cmd=$1 cur=$2 IFS=$'\n'
	case $cmd in
	plot | peak | rm | summary | diff | export)
		_mprof_profiles "$cur" ;;
	run | fit)
		# the program: a command, or a file
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -c -- "$cur") $(compgen -f -- "$cur")) ;;
	lines)
		_mprof_files "$cur" py
		[[ $cur == p* ]] && COMPREPLY+=($(compgen -c -- "$cur")) ;;
	attach)
		local pids=(/proc/[0-9]*)
		IFS=$' \t\n'
		COMPREPLY=($(compgen -W "${pids[*]#/proc/}" -- "$cur")) ;;
	esac
}

_mprof()
{
	local cur=${COMP_WORDS[COMP_CWORD]} cmd="" i w opt="" opts args=0 dashdash=0
	COMPREPLY=()
	# the command: the first word after mprof that is not an option
	for ((i = 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} != -* ]] && cmd=${COMP_WORDS[i]} && break
	done
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-h --help -V --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_mprof_commands" -- "$cur"))
		fi
		return
	fi
	if [[ $cmd == help ]]; then
		((COMP_CWORD == i + 1)) && COMPREPLY=($(compgen -W "$_mprof_commands" -- "$cur"))
		return
	fi
	opts=_mprof_opts_$cmd
	[[ -n ${!opts+set} ]] || return
	# the words from the command to the cursor: an option waiting for its
	# value ('--opt value', or '--opt = value' as bash splits '--opt=value'),
	# arguments, '--'
	for ((i = i + 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ -n $opt ]]; then
			[[ $w == = ]] || opt=""
		elif ((dashdash)) || [[ $w != -* || $w == - || $w =~ ^-[0-9]+$ ]]; then
			((args++))
		elif [[ $w == -- ]]; then
			dashdash=1
		elif _mprof_takes_value "$cmd" "$w"; then
			opt=$w
		fi
		# after run's program or lines's script, the words are the program's
		[[ ($cmd == run || $cmd == fit || $cmd == lines) ]] && ((args)) && break
	done
	if [[ $cmd == run || $cmd == fit || $cmd == lines ]] && ((args)); then
		compopt -o default 2>/dev/null
		return
	fi
	if [[ -n $opt ]]; then
		[[ $cur == = ]] || _mprof_value "$cmd" "$opt" "$cur"
		return
	fi
	if [[ $cur == -* && ! $cur =~ ^-[0-9]+$ ]] && ((!dashdash)); then
		local o words=()
		for o in ${!opts}; do
			words+=("${o%=}")
		done
		COMPREPLY=($(compgen -W "${words[*]}" -- "$cur"))
		return
	fi
	_mprof_argument "$cmd" "$cur"
}

complete -F _mprof mprof
