/* dl-probability-chart.c: Cairo bars with Pango labels; the numbers are also accessible text */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-probability-chart.h"

#include <glib/gi18n.h>

#include "dl-figure.h"

/* A row narrower than this cannot hold its class name: the chart then shows the most likely
 * classes only, and says how many it leaves out. */
#define MIN_ROW_HEIGHT 16.0

struct _DlProbabilityChart
{
  GtkWidget parent_instance;

  size_t    n_classes;
  float    *probs;        /* (n_classes) */
  char    **names;        /* (n_classes), NULL-terminated */
  size_t   *order;        /* (n_classes): class indices, most probable first */
  gboolean  has_probs;
  char     *summary;
};

static void dl_probability_chart_figure_init (DlFigureInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlProbabilityChart, dl_probability_chart, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (DL_TYPE_FIGURE, dl_probability_chart_figure_init))

static int
compare_probs (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const float *probs = user_data;
  size_t i = *(const size_t *) a, j = *(const size_t *) b;

  if (probs[i] != probs[j])
    return probs[i] > probs[j] ? -1 : 1;
  return i < j ? -1 : i > j;
}

void
dl_probability_chart_set_probs (DlProbabilityChart *self,
                                const float        *probs,
                                const char *const  *names,
                                size_t              n_classes)
{
  size_t best = 0, next = 0;

  g_return_if_fail (DL_IS_PROBABILITY_CHART (self));

  /* names NULL: the classes stay, and probs (if any) are theirs */
  if (names != NULL)
    {
      g_strfreev (self->names);
      self->names = g_new0 (char *, n_classes + 1);
      for (size_t k = 0; k < n_classes; k++)
        self->names[k] = g_strdup (names[k]);
      self->n_classes = n_classes;
      self->probs = g_renew (float, self->probs, MAX (n_classes, 1));
      self->order = g_renew (size_t, self->order, MAX (n_classes, 1));
    }
  else
    g_return_if_fail (probs == NULL || n_classes == self->n_classes);
  n_classes = self->n_classes;
  self->has_probs = probs != NULL && n_classes > 0;
  for (size_t k = 0; k < n_classes; k++)
    {
      self->probs[k] = probs != NULL ? probs[k] : 0;
      self->order[k] = k;
    }
  g_clear_pointer (&self->summary, g_free);
  if (self->has_probs)
    {
      g_qsort_with_data (self->order, (int) n_classes, sizeof *self->order, compare_probs,
                         self->probs);
      best = self->order[0];
      next = n_classes > 1 ? self->order[1] : best;
      if (n_classes > 1)
        /* Translators: the probability bars for screen readers: the best class, the runner-up */
        self->summary = g_strdup_printf (_("Prediction %s with %.0f%%; next %s with %.0f%%"),
                                         self->names[best], 100 * probs[best], self->names[next],
                                         100 * probs[next]);
      else
        self->summary = g_strdup_printf (_("Prediction %s with %.0f%%"), self->names[best],
                                         100 * probs[best]);
    }
  else
    self->summary = g_strdup (_("No prediction"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  self->summary, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Draws at any size: on screen through the snapshot, into PNG files for export. */
void
dl_probability_chart_draw (DlProbabilityChart *self_,
                           cairo_t *cr,
                           double   w,
                           double   h)
{
  GtkWidget *widget = GTK_WIDGET (self_);
  DlProbabilityChart *self = self_;
  double row, label_w = MIN (96, w / 4), value_w = 56, bar_w;
  GdkRGBA fg, accent = { 0.208, 0.518, 0.894, 1.0 };   /* libadwaita's blue */
  size_t n_rows, n_bars, n_hidden;
  PangoLayout *layout;

  if (self->n_classes == 0)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  /* every class where the rows can hold their names; else the most likely ones, in order of
   * probability, and a last row that counts the others */
  n_rows = MIN (self->n_classes, MAX ((size_t) (h / MIN_ROW_HEIGHT), 2));
  n_bars = n_rows < self->n_classes ? n_rows - 1 : n_rows;
  n_hidden = self->n_classes - n_bars;
  row = h / n_rows;
  bar_w = MAX (w - label_w - value_w - 16, 10);
  layout = gtk_widget_create_pango_layout (widget, NULL);

  for (size_t r = 0; r < n_bars; r++)
    {
      size_t k = n_hidden > 0 ? self->order[r] : r;
      double y = r * row, bar_h = MIN (row * 0.6, 18);
      double p = self->has_probs ? self->probs[k] : 0;
      char value[16];
      int tw, th;

      /* class name, right-aligned */
      pango_layout_set_text (layout, self->names[k] != NULL ? self->names[k] : "", -1);
      pango_layout_set_width (layout, (int) (label_w * PANGO_SCALE));
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
      pango_layout_get_pixel_size (layout, &tw, &th);
      gdk_cairo_set_source_rgba (cr, &fg);
      cairo_move_to (cr, label_w - tw, y + (row - th) / 2);
      pango_cairo_show_layout (cr, layout);
      pango_layout_set_width (layout, -1);

      /* track, then the bar */
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.1);
      cairo_rectangle (cr, label_w + 8, y + (row - bar_h) / 2, bar_w, bar_h);
      cairo_fill (cr);
      if (self->has_probs && k == self->order[0])
        gdk_cairo_set_source_rgba (cr, &accent);
      else
        cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.45);
      cairo_rectangle (cr, label_w + 8, y + (row - bar_h) / 2, bar_w * p, bar_h);
      cairo_fill (cr);

      if (self->has_probs)
        {
          g_snprintf (value, sizeof value, "%.1f%%", 100 * p);
          pango_layout_set_text (layout, value, -1);
          pango_layout_get_pixel_size (layout, &tw, &th);
          gdk_cairo_set_source_rgba (cr, &fg);
          cairo_move_to (cr, w - tw, y + (row - th) / 2);
          pango_cairo_show_layout (cr, layout);
        }
    }
  if (n_hidden > 0)
    {
      g_autofree char *more = NULL;
      int tw, th;

      /* Translators: the last row of the probability bars, when not every class fits */
      more = g_strdup_printf (ngettext ("%zu more class", "%zu more classes", n_hidden),
                              n_hidden);
      pango_layout_set_text (layout, more, -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.55);
      cairo_move_to (cr, label_w + 8, n_bars * row + (row - th) / 2);
      pango_cairo_show_layout (cr, layout);
    }
  g_object_unref (layout);
}

static void
dl_probability_chart_snapshot (GtkWidget   *widget,
                               GtkSnapshot *snapshot)
{
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));

  dl_probability_chart_draw (DL_PROBABILITY_CHART (widget), cr, w, h);
  cairo_destroy (cr);
}

static void
dl_probability_chart_measure (GtkWidget      *widget,
                              GtkOrientation  orientation,
                              int             for_size,
                              int            *minimum,
                              int            *natural,
                              int            *minimum_baseline,
                              int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 160;
      *natural = 360;
    }
  else
    {
      *minimum = 220;
      *natural = 300;
    }
}

static void
dl_probability_chart_finalize (GObject *object)
{
  DlProbabilityChart *self = DL_PROBABILITY_CHART (object);

  g_strfreev (self->names);
  g_free (self->probs);
  g_free (self->order);
  g_free (self->summary);
  G_OBJECT_CLASS (dl_probability_chart_parent_class)->finalize (object);
}

static void
dl_probability_chart_class_init (DlProbabilityChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = dl_probability_chart_finalize;
  widget_class->snapshot = dl_probability_chart_snapshot;
  widget_class->measure = dl_probability_chart_measure;
  gtk_widget_class_set_css_name (widget_class, "probabilitychart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_probability_chart_init (DlProbabilityChart *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Class probabilities"), -1);
  dl_probability_chart_set_probs (self, NULL, NULL, 0);
}

const char *
dl_probability_chart_get_summary (DlProbabilityChart *self)
{
  g_return_val_if_fail (DL_IS_PROBABILITY_CHART (self), NULL);
  return self->summary;
}

GtkWidget *
dl_probability_chart_new (void)
{
  return g_object_new (DL_TYPE_PROBABILITY_CHART, NULL);
}

static void
dl_probability_chart_figure_draw (DlFigure            *figure,
                                  cairo_t             *cr,
                                  const DlFigureFrame *frame)
{
  dl_probability_chart_draw (DL_PROBABILITY_CHART (figure), cr, frame->width, frame->height);
}

static gboolean
dl_probability_chart_figure_has_data (DlFigure *figure)
{
  return DL_PROBABILITY_CHART (figure)->has_probs;
}

static void
dl_probability_chart_figure_init (DlFigureInterface *iface)
{
  iface->draw = dl_probability_chart_figure_draw;
  iface->has_data = dl_probability_chart_figure_has_data;
}
