/* dl-figure.c: the figure interface and Export Figure — Cairo's image, SVG and PDF surfaces */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-figure.h"

#include <adwaita.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "nn-file.h"
#include "nn-png.h"

/* the size at which an exported figure has the text of the screen; larger ones scale it */
#define DESIGN_WIDTH 600.0
#define DESIGN_HEIGHT 450.0
/* around the figure and between the title and it, in design units */
#define MARGIN 16.0
#define TITLE_GAP 10.0
#define MIN_SIDE 16
#define MAX_SIDE 8192

G_DEFINE_INTERFACE (DlFigure, dl_figure, G_TYPE_OBJECT)

static void
dl_figure_default_init (DlFigureInterface *iface)
{
}

void
dl_figure_draw (DlFigure            *self,
                cairo_t             *cr,
                const DlFigureFrame *frame)
{
  g_return_if_fail (DL_IS_FIGURE (self));
  g_return_if_fail (cr != NULL);
  g_return_if_fail (frame != NULL && GTK_IS_WIDGET (frame->widget));

  DL_FIGURE_GET_IFACE (self)->draw (self, cr, frame);
}

gboolean
dl_figure_has_data (DlFigure *self)
{
  DlFigureInterface *iface;

  g_return_val_if_fail (DL_IS_FIGURE (self), FALSE);
  iface = DL_FIGURE_GET_IFACE (self);
  return iface->has_data == NULL || iface->has_data (self);
}

static const struct
{
  const char *extension;
  const char *mime_type;
} formats[DL_N_FIGURE_FORMATS] = {
  [DL_FIGURE_FORMAT_PNG] = { "png", "image/png" },
  [DL_FIGURE_FORMAT_SVG] = { "svg", "image/svg+xml" },
  [DL_FIGURE_FORMAT_PDF] = { "pdf", "application/pdf" },
};

const char *
dl_figure_format_get_extension (DlFigureFormat format)
{
  g_return_val_if_fail (format < DL_N_FIGURE_FORMATS, NULL);
  return formats[format].extension;
}

const char *
dl_figure_format_get_mime_type (DlFigureFormat format)
{
  g_return_val_if_fail (format < DL_N_FIGURE_FORMATS, NULL);
  return formats[format].mime_type;
}

gboolean
dl_figure_format_from_path (const char     *path,
                            DlFigureFormat *format)
{
  const char *dot;

  g_return_val_if_fail (path != NULL, FALSE);
  dot = strrchr (path, '.');
  if (dot == NULL || strchr (dot, G_DIR_SEPARATOR) != NULL)
    return FALSE;
  for (int i = 0; i < DL_N_FIGURE_FORMATS; i++)
    if (g_ascii_strcasecmp (dot + 1, formats[i].extension) == 0)
      {
        if (format != NULL)
          *format = i;
        return TRUE;
      }
  return FALSE;
}

double
dl_figure_get_export_scale (int width,
                            int height)
{
  return CLAMP (MIN (width / DESIGN_WIDTH, height / DESIGN_HEIGHT), 0.25, 16.0);
}

/* The title, the margins and the figure, scaled by s, on the style's background. */
static void
draw_page (DlFigure   *figure,
           GtkWidget  *widget,
           const char *title,
           cairo_t    *cr,
           int         width,
           int         height)
{
  double s = dl_figure_get_export_scale (width, height);
  double top = MARGIN;
  DlFigureFrame frame = { 0 };
  GdkRGBA fg;

  if (adw_style_manager_get_dark (adw_style_manager_get_default ()))
    cairo_set_source_rgb (cr, 0x24 / 255.0, 0x24 / 255.0, 0x24 / 255.0);
  else
    cairo_set_source_rgb (cr, 0xfa / 255.0, 0xfa / 255.0, 0xfa / 255.0);
  cairo_paint (cr);

  cairo_save (cr);
  cairo_scale (cr, s, s);
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  if (title != NULL && *title != '\0')
    {
      PangoLayout *layout = gtk_widget_create_pango_layout (widget, title);
      PangoAttrList *attrs = pango_attr_list_new ();
      int tw, th;

      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      pango_attr_list_insert (attrs, pango_attr_scale_new (1.4));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
      pango_layout_set_width (layout, (int) ((width / s - 2 * MARGIN) * PANGO_SCALE));
      pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
      pango_layout_get_pixel_size (layout, &tw, &th);
      gdk_cairo_set_source_rgba (cr, &fg);
      cairo_move_to (cr, MARGIN, top);
      pango_cairo_show_layout (cr, layout);
      top += th + TITLE_GAP;
      g_object_unref (layout);
    }
  frame.width = width / s - 2 * MARGIN;
  frame.height = height / s - top - MARGIN;
  frame.scale = s;
  frame.for_export = TRUE;
  frame.widget = widget;
  if (frame.width > 1 && frame.height > 1)
    {
      cairo_translate (cr, MARGIN, top);
      cairo_rectangle (cr, 0, 0, frame.width, frame.height);
      cairo_clip (cr);
      dl_figure_draw (figure, cr, &frame);
    }
  cairo_restore (cr);
}

static gboolean
save_png (DlFigure    *figure,
          GtkWidget   *widget,
          const char  *title,
          int          width,
          int          height,
          const char  *path,
          GError     **error)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  g_autofree guint8 *rgba = NULL;
  const guint8 *data;
  cairo_t *cr;
  int stride;

  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "%s",
                   cairo_status_to_string (cairo_surface_status (surface)));
      cairo_surface_destroy (surface);
      return FALSE;
    }
  cr = cairo_create (surface);
  draw_page (figure, widget, title, cr, width, height);
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
  return nn_png_save_rgba (path, rgba, width, height, (size_t) width * 4, error);
}

static cairo_status_t
append_bytes (void                *closure,
              const unsigned char *data,
              unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* SVG and PDF: the document in memory, then written beside path and renamed over it. */
static gboolean
save_vector (DlFigure        *figure,
             GtkWidget       *widget,
             const char      *title,
             DlFigureFormat   format,
             int              width,
             int              height,
             const char      *path,
             GError         **error)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;

  if (format == DL_FIGURE_FORMAT_SVG)
    {
      surface = cairo_svg_surface_create_for_stream (append_bytes, bytes, width, height);
      /* width="1200px", as asked for, rather than Cairo's default points */
      cairo_svg_surface_set_document_unit (surface, CAIRO_SVG_UNIT_PX);
    }
  else
    {
      surface = cairo_pdf_surface_create_for_stream (append_bytes, bytes, width, height);
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Digit Lab");
      if (title != NULL && *title != '\0')
        cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
    }
  cr = cairo_create (surface);
  draw_page (figure, widget, title, cr, width, height);
  cairo_show_page (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", cairo_status_to_string (status));
      return FALSE;
    }
  /* Cairo draws text as glyph outlines: the title also goes in as the document's <title>, so
   * viewers, screen readers and searches find it */
  if (format == DL_FIGURE_FORMAT_SVG && title != NULL && *title != '\0')
    {
      const char *svg = (const char *) bytes->data;
      const char *open = g_strstr_len (svg, bytes->len, "<svg");
      const char *end = open != NULL ? memchr (open, '>', bytes->len - (open - svg)) : NULL;

      if (end != NULL)
        {
          g_autofree char *escaped = g_markup_escape_text (title, -1);
          g_autofree char *element = g_strdup_printf ("\n<title>%s</title>", escaped);

          gsize at = end + 1 - svg;
          g_autoptr(GByteArray) titled = g_byte_array_sized_new (bytes->len + strlen (element));

          g_byte_array_append (titled, bytes->data, at);
          g_byte_array_append (titled, (const guint8 *) element, strlen (element));
          g_byte_array_append (titled, bytes->data + at, bytes->len - at);
          g_byte_array_unref (bytes);
          bytes = g_steal_pointer (&titled);
        }
    }
  if (!nn_file_check_replaceable (path, error))
    return FALSE;
  return g_file_set_contents_full (path, (const char *) bytes->data, bytes->len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

gboolean
dl_figure_export (DlFigure       *figure,
                  GtkWidget      *widget,
                  const char     *title,
                  DlFigureFormat  format,
                  int             width,
                  int             height,
                  const char     *path,
                  GError        **error)
{
  g_return_val_if_fail (DL_IS_FIGURE (figure), FALSE);
  g_return_val_if_fail (widget == NULL || GTK_IS_WIDGET (widget), FALSE);
  g_return_val_if_fail (widget != NULL || GTK_IS_WIDGET (figure), FALSE);
  g_return_val_if_fail (format < DL_N_FIGURE_FORMATS, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (GTK_IS_WIDGET (figure))
    widget = GTK_WIDGET (figure);
  if (width < MIN_SIDE || height < MIN_SIDE || width > MAX_SIDE || height > MAX_SIDE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("A figure must be between %d and %d pixels on each side"),
                   MIN_SIDE, MAX_SIDE);
      return FALSE;
    }
  if (!dl_figure_has_data (figure))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The chart has no data yet"));
      return FALSE;
    }
  if (format == DL_FIGURE_FORMAT_PNG)
    return save_png (figure, widget, title, width, height, path, error);
  return save_vector (figure, widget, title, format, width, height, path, error);
}
