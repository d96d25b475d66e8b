/* dl-chart.c: drawing only — series are appended by their owners, never computed here */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-chart.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-figure.h"

typedef struct
{
  char        *name;
  GdkRGBA      color;
  DlChartStyle style;
  GArray      *points;      /* graphene_point_t as doubles: (x, y) pairs */
} Series;

struct _DlChart
{
  GtkWidget  parent_instance;

  char      *x_label;
  char      *y_label;
  GPtrArray *series;
  double     y_min_fixed;
  double     y_max_fixed;
  double     x_min_fixed;
  double     x_max_fixed;
  double     hover_x;       /* widget x of the pointer, or −1 */
  char      *summary;       /* the accessible description */
  char      *placeholder;   /* drawn in the plot while no series has a point */
  gboolean   y_percent;     /* y values are fractions, shown as percentages */
  gboolean   y_log;         /* logarithmic y axis; points at or below 0 are left out */
  double     x_step;        /* distance between x ticks, or 0 for a "nice" one */
  double     marker_x;      /* a labelled vertical line at this x, or NAN */
  char      *marker_label;
};

static void dl_chart_figure_init (DlFigureInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlChart, dl_chart, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (DL_TYPE_FIGURE, dl_chart_figure_init))

#define MARGIN_LEFT 56
#define MARGIN_RIGHT 16
#define MARGIN_TOP 28
#define MARGIN_BOTTOM 40

static const struct { const char *name; GdkRGBA rgba; } palette[] = {
  { "blue", { 0.208, 0.518, 0.894, 1 } },
  { "green", { 0.180, 0.761, 0.494, 1 } },
  { "orange", { 1.0, 0.471, 0.0, 1 } },
  { "red", { 0.878, 0.106, 0.141, 1 } },
  { "purple", { 0.569, 0.255, 0.675, 1 } },
  { "brown", { 0.596, 0.416, 0.267, 1 } },
};

static void
series_free (Series *s)
{
  g_free (s->name);
  g_array_unref (s->points);
  g_free (s);
}

guint
dl_chart_add_series (DlChart      *self,
                     const char   *name,
                     const char   *color,
                     DlChartStyle  style)
{
  Series *s = g_new0 (Series, 1);

  g_return_val_if_fail (DL_IS_CHART (self), 0);

  s->name = g_strdup (name);
  s->style = style;
  s->color = palette[0].rgba;
  for (size_t i = 0; i < G_N_ELEMENTS (palette); i++)
    if (g_strcmp0 (palette[i].name, color) == 0)
      s->color = palette[i].rgba;
  s->points = g_array_new (FALSE, FALSE, sizeof (double) * 2);
  g_ptr_array_add (self->series, s);
  return self->series->len - 1;
}

void
dl_chart_append (DlChart *self,
                 guint    series,
                 double   x,
                 double   y)
{
  double p[2] = { x, y };

  g_return_if_fail (DL_IS_CHART (self) && series < self->series->len);

  if (!isfinite (x) || !isfinite (y))
    return;
  g_array_append_vals (((Series *) g_ptr_array_index (self->series, series))->points, p, 1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_chart_set_summary (DlChart    *self,
                      const char *summary)
{
  g_return_if_fail (DL_IS_CHART (self));

  if (summary == NULL)
    summary = _("No data yet");
  if (g_strcmp0 (summary, self->summary) == 0)
    return;
  g_free (self->summary);
  self->summary = g_strdup (summary);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  self->summary, -1);
}

const char *
dl_chart_get_summary (DlChart *self)
{
  g_return_val_if_fail (DL_IS_CHART (self), NULL);
  return self->summary;
}

void
dl_chart_clear (DlChart *self)
{
  g_return_if_fail (DL_IS_CHART (self));

  for (guint i = 0; i < self->series->len; i++)
    g_array_set_size (((Series *) g_ptr_array_index (self->series, i))->points, 0);
  self->marker_x = NAN;
  dl_chart_set_summary (self, NULL);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_chart_set_y_range (DlChart *self,
                      double   y_min,
                      double   y_max)
{
  g_return_if_fail (DL_IS_CHART (self));
  self->y_min_fixed = y_min;
  self->y_max_fixed = y_max;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_chart_set_x_range (DlChart *self,
                      double   x_min,
                      double   x_max)
{
  g_return_if_fail (DL_IS_CHART (self));
  self->x_min_fixed = x_min;
  self->x_max_fixed = x_max;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
dl_chart_get_n_points (DlChart *self,
                       guint    series)
{
  g_return_val_if_fail (DL_IS_CHART (self) && series < self->series->len, 0);
  return ((Series *) g_ptr_array_index (self->series, series))->points->len;
}

/* The point of a series whose x is nearest to x, or NULL for an empty series. */
static const double *
nearest_point (Series *s,
               double  x)
{
  const double *best = NULL;

  for (guint k = 0; k < s->points->len; k++)
    {
      const double *p = &g_array_index (s->points, double, 2 * k);

      if (best == NULL || fabs (p[0] - x) < fabs (best[0] - x))
        best = p;
    }
  return best;
}

/* A y value as the axis shows it: a percentage for fractions, else a short number. */
static void
format_y (DlChart *self,
          char    *buf,
          size_t   size,
          double   y)
{
  if (self->y_percent)
    g_snprintf (buf, size, "%.2f%%", 100 * y);
  else
    g_snprintf (buf, size, "%.4g", y);
}

void
dl_chart_set_placeholder (DlChart    *self,
                          const char *text)
{
  g_return_if_fail (DL_IS_CHART (self));
  g_free (self->placeholder);
  self->placeholder = g_strdup (text);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_chart_set_y_percent (DlChart  *self,
                        gboolean  percent)
{
  g_return_if_fail (DL_IS_CHART (self));
  self->y_percent = percent;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_chart_set_y_log (DlChart  *self,
                    gboolean  log_scale)
{
  g_return_if_fail (DL_IS_CHART (self));
  self->y_log = log_scale;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_chart_set_x_step (DlChart *self,
                     double   step)
{
  g_return_if_fail (DL_IS_CHART (self) && step >= 0);
  self->x_step = step;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_chart_set_marker (DlChart    *self,
                     double      x,
                     const char *label)
{
  g_return_if_fail (DL_IS_CHART (self));
  self->marker_x = x;
  g_free (self->marker_label);
  self->marker_label = g_strdup (label);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
dl_chart_get_marker (DlChart *self)
{
  g_return_val_if_fail (DL_IS_CHART (self), NAN);
  return self->marker_x;
}

gboolean
dl_chart_get_y_log (DlChart *self)
{
  g_return_val_if_fail (DL_IS_CHART (self), FALSE);
  return self->y_log;
}

char *
dl_chart_dup_readout (DlChart *self,
                      double   x)
{
  GString *text = g_string_new (NULL);

  g_return_val_if_fail (DL_IS_CHART (self), NULL);

  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);
      const double *best = nearest_point (s, x);
      char value[32];

      if (best == NULL)
        continue;
      format_y (self, value, sizeof value, best[1]);
      g_string_append_printf (text, "%s%s %.3g: %s", text->len > 0 ? "\n" : "", s->name,
                              best[0], value);
    }
  return g_string_free (text, FALSE);
}

/* A "nice" tick step (1, 2 or 5 × 10ⁿ) giving about n ticks over span. */
static double
nice_step (double span,
           int    n)
{
  double raw = span / MAX (n, 1), mag = pow (10, floor (log10 (raw))), f = raw / mag;

  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

/* Whether a point shows on the y axis: a logarithmic axis has no place for 0 or less. */
static inline gboolean
visible_y (DlChart *self,
           double   y)
{
  return !self->y_log || y > 0;
}

/* The plot's range in axis units: data units, or log10 of them on a logarithmic axis, where
 * the range is whole decades. Returns FALSE when there is nothing to plot. */
static gboolean
data_bounds (DlChart *self,
             double  *x0,
             double  *x1,
             double  *y0,
             double  *y1)
{
  gboolean any;

  *x0 = INFINITY, *x1 = -INFINITY, *y0 = INFINITY, *y1 = -INFINITY;
  for (guint i = 0; i < self->series->len; i++)
    {
      GArray *pts = ((Series *) g_ptr_array_index (self->series, i))->points;

      for (guint k = 0; k < pts->len; k++)
        {
          const double *p = &g_array_index (pts, double, 2 * k);

          if (!visible_y (self, p[1]))
            continue;
          *x0 = MIN (*x0, p[0]);
          *x1 = MAX (*x1, p[0]);
          *y0 = MIN (*y0, p[1]);
          *y1 = MAX (*y1, p[1]);
        }
    }
  any = isfinite (*x0);
  if (!any)
    *x0 = 0, *x1 = 1, *y0 = self->y_log ? 0.1 : 0, *y1 = 1;
  if (!isnan (self->x_min_fixed))
    *x0 = self->x_min_fixed;
  if (!isnan (self->x_max_fixed))
    *x1 = self->x_max_fixed;
  if (!isnan (self->y_min_fixed) && visible_y (self, self->y_min_fixed))
    *y0 = self->y_min_fixed;
  if (!isnan (self->y_max_fixed) && visible_y (self, self->y_max_fixed))
    *y1 = self->y_max_fixed;
  if (*x1 <= *x0)
    *x1 = *x0 + 1;
  if (self->y_log)
    {
      *y0 = floor (log10 (*y0) + 1e-9);
      *y1 = ceil (log10 (*y1) - 1e-9);
    }
  if (*y1 <= *y0)
    *y1 = *y0 + 1;
  return any;
}

/* The label of an axis tick at t (axis units). */
static void
format_tick (DlChart *self,
             char    *buf,
             size_t   size,
             double   t)
{
  if (self->y_log)
    g_snprintf (buf, size, "%g", pow (10, t));
  else if (self->y_percent)
    g_snprintf (buf, size, "%g%%", fabs (t) < 1e-12 ? 0.0 : 100 * t);
  else
    g_snprintf (buf, size, "%g", fabs (t) < 1e-12 ? 0.0 : t);
}

static void
show_text (cairo_t     *cr,
           PangoLayout *layout,
           const char  *text,
           double       x,
           double       y,
           double       align_x,    /* 0 left, 0.5 centre, 1 right */
           double       align_y)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x - align_x * w, y - align_y * h);
  pango_cairo_show_layout (cr, layout);
}

/* Draws at any size: on screen through the snapshot, into PNG files for export. */
void
dl_chart_draw (DlChart *self_,
               cairo_t *cr,
               double   w,
               double   h)
{
  GtkWidget *widget = GTK_WIDGET (self_);
  DlChart *self = self_;
  double pw = w - MARGIN_LEFT - MARGIN_RIGHT, ph, top;
  double x0, x1, y0, y1, step;
  GdkRGBA fg;
  PangoLayout *layout;
  char buf[64];
  gboolean any;
  int label_w, row_h;
  guint n_rows;
  g_autofree double *entry_x = NULL;   /* each legend entry's text position */
  g_autofree guint *entry_row = NULL;

  if (pw < 20)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  layout = gtk_widget_create_pango_layout (widget, NULL);

  /* the legend, right-aligned from the last series back, in as many rows as it needs to stay
   * clear of the y label in the first row; the plot starts below it */
  pango_layout_set_text (layout, self->y_label, -1);
  pango_layout_get_pixel_size (layout, &label_w, &row_h);
  entry_x = g_new (double, MAX (self->series->len, 1));
  entry_row = g_new (guint, MAX (self->series->len, 1));
  n_rows = 1;
  {
    double x = MARGIN_LEFT + pw, left = 4 + label_w + 16;

    for (guint i = self->series->len; i-- > 0;)
      {
        Series *s = g_ptr_array_index (self->series, i);
        int tw;

        pango_layout_set_text (layout, s->name, -1);
        pango_layout_get_pixel_size (layout, &tw, NULL);
        /* an entry is a 12-pixel swatch, 4 of space, the name, 12 before the next one */
        if (x - tw - 16 < left && x < MARGIN_LEFT + pw)
          {
            n_rows++;
            x = MARGIN_LEFT + pw;
            left = 4;
          }
        entry_x[i] = x - tw;
        entry_row[i] = n_rows - 1;
        x -= tw + 28;
      }
  }
  top = MARGIN_TOP + (n_rows - 1) * (row_h + 4);
  ph = h - top - MARGIN_BOTTOM;
  if (ph < 20)
    {
      g_object_unref (layout);
      return;
    }
  any = data_bounds (self, &x0, &x1, &y0, &y1);

#define PX(x) (MARGIN_LEFT + ((x) - x0) / (x1 - x0) * pw)
#define PY(t) (top + ph - ((t) - y0) / (y1 - y0) * ph)       /* t in axis units */
#define VY(y) PY (self->y_log ? log10 (y) : (y))                   /* y in data units */

  /* grid and y ticks; none while there is no data, where they would mean nothing */
  cairo_set_line_width (cr, 1);
  if (any && self->y_log)
    for (double d = y0; d <= y1 + 1e-9; d++)
      for (int m = 1; m <= 9 && (m == 1 || d < y1 - 1e-9); m++)
        {
          double t = d + log10 (m);
          gboolean labelled = m == 1 || (y1 - y0 <= 2 && (m == 2 || m == 5));

          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, m == 1 ? 0.1 : 0.04);
          cairo_move_to (cr, MARGIN_LEFT, round (PY (t)) + 0.5);
          cairo_line_to (cr, MARGIN_LEFT + pw, round (PY (t)) + 0.5);
          cairo_stroke (cr);
          if (!labelled)
            continue;
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.7);
          format_tick (self, buf, sizeof buf, t);
          show_text (cr, layout, buf, MARGIN_LEFT - 6, PY (t), 1, 0.5);
        }
  else if (any)
    {
      step = nice_step (y1 - y0, 5);
      for (double t = ceil (y0 / step) * step; t <= y1 + 1e-9 * step; t += step)
        {
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.1);
          cairo_move_to (cr, MARGIN_LEFT, round (PY (t)) + 0.5);
          cairo_line_to (cr, MARGIN_LEFT + pw, round (PY (t)) + 0.5);
          cairo_stroke (cr);
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.7);
          format_tick (self, buf, sizeof buf, t);
          show_text (cr, layout, buf, MARGIN_LEFT - 6, PY (t), 1, 0.5);
        }
    }
  step = self->x_step > 0 ? self->x_step : nice_step (x1 - x0, 6);
  if (any || !isnan (self->x_max_fixed))
    for (double t = ceil (x0 / step) * step; t <= x1 + 1e-9 * step; t += step)
      {
        cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.7);
        g_snprintf (buf, sizeof buf, "%g", fabs (t) < 1e-12 ? 0.0 : t);
        show_text (cr, layout, buf, PX (t), top + ph + 4, 0.5, 0);
      }
  if (!any && self->placeholder != NULL)
    {
      int th;

      /* centred, wrapped inside the plot with 12 px to spare on each side */
      pango_layout_set_width (layout, (int) (pw - 24) * PANGO_SCALE);
      pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_text (layout, self->placeholder, -1);
      pango_layout_get_pixel_size (layout, NULL, &th);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.55);
      cairo_move_to (cr, MARGIN_LEFT + 12, top + (ph - th) / 2);
      pango_cairo_show_layout (cr, layout);
      pango_layout_set_width (layout, -1);
      pango_layout_set_alignment (layout, PANGO_ALIGN_LEFT);
    }
  /* axes */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.5);
  cairo_move_to (cr, MARGIN_LEFT + 0.5, top);
  cairo_line_to (cr, MARGIN_LEFT + 0.5, top + ph + 0.5);
  cairo_line_to (cr, MARGIN_LEFT + pw, top + ph + 0.5);
  cairo_stroke (cr);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.7);
  show_text (cr, layout, self->x_label, MARGIN_LEFT + pw / 2, h - 2, 0.5, 1);
  show_text (cr, layout, self->y_label, 4, 4, 0, 0);

  /* bars, side by side in the order of their series */
  {
    guint n_bars = 0, bar = 0;
    double slot;

    for (guint i = 0; i < self->series->len; i++)
      n_bars += ((Series *) g_ptr_array_index (self->series, i))->style == DL_CHART_BARS;
    slot = pw / MAX (x1 - x0, 1) * 0.8 / MAX (n_bars, 1);
    for (guint i = 0; i < self->series->len; i++)
      {
        Series *s = g_ptr_array_index (self->series, i);

        if (s->style != DL_CHART_BARS)
          continue;
        gdk_cairo_set_source_rgba (cr, &s->color);
        for (guint k = 0; k < s->points->len; k++)
          {
            const double *p = &g_array_index (s->points, double, 2 * k);
            double left = PX (p[0]) + (bar - n_bars / 2.0) * slot;
            double base = self->y_log ? PY (y0) : PY (MAX (y0, 0.0));

            if (!visible_y (self, p[1]))
              continue;
            cairo_rectangle (cr, left, VY (p[1]), slot * 0.9, base - VY (p[1]));
            cairo_fill (cr);
          }
        bar++;
      }
  }

  /* the marker: a dashed line under the series, its label at the top of the plot */
  if (any && isfinite (self->marker_x) && self->marker_x >= x0 && self->marker_x <= x1)
    {
      double mx = round (PX (self->marker_x)) + 0.5;
      const double dash[] = { 4, 3 };

      cairo_save (cr);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6);
      cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
      cairo_move_to (cr, mx, top);
      cairo_line_to (cr, mx, top + ph);
      cairo_stroke (cr);
      cairo_restore (cr);
      if (self->marker_label != NULL)
        {
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.75);
          /* right of the line, or left of it near the right edge */
          show_text (cr, layout, self->marker_label,
                     mx > MARGIN_LEFT + pw * 0.8 ? mx - 4 : mx + 4, top + ph - 2,
                     mx > MARGIN_LEFT + pw * 0.8 ? 1 : 0, 1);
        }
    }

  /* series: faint ones first so the others stay readable */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < self->series->len; i++)
      {
        Series *s = g_ptr_array_index (self->series, i);
        gboolean faint = s->style == DL_CHART_FAINT;

        if ((pass == 0) != faint || s->points->len == 0 || s->style == DL_CHART_BARS)
          continue;
        cairo_save (cr);
        cairo_rectangle (cr, MARGIN_LEFT, top - 4, pw + 4, ph + 8);
        cairo_clip (cr);
        cairo_set_source_rgba (cr, s->color.red, s->color.green, s->color.blue, faint ? 0.3 : 1);
        cairo_set_line_width (cr, faint ? 1 : 2);
        cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
        /* a point the axis cannot show breaks the line */
        for (guint k = 0, drawn = 0; k < s->points->len; k++)
          {
            const double *p = &g_array_index (s->points, double, 2 * k);

            if (!visible_y (self, p[1]))
              drawn = 0;
            else if (drawn++ == 0)
              cairo_move_to (cr, PX (p[0]), VY (p[1]));
            else
              cairo_line_to (cr, PX (p[0]), VY (p[1]));
          }
        cairo_stroke (cr);
        if (s->style == DL_CHART_MARKERS)
          for (guint k = 0; k < s->points->len; k++)
            {
              const double *p = &g_array_index (s->points, double, 2 * k);

              if (!visible_y (self, p[1]))
                continue;
              cairo_arc (cr, PX (p[0]), VY (p[1]), 3, 0, 2 * G_PI);
              cairo_fill (cr);
            }
        cairo_restore (cr);
      }

  /* legend, top right */
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);
      double ly = 4 + entry_row[i] * (row_h + 4);

      pango_layout_set_text (layout, s->name, -1);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.8);
      cairo_move_to (cr, entry_x[i], ly);
      pango_cairo_show_layout (cr, layout);
      cairo_set_source_rgba (cr, s->color.red, s->color.green, s->color.blue,
                             s->style == DL_CHART_FAINT ? 0.4 : 1);
      cairo_rectangle (cr, entry_x[i] - 16, ly + row_h / 2.0 - 2, 12, 4);
      cairo_fill (cr);
    }

  /* hover readout: the point of each series nearest the pointer's x, its text on a backdrop
   * so bars and lines under it do not hide it */
  if (any && self->hover_x >= MARGIN_LEFT && self->hover_x <= MARGIN_LEFT + pw)
    {
      double hx = x0 + (self->hover_x - MARGIN_LEFT) / pw * (x1 - x0);
      gboolean left_side = self->hover_x > MARGIN_LEFT + pw / 2;
      g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GArray) colours = g_array_new (FALSE, FALSE, sizeof (GdkRGBA));
      double ty = top + 4, box_w = 0;

      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.35);
      cairo_move_to (cr, round (self->hover_x) + 0.5, top);
      cairo_line_to (cr, round (self->hover_x) + 0.5, top + ph);
      cairo_stroke (cr);
      for (guint i = 0; i < self->series->len; i++)
        {
          Series *s = g_ptr_array_index (self->series, i);
          const double *best = nearest_point (s, hx);
          char value[32];
          int tw;

          if (best == NULL)
            continue;
          format_y (self, value, sizeof value, best[1]);
          g_ptr_array_add (lines, g_strdup_printf ("%s %.3g: %s", s->name, best[0], value));
          g_array_append_val (colours, s->color);
          pango_layout_set_text (layout, g_ptr_array_index (lines, lines->len - 1), -1);
          pango_layout_get_pixel_size (layout, &tw, NULL);
          box_w = MAX (box_w, tw);
          cairo_set_source_rgba (cr, s->color.red, s->color.green, s->color.blue, 1);
          /* a bar is its own marker; a dot would sit between the bars of one x */
          if (visible_y (self, best[1]) && s->style != DL_CHART_BARS)
            {
              cairo_arc (cr, PX (best[0]), VY (best[1]), 4, 0, 2 * G_PI);
              cairo_fill (cr);
            }
        }
      if (lines->len > 0)
        {
          double bx = left_side ? self->hover_x - 8 - box_w : self->hover_x + 8;

          /* the opposite of the text colour: the window's background, near enough */
          cairo_set_source_rgba (cr, 1 - fg.red, 1 - fg.green, 1 - fg.blue, 0.85);
          cairo_rectangle (cr, bx - 4, ty - 2, box_w + 8, 18.0 * lines->len + 4);
          cairo_fill (cr);
        }
      for (guint i = 0; i < lines->len; i++, ty += 18)
        {
          const GdkRGBA *c = &g_array_index (colours, GdkRGBA, i);

          cairo_set_source_rgba (cr, c->red, c->green, c->blue, 1);
          show_text (cr, layout, g_ptr_array_index (lines, i),
                     self->hover_x + (left_side ? -8 : 8), ty, left_side ? 1 : 0, 0);
        }
    }
#undef PX
#undef PY
#undef VY
  g_object_unref (layout);
}

static void
dl_chart_snapshot (GtkWidget   *widget,
                   GtkSnapshot *snapshot)
{
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));

  dl_chart_draw (DL_CHART (widget), cr, w, h);
  cairo_destroy (cr);
}

static void
dl_chart_measure (GtkWidget      *widget,
                  GtkOrientation  orientation,
                  int             for_size,
                  int            *minimum,
                  int            *natural,
                  int            *minimum_baseline,
                  int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 180;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 480 : 240;
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           DlChart                  *self)
{
  self->hover_x = x;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (GtkEventControllerMotion *controller,
          DlChart                  *self)
{
  self->hover_x = -1;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
dl_chart_finalize (GObject *object)
{
  DlChart *self = DL_CHART (object);

  g_ptr_array_unref (self->series);
  g_free (self->x_label);
  g_free (self->y_label);
  g_free (self->summary);
  g_free (self->placeholder);
  g_free (self->marker_label);
  G_OBJECT_CLASS (dl_chart_parent_class)->finalize (object);
}

static void
dl_chart_class_init (DlChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = dl_chart_finalize;
  widget_class->snapshot = dl_chart_snapshot;
  widget_class->measure = dl_chart_measure;
  gtk_widget_class_set_css_name (widget_class, "chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_chart_init (DlChart *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();

  self->series = g_ptr_array_new_with_free_func ((GDestroyNotify) series_free);
  self->y_min_fixed = self->y_max_fixed = NAN;
  self->x_min_fixed = self->x_max_fixed = NAN;
  self->marker_x = NAN;
  self->hover_x = -1;
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  dl_chart_set_summary (self, NULL);
  self->placeholder = g_strdup (_("No data yet"));
}

GtkWidget *
dl_chart_new (const char *x_label,
              const char *y_label)
{
  DlChart *self = g_object_new (DL_TYPE_CHART, NULL);

  self->x_label = g_strdup (x_label);
  self->y_label = g_strdup (y_label);
  return GTK_WIDGET (self);
}

static void
dl_chart_figure_draw (DlFigure *figure,
                      cairo_t  *cr,
                      int       width,
                      int       height)
{
  dl_chart_draw (DL_CHART (figure), cr, width, height);
}

static void
dl_chart_figure_init (DlFigureInterface *iface)
{
  iface->draw = dl_chart_figure_draw;
}
