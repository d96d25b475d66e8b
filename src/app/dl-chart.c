/* dl-chart.c: drawing only — series are appended by their owners, never computed here */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-chart.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-figure.h"

/* A series reduced to the plot's pixel columns. Points arrive in x order (monotonic series), so
 * the points of one column are a contiguous index range; the line through its first, lowest,
 * highest and last point covers the same pixels as the line through all of them (the M4
 * reduction), and a column of four points or fewer keeps them all: sparse series stay exact. */
typedef struct
{
  guint first;              /* G_MAXUINT: no point in this column */
  guint last;
  guint min;                /* the index of the lowest point */
  guint max;
} Column;

typedef struct
{
  double   x0, x1;          /* axis range */
  double   left, width;     /* the plot's left edge and width, in device pixels */
  guint    n_columns;
} ColumnsKey;

typedef struct
{
  char        *name;
  GdkRGBA      color;
  DlChartStyle style;
  GArray      *points;      /* (x, y) pairs of doubles */
  gboolean     monotonic;   /* x never decreases: columns and binary searches apply */
  /* extents, kept as points arrive so that no draw walks the points: over all points, and over
   * those a logarithmic axis shows (y > 0) */
  double       x_min, x_max, y_min, y_max;
  double       x_min_pos, x_max_pos, y_min_pos, y_max_pos;
  guint        n_not_positive;
  int          name_width;  /* the legend entry's text, in pixels; −1: not measured */
  /* the columns of the last draw on screen, extended as points arrive */
  GArray      *columns;     /* Column */
  ColumnsKey   columns_key;
  guint        n_columned;  /* points already placed in columns */
  /* the data x from which points arrived since the data layer was drawn (the point before the
   * first of them: their line starts there); +∞ when none did. A series that stopped growing
   * (a finished run's, an epoch's markers between epochs) costs no frame anything. */
  double       dirty_x;
  gboolean     still;       /* drawn in the still layer: it no longer grows */
} Series;

/* A cached layer: what it shows, drawn once into an image and painted from it until its key
 * changes. */
typedef struct
{
  int      width, height, scale;
  double   x0, x1, y0, y1;  /* axis units */
  double   top, ph;         /* the plot's top and height (the legend's rows push it down) */
  gboolean any;
  gboolean y_log;
  GdkRGBA  fg;
  guint    look;            /* self->look_serial; all but the still layer */
  guint    data;            /* self->data_serial, or self->still_serial for the still layer */
} LayerKey;

typedef struct
{
  LayerKey         key;
  gboolean         valid;
  cairo_surface_t *surface;
} Layer;

typedef enum
{
  LAYER_BACK,               /* grid, ticks, axes, their labels, the placeholder */
  LAYER_STILL,              /* the series that no longer grow (finished runs overlaid) */
  LAYER_DATA,               /* bars, the marker, the series that grow */
  LAYER_LEGEND,             /* the legend, above the series */
  N_LAYERS
} LayerKind;

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

  /* caches: the look changes with settings, labels and fonts; the data with anything but an
   * append at the end of a monotonic series */
  guint      look_serial;
  guint      data_serial;
  guint      still_serial;  /* what the still series show */
  guint      n_still_builds;
  int        label_width;   /* the y label's width; −1: the legend is not measured */
  int        row_height;
  guint      font_hash;     /* of the font the texts were measured in */
  Layer      layers[N_LAYERS];
  guint      n_drawn_points;

  /* redraws for new data: at most one per redraw_interval by the clock */
  guint      redraw_interval;   /* ms; 0: at once */
  DlChartClock clock;
  gpointer   clock_data;
  gint64     last_redraw;       /* clock µs of the last redraw queued for data */
  guint      redraw_source;
  guint      n_changes;         /* data changes, and how many the last snapshot showed */
  guint      n_changes_drawn;
  guint      n_redraws;
};

static void dl_chart_figure_init (DlFigureInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlChart, dl_chart, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (DL_TYPE_FIGURE, dl_chart_figure_init))

#define MARGIN_LEFT 56
#define MARGIN_RIGHT 16
#define MARGIN_TOP 28
#define MARGIN_BOTTOM 40
/* how far left of a point the ink of what joins it may reach: a marker's dot, a line's join, and
 * a pixel of antialiasing */
#define INK_REACH 6
#define DEFAULT_REDRAW_INTERVAL 250

static const struct { const char *name; GdkRGBA rgba; } palette[] = {
  { "blue", { 0.208, 0.518, 0.894, 1 } },
  { "green", { 0.180, 0.761, 0.494, 1 } },
  { "orange", { 1.0, 0.471, 0.0, 1 } },
  { "red", { 0.878, 0.106, 0.141, 1 } },
  { "purple", { 0.569, 0.255, 0.675, 1 } },
  { "brown", { 0.596, 0.416, 0.267, 1 } },
};

/* Where things go in one draw: the plot, the axis ranges, the legend's entries. */
typedef struct
{
  double       w, h;
  double       pw, ph, top;         /* the plot: MARGIN_LEFT … + pw across, top … + ph down */
  double       x0, x1, y0, y1;      /* axis units: log10 of the data on a logarithmic axis */
  gboolean     any;                 /* some point to plot */
  GdkRGBA      fg;
  double       scale;               /* device pixels per unit, for the columns */
  PangoLayout *layout;
  int          label_width, row_height;
  guint        n_rows;
  double      *entry_x;             /* each legend entry's text position */
  guint       *entry_row;
} Frame;

static inline const double *
point_at (Series *s,
          guint   k)
{
  return &g_array_index (s->points, double, 2 * k);
}

static void
series_reset (Series *s)
{
  g_array_set_size (s->points, 0);
  g_array_set_size (s->columns, 0);
  memset (&s->columns_key, 0, sizeof s->columns_key);
  s->n_columned = 0;
  s->monotonic = TRUE;
  s->x_min = s->y_min = s->x_min_pos = s->y_min_pos = INFINITY;
  s->x_max = s->y_max = s->x_max_pos = s->y_max_pos = -INFINITY;
  s->n_not_positive = 0;
  s->dirty_x = INFINITY;
}

static void
series_free (Series *s)
{
  g_free (s->name);
  g_array_unref (s->points);
  g_array_unref (s->columns);
  g_free (s);
}

static gint64
monotonic_clock (gpointer user_data)
{
  return g_get_monotonic_time ();
}

static void
layer_clear (Layer *layer)
{
  g_clear_pointer (&layer->surface, cairo_surface_destroy);
  layer->valid = FALSE;
}

/* Texts are measured again, and everything drawn again. */
static void
forget_measures (DlChart *self)
{
  self->look_serial++;
  self->label_width = -1;
  for (guint i = 0; i < self->series->len; i++)
    ((Series *) g_ptr_array_index (self->series, i))->name_width = -1;
}

/* Something drawn differently: labels, settings, fonts, the legend. */
static void
look_changed (DlChart *self)
{
  forget_measures (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean on_redraw_due (gpointer data);

/* New data shows at once when the last redraw for data is redraw_interval old by the clock,
 * else when it will be: a run's steady stream of points costs a few frames a second, not one
 * per point. A hidden chart waits for its map. */
static void
request_redraw (DlChart *self)
{
  gint64 now, since;

  if (self->redraw_source != 0 || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  now = self->clock (self->clock_data);
  since = now - self->last_redraw;
  if (self->redraw_interval == 0 || since >= self->redraw_interval * (gint64) 1000 || since < 0)
    {
      self->last_redraw = now;
      self->n_redraws++;
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }
  self->redraw_source = g_timeout_add ((guint) ((self->redraw_interval * (gint64) 1000 - since)
                                                / 1000) + 1, on_redraw_due, self);
  g_source_set_name_by_id (self->redraw_source, "[digit-lab] chart redraw");
}

static gboolean
on_redraw_due (gpointer data)
{
  DlChart *self = data;

  self->redraw_source = 0;
  if (self->n_changes_drawn != self->n_changes)
    request_redraw (self);
  return G_SOURCE_REMOVE;
}

static void
data_appended (DlChart *self)
{
  self->n_changes++;
  request_redraw (self);
}

/* Anything but an append: everything is drawn afresh, at once. */
static void
data_changed (DlChart *self)
{
  self->data_serial++;
  self->n_changes++;
  gtk_widget_queue_draw (GTK_WIDGET (self));
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
  s->columns = g_array_new (FALSE, FALSE, sizeof (Column));
  s->name_width = -1;
  series_reset (s);
  g_ptr_array_add (self->series, s);
  /* a bar takes a slot beside the still series' bars */
  if (style == DL_CHART_BARS)
    self->still_serial++;
  look_changed (self);
  data_changed (self);
  return self->series->len - 1;
}

void
dl_chart_append (DlChart *self,
                 guint    series,
                 double   x,
                 double   y)
{
  double p[2] = { x, y };
  Series *s;

  g_return_if_fail (DL_IS_CHART (self) && series < self->series->len);

  if (!isfinite (x) || !isfinite (y))
    return;
  s = g_ptr_array_index (self->series, series);
  if (s->still)
    self->still_serial++;
  /* the data layer draws only what is new when lines and dots grew at their right end */
  if (s->points->len == 0 || s->style == DL_CHART_BARS)
    self->data_serial++;
  if (s->points->len > 0 && x < point_at (s, s->points->len - 1)[0])
    {
      s->monotonic = FALSE;
      self->data_serial++;
    }
  s->dirty_x = MIN (s->dirty_x, s->points->len > 0 ? point_at (s, s->points->len - 1)[0] : x);
  g_array_append_vals (s->points, p, 1);
  s->x_min = MIN (s->x_min, x);
  s->x_max = MAX (s->x_max, x);
  s->y_min = MIN (s->y_min, y);
  s->y_max = MAX (s->y_max, y);
  if (y > 0)
    {
      s->x_min_pos = MIN (s->x_min_pos, x);
      s->x_max_pos = MAX (s->x_max_pos, x);
      s->y_min_pos = MIN (s->y_min_pos, y);
      s->y_max_pos = MAX (s->y_max_pos, y);
    }
  else
    s->n_not_positive++;
  data_appended (self);
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
    series_reset (g_ptr_array_index (self->series, i));
  self->still_serial++;
  self->marker_x = NAN;
  dl_chart_set_summary (self, NULL);
  data_changed (self);
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

/* The first index whose x is at least x; the length if there is none. Monotonic series only. */
static guint
lower_bound (Series *s,
             double  x)
{
  guint lo = 0, hi = s->points->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (point_at (s, mid)[0] < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* The point of a series whose x is nearest to x, the first of equally near ones, or NULL for an
 * empty series. */
static const double *
nearest_point (Series *s,
               double  x)
{
  const double *best = NULL;

  if (s->monotonic && s->points->len > 0)
    {
      guint above = lower_bound (s, x);
      const double *after = above < s->points->len ? point_at (s, above) : NULL;
      const double *before = above > 0 ? point_at (s, lower_bound (s, point_at (s, above - 1)[0]))
                                       : NULL;

      if (before == NULL)
        return after;
      if (after == NULL || fabs (before[0] - x) <= fabs (after[0] - x))
        return before;
      return after;
    }
  for (guint k = 0; k < s->points->len; k++)
    {
      const double *p = point_at (s, k);

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
  look_changed (self);
}

void
dl_chart_set_y_percent (DlChart  *self,
                        gboolean  percent)
{
  g_return_if_fail (DL_IS_CHART (self));
  self->y_percent = percent;
  look_changed (self);
}

void
dl_chart_set_y_log (DlChart  *self,
                    gboolean  log_scale)
{
  g_return_if_fail (DL_IS_CHART (self));
  self->y_log = log_scale;
  self->still_serial++;
  look_changed (self);
}

void
dl_chart_set_x_step (DlChart *self,
                     double   step)
{
  g_return_if_fail (DL_IS_CHART (self) && step >= 0);
  self->x_step = step;
  look_changed (self);
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
  /* a new best epoch comes with a run's data: drawn with it, as often as it */
  self->data_serial++;
  data_appended (self);
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

void
dl_chart_set_redraw_interval (DlChart *self,
                              guint    msec)
{
  g_return_if_fail (DL_IS_CHART (self));
  self->redraw_interval = msec;
}

void
dl_chart_set_clock (DlChart      *self,
                    DlChartClock  clock,
                    gpointer      user_data)
{
  g_return_if_fail (DL_IS_CHART (self));
  self->clock = clock != NULL ? clock : monotonic_clock;
  self->clock_data = clock != NULL ? user_data : NULL;
  self->last_redraw = G_MININT64 / 2;
}

guint
dl_chart_get_n_redraws (DlChart *self)
{
  g_return_val_if_fail (DL_IS_CHART (self), 0);
  return self->n_redraws;
}

guint
dl_chart_get_n_drawn_points (DlChart *self)
{
  g_return_val_if_fail (DL_IS_CHART (self), 0);
  return self->n_drawn_points;
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
 * the range is whole decades. Returns FALSE when there is nothing to plot. The series keep
 * their extents, so this does not walk their points. */
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
      Series *s = g_ptr_array_index (self->series, i);

      *x0 = MIN (*x0, self->y_log ? s->x_min_pos : s->x_min);
      *x1 = MAX (*x1, self->y_log ? s->x_max_pos : s->x_max);
      *y0 = MIN (*y0, self->y_log ? s->y_min_pos : s->y_min);
      *y1 = MAX (*y1, self->y_log ? s->y_max_pos : s->y_max);
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
  else if (any && isnan (self->y_min_fixed) && *y1 > *y0)
    {
      /* the lowest point stays off the x-axis: the axis starts a nice step below it */
      double step = nice_step (*y1 - *y0, 6);
      double below = floor (*y0 / step) * step;

      *y0 = below < *y0 ? below : below - step;
      if (self->y_percent)
        *y0 = MAX (*y0, 0);
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

/* Plot coordinates of a data x, an axis-unit t and a data y. */
static inline double
frame_x (const Frame *f,
         double       x)
{
  return MARGIN_LEFT + (x - f->x0) / (f->x1 - f->x0) * f->pw;
}

static inline double
frame_t (const Frame *f,
         double       t)
{
  return f->top + f->ph - (t - f->y0) / (f->y1 - f->y0) * f->ph;
}

static inline double
frame_y (DlChart     *self,
         const Frame *f,
         double       y)
{
  return frame_t (f, self->y_log ? log10 (y) : y);
}

/* Measures the legend once per look: the y label and each series' name. */
static void
measure_legend (DlChart     *self,
                PangoLayout *layout)
{
  if (self->label_width < 0)
    {
      pango_layout_set_text (layout, self->y_label, -1);
      pango_layout_get_pixel_size (layout, &self->label_width, &self->row_height);
    }
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      if (s->name_width >= 0)
        continue;
      pango_layout_set_text (layout, s->name, -1);
      pango_layout_get_pixel_size (layout, &s->name_width, NULL);
    }
}

static void
frame_clear (Frame *f)
{
  g_clear_object (&f->layout);
  g_clear_pointer (&f->entry_x, g_free);
  g_clear_pointer (&f->entry_row, g_free);
}

/* Lays out one draw at w × h: the legend, right-aligned from the last series back, in as many
 * rows as it needs to stay clear of the y label in the first row; the plot below it; the axis
 * ranges. FALSE when there is no room for a plot. */
static gboolean
frame_init (DlChart *self,
            Frame   *f,
            double   w,
            double   h,
            double   scale)
{
  GtkWidget *widget = GTK_WIDGET (self);
  double x, left;

  memset (f, 0, sizeof *f);
  f->w = w;
  f->h = h;
  f->scale = scale;
  f->pw = w - MARGIN_LEFT - MARGIN_RIGHT;
  if (f->pw < 20)
    return FALSE;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &f->fg);
  f->layout = gtk_widget_create_pango_layout (widget, NULL);
  {
    /* a theme or a style class may change the font without a system setting */
    guint font = pango_font_description_hash (
      pango_context_get_font_description (pango_layout_get_context (f->layout)));

    if (font != self->font_hash)
      {
        self->font_hash = font;
        forget_measures (self);
      }
  }
  measure_legend (self, f->layout);
  f->label_width = self->label_width;
  f->row_height = self->row_height;
  f->entry_x = g_new (double, MAX (self->series->len, 1));
  f->entry_row = g_new (guint, MAX (self->series->len, 1));
  f->n_rows = 1;
  x = MARGIN_LEFT + f->pw;
  left = 4 + f->label_width + 16;
  for (guint i = self->series->len; i-- > 0;)
    {
      int tw = ((Series *) g_ptr_array_index (self->series, i))->name_width;

      /* an entry is a 12-pixel swatch, 4 of space, the name, 12 before the next one */
      if (x - tw - 16 < left && x < MARGIN_LEFT + f->pw)
        {
          f->n_rows++;
          x = MARGIN_LEFT + f->pw;
          left = 4;
        }
      f->entry_x[i] = x - tw;
      f->entry_row[i] = f->n_rows - 1;
      x -= tw + 28;
    }
  f->top = MARGIN_TOP + (f->n_rows - 1) * (f->row_height + 4);
  f->ph = h - f->top - MARGIN_BOTTOM;
  if (f->ph < 20)
    {
      frame_clear (f);
      return FALSE;
    }
  f->any = data_bounds (self, &f->x0, &f->x1, &f->y0, &f->y1);
  return TRUE;
}

/* Grid lines and y ticks; none while there is no data, where they would mean nothing. */
static void
draw_y_grid (DlChart     *self,
             cairo_t     *cr,
             const Frame *f)
{
  const GdkRGBA *fg = &f->fg;
  char buf[64];

  if (!f->any)
    return;
  cairo_set_line_width (cr, 1);
  if (self->y_log)
    {
      for (double d = f->y0; d <= f->y1 + 1e-9; d++)
        for (int m = 1; m <= 9 && (m == 1 || d < f->y1 - 1e-9); m++)
          {
            double t = d + log10 (m);
            gboolean labelled = m == 1 || (f->y1 - f->y0 <= 2 && (m == 2 || m == 5));

            cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, m == 1 ? 0.1 : 0.04);
            cairo_move_to (cr, MARGIN_LEFT, round (frame_t (f, t)) + 0.5);
            cairo_line_to (cr, MARGIN_LEFT + f->pw, round (frame_t (f, t)) + 0.5);
            cairo_stroke (cr);
            if (!labelled)
              continue;
            cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.7);
            format_tick (self, buf, sizeof buf, t);
            show_text (cr, f->layout, buf, MARGIN_LEFT - 6, frame_t (f, t), 1, 0.5);
          }
      return;
    }
  {
    double step = nice_step (f->y1 - f->y0, 5);

    for (double t = ceil (f->y0 / step) * step; t <= f->y1 + 1e-9 * step; t += step)
      {
        cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.1);
        cairo_move_to (cr, MARGIN_LEFT, round (frame_t (f, t)) + 0.5);
        cairo_line_to (cr, MARGIN_LEFT + f->pw, round (frame_t (f, t)) + 0.5);
        cairo_stroke (cr);
        cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.7);
        format_tick (self, buf, sizeof buf, t);
        show_text (cr, f->layout, buf, MARGIN_LEFT - 6, frame_t (f, t), 1, 0.5);
      }
  }
}

/* The x tick labels: with data, or over a fixed range (the epochs of a run about to start). */
static void
draw_x_ticks (DlChart     *self,
              cairo_t     *cr,
              const Frame *f)
{
  double step = self->x_step > 0 ? self->x_step : nice_step (f->x1 - f->x0, 6);
  char buf[64];

  if (!f->any && isnan (self->x_max_fixed))
    return;
  for (double t = ceil (f->x0 / step) * step; t <= f->x1 + 1e-9 * step; t += step)
    {
      cairo_set_source_rgba (cr, f->fg.red, f->fg.green, f->fg.blue, 0.7);
      g_snprintf (buf, sizeof buf, "%g", fabs (t) < 1e-12 ? 0.0 : t);
      show_text (cr, f->layout, buf, frame_x (f, t), f->top + f->ph + 4, 0.5, 0);
    }
}

/* The placeholder, centred and wrapped inside the plot with 12 px to spare on each side. */
static void
draw_placeholder (DlChart     *self,
                  cairo_t     *cr,
                  const Frame *f)
{
  int th;

  if (f->any || self->placeholder == NULL)
    return;
  pango_layout_set_width (f->layout, (int) (f->pw - 24) * PANGO_SCALE);
  pango_layout_set_alignment (f->layout, PANGO_ALIGN_CENTER);
  pango_layout_set_wrap (f->layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (f->layout, self->placeholder, -1);
  pango_layout_get_pixel_size (f->layout, NULL, &th);
  cairo_set_source_rgba (cr, f->fg.red, f->fg.green, f->fg.blue, 0.55);
  cairo_move_to (cr, MARGIN_LEFT + 12, f->top + (f->ph - th) / 2);
  pango_cairo_show_layout (cr, f->layout);
  pango_layout_set_width (f->layout, -1);
  pango_layout_set_alignment (f->layout, PANGO_ALIGN_LEFT);
}

static void
draw_axes (DlChart     *self,
           cairo_t     *cr,
           const Frame *f)
{
  cairo_set_line_width (cr, 1);
  cairo_set_source_rgba (cr, f->fg.red, f->fg.green, f->fg.blue, 0.5);
  cairo_move_to (cr, MARGIN_LEFT + 0.5, f->top);
  cairo_line_to (cr, MARGIN_LEFT + 0.5, f->top + f->ph + 0.5);
  cairo_line_to (cr, MARGIN_LEFT + f->pw, f->top + f->ph + 0.5);
  cairo_stroke (cr);
  cairo_set_source_rgba (cr, f->fg.red, f->fg.green, f->fg.blue, 0.7);
  show_text (cr, f->layout, self->x_label, MARGIN_LEFT + f->pw / 2, f->h - 2, 0.5, 1);
  show_text (cr, f->layout, self->y_label, 4, 4, 0, 0);
}

/* What lies under the data: it changes with the size, the look and the axis ranges. */
static void
draw_back (DlChart     *self,
           cairo_t     *cr,
           const Frame *f)
{
  draw_y_grid (self, cr, f);
  draw_x_ticks (self, cr, f);
  draw_placeholder (self, cr, f);
  draw_axes (self, cr, f);
}

/* Bars, side by side in the order of their series. */
static void
draw_bars (DlChart     *self,
           cairo_t     *cr,
           const Frame *f,
           gboolean     still)
{
  guint n_bars = 0, bar = 0;
  double slot;

  for (guint i = 0; i < self->series->len; i++)
    n_bars += ((Series *) g_ptr_array_index (self->series, i))->style == DL_CHART_BARS;
  if (n_bars == 0)
    return;
  slot = f->pw / MAX (f->x1 - f->x0, 1) * 0.8 / n_bars;
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      if (s->style != DL_CHART_BARS)
        continue;
      if (s->still != still)
        {
          bar++;
          continue;
        }
      gdk_cairo_set_source_rgba (cr, &s->color);
      for (guint k = 0; k < s->points->len; k++)
        {
          const double *p = point_at (s, k);
          double left = frame_x (f, p[0]) + (bar - n_bars / 2.0) * slot;
          double base = self->y_log ? frame_t (f, f->y0) : frame_t (f, MAX (f->y0, 0.0));

          if (!visible_y (self, p[1]))
            continue;
          cairo_rectangle (cr, left, frame_y (self, f, p[1]), slot * 0.9,
                           base - frame_y (self, f, p[1]));
          cairo_fill (cr);
        }
      bar++;
    }
}

/* The marker: a dashed line under the series, its label at the top of the plot. */
static void
draw_marker (DlChart     *self,
             cairo_t     *cr,
             const Frame *f)
{
  double mx;
  const double dash[] = { 4, 3 };

  if (!f->any || !isfinite (self->marker_x) || self->marker_x < f->x0 || self->marker_x > f->x1)
    return;
  mx = round (frame_x (f, self->marker_x)) + 0.5;
  cairo_save (cr);
  cairo_set_line_width (cr, 1);
  cairo_set_source_rgba (cr, f->fg.red, f->fg.green, f->fg.blue, 0.6);
  cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
  cairo_move_to (cr, mx, f->top);
  cairo_line_to (cr, mx, f->top + f->ph);
  cairo_stroke (cr);
  cairo_restore (cr);
  if (self->marker_label != NULL)
    {
      cairo_set_source_rgba (cr, f->fg.red, f->fg.green, f->fg.blue, 0.75);
      /* right of the line, or left of it near the right edge */
      show_text (cr, f->layout, self->marker_label,
                 mx > MARGIN_LEFT + f->pw * 0.8 ? mx - 4 : mx + 4, f->top + f->ph - 2,
                 mx > MARGIN_LEFT + f->pw * 0.8 ? 1 : 0, 1);
    }
}

/* Whether a series is drawn through its columns: its x never decreases, and every point shows
 * (a point the axis cannot show breaks the line, which only the full path knows). */
static gboolean
series_uses_columns (DlChart *self,
                     Series  *s)
{
  return s->monotonic && s->style != DL_CHART_BARS && !(self->y_log && s->n_not_positive > 0);
}

/* The column of a point: device pixel columns of the plot, the points left or right of it in the
 * first or the last. */
static guint
column_of (const ColumnsKey *key,
           double            x)
{
  double c = floor ((x - key->x0) / (key->x1 - key->x0) * key->width);

  return (guint) CLAMP (c, 0, key->n_columns - 1);
}

static void
columns_add (Series           *s,
             const ColumnsKey *key,
             guint             k)
{
  Column *c = &g_array_index (s->columns, Column, column_of (key, point_at (s, k)[0]));

  if (c->first == G_MAXUINT)
    {
      c->first = c->last = c->min = c->max = k;
      return;
    }
  c->last = k;
  if (point_at (s, k)[1] < point_at (s, c->min)[1])
    c->min = k;
  if (point_at (s, k)[1] > point_at (s, c->max)[1])
    c->max = k;
}

/* Brings a series' columns up to date for this frame: kept while the plot's x range and width
 * stay, extended by the points that arrived since; else rebuilt. */
static void
series_update_columns (Series      *s,
                       const Frame *f)
{
  ColumnsKey key = {
    f->x0, f->x1, MARGIN_LEFT * f->scale, f->pw * f->scale, (guint) ceil (f->pw * f->scale) + 1,
  };

  if (memcmp (&key, &s->columns_key, sizeof key) != 0 || s->n_columned > s->points->len)
    {
      Column empty = { G_MAXUINT, G_MAXUINT, G_MAXUINT, G_MAXUINT };

      s->columns_key = key;
      g_array_set_size (s->columns, 0);
      for (guint c = 0; c < key.n_columns; c++)
        g_array_append_val (s->columns, empty);
      s->n_columned = 0;
    }
  for (; s->n_columned < s->points->len; s->n_columned++)
    columns_add (s, &key, s->n_columned);
}

/* The indices a series is drawn through, from its column of from_x on (or all of them): ≤ 4 a
 * column, in order. */
static GArray *
series_path (DlChart     *self,
             Series      *s,
             const Frame *f,
             double       from_x)
{
  GArray *path = g_array_new (FALSE, FALSE, sizeof (guint));

  if (!series_uses_columns (self, s))
    {
      guint start = 0;

      if (s->monotonic && from_x > -INFINITY)
        {
          start = lower_bound (s, from_x);
          start = start > 0 ? start - 1 : 0;
        }
      for (guint k = start; k < s->points->len; k++)
        g_array_append_val (path, k);
      return path;
    }
  series_update_columns (s, f);
  for (guint c = from_x > -INFINITY ? column_of (&s->columns_key, from_x) : 0;
       c < s->columns->len; c++)
    {
      const Column *col = &g_array_index (s->columns, Column, c);
      guint ks[4];

      if (col->first == G_MAXUINT)
        continue;
      /* from the middle: the last point before, for the segment that enters */
      if (path->len == 0 && from_x > -INFINITY && col->first > 0)
        {
          guint k = col->first - 1;

          g_array_append_val (path, k);
        }
      if (col->last - col->first < 4)
        {
          for (guint k = col->first; k <= col->last; k++)
            g_array_append_val (path, k);
          continue;
        }
      ks[0] = col->first;
      ks[1] = MIN (col->min, col->max);
      ks[2] = MAX (col->min, col->max);
      ks[3] = col->last;
      for (int j = 0; j < 4; j++)
        if (j == 0 || ks[j] != ks[j - 1])
          g_array_append_val (path, ks[j]);
    }
  return path;
}

/* One series' line (and dots), through the points of path. */
static void
draw_series (DlChart     *self,
             cairo_t     *cr,
             const Frame *f,
             Series      *s,
             GArray      *path)
{
  gboolean faint = s->style == DL_CHART_FAINT;
  guint drawn = 0;

  cairo_set_source_rgba (cr, s->color.red, s->color.green, s->color.blue, faint ? 0.3 : 1);
  cairo_set_line_width (cr, faint ? 1 : 2);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  /* a point the axis cannot show breaks the line */
  for (guint j = 0; j < path->len; j++)
    {
      const double *p = point_at (s, g_array_index (path, guint, j));

      if (!visible_y (self, p[1]))
        drawn = 0;
      else if (drawn++ == 0)
        cairo_move_to (cr, frame_x (f, p[0]), frame_y (self, f, p[1]));
      else
        cairo_line_to (cr, frame_x (f, p[0]), frame_y (self, f, p[1]));
    }
  cairo_stroke (cr);
  if (s->style == DL_CHART_MARKERS)
    for (guint j = 0; j < path->len; j++)
      {
        const double *p = point_at (s, g_array_index (path, guint, j));

        if (!visible_y (self, p[1]))
          continue;
        cairo_arc (cr, frame_x (f, p[0]), frame_y (self, f, p[1]), 3, 0, 2 * G_PI);
        cairo_fill (cr);
      }
  self->n_drawn_points += path->len;
}

/* Adds to the path the band a line of width 2·half draws from (x1, y1) to (x2, y2). Its offset
 * (nx, ny) is the direction turned a quarter towards +y, so the band goes along one edge and back
 * along the other the way cairo_rectangle () goes round (right, then down, for a line to the
 * right): the fill's winding never cancels where bands and bars meet. */
static void
band_path (cairo_t *cr,
           double   x1,
           double   y1,
           double   x2,
           double   y2,
           double   half)
{
  double dx = x2 - x1, dy = y2 - y1, len = hypot (dx, dy), nx, ny;

  if (!(len > 0))
    return;
  nx = -dy / len * half;
  ny = dx / len * half;
  cairo_move_to (cr, x1 - nx, y1 - ny);
  cairo_line_to (cr, x2 - nx, y2 - ny);
  cairo_line_to (cr, x2 + nx, y2 + ny);
  cairo_line_to (cr, x1 + nx, y1 + ny);
  cairo_close_path (cr);
}

/* A faint series reduced to columns, from the column of from_x on (−∞: all), as one fill: in
 * each column a bar a line's width taller than its points' span and than the point before it
 * (the line enters from there), and across empty columns the line's band. These are the pixels
 * the line through the points covers, but a union of boxes fills at once where a stroke of a
 * noisy series, a zig-zag whose many edges cross each other, took cairo tens of milliseconds
 * for three finished runs. */
static void
draw_envelope (DlChart     *self,
               cairo_t     *cr,
               const Frame *f,
               Series      *s,
               double       from_x)
{
  const double half = 0.5;        /* of the line's width, in plot units */
  const ColumnsKey *key;
  double col_w, bar_w;
  guint c0 = 0, n = 0;

  series_update_columns (s, f);
  key = &s->columns_key;
  col_w = f->pw / key->width;
  bar_w = MAX (col_w, 2 * half);
  if (from_x > -INFINITY)
    c0 = column_of (key, from_x);
  cairo_set_source_rgba (cr, s->color.red, s->color.green, s->color.blue, 0.3);
  cairo_set_fill_rule (cr, CAIRO_FILL_RULE_WINDING);
  for (guint c = c0; c < s->columns->len; c++)
    {
      const Column *col = &g_array_index (s->columns, Column, c);
      const double *first, *lo, *hi;
      double y_lo, y_hi, x = MARGIN_LEFT + (c + 0.5) * col_w;

      if (col->first == G_MAXUINT)
        continue;
      first = point_at (s, col->first);
      lo = point_at (s, col->min);
      hi = point_at (s, col->max);
      n += MIN (col->last - col->first + 1, 4);
      /* frame_y () turns the axis over: the highest point is the smallest y */
      y_lo = frame_y (self, f, hi[1]);
      y_hi = frame_y (self, f, lo[1]);
      if (col->first > 0)
        {
          const double *prev = point_at (s, col->first - 1);
          guint prev_c = column_of (key, prev[0]);
          double py = frame_y (self, f, prev[1]);

          if (prev_c + 1 >= c)
            {
              y_lo = MIN (y_lo, py);
              y_hi = MAX (y_hi, py);
            }
          else
            band_path (cr, MARGIN_LEFT + (prev_c + 0.5) * col_w, py, x,
                       frame_y (self, f, first[1]), half);
        }
      cairo_rectangle (cr, x - bar_w / 2, y_lo - half, bar_w, y_hi - y_lo + 2 * half);
    }
  cairo_fill (cr);
  self->n_drawn_points += n;
}

/* The series that still grow (still FALSE) or those that no longer do, for widget x ≥ from_x
 * (−∞: all): their bars, the marker with the growing ones, then the series, faint ones first so
 * the others stay readable. The still ones lie under the others, in a layer of their own. */
static void
draw_data (DlChart     *self,
           cairo_t     *cr,
           const Frame *f,
           double       from_x,
           gboolean     still)
{
  double data_from = from_x > -INFINITY
                       ? f->x0 + (from_x - INK_REACH - MARGIN_LEFT) / f->pw * (f->x1 - f->x0)
                       : -INFINITY;

  draw_bars (self, cr, f, still);
  if (!still)
    draw_marker (self, cr, f);
  cairo_save (cr);
  cairo_rectangle (cr, MARGIN_LEFT, f->top - 4, f->pw + 4, f->ph + 8);
  cairo_clip (cr);
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < self->series->len; i++)
      {
        Series *s = g_ptr_array_index (self->series, i);
        g_autoptr(GArray) path = NULL;

        if ((pass == 0) != (s->style == DL_CHART_FAINT) || s->points->len == 0 ||
            s->style == DL_CHART_BARS || s->still != still)
          continue;
        if (s->style == DL_CHART_FAINT && series_uses_columns (self, s))
          {
            draw_envelope (self, cr, f, s, data_from);
            continue;
          }
        path = series_path (self, s, f, data_from);
        draw_series (self, cr, f, s, path);
      }
  cairo_restore (cr);
}

/* The widget x from which the data layer must be drawn again for the points that arrived since
 * it was drawn: each growing series from the point before its new ones (their line starts
 * there) or, reduced to columns, from that point's column (whose reduction the new points may
 * change). Series that did not grow leave it alone. */
static double
data_redraw_x (DlChart     *self,
               const Frame *f)
{
  double from = f->w;

  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);
      double x = s->dirty_x;

      if (!isfinite (x))
        continue;
      if (series_uses_columns (self, s) && s->columns->len > 0)
        {
          /* the left edge of that point's column */
          x = f->x0 + column_of (&s->columns_key, x) / s->columns_key.width * (f->x1 - f->x0);
        }
      from = MIN (from, frame_x (f, x) - INK_REACH);
    }
  return floor (MAX (from, 0) * f->scale) / f->scale;
}

static void
forget_dirty (DlChart *self)
{
  for (guint i = 0; i < self->series->len; i++)
    ((Series *) g_ptr_array_index (self->series, i))->dirty_x = INFINITY;
}

/* The legend, top right. */
static void
draw_legend (DlChart     *self,
             cairo_t     *cr,
             const Frame *f)
{
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);
      double ly = 4 + f->entry_row[i] * (f->row_height + 4);

      pango_layout_set_text (f->layout, s->name, -1);
      cairo_set_source_rgba (cr, f->fg.red, f->fg.green, f->fg.blue, 0.8);
      cairo_move_to (cr, f->entry_x[i], ly);
      pango_cairo_show_layout (cr, f->layout);
      cairo_set_source_rgba (cr, s->color.red, s->color.green, s->color.blue,
                             s->style == DL_CHART_FAINT ? 0.4 : 1);
      cairo_rectangle (cr, f->entry_x[i] - 16, ly + f->row_height / 2.0 - 2, 12, 4);
      cairo_fill (cr);
    }
}

/* The bottom of what the legend draws. */
static double
legend_height (const Frame *f)
{
  return 4 + f->n_rows * (f->row_height + 4.0) + 4;
}

/* The readout under the pointer: the point of each series nearest the pointer's x, its text on
 * a backdrop so bars and lines under it do not hide it. */
static void
draw_readout (DlChart     *self,
              cairo_t     *cr,
              const Frame *f)
{
  double hx, ty = f->top + 4, box_w = 0;
  gboolean left_side;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GArray) colours = NULL;
  const GdkRGBA *fg = &f->fg;

  if (!f->any || self->hover_x < MARGIN_LEFT || self->hover_x > MARGIN_LEFT + f->pw)
    return;
  hx = f->x0 + (self->hover_x - MARGIN_LEFT) / f->pw * (f->x1 - f->x0);
  left_side = self->hover_x > MARGIN_LEFT + f->pw / 2;
  lines = g_ptr_array_new_with_free_func (g_free);
  colours = g_array_new (FALSE, FALSE, sizeof (GdkRGBA));
  cairo_set_line_width (cr, 1);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.35);
  cairo_move_to (cr, round (self->hover_x) + 0.5, f->top);
  cairo_line_to (cr, round (self->hover_x) + 0.5, f->top + f->ph);
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
      pango_layout_set_text (f->layout, g_ptr_array_index (lines, lines->len - 1), -1);
      pango_layout_get_pixel_size (f->layout, &tw, NULL);
      box_w = MAX (box_w, tw);
      cairo_set_source_rgba (cr, s->color.red, s->color.green, s->color.blue, 1);
      /* a bar is its own marker; a dot would sit between the bars of one x */
      if (visible_y (self, best[1]) && s->style != DL_CHART_BARS)
        {
          cairo_arc (cr, frame_x (f, best[0]), frame_y (self, f, best[1]), 4, 0, 2 * G_PI);
          cairo_fill (cr);
        }
    }
  if (lines->len > 0)
    {
      double bx = left_side ? self->hover_x - 8 - box_w : self->hover_x + 8;

      /* the opposite of the text colour: the window's background, near enough */
      cairo_set_source_rgba (cr, 1 - fg->red, 1 - fg->green, 1 - fg->blue, 0.85);
      cairo_rectangle (cr, bx - 4, ty - 2, box_w + 8, 18.0 * lines->len + 4);
      cairo_fill (cr);
    }
  for (guint i = 0; i < lines->len; i++, ty += 18)
    {
      const GdkRGBA *c = &g_array_index (colours, GdkRGBA, i);

      cairo_set_source_rgba (cr, c->red, c->green, c->blue, 1);
      show_text (cr, f->layout, g_ptr_array_index (lines, i),
                 self->hover_x + (left_side ? -8 : 8), ty, left_side ? 1 : 0, 0);
    }
}

/* Draws at any size, all of it, without the layers' caches; the screen goes through the
 * layers. A figure file has no pointer, so no readout. */
static void
draw_whole (DlChart  *self,
            cairo_t  *cr,
            double    w,
            double    h,
            double    scale,
            gboolean  readout)
{
  Frame f;

  if (!frame_init (self, &f, w, h, scale))
    return;
  draw_back (self, cr, &f);
  self->n_drawn_points = 0;
  draw_data (self, cr, &f, -INFINITY, TRUE);
  draw_data (self, cr, &f, -INFINITY, FALSE);
  draw_legend (self, cr, &f);
  if (readout)
    draw_readout (self, cr, &f);
  frame_clear (&f);
}

void
dl_chart_draw (DlChart *self,
               cairo_t *cr,
               double   w,
               double   h)
{
  g_return_if_fail (DL_IS_CHART (self));
  draw_whole (self, cr, w, h, 1, TRUE);
}

static LayerKey
layer_key (DlChart     *self,
           const Frame *f,
           LayerKind    kind)
{
  LayerKey key;

  /* zeroed whole, padding too: keys are compared as bytes */
  memset (&key, 0, sizeof key);
  key.width = (int) f->w;
  key.height = kind == LAYER_LEGEND ? (int) ceil (legend_height (f)) : (int) f->h;
  key.scale = (int) f->scale;
  key.fg = f->fg;
  /* the still layer changes with the plot's place and ranges and with its series alone: not
   * with labels, fonts or the series that grow */
  key.look = kind == LAYER_STILL ? 0 : self->look_serial;
  if (kind != LAYER_LEGEND)
    {
      key.x0 = f->x0, key.x1 = f->x1, key.y0 = f->y0, key.y1 = f->y1;
      key.top = f->top, key.ph = f->ph;
      key.any = f->any;
      key.y_log = self->y_log;
    }
  if (kind == LAYER_DATA)
    key.data = self->data_serial;
  else if (kind == LAYER_STILL)
    key.data = self->still_serial;
  return key;
}

/* Draws a layer into its image where it changed. The data layer, when only points arrived, is
 * drawn again right of its done_x alone. */
static void
update_layer (DlChart     *self,
              const Frame *f,
              LayerKind    kind)
{
  Layer *layer = &self->layers[kind];
  LayerKey key = layer_key (self, f, kind);
  gboolean changed = kind == LAYER_DATA && self->n_changes_drawn != self->n_changes;
  double from_x = -INFINITY;
  cairo_t *cr;

  if (!layer->valid || memcmp (&key, &layer->key, sizeof key) != 0)
    {
      layer_clear (layer);
      layer->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, key.width * key.scale,
                                                   key.height * key.scale);
      cairo_surface_set_device_scale (layer->surface, key.scale, key.scale);
      layer->key = key;
      layer->valid = TRUE;
      changed = TRUE;
      if (kind == LAYER_STILL)
        self->n_still_builds++;
    }
  else if (kind == LAYER_DATA)
    from_x = data_redraw_x (self, f);
  if (changed)
    {
      cr = cairo_create (layer->surface);
      if (from_x > -INFINITY)
        {
          /* what may have changed is cleared and drawn again */
          cairo_rectangle (cr, from_x, 0, key.width - from_x, key.height);
          cairo_clip (cr);
          cairo_set_operator (cr, CAIRO_OPERATOR_CLEAR);
          cairo_paint (cr);
          cairo_set_operator (cr, CAIRO_OPERATOR_OVER);
        }
      if (kind == LAYER_BACK)
        draw_back (self, cr, f);
      else if (kind == LAYER_STILL)
        draw_data (self, cr, f, -INFINITY, TRUE);
      else if (kind == LAYER_DATA)
        {
          self->n_drawn_points = 0;
          draw_data (self, cr, f, from_x, FALSE);
          forget_dirty (self);
        }
      else
        draw_legend (self, cr, f);
      cairo_destroy (cr);
      cairo_surface_flush (layer->surface);
    }
}

static gboolean
any_still (DlChart *self)
{
  for (guint i = 0; i < self->series->len; i++)
    if (((Series *) g_ptr_array_index (self->series, i))->still)
      return TRUE;
  return FALSE;
}

static void
dl_chart_snapshot (GtkWidget   *widget,
                   GtkSnapshot *snapshot)
{
  DlChart *self = DL_CHART (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  Frame f;

  cairo_t *cr;

  if (!frame_init (self, &f, w, h, gtk_widget_get_scale_factor (widget)))
    return;
  /* the images are painted as they are: no conversion, unlike a texture under the Cairo
   * renderer; a later change to one copies it first, while a frame still uses it */
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  for (int i = 0; i < N_LAYERS; i++)
    {
      /* no still series: no still layer to paint */
      if (i == LAYER_STILL && !any_still (self))
        {
          layer_clear (&self->layers[i]);
          continue;
        }
      update_layer (self, &f, i);
      cairo_set_source_surface (cr, self->layers[i].surface, 0, 0);
      cairo_paint (cr);
    }
  self->n_changes_drawn = self->n_changes;
  draw_readout (self, cr, &f);
  cairo_destroy (cr);
  frame_clear (&f);
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

/* A page switch shows the newest data at once. */
static void
dl_chart_map (GtkWidget *widget)
{
  DlChart *self = DL_CHART (widget);

  GTK_WIDGET_CLASS (dl_chart_parent_class)->map (widget);
  g_clear_handle_id (&self->redraw_source, g_source_remove);
  if (self->n_changes_drawn != self->n_changes)
    gtk_widget_queue_draw (widget);
}

/* Fonts and their sizes change the legend and every label. */
static void
dl_chart_system_setting_changed (GtkWidget       *widget,
                                 GtkSystemSetting setting)
{
  GTK_WIDGET_CLASS (dl_chart_parent_class)->system_setting_changed (widget, setting);
  look_changed (DL_CHART (widget));
}

static void
dl_chart_unrealize (GtkWidget *widget)
{
  DlChart *self = DL_CHART (widget);

  for (int i = 0; i < N_LAYERS; i++)
    layer_clear (&self->layers[i]);
  GTK_WIDGET_CLASS (dl_chart_parent_class)->unrealize (widget);
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
dl_chart_dispose (GObject *object)
{
  DlChart *self = DL_CHART (object);

  g_clear_handle_id (&self->redraw_source, g_source_remove);
  G_OBJECT_CLASS (dl_chart_parent_class)->dispose (object);
}

static void
dl_chart_finalize (GObject *object)
{
  DlChart *self = DL_CHART (object);

  for (int i = 0; i < N_LAYERS; i++)
    layer_clear (&self->layers[i]);
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

  object_class->dispose = dl_chart_dispose;
  object_class->finalize = dl_chart_finalize;
  widget_class->snapshot = dl_chart_snapshot;
  widget_class->measure = dl_chart_measure;
  widget_class->map = dl_chart_map;
  widget_class->unrealize = dl_chart_unrealize;
  widget_class->system_setting_changed = dl_chart_system_setting_changed;
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
  self->label_width = -1;
  self->redraw_interval = DEFAULT_REDRAW_INTERVAL;
  dl_chart_set_clock (self, NULL, NULL);
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
dl_chart_figure_draw (DlFigure            *figure,
                      cairo_t             *cr,
                      const DlFigureFrame *frame)
{
  draw_whole (DL_CHART (figure), cr, frame->width, frame->height, MAX (1, frame->scale),
              !frame->for_export);
}

static gboolean
dl_chart_figure_has_data (DlFigure *figure)
{
  DlChart *self = DL_CHART (figure);
  double x0, x1, y0, y1;

  return data_bounds (self, &x0, &x1, &y0, &y1);
}

static void
dl_chart_figure_init (DlFigureInterface *iface)
{
  iface->draw = dl_chart_figure_draw;
  iface->has_data = dl_chart_figure_has_data;
}

/* Series from first on go (their indices are free again); the ones before keep theirs. */
void
dl_chart_remove_series_from (DlChart *self,
                             guint    first)
{
  g_return_if_fail (DL_IS_CHART (self));

  if (first >= self->series->len)
    return;
  for (guint i = first; i < self->series->len; i++)
    if (((Series *) g_ptr_array_index (self->series, i))->still)
      self->still_serial++;
  g_ptr_array_set_size (self->series, first);
  look_changed (self);
  data_changed (self);
}

guint
dl_chart_get_n_series (DlChart *self)
{
  g_return_val_if_fail (DL_IS_CHART (self), 0);
  return self->series->len;
}

void
dl_chart_clear_series (DlChart *self,
                       guint    series)
{
  g_return_if_fail (DL_IS_CHART (self) && series < self->series->len);

  if (((Series *) g_ptr_array_index (self->series, series))->still)
    self->still_serial++;
  series_reset (g_ptr_array_index (self->series, series));
  data_changed (self);
}

void
dl_chart_set_series_still (DlChart  *self,
                           guint     series,
                           gboolean  still)
{
  Series *s;

  g_return_if_fail (DL_IS_CHART (self) && series < self->series->len);

  s = g_ptr_array_index (self->series, series);
  if (s->still == !!still)
    return;
  s->still = !!still;
  self->still_serial++;
  data_changed (self);
}

guint
dl_chart_get_n_still_builds (DlChart *self)
{
  g_return_val_if_fail (DL_IS_CHART (self), 0);
  return self->n_still_builds;
}

void
dl_chart_set_x_label (DlChart    *self,
                      const char *x_label)
{
  g_return_if_fail (DL_IS_CHART (self));

  if (g_strcmp0 (self->x_label, x_label) == 0)
    return;
  g_free (self->x_label);
  self->x_label = g_strdup (x_label);
  look_changed (self);
}

gboolean
dl_chart_get_point (DlChart *self,
                    guint    series,
                    guint    k,
                    double  *x,
                    double  *y)
{
  Series *s;

  g_return_val_if_fail (DL_IS_CHART (self) && series < self->series->len, FALSE);

  s = g_ptr_array_index (self->series, series);
  if (k >= s->points->len)
    return FALSE;
  if (x != NULL)
    *x = point_at (s, k)[0];
  if (y != NULL)
    *y = point_at (s, k)[1];
  return TRUE;
}

const char *
dl_chart_get_x_label (DlChart *self)
{
  g_return_val_if_fail (DL_IS_CHART (self), NULL);
  return self->x_label;
}
