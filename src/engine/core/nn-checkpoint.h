/* nn-checkpoint.h: the training checkpoint file — a recipe and its state at an epoch's end */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-rng.h"
#include "nn-safetensors.h"
#include "nn-trainer.h"

G_BEGIN_DECLS

#define NN_CHECKPOINT_ERROR (nn_checkpoint_error_quark ())
GQuark nn_checkpoint_error_quark (void);

typedef enum
{
  NN_CHECKPOINT_ERROR_NOT_CHECKPOINT,  /* not a safetensors file, or not a training checkpoint */
  NN_CHECKPOINT_ERROR_VERSION,         /* a format version this build does not read */
  NN_CHECKPOINT_ERROR_CORRUPT,         /* truncated, extended, malformed, or the checksum fails */
  NN_CHECKPOINT_ERROR_BAD_VALUE,       /* a field is missing, out of range or inconsistent */
  NN_CHECKPOINT_ERROR_MISMATCH,        /* it does not fit the dataset or the network */
} NnCheckpointError;

/* The file is a safetensors file: metadata "format" = "digit-lab-checkpoint", "version" = "2",
 * the recipe, the counters, the random state, the history; tensors "params", "optimizer.m",
 * "optimizer.v" (Adam only) and "best_params" (after the first epoch), each (n_params), and a
 * CRC-32 of the data section. Version 2 files are only ever written at an epoch's end, so a
 * resumed run repeats exactly what the uninterrupted run would have done; version 1 files could
 * hold the middle of an epoch and are refused. */
#define NN_CHECKPOINT_VERSION 2

/* A checkpoint's contents. Filled by the trainer to save (every pointer borrowed), or by
 * nn_checkpoint_open and nn_checkpoint_read_vectors (everything owned, freed by
 * nn_checkpoint_free). Counters describe the state after epoch epochs_done. */
typedef struct
{
  NnTrainConfig  config;              /* n_threads and checkpoint_path are not stored */
  char          *dataset;             /* the dataset's name */
  guint64        n_train_file;        /* images in its training file */

  guint          epochs_done;
  guint64        step;                /* optimiser steps: epochs_done × batches per epoch */
  NnRng          rng;                 /* never all zero */
  guint          best_epoch;          /* 0 exactly when epochs_done is 0 */
  double         best_val_accuracy;   /* those of history[best_epoch − 1]; −1 and ∞ before */
  double         best_val_loss;
  NnEpochStats  *history;             /* (epochs_done) */

  size_t         n_params;
  const float   *params;              /* (n_params) each; NULL until read */
  const float   *m;                   /* Adam's first moment or SGD's velocity */
  const float   *v;                   /* Adam's second moment; NULL for SGD */
  const float   *best_params;         /* NULL exactly when epochs_done is 0 */

  /*< private >*/
  char          *path;
  int            fd;
  gsize          file_size;
  char          *header;              /* (header_len) as read and checked by nn_checkpoint_open */
  guint64        header_len;
  NnSafetensors *tensors;
} NnCheckpoint;

/* Batches in one epoch of this recipe, as the trainer counts them. */
guint64       nn_checkpoint_batches_per_epoch (const NnCheckpoint *ck);

/* The file's bytes. Fails only on a state no trainer makes. */
GBytes       *nn_checkpoint_serialize   (const NnCheckpoint  *ck,
                                         GError             **error);
/* Writes bytes from nn_checkpoint_serialize atomically: a crash, a full disk or a read-only
 * folder leaves the previous file as it was. */
gboolean      nn_checkpoint_write       (const char          *path,
                                         GBytes              *bytes,
                                         GError             **error);

/* Reads and checks the header only: a regular file (no FIFO, device or folder) within
 * NN_FILE_MAX_CHECKPOINT, every field within its range and consistent with the others, and a
 * size that matches the tensors the header announces. The vectors are not read yet.
 * Errors: NN_FILE_ERROR for a file that cannot be read as a file, NN_CHECKPOINT_ERROR. */
NnCheckpoint *nn_checkpoint_open        (const char          *path,
                                         GError             **error);
/* Reads the vectors, which must have n_params values each (the network's; else
 * NN_CHECKPOINT_ERROR_MISMATCH), pass the checksum and be finite (v also ≥ 0). */
gboolean      nn_checkpoint_read_vectors (NnCheckpoint       *ck,
                                          size_t              n_params,
                                          GError            **error);
void          nn_checkpoint_free        (NnCheckpoint        *ck);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnCheckpoint, nn_checkpoint_free)

G_END_DECLS
