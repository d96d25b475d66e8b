/* dl-activation-bars.c: Cairo bars from a zero line, the scale's ends labelled */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-activation-bars.h"

#include <math.h>

#include "dl-figure.h"

#define PLOT_H 96.0
/* names are drawn under the bars only while each bar is at least this wide */
#define MIN_NAMED_BAR 14.0

struct _DlActivationBars
{
  GtkWidget  parent_instance;

  float     *values;       /* (n) */
  size_t     n;
  char     **names;        /* (n) or NULL */
};

static void dl_activation_bars_figure_init (DlFigureInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlActivationBars, dl_activation_bars, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (DL_TYPE_FIGURE,
                                                      dl_activation_bars_figure_init))

static void
draw_bars (DlActivationBars *self,
           cairo_t          *cr,
           double            width,
           double            height)
{
  GtkWidget *widget = GTK_WIDGET (self);
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, NULL);
  GdkRGBA fg, accent;
  float lo = 0, hi = 0;
  double axis_w, plot_w, plot_h, bar_w, zero_y, label_h = 0;
  int tw, th;
  gboolean named;

  if (self->n == 0)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), "accent_color",
                                       &accent))
    accent = (GdkRGBA) { 0.21, 0.52, 0.89, 1 };
  {
    PangoAttrList *attrs = pango_attr_list_new ();

    pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
    pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
    pango_layout_set_attributes (layout, attrs);
    pango_attr_list_unref (attrs);
  }
  for (size_t i = 0; i < self->n; i++)
    {
      lo = MIN (lo, self->values[i]);
      hi = MAX (hi, self->values[i]);
    }
  if (hi == lo)
    hi = lo + 1;

  /* the axis labels: the largest and smallest value */
  {
    g_autofree char *top = g_strdup_printf ("%.3g", hi);
    g_autofree char *bottom = g_strdup_printf ("%.3g", lo);
    int w1, w2;

    pango_layout_set_text (layout, top, -1);
    pango_layout_get_pixel_size (layout, &w1, &th);
    pango_layout_set_text (layout, bottom, -1);
    pango_layout_get_pixel_size (layout, &w2, &th);
    axis_w = MAX (w1, w2) + 6;
  }
  plot_w = MAX (1.0, width - axis_w);
  bar_w = plot_w / self->n;
  named = self->names != NULL && bar_w >= MIN_NAMED_BAR;
  if (named)
    label_h = th + 2;
  plot_h = MAX (1.0, height - label_h - th / 2.0);
  zero_y = th / 2.0 + plot_h * hi / (hi - lo);

  /* zero line and the ends of the scale */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.35);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, axis_w, floor (zero_y) + 0.5);
  cairo_line_to (cr, width, floor (zero_y) + 0.5);
  cairo_stroke (cr);
  gdk_cairo_set_source_rgba (cr, &fg);
  {
    g_autofree char *top = g_strdup_printf ("%.3g", hi);
    g_autofree char *bottom = g_strdup_printf ("%.3g", lo);

    pango_layout_set_text (layout, top, -1);
    pango_layout_get_pixel_size (layout, &tw, &th);
    cairo_move_to (cr, axis_w - 6 - tw, 0);
    pango_cairo_show_layout (cr, layout);
    if (lo < 0)
      {
        pango_layout_set_text (layout, bottom, -1);
        pango_layout_get_pixel_size (layout, &tw, &th);
        cairo_move_to (cr, axis_w - 6 - tw, th / 2.0 + plot_h - th);
        pango_cairo_show_layout (cr, layout);
      }
  }

  for (size_t i = 0; i < self->n; i++)
    {
      double v = self->values[i];
      double x = axis_w + i * bar_w;
      double y0 = zero_y, y1 = zero_y - plot_h * v / (hi - lo);
      double gap = bar_w > 4 ? MIN (2.0, bar_w / 4) : 0;

      if (v >= 0)
        gdk_cairo_set_source_rgba (cr, &accent);
      else
        cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.45);
      cairo_rectangle (cr, x + gap / 2, MIN (y0, y1), MAX (bar_w - gap, 0.5), fabs (y1 - y0));
      cairo_fill (cr);
      if (named)
        {
          gdk_cairo_set_source_rgba (cr, &fg);
          pango_layout_set_text (layout, self->names[i], -1);
          pango_layout_set_width (layout, (int) (bar_w * PANGO_SCALE));
          pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
          pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
          cairo_move_to (cr, x, height - label_h + 2);
          pango_cairo_show_layout (cr, layout);
          pango_layout_set_width (layout, -1);
        }
    }
}

static void
dl_activation_bars_figure_draw (DlFigure            *figure,
                                cairo_t             *cr,
                                const DlFigureFrame *frame)
{
  draw_bars (DL_ACTIVATION_BARS (figure), cr, frame->width, frame->height);
}

static gboolean
dl_activation_bars_figure_has_data (DlFigure *figure)
{
  return DL_ACTIVATION_BARS (figure)->n > 0;
}

static void
dl_activation_bars_figure_init (DlFigureInterface *iface)
{
  iface->draw = dl_activation_bars_figure_draw;
  iface->has_data = dl_activation_bars_figure_has_data;
}

static void
dl_activation_bars_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  DlFigureFrame frame = { w, h, gtk_widget_get_scale_factor (widget), FALSE, widget };
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));

  dl_figure_draw (DL_FIGURE (widget), cr, &frame);
  cairo_destroy (cr);
}

static void
dl_activation_bars_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  DlActivationBars *self = DL_ACTIVATION_BARS (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 120;
      *natural = (int) MAX (120.0, MIN (640.0, 8.0 * self->n));
    }
  else
    *minimum = *natural = self->n > 0 ? (int) PLOT_H + (self->names != NULL ? 20 : 0) : 0;
}

GtkWidget *
dl_activation_bars_new (void)
{
  return g_object_new (DL_TYPE_ACTIVATION_BARS, NULL);
}

void
dl_activation_bars_set_values (DlActivationBars  *self,
                               const float       *values,
                               size_t             n,
                               const char *const *names)
{
  g_return_if_fail (DL_IS_ACTIVATION_BARS (self));
  g_return_if_fail (n == 0 || values != NULL);

  if (n != self->n || (names != NULL) != (self->names != NULL))
    gtk_widget_queue_resize (GTK_WIDGET (self));
  g_free (self->values);
  self->values = n > 0 ? g_memdup2 (values, n * sizeof (float)) : NULL;
  self->n = n;
  g_clear_pointer (&self->names, g_strfreev);
  if (names != NULL && n > 0)
    {
      self->names = g_new0 (char *, n + 1);
      for (size_t i = 0; i < n; i++)
        self->names[i] = g_strdup (names[i] != NULL ? names[i] : "");
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const float *
dl_activation_bars_get_values (DlActivationBars *self,
                               size_t           *n)
{
  g_return_val_if_fail (DL_IS_ACTIVATION_BARS (self), NULL);

  if (n != NULL)
    *n = self->n;
  return self->values;
}

static void
dl_activation_bars_finalize (GObject *object)
{
  DlActivationBars *self = DL_ACTIVATION_BARS (object);

  g_free (self->values);
  g_strfreev (self->names);
  G_OBJECT_CLASS (dl_activation_bars_parent_class)->finalize (object);
}

static void
dl_activation_bars_class_init (DlActivationBarsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = dl_activation_bars_finalize;
  widget_class->snapshot = dl_activation_bars_snapshot;
  widget_class->measure = dl_activation_bars_measure;
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
  gtk_widget_class_set_css_name (widget_class, "activationbars");
}

static void
dl_activation_bars_init (DlActivationBars *self)
{
}
