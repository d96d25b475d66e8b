/* main.c: starts Digit Lab */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <locale.h>

#include "dl-application.h"
#include "dl-renderer.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(DlApplication) app = NULL;
  /* run from the build folder, the catalogues are there rather than installed */
  const char *localedir = g_getenv ("DIGIT_LAB_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* before the first window, and early: it may set an environment variable */
  if (gtk_init_check ())
    dl_renderer_avoid_software_gl (NULL);
  app = dl_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
