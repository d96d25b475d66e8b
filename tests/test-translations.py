#!/usr/bin/env python3
# test-translations.py: POTFILES.in, the template and every language in LINGUAS stay complete (TAP)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-translations.py --srcdir DIR [--localedir DIR] [--desktop FILE] [--metainfo FILE]
#
# --srcdir is the project's source root; --localedir the build tree's po/ folder, where meson
# puts LANG/LC_MESSAGES/digit-lab.mo; --desktop and --metainfo the merged (translated) data files.
# The gettext tools are taken from $XGETTEXT, $MSGMERGE and $MSGFMT, or else from PATH.
# Results go to stdout as TAP, diagnostics to stderr.

import argparse
import html
import gettext
import os
import re
import shutil
import subprocess
import sys
import tempfile

PACKAGE = 'digit-lab'

# The arguments meson's i18n.gettext (preset: 'glib') gives xgettext; keep in step with
# mesonbuild/modules/i18n.py (PRESET_ARGS['glib']) and mesonbuild/scripts/gettext.py.
XGETTEXT_ARGS = [
    '--package-name=' + PACKAGE,
    '-k_',
    '--from-code=UTF-8',
    '--add-comments',
    '--keyword=_',
    '--keyword=N_',
    '--keyword=C_:1c,2',
    '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2',
    '--keyword=g_dngettext:2,3',
    '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format',
    '--flag=C_:2:pass-c-format',
    '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format',
    '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format',
    '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format',
    '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format',
    '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format',
    '--flag=g_printerr:1:c-format',
    '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format',
    '--flag=g_sprintf:2:c-format',
    '--flag=g_snprintf:3:c-format',
]

# Folders whose files may carry translatable strings, and the kinds of file xgettext reads there
SCANNED_DIRS = ['src', 'ui', 'data']
SCANNED_SUFFIXES = (
    '.c', '.h',                                  # _(), N_(), C_(), ngettext ()
    '.ui',                                       # translatable="yes"
    '.desktop', '.desktop.in',                   # Name, Comment, Keywords
    '.metainfo.xml', '.metainfo.xml.in',         # name, summary, description, captions
    '.appdata.xml', '.appdata.xml.in',
    '.gschema.xml',                              # summary, description
    '.xml', '.xml.in',                           # any other XML with ITS rules (shared-mime-info)
)

# A string every language must translate, looked up in the compiled catalogue
KNOWN_MSGID = 'Dataset'

# What the window shows at once: the view switcher and one page. Access keys (the letter after
# "_") must be unique there, in every language, or Alt+letter only moves the focus between them.
# The switcher's titles are the pages' own: each page type registered in page_types[] in
# dl-window.c sets `iface->title = N_("...")` in its .c file; the main menu is in dl-window.ui.
WINDOW_C = 'src/app/dl-window.c'
SWITCHER_UI = 'ui/dl-window.ui'
PAGES = {
    'Dataset': ('ui/dl-dataset-page.ui', 'src/app/dl-dataset-page.c'),
    'Explore': ('ui/dl-explore-page.ui', 'src/app/dl-explore-page.c'),
    'Train': ('ui/dl-train-page.ui', 'src/app/dl-train-page.c'),
    'Evaluate': ('ui/dl-evaluate-page.ui', 'src/app/dl-evaluate-page.c'),
    'Draw': ('ui/dl-draw-page.ui', 'src/app/dl-draw-page.c'),
    'Inside': ('ui/dl-inside-page.ui', 'src/app/dl-inside-page.c'),
    'the status page without a dataset': ('ui/dl-dataset-status.ui',
                                          'src/app/dl-dataset-status.c'),
}


def access_key(text):
    """The letter after the first single underscore, folded; None without one."""
    m = re.search(r'(?<!_)_([^_])', text)
    return m.group(1).casefold() if m else None


def switcher_titles(srcdir):
    """The page titles the view switcher shows, in page_types[] order, and any problems.

    Every getter in page_types[] (dl_foo_page_get_type) names its file (src/app/dl-foo-page.c),
    which must set exactly one marked title with an access key."""
    with open(os.path.join(srcdir, WINDOW_C), encoding='utf-8') as f:
        window = f.read()
    m = re.search(r'\bpage_types\s*\[\s*\]\s*\)\s*\(void\)\s*=\s*\{([^}]*)\}', window)
    if m is None:
        return [], ['%s: no page_types[] found' % WINDOW_C]
    getters = re.findall(r'\b(\w+)_get_type\b', m.group(1))
    titles, problems = [], []
    for getter in getters:
        path = 'src/app/%s.c' % getter.replace('_', '-')
        try:
            with open(os.path.join(srcdir, path), encoding='utf-8') as f:
                text = f.read()
        except OSError as exc:
            problems.append('%s: %s registers a page, but %s' % (WINDOW_C, getter, exc))
            continue
        found = [unquote('"%s"' % t) for t in
                 re.findall(r'\biface->title\s*=\s*N_\s*\(\s*"((?:[^"\\]|\\.)*)"\s*\)', text)]
        if len(found) != 1 or access_key(found[0]) is None:
            problems.append('%s: expected one iface->title = N_("...") with an access key, '
                            'found %r' % (path, found))
        titles += found
    return titles, problems


def mnemonic_strings(path):
    """Translatable strings with an access key in a .ui or .c file."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    if path.endswith('.ui'):
        found = [html.unescape(t) for t in
                 re.findall(r'<(?:property|attribute)\b[^>]*translatable="yes"[^>]*>([^<]*)<',
                            text)]
    else:
        found = [unquote('"%s"' % t) for t in re.findall(r'\b_\("((?:[^"\\]|\\.)*)"\)', text)]
    return [t for t in found if '%' not in t and access_key(t) is not None]


class Entry:
    def __init__(self):
        self.msgctxt = None
        self.msgid = None
        self.msgid_plural = None
        self.msgstr = {}
        self.flags = set()
        self.extracted = []
        self.references = []
        self.obsolete = False

    def key(self):
        return (self.msgctxt, self.msgid, self.msgid_plural)


_ESCAPES = {'n': '\n', 't': '\t', 'r': '\r', 'a': '\a', 'b': '\b', 'f': '\f', 'v': '\v',
            '\\': '\\', '"': '"', "'": "'", '?': '?'}


def unquote(text):
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError('not a quoted string: ' + text)
    body, out, i = text[1:-1], [], 0
    while i < len(body):
        c = body[i]
        if c == '\\' and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            m = re.match(r'[0-7]{1,3}', body[i + 1:])
            if m:
                out.append(chr(int(m.group(0), 8)))
                i += 1 + len(m.group(0))
                continue
        out.append(c)
        i += 1
    return ''.join(out)


def parse_po(path):
    """The entries of a PO or POT file, header included (msgid "")."""
    entries, cur, field = [], Entry(), None

    def flush():
        nonlocal cur, field
        if cur.msgid is not None:
            entries.append(cur)
        cur, field = Entry(), None

    with open(path, encoding='utf-8') as f:
        for raw in f:
            line = raw.rstrip('\n')
            if not line.strip():
                flush()
                continue
            if line.startswith('#~'):
                cur.obsolete = True
                continue
            if line.startswith('#,'):
                if field is not None and field.startswith('msgstr'):
                    flush()
                cur.flags.update(flag.strip() for flag in line[2:].split(',') if flag.strip())
                continue
            if line.startswith('#.'):
                if field is not None and field.startswith('msgstr'):
                    flush()
                cur.extracted.append(line[2:].strip())
                continue
            if line.startswith('#:'):
                if field is not None and field.startswith('msgstr'):
                    flush()
                cur.references.extend(line[2:].split())
                continue
            if line.startswith('#'):
                continue
            m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$', line)
            if m:
                keyword = m.group(1)
                if keyword in ('msgctxt', 'msgid') and field is not None \
                   and field.startswith('msgstr'):
                    flush()
                field = keyword
                value = unquote(m.group(3))
                if keyword == 'msgctxt':
                    cur.msgctxt = value
                elif keyword == 'msgid':
                    cur.msgid = value
                elif keyword == 'msgid_plural':
                    cur.msgid_plural = value
                else:
                    cur.msgstr[int(m.group(2) or 0)] = value
                continue
            if line.lstrip().startswith('"') and field is not None:
                value = unquote(line)
                if field == 'msgctxt':
                    cur.msgctxt += value
                elif field == 'msgid':
                    cur.msgid += value
                elif field == 'msgid_plural':
                    cur.msgid_plural += value
                else:
                    m = re.match(r'msgstr(?:\[(\d+)\])?', field)
                    n = int(m.group(1) or 0)
                    cur.msgstr[n] += value
                continue
            raise ValueError('%s: cannot parse line: %s' % (path, line))
    flush()
    return [e for e in entries if not e.obsolete]


def messages(entries):
    return {e.key(): e for e in entries if e.msgid != '' or e.msgctxt is not None}


def describe(key):
    ctxt, msgid, plural = key
    text = repr(msgid)
    if plural is not None:
        text += ' / ' + repr(plural)
    if ctxt is not None:
        text = '[%s] %s' % (ctxt, text)
    return text


def read_list(path):
    """Non-empty, non-comment lines of a LINGUAS or POTFILES.in style file."""
    with open(path, encoding='utf-8') as f:
        lines = [line.split('#', 1)[0].strip() for line in f]
    return [line for line in lines if line]


def tool(name):
    path = os.environ.get(name.upper()) or shutil.which(name)
    if not path:
        raise RuntimeError(name + ' not found; install gettext')
    return path


def run(cmd, **kwargs):
    env = dict(os.environ, LC_ALL='C.UTF-8')
    env.pop('LANGUAGE', None)
    return subprocess.run(cmd, capture_output=True, text=True, env=env, **kwargs)


def xgettext(srcdir, files, output):
    """Runs xgettext as meson's pot target does; returns the output file or raises."""
    listfile = output + '.files'
    with open(listfile, 'w', encoding='utf-8') as f:
        f.write('\n'.join(files) + '\n')
    proc = run([tool('xgettext'), '-f', listfile, '-D', srcdir, '-o', output,
                '--force-po'] + XGETTEXT_ARGS)
    if proc.returncode != 0:
        raise RuntimeError('xgettext failed:\n' + proc.stderr)
    return output


class Tap:
    def __init__(self, planned):
        self.n = 0
        self.failed = 0
        print('1..%d' % planned, flush=True)

    def result(self, ok, name, diagnostics=()):
        self.n += 1
        if not ok:
            self.failed += 1
        for line in diagnostics:
            print('# ' + line, file=sys.stderr)
        print('%s %d - %s' % ('ok' if ok else 'not ok', self.n, name), flush=True)

    def check(self, name, func):
        """Runs func () -> list of problems; an exception is a failure too."""
        try:
            problems = func()
        except Exception as exc:  # a broken tool or file fails this check, not the whole run
            problems = ['%s: %s' % (type(exc).__name__, exc)]
        self.result(not problems, name, problems)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--srcdir', required=True)
    parser.add_argument('--localedir')
    parser.add_argument('--desktop')
    parser.add_argument('--metainfo')
    args = parser.parse_args()

    srcdir = os.path.abspath(args.srcdir)
    podir = os.path.join(srcdir, 'po')
    potfiles_in = os.path.join(podir, 'POTFILES.in')
    committed_pot = os.path.join(podir, PACKAGE + '.pot')
    try:
        linguas = read_list(os.path.join(podir, 'LINGUAS'))
    except OSError as exc:
        print('# cannot read LINGUAS: %s' % exc, file=sys.stderr)
        linguas = []

    per_language = 1 + (1 if args.localedir else 0) + (1 if args.desktop or args.metainfo else 0)
    tap = Tap(5 + per_language * len(linguas))
    tmp = tempfile.TemporaryDirectory(prefix='digit-lab-po-')
    fresh_pot = os.path.join(tmp.name, PACKAGE + '.pot')
    state = {}

    def potfiles():
        return read_list(potfiles_in)

    # (b) POTFILES.in names only files that exist, once each, sorted
    def check_potfiles_exist():
        listed = potfiles()
        problems = ['POTFILES.in names %s, which does not exist' % p for p in listed
                    if not os.path.isfile(os.path.join(srcdir, p))]
        problems += ['POTFILES.in names %s more than once' % p for p in sorted(set(listed))
                     if listed.count(p) > 1]
        if listed != sorted(listed):
            problems.append('POTFILES.in is not sorted')
        return problems
    tap.check('POTFILES.in names only existing files, once each, sorted', check_potfiles_exist)

    # (a) every file with marked strings is in POTFILES.in
    def check_potfiles_complete():
        candidates = []
        for top in SCANNED_DIRS:
            for dirpath, dirnames, filenames in os.walk(os.path.join(srcdir, top)):
                dirnames.sort()
                for name in sorted(filenames):
                    if name.endswith(SCANNED_SUFFIXES):
                        candidates.append(os.path.relpath(os.path.join(dirpath, name), srcdir))
        scanned = parse_po(xgettext(srcdir, candidates, os.path.join(tmp.name, 'all.pot')))
        with_strings = set()
        for entry in scanned:
            for ref in entry.references:
                with_strings.add(ref.rsplit(':', 1)[0] if re.search(r':\d+$', ref) else ref)
        listed = set(potfiles())
        return ['%s has translatable strings but is not in POTFILES.in' % p
                for p in sorted(with_strings - listed)]
    tap.check('every file under %s with translatable strings is in POTFILES.in'
              % ', '.join(d + '/' for d in SCANNED_DIRS), check_potfiles_complete)

    # (c) the committed template matches the sources
    def check_pot_current():
        xgettext(srcdir, [p for p in potfiles() if os.path.isfile(os.path.join(srcdir, p))],
                 fresh_pot)
        state['fresh'] = messages(parse_po(fresh_pot))
        fresh = state['fresh']
        committed = messages(parse_po(committed_pot))
        problems = ['missing from the template: ' + describe(k)
                    for k in sorted(set(fresh) - set(committed), key=str)]
        problems += ['no longer in the sources: ' + describe(k)
                     for k in sorted(set(committed) - set(fresh), key=str)]
        for k in sorted(set(fresh) & set(committed), key=str):
            if fresh[k].extracted != committed[k].extracted:
                problems.append('translator comment changed for %s' % describe(k))
        if problems:
            problems.append('regenerate it: ninja -C BUILDDIR %s-pot' % PACKAGE)
        return problems
    tap.check('po/%s.pot is up to date with the sources' % PACKAGE, check_pot_current)

    # every language has a PO file, and every PO file is a language
    def check_linguas():
        if not linguas:
            return ['LINGUAS lists no language']
        present = sorted(f[:-3] for f in os.listdir(podir) if f.endswith('.po'))
        problems = ['LINGUAS lists %s but po/%s.po is missing' % (l, l)
                    for l in linguas if l not in present]
        problems += ['po/%s.po exists but %s is not in LINGUAS' % (l, l)
                     for l in present if l not in linguas]
        return problems
    tap.check('LINGUAS and the PO files agree (%s)' % ' '.join(linguas), check_linguas)

    # access keys unique on every page with the view switcher, in English and every language
    def check_access_keys():
        switcher, problems = switcher_titles(srcdir)
        if len(switcher) < 6:
            problems.append('%s: expected the six page titles with access keys, found %r'
                            % (WINDOW_C, switcher))
        pages = {name: [t for f in files for t in mnemonic_strings(os.path.join(srcdir, f))]
                 for name, files in PAGES.items()}
        languages = [('en', {})]
        for lang in linguas:
            table = {}
            for e in parse_po(os.path.join(podir, lang + '.po')):
                if e.msgid and e.msgid_plural is None and 'fuzzy' not in e.flags and \
                        e.msgstr.get(0):
                    table[e.msgid] = e.msgstr[0]
            languages.append((lang, table))
        # the main menu is a scope of its own while it is open
        menu = [html.unescape(t) for t in
                re.findall(r'<attribute name="label" translatable="yes">([^<]*)<',
                           open(os.path.join(srcdir, SWITCHER_UI), encoding='utf-8').read())
                if access_key(t) is not None]
        groups = [(page, switcher + sorted(set(strings))) for page, strings in pages.items()]
        groups.append(('the main menu', menu))
        for lang, table in languages:
            for page, msgids in groups:
                # a string twice on one page is one widget (set in the .ui and again in C)
                seen = {}
                for msgid in msgids:
                    shown = table.get(msgid, msgid)
                    key = access_key(shown)
                    if key is None:
                        continue
                    if key in seen:
                        problems.append('%s, %s: %r and %r both use Alt+%s'
                                        % (lang, page, seen[key], shown, key))
                    seen.setdefault(key, shown)
        return problems
    tap.check('access keys are unique on every page with the view switcher, and in the main '
              'menu, in every language',
              check_access_keys)

    for lang in linguas:
        po_file = os.path.join(podir, lang + '.po')

        # (d) complete against the current sources, formats and mnemonics consistent
        def check_complete(lang=lang, po_file=po_file):
            problems = []
            pot = fresh_pot if 'fresh' in state else committed_pot
            merged = os.path.join(tmp.name, lang + '.po')
            proc = run([tool('msgmerge'), '--quiet', '--previous', '-o', merged, po_file, pot])
            if proc.returncode != 0:
                return ['msgmerge failed:', *proc.stderr.splitlines()]
            for target in (po_file, merged):
                proc = run([tool('msgfmt'), '--check', '--check-accelerators=_', '--statistics',
                            '-o', os.devnull, target])
                label = 'po/%s.po' % lang if target == po_file else 'merged with the sources'
                stats = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ''
                print('# %s: %s' % (label, stats), file=sys.stderr)
                if proc.returncode != 0:
                    problems += ['msgfmt --check failed on %s:' % label,
                                 *proc.stderr.splitlines()]
                if target == merged:
                    if re.search(r'\d+ fuzzy', stats) or re.search(r'\d+ untranslated', stats):
                        problems.append('not fully translated: ' + stats)
                        for e in parse_po(merged):
                            if e.msgid == '':
                                continue
                            if 'fuzzy' in e.flags or not all(e.msgstr.values()):
                                problems.append('  needs work: ' + describe(e.key()))
            header = next((e for e in parse_po(po_file) if e.msgid == ''), None)
            if header is None or 'Plural-Forms:' not in header.msgstr.get(0, ''):
                problems.append('po/%s.po has no Plural-Forms header' % lang)
            return problems
        tap.check('%s: 100%% translated, no fuzzy entries, msgfmt --check passes' % lang,
                  check_complete)

        # the compiled catalogue in the build tree holds the translations
        if args.localedir:
            def check_mo(lang=lang, po_file=po_file):
                mo_file = os.path.join(args.localedir, lang, 'LC_MESSAGES', PACKAGE + '.mo')
                with open(mo_file, 'rb') as f:
                    catalogue = gettext.GNUTranslations(f)
                problems = []
                translated = 0
                for e in parse_po(po_file):
                    if e.msgid == '' or 'fuzzy' in e.flags or not all(e.msgstr.values()):
                        continue
                    translated += 1
                    if e.msgid_plural is None:
                        got = [catalogue.pgettext(e.msgctxt, e.msgid) if e.msgctxt is not None
                               else catalogue.gettext(e.msgid)]
                        want = [e.msgstr[0]]
                    else:
                        # n = 1 and n = 2 select the two forms of every language listed so far
                        got = [catalogue.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)]
                        want = [e.msgstr[0], e.msgstr.get(1, e.msgstr[0])]
                    if got != want:
                        problems.append('%s: the .mo gives %r, the .po says %r'
                                        % (describe(e.key()), got, want))
                known = catalogue.gettext(KNOWN_MSGID)
                if known == KNOWN_MSGID:
                    problems.append('%r is not translated in %s' % (KNOWN_MSGID, mo_file))
                print('# %s: %r -> %r, %d messages compared'
                      % (lang, KNOWN_MSGID, known, translated), file=sys.stderr)
                return problems
            tap.check('%s: the built %s.mo translates %r and matches %s.po'
                      % (lang, PACKAGE, KNOWN_MSGID, lang), check_mo)

        # the merged desktop file and metainfo carry the language
        if args.desktop or args.metainfo:
            def check_merged(lang=lang):
                problems = []
                if args.desktop:
                    with open(args.desktop, encoding='utf-8') as f:
                        desktop = f.read()
                    for key in ('Comment', 'Keywords'):
                        if not re.search(r'^%s\[%s\]=.+$' % (key, re.escape(lang)), desktop,
                                         re.M):
                            problems.append('%s has no %s[%s]'
                                            % (os.path.basename(args.desktop), key, lang))
                if args.metainfo:
                    with open(args.metainfo, encoding='utf-8') as f:
                        metainfo = f.read()
                    if not re.search(r'<summary xml:lang="%s">' % re.escape(lang), metainfo):
                        problems.append('%s has no summary in %s'
                                        % (os.path.basename(args.metainfo), lang))
                return problems
            tap.check('%s: the installed desktop file and metainfo are translated' % lang,
                      check_merged)

    tmp.cleanup()
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(main())
