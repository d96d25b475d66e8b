/* nn-metrics.h: accuracy, per-class precision/recall/F1, confusion matrix and mistakes */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint32 index;            /* position in the evaluated set */
  guint8  label;
  guint8  predicted;
  float   confidence;       /* probability given to the wrong prediction */
  float   label_probability;
} NnMistake;

typedef struct
{
  size_t     n_classes;
  size_t     n_samples;
  guint32   *confusion;     /* (n_classes, n_classes): row = true class, column = predicted */
  double     accuracy;
  double     loss;          /* mean cross-entropy; NAN when only predictions were given */
  double    *precision;     /* (n_classes) 0 when a class was never predicted */
  double    *recall;        /* (n_classes) 0 when a class never occurs */
  double    *f1;            /* (n_classes) */
  guint32   *support;       /* (n_classes) true samples per class */
  double     macro_precision;
  double     macro_recall;
  double     macro_f1;
  NnMistake *mistakes;      /* (n_mistakes) most confident first */
  size_t     n_mistakes;
  float     *mistake_probs; /* (n_mistakes, n_classes) */
} NnEvaluation;

/* probs (n, n_classes) rows summing to one; labels (n) below n_classes. */
NnEvaluation *nn_evaluation_new       (const float        *probs,
                                       const guint8       *labels,
                                       size_t              n,
                                       size_t              n_classes);
void          nn_evaluation_free      (NnEvaluation       *ev);
size_t        nn_argmax               (const float        *values,
                                       size_t              n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnEvaluation, nn_evaluation_free)

G_END_DECLS
