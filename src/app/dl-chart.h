/* dl-chart.h: one reusable line chart — series of points, axes, ticks, legend, hover readout */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DL_TYPE_CHART (dl_chart_get_type ())
G_DECLARE_FINAL_TYPE (DlChart, dl_chart, DL, CHART, GtkWidget)

typedef enum
{
  DL_CHART_LINE,          /* a solid line */
  DL_CHART_FAINT,         /* a thin, translucent line under the others (raw noisy data) */
  DL_CHART_MARKERS,       /* a line with a dot at each point */
  DL_CHART_BARS,          /* a bar from 0 at each point; bar series sit side by side */
} DlChartStyle;

GtkWidget *dl_chart_new          (const char   *x_label,
                                  const char   *y_label);
/* Returns the series index. Colours are libadwaita palette names ("blue", "orange" …). */
guint      dl_chart_add_series   (DlChart      *self,
                                  const char   *name,
                                  const char   *color,
                                  DlChartStyle  style);
void       dl_chart_append       (DlChart      *self,
                                  guint         series,
                                  double        x,
                                  double        y);
void       dl_chart_clear        (DlChart      *self);
/* Fixes the y range (e.g. 0 … 1 for accuracy); NAN bounds follow the data. */
void       dl_chart_set_y_range  (DlChart      *self,
                                  double        y_min,
                                  double        y_max);
/* Fixes the x range, e.g. 0 … number of epochs; NAN bounds follow the data. */
void       dl_chart_set_x_range  (DlChart      *self,
                                  double        x_min,
                                  double        x_max);
/* The text in the plot while no series has a point ("No data yet" unless set); NULL: none. */
void       dl_chart_set_placeholder (DlChart   *self,
                                     const char *text);
/* y values are fractions, labelled as percentages (0.985 → 98.5%). */
void       dl_chart_set_y_percent (DlChart     *self,
                                   gboolean     percent);
/* A logarithmic y axis over whole decades; points at or below 0 are not drawn. */
void       dl_chart_set_y_log    (DlChart      *self,
                                  gboolean      log_scale);
gboolean   dl_chart_get_y_log    (DlChart      *self);
/* A tick at every multiple of step on the x axis (1 for classes); 0 chooses one. */
void       dl_chart_set_x_step   (DlChart      *self,
                                  double        step);
/* A dashed vertical line at x with a label (the epoch a training kept, say); NAN removes it, as
 * dl_chart_clear () does. */
void       dl_chart_set_marker   (DlChart      *self,
                                  double        x,
                                  const char   *label);
double     dl_chart_get_marker   (DlChart      *self);
/* What the readout under the pointer says at data x: each series' nearest point, a line each. */
char      *dl_chart_dup_readout  (DlChart      *self,
                                  double        x);
guint      dl_chart_get_n_points (DlChart      *self,
                                  guint         series);
/* The key numbers in a sentence, for screen readers; owners set it when their data changes.
 * NULL (and dl_chart_clear ()) say there is no data yet. */
void        dl_chart_set_summary (DlChart      *self,
                                  const char   *summary);
const char *dl_chart_get_summary (DlChart      *self);

/* Draws the whole figure into cr at width × height (Export Figure). On screen the chart keeps
 * what did not change in images, and reduces each series to what a pixel column can show. */
void       dl_chart_draw (DlChart *self,
                          cairo_t *cr,
                          double   width,
                          double   height);

/* Appended points and markers are drawn at most once per msec (250 unless set; 0: at once);
 * the pointer's readout, settings and a page switch are drawn at once. */
void       dl_chart_set_redraw_interval (DlChart *self,
                                         guint    msec);
/* The clock of that limit, in microseconds; NULL: g_get_monotonic_time (). For tests. */
typedef gint64 (*DlChartClock) (gpointer user_data);
void       dl_chart_set_clock    (DlChart      *self,
                                  DlChartClock  clock,
                                  gpointer      user_data);
/* How many redraws new data has asked for so far. */
guint      dl_chart_get_n_redraws (DlChart     *self);
/* How many points the series of the last draw went through: at most four a pixel column. */
guint      dl_chart_get_n_drawn_points (DlChart *self);
/* Removes the series from index first on (runs overlaid for a while, say). */
void       dl_chart_remove_series_from (DlChart *self,
                                        guint    first);
guint      dl_chart_get_n_series (DlChart      *self);
/* Empties one series (its points are computed again, say), keeping its place and look. */
void       dl_chart_clear_series (DlChart      *self,
                                  guint         series);
/* A series that no longer grows (a finished run overlaid) is drawn once into a layer of its own,
 * under the series that grow, and painted from it until the plot's size, ranges or colours or
 * the still series change: a frame for a run's new points draws those alone. Appending to a still
 * series still works, at the cost of drawing the layer again. */
void       dl_chart_set_series_still (DlChart  *self,
                                      guint     series,
                                      gboolean  still);
/* How many times the still layer was drawn (for tests). */
guint      dl_chart_get_n_still_builds (DlChart *self);
/* What the x axis measures (epochs, images seen, seconds). */
void       dl_chart_set_x_label  (DlChart      *self,
                                  const char   *x_label);
const char *dl_chart_get_x_label (DlChart      *self);
/* The k-th point of a series as appended; FALSE when there is none. */
gboolean   dl_chart_get_point    (DlChart      *self,
                                  guint         series,
                                  guint         k,
                                  double       *x,
                                  double       *y);

G_END_DECLS
