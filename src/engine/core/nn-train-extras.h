/* nn-train-extras.h: the recipe's augmentation beyond rotation, learning-rate schedule and
 * regularisation, and how every file that holds a recipe stores them */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-augment.h"
#include "nn-json.h"
#include "nn-optimizer.h"

G_BEGIN_DECLS

#define NN_TRAIN_MAX_LABEL_SMOOTHING 0.5f   /* inclusive */

/* Parts of a training recipe that came after the first file formats. Files that hold a recipe
 * (config.json's "training", run.json's "recipe", the checkpoint's metadata) store each as a
 * key of its own; a file without a key has the default, which trains as recipes did before:
 * no translation, scale, shear or elastic distortion, a constant learning rate, no label
 * smoothing, the validation split held out. */
typedef struct
{
  float         translate;        /* "translate": ± share of the width and height, [0, 0.5] */
  float         scale;            /* "scale": factor in [1 − s, 1 + s], s in [0, 0.5] */
  float         shear_degrees;    /* "shear_degrees": ± horizontal shear, [0, 45] */
  float         elastic_alpha;    /* "elastic_alpha": pixels, [0, 100]; 0 turns it off */
  float         elastic_sigma;    /* "elastic_sigma": pixels, [0.5, 20] (4) */
  NnLrSchedule  lr_schedule;      /* "lr_schedule", "lr_step_epochs", "lr_gamma", "lr_min",
                                   * "lr_pct_start", "lr_div_factor", "lr_final_div_factor" */
  float         label_smoothing;  /* "label_smoothing": [0, 0.5] */
  gboolean      train_on_all;     /* "train_on_all": the validation images are trained on too
                                   * (the epoch count having been chosen on the split before);
                                   * the last epoch is then the one kept, and the validation
                                   * figures are no longer held out */
} NnTrainExtras;

void         nn_train_extras_init        (NnTrainExtras        *extras);
/* NULL when every field is within its bounds (the floor of a cosine schedule against the
 * learning rate lr), else which is not. */
const char  *nn_train_extras_check       (const NnTrainExtras  *extras,
                                          double                lr);
/* The augmentation ranges of a recipe with this rotation. */
void         nn_train_extras_get_augment (const NnTrainExtras  *extras,
                                          float                 rotation_degrees,
                                          NnAugmentConfig      *augment);

/* Writes the keys in use into the object w has open (numbers, a string, a boolean): the
 * parameters of the schedule in use, sigma with an elastic distortion, anything else that is
 * not off. A recipe that trains as recipes did before writes none. */
void         nn_train_extras_write_json  (const NnTrainExtras  *extras,
                                          NnJsonWriter         *w);
/* Appends the same keys' (key, value) pairs of text to kv (g_free'd strings), as checkpoint
 * metadata. */
void         nn_train_extras_write_strings (const NnTrainExtras *extras,
                                            GPtrArray           *kv);
/* Reads the keys present in object (others keep their values), as JSON values, or, with
 * as_strings, every value as text (checkpoint metadata). A value of the wrong type or out of
 * its bounds is an NN_JSON_ERROR_WRONG_TYPE error that names the key; the cosine floor is not
 * checked against the learning rate here. */
gboolean     nn_train_extras_read_json   (NnTrainExtras        *extras,
                                          const NnJsonNode     *object,
                                          gboolean              as_strings,
                                          GError              **error);

G_END_DECLS
