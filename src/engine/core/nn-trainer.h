/* nn-trainer.h: the training loop — shuffling, augmentation, validation, best checkpoint, resume */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-dataset.h"
#include "nn-evaluate.h"
#include "nn-model.h"
#include "nn-network.h"
#include "nn-optimizer.h"
#include "nn-train-extras.h"

G_BEGIN_DECLS

#define NN_TRAINER_ERROR (nn_trainer_error_quark ())
GQuark nn_trainer_error_quark (void);

typedef enum
{
  NN_TRAINER_ERROR_BAD_CONFIG,
  NN_TRAINER_ERROR_DIVERGED,
  NN_TRAINER_ERROR_BAD_CHECKPOINT,   /* no longer set: checkpoint files report NN_CHECKPOINT_ERROR */
  NN_TRAINER_ERROR_CHECKPOINT_WRITE, /* the epoch's checkpoint could not be written */
  NN_TRAINER_ERROR_RECORD_WRITE,     /* the run's record could not be written (nn-run-store.h) */
} NnTrainerError;

/* Bounds of a training configuration, checked by nn_train_config_check. */
#define NN_TRAIN_MAX_EPOCHS         10000
#define NN_TRAIN_MAX_BATCH_SIZE     4096
#define NN_TRAIN_MAX_LEARNING_RATE  10.0    /* exclusive */
#define NN_TRAIN_MAX_THREADS        256

typedef struct
{
  char              *spec;               /* architecture text, see nn-spec.h */
  guint              epochs;
  guint              batch_size;
  NnOptimizerConfig  optimizer;
  float              rotation_degrees;   /* ± range of random rotation; 0 turns it off */
  guint              validation_size;    /* held out of the training file */
  guint64            seed;
  guint              n_threads;          /* 0: one per core */
  guint              progress_every;     /* batches between progress reports */
  gboolean           evaluate_test;      /* report test metrics each epoch */
  char              *checkpoint_path;    /* nullable: written atomically after every epoch */
  NnTrainExtras      extras;             /* augmentation beyond rotation, learning-rate
                                          * schedule, label smoothing, training on all */
} NnTrainConfig;

typedef struct
{
  guint   epoch;                 /* 1-based epoch in progress */
  guint   n_epochs;
  guint   batch;                 /* batches done in this epoch */
  guint   n_batches;
  guint64 step;                  /* optimiser steps since the start */
  double  loss;                  /* mean loss of the last batch */
  double  accuracy;              /* accuracy of the last batch */
  double  epoch_loss;            /* running means over the epoch so far */
  double  epoch_accuracy;
  double  samples_per_second;    /* this epoch's training throughput */
  double  elapsed;               /* seconds since this run started */
  double  eta;                   /* seconds left for the remaining epochs, estimated */
} NnTrainProgress;

typedef struct
{
  guint   epoch;
  double  train_loss;
  double  train_accuracy;
  double  val_loss;              /* NAN with extras.train_on_all: nothing is held out */
  double  val_accuracy;
  double  test_loss;             /* NAN when not evaluated */
  double  test_accuracy;
  double  seconds;               /* training time of the epoch, evaluation excluded */
  double  samples_per_second;
  gboolean is_best;
} NnEpochStats;

typedef struct
{
  /* called on the training thread */
  void     (*progress)       (const NnTrainProgress *progress,
                              gpointer               user_data);
  void     (*epoch_finished) (const NnEpochStats    *stats,
                              gpointer               user_data);
  /* polled between batches */
  gboolean (*should_stop)    (gpointer               user_data);
  gpointer user_data;
} NnTrainHooks;

typedef struct _NnTrainer NnTrainer;
typedef struct _NnRunRecorder NnRunRecorder;

void                nn_train_config_init          (NnTrainConfig       *config);
void                nn_train_config_clear         (NnTrainConfig       *config);
/* Every field within its bounds and fitting a training file of n_train_file images (the
 * validation split and a batch leave training images); NN_TRAINER_ERROR_BAD_CONFIG saying
 * which field does not. nn_trainer_new checks the same; the architecture is checked when the
 * network is built. */
gboolean            nn_train_config_check         (const NnTrainConfig *config,
                                                   size_t               n_train_file,
                                                   GError             **error);

NnTrainer          *nn_trainer_new                (const NnTrainConfig *config,
                                                   const NnDataset     *dataset,
                                                   GError             **error);
void                nn_trainer_free               (NnTrainer           *trainer);

/* Trains until all epochs are done or should_stop answers TRUE (then *stopped is set and the
 * network keeps what it learnt; running again restarts the unfinished epoch from its beginning,
 * as a resumed checkpoint would). Returns FALSE on a non-finite loss
 * (NN_TRAINER_ERROR_DIVERGED), or when the checkpoint path is set and the checkpoint could not
 * be written (NN_TRAINER_ERROR_CHECKPOINT_WRITE: the epoch is complete and kept, epoch_finished
 * was called, the run stops there), or when a recorder is set and the run's files could not be
 * written (NN_TRAINER_ERROR_RECORD_WRITE, likewise).
 *
 * With a recorder (nn_trainer_set_recorder), the run is recorded as it goes: every batch's loss
 * (in memory), and at every epoch's end, after the checkpoints, the run's checkpoint, best model,
 * curves and run.json, all before epoch_finished is called; the status is RUNNING while this
 * runs, then FINISHED, STOPPED or FAILED. */
gboolean            nn_trainer_run                (NnTrainer           *trainer,
                                                   const NnTrainHooks  *hooks,
                                                   gboolean            *stopped,
                                                   GError             **error);

/* Checkpoints hold an epoch's end only: weights, optimiser moments, step, RNG state, best
 * weights and history after the last complete epoch, even when a run stopped in the middle of
 * the next one (see nn-checkpoint.h). Saving is atomic. */
gboolean            nn_trainer_save_checkpoint    (NnTrainer           *trainer,
                                                   const char          *path,
                                                   GError             **error);
/* Errors: NN_FILE_ERROR, NN_CHECKPOINT_ERROR (a bad file, or one of another dataset or
 * network), NN_TRAINER_ERROR_BAD_CONFIG (n_threads). Finishing the epochs gives the same
 * weights, bit for bit, as the run that wrote the checkpoint would have with the same threads. */
NnTrainer          *nn_trainer_new_from_checkpoint (const char         *path,
                                                   const NnDataset     *dataset,
                                                   guint                n_threads,
                                                   GError             **error);
/* Where nn_trainer_run writes a checkpoint after every epoch (NULL: nowhere); for a resumed
 * trainer, whose config comes from the file. */
void                nn_trainer_set_checkpoint_path (NnTrainer          *trainer,
                                                   const char          *path);
/* Records the run into a run store (nn-run-store.h); the trainer owns the recorder and frees it
 * with itself (or when another is set; NULL stops recording). The recorder is used on the
 * thread that runs the trainer, only while it runs. */
void                nn_trainer_set_recorder       (NnTrainer           *trainer,
                                                   NnRunRecorder       *recorder);
NnRunRecorder      *nn_trainer_get_recorder       (NnTrainer           *trainer);
/* Lets a resumed run go on for more epochs than first planned. */
void                nn_trainer_set_epochs         (NnTrainer           *trainer,
                                                   guint                epochs);

const NnTrainConfig *nn_trainer_get_config        (const NnTrainer     *trainer);
NnNetwork          *nn_trainer_get_network        (NnTrainer           *trainer);
const NnNormalisation *nn_trainer_get_normalisation (const NnTrainer   *trainer);
/* The learning rate of the next update (the schedule's at the current step). */
double              nn_trainer_get_learning_rate  (const NnTrainer     *trainer);
guint               nn_trainer_get_epochs_done    (const NnTrainer     *trainer);
const NnEpochStats *nn_trainer_get_history        (const NnTrainer     *trainer,
                                                   guint               *n_epochs);
/* The weights of the epoch with the best validation accuracy (NULL before the first epoch); with
 * extras.train_on_all, of the last epoch. */
const float        *nn_trainer_get_best_params    (const NnTrainer     *trainer,
                                                   guint               *best_epoch);
size_t              nn_trainer_get_n_train        (const NnTrainer     *trainer);
/* The best epoch's weights (the current ones before any epoch ended) as a model that records
 * its recipe; NULL with an error if the network does not fit the dataset's names. */
NnModel            *nn_trainer_dup_best_model     (NnTrainer           *trainer,
                                                   size_t               n_threads,
                                                   GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnTrainer, nn_trainer_free)

G_END_DECLS
