/* dl-train-page.h: choose a recipe, train on a worker thread, watch the curves live */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "dl-dataset-status.h"
#include "dl-spec-editor.h"
#include "dl-training.h"
#include "nn-dataset.h"

G_BEGIN_DECLS

#define DL_TYPE_TRAIN_PAGE (dl_train_page_get_type ())
G_DECLARE_FINAL_TYPE (DlTrainPage, dl_train_page, DL, TRAIN_PAGE, AdwBin)

/* Follows the session's dataset (DlPage), which the session keeps until the training that
 * borrows it has stopped; NULL shows "No Dataset". */
void        dl_train_page_set_dataset        (DlTrainPage *self,
                                              NnDataset   *dataset);
/* The session's training once the page has a session. */
DlTraining *dl_train_page_get_training       (DlTrainPage *self);
/* What the page shows while there is no dataset. */
DlDatasetStatus *dl_train_page_get_status    (DlTrainPage *self);

/* The architecture editor. */
DlSpecEditor *dl_train_page_get_spec_editor  (DlTrainPage *self);

/* The page's main chart, for Export Figure. */
GtkWidget  *dl_train_page_get_figure (DlTrainPage *self);

G_END_DECLS
