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
  size_t    width, height;
  guint8   *pixels;        /* (height, width) */
};

G_DEFINE_FINAL_TYPE (DlDigitView, dl_digit_view, GTK_TYPE_WIDGET)

void
dl_digit_view_set_image_sized (DlDigitView *self,
                               const float *pixels,
                               size_t       width,
                               size_t       height)
{
  size_t n = width * height;

  g_return_if_fail (DL_IS_DIGIT_VIEW (self));
  g_return_if_fail (pixels == NULL || (width > 0 && height > 0));

  self->has_image = pixels != NULL;
  if (pixels != NULL && (width != self->width || height != self->height))
    {
      self->pixels = g_renew (guint8, self->pixels, n);
      self->width = width;
      self->height = height;
    }
  for (size_t i = 0; pixels != NULL && i < n; i++)
    self->pixels[i] = (guint8) (CLAMP (pixels[i], 0.0f, 1.0f) * 255 + 0.5f);
  if (pixels != NULL)
    {
      guint ink = 0;
      g_autofree char *text = NULL;

      for (size_t i = 0; i < n; i++)
        ink += self->pixels[i] >= 128;
      /* Translators: an image for screen readers, when nothing more is known about it */
      text = g_strdup_printf (_("Ink on %u of the %u pixels"), ink, (guint) n);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      text, -1);
    }
  else
    gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                    _("No image"), -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_digit_view_set_image (DlDigitView *self,
                         const float *pixels)
{
  dl_digit_view_set_image_sized (self, pixels, SIDE, SIDE);
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
  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) self->width, (int) self->height);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (size_t y = 0; y < self->height; y++)
    for (size_t x = 0; x < self->width; x++)
      {
        guint8 v = self->pixels[y * self->width + x];
        guint32 *px = (guint32 *) (data + y * stride) + x;

        *px = 0xff000000u | (guint32) v << 16 | (guint32) v << 8 | v;
      }
  cairo_surface_mark_dirty (surface);

  /* the longer side fills the tile */
  cairo_translate (cr, (w - size) / 2, (h - size) / 2);
  {
    double scale = size / MAX (self->width, self->height);

    cairo_translate (cr, (size - scale * self->width) / 2, (size - scale * self->height) / 2);
    cairo_scale (cr, scale, scale);
  }
  pattern = cairo_pattern_create_for_surface (surface);
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
  cairo_set_source (cr, pattern);
  cairo_rectangle (cr, 0, 0, self->width, self->height);
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
dl_digit_view_finalize (GObject *object)
{
  g_free (DL_DIGIT_VIEW (object)->pixels);
  G_OBJECT_CLASS (dl_digit_view_parent_class)->finalize (object);
}

static void
dl_digit_view_class_init (DlDigitViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = dl_digit_view_finalize;
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
