/* dl-dataset-page.h: browse the 70,000 images, filter them, inspect one */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "dl-dataset-status.h"
#include "nn-dataset.h"
#include "nn-metrics.h"
#include "nn-model.h"

G_BEGIN_DECLS

#define DL_TYPE_DATASET_PAGE (dl_dataset_page_get_type ())
G_DECLARE_FINAL_TYPE (DlDatasetPage, dl_dataset_page, DL, DATASET_PAGE, AdwBin)

/* Follow the session's dataset and model (DlPage); what the notifications call. Both borrowed
 * from the session. */
void        dl_dataset_page_set_dataset (DlDatasetPage *self,
                                         NnDataset     *dataset);
void        dl_dataset_page_set_model   (DlDatasetPage *self,
                                         NnModel       *model);
GListModel *dl_dataset_page_get_images  (DlDatasetPage *self);
/* From an evaluation of the test set: enables the "Misclassified" filter. */
void        dl_dataset_page_set_mistakes (DlDatasetPage      *self,
                                          const NnEvaluation *ev);
/* Shows one test image: clears the filters and selects it. */
void        dl_dataset_page_show_test_image (DlDatasetPage *self,
                                             guint          index);
/* Shows one image of either split: clears the class filter, picks the split and selects it. */
void        dl_dataset_page_show_image  (DlDatasetPage *self,
                                         gboolean       is_test,
                                         guint          index);
/* Selects the n-th visible image; returns the details text shown for it. */
const char *dl_dataset_page_select      (DlDatasetPage *self,
                                         guint          position);

/* The page's main chart, for Export Figure. */
GtkWidget  *dl_dataset_page_get_figure (DlDatasetPage *self);
/* What the page shows while there is no dataset. */
DlDatasetStatus *dl_dataset_page_get_status (DlDatasetPage *self);

G_END_DECLS
