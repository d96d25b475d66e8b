/* dl-explore-page.h: what is in the dataset — integrity, balance, mean images, augmentation */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "dl-dataset-status.h"
#include "nn-dataset.h"
#include "nn-report.h"

G_BEGIN_DECLS

#define DL_TYPE_EXPLORE_PAGE (dl_explore_page_get_type ())
G_DECLARE_FINAL_TYPE (DlExplorePage, dl_explore_page, DL, EXPLORE_PAGE, AdwBin)

/* Follows the session's dataset (DlPage), borrowed from it; the report is computed on a
 * worker. */
void            dl_explore_page_set_dataset (DlExplorePage *self,
                                             NnDataset     *dataset);
/* The report shown, or NULL while there is none. */
const NnReport *dl_explore_page_get_report  (DlExplorePage *self);

/* The page's main chart, for Export Figure. */
GtkWidget  *dl_explore_page_get_figure (DlExplorePage *self);
/* What the page shows while there is no dataset. */
DlDatasetStatus *dl_explore_page_get_status (DlExplorePage *self);

G_END_DECLS
