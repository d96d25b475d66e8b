/* nn-report.h: the integrity report of a dataset — counts, classes, duplicates, statistics */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-dataset.h"

G_BEGIN_DECLS

#define NN_REPORT_NEAR_BLANK 10     /* images with fewer lit pixels than this are near-blank */
#define NN_REPORT_MAX_EXAMPLES 10

typedef struct
{
  const char *name;               /* "train" or "test" */
  size_t      n_images;
  size_t      rows, cols;
  guint       label_min, label_max;
  guint32    *class_counts;       /* (n_classes) */
  size_t      n_blank;            /* all pixels zero */
  size_t      n_near_blank;       /* fewer than NN_REPORT_NEAR_BLANK non-zero pixels */
  size_t      n_duplicates;       /* images equal to an earlier image of this split */
  guint32     duplicate_examples[NN_REPORT_MAX_EXAMPLES][2];   /* (earlier, later) */
  size_t      n_duplicate_examples;
  double      mean, std;          /* pixel / 255 */
  guint64     histogram[256];     /* pixel-intensity counts */
  float      *class_means;        /* (n_classes, rows, cols) mean image per class, 0 … 1 */
  char       *sha256[2];          /* of the images file and the labels file */
} NnSplitReport;

typedef struct
{
  char          *dataset;
  char          *dir;
  size_t         n_classes;
  char         **class_names;
  NnSplitReport  splits[2];       /* train, test */
  size_t         n_cross_duplicates;   /* test images that also appear in the training set */
  guint32        cross_examples[NN_REPORT_MAX_EXAMPLES][2];  /* (train index, test index) */
  size_t         n_cross_examples;
} NnReport;

NnReport *nn_report_new     (const NnDataset *ds,
                             GError         **error);
void      nn_report_free    (NnReport        *report);
char     *nn_report_to_text (const NnReport  *report);
char     *nn_report_to_json (const NnReport  *report);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnReport, nn_report_free)

G_END_DECLS
