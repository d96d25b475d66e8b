/* dl-training.h: a training run on a worker thread, reported on the main thread as signals */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "nn-model.h"
#include "nn-run-store.h"
#include "nn-trainer.h"

G_BEGIN_DECLS

/* The first convolution's weights of the network being trained, as the "filters" signal gives
 * them (a few times an epoch): (out_c, in_c, kernel, kernel), PyTorch's layout. */
typedef struct
{
  float   *weights;       /* (out_c, in_c, kernel, kernel) */
  size_t   out_c, in_c, kernel;
  guint64  step;          /* optimiser steps when they were taken */
  guint    epoch;         /* 1-based epoch in progress */
} DlTrainingFilters;

/* Batches between two "filters" signals. */
#define DL_TRAINING_FILTERS_EVERY 200

#define DL_TYPE_TRAINING (dl_training_get_type ())
G_DECLARE_FINAL_TYPE (DlTraining, dl_training, DL, TRAINING, GObject)

DlTraining *dl_training_new         (void);
/* dataset must stay alive until "finished" or "failed". The worker builds the trainer (the
 * split, the statistics of the training images, the network) and alone owns it while it runs.
 * Errors in the recipe are reported at once; what only building the trainer finds (an
 * architecture whose outputs are not the dataset's classes, images all of one value) comes as
 * "failed". */
gboolean    dl_training_start       (DlTraining          *self,
                                     const NnTrainConfig *config,
                                     const NnDataset     *dataset,
                                     GError             **error);
void        dl_training_set_paused  (DlTraining          *self,
                                     gboolean             paused);
gboolean    dl_training_get_paused  (DlTraining          *self);
/* Asks the worker to stop after the current batch; "finished" follows. */
void        dl_training_stop        (DlTraining          *self);
gboolean    dl_training_get_running (DlTraining          *self);
guint       dl_training_get_epochs_done (DlTraining       *self);
/* Goes on with a recorded run from its checkpoint (nn_run_store_resume), on dataset, which must
 * stay alive as for dl_training_start. */
gboolean    dl_training_resume_run  (DlTraining          *self,
                                     const char          *run_id,
                                     const NnDataset     *dataset,
                                     GError             **error);
/* Every run is recorded in the run store (nn-run-store.h; DIGIT_LAB_RUNS_DIR names another
 * folder): "recording" (the run's id) says it started, "record-failed" (a message) that it
 * trains unrecorded, from the start or from the epoch whose record could not be written (the
 * run id is then NULL: the folder is not this run's record). The store is opened once; NULL with an error when it cannot be. */
NnRunStore *dl_training_get_run_store (DlTraining        *self,
                                       GError           **error);
/* The "run-id" property: the run recorded now or last, or NULL. */
const char *dl_training_get_run_id  (DlTraining          *self);
/* That run's model folder (it exists once an epoch ended), or NULL. */
char       *dl_training_dup_run_model_dir (DlTraining    *self);
/* The run's first convolution as last taken (the same as the last "filters" signal gave), or
 * NULL before any was taken, when the network has no convolution, or after the run ended. */
const DlTrainingFilters *dl_training_get_filters (DlTraining *self);
/* After a run: the best epoch's weights as a model (NULL before the first epoch ended). */
NnModel    *dl_training_dup_model   (DlTraining          *self,
                                     GError             **error);

G_END_DECLS
