/* dl-confusion-matrix.h: the confusion matrix as a heat map with counts or shares, axis titles
 * and a legend; cells are clickable */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "nn-metrics.h"

G_BEGIN_DECLS

#define DL_TYPE_CONFUSION_MATRIX (dl_confusion_matrix_get_type ())
G_DECLARE_FINAL_TYPE (DlConfusionMatrix, dl_confusion_matrix, DL, CONFUSION_MATRIX, GtkWidget)

GtkWidget *dl_confusion_matrix_new            (void);
/* Copies the counts; ev may be NULL to show nothing. */
void       dl_confusion_matrix_set_evaluation (DlConfusionMatrix  *self,
                                               const NnEvaluation *ev,
                                               const char *const  *names);
/* The key numbers in sentences — the diagonal, the most confused pairs, the selected cell —
 * which is also the accessible description. */
const char *dl_confusion_matrix_get_summary   (DlConfusionMatrix  *self);
/* Selects a cell as a click or the keyboard does, and emits "cell-activated". */
void       dl_confusion_matrix_activate_cell  (DlConfusionMatrix  *self,
                                               int                 row,
                                               int                 col);

/* "percent": cells show their share of the true class (the row) instead of counts. */
gboolean   dl_confusion_matrix_get_percent    (DlConfusionMatrix  *self);
void       dl_confusion_matrix_set_percent    (DlConfusionMatrix  *self,
                                               gboolean            percent);
/* What a cell shows now, in the locale's style; "" for an empty cell, NULL outside the grid. */
char      *dl_confusion_matrix_dup_cell_text  (DlConfusionMatrix  *self,
                                               int                 row,
                                               int                 col);

/* Where the matrix puts its parts in a width × height area: boxes that lie inside it and never
 * overlap; a part too big for the area is left out (its box empty). height <= 0 lays out the
 * grid as wide as width allows, and says in height how tall everything is then. */
typedef struct
{
  graphene_rect_t grid;
  graphene_rect_t predicted_title;  /* above the column names */
  graphene_rect_t column_names;
  graphene_rect_t true_title;       /* written bottom up, left of the row names */
  graphene_rect_t row_names;
  graphene_rect_t legend[2];        /* the diagonal's ramp, the mistakes' ramp */
  double          height;
} DlConfusionMatrixLayout;

void       dl_confusion_matrix_get_layout     (DlConfusionMatrix       *self,
                                               double                   width,
                                               double                   height,
                                               DlConfusionMatrixLayout *boxes);

/* Draws the figure into cr at width × height. */
void       dl_confusion_matrix_draw (DlConfusionMatrix *self,
                                     cairo_t *cr,
                                     double   width,
                                     double   height);

G_END_DECLS
