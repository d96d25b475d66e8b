/* dl-figure.c: the figure interface; Cairo image surface → straight-alpha RGBA → nn_png_save_rgba */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-figure.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "nn-png.h"

G_DEFINE_INTERFACE (DlFigure, dl_figure, GTK_TYPE_WIDGET)

static void
dl_figure_default_init (DlFigureInterface *iface)
{
}

void
dl_figure_draw (DlFigure *self,
                cairo_t  *cr,
                int       width,
                int       height)
{
  g_return_if_fail (DL_IS_FIGURE (self));
  g_return_if_fail (cr != NULL);

  DL_FIGURE_GET_IFACE (self)->draw (self, cr, width, height);
}

gboolean
dl_figure_save_png (GtkWidget   *figure,
                    const char  *path,
                    int          width,
                    int          height,
                    GError     **error)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  g_autofree guint8 *rgba = NULL;
  const guint8 *data;
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  gboolean ok;
  int stride;

  g_return_val_if_fail (DL_IS_FIGURE (figure) && path != NULL, FALSE);

  if (width < 16 || height < 16 || width > 8192 || height > 8192)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("A figure must be between 16 and 8192 pixels on each side"));
      return FALSE;
    }
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (surface);
  /* the window's background, so the text colour the figure uses stays readable */
  if (dark)
    cairo_set_source_rgb (cr, 0x24 / 255.0, 0x24 / 255.0, 0x24 / 255.0);
  else
    cairo_set_source_rgb (cr, 0xfa / 255.0, 0xfa / 255.0, 0xfa / 255.0);
  cairo_paint (cr);
  dl_figure_draw (DL_FIGURE (figure), cr, width, height);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  /* Cairo keeps premultiplied native-endian ARGB; PNG wants straight RGBA bytes */
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  rgba = g_new (guint8, (size_t) width * height * 4);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint32 px = *(const guint32 *) (data + (size_t) y * stride + 4 * x);
        guint8 a = px >> 24;
        guint8 *out = rgba + ((size_t) y * width + x) * 4;

        for (int c = 0; c < 3; c++)
          {
            guint v = (px >> (16 - 8 * c)) & 0xff;

            out[c] = a > 0 ? (guint8) MIN (255u, (v * 255 + a / 2) / a) : 0;
          }
        out[3] = a;
      }
  cairo_surface_destroy (surface);
  ok = nn_png_save_rgba (path, rgba, width, height, (size_t) width * 4, error);
  return ok;
}
