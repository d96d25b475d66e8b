/* dl-figure.h: something that draws itself at any size — on screen and for Export Figure */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* How to implement a figure (a chart widget, or a plain object a page builds for export):
 *
 *   1. G_IMPLEMENT_INTERFACE (DL_TYPE_FIGURE, my_figure_init) and set iface->draw; has_data is
 *      optional. A widget's snapshot can call the same draw with for_export FALSE, so the
 *      screen and the file never differ by accident.
 *   2. Draw everything in cr's user units inside (0, 0) … (frame->width, frame->height), with
 *      the fonts and colours of frame->widget (gtk_widget_create_pango_layout (frame->widget),
 *      gtk_style_context_get_color ()). Do not scale text yourself: Export Figure lays the
 *      figure out at a smaller size and scales cr, so text, lines and gaps grow together; a
 *      1200 × 900 figure has the text of a 600 × 450 one, twice as large.
 *   3. When frame->for_export is TRUE, leave out what belongs to the pointer or the keyboard:
 *      hover readouts, selection frames, focus rings. Export Figure paints the background,
 *      the title and the margins; the figure paints neither.
 *   4. The page lists it: its DlPageInterface.list_figures calls dl_page_add_figure () with a
 *      stable id, a translated name (the default title) and the figure; a figure that cannot be
 *      drawn now gets dl_page_figure_set_unavailable () with a sentence saying why. */

#define DL_TYPE_FIGURE (dl_figure_get_type ())
G_DECLARE_INTERFACE (DlFigure, dl_figure, DL, FIGURE, GObject)

/* One draw: the area, the output's scale and what it is for. */
typedef struct
{
  double     width;       /* the area to fill, in cr's user units, from (0, 0) */
  double     height;
  double     scale;       /* output pixels per user unit: the screen's scale factor, or the
                           * factor Export Figure scaled cr by; for choices such as the
                           * resampling of images, never for the size of text */
  gboolean   for_export;  /* drawn for a file: no pointer or selection state */
  GtkWidget *widget;      /* whose font and colours to use: the figure itself when it is a
                           * widget, else the page it came from; never NULL */
} DlFigureFrame;

struct _DlFigureInterface
{
  GTypeInterface parent_iface;

  /* Draws the whole figure over a background already painted (required). */
  void     (*draw)     (DlFigure            *self,
                        cairo_t             *cr,
                        const DlFigureFrame *frame);
  /* FALSE while there is nothing to show (no series has a point yet); Export Figure then
   * refuses rather than write an empty chart. NULL: always TRUE. */
  gboolean (*has_data) (DlFigure            *self);
};

void     dl_figure_draw     (DlFigure            *self,
                             cairo_t             *cr,
                             const DlFigureFrame *frame);
gboolean dl_figure_has_data (DlFigure            *self);

typedef enum
{
  DL_FIGURE_FORMAT_PNG,   /* Cairo's image surface, saved through libpng */
  DL_FIGURE_FORMAT_SVG,   /* Cairo's SVG surface; width and height in px */
  DL_FIGURE_FORMAT_PDF,   /* Cairo's PDF surface; one page, width × height points */
  DL_N_FIGURE_FORMATS
} DlFigureFormat;

/* "png", "svg", "pdf" */
const char *dl_figure_format_get_extension (DlFigureFormat  format);
const char *dl_figure_format_get_mime_type (DlFigureFormat  format);
/* The format a file name's extension names, case-insensitively; FALSE for none of them. */
gboolean    dl_figure_format_from_path     (const char     *path,
                                            DlFigureFormat *format);

/* The factor Export Figure scales a figure of width × height by: 1 at 600 × 450, 2 at
 * 1200 × 900 (the smaller of the two ratios). */
double      dl_figure_get_export_scale     (int             width,
                                            int             height);

/* Draws figure afresh into a file of width × height (16 … 8192 each): the background of the
 * current style, title (NULL or "" for none) centred above the figure, a margin on every side
 * so nothing touches an edge, text scaled with the figure, no on-screen selection. widget gives
 * the fonts and colours where the figure is not a widget itself (NULL then means the figure
 * must be one). Written atomically: beside path, then renamed over it. A figure without data
 * is an error. */
gboolean    dl_figure_export               (DlFigure       *figure,
                                            GtkWidget      *widget,
                                            const char     *title,
                                            DlFigureFormat  format,
                                            int             width,
                                            int             height,
                                            const char     *path,
                                            GError        **error);

G_END_DECLS
