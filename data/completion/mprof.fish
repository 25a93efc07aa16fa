# fish completion for mprof(1): commands, options, their values, profiles
# (*.dat) and the indices of the profiles of the current directory as
# `mprof list` counts them (0 the oldest, -1 the newest).

set -l commands attach clean diff export fit help lines list mark peak plot rm run summary

function __mprof_profile_indices
    set -l n 0
    for f in mprofile_*.dat
        if string match -qr '^mprofile_[0-9]{14}\.dat$' -- $f; and test -f $f
            set n (math $n + 1)
        end
    end
    for i in (seq 0 (math $n - 1))
        test $n -gt 0; or break
        printf '%s\tprofile index\n' $i -(math $i + 1)
    end
end

function __mprof_profiles
    __mprof_profile_indices
    __fish_complete_suffix .dat
end

# The command line has no command yet, or its command is one of $argv.
function __mprof_using
    set -l words (commandline -opc)
    set -e words[1]
    for w in $words
        string match -q -- '-*' $w; and continue
        contains -- $w $argv
        return
    end
    test (count $argv) -eq 0
end

# run and lines: no program (or script) yet, so options are mprof's.
function __mprof_before_program
    set -l words (commandline -opc)
    set -l skip 0
    set -l seen 0
    for w in $words[2..-1]
        if test $skip -eq 1
            set skip 0
        else if test $seen -eq 0; and not string match -q -- '-*' $w
            set seen 1   # the command
        else if string match -qr -- '^(-[Tot]|--interval|--output|--timeout|--backend|--precision|--max|--kill-above|-m|--memory-max|--runs|--tolerance|--last)$' $w
            set skip 1
        else if not string match -q -- '-*' $w
            return 1
        end
    end
    return 0
end

complete -c mprof -f
complete -c mprof -n "__mprof_using" -s h -l help -d 'show the commands'
complete -c mprof -n "__mprof_using" -s V -l version -d 'show the version'
complete -c mprof -n "__mprof_using" -a attach -d 'sample the memory of a running process'
complete -c mprof -n "__mprof_using" -a clean -d 'remove every mprofile_*.dat in the current directory'
complete -c mprof -n "__mprof_using" -a diff -d 'compare two profiles; budgets on the increase'
complete -c mprof -n "__mprof_using" -a fit -d 'the smallest memory limit a program succeeds under'
complete -c mprof -n "__mprof_using" -a export -d 'write every series of a profile as numbers'
complete -c mprof -n "__mprof_using" -a help -d 'describe a command'
complete -c mprof -n "__mprof_using" -a lines -d 'line-by-line memory of decorated Python functions'
complete -c mprof -n "__mprof_using" -a list -d 'list the profiles in the current directory'
complete -c mprof -n "__mprof_using" -a mark -d 'record a marker or a phase from a shell script'
complete -c mprof -n "__mprof_using" -a peak -d 'print the peak memory of profiles'
complete -c mprof -n "__mprof_using" -a plot -d 'draw profiles: PNG, SVG, PDF, HTML or the terminal'
complete -c mprof -n "__mprof_using" -a rm -d 'remove profiles'
complete -c mprof -n "__mprof_using" -a run -d 'run a program and sample its memory over time'
complete -c mprof -n "__mprof_using" -a summary -d "a profile's figures, as text or JSON"
complete -c mprof -n "__mprof_using help" -a "$commands"

# run and attach
set -l ra "__mprof_using run attach; and __mprof_before_program"
complete -c mprof -n $ra -s T -l interval -x -d 'seconds between samples'
complete -c mprof -n $ra -s o -l output -r -F -d 'write the profile to a file'
complete -c mprof -n $ra -l force -d 'replace the file if it exists'
complete -c mprof -n $ra -l append -d 'add to the file if it exists'
complete -c mprof -n $ra -s C -l include-children -d 'sum over the program and its descendants'
complete -c mprof -n $ra -s M -l multiprocess -d 'a CHLD record per child process'
complete -c mprof -n $ra -l breakdown -d 'record anonymous, file-backed and shared memory and swap'
complete -c mprof -n $ra -l gpu -d 'record the GPU memory of the program (NVIDIA)'
complete -c mprof -n $ra -s E -l exit-code -d "exit with the program's status"
complete -c mprof -n $ra -s t -l timeout -x -d 'stop sampling after some seconds'
complete -c mprof -n $ra -s a -l attach -d 'the program is a running process'
complete -c mprof -n $ra -l backend -x -a 'rss pss uss psutil psutil_pss psutil_uss posix' -d 'what a sample measures'
complete -c mprof -n $ra -l python -d 'a Python interpreter and a script or -m module'
complete -c mprof -n $ra -l nopython -d 'run a *.py program as it is'
complete -c mprof -n $ra -l max -x -d 'a budget for the peak at the end (500M, 1.5G)'
complete -c mprof -n $ra -l kill-above -x -d 'kill the program over a size (500M, 1.5G)'
complete -c mprof -n $ra -s q -l quiet -d 'no line at the start and at the end, no status line'
complete -c mprof -n $ra -l live -d 'draw the profile in the terminal as it grows'
complete -c mprof -n $ra -l last -x -d 'the live view shows the last seconds'
complete -c mprof -n $ra -l python-heap -d 'record the Python heap (tracemalloc)'
complete -c mprof -n $ra -l interval-peaks -d 'record the highest memory of every interval'
complete -c mprof -n $ra -l no-interval-peaks -d 'leave the high-water marks alone'
complete -c mprof -n $ra -s h -l help -d 'show the options'
complete -c mprof -n $ra -l version -d 'show the version'
complete -c mprof -n "__mprof_using run; and __mprof_before_program" -l cgroup -d 'run in a memory cgroup of its own'
complete -c mprof -n "__mprof_using run; and __mprof_before_program" -l memory-max -x -d 'the cgroup memory limit'
complete -c mprof -n "__mprof_using attach" -l cgroup -r -a '(__fish_complete_directories)' -d 'watch a cgroup'
complete -c mprof -n "__mprof_using attach" -l unit -x -d 'watch the cgroup of a systemd unit'
complete -c mprof -n "__mprof_using attach" -l container -x -d 'watch the cgroup of a container'
complete -c mprof -n "__mprof_using attach" -l reset-peak -d 'reset the cgroup peak first'
complete -c mprof -n "__mprof_using run" -a '(__fish_complete_subcommand --fcs-skip=2)'
complete -c mprof -n "__mprof_using attach" -a '(__fish_complete_pids)'

# plot
set -l p "__mprof_using plot"
complete -c mprof -n $p -s o -l output -r -F -d 'write a picture (.png, .jpg, .svg, .svgz, .pdf, .ps, .eps) or a page (.html)'
complete -c mprof -n $p -s t -l title -x -d 'the title'
complete -c mprof -n $p -s n -l no-function-ts -d 'no function brackets and no peak lines'
complete -c mprof -n $p -s w -l window -x -d 'only the time from T0 to T1 seconds'
complete -c mprof -n $p -l breakdown -d 'the kinds of memory stacked under the line'
complete -c mprof -n $p -s f -l flame -d 'calls as a flame graph'
complete -c mprof -n $p -s s -l slope -d 'trend lines and their slopes'
complete -c mprof -n $p -l align -x -d "time 0 at a marker or a function's first call"
complete -c mprof -n $p -l terminal -d 'draw in the terminal'
complete -c mprof -n $p -l color -x -a 'auto always never' -d 'terminal colours'
complete -c mprof -n $p -l width -x -d 'width in pixels'
complete -c mprof -n $p -l height -x -d 'height in pixels'
complete -c mprof -n $p -l dpi -x -d 'pixels per inch'
complete -c mprof -n $p -l backend -x -d 'accepted and ignored'
complete -c mprof -n $p -l follow -d 'follow a profile being written'
complete -c mprof -n $p -l last -x -d 'with --follow: the last seconds'
complete -c mprof -n $p -s h -l help -d 'show the options'
complete -c mprof -n $p -l version -d 'show the version'

# export
complete -c mprof -n "__mprof_using export" -l csv -d 'CSV, one value a row'
complete -c mprof -n "__mprof_using export" -l json -d 'JSON with the metadata'
complete -c mprof -n "__mprof_using export" -s o -l output -r -F -d 'write to a file'
complete -c mprof -n "__mprof_using export" -s h -l help -d 'show the options'
complete -c mprof -n "__mprof_using export" -l version -d 'show the version'
complete -c mprof -n "__mprof_using export" -k -a '(__mprof_profiles)'

# peak, rm, clean, list, mark, lines
complete -c mprof -n "__mprof_using peak" -l func -x -d 'the peak inside the calls of a function'
complete -c mprof -n "__mprof_using peak" -l max -x -d 'a budget for the peak (500M, 1.5G)'
complete -c mprof -n "__mprof_using peak" -l exact -d "judge the kernel's peak"
complete -c mprof -n "__mprof_using summary diff" -l json -d 'one JSON object'
complete -c mprof -n "__mprof_using diff" -l junit -r -F -d 'write a JUnit XML report'
complete -c mprof -n "__mprof_using diff" -l func -x -d 'the next budget is of a function'
complete -c mprof -n "__mprof_using diff" -l exact -d "the next budget judges the kernel's peak"
complete -c mprof -n "__mprof_using diff" -l max-increase -x -d 'a budget: the peak may rise by at most PCT'
complete -c mprof -n "__mprof_using rm clean" -l dry-run -d 'show what would be removed'
complete -c mprof -n "__mprof_using peak rm clean list mark summary diff" -s h -l help -d 'show the options'
complete -c mprof -n "__mprof_using peak rm clean list mark summary diff" -l version -d 'show the version'
complete -c mprof -n "__mprof_using plot peak rm summary diff" -k -a '(__mprof_profiles)'
complete -c mprof -n "__mprof_using mark" -s b -l begin -d 'begin a span'
complete -c mprof -n "__mprof_using mark" -s e -l end -d 'end a span'
set -l l "__mprof_using lines; and __mprof_before_program"
complete -c mprof -n $l -s o -l output -r -F -d 'write the tables to a file'
complete -c mprof -n $l -l precision -x -a '(seq 0 12)' -d 'decimals of the MiB columns'
complete -c mprof -n $l -l backend -x -a 'rss pss uss tracemalloc psutil psutil_pss psutil_uss posix' -d 'what memory is'
complete -c mprof -n $l -l include-children -d 'add the memory of child processes'
complete -c mprof -n $l -l pdb-mmem -x -d 'stop in pdb once memory reaches MiB'
complete -c mprof -n $l -l timestamp -d 'FUNC records instead of tables'
complete -c mprof -n $l -s m -x -d 'run a module'
complete -c mprof -n $l -s h -l help -d 'show the options'
complete -c mprof -n $l -l version -d 'show the version'
complete -c mprof -n "__mprof_using lines" -k -a '(__fish_complete_suffix .py)'

# fit
set -l f "__mprof_using fit; and __mprof_before_program"
complete -c mprof -n $f -l runs -x -d 'at most N runs'
complete -c mprof -n $f -l tolerance -x -d 'how closely to know the limit'
complete -c mprof -n $f -l timeout -x -d 'seconds a run may take'
complete -c mprof -n $f -s T -l interval -x -d 'seconds between samples'
complete -c mprof -n $f -s o -l output -r -F -d 'prefix of the profiles'
complete -c mprof -n $f -s h -l help -d 'show the options'
complete -c mprof -n $f -l version -d 'show the version'
complete -c mprof -n "__mprof_using fit" -a '(__fish_complete_subcommand --fcs-skip=2)'
