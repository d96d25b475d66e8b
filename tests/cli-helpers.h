/* cli-helpers.h: digit-lab-cli run from a test (its status, stdout and stderr) and the one line
 * on stderr that every failure must be */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdarg.h>
#include <string.h>
#include <gio/gio.h>

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static inline void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Runs $DIGIT_LAB_CLI with the arguments from first (NULL-terminated) in the folder cwd, with
 * env's variables set: names and values in turn, up to a NULL name. */
static inline void
cli_run_va (Run               *r,
            const char        *cwd,
            const char *const *env,
            const char        *first,
            va_list            args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  const char *exe = g_getenv ("DIGIT_LAB_CLI");

  if (exe == NULL)
    g_error ("DIGIT_LAB_CLI must name the digit-lab-cli executable");
  g_ptr_array_add (argv, (char *) exe);
  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) a);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_cwd (launcher, cwd);
  for (size_t i = 0; env[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &r->out, &r->err, &error);
  g_assert_no_error (error);
  r->status = g_subprocess_get_exit_status (proc);
}

/* A failure is one line on stderr that names the problem, and a non-zero status. */
static inline void
assert_one_line_error (const Run  *r,
                       const char *fragment)
{
  g_assert_cmpint (r->status, !=, 0);
  g_assert_true (g_str_has_prefix (r->err, "digit-lab-cli"));
  g_assert_cmpint (strchr (r->err, '\n') - r->err, ==, (long) strlen (r->err) - 1);
  if (strstr (r->err, fragment) == NULL)
    g_error ("expected “%s” in: %s", fragment, r->err);
}
