/* dl-figure.h: any of the app's charts written as a PNG at a chosen size */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* figure: a DlChart, DlConfusionMatrix or DlProbabilityChart. Drawn afresh at width × height on
 * the background of the current style, then saved atomically through libpng. */
gboolean dl_figure_save_png (GtkWidget   *figure,
                             const char  *path,
                             int          width,
                             int          height,
                             GError     **error);

G_END_DECLS
