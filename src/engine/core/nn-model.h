/* nn-model.h: a trained network with everything needed to use it — safetensors + config.json */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-evaluate.h"
#include "nn-network.h"
#include "nn-train-extras.h"

G_BEGIN_DECLS

#define NN_MODEL_ERROR (nn_model_error_quark ())
GQuark nn_model_error_quark (void);

typedef enum
{
  NN_MODEL_ERROR_BAD_CONFIG,
  NN_MODEL_ERROR_MISMATCH,
  NN_MODEL_ERROR_IO,
} NnModelError;

#define NN_MODEL_WEIGHTS_FILE "model.safetensors"
#define NN_MODEL_CONFIG_FILE "config.json"
/* The weights' metadata key that holds a copy of config.json, so the file alone is a model. */
#define NN_MODEL_CONFIG_METADATA "digit_lab_config"
#define NN_MODEL_FORMAT_VERSION 1
/* The normalisation a model may carry: pixels lie in [0, 1], and so must the mean. */
#define NN_MODEL_MIN_STD 1e-6
#define NN_MODEL_MAX_STD 1.0

/* SGD's momentum in files written before it was recorded: the only one it had then */
#define NN_MODEL_DEFAULT_MOMENTUM 0.9

/* How the weights were trained, kept with them for the model card; optional. */
typedef struct
{
  gboolean  known;
  guint     epochs;
  guint     best_epoch;
  guint     batch_size;
  char     *optimizer;
  double    learning_rate;
  double    rotation_degrees;
  double    weight_decay;  /* 0 in files from before it was recorded */
  double    momentum;      /* SGD's; 0.9, the one it always had, in files without it */
  NnTrainExtras extras;    /* defaults in files from before they were recorded; with
                            * extras.train_on_all, n_train counts the validation images too */
  guint     validation_size;
  guint64   seed;
  guint     n_train;
  /* what the model card reports beside the recipe; older files lack them */
  double    best_val_accuracy;  /* of best_epoch; NAN when unknown */
  double    seconds;            /* training time, evaluation excluded; NAN when unknown */
  guint     n_threads;          /* 0 when unknown */
  char     *hardware;           /* "AMD EPYC 7B13 (avx2-fma)", or NULL */
  char     *engine_version;     /* the Digit Lab that trained it, or NULL */
} NnModelTraining;

typedef struct
{
  NnNetwork       *net;
  NnModelTraining  training;
  NnNormalisation  norm;
  char            *dataset;      /* e.g. "mnist" */
  char           **class_names;  /* (n_classes), NULL-terminated */
  size_t           n_classes;
  size_t           C, H, W;      /* input shape */
  double           test_accuracy; /* as measured when saved; NAN when unknown */
  gatomicrefcount  ref_count;    /* shared like NnDataset: nn_model_ref (), nn_model_unref () */
} NnModel;

NnModel  *nn_model_new               (const NnSpec          *spec,
                                      size_t                 C,
                                      size_t                 H,
                                      size_t                 W,
                                      const float           *params,
                                      const NnNormalisation *norm,
                                      const char            *dataset,
                                      const char *const     *class_names,
                                      size_t                 n_threads,
                                      GError               **error);
NnModel  *nn_model_ref               (NnModel               *model);
void      nn_model_unref             (NnModel               *model);
/* The older name of nn_model_unref (), kept for callers that have not moved to it. */
void      nn_model_free              (NnModel               *model);
/* An independent model with the same architecture, weights, normalisation, names and training
 * record, whose network runs on n_threads: what a background job takes so that nothing it
 * computes depends on the caller's copy. */
NnModel  *nn_model_copy              (const NnModel         *model,
                                      size_t                 n_threads,
                                      GError               **error);

/* Writes DIR/model.safetensors and DIR/config.json as a unit: both are written and synced into
 * a new folder beside DIR, which then takes DIR's place in one step (Linux's RENAME_EXCHANGE;
 * elsewhere, or with DIGIT_LAB_SAVE_WITHOUT_EXCHANGE set, the old folder is renamed aside and
 * put back on failure) before the old one is
 * removed. On any failure DIR is as it was and no temporary folder is left. An existing DIR
 * that holds anything but a model's own files (config.json, model.safetensors, an export's
 * README.md, train.py and example-*.png, which go with the old model) is refused, as is a symbolic link. */
gboolean  nn_model_save              (const NnModel         *model,
                                      const char            *dir,
                                      GError               **error);
/* path: a model folder, its model.safetensors or its config.json. Files are read only when
 * regular and within NN_FILE_MAX_CONFIG / NN_FILE_MAX_WEIGHTS (else an NN_FILE_ERROR); every
 * field, the tensors against the architecture, and a folder's config.json against the copy
 * inside its weights (a MISMATCH when they differ) are checked before the network is
 * allocated. */
NnModel  *nn_model_load              (const char            *path,
                                      size_t                 n_threads,
                                      GError               **error);
NnModel  *nn_model_load_from_data    (const char            *config_json,
                                      size_t                 config_length,
                                      const guint8          *weights,
                                      size_t                 weights_length,
                                      size_t                 n_threads,
                                      GError               **error);
char     *nn_model_config_to_json    (const NnModel         *model);

/* Whether inputs of shape (C, H, W) fit the model: a MISMATCH error that names both shapes. */
gboolean  nn_model_check_input       (const NnModel         *model,
                                      size_t                 C,
                                      size_t                 H,
                                      size_t                 W,
                                      GError               **error);
/* Whether the model can be measured on, or used with, a dataset: the image size, the number of
 * classes and their names must all agree (a digit model on Fashion-MNIST is a MISMATCH). */
gboolean  nn_model_check_dataset     (const NnModel         *model,
                                      const NnDataset       *ds,
                                      GError               **error);

/* Probabilities (n_classes) for one preprocessed image in [0, 1], ink 1 (H, W). */
void      nn_model_predict_image     (NnModel               *model,
                                      const float           *image,
                                      float                 *probs);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnModel, nn_model_unref)

G_END_DECLS
