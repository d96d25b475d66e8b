/* dl-renderer.h: no OpenGL drawing on a software rasteriser with older GTK */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* GTK before 4.14 draws through OpenGL even when OpenGL is Mesa's software rasteriser (virtual
 * machines, remote sessions, no GPU driver), and that takes most of a core while the charts
 * change, which is a core a training needs. Later GTK picks its Cairo renderer there itself;
 * this does the same for older GTK, by setting GSK_RENDERER before any window exists. A
 * GSK_RENDERER the user set wins. Needs the display open (gtk_init). Returns TRUE when it chose
 * Cairo; gl_renderer, if not NULL, gets OpenGL's renderer string when it was asked, else NULL. */
gboolean dl_renderer_avoid_software_gl (char **gl_renderer);

G_END_DECLS
