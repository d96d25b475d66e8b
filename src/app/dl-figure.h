/* dl-figure.h: a chart that can draw itself at any size — on screen and for Export Figure */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DL_TYPE_FIGURE (dl_figure_get_type ())
G_DECLARE_INTERFACE (DlFigure, dl_figure, DL, FIGURE, GtkWidget)

struct _DlFigureInterface
{
  GTypeInterface parent_iface;

  /* Draws the whole figure into cr at width × height, over a background already painted; the
   * widget's own snapshot and Export Figure both come here. */
  void (*draw) (DlFigure *self,
                cairo_t  *cr,
                int       width,
                int       height);
};

void     dl_figure_draw     (DlFigure    *self,
                             cairo_t     *cr,
                             int          width,
                             int          height);

/* figure: any widget that implements DlFigure. Drawn afresh at width × height on the background
 * of the current style, then saved atomically through libpng. */
gboolean dl_figure_save_png (GtkWidget   *figure,
                             const char  *path,
                             int          width,
                             int          height,
                             GError     **error);

G_END_DECLS
