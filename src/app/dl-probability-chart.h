/* dl-probability-chart.h: one horizontal bar per class, the most likely one highlighted */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DL_TYPE_PROBABILITY_CHART (dl_probability_chart_get_type ())
G_DECLARE_FINAL_TYPE (DlProbabilityChart, dl_probability_chart, DL, PROBABILITY_CHART, GtkWidget)

GtkWidget *dl_probability_chart_new       (void);
/* probs (n_classes) or NULL for none; names borrowed for the call */
void       dl_probability_chart_set_probs (DlProbabilityChart *self,
                                           const float        *probs,
                                           const char *const  *names,
                                           size_t              n_classes);
/* The prediction and the runner-up in a sentence: the accessible description. */
const char *dl_probability_chart_get_summary (DlProbabilityChart *self);

/* Draws the figure into cr at width × height. */
void       dl_probability_chart_draw (DlProbabilityChart *self,
                                      cairo_t *cr,
                                      double   width,
                                      double   height);

G_END_DECLS
