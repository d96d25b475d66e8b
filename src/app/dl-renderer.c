/* dl-renderer.c: no OpenGL drawing on a software rasteriser with older GTK */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "dl-renderer.h"

#include <epoxy/gl.h>
#include <gtk/gtk.h>
#include <string.h>

static gboolean
is_software (const char *renderer)
{
  static const char *const names[] = { "llvmpipe", "softpipe", "SWR", "Software Rasterizer" };

  for (size_t i = 0; i < G_N_ELEMENTS (names); i++)
    if (strstr (renderer, names[i]) != NULL)
      return TRUE;
  return FALSE;
}

gboolean
dl_renderer_avoid_software_gl (char **gl_renderer)
{
  GdkDisplay *display = gdk_display_get_default ();
  g_autoptr(GdkGLContext) context = NULL;
  const char *renderer;
  gboolean software;

  if (gl_renderer != NULL)
    *gl_renderer = NULL;
  if (g_getenv ("GSK_RENDERER") != NULL || display == NULL ||
      gtk_get_major_version () != 4 || gtk_get_minor_version () >= 14)
    return FALSE;
  context = gdk_display_create_gl_context (display, NULL);
  if (context == NULL || !gdk_gl_context_realize (context, NULL))
    return FALSE;
  gdk_gl_context_make_current (context);
  renderer = (const char *) glGetString (GL_RENDERER);
  software = renderer != NULL && is_software (renderer);
  if (gl_renderer != NULL)
    *gl_renderer = g_strdup (renderer);
  gdk_gl_context_clear_current ();
  if (software)
    g_setenv ("GSK_RENDERER", "cairo", TRUE);
  return software;
}
