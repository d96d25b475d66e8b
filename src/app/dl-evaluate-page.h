/* dl-evaluate-page.h: the model judged on the test set, on a worker thread */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "dl-dataset-status.h"
#include "nn-dataset.h"
#include "nn-metrics.h"
#include "nn-model.h"

G_BEGIN_DECLS

#define DL_TYPE_EVALUATE_PAGE (dl_evaluate_page_get_type ())
G_DECLARE_FINAL_TYPE (DlEvaluatePage, dl_evaluate_page, DL, EVALUATE_PAGE, AdwBin)

/* Both borrowed; an evaluation copies what it needs, so either may change while it runs. */
void                dl_evaluate_page_set_model      (DlEvaluatePage *self,
                                                     NnModel        *model);
void                dl_evaluate_page_set_dataset    (DlEvaluatePage *self,
                                                     NnDataset      *dataset);
/* The last result, or NULL. */
const NnEvaluation *dl_evaluate_page_get_evaluation (DlEvaluatePage *self);
/* Shows the images of one confusion-matrix cell; returns how many. */
guint               dl_evaluate_page_show_cell      (DlEvaluatePage *self,
                                                     int             label,
                                                     int             predicted);

/* The page's main chart, for Export Figure. */
GtkWidget  *dl_evaluate_page_get_figure (DlEvaluatePage *self);
/* What the page shows while there is no dataset. */
DlDatasetStatus *dl_evaluate_page_get_status (DlEvaluatePage *self);

G_END_DECLS
