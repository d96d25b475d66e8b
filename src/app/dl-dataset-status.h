/* dl-dataset-status.h: what a data page shows without a dataset — get MNIST, open a folder */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "dl-session.h"

G_BEGIN_DECLS

#define DL_TYPE_DATASET_STATUS (dl_dataset_status_get_type ())
G_DECLARE_FINAL_TYPE (DlDatasetStatus, dl_dataset_status, DL, DATASET_STATUS, AdwBin)

GtkWidget  *dl_dataset_status_new                   (void);
/* What the page needs the dataset for, in a sentence. */
const char *dl_dataset_status_get_description       (DlDatasetStatus *self);
void        dl_dataset_status_set_description       (DlDatasetStatus *self,
                                                     const char      *description);
/* Shows the Fashion-MNIST button. */
gboolean    dl_dataset_status_get_fashion_available (DlDatasetStatus *self);
void        dl_dataset_status_set_fashion_available (DlDatasetStatus *self,
                                                     gboolean         available);
/* fraction in [0, 1] and what is being fetched; negative when no download runs */
double      dl_dataset_status_get_progress          (DlDatasetStatus *self);
const char *dl_dataset_status_get_progress_text     (DlDatasetStatus *self);
void        dl_dataset_status_set_progress          (DlDatasetStatus *self,
                                                     double           fraction,
                                                     const char      *text);
/* Why the last download failed, as a sentence for people, or NULL. */
const char *dl_dataset_status_get_error             (DlDatasetStatus *self);
void        dl_dataset_status_set_error             (DlDatasetStatus *self,
                                                     const char      *message);
/* The technical reason behind it (sources, addresses), shown as the error's tooltip; or NULL. */
const char *dl_dataset_status_get_error_details     (DlDatasetStatus *self);
void        dl_dataset_status_set_error_details     (DlDatasetStatus *self,
                                                     const char      *details);

/* The session whose download it shows (progress, error, Fashion-MNIST); the .ui binds it to the
 * page's. */
DlSession  *dl_dataset_status_get_session           (DlDatasetStatus *self);
void        dl_dataset_status_set_session           (DlDatasetStatus *self,
                                                     DlSession       *session);

G_END_DECLS
