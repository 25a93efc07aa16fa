#!/usr/bin/env python3
"""The longest C functions: `funclen.py [--max=N] FILE|DIR...` (a directory:
its *.c files). Without --max, the 25 longest, one a line, "LINES FILE:LINE
NAME"; with it, those over N lines, and exit status 1 if there is one.

A function is a top-level { } block whose head ends with ')', so tables and
struct definitions do not count; its length runs from its '{' line to its
'}' line. Comments, strings and character constants are skipped, and so are
preprocessor lines."""
import os
import re
import sys


def strip(text):
    """text with comments, strings and characters blanked, newlines kept."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(''.join('\n' if ch == '\n' else ' ' for ch in text[i:j]))
            i = j
        elif text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            out.append(c + ' ' * (j - i - 1) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


NAME = re.compile(r'(\w+)\s*\((?:[^()]|\([^()]*\))*\)\s*$')


def functions(path):
    with open(path, encoding='utf-8') as f:
        lines = strip(f.read()).split('\n')
    depth, start, head, name, isfunc = 0, 0, '', '?', False
    found = []
    for ln, line in enumerate(lines, 1):
        if depth == 0 and line.lstrip().startswith('#'):
            continue
        for ch in line:
            if ch == '{':
                if depth == 0:
                    start = ln
                    isfunc = head.rstrip().endswith(')')
                    m = NAME.search(head.rstrip())
                    name = m.group(1) if m else '?'
                    head = ''
                depth += 1
            elif ch == '}':
                depth -= 1
                if depth == 0:
                    if isfunc:
                        found.append((ln - start + 1, path, start, name))
                    head = ''
            elif depth == 0:
                head = '' if ch == ';' else head + ch
        if depth == 0:
            head += ' '
    return found


def main(argv):
    limit = None
    if argv and argv[0].startswith('--max='):
        limit = int(argv[0][len('--max='):])
        argv = argv[1:]
    paths = []
    for a in argv:
        if os.path.isdir(a):
            paths += sorted(os.path.join(a, f) for f in os.listdir(a) if f.endswith('.c'))
        else:
            paths.append(a)
    if not paths:
        print('funclen.py: no C file given', file=sys.stderr)
        return 2
    found = sorted((f for p in paths for f in functions(p)), reverse=True)
    if limit is None:
        for n, path, start, name in found[:25]:
            print(f'{n:5d} {path}:{start} {name}')
        return 0
    over = [f for f in found if f[0] > limit]
    for n, path, start, name in over:
        print(f'{path}:{start}: {name} is {n} lines long (at most {limit})')
    print(f'{len(found)} functions in {len(paths)} files, the longest '
          f'{found[0][0] if found else 0} lines; {len(over)} over {limit}')
    return 1 if over else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
