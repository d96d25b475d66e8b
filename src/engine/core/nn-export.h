/* nn-export.h: a folder ready for the Hugging Face Hub — weights, config and a model card */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-dataset.h"
#include "nn-metrics.h"
#include "nn-model.h"

G_BEGIN_DECLS

/* The PyTorch script export writes beside the model (core/nn-export-train.py): it builds the
 * network from config.json, trains the same recipe under torchrun, loads the weights. */
#define NN_EXPORT_TRAIN_SCRIPT "train.py"
extern const char nn_export_train_script[];

/* An example image for the Hub's widget, with the model's real output for it. */
typedef struct
{
  char   *file;        /* in the export folder: "example-1-7.png" */
  size_t  index;       /* in the image set it came from */
  guint   label;       /* its true class */
  size_t  n_classes;
  float  *probs;       /* (n_classes), as the engine predicts them */
} NnExportExample;

void      nn_export_example_free (NnExportExample    *example);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnExportExample, nn_export_example_free)

/* Up to n_examples images of images (the first of each class in turn, class 0 first), each
 * predicted by the engine with model's weights. Returns NnExportExample items. */
GPtrArray *nn_export_predict_examples (const NnModel    *model,
                                       const NnImageSet *images,
                                       guint             n_examples,
                                       GError          **error);

/* The model card (README.md) text; every number comes from ev, measured on the test set, and
 * from the examples (NULL or empty: no widget examples). */
char     *nn_export_model_card   (const NnModel      *model,
                                  const NnEvaluation *ev,
                                  GPtrArray          *examples);
/* Writes DIR/model.safetensors, DIR/config.json, DIR/README.md, DIR/train.py and, when test is
 * given, its first images of a few classes as DIR/example-*.png for the card's widget. */
gboolean  nn_export_hugging_face (const NnModel      *model,
                                  const NnEvaluation *ev,
                                  const NnImageSet   *test,
                                  const char         *dir,
                                  GError            **error);

G_END_DECLS
