/* dl-activation-bars.h: a dense layer's outputs as one bar per unit, above and below zero */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DL_TYPE_ACTIVATION_BARS (dl_activation_bars_get_type ())
G_DECLARE_FINAL_TYPE (DlActivationBars, dl_activation_bars, DL, ACTIVATION_BARS, GtkWidget)

GtkWidget   *dl_activation_bars_new        (void);
/* values (n), copied; names (n) label the bars when they fit (class names), or NULL. */
void         dl_activation_bars_set_values (DlActivationBars  *self,
                                            const float       *values,
                                            size_t             n,
                                            const char *const *names);
/* The values as set (borrowed), or NULL. */
const float *dl_activation_bars_get_values (DlActivationBars  *self,
                                            size_t            *n);

G_END_DECLS
