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

/* Follow the session (DlPage); both borrowed from it, and an evaluation copies what it needs;
 * its result goes to the session, which every page reads. A new model or dataset drops the
 * results shown and any evaluation still running: they were of the pair before. */
void                dl_evaluate_page_set_model      (DlEvaluatePage *self,
                                                     NnModel        *model);
void                dl_evaluate_page_set_dataset    (DlEvaluatePage *self,
                                                     NnDataset      *dataset);
/* The last result, or NULL. */
const NnEvaluation *dl_evaluate_page_get_evaluation (DlEvaluatePage *self);
/* Why the model cannot be measured on the dataset (nn_model_check_dataset), or NULL. */
const GError       *dl_evaluate_page_get_unfit      (DlEvaluatePage *self);
/* "no-data", "unfit", "empty" (ready to evaluate) or "results". */
const char         *dl_evaluate_page_get_visible_state (DlEvaluatePage *self);
/* Shows the images of one confusion-matrix cell; returns how many. */
guint               dl_evaluate_page_show_cell      (DlEvaluatePage *self,
                                                     int             label,
                                                     int             predicted);

/* The page's main chart, for Export Figure. */
GtkWidget  *dl_evaluate_page_get_figure (DlEvaluatePage *self);
/* What the page shows while there is no dataset. */
DlDatasetStatus *dl_evaluate_page_get_status (DlEvaluatePage *self);

G_END_DECLS
