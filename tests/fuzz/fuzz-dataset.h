/* fuzz-dataset.h: the small dataset the checkpoint harness and its seeds share */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "nn-dataset.h"

#define FUZZ_DATASET_NAME "fuzz-bars"
#define FUZZ_DATASET_SIDE 8
#define FUZZ_DATASET_CLASSES 4
#define FUZZ_DATASET_TRAIN 48

/* A vertical bar in column (label × 2): the same pictures every time. */
static inline NnImageSet *
fuzz_bars (size_t n)
{
  NnImageSet *set = nn_image_set_new (n, FUZZ_DATASET_SIDE, FUZZ_DATASET_SIDE);

  for (size_t i = 0; i < n; i++)
    {
      guint8 label = (guint8) (i % FUZZ_DATASET_CLASSES);
      guint8 *img = set->pixels + i * FUZZ_DATASET_SIDE * FUZZ_DATASET_SIDE;

      set->labels[i] = label;
      for (size_t y = 0; y < FUZZ_DATASET_SIDE; y++)
        img[y * FUZZ_DATASET_SIDE + label * 2] = (guint8) (200 + (i + y) % 56);
    }
  return set;
}

static inline NnDataset *
fuzz_dataset_new (void)
{
  NnDataset *ds = nn_dataset_new ();

  ds->kind = NN_DATASET_CUSTOM;
  ds->name = g_strdup (FUZZ_DATASET_NAME);
  ds->dir = g_strdup ("generated");
  ds->n_classes = FUZZ_DATASET_CLASSES;
  ds->class_names = g_new0 (char *, FUZZ_DATASET_CLASSES + 1);
  for (int k = 0; k < FUZZ_DATASET_CLASSES; k++)
    ds->class_names[k] = g_strdup_printf ("bar %d", k);
  ds->train = fuzz_bars (FUZZ_DATASET_TRAIN);
  ds->test = fuzz_bars (16);
  return ds;
}
