/* dl-digit-view.c: nearest-neighbour scaling through a Cairo pattern */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-digit-view.h"

#include <glib/gi18n.h>
#include <string.h>

#define SIDE 28

struct _DlDigitView
{
  GtkWidget parent_instance;

  gboolean  has_image;
  guint8    pixels[SIDE * SIDE];
};

G_DEFINE_FINAL_TYPE (DlDigitView, dl_digit_view, GTK_TYPE_WIDGET)

void
dl_digit_view_set_image (DlDigitView *self,
                         const float *pixels)
{
  g_return_if_fail (DL_IS_DIGIT_VIEW (self));

  self->has_image = pixels != NULL;
  for (int i = 0; pixels != NULL && i < SIDE * SIDE; i++)
    self->pixels[i] = (guint8) (CLAMP (pixels[i], 0.0f, 1.0f) * 255 + 0.5f);
  if (pixels != NULL)
    {
      guint ink = 0;
      g_autofree char *text = NULL;

      for (int i = 0; i < SIDE * SIDE; i++)
        ink += self->pixels[i] >= 128;
      /* Translators: an image for screen readers, when nothing more is known about it */
      text = g_strdup_printf (_("Ink on %u of the %u pixels"), ink, SIDE * SIDE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      text, -1);
    }
  else
    gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                    _("No image"), -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
dl_digit_view_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  DlDigitView *self = DL_DIGIT_VIEW (widget);
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  double size = MIN (w, h);
  cairo_t *cr;
  cairo_surface_t *surface;
  cairo_pattern_t *pattern;
  guint8 *data;
  int stride;

  /* a black square with rounded corners, centred: however wide the cell, the tile stays square */
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  {
    double x0 = (w - size) / 2, y0 = (h - size) / 2, r = MIN (6.0, size / 8);

    cairo_new_sub_path (cr);
    cairo_arc (cr, x0 + size - r, y0 + r, r, -G_PI / 2, 0);
    cairo_arc (cr, x0 + size - r, y0 + size - r, r, 0, G_PI / 2);
    cairo_arc (cr, x0 + r, y0 + size - r, r, G_PI / 2, G_PI);
    cairo_arc (cr, x0 + r, y0 + r, r, G_PI, 3 * G_PI / 2);
    cairo_close_path (cr);
    cairo_clip (cr);
    cairo_set_source_rgb (cr, 0, 0, 0);
    cairo_paint (cr);
  }
  if (!self->has_image)
    {
      cairo_destroy (cr);
      return;
    }
  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, SIDE, SIDE);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      {
        guint8 v = self->pixels[y * SIDE + x];
        guint32 *px = (guint32 *) (data + y * stride) + x;

        *px = 0xff000000u | (guint32) v << 16 | (guint32) v << 8 | v;
      }
  cairo_surface_mark_dirty (surface);

  cairo_translate (cr, (w - size) / 2, (h - size) / 2);
  cairo_scale (cr, size / SIDE, size / SIDE);
  pattern = cairo_pattern_create_for_surface (surface);
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
  cairo_set_source (cr, pattern);
  cairo_rectangle (cr, 0, 0, SIDE, SIDE);
  cairo_fill (cr);
  cairo_pattern_destroy (pattern);
  cairo_surface_destroy (surface);
  cairo_destroy (cr);
}

static void
dl_digit_view_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  *minimum = SIDE * 2;
  *natural = SIDE * 4;
}

static void
dl_digit_view_class_init (DlDigitViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->snapshot = dl_digit_view_snapshot;
  widget_class->measure = dl_digit_view_measure;
  gtk_widget_class_set_css_name (widget_class, "digitview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_digit_view_init (DlDigitView *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("No image"), -1);
}

GtkWidget *
dl_digit_view_new (void)
{
  return g_object_new (DL_TYPE_DIGIT_VIEW, NULL);
}
